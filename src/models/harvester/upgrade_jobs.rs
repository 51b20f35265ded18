//! The upgrade's per-node hook jobs (`package/upgrade/upgrade_node.sh`, `lib.sh`,
//! `upgrade-helper vm-live-migrate-detector`; harvester-facts.md 3.2 to 3.5), as the shell
//! scripts they are: each step reads the API server directly (kubectl, not an informer)
//! and sleeps between polls.
//!
//! **pre-drain** (`command_pre_drain`):
//! 1. the live-migrate detector lists the VMIs labelled `kubevirt.io/nodeName=<node>`
//!    (from v1.4.2 to v1.5.x also `!harvesterhci.io/upgrade`, PR #7440) and stops every one
//!    it judges non-live-migratable (`non_live_migratable`: a node selector, PCI/USB host
//!    devices, a required node affinity no other schedulable node matches, a CD-ROM or
//!    containerDisk; none on a one-node cluster). A VMI whose LiveMigratable condition is
//!    False for another reason (or with only a vGPU) is not stopped, and the wait below
//!    never ends. The repo VM has CD-ROM disks, so when listed it is stopped:
//!    `vm <name> was administratively stopped`;
//! 2. `kubectl taint node <node> kubevirt.io/drain=draining:NoSchedule`;
//! 3. every 5 s, with no timeout, counts the node's VMIs not `Succeeded`
//!    (`Waiting for VM live-migration or shutdown...(count: N)`) until none is left. From
//!    v1.7.0 (`check_migrations_phase`) a VM whose evacuation migration failed is stopped.
//!    From v1.6.0, with the `upgrade-config` setting's `restoreVM: true`, the VMs the
//!    detector stopped (not the repo VM) are listed for the restore-vm job.
//!
//! **post-drain** (`command_post_drain`):
//! 1. `wait_repo`: until the repo VM's `printableStatus` is `Running`, `virtctl start` it and
//!    sleep 10 s; then until the repo answers (`curl .../harvester-release.yaml`), sleep 5 s;
//! 2. the OS and RKE2 upgrade, then the reboot; when the node is back the drain taint goes.
//!
//! Simplifications: steps between these (recovering the rancher-system-agent, waiting for
//! Longhorn engines and evacuation PDBs, max-pods, audit logging) take no time; the drain
//! taint is removed when the node is back from its reboot rather than just before it, so no
//! VM is scheduled onto a node about to reboot; `virtctl start|stop` are modelled as
//! virt-api's start/stop subresources (`models::kubevirt::virt_api`).

use super::upgrade::{repo_vm_name, LABEL_UPGRADE, NAMESPACE};
use crate::engine::{ChoiceKind, SimDuration, SimTime};
use crate::kube::object::{match_node_selector_terms, JobType, RunStrategy};
use crate::kube::store::Store;
use crate::kube::{
    Ctx, Kind, MigrationPhase, Obj, ObjId, Outcome, PodPhase, ReconcileError, ReconcileResult,
    Reconciler, Snap, VmiPhase,
};
use crate::models::behaviours::{Behaviours, RepoVmPolicy};
use crate::models::cpu::HostCpus;
use crate::models::kubevirt::migration::EVACUATION_ANNOTATION;
use crate::models::kubevirt::node_labeller::can_run;
use crate::models::kubevirt::virt_api::{start_vm, stop_vm};
use crate::models::kubevirt::virt_handler::LABEL_NODE_NAME;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Whether the repo answers: the repo VMI runs and its launcher pod on the VMI's node is
/// Ready (the readiness probe on `/harvester-iso/harvester-release.yaml`).
pub fn repo_up(store: &Store, upgrade: &str) -> bool {
    repo_vm_up(store, &repo_vm_name(upgrade))
}

/// `repo_up` by the repo VM's name (`repo_vm_name`), for a caller asking every step.
pub fn repo_vm_up(store: &Store, name: &str) -> bool {
    let Some(vmi) = store
        .id_of(Kind::VirtualMachineInstance, NAMESPACE, name)
        .and_then(|i| store.get(i))
    else {
        return false;
    };
    let b = vmi.vmi();
    b.phase == VmiPhase::Running
        && vmi.meta.deletion_timestamp.is_none()
        && store
            .indexes()
            .pods_of_vmi(NAMESPACE, name)
            .iter()
            .filter_map(|&id| store.get(id))
            .any(|p| {
                let pb = p.pod();
                pb.node.as_deref() == Some(b.node.as_str())
                    && pb.phase == PodPhase::Running
                    && pb.ready
                    && p.meta.deletion_timestamp.is_none()
            })
}

