//! Harvester's upgrade controller, node part (v1.4.1 `pkg/controller/master/upgrade/
//! {job,secret}_controller.go`; harvester-facts.md 3.2): one node at a time goes
//! `Images preloaded` → `Pre-draining` (pre-drain job created) → `Pre-drained` (job done) →
//! `Post-draining` (post-drain job created) → `Waiting Reboot` (job done, node rebooting) →
//! `Succeeded` (node Ready again); when every node has succeeded the Upgrade is `Succeeded`.
//! VMs the pre-drain job stopped and listed for restore are started again once the node has
//! succeeded (v1.6.0's multi-node restore-vm job, `sendRestoreVMJob`, when the
//! `upgrade-config` setting has `restoreVM: true`; the list is empty otherwise).
//!
//! Simplifications: the upgrade starts at its node phase (images preloaded everywhere, repo
//! VM running); Rancher's plan-secret handshake (the `rke.cattle.io/pre-drain` and
//! `post-drain` annotations and the `harvesterhci.io/pre-hook`/`post-hook` acks) is collapsed
//! into this controller advancing the next node itself, as Rancher's control-plane
//! concurrency of one would; the system-services and single-node paths are left out.

use crate::kube::object::{JobBody, JobType, NodeUpgradeState};
use crate::kube::{
    Body, Ctx, Kind, Meta, Obj, ObjId, Outcome, Reader, ReconcileResult, Reconciler,
};
use crate::models::kubevirt::virt_api::start_vm;

pub const LABEL_UPGRADE: &str = "harvesterhci.io/upgrade";
pub const LABEL_UPGRADE_COMPONENT: &str = "harvesterhci.io/upgradeComponent";
pub const LABEL_JOB_TYPE: &str = "harvesterhci.io/upgradeJobType";
pub const NAMESPACE: &str = "harvester-system";

pub fn repo_vm_name(upgrade: &str) -> String {
    format!("upgrade-repo-{upgrade}")
}

pub fn job_name(upgrade: &str, t: JobType, node: &str) -> String {
    format!("{upgrade}-{}-{node}", t.name())
}

pub struct UpgradeController;

fn job_done(read: Reader<'_>, upgrade: &str, t: JobType, node: &str) -> bool {
    read.get(Kind::Job, NAMESPACE, &job_name(upgrade, t, node))
        .is_some_and(|j| j.job().complete)
}

fn create_job(
    ctx: &mut Ctx<'_>,
    upgrade: &str,
    t: JobType,
    node: &str,
) -> Result<(), crate::kube::ReconcileError> {
    let name = job_name(upgrade, t, node);
    if ctx.read().get(Kind::Job, NAMESPACE, &name).is_some() {
        return Ok(());
    }
    let mut meta = Meta::named(NAMESPACE, &name);
    meta.labels.insert(LABEL_UPGRADE, upgrade);
    meta.labels.insert(LABEL_JOB_TYPE, t.name());
    match ctx.create(Obj::new(
        meta,
        Body::Job(JobBody {
            node: node.into(),
            job_type: t,
            complete: false,
        }),
    )) {
        Ok(_) | Err(crate::kube::ApiError::AlreadyExists { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

impl Reconciler for UpgradeController {
    fn name(&self) -> &'static str {
        "upgrade-controller"
    }

    fn primary(&self) -> Kind {
        Kind::Upgrade
    }

    fn watches(&self) -> Vec<Kind> {
        vec![Kind::Upgrade, Kind::Job, Kind::Node]
    }

    fn keys_for(&self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        match obj.kind() {
            Kind::Upgrade => out.push(id),
            Kind::Job => {
                if let Some(u) = obj.label(LABEL_UPGRADE) {
                    out.extend(read.id_of(Kind::Upgrade, NAMESPACE, u));
                }
            }
            Kind::Node => out.extend(read.list(Kind::Upgrade, NAMESPACE).map(|(i, _)| i)),
            _ => {}
        }
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let read = ctx.read();
        let Some(up) = read.by_id(key) else {
            return Ok(Outcome::Done);
        };
        let b = up.upgrade();
        if b.state == "Succeeded" {
            return Ok(Outcome::Done);
        }
        let name = up.meta.name.clone();
        let Some(i) = b.nodes.position_not(NodeUpgradeState::Succeeded) else {
            let mut next = (*up).clone();
            next.upgrade_mut().state = "Succeeded".into();
            next.meta
                .labels
                .insert("harvesterhci.io/upgradeState", "Succeeded");
            ctx.update(next)?;
            ctx.log(|| format!("upgrade {name} Succeeded"));
            return Ok(Outcome::Done);
        };
        let (node, state) = b.nodes.get(i);
        let node = node.clone();
        let next_state = match state {
            NodeUpgradeState::ImagesPreloaded => {
                create_job(ctx, &name, JobType::PreDrain, &node)?;
                Some(NodeUpgradeState::PreDraining)
            }
            NodeUpgradeState::PreDraining => job_done(ctx.read(), &name, JobType::PreDrain, &node)
                .then_some(NodeUpgradeState::PreDrained),
            NodeUpgradeState::PreDrained => {
                create_job(ctx, &name, JobType::PostDrain, &node)?;
                Some(NodeUpgradeState::PostDraining)
            }
            NodeUpgradeState::PostDraining => {
                job_done(ctx.read(), &name, JobType::PostDrain, &node)
                    .then_some(NodeUpgradeState::WaitingReboot)
            }
            NodeUpgradeState::WaitingReboot => ctx
                .read()
                .get(Kind::Node, "", &node)
                .is_some_and(|n| n.node().ready && n.node().boots > 0 && !n.node().drain_taint)
                .then_some(NodeUpgradeState::Succeeded),
            NodeUpgradeState::Succeeded => None,
        };
        let Some(s) = next_state else {
            return Ok(Outcome::Done);
        };
        let mut next = (*up).clone();
        next.upgrade_mut().nodes.set(i, s);
        let restore = if s == NodeUpgradeState::Succeeded {
            std::mem::take(&mut next.upgrade_mut().restore)
        } else {
            Vec::new()
        };
        ctx.update(next)?;
        ctx.log(|| {
            format!(
                "upgrade {name}: node {node} {} → {}",
                state.name(),
                s.name()
            )
        });
        for (ns, vm) in restore {
            if let Some(v) = ctx.api().get(Kind::VirtualMachine, &ns, &vm).cloned() {
                let _ = start_vm(ctx, &v);
                ctx.log(|| format!("restore-vm: starting VM {ns}/{vm} stopped for the upgrade"));
            }
        }
        Ok(Outcome::Done)
    }
}
