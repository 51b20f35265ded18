//! The registry of sometimes-assertions: the only place that maps a scenario's
//! `SometimesSpec` to its implementation. One file per assertion.

mod reset_during_migration;
mod vm_running_at_setting_create;

use super::Sometimes;
use crate::scenario::SometimesSpec;

/// The implementation of one declared sometimes-assertion.
pub fn build(spec: &SometimesSpec) -> Box<dyn Sometimes> {
    match spec {
        SometimesSpec::ResetDuringMigration => {
            Box::new(reset_during_migration::ResetDuringMigration)
        }
        SometimesSpec::VmRunningAtSettingCreate => {
            Box::new(vm_running_at_setting_create::VmRunningAtSettingCreate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_implementation_answers_to_the_name_its_spec_has_in_a_scenario() {
        for spec in [
            SometimesSpec::ResetDuringMigration,
            SometimesSpec::VmRunningAtSettingCreate,
        ] {
            assert_eq!(build(&spec).name(), spec.name());
        }
    }
}
