//! Scenarios compiled into the binary, so `hvsim verify` runs anywhere.

const BUNDLED: &[(&str, &str)] = &[(
    "scenarios/quota-race-agent-restart.ron",
    include_str!("../../scenarios/quota-race-agent-restart.ron"),
)];

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
