//! The cluster's topology as data: which processes a world runs, and which controllers each
//! runs, for a version's behaviours and the scenario's features. This is the one place a
//! process's controller list is written. A process watches the union of its controllers'
//! kinds (`Reconciler::watches`, as kube-rs's `Controller::new(..).owns(..).watches(..)`),
//! plus what its real informers watch for components hvsim does not model (`also_watches`).
//!
//! Adding a controller: write its model file under `models/`, then add one line to its
//! process's list below (`virt_controller`, `harvester`, or a new `Proc` in `cluster`).

use crate::kube::{Cluster, Kind, ProcessTiming, Reconciler};
use crate::models::cpu::HostCpus;
use crate::models::harvester::migration::MigrationAnnotationController;
use crate::models::harvester::resource_quota::ResourceQuotaController as HarvesterRqController;
use crate::models::harvester::upgrade::UpgradeController;
use crate::models::harvester::upgrade_jobs::JobRunner;
use crate::models::kcm::resource_quota::ResourceQuotaController as KcmRqController;
use crate::models::kubelet::Kubelet;
use crate::models::kubevirt::evacuation::EvacuationController;
use crate::models::kubevirt::migration::MigrationController;
use crate::models::kubevirt::virt_handler::VirtHandler;
use crate::models::kubevirt::vm::VmController;
use crate::models::kubevirt::vmi::VmiController;
use crate::models::longhorn::volume::VolumeProvisioner;
use crate::models::rancher::resource_quota_sync::ResourceQuotaSync;
use crate::models::rke2::deploy::DeployController;
use crate::models::scheduler::Scheduler;
use crate::scenario::bootstrap::Bootstrap;
use crate::scenario::{Action, Behaviours, MigrationQuota, Scenario, Timing, UpgradeSpec};
use std::rc::Rc;

pub const KUBE_CONTROLLER_MANAGER: &str = "kube-controller-manager";
pub const KUBE_SCHEDULER: &str = "kube-scheduler";
pub const KUBELET: &str = "kubelet";
pub const VIRT_CONTROLLER: &str = "virt-controller";
pub const HARVESTER: &str = "harvester";
pub const AGENT: &str = "cattle-cluster-agent";
/// The node-by-node upgrade's pre-drain and post-drain jobs.
pub const JOBS: &str = "upgrade-jobs";
/// RKE2's deploy controller, during an install.
pub const RKE2: &str = "rke2-server";
/// Longhorn's volume binding, during an install.
pub const LONGHORN: &str = "longhorn-manager";

/// The virt-handler of a node.
pub fn virt_handler(node: &str) -> String {
    format!("virt-handler-{node}")
}

/// What a world has beyond an installed cluster running from t=0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features {
    /// The cluster's install (a `bootstrap` section).
    pub install: bool,
    /// The node-by-node upgrade (an `upgrade` section).
    pub upgrade: bool,
    /// A user starts, stops or restarts a VM (`StopVm`, `StartVm`, `RestartVm`): the VM
    /// controller must carry it out.
    pub vm_lifecycle: bool,
    /// A user drains a node (`DrainNode`): KubeVirt's evacuation controller must act on its
    /// drain taint.
    pub user_drain: bool,
}

impl Features {
    pub fn of(scn: &Scenario) -> Features {
        Features {
            install: scn.bootstrap.is_some(),
            upgrade: scn.upgrade.is_some(),
            vm_lifecycle: scn.timeline.iter().any(|st| {
                matches!(
                    st.action,
                    Action::StopVm { .. } | Action::StartVm { .. } | Action::RestartVm { .. }
                )
            }),
            user_drain: scn
                .timeline
                .iter()
                .any(|st| matches!(st.action, Action::DrainNode { .. })),
        }
    }
}

/// One process to add: its name, timing and controllers.
pub struct Proc {
    pub name: String,
    pub timing: ProcessTiming,
    pub controllers: Vec<Box<dyn Reconciler>>,
    /// Kinds its informers watch for components hvsim does not model.
    pub also_watches: &'static [Kind],
}

impl Proc {
    /// The union of its controllers' kinds and `also_watches`, in `Kind` order.
    pub fn watches(&self) -> Vec<Kind> {
        let mut w = [false; Kind::COUNT];
        for c in &self.controllers {
            for k in c.watches() {
                w[k as usize] = true;
            }
        }
        for k in self.also_watches {
            w[*k as usize] = true;
        }
        Kind::ALL.into_iter().filter(|k| w[*k as usize]).collect()
    }

