//! One module per real component. Each file opens with the real source it models, the
//! versions, and what it leaves out. Version differences are behaviour switches
//! (`behaviours.rs`, which `scenario::version` selects per version); no model contains a
//! "bug happens here" branch. Models import only `engine`, `kube` and each other.

pub mod behaviours;
pub mod cpu;
pub mod harvester;
pub mod kcm;
pub mod kubelet;
pub mod kubevirt;
pub mod longhorn;
pub mod rancher;
pub mod rke2;
pub mod scheduler;
pub mod ui;
