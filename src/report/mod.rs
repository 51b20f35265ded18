//! Outputs for people and tools.

pub mod json;
pub mod markdown;
pub mod perfetto;
pub mod plot;
pub mod progress;
pub mod timeline;
pub mod verify_table;
