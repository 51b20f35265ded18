//! `workload-safety` (after calm, generic): no VM the user did not stop is down or was
//! restarted. Every VM whose VMI was seen Running must, once the cluster is calm, run with
//! that same VMI (a live migration keeps the VMI; a stop and start makes a new one). A VMI
//! the user asked to end (`StopVm`, `RestartVm`: the user's write to the VM asks a stop) is
//! the user's to end: the VM is judged again by the next VMI seen Running, if any. Any
//! other stop was a controller's; the message names the writer that asked for it and when.
//!
//! It names no bug: Harvester's own promise that an operation (a migration, an upgrade, a
//! quota change) keeps workloads running is the oracle.

use crate::check::probes::repo_watch::asks_stop;
use crate::check::{after_calm_note, Invariant, InvariantKind};
use crate::engine::{SimDuration, SimTime};
use crate::kube::{Kind, Verb, VmiPhase};
use crate::scenario::Scenario;
use crate::sim::World;
use std::collections::{BTreeMap, BTreeSet};

pub struct WorkloadSafety {
    calm: SimDuration,
    /// Per VM `namespace/name`: the uid of the first VMI seen Running.
    ran: BTreeMap<String, String>,
    /// Per VM: the last stop asked for it, by whom and when.
    stopped: BTreeMap<String, (String, SimTime)>,
    /// The uids of VMIs the user asked to end.
    user_ended: BTreeSet<String>,
}

impl WorkloadSafety {
    pub fn new(scn: &Scenario) -> Self {
        WorkloadSafety {
            calm: scn.calm,
            ran: BTreeMap::new(),
            stopped: BTreeMap::new(),
            user_ended: BTreeSet::new(),
        }
    }
}

impl Invariant for WorkloadSafety {
    fn name(&self) -> &'static str {
        "workload-safety"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::AfterCalm
    }

    fn after_step(&mut self, w: &mut World) -> Option<String> {
        for r in &w.cluster.api.records {
            let (Ok(()), Some(after)) = (&r.result, &r.after) else {
                continue;
            };
            match r.kind {
                Kind::VirtualMachineInstance
                    if after.vmi().phase == VmiPhase::Running
                        && !self.user_ended.contains(after.meta.uid.as_str()) =>
                {
                    self.ran
                        .entry(after.meta.key())
                        .or_insert_with(|| after.meta.uid.to_string());
                }
                Kind::VirtualMachine if r.verb == Verb::Update => {
                    if let Some(before) = &r.before {
                        if asks_stop(before, after) && r.actor == w.user {
                            let key = after.meta.key();
                            let vmi = w.cluster.api.get(
                                Kind::VirtualMachineInstance,
                                &after.meta.namespace,
                                &after.meta.name,
                            );
                            self.user_ended.extend(vmi.map(|i| i.meta.uid.to_string()));
                            self.ran.remove(&key);
                            self.stopped.remove(&key);
                        } else if asks_stop(before, after) {
                            self.stopped.insert(
                                after.meta.key(),
                                (w.cluster.actor_name(r.actor).to_string(), w.sim.now()),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn at_end(&mut self, w: &World) -> Option<String> {
        for (vm, uid) in &self.ran {
            let (ns, name) = vm.split_once('/').unwrap_or(("", vm));
            let vmi = w.cluster.api.get(Kind::VirtualMachineInstance, ns, name);
            let why = match vmi {
                Some(v) if v.vmi().phase == VmiPhase::Running && v.meta.uid == *uid => continue,
                Some(v) if v.vmi().phase == VmiPhase::Running => {
                    "was restarted (it runs with a new VMI)".to_string()
                }
                Some(v) => format!("is not running (its VMI is {:?})", v.vmi().phase),
                None => "is not running (it has no VMI)".to_string(),
            };
            let by = match self.stopped.get(vm) {
                Some((actor, t)) => format!(": {actor} asked it to stop at {t}"),
                None => String::new(),
            };
            return Some(format!(
                "VM {vm}, running before and never stopped by the user, {why}{by}; {}",
                after_calm_note(w, self.calm)
            ));
        }
        None
    }
}
