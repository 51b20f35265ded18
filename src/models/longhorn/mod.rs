//! Longhorn, as far as a claim's binding needs it.

pub mod volume;
