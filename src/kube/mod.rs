//! The Kubernetes API server and the controller runtime around it.

pub(crate) mod api;
pub(crate) mod cluster;
pub(crate) mod controller;
pub(crate) mod deadlines;
pub(crate) mod describe;
pub(crate) mod errors;
pub(crate) mod fault;
pub(crate) mod fxhash;
pub(crate) mod index;
pub mod labels;
pub(crate) mod name_key;
pub mod object;
pub mod quantity;
pub(crate) mod resources;
pub(crate) mod selector;
pub(crate) mod store;
pub(crate) mod upgrade_nodes;
pub(crate) mod validation;
pub(crate) mod workqueue;

pub use api::{ActorId, AdmissionHook, ApiRecord, ApiServer, Verb};
pub use cluster::{Cluster, Ev, ProcessTiming};
pub use controller::{Cache, Ctx, Outcome, Reader, ReconcileError, ReconcileResult, Reconciler};
pub use deadlines::Deadlines;
pub use errors::{ApiError, QuotaDenial};
pub use fault::{CrashPoint, WriteTally};
pub use index::Indexers;
pub use object::{Body, Kind, Meta, MigrationPhase, Obj, ObjId, PodPhase, Snap, VmiPhase};
pub use quantity::Quantity;
pub use resources::{Resource, ResourceList};