/// `GetAllNonLiveMigratableVMINames` (`pkg/util/virtualmachineinstance/virtualmachineinstance.go`,
/// the same from v1.4.1 to v1.7.0) for one VMI: why it is non-live-migratable, if it is. Its
/// checks, in order: a `spec.nodeSelector` (any, even empty); `hostDevices` (PCI, USB: a
/// vGPU sits in `gpus`, which it does not look at); no other schedulable node matching the
/// required node affinity (`migratableByNodeAffinity`: every other node not
/// `spec.unschedulable` counts when there is no affinity); a CD-ROM or containerDisk. It
/// does not read KubeVirt's LiveMigratable condition: such a VMI is left for the drain,
/// which never migrates it.
pub fn non_live_migratable<'a>(
    vmi: &Obj,
    nodes: impl IntoIterator<Item = &'a Obj>,
) -> Option<&'static str> {
    let b = vmi.vmi();
    let d = &b.domain;
    if d.node_selector.is_some() {
        return Some("node selectors");
    }
    if d.host_devices.iter().any(|h| h.in_host_devices()) {
        return Some("pcie or usb devices");
    }
    let migratable = nodes.into_iter().any(|n| {
        n.meta.name != b.node
            && !n.node().unschedulable
            && d.node_affinity
                .as_ref()
                .is_none_or(|t| match_node_selector_terms(t, &n.meta.labels))
    });
    if !migratable {
        return Some("node affinities");
    }
    if d.cdrom {
        return Some("CD-ROM or container disk");
    }
    None
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Step {
    Detect,
    Wait,
    RepoRunning,
    RepoHttp,
    OsUpgrade(SimTime),
    Reboot(SimTime),
    Done,
}

pub struct JobRunner {
    behaviours: Behaviours,
    /// The `upgrade-config` setting's `restoreVM`.
    restore_vm: bool,
    cpus: Rc<HostCpus>,
    os_upgrade: (SimDuration, SimDuration),
    reboot: (SimDuration, SimDuration),
    /// Each job's progress through its script (lost if the runner restarts: the job's pod
    /// runs the script again from the top).
    steps: BTreeMap<ObjId, Step>,
}

impl JobRunner {
    pub fn new(
        behaviours: Behaviours,
        restore_vm: bool,
        cpus: Rc<HostCpus>,
        os_upgrade: (SimDuration, SimDuration),
        reboot: (SimDuration, SimDuration),
    ) -> Self {
        JobRunner {
            behaviours,
            restore_vm,
            cpus,
            os_upgrade,
            reboot,
            steps: BTreeMap::new(),
        }
    }

    /// VMIs on the node (by label), as `kubectl get vmi -l` lists them (the API server
    /// answers a label selector from its index, in namespace and name order).
    fn node_vmis(ctx: &Ctx<'_>, node: &str) -> Vec<Snap> {
        let store = &ctx.api().store;
        let mut v: Vec<Snap> = store
            .indexes()
            .vmis_labelled(node)
            .iter()
            .filter_map(|&i| store.get(i))
            .cloned()
            .collect();
        v.sort_by(|a, b| {
            (a.meta.namespace.as_str(), a.meta.name.as_str())
                .cmp(&(b.meta.namespace.as_str(), b.meta.name.as_str()))
        });
        debug_assert!(v.iter().all(|x| x.label(LABEL_NODE_NAME) == Some(node)));
        v
    }

    /// Whether some other node could run this VMI's guest CPU now (the proposed policy).
    fn compatible_target(&self, ctx: &Ctx<'_>, vmi: &Obj, node: &str) -> bool {
        let b = vmi.vmi();
        let Some(origin) = self.cpus.get(b.cpu_origin.as_str()) else {
            return false;
        };
        ctx.api().store.list_all(Kind::Node).any(|n| {
            let nb = n.node();
            n.meta.name != node
                && nb.ready
                && !nb.drain_taint
                && !nb.unschedulable
                && self
                    .cpus
                    .get(n.meta.name.as_str())
                    .is_some_and(|h| can_run(h, &b.domain.cpu_model, origin).is_ok())
        })
    }

