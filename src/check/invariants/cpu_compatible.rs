//! `cpu-compatible` (always): no VMI is Running on a node whose CPU cannot run its guest
//! CPU (`node_labeller::can_run`), judged from the nodes' real CPUs as the scenario gives
//! them, never from their labels (which a stale labeller may have wrong).

use crate::check::{Invariant, InvariantKind};
use crate::kube::name_key::NameKey;
use crate::kube::object::CpuMode;
use crate::kube::{Kind, Obj, Verb, VmiPhase};
use crate::models::cpu::HostCpu;
use crate::models::kubevirt::node_labeller::can_run;
use crate::scenario::Scenario;
use crate::sim::world::host_cpus;
use crate::sim::World;
use std::collections::BTreeMap;

pub struct CpuCompatible {
    /// By node name, keyed as the store's name index is (checked on every VMI write): the
    /// index of the node's CPU in `distinct`.
    cpus: BTreeMap<NameKey, usize>,
    /// The scenario's distinct CPUs: nodes of one model share one, which stays in the CPU
    /// caches however many nodes there are.
    distinct: Vec<HostCpu>,
}

impl CpuCompatible {
    pub fn new(scn: &Scenario) -> Self {
        let mut distinct: Vec<HostCpu> = Vec::new();
        let mut cpus = BTreeMap::new();
        for (n, c) in host_cpus(scn) {
            let i = match distinct.iter().position(|d| *d == *c) {
                Some(i) => i,
                None => {
                    distinct.push(c.into_owned());
                    distinct.len() - 1
                }
            };
            cpus.insert(NameKey::new(&n), i);
        }
        CpuCompatible { cpus, distinct }
    }

    /// Why a Running VMI's node cannot run its guest CPU, if it cannot.
    fn incompatible(&self, vmi: &Obj) -> Option<String> {
        let b = vmi.vmi();
        if b.phase != VmiPhase::Running || b.node.is_empty() || b.cpu_origin.is_empty() {
            return None;
        }
        let host = &self.distinct[*self.cpus.get(&NameKey::new(&b.node))?];
        let origin = &self.distinct[*self.cpus.get(&NameKey::new(&b.cpu_origin))?];
        let missing = can_run(host, &b.domain.cpu_model, origin).err()?;
        let guest = match &b.domain.cpu_model {
            CpuMode::Named(m) => format!("named model {m}"),
            m => format!("{} CPU defined on {}", m.name(), b.cpu_origin),
        };
        Some(format!(
            "VMI {} runs on {} ({}), which lacks {missing} of its guest CPU ({guest})",
            vmi.meta.key(),
            b.node,
            host.host_model
        ))
    }
}

impl Invariant for CpuCompatible {
    fn name(&self) -> &'static str {
        "cpu-compatible"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::Always
    }

    fn after_step(&mut self, w: &mut World) -> Option<String> {
        w.cluster.api.records.iter().find_map(|r| {
            let written = r.result.is_ok()
                && r.kind == Kind::VirtualMachineInstance
                && matches!(r.verb, Verb::Update | Verb::UpdateStatus | Verb::Create);
            if !written {
                return None;
            }
            r.after.as_ref().and_then(|o| self.incompatible(o))
        })
    }
}
