//! The install Gantt's rows, sampled from a run as it steps (`run --plot DIR` on a scenario
//! with a `bootstrap:` section), drawn as `DIR/bootstrap.svg`: whether KubeVirt's API group
//! is served yet (its CRDs installed), each auto-deploy manifest until RKE2 has applied it
//! whole, each claim until it binds, each VM's VMI phase, and the harvester pod (starting,
//! in CrashLoopBackOff after its container exited, Ready). Each exit of the harvester
//! container is a marker line labelled with the request its fatal line quotes (the setting
//! the validator refused). `bootstrap_groups` gives every state its fixed colour.

use super::gantt::{chart_end, secs, GanttMarker, GanttRow, StateGroup, Track};
use crate::check::RunOutcome;
use crate::engine::TraceCat;
use crate::kube::object::{PvcPhase, VmiPhase};
use crate::kube::Kind;
use crate::models::rke2::deploy::KUBEVIRT_CRD;
use crate::sim::bootstrap::HARVESTER_NAMESPACE;
use crate::sim::World;
use plotters::style::RGBColor;

/// The KubeVirt API row before virt-operator has installed the CRDs.
pub const API_NOT_SERVED: &str = "not served";
/// The KubeVirt API row once the CRDs exist.
pub const API_SERVED: &str = "served";
/// A manifest row until RKE2 has applied the whole file.
pub const MANIFEST_PENDING: &str = "not applied";
/// A manifest row once its Addon records the file as applied.
pub const MANIFEST_APPLIED: &str = "applied";
/// A claim row while it waits for its volume.
pub const CLAIM_PENDING: &str = "claim Pending";
/// A claim row once bound.
pub const CLAIM_BOUND: &str = "claim Bound";
/// The harvester pod row before its container first exits or the pod is Ready.
pub const POD_STARTING: &str = "starting";
/// The harvester pod row after its container has exited, until the pod is Ready.
pub const POD_BACKOFF: &str = "CrashLoopBackOff";
/// The harvester pod row once the pod is Ready (the controllers run).
pub const POD_READY: &str = "Ready";

/// What a VMI row shows in each phase.
fn vmi_state(p: VmiPhase) -> &'static str {
    match p {
        VmiPhase::Pending => "VMI Pending",
        VmiPhase::Scheduled => "VMI Scheduled",
        VmiPhase::Running => "VMI Running",
        VmiPhase::Succeeded => "VMI Succeeded",
        VmiPhase::Failed => "VMI Failed",
    }
}

/// The fixed colours of the install Gantt: greys for "not yet", greens for done, red for the
/// crash loop, blues for a VMI on its way, purple for a VMI that ended.
pub fn bootstrap_groups() -> Vec<StateGroup> {
    let rgb = |c: u32| RGBColor((c >> 16) as u8, (c >> 8) as u8, c as u8);
    vec![
        StateGroup {
            name: "KubeVirt API",
            states: vec![(API_NOT_SERVED, rgb(0xd9d9d9)), (API_SERVED, rgb(0x74c476))],
        },
        StateGroup {
            name: "manifest",
            states: vec![
                (MANIFEST_PENDING, rgb(0xfdae6b)),
                (MANIFEST_APPLIED, rgb(0x31a354)),
            ],
        },
        StateGroup {
            name: "claim",
            states: vec![(CLAIM_PENDING, rgb(0xfee391)), (CLAIM_BOUND, rgb(0x006d2c))],
        },
        StateGroup {
            name: "VM",
            states: vec![
                (vmi_state(VmiPhase::Pending), rgb(0xc6dbef)),
                (vmi_state(VmiPhase::Scheduled), rgb(0x6baed6)),
                (vmi_state(VmiPhase::Running), rgb(0x08519c)),
                (vmi_state(VmiPhase::Succeeded), rgb(0x9e9ac8)),
                (vmi_state(VmiPhase::Failed), rgb(0x54278f)),
            ],
        },
        StateGroup {
            name: "harvester pod",
            states: vec![
                (POD_STARTING, rgb(0x969696)),
                (POD_BACKOFF, rgb(0xd62728)),
                (POD_READY, rgb(0x2ca02c)),
            ],
        },
    ]
}

/// Samples the install's rows after every step.
#[derive(Default)]
pub struct BootstrapSampler {
    started: bool,
    api: Option<Track>,
    /// By object name: manifests (Addons), claims, VMs.
    manifests: Vec<(String, Track)>,
    claims: Vec<(String, Track)>,
    vms: Vec<(String, Track)>,
    pod: Option<Track>,
    last_change: f64,
}

/// The track of `key` in `tracks`, made with `label` on first sight.
fn track<'a>(tracks: &'a mut Vec<(String, Track)>, key: &str, label: String) -> &'a mut Track {
    let i = match tracks.iter().position(|(k, _)| k == key) {
        Some(i) => i,
        None => {
            tracks.push((key.to_string(), Track::new(label)));
            tracks.len() - 1
        }
    };
    &mut tracks[i].1
}

impl BootstrapSampler {
    /// Whether the run had an install to sample.
    pub fn is_empty(&self) -> bool {
        !self.started
    }

