//! The registry of probes: the figures a run reports for the flows its scenario has.

pub(crate) mod repo_watch;
mod upgrade_figures;

use super::Probe;
use crate::scenario::Scenario;

/// The probes of a scenario, in report order.
pub fn build(scn: &Scenario) -> Vec<Box<dyn Probe>> {
    let mut probes: Vec<Box<dyn Probe>> = Vec::new();
    if let Some(u) = &scn.upgrade {
        probes.push(Box::new(upgrade_figures::UpgradeFigures::new(&u.name)));
    }
    probes
}
