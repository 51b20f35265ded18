//! A cluster's install, for scenarios with a `bootstrap:` section (harvester-facts.md
//! section 4). At t=0 RKE2 is up: the API server, kube-controller-manager, kube-scheduler,
//! the kubelet, and RKE2's deploy controller (process `rke2-server`), which applies the
//! auto-deploy manifests every 15 s until each file applies whole. Then, at times drawn from
//! the scenario's ranges:
//!
//! 1. KubeVirt is ready: virt-operator installs the KubeVirt CRDs (a `VirtualMachine` in a
//!    manifest applies from the next deploy pass on), virt-controller (migration, VM and VMI
//!    controllers) and the virt-handlers start.
//! 2. Claims bind (`longhorn-manager`): at once for an existing volume, after the image
//!    download for a claim made from a Harvester image. A VM's VMI starts once its claims
//!    are bound.
//! 3. The harvester container starts: `SetAll` creates every missing setting with its
//!    default through the API server, so the setting validator judges each. Success: the
//!    server's controllers start (process `harvester`) and the pod is Ready. An error: the
//!    container exits with the fatal log line and the kubelet restarts it after its
//!    crash-loop back-off.
//!
//! Simplifications: the harvester pod exists from its container's first start (ReplicaSet,
//! scheduling and image pull folded into `harvester_start`); Harvester's webhook server is
//! up from t=0; restarts of the container are not written into the pod object.

use super::feature::{Codes, Env, Feature};
use super::topology::{virt_handler, Topology, HARVESTER, KUBELET, VIRT_CONTROLLER};
use crate::engine::{ChoiceKind, Sim, SimDuration, SimTime, Trace, TraceCat};
use crate::kube::describe::describe_record;
use crate::kube::object::{AddonBody, NamespaceBody, OpaqueBody, PodBody};
use crate::kube::{ActorId, Body, Cluster, Ev, Kind, Meta, Obj, PodPhase, ResourceList};
use crate::models::harvester::data_init;
use crate::models::harvester::settings::{fatal_line, set_all, SETTINGS};
use crate::models::harvester::settings_validator::SettingValidator;
use crate::models::rke2::deploy::{KUBEVIRT_CRD, MANIFESTS_DIR};
use crate::scenario::bootstrap::Bootstrap;
use crate::scenario::Scenario;
use smol_str::SmolStr;
use std::hash::{Hash, Hasher};

/// The install's external events, its own codes (`feature::Codes`).
const KUBEVIRT_READY: u32 = 0;
const HARVESTER_CONTAINER: u32 = 1;
const CODES: u32 = 2;

pub const HARVESTER_NAMESPACE: &str = "harvester-system";
/// Labels of the harvester deployment's pods.
pub const LABEL_APP_NAME: &str = "app.kubernetes.io/name";
pub const LABEL_COMPONENT: &str = "app.kubernetes.io/component";

/// kubelet's container restart back-off (`pkg/kubelet/kubelet.go`: `backOffPeriod` 10 s,
/// `MaxContainerBackOff` 300 s), doubling per exit.
const CRASH_BACKOFF_INITIAL: SimDuration = SimDuration::from_secs(10);
const CRASH_BACKOFF_MAX: SimDuration = SimDuration::from_secs(300);

pub use super::topology::RKE2;
const OPERATOR: &str = "virt-operator";

pub struct Boot {
    container_start: (SimDuration, SimDuration),
    harvester: u16,
    kubevirt: Vec<u16>,
    harvester_actor: ActorId,
    kubelet_actor: ActorId,
    operator_actor: ActorId,
    first_node: String,
    /// The harvester pod, once its container has first started.
    pod: Option<String>,
    /// How often the harvester container has exited.
    pub exits: u32,
    /// The namespaces Harvester's data init applies (`models/harvester/data_init.rs`).
    data_namespaces: Vec<&'static str>,
    codes: Codes,
}

impl Boot {
    /// The harvester pod's name, once its container has first started.
    pub fn pod_name(&self) -> Option<&str> {
        self.pod.as_deref()
    }