    /// Samples the world after a step.
    pub fn observe(&mut self, w: &World) {
        let Some(boot) = w.boot() else {
            return;
        };
        self.started = true;
        let api = &w.cluster.api;
        let store = &api.store;
        let at = secs(w.sim.now());
        let mut changed = false;
        let served = api.get(Kind::Opaque, "", KUBEVIRT_CRD).is_some();
        let row = self
            .api
            .get_or_insert_with(|| Track::new("KubeVirt API".into()));
        changed |= row.set(Some(if served { API_SERVED } else { API_NOT_SERVED }), at);
        for a in store.list_all(Kind::Addon) {
            let b = match &a.body {
                crate::kube::Body::Addon(b) => b,
                _ => continue,
            };
            let file = b.source.rsplit('/').next().unwrap_or(&b.source).to_string();
            let t = track(
                &mut self.manifests,
                &a.meta.name,
                format!("manifest {file}"),
            );
            let state = if b.applied {
                MANIFEST_APPLIED
            } else {
                MANIFEST_PENDING
            };
            changed |= t.set(Some(state), at);
        }
        for c in store.list_all(Kind::PersistentVolumeClaim) {
            let key = c.meta.key();
            let t = track(&mut self.claims, &key, format!("claim {key}"));
            let state = match c.pvc().phase {
                PvcPhase::Pending => CLAIM_PENDING,
                PvcPhase::Bound => CLAIM_BOUND,
            };
            changed |= t.set(Some(state), at);
        }
        for vm in store.list_all(Kind::VirtualMachine) {
            let key = vm.meta.key();
            let vmi = api.get(
                Kind::VirtualMachineInstance,
                &vm.meta.namespace,
                &vm.meta.name,
            );
            let t = track(&mut self.vms, &key, format!("vm {key}"));
            changed |= t.set(vmi.map(|v| vmi_state(v.vmi().phase)), at);
        }
        if let Some(name) = boot.pod_name() {
            let ready = api
                .get(Kind::Pod, HARVESTER_NAMESPACE, name)
                .is_some_and(|p| p.pod().ready);
            let state = if ready {
                POD_READY
            } else if boot.exits > 0 {
                POD_BACKOFF
            } else {
                POD_STARTING
            };
            let pod = self
                .pod
                .get_or_insert_with(|| Track::new(format!("pod {HARVESTER_NAMESPACE}/{name}")));
            changed |= pod.set(Some(state), at);
        }
        if changed {
            self.last_change = at;
        }
    }

    /// Where the chart should end: a little after the last change or at `at_least` (the
    /// violation), and no later than the run.
    pub fn end_s(&self, at_least: f64, run_end: f64) -> f64 {
        chart_end(self.last_change, at_least, run_end)
    }

    /// The rows, every open span closed at `end_s`: the API, manifests, claims, VMs, the
    /// harvester pod.
    pub fn rows(&self, end_s: f64) -> Vec<GanttRow> {
        let mut rows: Vec<GanttRow> = self.api.iter().map(|t| t.clone().row(end_s)).collect();
        for tracks in [&self.manifests, &self.claims, &self.vms] {
            rows.extend(tracks.iter().map(|(_, t)| t.clone().row(end_s)));
        }
        rows.extend(self.pod.iter().map(|t| t.clone().row(end_s)));
        rows
    }
}

/// A marker per exit of the harvester container, labelled with what its fatal line says
/// failed (`level=fatal msg="failed to create harvester server: ..."`), and the violation.
pub fn bootstrap_markers(out: &RunOutcome) -> Vec<GanttMarker> {
    let mut v: Vec<GanttMarker> = out
        .trace
        .iter()
        .filter(|r| r.cat == TraceCat::Log && r.text.starts_with("level=fatal"))
        .map(|r| {
            // The kubelet's back-off line of the same step: `back-off 20s restarting ...`.
            let backoff = out
                .trace
                .iter()
                .find(|k| k.step == r.step && k.text.starts_with("back-off "))
                .and_then(|k| k.text.split(' ').nth(1))
                .map(|d| format!(", back-off {d}"))
                .unwrap_or_default();
            let why = r
                .text
                .split("denied the request: ")
                .nth(1)
                .or_else(|| r.text.split("msg=\"").nth(1))
                .unwrap_or(&r.text);
            let why: String = why.chars().take(56).collect();
            GanttMarker {
                at_s: secs(r.time),
                label: format!("{} exited{backoff}: {why}", r.actor),
            }
        })
        .collect();
    if let Some(x) = &out.violation {
        v.push(GanttMarker {
            at_s: secs(x.time),
            label: format!("violated: {}", x.invariant),
        });
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_install_state_has_its_own_colour() {
        let all: Vec<(&str, RGBColor)> = bootstrap_groups()
            .iter()
            .flat_map(|g| g.states.clone())
            .collect();
        for (i, (a, ca)) in all.iter().enumerate() {
            for (b, cb) in &all[i + 1..] {
                assert_ne!(a, b, "{a} listed twice");
                assert_ne!(ca, cb, "{a} and {b} share a colour");
            }
        }
    }
}
