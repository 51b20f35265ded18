//! Outputs for people and tools.

pub mod timeline;
pub mod verify_table;
