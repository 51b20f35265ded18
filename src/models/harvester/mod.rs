//! Harvester's controllers and webhooks.

pub mod migration;
pub mod migration_keys;
pub mod namespace_webhook;
pub mod resource_quota;
pub mod settings;
pub mod settings_validator;
pub mod upgrade;
pub mod upgrade_jobs;
