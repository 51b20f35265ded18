//! Builds a cluster from a scenario for one Harvester version and steps it.
//!
//! The processes and their controllers are `topology.rs`'s (one watch stream per watched
//! kind each). The initial objects exist before any process starts; every process starts at
//! t=0 and lists them. Features plug in through `feature.rs` (`plug_in` below): a scenario
//! with a `bootstrap` section is a cluster's install instead (`bootstrap.rs`: KubeVirt and
//! harvester come up later, with RKE2's deploy controller and Longhorn's volumes added), one
//! with an `upgrade` section runs the node-by-node upgrade (`upgrade.rs`), and host pages
//! are browser sessions (`host_pages.rs`).

use super::bootstrap::{Boot, Install};
use super::feature::{Codes, Env, Feature};
use super::host_pages::HostPages;
use super::topology::{self, Features, Topology};
use super::upgrade::NodeUpgrade;
use crate::engine::{ChoiceKind, Choices, Sim, SimDuration, SimTime, StopReason, Trace, TraceCat};
use crate::kube::describe::trace_record;
use crate::kube::object::{CpuMode, Domain};
use crate::kube::object::{NamespaceBody, NodeBody, ResourceQuotaBody, VmBody, VmiBody, VmimBody};
use crate::kube::{ActorId, CrashPoint, Resource, ResourceList, VmiPhase};
use crate::kube::{
    Body, Cluster, Ev, Kind, Meta, MigrationPhase, Obj, PodPhase, ProcessTiming, Reconciler,
};
use crate::models::cpu::{catalogue_host, HostCpu, HostCpus, DEFAULT_MODEL};
use crate::models::harvester::data_init;
use crate::models::harvester::namespace_webhook::NamespaceValidator;
use crate::models::kubectl::{self, NodeOp};
use crate::models::kubevirt::launcher::launcher_pod;
use crate::models::kubevirt::node_labeller::node_labels;
use crate::models::kubevirt::overhead::memory_request;
use crate::models::kubevirt::virt_api;
use crate::models::kubevirt::virt_handler::LABEL_NODE_NAME;
use crate::models::rancher::namespace_quota::{
    to_annotation, ANNOTATION_RESOURCE_QUOTA, LABEL_DEFAULT_RESOURCE_QUOTA,
};
use crate::models::rancher::resource_quota_sync::derive_spec;
use crate::models::ui::HostPage;
use crate::scenario::{Action, Behaviours, QuotaSpec, Scenario, Version};
use smol_str::SmolStr;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// At most this many extra faults of one kind per run (swarm).
pub const MAX_EXTRA_FAULTS: u64 = 3;

/// Faults are the actions a swarm run may switch off or repeat; the id is the fault kind
/// (a restart of one named process).
pub fn fault_kind(a: &Action) -> Option<u32> {
    match a {
        Action::RestartAgent => Some(0),
        Action::RestartProcess { process } => Some(
            1 + process
                .bytes()
                .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32))
                % 1000,
        ),
        _ => None,
    }
}

/// The payload of a wake-up event (checkers use it to be called back at a deadline).
pub const WAKE: u32 = u32::MAX;

pub use super::topology::{AGENT, HARVESTER};

/// A running simulation of one scenario on one version: the control plane, the engine and the
/// trace.
pub struct World {
    /// The API server and the controller processes.
    pub cluster: Cluster,
    /// The engine: clock, event queue, choice stream.
    pub sim: Sim<Ev>,
    /// The run's timeline as it is recorded.
    pub trace: Trace,
    /// The Harvester version in force (changes with an in-place upgrade).
    pub version: Version,
    /// The version the run began on (`version` changes with an in-place upgrade).
    pub started_as: Version,
    /// The switches the models run with, from `version` (and the scenario's overrides).
    pub behaviours: Behaviours,
    /// What the scenario adds to an installed cluster (install, upgrade).
    pub features: Features,
    /// The actor the scenario's user actions are recorded as.
    pub user: ActorId,
    /// The actions to carry out: when, what, and the timeline step it is (none for an extra
    /// fault a swarm run added).
    actions: Vec<(SimTime, Action, Option<usize>)>,
    /// The timeline steps whose user request was refused or found nothing to act on (a
    /// migration of a VM not running, a quota change the webhook denied), in order.
    pub refused: Vec<usize>,
    /// When the last timeline action has happened; the calm phase starts here.
    pub calm_at: SimTime,
    /// The features plugged in (`plug_in`), each with its external-event codes.
    plugins: Vec<(Box<dyn Feature>, Codes)>,
}

