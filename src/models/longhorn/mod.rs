//! Longhorn, as far as a claim's binding needs it.

pub(crate) mod volume;