    /// Adds it to the cluster, not started; its index.
    pub fn add_to(self, cluster: &mut Cluster) -> u16 {
        let watches = self.watches();
        cluster.add_process(&self.name, &watches, self.timing, self.controllers)
    }
}

/// virt-controller: the migration controller, and the VM and VMI controllers where a VM
/// object is started (an install's manifests, the upgrade's repo VM, a user's VM start, stop
/// or restart), and the evacuation controller where nodes are drained (the upgrade, a
/// user's `DrainNode`).
pub fn virt_controller(b: Behaviours, f: Features, t: &Timing) -> Vec<Box<dyn Reconciler>> {
    let launcher = b.launcher();
    let mut c: Vec<Box<dyn Reconciler>> = vec![Box::new(MigrationController::new(launcher))];
    if f.install || f.upgrade || f.vm_lifecycle {
        c.push(Box::new(VmController::new()));
        c.push(Box::new(
            VmiController::new(launcher).with_guest_shutdown(t.guest_shutdown.tuple()),
        ));
    }
    if f.upgrade || f.user_drain {
        c.push(Box::new(EvacuationController::default()));
    }
    c
}

/// harvester: the migration annotation controller, from v1.4.2 the ResourceQuota controller,
/// and with an upgrade its upgrade controller.
pub fn harvester(b: Behaviours, f: Features) -> Vec<Box<dyn Reconciler>> {
    let mut c: Vec<Box<dyn Reconciler>> = vec![Box::new(MigrationAnnotationController::new(b))];
    if b.migration_quota == MigrationQuota::BaseDelta {
        c.push(Box::new(HarvesterRqController));
    }
    if f.upgrade {
        c.push(Box::new(UpgradeController));
    }
    c
}

/// Harvester's server watches namespaces in every version: its informer factory serves
/// controllers hvsim does not model. Load-bearing: each watch event to a process draws its
/// delay, so a v1.4.1 harvester (no ResourceQuota controller) still receives them.
const HARVESTER_ALSO_WATCHES: &[Kind] = &[Kind::Namespace];

/// A world's processes for a scenario, a version's behaviours and its features.
pub struct Topology<'a> {
    pub scn: &'a Scenario,
    pub behaviours: Behaviours,
    pub features: Features,
    pub timing: ProcessTiming,
    pub cpus: Rc<HostCpus>,
}