    /// Sets a world up for its install; call after `start_all`, which it partly undoes: the
    /// KubeVirt processes and harvester come up later.
    pub fn install(
        cluster: &mut Cluster,
        sim: &mut Sim<Ev>,
        trace: &mut Trace,
        scn: &Scenario,
        boot: &Bootstrap,
        topology: &Topology,
        codes: Codes,
    ) -> Boot {
        let proc = |cluster: &Cluster, name: &str| {
            cluster
                .process_index(name)
                .unwrap_or_else(|| panic!("a world has a {name} process"))
        };
        let harvester = proc(cluster, HARVESTER);
        let virt_controller = proc(cluster, VIRT_CONTROLLER);
        let mut kubevirt = vec![virt_controller];
        kubevirt.extend(
            scn.nodes
                .iter()
                .map(|n| proc(cluster, &virt_handler(&n.name))),
        );
        for &p in kubevirt.iter().chain([&harvester]) {
            cluster.defer_start(p);
        }
        cluster.api.add_hook(Box::new(SettingValidator {
            check: topology.behaviours.storage_network_check,
        }));
        // RKE2's deploy controller and Longhorn run from t=0.
        for p in topology.install(boot) {
            let p = p.add_to(cluster);
            cluster.start_process(sim, p);
        }
        let operator_actor = cluster.add_actor(OPERATOR);

        for ns in ["default", "kube-system", HARVESTER_NAMESPACE] {
            if cluster.api.get(Kind::Namespace, "", ns).is_none() {
                cluster.api.seed(Obj::new(
                    Meta::named("", ns),
                    Body::Namespace(NamespaceBody::default()),
                ));
            }
        }
        trace.emit(0, SimTime::ZERO, RKE2, TraceCat::Log, || {
            format!(
                "RKE2 started; {} auto-deploy manifests in {MANIFESTS_DIR}",
                boot.loaded.len()
            )
        });
        for m in &boot.loaded {
            let base = m.name.split('.').next().unwrap_or(&m.name);
            cluster.api.seed(Obj::new(
                Meta::named("kube-system", base),
                Body::Addon(AddonBody {
                    source: format!("{MANIFESTS_DIR}/{}", m.name),
                    objects: m.objects.clone(),
                    applied: false,
                }),
            ));
            for n in &m.notes {
                trace.emit(0, SimTime::ZERO, RKE2, TraceCat::Log, || n.clone());
            }
        }
        let kv = sim.pick_duration(
            ChoiceKind::ActionTime,
            cluster.procs[virt_controller as usize].actor as u32,
            boot.kubevirt_ready.0,
            boot.kubevirt_ready.1,
        );
        sim.schedule_at(SimTime::ZERO + kv, codes.event(KUBEVIRT_READY));
        let harvester_actor = cluster.procs[harvester as usize].actor;
        let h = sim.pick_duration(
            ChoiceKind::PodStart,
            harvester_actor as u32,
            boot.harvester_start.0,
            boot.harvester_start.1,
        );
        sim.schedule_at(SimTime::ZERO + h, codes.event(HARVESTER_CONTAINER));
        let kubelet_actor = cluster.procs[proc(cluster, KUBELET) as usize].actor;
        Boot {
            container_start: boot.container_start.tuple(),
            harvester,
            kubevirt,
            harvester_actor,
            kubelet_actor,
            operator_actor,
            first_node: scn.nodes[0].name.clone(),
            pod: None,
            exits: 0,
            data_namespaces: data_init::namespaces(&topology.behaviours),
            codes,
        }
    }

    fn kubevirt_ready(&mut self, cluster: &mut Cluster, sim: &mut Sim<Ev>, trace: &mut Trace) {
        let (step, now) = (sim.steps(), sim.now());
        trace.emit(step, now, OPERATOR, TraceCat::Log, || {
            "KubeVirt deployed: CRDs installed; virt-api, virt-controller and virt-handler starting".into()
        });
        for (crd, kind) in [
            (KUBEVIRT_CRD, "VirtualMachine"),
            (
                "virtualmachineinstances.kubevirt.io",
                "VirtualMachineInstance",
            ),
        ] {
            let obj = Obj::new(
                Meta::named("", crd),
                Body::Opaque(OpaqueBody {
                    api_version: "apiextensions.k8s.io/v1".into(),
                    kind: "CustomResourceDefinition".into(),
                    crd: Some(("kubevirt.io".into(), kind.into())),
                }),
            );
            let mark = cluster.api.records.len();
            let _ = cluster.api.create(self.operator_actor, obj);
            emit_records(cluster, trace, mark, step, now);
        }
        for &p in &self.kubevirt {
            cluster.start_process(sim, p);
        }
    }

