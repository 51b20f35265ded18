//! Outputs for people and tools.

pub mod exhaustive;
pub mod gantt;
pub mod hunt;
pub mod json;
pub mod list;
pub mod markdown;
pub mod output;
pub mod perfetto;
pub mod plot;
pub mod progress;
pub mod quota_plot;
pub mod repro;
pub mod run_plots;
pub mod skeleton;
pub mod sweep_text;
pub mod timeline;
pub mod upgrade_plot;
pub mod verify_table;