    /// The live-migrate detector with `--shutdown`.
    fn detect(&self, ctx: &mut Ctx<'_>, node: &str, upgrade: &str) -> Result<(), ReconcileError> {
        // v1.6.0+ counts non-witness nodes; hvsim has no witness nodes. The nodes are read
        // where a VMI needs them, in place: the real detector's list holds the cache's
        // pointers, and a copy of a 1,000-node list per drained node grew as nodes².
        if ctx.api().store.count(Kind::Node) == 1 {
            return Ok(());
        }
        let mut stop = Vec::new();
        for vmi in Self::node_vmis(ctx, node) {
            let is_repo = vmi.label(LABEL_UPGRADE).is_some();
            let listed = match (self.behaviours.repo_vm_policy, is_repo) {
                (_, false) | (RepoVmPolicy::StopInPreDrain, true) => true,
                (RepoVmPolicy::LiveMigrate, true) => false,
                (RepoVmPolicy::LiveMigrateIfCompatibleElseStop, true) => {
                    !self.compatible_target(ctx, &vmi, node)
                }
            };
            if listed {
                let nodes = ctx.api().store.list_all(Kind::Node).map(|n| &**n);
                if let Some(why) = non_live_migratable(&vmi, nodes) {
                    let key = vmi.meta.key();
                    ctx.log(|| format!("{key} considered non-live migratable due to {why}"));
                    stop.push((vmi.meta.namespace.clone(), vmi.meta.name.clone(), is_repo));
                }
            }
        }
        for (ns, name, is_repo) in stop {
            self.stop_and_record(
                ctx,
                &ns,
                &name,
                is_repo,
                upgrade,
                "was administratively stopped",
            )?;
        }
        Ok(())
    }

    fn stop_and_record(
        &self,
        ctx: &mut Ctx<'_>,
        ns: &str,
        name: &str,
        is_repo: bool,
        upgrade: &str,
        why: &str,
    ) -> Result<(), ReconcileError> {
        let Some(vm) = ctx.api().get(Kind::VirtualMachine, ns, name).cloned() else {
            return Ok(());
        };
        stop_vm(ctx, &vm)?;
        let (n, w) = (name.to_string(), why.to_string());
        ctx.log(|| format!("vm {n} {w}"));
        if self.behaviours.restore_vm_job && self.restore_vm && !is_repo {
            if let Some(up) = ctx.api().get(Kind::Upgrade, NAMESPACE, upgrade).cloned() {
                let mut next = (*up).clone();
                let entry = (ns.to_string(), name.to_string());
                if !next.upgrade().restore.contains(&entry) {
                    next.upgrade_mut().restore.push(entry);
                    ctx.update(next)?;
                }
            }
        }
        Ok(())
    }

    /// v1.7.0 `check_migrations_phase`: stop VMs whose evacuation migration failed.
    fn stop_failed_evacuations(
        &self,
        ctx: &mut Ctx<'_>,
        node: &str,
        upgrade: &str,
    ) -> Result<(), ReconcileError> {
        let mut stop = Vec::new();
        for vmi in Self::node_vmis(ctx, node) {
            let store = &ctx.api().store;
            let failed = store
                .indexes()
                .vmims_of(&vmi.meta.namespace, &vmi.meta.name)
                .iter()
                .filter_map(|&i| store.get(i))
                .any(|m| {
                    m.vmim().vmi_name == vmi.meta.name
                        && m.annotation(EVACUATION_ANNOTATION).is_some()
                        && m.vmim().phase == MigrationPhase::Failed
                });
            let stopping = ctx
                .api()
                .get(Kind::VirtualMachine, &vmi.meta.namespace, &vmi.meta.name)
                .is_some_and(|vm| {
                    vm.vm().run_strategy == RunStrategy::Halted
                        || vm.vm().state_change_requests.iter().any(|r| !r.start)
                });
            if failed && !stopping {
                let is_repo = vmi.label(LABEL_UPGRADE).is_some();
                stop.push((vmi.meta.namespace.clone(), vmi.meta.name.clone(), is_repo));
            }
        }
        for (ns, name, is_repo) in stop {
            self.stop_and_record(
                ctx,
                &ns,
                &name,
                is_repo,
                upgrade,
                "is stopped: its evacuation migration failed",
            )?;
        }
        Ok(())
    }

