//! The chaos adversary of `hvsim hunt --chaos`: per seed, extra user operations and faults
//! on top of the scenario's timeline, each at a time the run draws in a window (the
//! world's `ActionTime` choice, so the time is part of the run's one choice stream and
//! replays and shrinks like any other).
//!
//! Which operations, and how many, is the swarm part (Groce et al., "Swarm testing"): per
//! seed each kind is switched on or off and given a count of 0 to `MAX_PER_KIND`, drawn from
//! a choice source seeded from the hunt seed (salted, so it never shares answers with the
//! run). The perturbed scenario is a scenario like any other: a repro embeds it whole, and
//! the shrinker drops the extra steps that the violation does not need.
//!
//! Operations: migrate any VM (the scheduler picks the target), restart any controller process,
//! restart Rancher's agent, raise a namespace's Rancher quota (to twice its base, so a
//! stuck migration cannot be blamed on a quota the user made too small), and crash a
//! controller right after the i-th write of its next reconcile that makes i writes
//! (`CrashAfterWrite`, i from 1 to `MAX_CRASH_WRITE`; the exhaustive sweep of every i is
//! `hunt --crash-points`), and make a process's watches lag (`LagWatches`: each event 1 to
//! 10 s late for a minute, so its caches fall behind by several writes), stop, start or
//! restart any VM (`StopVm`, `StartVm`, `RestartVm`: a start of a running VM, or a stop of
//! a stopped one, is refused and dropped from the differential reference like any refused
//! request), and cancel any VM's migration (`CancelMigration`, refused unless one is
//! running then). Kinds are drawn in `KINDS` order, new kinds appended, so a seed's draws
//! for the older kinds stay as they were. Then upgrade the Harvester controllers in place
//! (`UpgradeHarvester`) to a release later than the hunt's version, unless the scenario
//! upgrades Harvester itself or runs the node-by-node upgrade; at most one per run (two, at
//! drawn times, could apply out of order, and Harvester has no downgrade). Then cordon, uncordon or
//! drain a node (`CordonNode`, `UncordonNode`, `DrainNode`: kubectl as KubeVirt's user guide
//! documents node maintenance, `models::kubectl`; a cordon of a cordoned node, or an
//! uncordon of a schedulable one, writes nothing and is refused). A seed's node operations
//! all act on one node, drawn at the first: a user takes one node down for maintenance at a
//! time, and draining every node leaves the evacuations nowhere to go, which is the user's
//! doing. Not on a one-node cluster (nowhere to drain to), nor with the node-by-node
//! upgrade: it owns every node's drain taint in turn, and the cordons around it are Rancher's
//! planner's, which hvsim does not model, so a user's node operation there would fight a
//! drain the model cannot undo or redo, and the upgrade's oracles would blame the upgrade.

use crate::engine::{Choice, ChoiceKind, Choices, SeededChoices, SimDuration};
use crate::scenario::{
    controllers_of, known_processes, Action, QuotaSpec, Range, Scenario, Step, Version,
};

/// The most extra operations of one kind per seed.
pub const MAX_PER_KIND: u64 = 3;

/// Mixed into the hunt seed for the adversary's own choices.
const SALT: u64 = 0x6368_616f_735f_7631; // "chaos_v1"

/// The kinds of operation the adversary draws from, by name (for reports).
pub const KINDS: &[&str] = &[
    "migrate",
    "restart-process",
    "restart-agent",
    "raise-quota",
    "crash-after-write",
    "lag-watches",
    "stop-vm",
    "start-vm",
    "restart-vm",
    "cancel-migration",
    "upgrade-harvester",
    "cordon-node",
    "uncordon-node",
    "drain-node",
];

/// A lagging watch's extra delay per event, and how long the lag lasts: long against the
/// models' reconciles (milliseconds), so a cache falls behind by several writes.
const LAG_BY: Range = Range(SimDuration::from_secs(1), SimDuration::from_secs(10));
const LAG_DURING: SimDuration = SimDuration::from_secs(60);

/// The latest write of a reconcile the adversary crashes after: most reconciles of the
/// models make one or two writes.
pub const MAX_CRASH_WRITE: u64 = 3;

/// The window extra operations fall in: from the start to the scenario's last action (or
/// the first minute), so the calm phase still follows them.
fn window(scn: &Scenario) -> Range {
    let last = scn
        .timeline
        .iter()
        .filter_map(|st| st.at.or(st.within.map(|w| w.1)))
        .max()
        .unwrap_or(SimDuration::ZERO);
    Range(SimDuration::ZERO, last.max(SimDuration::from_secs(60)))
}

