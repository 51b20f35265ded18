//! A world with an `upgrade` section: the components of Harvester's node-by-node upgrade are
//! added to the cluster, and the upgrade's objects exist from t=0.
//!
//! - virt-controller also runs KubeVirt's VM, VMI and evacuation controllers, and `harvester`
//!   the upgrade controller (`models::harvester::upgrade`), as `topology.rs` says;
//! - a process `upgrade-jobs` runs the pre-drain and post-drain jobs' scripts;
//! - the repo VM `upgrade-repo-<name>` (harvester-facts.md 3.1: 1 CPU, 1G, CD-ROM disks,
//!   `LiveMigrateIfPossible`, a readiness probe, the version's CPU model and run strategy)
//!   runs on `repo_node`, and the Upgrade lists every node `Images preloaded`.

use super::feature::Feature;
use super::topology::Topology;
use crate::kube::object::{
    CpuMode, Domain, NamespaceBody, NodeUpgradeState, RunStrategy, UpgradeBody, UpgradeNodes,
    VmBody, VmiBody,
};
use crate::kube::{Body, Cluster, Kind, Meta, Obj, PodPhase, Quantity, VmiPhase};
use crate::models::harvester::upgrade::{
    repo_vm_name, LABEL_UPGRADE, LABEL_UPGRADE_COMPONENT, NAMESPACE,
};
use crate::models::kubevirt::launcher::launcher_pod;
use crate::models::kubevirt::overhead::memory_request;
use crate::models::kubevirt::virt_handler::LABEL_NODE_NAME;
use crate::scenario::{Behaviours, RepoVmCpu, Scenario, UpgradeSpec};

pub use super::topology::JOBS;

/// The upgrade's nodes in order: the spec's order, else the scenario's.
pub fn node_order(scn: &Scenario, spec: &UpgradeSpec) -> Vec<String> {
    if spec.order.is_empty() {
        scn.nodes.iter().map(|n| n.name.clone()).collect()
    } else {
        spec.order.clone()
    }
}

/// The node-by-node upgrade as a feature of the world: before any process starts it adds its
/// own processes (`topology.rs`; its controllers in virt-controller and harvester are there
/// too) and seeds its objects. It owns no action or event; the checks read its objects.
pub struct NodeUpgrade;

impl Feature for NodeUpgrade {
    fn before_start(&mut self, cluster: &mut Cluster, topology: &Topology) {
        let scn = topology.scn;
        let spec = scn
            .upgrade
            .as_ref()
            .expect("an upgrade has an upgrade section");
        for p in topology.upgrade(spec) {
            p.add_to(cluster);
        }
        seed(cluster, scn, spec, topology.behaviours);
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The repo VM of a version (harvester-facts.md 3.1).
pub fn repo_vm(upgrade: &str, b: Behaviours) -> Obj {
    let mut meta = Meta::named(NAMESPACE, &repo_vm_name(upgrade));
    meta.labels.insert(LABEL_UPGRADE, upgrade);
    meta.labels.insert(LABEL_UPGRADE_COMPONENT, "repo");
    meta.labels.insert("harvesterhci.io/creator", "harvester");
    Obj::new(
        meta,
        Body::VirtualMachine(VmBody {
            cpu: Quantity::from_units(1),
            memory: Quantity::parse("1G").expect("a quantity"),
            printable_status: "Running".into(),
            run_strategy: if b.repo_vm_rerun_on_failure {
                RunStrategy::RerunOnFailure
            } else {
                RunStrategy::Always
            },
            domain: Domain {
                cpu_model: match b.repo_vm_cpu {
                    RepoVmCpu::HostModel => CpuMode::HostModel,
                    RepoVmCpu::HostPassthrough => CpuMode::HostPassthrough,
                },
                cdrom: true,
                live_migratable: true,
                evict: true,
                probe: true,
                ..Domain::default()
            },
            ..Default::default()
        }),
    )
}

fn seed(cluster: &mut Cluster, scn: &Scenario, spec: &UpgradeSpec, b: Behaviours) {
    let api = &mut cluster.api;
    if api.get(Kind::Namespace, "", NAMESPACE).is_none() {
        api.seed(Obj::new(
            Meta::named("", NAMESPACE),
            Body::Namespace(NamespaceBody::default()),
        ));
    }
    let vm = repo_vm(&spec.name, b);
    let vb = vm.vm().clone();
    let mut meta = Meta::named(NAMESPACE, &vm.meta.name);
    meta.labels = vm.meta.labels.clone();
    meta.labels.insert(LABEL_NODE_NAME, spec.repo_node.clone());
    meta.finalizers
        .push(crate::models::kubevirt::vmi::VMI_FINALIZER.into());
    api.seed(vm);
    let vmi = api.seed(Obj::new(
        meta,
        Body::VirtualMachineInstance(VmiBody {
            node: spec.repo_node.as_str().into(),
            phase: VmiPhase::Running,
            cpu: vb.cpu,
            memory: vb.memory,
            memory_request: memory_request(vb.memory),
            migration_state: None,
            domain: vb.domain.clone(),
            cpu_origin: spec.repo_node.as_str().into(),
        }),
    ));
    let mut pod = launcher_pod(&vmi, b.launcher(), None);
    {
        let p = pod.pod_mut();
        p.node = Some(spec.repo_node.as_str().into());
        p.phase = PodPhase::Running;
        p.ready = true;
    }
    api.seed(pod);
    let mut meta = Meta::named(NAMESPACE, &spec.name);
    meta.labels
        .insert("harvesterhci.io/upgradeState", "UpgradingNodes");
    api.seed(Obj::new(
        meta,
        Body::Upgrade(UpgradeBody {
            state: "UpgradingNodes".into(),
            nodes: UpgradeNodes::new(node_order(scn, spec), NodeUpgradeState::ImagesPreloaded),
            restore: Vec::new(),
        }),
    ));
    api.notes.clear();
    api.records.clear();
}