/// Every feature a world can have, in the order they plug in (the order they set up in, and
/// hash in): the node-by-node upgrade, the cluster's install, the UI's host pages. Adding a
/// feature: its file under `sim/`, implementing `Feature`, and one line here.
fn plug_in(scn: &Scenario) -> Vec<Box<dyn Feature>> {
    let mut f: Vec<Box<dyn Feature>> = Vec::new();
    if scn.upgrade.is_some() {
        f.push(Box::new(NodeUpgrade));
    }
    if scn.bootstrap.is_some() {
        f.push(Box::new(Install::default()));
    }
    f.push(Box::new(HostPages::default()));
    f
}

pub fn quota_list(q: &QuotaSpec) -> ResourceList {
    let mut rl = ResourceList::new();
    if let Some(c) = q.cpu {
        rl.set(Resource::LimitsCpu, c);
    }
    if let Some(m) = q.memory {
        rl.set(Resource::LimitsMemory, m);
    }
    rl
}

/// Each node's CPU: its catalogue model (borrowed, see `HostCpus`), or its explicit features.
pub fn host_cpus(scn: &Scenario) -> HostCpus {
    scn.nodes
        .iter()
        .map(|n| {
            let model = n.cpu_model.as_deref().unwrap_or(DEFAULT_MODEL);
            let cpu = match &n.cpu_features {
                Some(f) => Cow::Owned(HostCpu::explicit(
                    n.cpu_vendor.as_deref().unwrap_or("Intel"),
                    model,
                    f,
                )),
                None => Cow::Borrowed(catalogue_host(model).expect("validated: a catalogue model")),
            };
            (n.name.clone(), cpu)
        })
        .collect()
}

/// A scenario VM's template as KubeVirt sees it.
pub fn vm_domain(vm: &crate::scenario::VmSpec) -> Domain {
    Domain {
        cpu_model: vm
            .cpu_model
            .as_deref()
            .map(CpuMode::parse)
            .unwrap_or_default(),
        cdrom: vm.cdrom,
        // virt-handler's LiveMigratable condition is False for a guest with host devices or
        // GPUs (KubeVirt v1.3 `pkg/virt-handler/vm.go` `vmiContainsPCIHostDevice`).
        live_migratable: vm.live_migratable && vm.host_devices.is_empty(),
        node_selector: vm.node_selector.clone(),
        host_devices: vm.host_devices.clone(),
        node_affinity: vm.node_affinity.clone(),
        ..Domain::default()
    }
}

/// The Rancher base of a namespace as its quota sync derives it from the scenario.
pub fn rancher_base(ns: &crate::scenario::NamespaceSpec) -> Option<ResourceList> {
    let requested = ns.quota.as_ref().map(quota_list);
    let default = ns.project_default.as_ref().map(quota_list).or(requested);
    derive_spec(requested.as_ref(), default.as_ref()).filter(|s| !s.is_empty())
}

/// Arms a `CrashAfterWrite` on the cluster (`kube/fault.rs`).
fn arm_crash(cluster: &mut Cluster, action: &Action, trace: &mut Trace, step: u64, now: SimTime) {
    let Action::CrashAfterWrite {
        process,
        controller,
        write,
        reconcile,
    } = action
    else {
        return;
    };
    let whose = controller.as_deref().unwrap_or("any controller");
    let nth = reconcile.unwrap_or(1);
    trace.emit(step, now, "user", TraceCat::Action, || {
        format!("arm a crash of {process} after write {write} of reconcile {nth} of {whose} that makes it")
    });
    if let Some(p) = cluster.process_index(process) {
        cluster.faults.arm(CrashPoint {
            process: p,
            controller: controller.clone(),
            write: *write,
            reconcile: nth,
        });
    }
}