fn pick<T: Clone>(c: &mut SeededChoices, xs: &[T]) -> Option<T> {
    if xs.is_empty() {
        return None;
    }
    let i = c.pick(
        Choice::new(ChoiceKind::Candidate, 0),
        0,
        xs.len() as u64 - 1,
    );
    Some(xs[i as usize].clone())
}

/// One operation of `kind`, with its subject drawn from what the scenario has.
fn operation(
    scn: &Scenario,
    version: Version,
    kind: usize,
    c: &mut SeededChoices,
    maintained: &mut Option<String>,
) -> Option<Action> {
    match KINDS[kind] {
        "migrate" => {
            // No target node: the adversary cannot know where the VM runs by then, and the UI
            // never offers the node a VM is on (a same-node target is never schedulable).
            let vm = pick(c, &scn.vms)?;
            Some(Action::Migrate {
                vm: vm.name,
                target: None,
            })
        }
        "restart-process" => Some(Action::RestartProcess {
            process: pick(c, &known_processes(scn))?,
        }),
        "restart-agent" => Some(Action::RestartAgent),
        "raise-quota" => {
            let with_quota: Vec<(String, QuotaSpec)> = scn
                .namespaces
                .iter()
                .filter_map(|n| n.quota.map(|q| (n.name.clone(), q)))
                .collect();
            let (namespace, q) = pick(c, &with_quota)?;
            Some(Action::SetQuota {
                namespace,
                cpu: q.cpu.map(|x| x + x),
                memory: q.memory.map(|x| x + x),
            })
        }
        "crash-after-write" => {
            let process = pick(c, &known_processes(scn))?;
            let controller = pick(c, controllers_of(&process))?.to_string();
            let write = c.pick(Choice::new(ChoiceKind::Candidate, 1), 1, MAX_CRASH_WRITE) as u32;
            Some(Action::CrashAfterWrite {
                process,
                controller: Some(controller),
                write,
                reconcile: None,
            })
        }
        "lag-watches" => Some(Action::LagWatches {
            process: pick(c, &known_processes(scn))?,
            by: LAG_BY,
            during: LAG_DURING,
        }),
        "stop-vm" => Some(Action::StopVm {
            vm: pick(c, &scn.vms)?.name,
        }),
        "start-vm" => Some(Action::StartVm {
            vm: pick(c, &scn.vms)?.name,
        }),
        "restart-vm" => Some(Action::RestartVm {
            vm: pick(c, &scn.vms)?.name,
        }),
        "cancel-migration" => Some(Action::CancelMigration {
            vm: pick(c, &scn.vms)?.name,
        }),
        "upgrade-harvester" => {
            // An in-place upgrade of the Harvester controllers to a later release; not in a
            // scenario that already upgrades Harvester (its own upgrade fixes the versions it
            // judges) or runs the node-by-node upgrade (which is an upgrade already).
            let upgrades = scn
                .timeline
                .iter()
                .any(|st| matches!(st.action, Action::UpgradeHarvester { .. }));
            if upgrades || scn.upgrade.is_some() {
                return None;
            }
            let later: Vec<Version> = crate::scenario::version::KNOWN
                .iter()
                .filter_map(|k| Version::parse(k).ok())
                .filter(|k| *k > version)
                .collect();
            Some(Action::UpgradeHarvester {
                to: pick(c, &later)?,
            })
        }
        "cordon-node" | "uncordon-node" | "drain-node" => {
            // Not during the node-by-node upgrade: it owns every node's drain taint in turn
            // (pre-drain taints, post-drain removes), and Rancher's planner, which hvsim
            // leaves out, cordons and uncordons each node around it; a user's cordon, untaint
            // or drain there would be judged by the upgrade's oracles against a model that
            // does not undo it.
            // Nor on a one-node cluster, whose drained VMs have nowhere to go. A seed's node
            // operations all act on one node, drawn at the first: a user takes one node
            // down for maintenance at a time, and draining every node leaves the
            // evacuations no target, which is the user's doing, not a controller's.
            if scn.upgrade.is_some() || scn.nodes.len() < 2 {
                return None;
            }
            let node = match maintained {
                Some(n) => n.clone(),
                None => maintained.insert(pick(c, &scn.nodes)?.name).clone(),
            };
            Some(match KINDS[kind] {
                "cordon-node" => Action::CordonNode { node },
                "uncordon-node" => Action::UncordonNode { node },
                _ => Action::DrainNode { node },
            })
        }
        _ => None,
    }
}

