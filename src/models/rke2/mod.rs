//! RKE2 (k3s) server components the install depends on.

pub(crate) mod deploy;
