//! insta snapshots: the timeline of one seed per version, and the verify table.

mod common;
use common::*;

fn snap(name: &str, value: &str) {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, value);
    });
}

#[test]
fn quota_race_timeline_seed_1_on_v1_4_1() {
    let scn = load(QUOTA_RACE);
    snap(
        "quota_race_seed_1_v1_4_1",
        &render(
            &scn,
            QUOTA_RACE,
            "v1.4.1",
            Some(1),
            &traced(&scn, "v1.4.1", 1),
        ),
    );
}

#[test]
fn quota_race_timeline_seed_1_on_v1_4_2() {
    let scn = load(QUOTA_RACE);
    snap(
        "quota_race_seed_1_v1_4_2",
        &render(
            &scn,
            QUOTA_RACE,
            "v1.4.2",
            Some(1),
            &traced(&scn, "v1.4.2", 1),
        ),
    );
}

#[test]
fn verify_table_of_the_bundled_scenarios() {
    let mut rows = Vec::new();
    for (path, text) in hvsim::scenario::bundled() {
        let scn = hvsim::scenario::load_str(path, text).unwrap();
        rows.extend(hvsim::explore::verify::verify_scenario(&scn, 2));
    }
    assert!(rows.iter().all(|r| r.ok), "{rows:?}");
    snap("verify_table", &hvsim::report::verify_table::render(&rows));
}
