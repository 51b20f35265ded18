//! Same scenario + version + seed => byte-identical output; recorded answers replay exactly.

mod common;
use common::*;

#[test]
fn same_seed_prints_byte_identical_timelines_on_200_seeds_per_version() {
    let scn = load(QUOTA_RACE);
    for version in ["v1.4.1", "v1.4.2"] {
        for seed in 0..200 {
            let a = render(
                &scn,
                QUOTA_RACE,
                version,
                Some(seed),
                &traced(&scn, version, seed),
            );
            let b = render(
                &scn,
                QUOTA_RACE,
                version,
                Some(seed),
                &traced(&scn, version, seed),
            );
            assert_eq!(a, b, "seed {seed} on {version} differs between two runs");
        }
    }
}

#[test]
fn replaying_recorded_answers_reproduces_the_run_exactly() {
    let scn = load(QUOTA_RACE);
    for version in ["v1.4.1", "v1.4.2"] {
        for seed in 0..50 {
            let original = traced(&scn, version, seed);
            let replay = replayed(&scn, version, original.answers.clone());
            assert_eq!(
                render(&scn, QUOTA_RACE, version, None, &original),
                render(&scn, QUOTA_RACE, version, None, &replay),
                "seed {seed} on {version}"
            );
            assert_eq!(original.answers, replay.answers);
            assert_eq!(original.violation, replay.violation);
        }
    }
}

#[test]
fn tracing_does_not_change_the_run() {
    let scn = load(QUOTA_RACE);
    for seed in 0..50 {
        let traced = traced(&scn, "v1.4.1", seed);
        let silent = hvsim::check::run_seed(&scn, v("v1.4.1"), seed, hvsim::engine::Trace::off());
        assert_eq!(traced.answers, silent.answers, "seed {seed}");
        assert_eq!(traced.violation, silent.violation, "seed {seed}");
    }
}

#[test]
fn sweep_results_do_not_depend_on_jobs() {
    use hvsim::explore::sweep::sweep;
    use hvsim::scenario::SeedRange;
    let scn = load(QUOTA_RACE);
    let seeds = SeedRange { start: 0, end: 300 };
    assert_eq!(
        sweep(&scn, v("v1.4.1"), seeds, 1),
        sweep(&scn, v("v1.4.1"), seeds, 3)
    );
}
