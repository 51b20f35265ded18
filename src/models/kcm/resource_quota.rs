//! kube-controller-manager's ResourceQuota controller (`pkg/controller/resourcequota`):
//! copies `spec.hard` to `status.hard` and recomputes `status.used` from the pods it has
//! cached (non-terminal pods' limits, for the resources the quota tracks). Quota admission
//! checks `status.hard`, so a `spec.hard` change takes effect one KCM sync later.
//! Left out: the periodic full resync, replenishment controllers for other resources.

use crate::kube::{
    Ctx, Kind, Obj, ObjId, Outcome, PodPhase, Reader, ReconcileResult, Reconciler, ResourceList,
};

pub struct ResourceQuotaController;

impl Reconciler for ResourceQuotaController {
    fn name(&self) -> &'static str {
        "resourcequota-controller"
    }

    fn primary(&self) -> Kind {
        Kind::ResourceQuota
    }

    fn watches(&self) -> Vec<Kind> {
        vec![Kind::ResourceQuota, Kind::Pod]
    }

    fn keys_for(&self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        match obj.kind() {
            Kind::ResourceQuota => out.push(id),
            Kind::Pod => out.extend(
                read.list(Kind::ResourceQuota, &obj.meta.namespace)
                    .map(|(i, _)| i),
            ),
            _ => {}
        }
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let read = ctx.read();
        let Some(rq) = read.by_id(key) else {
            return Ok(Outcome::Done);
        };
        let hard = rq.rq().spec_hard;
        let mut used = ResourceList::new();
        for (r, _) in hard.iter() {
            used.set(r, Default::default());
        }
        for (_, p) in read.list(Kind::Pod, &rq.meta.namespace) {
            let b = p.pod();
            if p.meta.deletion_timestamp.is_none()
                && matches!(b.phase, PodPhase::Pending | PodPhase::Running)
            {
                used = used.add(&b.limits.masked(&hard));
            }
        }
        if rq.rq().status_hard == hard && rq.rq().status_used == used {
            return Ok(Outcome::Done);
        }
        let mut next = (*rq).clone();
        next.rq_mut().status_hard = hard;
        next.rq_mut().status_used = used;
        ctx.update_status(next)?;
        Ok(Outcome::Done)
    }
}