impl World {
    /// The world of `scn` on `version` at time zero, its processes and timeline scheduled.
    pub fn build(
        scn: &Scenario,
        version: Version,
        choices: Box<dyn Choices>,
        trace: Trace,
    ) -> World {
        let mut behaviours = version.behaviours();
        if let Some(p) = scn.upgrade.as_ref().and_then(|u| u.repo_vm_policy) {
            behaviours.repo_vm_policy = p;
        }
        let t = &scn.timing;
        let cpus = std::rc::Rc::new(host_cpus(scn));
        let mut cluster = Cluster::new();
        let timing = ProcessTiming {
            watch_latency: t.watch_latency.tuple(),
            reconcile: t.reconcile.tuple(),
            restart: t.restart.tuple(),
        };
        let features = Features::of(scn);
        let topology = Topology {
            scn,
            behaviours,
            features,
            timing,
            cpus: cpus.clone(),
        };
        for p in topology.cluster() {
            p.add_to(&mut cluster);
        }
        let user = cluster.add_actor("user");
        cluster.api.add_hook(Box::new(NamespaceValidator {
            text: behaviours.namespace_webhook_text,
        }));

        Self::seed_objects(&mut cluster, scn, &behaviours);
        // Each feature's event codes, counted down from just below the world's own `WAKE`.
        let mut top = WAKE - 1;
        let mut plugins: Vec<(Box<dyn Feature>, Codes)> = plug_in(scn)
            .into_iter()
            .map(|f| {
                let codes = Codes::new(top, f.codes());
                top = codes.below();
                (f, codes)
            })
            .collect();
        for (f, _) in &mut plugins {
            f.before_start(&mut cluster, &topology);
        }

        let mut sim = Sim::new(choices, SimTime::MAX, scn.budget);
        let mut trace = trace;
        let mut actions = Vec::new();
        let mut calm_at = SimTime::ZERO;
        for (i, st) in scn.timeline.iter().enumerate() {
            let at = match (st.at, st.within) {
                (Some(a), _) => SimTime::ZERO + a,
                (None, Some(w)) => {
                    SimTime::ZERO + sim.pick_duration(ChoiceKind::ActionTime, i as u32, w.0, w.1)
                }
                (None, None) => SimTime::ZERO,
            };
            let latest = match (st.at, st.within) {
                (Some(a), _) => SimTime::ZERO + a,
                (None, Some(w)) => SimTime::ZERO + w.1,
                (None, None) => SimTime::ZERO,
            };
            calm_at = calm_at.max(latest);
            // A crash point from the start is armed before any process starts, with no event
            // (an event at t=0 would be one more tie there): the run with it is the run
            // without it up to the crash, so a point a record run saw fires on its seed.
            if let (Some(SimDuration::ZERO), Action::CrashAfterWrite { .. }) = (st.at, &st.action) {
                arm_crash(&mut cluster, &st.action, &mut trace, 0, SimTime::ZERO);
                continue;
            }
            // A fault may be switched off for this run (swarm); plain runs keep every fault.
            if fault_kind(&st.action).is_some()
                && sim.pick(ChoiceKind::FaultGate, i as u32, 0, 1) == 0
            {
                continue;
            }
            sim.schedule_at(at, Ev::External(actions.len() as u32));
            actions.push((at, st.action.clone(), Some(i)));
        }
        // Extra faults of the kinds the scenario already has, at times within the chaos
        // phase (swarm draws how many; plain runs add none).
        let mut kinds: Vec<(u32, Action)> = scn
            .timeline
            .iter()
            .filter_map(|s| fault_kind(&s.action).map(|k| (k, s.action.clone())))
            .collect();
        kinds.sort_by_key(|(k, _)| *k);
        kinds.dedup_by_key(|(k, _)| *k);
        for (k, action) in kinds {
            let n = sim.pick(ChoiceKind::ExtraFaults, k, 0, MAX_EXTRA_FAULTS);
            for _ in 0..n {
                let at = SimTime(sim.pick(ChoiceKind::ActionTime, k, 0, calm_at.micros()));
                sim.schedule_at(at, Ev::External(actions.len() as u32));
                actions.push((at, action.clone(), None));
            }
        }
        sim.set_horizon(calm_at + scn.calm);
        cluster.start_all(&mut sim);
        for (f, codes) in &mut plugins {
            let mut env = Env {
                cluster: &mut cluster,
                sim: &mut sim,
                trace: &mut trace,
                behaviours,
            };
            f.after_start(&mut env, &topology, *codes);
        }
        World {
            plugins,
            cluster,
            sim,
            trace,
            version,
            started_as: version,
            behaviours,
            features,
            user,
            actions,
            refused: Vec::new(),
            calm_at,
        }
    }

