//! Scenarios compiled into the binary, so `hvsim verify` runs anywhere.

const BUNDLED: &[(&str, &str)] = &[
    (
        "scenarios/quota-race-agent-restart.ron",
        include_str!("../../scenarios/quota-race-agent-restart.ron"),
    ),
    (
        "scenarios/quota-race-node-drain.ron",
        include_str!("../../scenarios/quota-race-node-drain.ron"),
    ),
    (
        "scenarios/long-name-migration.ron",
        include_str!("../../scenarios/long-name-migration.ron"),
    ),
    (
        "scenarios/upgrade-mid-migration.ron",
        include_str!("../../scenarios/upgrade-mid-migration.ron"),
    ),
    (
        "scenarios/host-view-after-migration.ron",
        include_str!("../../scenarios/host-view-after-migration.ron"),
    ),
    (
        "scenarios/host-view-after-migration-no-reload.ron",
        include_str!("../../scenarios/host-view-after-migration-no-reload.ron"),
    ),
    (
        "scenarios/bootstrap-rerun-on-failure.ron",
        include_str!("../../scenarios/bootstrap-rerun-on-failure.ron"),
    ),
    (
        "scenarios/bootstrap-manual.ron",
        include_str!("../../scenarios/bootstrap-manual.ron"),
    ),
    (
        "scenarios/bootstrap-slow-image.ron",
        include_str!("../../scenarios/bootstrap-slow-image.ron"),
    ),
    (
        "scenarios/upgrade-homogeneous.ron",
        include_str!("../../scenarios/upgrade-homogeneous.ron"),
    ),
    (
        "scenarios/upgrade-heterogeneous-cpu.ron",
        include_str!("../../scenarios/upgrade-heterogeneous-cpu.ron"),
    ),
    (
        "scenarios/upgrade-single-compatible-node.ron",
        include_str!("../../scenarios/upgrade-single-compatible-node.ron"),
    ),
];

/// Every bundled scenario as (path, text).
pub fn bundled() -> &'static [(&'static str, &'static str)] {
    BUNDLED
}

/// A bundled scenario by path or by bare name (`quota-race-agent-restart`).
pub fn bundled_by_name(name: &str) -> Option<&'static str> {
    BUNDLED
        .iter()
        .find(|(p, _)| {
            *p == name || p.trim_start_matches("scenarios/").trim_end_matches(".ron") == name
        })
        .map(|(_, t)| *t)
}
