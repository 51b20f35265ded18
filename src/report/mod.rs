//! Outputs for people and tools.

pub mod bootstrap_plot;
pub(crate) mod exhaustive;
pub mod gantt;
pub mod host_view_plot;
pub(crate) mod hunt;
pub mod json;
pub(crate) mod list;
pub mod markdown;
pub(crate) mod output;
pub mod perfetto;
pub mod plot;
pub(crate) mod progress;
pub mod quota_plot;
pub(crate) mod repro;
pub mod run_plots;
pub(crate) mod skeleton;
pub(crate) mod sweep_text;
pub mod timeline;
pub(crate) mod upgrade_plot;
pub mod verify_table;