    fn seed_objects(cluster: &mut Cluster, scn: &Scenario, b: &Behaviours) {
        let api = &mut cluster.api;
        let cpus = host_cpus(scn);
        for n in &scn.nodes {
            let mut meta = Meta::named("", &n.name);
            if let Some(cpu) = cpus.get(&n.name) {
                meta.labels = node_labels(cpu);
            }
            meta.labels.insert("kubernetes.io/hostname", n.name.clone());
            let capacity = ResourceList::new()
                .with(Resource::LimitsCpu, n.cpu)
                .with(Resource::LimitsMemory, n.memory);
            api.seed(Obj::new(
                meta,
                Body::Node(NodeBody {
                    capacity,
                    unschedulable: false,
                    drain_taint: false,
                    ready: true,
                    boots: 0,
                }),
            ));
        }
        for ns in &scn.namespaces {
            let mut meta = Meta::named("", &ns.name);
            let requested = ns.quota.as_ref().map(quota_list);
            if let Some(r) = &requested {
                meta.annotations
                    .insert(ANNOTATION_RESOURCE_QUOTA, to_annotation(r));
            }
            let project_default = ns.project_default.as_ref().map(quota_list).or(requested);
            api.seed(Obj::new(
                meta,
                Body::Namespace(NamespaceBody { project_default }),
            ));
        }
        // A VM in `harvester-public`, which Harvester's data init creates, needs no
        // declaration; the namespace is there as the world starts, like every other one.
        let public = data_init::PUBLIC_NAMESPACE;
        let declared = scn.namespaces.iter().any(|n| n.name == public);
        if !declared && scn.vms.iter().any(|v| v.namespace == public) {
            api.seed(Obj::new(
                Meta::named("", public),
                Body::Namespace(NamespaceBody::default()),
            ));
        }
        let mut pods_by_ns: Vec<(String, ResourceList)> = Vec::new();
        for vm in &scn.vms {
            let meta = Meta::named(&vm.namespace, &vm.name);
            let domain = vm_domain(vm);
            api.seed(Obj::new(
                meta,
                Body::VirtualMachine(VmBody {
                    cpu: vm.cpu,
                    memory: vm.memory,
                    printable_status: "Running".into(),
                    domain: domain.clone(),
                    ..Default::default()
                }),
            ));
            let mut meta = Meta::named(&vm.namespace, &vm.name);
            meta.labels.insert(LABEL_NODE_NAME, vm.node.clone());
            meta.finalizers
                .push(crate::models::kubevirt::vmi::VMI_FINALIZER.into());
            let vmi = api.seed(Obj::new(
                meta,
                Body::VirtualMachineInstance(VmiBody {
                    node: vm.node.as_str().into(),
                    phase: VmiPhase::Running,
                    cpu: vm.cpu,
                    memory: vm.memory,
                    memory_request: memory_request(vm.memory),
                    migration_state: None,
                    domain,
                    cpu_origin: vm.node.as_str().into(),
                }),
            ));
            let mut pod = launcher_pod(&vmi, b.launcher(), None);
            {
                let p = pod.pod_mut();
                p.node = Some(vm.node.as_str().into());
                p.phase = PodPhase::Running;
                p.ready = true;
            }
            pods_by_ns.push((vm.namespace.clone(), pod.pod().limits));
            api.seed(pod);
        }
        for ns in &scn.namespaces {
            let Some(hard) = rancher_base(ns) else {
                continue;
            };
            let mut used = ResourceList::new();
            for (r, _) in hard.iter() {
                used.set(r, Default::default());
            }
            for (n, l) in &pods_by_ns {
                if n == &ns.name {
                    used = used.add(&l.masked(&hard));
                }
            }
            let mut meta = Meta {
                generate_name: "default-".into(),
                namespace: ns.name.as_str().into(),
                ..Meta::default()
            };
            meta.labels.insert(LABEL_DEFAULT_RESOURCE_QUOTA, "true");
            meta.labels.insert("cattle.io/creator", "norman");
            api.seed(Obj::new(
                meta,
                Body::ResourceQuota(ResourceQuotaBody {
                    spec_hard: hard,
                    status_hard: hard,
                    status_used: used,
                }),
            ));
        }
        api.notes.clear();
        api.records.clear();
    }

    /// Processes one event. `Err` says why the run ends.
    pub fn step(&mut self) -> Result<(), StopReason> {
        self.cluster.api.records.clear();
        let ev = self.sim.next_event()?;
        if !self.cluster.handle(&mut self.sim, ev, &mut self.trace) {
            if let Ev::External(code) = ev {
                if code != WAKE {
                    self.external(code);
                }
            }
            self.cluster.flush(&mut self.sim);
        }
        Ok(())
    }

