//! One module per real component. Each file opens with the real source it models, the
//! versions, and what it leaves out. Version differences are behaviour switches
//! (`behaviours.rs`, which `scenario::version` selects per version); no model contains a
//! "bug happens here" branch. Models import only `engine`, `kube` and each other.

pub(crate) mod behaviours;
pub(crate) mod cpu;
pub mod harvester;
pub(crate) mod kcm;
pub(crate) mod kubectl;
pub(crate) mod kubelet;
pub mod kubevirt;
pub(crate) mod longhorn;
pub mod rancher;
pub(crate) mod rke2;
pub(crate) mod scheduler;
pub(crate) mod ui;