/// `scn` with the adversary's operations for `seed` appended to its timeline. A scenario
/// with a `bootstrap` section is returned as it is: its processes do not exist from the
/// start, so there is nothing to perturb with these operations.
pub fn perturb(scn: &Scenario, version: Version, seed: u64) -> Scenario {
    let mut s = scn.clone();
    if s.bootstrap.is_some() {
        return s;
    }
    // Every draw is a `Candidate`: a seeded source answers `FaultGate` and `ExtraFaults`
    // with fixed values (the scenario's faults as written), which is not what is wanted here.
    let mut c = SeededChoices::new(seed ^ SALT);
    let within = window(scn);
    let mut maintained = None;
    for kind in 0..KINDS.len() {
        let on = c.pick(Choice::new(ChoiceKind::Candidate, kind as u32), 0, 1) == 1;
        let n = c.pick(
            Choice::new(ChoiceKind::Candidate, kind as u32),
            0,
            MAX_PER_KIND,
        );
        if !on {
            continue;
        }
        for _ in 0..n {
            if let Some(action) = operation(scn, version, kind, &mut c, &mut maintained) {
                // One in-place upgrade per run: two, at times the run draws, could apply
                // out of order, and Harvester has no downgrade. The later ones are still
                // drawn, so the kinds after it draw as before.
                let upgrade = |a: &Action| matches!(a, Action::UpgradeHarvester { .. });
                if upgrade(&action)
                    && s.timeline[scn.timeline.len()..]
                        .iter()
                        .any(|st| upgrade(&st.action))
                {
                    continue;
                }
                s.timeline.push(Step {
                    at: None,
                    within: Some(within),
                    action,
                });
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v142() -> Version {
        Version::parse("v1.4.2").expect("known")
    }

    #[test]
    fn the_adversary_upgrades_harvester_in_place_to_a_later_release_on_some_seeds() {
        let scn = bundled("quota-race-agent-restart");
        let to: Vec<Version> = (0..60)
            .flat_map(|s| perturb(&scn, v142(), s).timeline)
            .filter_map(|st| match st.action {
                Action::UpgradeHarvester { to } => Some(to),
                _ => None,
            })
            .collect();
        assert!(!to.is_empty(), "some seed upgrades Harvester");
        assert!(to.iter().all(|t| *t > v142()), "never a downgrade: {to:?}");
        assert!(
            (0..60).all(|s| perturb(&scn, v142(), s)
                .timeline
                .iter()
                .filter(|st| matches!(st.action, Action::UpgradeHarvester { .. }))
                .count()
                <= 1),
            "at most one upgrade per run, so none can undo another"
        );
        let newest = Version::parse("v1.7.0").expect("known");
        assert!(
            (0..60).all(|s| !perturb(&scn, newest, s)
                .timeline
                .iter()
                .any(|st| matches!(st.action, Action::UpgradeHarvester { .. }))),
            "nothing is later than the newest release"
        );
    }

    #[test]
    fn the_adversary_stops_starts_restarts_vms_and_cancels_migrations_on_some_seeds() {
        let scn = bundled("quota-race-node-drain");
        let names: Vec<&str> = (0..60)
            .flat_map(|s| perturb(&scn, v142(), s).timeline)
            .filter_map(|st| match st.action {
                Action::StopVm { .. } => Some("stop"),
                Action::StartVm { .. } => Some("start"),
                Action::RestartVm { .. } => Some("restart"),
                Action::CancelMigration { .. } => Some("cancel"),
                _ => None,
            })
            .collect();
        for kind in ["stop", "start", "restart", "cancel"] {
            assert!(names.contains(&kind), "{kind}: {names:?}");
        }
    }

    #[test]
    fn the_adversary_cordons_uncordons_and_drains_nodes_on_some_seeds_but_not_in_an_upgrade() {
        let scn = bundled("quota-race-node-drain");
        let nodes: Vec<&str> = scn.nodes.iter().map(|n| n.name.as_str()).collect();
        let mut kinds = Vec::new();
        for st in (0..60).flat_map(|s| perturb(&scn, v142(), s).timeline) {
            let (kind, node) = match &st.action {
                Action::CordonNode { node } => ("cordon", node.clone()),
                Action::UncordonNode { node } => ("uncordon", node.clone()),
                Action::DrainNode { node } => ("drain", node.clone()),
                _ => continue,
            };
            assert!(nodes.contains(&node.as_str()), "{node}");
            kinds.push(kind);
        }
        for seed in 0..60 {
            let mut on: Vec<String> = perturb(&scn, v142(), seed)
                .timeline
                .iter()
                .filter_map(|st| match &st.action {
                    Action::CordonNode { node }
                    | Action::UncordonNode { node }
                    | Action::DrainNode { node } => Some(node.clone()),
                    _ => None,
                })
                .collect();
            on.dedup();
            assert!(
                on.len() <= 1,
                "seed {seed}: one node's maintenance, not {on:?}"
            );
        }
        for kind in ["cordon", "uncordon", "drain"] {
            assert!(kinds.contains(&kind), "{kind}: {kinds:?}");
        }
        let upgrade = bundled("upgrade-homogeneous");
        assert!(
            (0..60).all(|s| !perturb(&upgrade, v142(), s).timeline.iter().any(|st| {
                matches!(
                    st.action,
                    Action::CordonNode { .. }
                        | Action::UncordonNode { .. }
                        | Action::DrainNode { .. }
                )
            }))
        );
    }

    #[test]
    fn a_chaos_run_that_drains_a_node_is_the_same_run_twice() {
        let scn = bundled("quota-race-node-drain");
        let (seed, p) = (0..60)
            .map(|s| (s, perturb(&scn, v142(), s)))
            .find(|(_, p)| {
                p.timeline
                    .iter()
                    .any(|st| matches!(st.action, Action::DrainNode { .. }))
            })
            .expect("some seed drains a node");
        let run = || {
            let out =
                crate::check::run_seed(&p, v142(), seed, crate::engine::Trace::new(true, false));
            let text: Vec<String> = out.trace.iter().map(|r| r.text.clone()).collect();
            (text, out.answers, format!("{:?}", out.violation))
        };
        let first = run();
        assert!(first.0.iter().any(|l| l.starts_with("kubectl taint nodes")));
        assert_eq!(first, run());
    }

    fn bundled(name: &str) -> Scenario {
        let text = crate::scenario::bundled_by_name(name).unwrap();
        crate::scenario::load_str(name, text).unwrap()
    }

    #[test]
    fn a_perturbed_scenario_is_valid_and_the_same_for_the_same_seed() {
        for (name, _) in crate::scenario::bundled() {
            let scn = bundled(name);
            for seed in 0..20 {
                let p = perturb(&scn, v142(), seed);
                let text = ron::ser::to_string(&p).unwrap();
                crate::scenario::load_str(name, &text)
                    .unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
                assert_eq!(
                    ron::ser::to_string(&perturb(&scn, v142(), seed)).unwrap(),
                    text
                );
            }
        }
    }

    #[test]
    fn the_adversary_adds_operations_on_some_seeds_and_keeps_the_scenario_s_own() {
        let scn = bundled("quota-race-node-drain");
        let added: Vec<usize> = (0..20)
            .map(|s| perturb(&scn, v142(), s).timeline.len() - scn.timeline.len())
            .collect();
        assert!(added.iter().any(|&n| n > 0), "{added:?}");
        assert!(added
            .iter()
            .all(|&n| n <= KINDS.len() * MAX_PER_KIND as usize));
        let p = perturb(&scn, v142(), 1);
        assert_eq!(
            ron::ser::to_string(&p.timeline[..scn.timeline.len()]).unwrap(),
            ron::ser::to_string(&scn.timeline).unwrap()
        );
    }

    #[test]
    fn the_adversary_crashes_a_controller_after_a_write_on_some_seeds() {
        let scn = bundled("quota-race-node-drain");
        let crashes: Vec<u32> = (0..40)
            .flat_map(|s| perturb(&scn, v142(), s).timeline)
            .filter_map(|st| match st.action {
                Action::CrashAfterWrite { write, .. } => Some(write),
                _ => None,
            })
            .collect();
        assert!(!crashes.is_empty());
        assert!(crashes
            .iter()
            .all(|&w| (1..=MAX_CRASH_WRITE as u32).contains(&w)));
    }
}