    /// An external event: a feature's own, else the timeline action of that index.
    fn external(&mut self, code: u32) {
        let mut env = Env {
            cluster: &mut self.cluster,
            sim: &mut self.sim,
            trace: &mut self.trace,
            behaviours: self.behaviours,
        };
        for (f, codes) in &mut self.plugins {
            if let Some(local) = codes.local(code) {
                f.on_external(local, &mut env);
                return;
            }
        }
        let (i, first) = (code as usize, self.cluster.api.records.len());
        self.act(i);
        let asks = matches!(
            self.actions[i].1,
            Action::Migrate { .. }
                | Action::SetQuota { .. }
                | Action::StopVm { .. }
                | Action::StartVm { .. }
                | Action::RestartVm { .. }
                | Action::CancelMigration { .. }
                | Action::CordonNode { .. }
                | Action::UncordonNode { .. }
                | Action::DrainNode { .. }
        );
        let user = self.user;
        let done = self.cluster.api.records[first..]
            .iter()
            .any(|r| r.actor == user && r.result.is_ok());
        if let (true, false, Some(step)) = (asks, done, self.actions[i].2) {
            self.refused.push(step);
        }
    }

    /// When each timeline step is carried out in this run (its `at`, or the time drawn in its
    /// `within`), by step index.
    pub fn step_times(&self) -> BTreeMap<usize, SimTime> {
        self.actions
            .iter()
            .filter_map(|(t, _, i)| i.map(|i| (i, *t)))
            .collect()
    }

    /// The install's milestones, for a scenario with a `bootstrap` section.
    pub fn boot(&self) -> Option<&Boot> {
        self.feature::<Install>().and_then(Install::boot)
    }

    /// The UI's host pages, one per `OpenHostPage` session, in timeline order.
    pub fn pages(&self) -> &[HostPage] {
        self.feature::<HostPages>().map_or(&[], HostPages::pages)
    }