    fn set_node(
        ctx: &mut Ctx<'_>,
        node: &str,
        f: impl FnOnce(&mut crate::kube::object::NodeBody),
    ) -> Result<(), ReconcileError> {
        if let Some(n) = ctx.api().get(Kind::Node, "", node).cloned() {
            let mut next = (*n).clone();
            f(next.node_mut());
            ctx.update(next)?;
        }
        Ok(())
    }

    fn complete(ctx: &mut Ctx<'_>, job: &Obj) -> Result<(), ReconcileError> {
        let mut next = job.clone();
        next.job_mut().complete = true;
        ctx.update_status(next)?;
        Ok(())
    }
}

const POLL: SimDuration = SimDuration::from_secs(5);
const START_RETRY: SimDuration = SimDuration::from_secs(10);

impl Reconciler for JobRunner {
    fn name(&self) -> &'static str {
        "upgrade-job"
    }

    fn primary(&self) -> Kind {
        Kind::Job
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let Some(job) = ctx.read().by_id(key) else {
            self.steps.remove(&key);
            return Ok(Outcome::Done);
        };
        if job.job().complete && !matches!(self.steps.get(&key), Some(Step::Reboot(_))) {
            return Ok(Outcome::Done);
        }
        let node = job.job().node.clone();
        let upgrade = job.label(LABEL_UPGRADE).unwrap_or_default().to_string();
        let step = *self.steps.entry(key).or_insert(match job.job().job_type {
            JobType::PreDrain => Step::Detect,
            JobType::PostDrain => Step::RepoRunning,
        });
        let (next, wait) = match step {
            Step::Detect => {
                self.detect(ctx, &node, &upgrade)?;
                Self::set_node(ctx, &node, |n| n.drain_taint = true)?;
                (Step::Wait, Some(SimDuration::ZERO))
            }
            Step::Wait => {
                if self.behaviours.stop_failed_evacuations {
                    self.stop_failed_evacuations(ctx, &node, &upgrade)?;
                }
                let count = Self::node_vmis(ctx, &node)
                    .iter()
                    .filter(|v| v.vmi().phase != VmiPhase::Succeeded)
                    .count();
                if count == 0 {
                    Self::complete(ctx, &job)?;
                    (Step::Done, None)
                } else {
                    ctx.log(|| {
                        format!("Waiting for VM live-migration or shutdown...(count: {count})")
                    });
                    (Step::Wait, Some(POLL))
                }
            }
            Step::RepoRunning => {
                let repo = ctx
                    .api()
                    .get(Kind::VirtualMachine, NAMESPACE, &repo_vm_name(&upgrade))
                    .cloned();
                match repo {
                    Some(vm) if vm.vm().printable_status != "Running" => {
                        if let Err(e) = start_vm(ctx, &vm) {
                            ctx.log(|| format!("virtctl start: {e}"));
                        }
                        (Step::RepoRunning, Some(START_RETRY))
                    }
                    _ => (Step::RepoHttp, Some(SimDuration::ZERO)),
                }
            }
            Step::RepoHttp => {
                if repo_up(&ctx.api().store, &upgrade) {
                    let d = ctx.pick_duration(ChoiceKind::Operation, self.os_upgrade);
                    ctx.log(|| format!("repo is ready; upgrading the OS and RKE2 of {node}"));
                    (Step::OsUpgrade(ctx.now + d), Some(d))
                } else {
                    (Step::RepoHttp, Some(POLL))
                }
            }
            Step::OsUpgrade(until) if ctx.now >= until => {
                Self::complete(ctx, &job)?;
                Self::set_node(ctx, &node, |n| n.ready = false)?;
                ctx.log(|| format!("rebooting {node}"));
                let d = ctx.pick_duration(ChoiceKind::Operation, self.reboot);
                (Step::Reboot(ctx.now + d), Some(d))
            }
            Step::Reboot(until) if ctx.now >= until => {
                Self::set_node(ctx, &node, |n| {
                    n.ready = true;
                    n.boots += 1;
                    n.drain_taint = false;
                })?;
                ctx.log(|| format!("{node} is back from its reboot; drain taint removed"));
                (Step::Done, None)
            }
            Step::OsUpgrade(until) | Step::Reboot(until) => (step, Some(until - ctx.now)),
            Step::Done => (Step::Done, None),
        };
        self.steps.insert(key, next);
        Ok(match wait {
            Some(d) => Outcome::RequeueAfter(d),
            None => Outcome::Done,
        })
    }

    fn reset(&mut self) {
        self.steps.clear();
    }
}
