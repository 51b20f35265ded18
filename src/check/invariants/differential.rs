//! `differential` (after calm, generic): the run ends in the same desired state as the same
//! scenario without its faults (Sieve's differential oracle, Sun et al., OSDI '22). The
//! reference is the scenario with every fault step removed (`restart-agent`,
//! `restart-process`: a process that dies and comes back must not change what the cluster
//! converges to) and everything else kept: the user's operations, a chaos hunt's extra
//! operations, the timing. It runs on two reference seeds; a field on which the two end
//! differently depends on the schedule (a placement, an order), not on the faults, and is
//! not compared. Every other desired-state field (`check::desired_state`: labels,
//! annotations, spec; not status) of every object must end as in the first reference.
//!
//! The message names the object, the field, both values, and where the two runs' writes of
//! the field first parted: the step of this run's write, who made it, and the value the
//! reference wrote at the same place in its own sequence of writes.
//!
//! A VM the user stopped, started or restarted more than once (requests that took effect) is
//! not compared, nor its VMI: KubeVirt queues the state-change requests and binds a stop to
//! the VMI it was asked for (`stateChangeRequests` with the VMI's UID), so where they end
//! depends on how long the guest took to shut down between them, which differs between runs
//! without being wrong in either (a stop asked while the VM was stopping is dropped by the
//! VMI its restart started).
//!
//! A scenario without faults is its own reference: then a differing field is one that a
//! schedule the two reference seeds did not take changed, which a correct controller does
//! not let happen to desired state either.

use crate::check::desired_state::{self, Fields, State};
use crate::check::{after_calm_note, Invariant, InvariantKind};
use crate::engine::{SeededChoices, SimDuration, SimTime, Trace};
use crate::kube::ApiRecord;
use crate::scenario::{Action, Scenario, Version};
use crate::sim::World;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The seeds tried for the two reference runs, in order: the first two on which every user
/// request of the reference scenario takes effect.
pub const REFERENCE_SEEDS: std::ops::Range<u64> = 0..8;

/// One change of a field by a write.
#[derive(Clone, Debug, PartialEq)]
struct Change {
    step: u64,
    /// None: the field (or its object) was removed.
    value: Option<String>,
    who: String,
}

/// Every change of every desired-state field, per (object id, field), in order.
#[derive(Default, Debug)]
struct History(BTreeMap<(String, String), Vec<Change>>);

impl History {
    fn record_step(&mut self, w: &World) {
        for r in &w.cluster.api.records {
            self.record(w, r);
        }
    }

    fn record(&mut self, w: &World, r: &ApiRecord) {
        if r.result.is_err() || !desired_state::compared(r.kind) {
            return;
        }
        let Some(o) = r.after.as_ref().or(r.before.as_ref()) else {
            return;
        };
        let id = desired_state::id(o);
        let empty = Fields::new();
        let before = r.before.as_ref().and_then(|b| desired_state::fields(b));
        let after = r.after.as_ref().and_then(|a| desired_state::fields(a));
        let (before, after) = (
            before.as_ref().unwrap_or(&empty),
            after.as_ref().unwrap_or(&empty),
        );
        let keys = before
            .keys()
            .chain(after.keys().filter(|k| !before.contains_key(*k)));
        for k in keys {
            let (old, new) = (before.get(k), after.get(k));
            if old == new {
                continue;
            }
            self.0
                .entry((id.clone(), k.clone()))
                .or_default()
                .push(Change {
                    step: w.sim.steps(),
                    value: new.cloned(),
                    who: format!("{} ({})", w.cluster.actor_name(r.actor), r.verb.http()),
                });
        }
    }
}

/// The reference runs of one scenario on one version.
#[derive(Debug)]
struct Reference {
    /// Their seeds.
    seeds: [u64; 2],
    /// The first reference run's end state and its history.
    state: State,
    history: History,
    /// The second's end state.
    other: State,
}

impl Reference {
    /// Whether the two reference runs end alike in this field.
    fn stable(&self, id: &str, field: &str) -> bool {
        let get = |s: &State| s.get(id).and_then(|f| f.get(field)).cloned();
        get(&self.state) == get(&self.other)
    }
}