    fn harvester_container(&mut self, cluster: &mut Cluster, sim: &mut Sim<Ev>, trace: &mut Trace) {
        let (step, now) = (sim.steps(), sim.now());
        let mark = cluster.api.records.len();
        let pod_name = match &self.pod {
            Some(p) => p.clone(),
            None => {
                let mut meta = Meta {
                    generate_name: "harvester-".into(),
                    namespace: HARVESTER_NAMESPACE.into(),
                    ..Meta::default()
                };
                meta.labels.insert(LABEL_APP_NAME, "harvester");
                meta.labels.insert(LABEL_COMPONENT, "apiserver");
                let pod = Obj::new(
                    meta,
                    Body::Pod(PodBody {
                        node: Some(self.first_node.as_str().into()),
                        phase: PodPhase::Running,
                        ready: false,
                        limits: ResourceList::new(),
                        vmi: SmolStr::default(),
                        migration_uid: None,
                        avoid_node: None,
                        require_node: None,
                        node_selector: Default::default(),
                        unschedulable: false,
                        probe: false,
                    }),
                );
                let name = match cluster.api.create(self.kubelet_actor, pod) {
                    Ok(p) => p.meta.name.to_string(),
                    Err(_) => "harvester".into(),
                };
                emit_records(cluster, trace, mark, step, now);
                self.pod = Some(name.clone());
                name
            }
        };
        let restarts = self.exits;
        trace.emit(step, now, "kubelet", TraceCat::Log, || {
            format!("container harvester started in pod {HARVESTER_NAMESPACE}/{pod_name} (restarts {restarts})")
        });
        // `data.Init` first: the namespaces Harvester owns, created when missing.
        for ns in &self.data_namespaces {
            if cluster.api.get(Kind::Namespace, "", ns).is_none() {
                let mark = cluster.api.records.len();
                let obj = Obj::new(
                    Meta::named("", ns),
                    Body::Namespace(NamespaceBody::default()),
                );
                let _ = cluster.api.create(self.harvester_actor, obj);
                emit_records(cluster, trace, mark, step, now);
            }
        }
        // `SetAll` ranges over a Go map: a fresh order on every start.
        let mut order: Vec<usize> = (0..SETTINGS.len()).collect();
        for i in (1..order.len()).rev() {
            let j = sim.pick(
                ChoiceKind::Candidate,
                self.harvester_actor as u32,
                0,
                i as u64,
            );
            order.swap(i, j as usize);
        }
        let mark = cluster.api.records.len();
        let result = set_all(&mut cluster.api, self.harvester_actor, &order);
        emit_records(cluster, trace, mark, step, now);
        match result {
            Ok(()) => {
                trace.emit(step, now, HARVESTER, TraceCat::Log, || {
                    "settings registered; starting controllers".into()
                });
                cluster.start_process(sim, self.harvester);
                if let Some(pod) = cluster.api.get(Kind::Pod, HARVESTER_NAMESPACE, &pod_name) {
                    let mut next = (**pod).clone();
                    next.pod_mut().ready = true;
                    let mark = cluster.api.records.len();
                    let _ = cluster.api.update_status(self.kubelet_actor, next);
                    emit_records(cluster, trace, mark, step, now);
                }
            }
            Err(e) => {
                let line = fatal_line(&e);
                trace.emit(step, now, HARVESTER, TraceCat::Log, || line);
                self.exits += 1;
                let backoff = (0..self.exits - 1)
                    .fold(CRASH_BACKOFF_INITIAL, |d, _| {
                        SimDuration(d.micros().saturating_mul(2))
                    })
                    .min(CRASH_BACKOFF_MAX);
                trace.emit(step, now, "kubelet", TraceCat::Log, || {
                    format!("back-off {backoff} restarting failed container=harvester pod={pod_name}_{HARVESTER_NAMESPACE} (CrashLoopBackOff)")
                });
                let start = sim.pick_duration(
                    ChoiceKind::Restart,
                    self.harvester_actor as u32,
                    self.container_start.0,
                    self.container_start.1,
                );
                sim.schedule_in(backoff + start, self.codes.event(HARVESTER_CONTAINER));
            }
        }
    }
}

/// The install as a feature of the world: set up after every process was told to start,
/// it owns the KubeVirt-ready and harvester-container events.
#[derive(Default)]
pub struct Install {
    boot: Option<Boot>,
}

impl Install {
    /// The install's milestones, once set up.
    pub fn boot(&self) -> Option<&Boot> {
        self.boot.as_ref()
    }
}

impl Feature for Install {
    fn codes(&self) -> u32 {
        CODES
    }

    fn after_start(&mut self, env: &mut Env<'_>, topology: &Topology, codes: Codes) {
        let scn = topology.scn;
        let boot = scn
            .bootstrap
            .as_ref()
            .expect("an install has a bootstrap section");
        self.boot = Some(Boot::install(
            env.cluster,
            env.sim,
            env.trace,
            scn,
            boot,
            topology,
            codes,
        ));
    }

    fn on_external(&mut self, code: u32, env: &mut Env<'_>) {
        let Some(b) = self.boot.as_mut() else {
            return;
        };
        match code {
            KUBEVIRT_READY => b.kubevirt_ready(env.cluster, env.sim, env.trace),
            HARVESTER_CONTAINER => b.harvester_container(env.cluster, env.sim, env.trace),
            _ => unreachable!("the install owns {CODES} codes"),
        }
    }

    fn hash_into(&self, mut h: &mut dyn Hasher) {
        if let Some(b) = &self.boot {
            (b.exits, &b.pod).hash(&mut h);
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Puts the requests made since `mark` on the timeline, under their actors.
fn emit_records(cluster: &Cluster, trace: &mut Trace, mark: usize, step: u64, now: SimTime) {
    if !trace.wants(TraceCat::Write) {
        return;
    }
    for r in &cluster.api.records[mark..] {
        let text = describe_record(r);
        trace.emit(
            step,
            now,
            cluster.actor_name(r.actor),
            TraceCat::Write,
            || text,
        );
    }
}
