//! kube-controller-manager.

pub mod resource_quota;