    fn feature<T: 'static>(&self) -> Option<&T> {
        self.plugins
            .iter()
            .find_map(|(f, _)| f.as_any().downcast_ref::<T>())
    }

    /// A hash of the whole state: objects, caches, watch streams, work queues, pending events
    /// and the clock (see `Cluster::hash_state`).
    pub fn state_hash(&self, versions: bool) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        self.sim.now().hash(&mut h);
        self.cluster.hash_state(&mut h, versions);
        for (f, _) in &self.plugins {
            f.hash_into(&mut h);
        }
        self.sim.pending_hashes().hash(&mut h);
        h.finish()
    }

    /// Adds a controller process (started at once). For tests and experiments that put an
    /// extra or alternative model into a world.
    pub fn add_process(&mut self, name: &str, watches: &[Kind], ctrls: Vec<Box<dyn Reconciler>>) {
        let timing = self
            .cluster
            .procs
            .first()
            .map(|p| p.timing())
            .expect("a world has processes");
        let p = self.cluster.add_process(name, watches, timing, ctrls);
        self.cluster.start_process(&mut self.sim, p);
    }

    /// Asks to be stepped at `t` (a checker's deadline).
    pub fn wake_at(&mut self, t: SimTime) {
        self.sim.schedule_at(t, Ev::External(WAKE));
    }

    /// Goes on past the end of the calm phase until `t` (a checker's pending deadline),
    /// and is stepped then.
    pub fn extend_to(&mut self, t: SimTime) {
        if t > self.sim.horizon() {
            self.sim.set_horizon(t);
        }
        self.wake_at(t);
    }

    /// When the calm phase ends: the latest time an action can happen, plus `calm`.
    pub fn calm_end(&self, calm: crate::engine::SimDuration) -> SimTime {
        self.calm_at + calm
    }

    fn trace_user_records(&mut self) {
        if !self.trace.wants(TraceCat::Write) {
            return;
        }
        let (step, now) = (self.sim.steps(), self.sim.now());
        for r in &self.cluster.api.records {
            let actor = &self.cluster.actors[r.actor as usize];
            self.trace.push(trace_record(r, step, now, actor));
        }
    }

    fn act(&mut self, i: usize) {
        let (step, now) = (self.sim.steps(), self.sim.now());
        self.cluster.api.set_now(now);
        let action = self.actions[i].1.clone();
        let mut env = Env {
            cluster: &mut self.cluster,
            sim: &mut self.sim,
            trace: &mut self.trace,
            behaviours: self.behaviours,
        };
        if let Some((f, _)) = self.plugins.iter_mut().find(|(f, _)| f.handles(&action)) {
            f.act(&action, &mut env);
            return;
        }
        match &action {
            Action::Migrate { vm, target } => {
                self.trace.emit(step, now, "user", TraceCat::Action, || {
                    format!("live-migrate VM {vm}")
                });
                let Some(vmi) = self.find(Kind::VirtualMachineInstance, vm) else {
                    return;
                };
                if let Some(why) = self.migrate_refused(&vmi, target.as_deref()) {
                    self.trace.emit(step, now, "user", TraceCat::Action, || {
                        format!("refused: {why}")
                    });
                    return;
                }
                let meta = Meta {
                    generate_name: format!("{vm}-").into(),
                    namespace: vmi.meta.namespace.clone(),
                    finalizers: vec![virt_api::MIGRATION_FINALIZER.into()],
                    ..Meta::default()
                };
                let body = VmimBody {
                    vmi_name: vm.as_str().into(),
                    phase: MigrationPhase::Unset,
                    rejected_by_quota: false,
                    target_node: target.as_deref().map(SmolStr::from),
                    target_pod: None,
                    failure_reason: None,
                    finished_at: None,
                };
                let _ = self.cluster.api.create(
                    self.user,
                    Obj::new(meta, Body::VirtualMachineInstanceMigration(body)),
                );
                self.trace_user_records();
            }
            // The host pages' (`host_pages.rs`).
            Action::OpenHostPage { .. } | Action::ReloadPage { .. } => {}
            Action::RestartAgent => {
                self.trace.emit(step, now, "user", TraceCat::Action, || {
                    format!("delete pod {AGENT} (evicted by the node drain)")
                });
                if let Some(p) = self.cluster.process_index(AGENT) {
                    self.cluster.kill(p, &mut self.sim, &mut self.trace);
                }
            }
            Action::RestartProcess { process } => {
                self.trace.emit(step, now, "user", TraceCat::Action, || {
                    format!("kill process {process}")
                });
                if let Some(p) = self.cluster.process_index(process) {
                    self.cluster.kill(p, &mut self.sim, &mut self.trace);
                }
            }
            Action::LagWatches {
                process,
                by,
                during,
            } => {
                self.trace.emit(step, now, "user", TraceCat::Fault, || {
                    format!(
                        "watch events to {process} lag by {} to {} for {during}",
                        by.0, by.1
                    )
                });
                if let Some(p) = self.cluster.process_index(process) {
                    self.cluster.lag_watches(p, now + *during, by.tuple());
                }
            }
            Action::CrashAfterWrite { .. } => {
                arm_crash(&mut self.cluster, &action, &mut self.trace, step, now)
            }
            Action::UpgradeHarvester { to } => self.upgrade_harvester(*to),
            Action::StopVm { vm } => self.vm_subresource("stop", vm, virt_api::user_stop),
            Action::StartVm { vm } => self.vm_subresource("start", vm, virt_api::user_start),
            Action::RestartVm { vm } => self.vm_subresource("restart", vm, virt_api::user_restart),
            Action::CancelMigration { vm } => self.cancel_migration(vm),
            Action::CordonNode { node } => self.node_op(node, NodeOp::Cordon),
            Action::UncordonNode { node } => self.node_op(node, NodeOp::Uncordon),
            Action::DrainNode { node } => self.node_op(node, NodeOp::Drain),
            Action::SetQuota {
                namespace,
                cpu,
                memory,
            } => {
                self.trace.emit(step, now, "user", TraceCat::Action, || {
                    format!("set the Rancher quota of namespace {namespace}")
                });
                let Some(ns) = self
                    .cluster
                    .api
                    .get(Kind::Namespace, "", namespace)
                    .cloned()
                else {
                    return;
                };
                let mut next = (*ns).clone();
                let q = QuotaSpec {
                    cpu: *cpu,
                    memory: *memory,
                };
                next.meta
                    .annotations
                    .insert(ANNOTATION_RESOURCE_QUOTA, to_annotation(&quota_list(&q)));
                let _ = self.cluster.api.update(self.user, next);
                self.trace_user_records();
            }
        }
    }

    /// A user's `start`, `stop` or `restart` of VM `vm` through virt-api's subresource
    /// (`handler` is the subresource's: the VM as patched, or its refusal): the VM is updated
    /// as the user, and the VM controller acts on it.
    fn vm_subresource(
        &mut self,
        what: &str,
        vm: &str,
        handler: fn(&Obj, Option<&Obj>) -> Result<Obj, String>,
    ) {
        let (step, now) = (self.sim.steps(), self.sim.now());
        self.trace.emit(step, now, "user", TraceCat::Action, || {
            format!("{what} VM {vm}")
        });
        let Some(obj) = self.find(Kind::VirtualMachine, vm) else {
            return;
        };
        let vmi = self
            .cluster
            .api
            .get(Kind::VirtualMachineInstance, &obj.meta.namespace, vm)
            .cloned();
        match handler(&obj, vmi.as_deref()) {
            Ok(next) => {
                let _ = self.cluster.api.update(self.user, next);
                self.trace_user_records();
            }
            Err(why) => self.trace.emit(step, now, "user", TraceCat::Action, || {
                format!("refused: {why}")
            }),
        }
    }

    /// A user's cordon, uncordon or drain of `node` (`models::kubectl`): each of its kubectl
    /// commands reads the Node from the API server and writes it as the user, or writes
    /// nothing when the node already is as the command would make it (the timeline shows
    /// what kubectl prints then). An operation none of whose commands writes is refused.
    fn node_op(&mut self, node: &str, op: NodeOp) {
        let (step, now) = (self.sim.steps(), self.sim.now());
        for &cmd in kubectl::commands(op) {
            self.trace
                .emit(step, now, "user", TraceCat::Action, || cmd.line(node));
            let Some(obj) = self.cluster.api.get(Kind::Node, "", node).cloned() else {
                return;
            };
            match cmd.apply(&obj) {
                Ok(next) => {
                    let first = self.cluster.api.records.len();
                    let _ = self.cluster.api.update(self.user, next);
                    if self.trace.wants(TraceCat::Write) {
                        let actor = &self.cluster.actors[self.user as usize];
                        for r in &self.cluster.api.records[first..] {
                            self.trace.push(trace_record(r, step, now, actor));
                        }
                    }
                }
                Err(said) => self
                    .trace
                    .emit(step, now, "user", TraceCat::Action, || said),
            }
        }
    }

    /// Harvester's abortMigration action (`vmActionHandler.abortMigration`,
    /// pkg/api/vm/handler.go at v1.4.2): the VM's migration (read, as `migrate_refused`
    /// does, as its VMI's migration not yet final) must be running (`vmim.IsRunning()`: not
    /// Unset or Pending), and is aborted by deleting its VMIM.
    fn cancel_migration(&mut self, vm: &str) {
        let (step, now) = (self.sim.steps(), self.sim.now());
        self.trace.emit(step, now, "user", TraceCat::Action, || {
            format!("abort the migration of VM {vm}")
        });
        let Some(vmi) = self.find(Kind::VirtualMachineInstance, vm) else {
            return;
        };
        let ns = vmi.meta.namespace.clone();
        let vmim = self
            .cluster
            .api
            .store
            .list(Kind::VirtualMachineInstanceMigration, &ns)
            .find(|m| {
                m.vmim().vmi_name == vm
                    && !m.vmim().phase.is_final()
                    && m.meta.deletion_timestamp.is_none()
            })
            .cloned();
        let why = match &vmim {
            None => Some("The VM is not in migrating state".to_string()),
            Some(m)
                if matches!(
                    m.vmim().phase,
                    MigrationPhase::Unset | MigrationPhase::Pending
                ) =>
            {
                // Go's %q of the phase.
                let q = match m.vmim().phase {
                    MigrationPhase::Unset => "\"\"".to_string(),
                    p => format!("\"{}\"", p.name()),
                };
                Some(format!("cannot abort the migration as it is in {q} phase"))
            }
            Some(_) => None,
        };
        if let Some(why) = why {
            self.trace.emit(step, now, "user", TraceCat::Action, || {
                format!("refused: {why}")
            });
            return;
        }
        let m = vmim.expect("found");
        let _ = self.cluster.api.delete(
            self.user,
            Kind::VirtualMachineInstanceMigration,
            &ns,
            &m.meta.name,
        );
        self.trace_user_records();
    }

    /// An in-place upgrade of Harvester's controllers: the version in force changes now
    /// (so checks judge by it), the `harvester` process is killed and comes back after its
    /// restart delay running `to`'s controllers, and the namespace webhook answers as `to`.
    /// Nothing else is upgraded: KubeVirt keeps the overhead ratio it started with.
    fn upgrade_harvester(&mut self, to: Version) {
        let (step, now) = (self.sim.steps(), self.sim.now());
        let from = self.version;
        let b = to.behaviours();
        let ctrls = topology::harvester(b, self.features);
        let names: Vec<&str> = ctrls.iter().map(|c| c.name()).collect();
        let names = names.join(", ");
        self.trace.emit(step, now, "user", TraceCat::Action, || {
            format!("upgrade Harvester {from} → {to}: harvester restarts with {names}")
        });
        self.version = to;
        self.behaviours = b;
        self.cluster.api.replace_hook(Box::new(NamespaceValidator {
            text: b.namespace_webhook_text,
        }));
        if let Some(p) = self.cluster.process_index(HARVESTER) {
            self.cluster.kill(p, &mut self.sim, &mut self.trace);
            self.cluster.replace_controllers(p, ctrls);
        }
    }

    /// Puts other controllers into a named process, as a different image of it would run:
    /// at once if the process is down, else from its next start. For tests that put a
    /// deliberately broken model into a run. Returns false if there is no such process.
    pub fn replace_process_controllers(
        &mut self,
        name: &str,
        ctrls: Vec<Box<dyn Reconciler>>,
    ) -> bool {
        let Some(p) = self.cluster.process_index(name) else {
            return false;
        };
        self.cluster.replace_controllers(p, ctrls);
        true
    }

    /// Why Harvester's migrate action (`vmActionHandler.migrate`, pkg/api/vm/handler.go at
    /// v1.4.2, and `ValidateVMMigratable` in pkg/util/virtualmachineinstance) refuses to
    /// migrate `vmi` to `target`, if it does: the VM is already migrating, or already runs
    /// on the target node. Harvester reads "migrating" from the VMI's
    /// `harvesterhci.io/migrationUID` annotation, which its VMIM controller keeps while a
    /// migration is not final; it is read here as a migration of the VMI not yet final,
    /// without the annotation's own lag.
    ///
    /// A target node must be one `isMigratableNode` lists (`findMigratableNodesByVMI`, the
    /// same from v1.4.1 to v1.7.0): another node that `isDrained` does not exclude, which it
    /// does for `spec.unschedulable` (a user's cordon), not for the `kubevirt.io/drain`
    /// taint. With no such node: `can't migrate the VM to the node N: no matching migratable
    /// nodes found`; else a target not among them: `The target node is non-migratable`.
    /// Left out: the VMI's required node affinity, which the real list is filtered by, and
    /// the real order, which runs this check before the same-node one (a same-node target
    /// gets the same-node text here).
    fn migrate_refused(&self, vmi: &crate::kube::Snap, target: Option<&str>) -> Option<String> {
        let key = vmi.meta.key();
        let migrating = self
            .cluster
            .api
            .store
            .list(Kind::VirtualMachineInstanceMigration, &vmi.meta.namespace)
            .any(|m| m.vmim().vmi_name == vmi.meta.name && !m.vmim().phase.is_final());
        if migrating {
            return Some(format!(
                "VM {key} is not live migratable as it is already in a migrating state"
            ));
        }
        let on = vmi.vmi().node.as_str();
        match target {
            None => None,
            Some(t) if t == on => Some("The VM is currently running on the target node".into()),
            Some(t) => {
                let migratable: Vec<&str> = self
                    .cluster
                    .api
                    .store
                    .list_all(Kind::Node)
                    .filter(|n| n.meta.name != on && !n.node().unschedulable)
                    .map(|n| n.meta.name.as_str())
                    .collect();
                if migratable.is_empty() {
                    Some(format!(
                        "can't migrate the VM to the node {t}: no matching migratable nodes found"
                    ))
                } else {
                    (!migratable.contains(&t))
                        .then(|| "The target node is non-migratable".to_string())
                }
            }
        }
    }

    fn find(&self, kind: Kind, name: &str) -> Option<crate::kube::Snap> {
        self.cluster
            .api
            .store
            .list_all(kind)
            .find(|o| o.meta.name == name)
            .cloned()
    }
}
