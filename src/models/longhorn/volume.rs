//! A claim's volume becoming ready: Longhorn's CSI provisioning (longhorn-manager), and for a
//! claim made from a Harvester image (annotation `harvesterhci.io/imageId`) the download of
//! the image's backing image first, then kube-controller-manager's PersistentVolume
//! controller binding the claim. One chosen delay per claim stands for all of it: `pvc_bind`
//! (zero by default: the volume exists) or `image_download`.
//!
//! Left out: PersistentVolume objects, replicas and attachment, WaitForFirstConsumer, the
//! sharing of one download between claims of the same image, and failed downloads.

use crate::engine::{ChoiceKind, SimDuration, SimTime};
use crate::kube::object::PvcPhase;
use crate::kube::{Ctx, Kind, ObjId, Outcome, ReconcileResult, Reconciler};
use std::collections::BTreeMap;

pub struct VolumeProvisioner {
    bind: (SimDuration, SimDuration),
    download: (SimDuration, SimDuration),
    /// When each pending claim's volume is ready (drawn once per claim, in memory).
    due: BTreeMap<ObjId, SimTime>,
}

impl VolumeProvisioner {
    pub fn new(bind: (SimDuration, SimDuration), download: (SimDuration, SimDuration)) -> Self {
        VolumeProvisioner {
            bind,
            download,
            due: BTreeMap::new(),
        }
    }
}

impl Reconciler for VolumeProvisioner {
    fn name(&self) -> &'static str {
        "longhorn-volume"
    }

    fn primary(&self) -> Kind {
        Kind::PersistentVolumeClaim
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let Some(pvc) = ctx.read().by_id(key) else {
            self.due.remove(&key);
            return Ok(Outcome::Done);
        };
        if pvc.pvc().phase == PvcPhase::Bound {
            return Ok(Outcome::Done);
        }
        let due = match self.due.get(&key) {
            Some(&t) => t,
            None => {
                let (kind, range) = match pvc.pvc().image {
                    Some(_) => (ChoiceKind::Transfer, self.download),
                    None => (ChoiceKind::PodStart, self.bind),
                };
                let t = ctx.now + ctx.pick_duration(kind, range);
                self.due.insert(key, t);
                if let Some(image) = &pvc.pvc().image {
                    let (name, d) = (pvc.meta.key(), t - ctx.now);
                    ctx.log(|| format!("downloading image {image} for claim {name}; ready in {d}"));
                }
                t
            }
        };
        if ctx.now < due {
            return Ok(Outcome::RequeueAfter(due - ctx.now));
        }
        self.due.remove(&key);
        let mut next = (*pvc).clone();
        next.pvc_mut().phase = PvcPhase::Bound;
        ctx.update_status(next)?;
        Ok(Outcome::Done)
    }

    fn reset(&mut self) {
        self.due.clear();
    }
}
