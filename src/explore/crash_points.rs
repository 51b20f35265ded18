//! The crash points of `hvsim hunt --crash-points` (Sieve's intermediate states, Sun et al.
//! OSDI '22): a record run learns, per process and controller, how many reconciles made at
//! least i accepted API writes; every (process, controller, i, k) with i up to the most
//! writes seen (capped at `MAX_WRITE`) and k up to the reconciles that reached i (capped at
//! the hunt's `--crash-reconciles`) is one point, a `CrashAfterWrite` at 0s added to the
//! scenario. A point at 0s is armed before anything runs, so the point's run on the record
//! seed is the record run up to the crash, and the crash fires there.

use super::strategy::Strategy;
use crate::check::{run_with, RunOptions};
use crate::engine::{SimDuration, Trace};
use crate::kube::WriteTally;
use crate::scenario::{Action, Scenario, Step, Version};
use crate::sim::World;

/// The most writes into a reconcile a sweep crashes after.
pub const MAX_WRITE: u32 = 8;

/// One crash point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    /// The process to crash.
    pub process: String,
    /// The controller whose reconcile crashes it.
    pub controller: String,
    /// After which accepted write of the reconcile (from 1).
    pub write: u32,
    /// Which of the controller's reconciles reaching `write` (from 1).
    pub reconcile: u32,
}

impl Point {
    /// The scenario action that arms this point from the start of the run.
    pub fn action(&self) -> Action {
        Action::CrashAfterWrite {
            process: self.process.clone(),
            controller: Some(self.controller.clone()),
            write: self.write,
            reconcile: (self.reconcile > 1).then_some(self.reconcile),
        }
    }

    /// `harvester migrationAnnotationController write 2 of reconcile 1`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} write {} of reconcile {}",
            self.process, self.controller, self.write, self.reconcile
        )
    }

    /// `scn` with this crash point armed from the start.
    pub fn apply(&self, scn: &Scenario) -> Scenario {
        let mut s = scn.clone();
        s.timeline.push(Step {
            at: Some(SimDuration::ZERO),
            within: None,
            action: self.action(),
        });
        s
    }
}

/// Runs `scn` once on `seed` (a random run, as a hunt's are) counting every reconcile's
/// writes.
pub fn record(scn: &Scenario, version: Version, seed: u64) -> WriteTally {
    let on = |w: &mut World| w.cluster.faults.record();
    let opts = RunOptions {
        customize: Some(&on),
        step_hashes: false,
        observe: None,
    };
    run_with(
        scn,
        version,
        Strategy::Random.unrecorded_choices(seed),
        Trace::off(),
        opts,
    )
    .writes
}

/// Every crash point of a tally: per process and controller (in name order), write i from
/// 1 to its most (at most `MAX_WRITE`), and the first `reconciles` reconciles that reached i.
pub fn points(tally: &WriteTally, reconciles: u32) -> Vec<Point> {
    let mut out = Vec::new();
    for ((process, controller), reached) in tally {
        for (i, &n) in reached.iter().enumerate().take(MAX_WRITE as usize) {
            for k in 1..=n.min(reconciles) {
                out.push(Point {
                    process: process.clone(),
                    controller: controller.to_string(),
                    write: i as u32 + 1,
                    reconcile: k,
                });
            }
        }
    }
    out
}

/// `harvester migrationAnnotationController up to 2 writes`, per controller that wrote.
pub fn describe_tally(tally: &WriteTally) -> Vec<String> {
    tally
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|((p, c), v)| {
            let n = v.len();
            format!("{p} {c} up to {n} write{}", if n == 1 { "" } else { "s" })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_cover_each_write_up_to_the_cap_and_the_first_reconciles_reaching_it() {
        let mut t = WriteTally::new();
        t.insert(("harvester".into(), "a"), vec![5, 2, 1]);
        t.insert(("kubelet".into(), "kubelet"), vec![1; 12]);
        let p = points(&t, 3);
        let harvester: Vec<(u32, u32)> = p
            .iter()
            .filter(|p| p.process == "harvester")
            .map(|p| (p.write, p.reconcile))
            .collect();
        assert_eq!(harvester, [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 1)]);
        assert_eq!(p.iter().filter(|p| p.process == "kubelet").count(), 8);
    }
}
