//! A world with an `upgrade` section: the components of Harvester's node-by-node upgrade are
//! added to the cluster, and the upgrade's objects exist from t=0.
//!
//! - virt-controller also runs KubeVirt's VM, VMI and evacuation controllers (it watches
//!   nodes and VMs for them);
//! - `harvester` also runs the upgrade controller (`models::harvester::upgrade`);
//! - a process `upgrade-jobs` runs the pre-drain and post-drain jobs' scripts;
//! - the repo VM `upgrade-repo-<name>` (harvester-facts.md 3.1: 1 CPU, 1G, CD-ROM disks,
//!   `LiveMigrateIfPossible`, a readiness probe, the version's CPU model and run strategy)
//!   runs on `repo_node`, and the Upgrade lists every node `Images preloaded`.

use crate::kube::object::{
    CpuMode, Domain, NamespaceBody, NodeUpgradeState, RunStrategy, UpgradeBody, VmBody, VmiBody,
};
use crate::kube::{
    Body, Cluster, Kind, Meta, Obj, PodPhase, ProcessTiming, Quantity, Reconciler, VmiPhase,
};
use crate::models::cpu::HostCpu;
use crate::models::harvester::upgrade::{
    repo_vm_name, UpgradeController, LABEL_UPGRADE, LABEL_UPGRADE_COMPONENT, NAMESPACE,
};
use crate::models::harvester::upgrade_jobs::JobRunner;
use crate::models::kubevirt::evacuation::EvacuationController;
use crate::models::kubevirt::launcher::launcher_pod;
use crate::models::kubevirt::migration::MigrationController;
use crate::models::kubevirt::overhead::memory_request;
use crate::models::kubevirt::virt_handler::LABEL_NODE_NAME;
use crate::models::kubevirt::vm::VmController;
use crate::models::kubevirt::vmi::VmiController;
use crate::scenario::{Behaviours, RepoVmCpu, Scenario, UpgradeSpec};
use std::collections::BTreeMap;
use std::rc::Rc;

pub const JOBS: &str = "upgrade-jobs";

/// The upgrade's nodes in order: the spec's order, else the scenario's.
pub fn node_order(scn: &Scenario, spec: &UpgradeSpec) -> Vec<String> {
    if spec.order.is_empty() {
        scn.nodes.iter().map(|n| n.name.clone()).collect()
    } else {
        spec.order.clone()
    }
}

pub fn install(
    cluster: &mut Cluster,
    scn: &Scenario,
    spec: &UpgradeSpec,
    b: Behaviours,
    timing: ProcessTiming,
    cpus: Rc<BTreeMap<String, HostCpu>>,
) {
    let proc = |cluster: &Cluster, name: &str| {
        cluster
            .process_index(name)
            .unwrap_or_else(|| panic!("a world has a {name} process"))
    };
    let vc = proc(cluster, "virt-controller");
    cluster.add_watches(vc, &[Kind::VirtualMachine, Kind::Node]);
    let launcher = b.launcher();
    let ctrls: Vec<Box<dyn Reconciler>> = vec![
        Box::new(MigrationController::new(launcher)),
        Box::new(VmController::new()),
        Box::new(VmiController::new(launcher)),
        Box::new(EvacuationController::default()),
    ];
    cluster.replace_controllers(vc, ctrls);
    let harvester = proc(cluster, super::world::HARVESTER);
    cluster.add_watches(harvester, &[Kind::Upgrade, Kind::Job, Kind::Node]);
    let mut ctrls = super::world::harvester_controllers(b);
    ctrls.push(Box::new(UpgradeController));
    cluster.replace_controllers(harvester, ctrls);
    let t = &scn.timing;
    cluster.add_process(
        JOBS,
        &[Kind::Job],
        timing,
        vec![Box::new(JobRunner::new(
            b,
            spec.restore_vm,
            cpus,
            t.os_upgrade.tuple(),
            t.node_reboot.tuple(),
        ))],
    );
    seed(cluster, scn, spec, b);
}

/// The repo VM of a version (harvester-facts.md 3.1).
pub fn repo_vm(upgrade: &str, b: Behaviours) -> Obj {
    let mut meta = Meta::named(NAMESPACE, &repo_vm_name(upgrade));
    meta.labels.insert(LABEL_UPGRADE.into(), upgrade.into());
    meta.labels
        .insert(LABEL_UPGRADE_COMPONENT.into(), "repo".into());
    meta.labels
        .insert("harvesterhci.io/creator".into(), "harvester".into());
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
    meta.labels
        .insert(LABEL_NODE_NAME.into(), spec.repo_node.clone());
    api.seed(vm);
    let vmi = api.seed(Obj::new(
        meta,
        Body::VirtualMachineInstance(VmiBody {
            node: spec.repo_node.clone(),
            phase: VmiPhase::Running,
            cpu: vb.cpu,
            memory: vb.memory,
            memory_request: memory_request(vb.memory),
            migration_state: None,
            domain: vb.domain.clone(),
            cpu_origin: spec.repo_node.clone(),
        }),
    ));
    let mut pod = launcher_pod(&vmi, b.launcher(), None);
    {
        let p = pod.pod_mut();
        p.node = Some(spec.repo_node.clone());
        p.phase = PodPhase::Running;
        p.ready = true;
    }
    api.seed(pod);
    let mut meta = Meta::named(NAMESPACE, &spec.name);
    meta.labels.insert(
        "harvesterhci.io/upgradeState".into(),
        "UpgradingNodes".into(),
    );
    api.seed(Obj::new(
        meta,
        Body::Upgrade(UpgradeBody {
            state: "UpgradingNodes".into(),
            nodes: node_order(scn, spec)
                .into_iter()
                .map(|n| (n, NodeUpgradeState::ImagesPreloaded))
                .collect(),
            restore: Vec::new(),
        }),
    ));
    api.notes.clear();
    api.records.clear();
}