/// The scenario without its faults, without the user requests that were refused in the
/// run judged (`refused`: timeline steps; a request refused for its timing, such as a quota
/// change during a migration, is not part of the workload that run carried out), and
/// without anything that judges a run. Each step whose time the judged run drew in its `within` is pinned to that time (`times`,
/// by step): user operations that do not commute (a stop and a restart of one VM) then
/// happen in the reference in the order they did in the run.
pub fn pinned_reference(
    scn: &Scenario,
    refused: &[usize],
    times: &BTreeMap<usize, SimTime>,
) -> Scenario {
    let mut s = scn.clone();
    for (i, st) in s.timeline.iter_mut().enumerate() {
        if let (Some(_), Some(t)) = (st.within, times.get(&i)) {
            st.at = Some(*t - SimTime::ZERO);
            st.within = None;
        }
    }
    let mut i = 0;
    s.timeline.retain(|st| {
        i += 1;
        !refused.contains(&(i - 1))
            && !matches!(
                st.action,
                Action::RestartAgent
                    | Action::RestartProcess { .. }
                    | Action::CrashAfterWrite { .. }
                    | Action::LagWatches { .. }
            )
    });
    s.invariants.clear();
    s.sometimes.clear();
    s.expect.clear();
    s
}

/// Runs `scn` on `seed` to its end, recording every desired-state change; None when one of
/// its user requests was refused (that run carried out another workload).
fn observe(scn: &Scenario, version: Version, seed: u64) -> Option<(State, History)> {
    let mut w = World::build(
        scn,
        version,
        Box::new(SeededChoices::new(seed)),
        Trace::off(),
    );
    let mut history = History::default();
    while w.step().is_ok() {
        history.record_step(&w);
    }
    w.refused
        .is_empty()
        .then(|| (desired_state::state(&w.cluster.api.store), history))
}

/// The most references kept (a chaos hunt has one reference scenario per seed; a plain hunt
/// one for all its seeds).
const CACHE: usize = 32;

type Cache = Mutex<BTreeMap<(String, String), Option<Arc<Reference>>>>;

/// The reference runs of `scn` on `version`, computed once per scenario text and version
/// (they are a function of both, so sharing them between runs and threads changes nothing).
/// None when fewer than two of `REFERENCE_SEEDS` carry out every user request: then the
/// oracle does not judge.
fn reference(scn: &Scenario, version: Version) -> Option<Arc<Reference>> {
    static REFS: OnceLock<Cache> = OnceLock::new();
    let key = (
        ron::to_string(scn).unwrap_or_else(|_| format!("{scn:?}")),
        version.to_string(),
    );
    let cache = REFS.get_or_init(Cache::default);
    if let Some(r) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return r;
    }
    let mut found = REFERENCE_SEEDS.filter_map(|s| observe(scn, version, s).map(|o| (s, o)));
    let r = match (found.next(), found.next()) {
        (Some((s0, (state, history))), Some((s1, (other, _)))) => Some(Arc::new(Reference {
            seeds: [s0, s1],
            state,
            history,
            other,
        })),
        _ => None,
    };
    if let Ok(mut c) = cache.lock() {
        if c.len() >= CACHE {
            c.clear();
        }
        c.insert(key, r.clone());
    }
    r
}

fn shown(v: Option<&String>) -> String {
    match v {
        Some(v) => format!("`{v}`"),
        None => "absent".to_string(),
    }
}

/// Where this run's writes of a field first parted from the reference's.
fn parted(run: &[Change], reference: &[Change]) -> String {
    let at = run
        .iter()
        .zip(reference)
        .position(|(a, b)| a.value != b.value);
    match at {
        Some(i) => format!(
            "first parted at step {}, where {} made it {} and the reference's write {} made it {}",
            run[i].step,
            run[i].who,
            shown(run[i].value.as_ref()),
            i + 1,
            shown(reference[i].value.as_ref())
        ),
        None if run.len() > reference.len() => {
            let c = &run[reference.len()];
            format!(
                "first parted at step {}, where {} made it {}, a write the reference never made",
                c.step,
                c.who,
                shown(c.value.as_ref())
            )
        }
        // The same writes in the same order, and still a different end: the object went in
        // one run and not the other (a finalizer's removal deletes it with no field write).
        None if run.len() == reference.len() => format!(
            "its {} write(s) agree with the reference's, so the difference is where the object itself went: deleted in one run and not the other",
            run.len()
        ),
        None => {
            let c = &reference[run.len()];
            let since = run
                .last()
                .map_or("the start".to_string(), |l| format!("step {}", l.step));
            format!(
                "first parted after {since}: this run never wrote it again, while in the reference {} made it {}",
                c.who,
                shown(c.value.as_ref())
            )
        }
    }
}