impl Topology<'_> {
    fn proc(&self, name: &str, controllers: Vec<Box<dyn Reconciler>>) -> Proc {
        Proc {
            name: name.to_string(),
            timing: self.timing,
            controllers,
            also_watches: &[],
        }
    }

    /// The processes of the cluster, in the order they are added (their actor ids follow
    /// it): kube-controller-manager, kube-scheduler, kubelet (all nodes), virt-controller,
    /// a virt-handler per node, harvester, cattle-cluster-agent.
    pub fn cluster(&self) -> Vec<Proc> {
        let t = &self.scn.timing;
        let (b, f) = (self.behaviours, self.features);
        let mut ps = vec![
            self.proc(KUBE_CONTROLLER_MANAGER, vec![Box::new(KcmRqController)]),
            self.proc(KUBE_SCHEDULER, vec![Box::new(Scheduler::new())]),
            self.proc(
                KUBELET,
                vec![Box::new(
                    Kubelet::new(t.pod_start.tuple(), t.source_pod_cleanup.tuple())
                        .with_guest_boot(t.guest_boot.tuple())
                        .with_pod_termination(t.pod_termination.tuple()),
                )],
            ),
            self.proc(VIRT_CONTROLLER, virt_controller(b, f, t)),
        ];
        for n in &self.scn.nodes {
            ps.push(self.proc(
                &virt_handler(&n.name),
                vec![Box::new(VirtHandler::new(
                    &n.name,
                    t.migration_transfer.tuple(),
                    self.cpus.clone(),
                ))],
            ));
        }
        ps.push(Proc {
            also_watches: HARVESTER_ALSO_WATCHES,
            ..self.proc(HARVESTER, harvester(b, f))
        });
        ps.push(Proc {
            timing: ProcessTiming {
                restart: t.agent_restart.tuple(),
                ..self.timing
            },
            ..self.proc(AGENT, vec![Box::new(ResourceQuotaSync)])
        });
        ps
    }

    /// The node-by-node upgrade's own process: the jobs' scripts.
    pub fn upgrade(&self, spec: &UpgradeSpec) -> Vec<Proc> {
        let t = &self.scn.timing;
        vec![self.proc(
            JOBS,
            vec![Box::new(JobRunner::new(
                self.behaviours,
                spec.restore_vm,
                self.cpus.clone(),
                t.os_upgrade.tuple(),
                t.node_reboot.tuple(),
            ))],
        )]
    }

    /// The install's own processes: RKE2's deploy controller and Longhorn's volumes.
    pub fn install(&self, boot: &Bootstrap) -> Vec<Proc> {
        vec![
            self.proc(RKE2, vec![Box::new(DeployController)]),
            self.proc(
                LONGHORN,
                vec![Box::new(VolumeProvisioner::new(
                    boot.pvc_bind.tuple(),
                    boot.image_download.tuple(),
                ))],
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Version;
    use Kind::*;

    fn kinds(ctrls: Vec<Box<dyn Reconciler>>, also: &'static [Kind]) -> Vec<Kind> {
        Proc {
            name: String::new(),
            timing: ProcessTiming {
                watch_latency: Default::default(),
                reconcile: Default::default(),
                restart: Default::default(),
            },
            controllers: ctrls,
            also_watches: also,
        }
        .watches()
    }

    fn b(v: &str) -> Behaviours {
        Version::parse(v).unwrap().behaviours()
    }

    const PLAIN: Features = Features {
        install: false,
        upgrade: false,
        vm_lifecycle: false,
        user_drain: false,
    };

    #[test]
    fn virt_controller_watches_what_its_hand_written_lists_did() {
        let vc = |f| kinds(virt_controller(b("v1.4.1"), f, &Timing::default()), &[]);
        let base = vec![
            Pod,
            Node,
            ResourceQuota,
            VirtualMachineInstance,
            VirtualMachineInstanceMigration,
        ];
        let sorted = |mut v: Vec<Kind>| {
            v.sort_by_key(|k| *k as usize);
            v
        };
        assert_eq!(vc(PLAIN), sorted(base.clone()));
        let install = Features {
            install: true,
            ..PLAIN
        };
        let mut with_vms = base.clone();
        with_vms.extend([VirtualMachine, PersistentVolumeClaim]);
        assert_eq!(vc(install), sorted(with_vms.clone()));
        let upgrade = Features {
            upgrade: true,
            ..PLAIN
        };
        // The hand-written upgrade list had no claims; no claim exists without an install.
        assert_eq!(vc(upgrade), sorted(with_vms));
    }

    #[test]
    fn harvester_watches_namespaces_in_every_version() {
        for v in ["v1.4.1", "v1.4.2"] {
            let w = kinds(harvester(b(v), PLAIN), HARVESTER_ALSO_WATCHES);
            let mut want = vec![
                Namespace,
                ResourceQuota,
                VirtualMachineInstance,
                VirtualMachineInstanceMigration,
            ];
            want.sort_by_key(|k| *k as usize);
            assert_eq!(w, want, "{v}");
        }
    }

    #[test]
    fn the_upgrade_adds_the_evacuation_and_upgrade_controllers() {
        let f = Features {
            upgrade: true,
            ..PLAIN
        };
        let names = |c: Vec<Box<dyn Reconciler>>| c.iter().map(|c| c.name()).collect::<Vec<_>>();
        assert_eq!(
            names(virt_controller(b("v1.4.1"), f, &Timing::default())).len(),
            4
        );
        assert_eq!(
            names(virt_controller(b("v1.4.1"), PLAIN, &Timing::default())).len(),
            1
        );
        assert_eq!(
            names(harvester(b("v1.4.2"), f)).last(),
            Some(&"upgrade-controller")
        );
    }

    #[test]
    fn every_controller_a_process_runs_is_one_crash_after_write_may_name() {
        let scn = crate::scenario::load_str(
            "quota-race-node-drain.ron",
            crate::scenario::bundled_by_name("quota-race-node-drain").unwrap(),
        )
        .unwrap();
        let timing = ProcessTiming {
            watch_latency: Default::default(),
            reconcile: Default::default(),
            restart: Default::default(),
        };
        for v in crate::scenario::version::KNOWN {
            for (install, upgrade) in [(false, false), (true, false), (false, true)] {
                let t = Topology {
                    scn: &scn,
                    behaviours: b(v),
                    features: Features {
                        install,
                        upgrade,
                        vm_lifecycle: false,
                        user_drain: false,
                    },
                    timing,
                    cpus: Rc::new(crate::sim::world::host_cpus(&scn)),
                };
                for p in t.cluster() {
                    for c in &p.controllers {
                        assert!(
                            crate::scenario::controllers_of(&p.name).contains(&c.name()),
                            "{v}: {} runs {}",
                            p.name,
                            c.name()
                        );
                    }
                }
            }
        }
    }
}
