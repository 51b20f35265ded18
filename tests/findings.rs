//! Every finding kept under `scenarios/findings/` replays: the same violation at the same
//! step, so a finding stays a finding while the models change (or a change that makes it go
//! away has to say why).

use hvsim::explore::repro::{self, check_replay};

#[test]
fn every_kept_finding_replays_its_violation_at_its_step() {
    let mut files: Vec<_> = std::fs::read_dir("scenarios/findings")
        .expect("the findings directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".repro.ron"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "a finding is kept");
    for f in files {
        let r = repro::load(&f.to_string_lossy()).unwrap_or_else(|e| panic!("{e}"));
        let out = repro::replay(&r);
        if let Err(m) = check_replay(&r, &out) {
            panic!("{}: {m}", f.display());
        }
    }
}

#[test]
fn every_kept_finding_scenario_breaks_where_its_expect_block_says() {
    let mut files: Vec<_> = std::fs::read_dir("scenarios/findings")
        .expect("the findings directory")
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".ron") && !name.ends_with(".repro.ron")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "a finding scenario is kept");
    for f in files {
        let scn = hvsim::scenario::load(&f.to_string_lossy()).unwrap_or_else(|e| panic!("{e}"));
        for row in hvsim::explore::verify::verify_scenario(&scn, 2) {
            assert!(row.ok, "{}: {row:?}", f.display());
        }
    }
}