/// The ids (`VirtualMachine ns/vm`, `VirtualMachineInstance ns/vm`) of VMs with more than
/// one stop, start or restart that was not refused.
fn racing_vms(scn: &Scenario, refused: &[usize]) -> std::collections::BTreeSet<String> {
    let mut ops: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, st) in scn.timeline.iter().enumerate() {
        if let Action::StopVm { vm } | Action::StartVm { vm } | Action::RestartVm { vm } =
            &st.action
        {
            if !refused.contains(&i) {
                *ops.entry(vm.as_str()).or_default() += 1;
            }
        }
    }
    let mut ids = std::collections::BTreeSet::new();
    for v in scn
        .vms
        .iter()
        .filter(|v| ops.get(v.name.as_str()) > Some(&1))
    {
        ids.insert(format!("VirtualMachine {}/{}", v.namespace, v.name));
        ids.insert(format!("VirtualMachineInstance {}/{}", v.namespace, v.name));
    }
    ids
}

pub struct Differential {
    scenario: Scenario,
    calm: SimDuration,
    history: History,
}

impl Differential {
    pub fn new(scn: &Scenario) -> Self {
        Differential {
            scenario: scn.clone(),
            calm: scn.calm,
            history: History::default(),
        }
    }
}

impl Invariant for Differential {
    fn name(&self) -> &'static str {
        "differential"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::AfterCalm
    }

    fn after_step(&mut self, w: &mut World) -> Option<String> {
        self.history.record_step(w);
        None
    }

    fn at_end(&mut self, w: &World) -> Option<String> {
        let r = reference(
            &pinned_reference(&self.scenario, &w.refused, &w.step_times()),
            w.started_as,
        )?;
        let here = desired_state::state(&w.cluster.api.store);
        let racing = racing_vms(&self.scenario, &w.refused);
        let mut differ: Vec<(String, String)> = Vec::new();
        let ids = r
            .state
            .keys()
            .chain(here.keys().filter(|k| !r.state.contains_key(*k)))
            .filter(|id| !racing.contains(*id));
        let empty = Fields::new();
        for id in ids {
            let (a, b) = (
                here.get(id).unwrap_or(&empty),
                r.state.get(id).unwrap_or(&empty),
            );
            let fields = b.keys().chain(a.keys().filter(|k| !b.contains_key(*k)));
            for f in fields {
                if a.get(f) != b.get(f) && r.stable(id, f) {
                    differ.push((id.clone(), f.clone()));
                }
            }
        }
        differ.sort();
        let (id, field) = differ.first()?;
        let get = |s: &State| s.get(id).and_then(|f| f.get(field)).cloned();
        let key = (id.clone(), field.clone());
        let none = Vec::new();
        let more = match differ.len() - 1 {
            0 => String::new(),
            1 => format!("; 1 more field differs ({} {})", differ[1].0, differ[1].1),
            n => format!(
                "; {n} more fields differ ({} {}, ...)",
                differ[1].0, differ[1].1
            ),
        };
        Some(format!(
            "{id} {field} differs from the fault-free reference run: {} here, {} there (reference seeds {} and {} agree); {}{more}; {}",
            shown(get(&here).as_ref()),
            shown(get(&r.state).as_ref()),
            r.seeds[0],
            r.seeds[1],
            parted(
                self.history.0.get(&key).unwrap_or(&none),
                r.history.0.get(&key).unwrap_or(&none)
            ),
            after_calm_note(w, self.calm)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_reference_drops_process_and_agent_restarts_and_keeps_user_operations() {
        let text = crate::scenario::bundled_by_name("quota-race-agent-restart").unwrap();
        let scn = crate::scenario::load_str("quota-race-agent-restart.ron", text).unwrap();
        assert!(scn
            .timeline
            .iter()
            .any(|s| matches!(s.action, Action::RestartAgent)));
        let r = pinned_reference(&scn, &[], &BTreeMap::new());
        assert!(r.timeline.iter().all(|s| !matches!(
            s.action,
            Action::RestartAgent | Action::RestartProcess { .. }
        )));
        assert!(r
            .timeline
            .iter()
            .any(|s| matches!(s.action, Action::Migrate { .. })));
        assert!(r.invariants.is_empty() && r.sometimes.is_empty() && r.expect.is_empty());
    }

    #[test]
    fn the_reference_pins_a_drawn_step_time_to_the_judged_run_s() {
        let text = crate::scenario::bundled_by_name("quota-race-agent-restart").unwrap();
        let mut scn = crate::scenario::load_str("quota-race-agent-restart.ron", text).unwrap();
        scn.timeline[1].action = Action::StopVm { vm: "vm1".into() };
        let times = BTreeMap::from([(0, SimTime(10_000_000)), (1, SimTime(33_000_000))]);
        let r = pinned_reference(&scn, &[], &times);
        assert_eq!(r.timeline[0].at, Some(SimDuration::from_secs(10)));
        assert_eq!(
            (r.timeline[1].at, r.timeline[1].within),
            (Some(SimDuration::from_secs(33)), None)
        );
    }

    #[test]
    fn a_field_the_two_reference_seeds_end_differently_in_is_not_stable() {
        let mut a = State::new();
        let mut b = State::new();
        a.insert(
            "VirtualMachine ns/vm".into(),
            fields(&[("x", "1"), ("y", "1")]),
        );
        b.insert(
            "VirtualMachine ns/vm".into(),
            fields(&[("x", "1"), ("y", "2")]),
        );
        let r = Reference {
            seeds: [0, 1],
            state: a,
            history: History::default(),
            other: b,
        };
        assert!(r.stable("VirtualMachine ns/vm", "x"));
        assert!(!r.stable("VirtualMachine ns/vm", "y"));
        assert!(r.stable("VirtualMachine ns/other", "x"));
    }

    #[test]
    fn where_two_histories_part_is_the_first_write_that_differs() {
        let c = |step, v: &str| Change {
            step,
            value: Some(v.into()),
            who: "harvester (PUT)".into(),
        };
        let run = [c(3, "5"), c(9, "3")];
        let reference = [c(4, "5"), c(8, "10")];
        assert_eq!(
            parted(&run, &reference),
            "first parted at step 9, where harvester (PUT) made it `3` and the reference's write 2 made it `10`"
        );
        assert_eq!(
            parted(&run[..1], &reference),
            "first parted after step 3: this run never wrote it again, while in the reference harvester (PUT) made it `10`"
        );
    }

    #[test]
    fn histories_that_agree_write_for_write_part_where_the_object_went() {
        let c = |step, v: &str| Change {
            step,
            value: Some(v.into()),
            who: "virt-controller (PUT)".into(),
        };
        let run = [c(3, "5")];
        let reference = [c(4, "5")];
        assert_eq!(
            parted(&run, &reference),
            "its 1 write(s) agree with the reference's, so the difference is where the object itself went: deleted in one run and not the other"
        );
        assert_eq!(
            parted(&[], &[]),
            "its 0 write(s) agree with the reference's, so the difference is where the object itself went: deleted in one run and not the other"
        );
    }

    #[test]
    fn a_vm_with_more_than_one_stop_start_or_restart_that_took_effect_is_not_compared() {
        let scn = crate::scenario::load_str(
            "t.ron",
            r#"Scenario(
    name: "racing",
    harvester: "v1.4.2",
    nodes: [(name: "node-1")],
    namespaces: [(name: "ns1")],
    vms: [
        (name: "vm1", namespace: "ns1", node: "node-1", cpu: "1", memory: "1Gi"),
        (name: "vm2", namespace: "ns1", node: "node-1", cpu: "1", memory: "1Gi"),
    ],
    timeline: [
        (at: "10s", action: StopVm(vm: "vm1")),
        (at: "12s", action: RestartVm(vm: "vm1")),
        (at: "10s", action: StopVm(vm: "vm2")),
        (at: "11s", action: StopVm(vm: "vm2")),
    ],
    invariants: [],
)"#,
        )
        .expect("parses");
        // vm2's second stop was refused (it was stopped already): one request took effect.
        let racing: Vec<String> = racing_vms(&scn, &[3]).into_iter().collect();
        assert_eq!(
            racing,
            ["VirtualMachine ns1/vm1", "VirtualMachineInstance ns1/vm1"]
        );
    }
}
