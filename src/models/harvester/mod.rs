//! Harvester's controllers and webhooks.

pub(crate) mod crd_chart;
pub(crate) mod data_init;
pub(crate) mod migration;
pub mod migration_keys;
pub(crate) mod namespace_webhook;
pub mod resource_quota;
pub(crate) mod settings;
pub mod settings_validator;
pub(crate) mod upgrade;
pub(crate) mod upgrade_jobs;
