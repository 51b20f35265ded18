//! Outputs for people and tools.

pub mod perfetto;
pub mod progress;
pub mod timeline;
pub mod verify_table;
