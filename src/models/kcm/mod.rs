//! kube-controller-manager.

pub(crate) mod resource_quota;
