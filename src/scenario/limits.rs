//! Every limit the loader puts on a scenario, in one place (listed in the README, "Input
//! limits"). They are hvsim's own, chosen generously above any cluster Harvester supports, so
//! that the simulator's arithmetic on what a user wrote cannot overflow and a run's size is
//! bounded; going past one is an input error naming the limit.

use crate::engine::SimDuration;
use crate::kube::Quantity;

/// Bytes of a scenario file or of one manifest file.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

pub const MAX_NODES: usize = 10_000;
pub const MAX_NAMESPACES: usize = 10_000;
pub const MAX_VMS: usize = 200_000;
pub const MAX_TIMELINE_STEPS: usize = 100_000;
pub const MAX_MANIFESTS: usize = 10_000;
/// Objects in all manifests together.
pub const MAX_MANIFEST_OBJECTS: usize = 200_000;
/// Entries of a node's `cpu_features`.
pub const MAX_CPU_FEATURES: usize = 1_000;
/// Entries of any other list the scenario may write: `invariants`, `sometimes`, `expect`,
/// `upgrade.order` (which lists nodes).
pub const MAX_LIST: usize = MAX_NODES;

/// Characters of a name that is not a Kubernetes object name (the scenario's `name`, a
/// browser session, a CPU model or feature). Object names have Kubernetes' own limits.
pub const MAX_NAME_CHARS: usize = 253;
/// Characters of the scenario's `description`.
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;

/// Any duration: `calm`, `at`, `within`, timing ranges, invariant bounds. 1000 hours of
/// simulated time is far past any upgrade; it keeps `at + calm + ...` inside 64-bit
/// microseconds.
pub const MAX_DURATION: SimDuration = SimDuration::from_secs(1000 * 3600);
/// Events of one run: the engine's ceiling, which keeps a run's memory bounded.
pub const MAX_BUDGET: u64 = crate::engine::MAX_BUDGET;

/// vCPUs of one VM (a manifest's `cores * sockets * threads`, or `cpu`).
pub const MAX_VM_CPU: i64 = 1024;
/// Memory of one VM: 16 TiB.
pub const MAX_VM_MEMORY: i64 = 16 << 40;
/// CPUs of one node.
pub const MAX_NODE_CPU: i64 = 4096;
/// Memory of one node: 64 TiB.
pub const MAX_NODE_MEMORY: i64 = 64 << 40;
/// Any quota's cpu (cores) and memory (bytes): a million cores, 1 PiB.
pub const MAX_QUOTA_CPU: i64 = 1_000_000;
pub const MAX_QUOTA_MEMORY: i64 = 1 << 50;
/// The whole scenario's VMs or nodes together: a million cores, 1 PiB. Sums of quantities
/// (quota usage, node allocation) then stay well inside i64 milli-units.
pub const MAX_TOTAL_CPU: i64 = 1_000_000;
pub const MAX_TOTAL_MEMORY: i64 = 1 << 50;

/// A quantity limit in whole units, as a user writes it in a message.
pub fn shown(units: i64, memory: bool) -> String {
    let q = Quantity::from_units(units);
    if memory {
        q.fmt_binary()
    } else {
        q.fmt_decimal()
    }
}
