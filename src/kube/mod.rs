//! The Kubernetes API server and the controller runtime around it.

pub mod api;
pub mod cluster;
pub mod controller;
pub mod describe;
pub mod errors;
pub mod index;
pub mod object;
pub mod quantity;
pub mod resources;
pub mod selector;
pub mod store;
pub mod validation;
pub mod workqueue;

pub use api::{ActorId, AdmissionHook, ApiRecord, ApiServer, Verb};
pub use cluster::{Cluster, Ev, ProcessTiming};
pub use controller::{Cache, Ctx, Outcome, Reader, ReconcileError, ReconcileResult, Reconciler};
pub use errors::{ApiError, QuotaDenial};
pub use object::{Body, Kind, Meta, MigrationPhase, Obj, ObjId, PodPhase, Snap, VmiPhase};
pub use quantity::Quantity;
pub use resources::{Resource, ResourceList};
