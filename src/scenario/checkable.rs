//! What a scenario lets a run judge, said at load time: a deadline that can fall after the
//! calm phase ends (the run then goes on until the deadline, so the user should know why a
//! run lasts longer than `calm`), and an `expect` block that would let `hvsim verify` pass
//! with nothing checked.

use super::locate::{Doc, Seg};
use super::{Action, InvariantSpec, Scenario, ScenarioError, Version};
use crate::engine::{SimDuration, SimTime};

/// The latest time a timeline action can happen: the calm phase starts there.
fn last_action(scn: &Scenario) -> SimTime {
    scn.timeline
        .iter()
        .map(|st| match (st.at, st.within) {
            (Some(a), _) => SimTime::ZERO + a,
            (None, Some(w)) => SimTime::ZERO + w.1,
            (None, None) => SimTime::ZERO,
        })
        .max()
        .unwrap_or(SimTime::ZERO)
}

/// One `warning: FILE:LINE:COLUMN: ...` line per invariant whose deadline can fall after the
/// calm phase ends.
pub fn deadline_warnings(scn: &Scenario, file: &str, text: &str) -> Vec<String> {
    let doc = Doc::parse(text);
    let last = last_action(scn);
    let end = last + scn.calm;
    let phase = format!(
        "the calm phase, which ends at {end} ({} after the last action at {last})",
        scn.calm
    );
    let mut out = Vec::new();
    for (i, inv) in scn.invariants.iter().enumerate() {
        let late = |within: SimDuration, from_start: bool| -> Option<String> {
            if from_start {
                let deadline = SimTime::ZERO + within;
                (deadline > end).then(|| format!("its deadline {deadline} falls after {phase}"))
            } else {
                (within > scn.calm).then(|| {
                    format!(
                        "a deadline counted from a late change ({within} after it) can fall after {phase}"
                    )
                })
            }
        };
        let why = match inv {
            InvariantSpec::InstallCompletes { within }
            | InvariantSpec::UpgradeCompletes { within } => late(*within, true),
            InvariantSpec::MigrationCompletes { within }
            | InvariantSpec::HostViewFresh { within } => late(*within, false),
            _ => None,
        };
        if let Some(why) = why {
            let (l, c) = doc
                .at(&[Seg::Field("invariants"), Seg::Index(i)])
                .unwrap_or((1, 1));
            out.push(format!(
                "warning: {file}:{l}:{c}: {} within: {why}; the run goes on until the deadline to judge it",
                inv.name()
            ));
        }
    }
    out
}

/// Refuses a scenario on which `hvsim verify` would check nothing: no `expect` entry, or
/// expectations over a scenario that declares no invariant (every seed would "hold").
pub fn verify_checks(scn: &Scenario, file: &str, text: &str) -> Result<(), ScenarioError> {
    let doc = Doc::parse(text);
    let at = doc.at(&[Seg::Field("expect")]).or(Some((1, 1)));
    if scn.expect.is_empty() {
        return Err(ScenarioError::new(
            file,
            at,
            "no `expect` entry, so `hvsim verify` would check nothing; expected at least one, such as expect: {\"v1.4.2\": Holds(seeds: \"0..100\")}",
        ));
    }
    if scn.invariants.is_empty() {
        return Err(ScenarioError::new(
            file,
            at,
            "`expect` has entries but the scenario declares no invariant, so every seed would hold with nothing checked; expected at least one invariant",
        ));
    }
    Ok(())
}

/// Refuses to run the scenario on `version` (`--version`) when the file itself would refuse
/// that version as its `harvester:`: an `UpgradeHarvester` to an earlier version is a
/// downgrade, with the validator's message, at that action's `to`.
pub fn run_version_checks(
    scn: &Scenario,
    file: &str,
    text: &str,
    version: Version,
) -> Result<(), ScenarioError> {
    for (i, st) in scn.timeline.iter().enumerate() {
        if let Action::UpgradeHarvester { to } = &st.action {
            if version > *to {
                let at = Doc::parse(text).at(&[
                    Seg::Field("timeline"),
                    Seg::Index(i),
                    Seg::Field("action"),
                    Seg::Field("to"),
                ]);
                return Err(ScenarioError::new(
                    file,
                    at.or(Some((1, 1))),
                    format!(
                        "UpgradeHarvester to {to} from {version} (--version) is a downgrade, which Harvester does not support, expected {version} or later"
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOT_LIKE: &str = r#"Scenario(
    name: "t",
    harvester: "v1.4.1",
    nodes: [(name: "node-1")],
    namespaces: [(name: "ns1", quota: Some((cpu: Some("5000m"), memory: Some("6000Mi"))))],
    vms: [(name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi")],
    timeline: [(at: "10s", action: Migrate(vm: "vm1"))],
    invariants: [QuotaConverges, MigrationCompletes(within: "5m")],
    calm: "2m",
)
"#;

    #[test]
    fn a_migration_deadline_longer_than_calm_is_warned_at_its_invariant() {
        let scn = super::super::load_str("t.ron", BOOT_LIKE).unwrap();
        assert_eq!(
            deadline_warnings(&scn, "t.ron", BOOT_LIKE),
            vec!["warning: t.ron:8:34: migration-completes within: a deadline counted from a late change (5m after it) can fall after the calm phase, which ends at 02:10.000000 (2m after the last action at 00:10.000000); the run goes on until the deadline to judge it".to_string()]
        );
    }

    #[test]
    fn a_scenario_without_expect_cannot_be_verified() {
        let scn = super::super::load_str("t.ron", BOOT_LIKE).unwrap();
        assert_eq!(
            verify_checks(&scn, "t.ron", BOOT_LIKE).unwrap_err().to_string(),
            "t.ron:1:1: no `expect` entry, so `hvsim verify` would check nothing; expected at least one, such as expect: {\"v1.4.2\": Holds(seeds: \"0..100\")}"
        );
    }
}
