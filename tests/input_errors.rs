//! Bad scenario input: each malformed file is refused with one message naming the file, the
//! line and column of the offending value, and what was expected.

use hvsim::scenario::load_str;
use std::process::Command;

/// A minimal valid scenario; each test changes one thing in it. Lines are numbered 1 to 9.
const VALID: &str = r#"Scenario(
    name: "t",
    harvester: "v1.4.1",
    nodes: [(name: "node-1"), (name: "node-2")],
    namespaces: [(name: "ns1", quota: Some((cpu: Some("5000m"), memory: Some("6000Mi"))))],
    vms: [(name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi")],
    timeline: [(at: "10s", action: Migrate(vm: "vm1"))],
    invariants: [QuotaConverges],
)
"#;

/// The valid scenario with its one occurrence of `from` replaced by `to`.
fn with(from: &str, to: &str) -> String {
    assert_eq!(
        VALID.matches(from).count(),
        1,
        "{from:?} must occur exactly once in VALID"
    );
    VALID.replacen(from, to, 1)
}

/// The valid scenario with `line` added as a top-level field before the closing parenthesis
/// (as line 9).
fn with_field(line: &str) -> String {
    with(
        "    invariants: [QuotaConverges],\n",
        &format!("    invariants: [QuotaConverges],\n    {line}\n"),
    )
}

/// The valid scenario with a second namespace `ns2` holding another VM named `vm1`.
fn vm1_also_in_ns2() -> String {
    with(r#"(name: "ns1", quota"#, r#"(name: "ns2"), (name: "ns1", quota"#).replace(
        r#"memory: "2Gi")]"#,
        r#"memory: "2Gi"), (name: "vm1", namespace: "ns2", node: "node-2", cpu: "1", memory: "1Gi")]"#,
    )
}

/// The full error text for a scenario that must be refused.
fn error(text: &str) -> String {
    match load_str("bad.ron", text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_minimal_scenario_is_valid() {
    load_str("ok.ron", VALID).unwrap();
}

#[test]
fn every_bundled_scenario_is_valid() {
    for (path, text) in hvsim::scenario::bundled() {
        if let Err(e) = load_str(path, text) {
            panic!("{e}");
        }
    }
}

// ---- syntax and shape (reported by the RON parser) ----

#[test]
fn missing_closing_parenthesis_is_reported_where_the_list_goes_on() {
    assert_eq!(
        error(&with(r#"(name: "node-2")]"#, r#"(name: "node-2"]"#)),
        r#"bad.ron:4:46: Expected comma"#
    );
}

#[test]
fn missing_comma_between_fields_is_reported_at_the_next_field() {
    assert_eq!(
        error(&with("name: \"t\",\n", "name: \"t\"\n")),
        r#"bad.ron:3:5: Expected comma"#
    );
}

#[test]
fn unknown_node_field_lists_the_known_ones() {
    assert_eq!(
        error(&with(
            r#"(name: "node-2")"#,
            r#"(name: "node-2", cpus: "4")"#
        )),
        r#"bad.ron:4:52: Unexpected field named `cpus` in `NodeSpec`, expected one of `name`, `cpu`, `memory`, `cpu_model`, `cpu_features`, or `cpu_vendor` instead"#
    );
}

#[test]
fn unknown_top_level_field_lists_the_known_ones() {
    assert_eq!(
        error(&with_field(r#"colour: "red","#)),
        r#"bad.ron:9:11: Unexpected field named `colour` in `Scenario`, expected one of `name`, `description`, `harvester`, `nodes`, `namespaces`, `vms`, `timing`, `timeline`, `invariants`, `sometimes`, `calm`, `budget`, `expect`, `bootstrap`, or `upgrade` instead"#
    );
}

#[test]
fn unknown_action_lists_the_known_ones() {
    assert_eq!(
        error(&with(
            r#"Migrate(vm: "vm1")"#,
            r#"Evacuate(node: "node-1")"#
        )),
        r#"bad.ron:7:44: Unexpected variant named `Evacuate` in enum `Action`, expected one of `Migrate`, `RestartAgent`, `RestartProcess`, `CrashAfterWrite`, `OpenHostPage`, `ReloadPage`, `SetQuota`, `LagWatches`, `StopVm`, `StartVm`, `RestartVm`, `CancelMigration`, `CordonNode`, `UncordonNode`, `DrainNode`, or `UpgradeHarvester` instead"#
    );
}

#[test]
fn missing_required_field_names_it() {
    assert_eq!(
        error(&with(r#", cpu: "2""#, "")),
        r#"bad.ron:6:72: Unexpected missing field named `cpu` in `VmSpec`"#
    );
}

#[test]
fn unknown_harvester_version_lists_the_known_ones() {
    assert_eq!(
        error(&with(r#""v1.4.1""#, r#""v1.4.9""#)),
        r#"bad.ron:3:24: unknown Harvester version "v1.4.9", expected one of v1.2.0, v1.2.1, v1.2.2, v1.3.0, v1.3.1, v1.3.2, v1.4.0, v1.4.1, v1.4.2, v1.4.3, v1.5.0, v1.5.1, v1.6.0, v1.6.1, v1.7.0"#
    );
}

#[test]
fn quantity_with_a_word_unit_is_refused() {
    assert_eq!(
        error(&with(r#"cpu: "2""#, r#"cpu: "5 cores""#)),
        r#"bad.ron:6:73: a Kubernetes quantity such as "500m", "2", "6000Mi" or "4Gi", not "5 cores" (quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$')"#
    );
}

#[test]
fn duration_without_a_unit_is_refused() {
    assert_eq!(
        error(&with(r#"at: "10s""#, r#"at: "15""#)),
        r#"bad.ron:7:25: a duration such as "150ms" or "5m": expected a unit (us, ms, s, m, h) after 15 in "15""#
    );
}

#[test]
fn range_ending_before_it_starts_is_refused() {
    assert_eq!(
        error(&with(r#"at: "10s""#, r#"within: ("50s", "2s")"#)),
        r#"bad.ron:7:38: expected a range (low, high) with low <= high, not ("50s", "2s")"#
    );
}

#[test]
fn seed_range_ending_before_it_starts_is_refused() {
    assert_eq!(
        error(&with_field(r#"expect: {"v1.4.1": Holds(seeds: "10..5")},"#)),
        r#"bad.ron:9:44: a seed range whose end is after its start, not "10..5""#
    );
}

// ---- names, as the API server would refuse them ----

#[test]
fn uppercase_vm_name_is_refused_as_the_api_server_would() {
    let text = with(r#"name: "vm1""#, r#"name: "VM1""#).replace(r#"vm: "vm1""#, r#"vm: "VM1""#);
    assert_eq!(
        error(&text),
        r#"bad.ron:6:18: VM name "VM1" is invalid: metadata.name: Invalid value: "VM1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#
    );
}

#[test]
fn vm_name_over_63_characters_is_refused_as_a_pod_label_value() {
    let long = "v".repeat(64);
    let text = with(r#"name: "vm1""#, &format!("name: \"{long}\""))
        .replace(r#"vm: "vm1""#, &format!("vm: \"{long}\""));
    assert_eq!(
        error(&text),
        format!(
            r#"bad.ron:6:18: VM name "{long}" is invalid: metadata.labels: Invalid value: "{long}": must be no more than 63 characters"#
        )
    );
}

#[test]
fn node_name_with_underscore_is_refused() {
    let text = with(r#"(name: "node-2")"#, r#"(name: "node_2")"#);
    assert_eq!(
        error(&text),
        r#"bad.ron:4:38: node name "node_2" is invalid: metadata.name: Invalid value: "node_2": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#
    );
}

#[test]
fn namespace_name_with_a_dot_is_refused() {
    let text = with(r#"(name: "ns1""#, r#"(name: "ns.1""#)
        .replace(r#"namespace: "ns1""#, r#"namespace: "ns.1""#);
    assert_eq!(
        error(&text),
        r#"bad.ron:5:25: namespace name "ns.1" is invalid: metadata.name: Invalid value: "ns.1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"#
    );
}

// ---- declarations and references ----

#[test]
fn scenario_without_nodes_is_refused() {
    let text = with(r#"[(name: "node-1"), (name: "node-2")]"#, "[]");
    assert_eq!(
        error(&text),
        r#"bad.ron:4:12: no nodes, expected at least one node"#
    );
}

#[test]
fn duplicate_node_name_is_refused_at_the_second() {
    assert_eq!(
        error(&with(r#"(name: "node-2")"#, r#"(name: "node-1")"#)),
        r#"bad.ron:4:38: duplicate node name "node-1", expected each node once"#
    );
}

#[test]
fn duplicate_vm_name_in_one_namespace_is_refused_at_the_second() {
    let text = with(
        r#"memory: "2Gi")]"#,
        r#"memory: "2Gi"), (name: "vm1", namespace: "ns1", node: "node-2", cpu: "1", memory: "1Gi")]"#,
    );
    assert_eq!(
        error(&text),
        r#"bad.ron:6:92: duplicate VM name "vm1" in namespace "ns1", expected each VM once per namespace"#
    );
}

#[test]
fn vm_on_an_undeclared_node_is_refused() {
    assert_eq!(
        error(&with(r#"node: "node-1""#, r#"node: "node-9""#)),
        r#"bad.ron:6:49: VM "vm1" is on unknown node "node-9", expected one of "node-1", "node-2""#
    );
}

#[test]
fn vm_in_an_undeclared_namespace_is_refused() {
    assert_eq!(
        error(&with(r#"namespace: "ns1""#, r#"namespace: "ns9""#)),
        r#"bad.ron:6:36: VM "vm1" is in unknown namespace "ns9", expected one of "ns1""#
    );
}

#[test]
fn vm_with_negative_memory_is_refused_as_the_api_server_validation_does() {
    assert_eq!(
        error(&with(r#"memory: "2Gi""#, r#"memory: "-2Gi""#)),
        r#"bad.ron:6:83: a Kubernetes quantity of at least 0, not "-2Gi" (must be greater than or equal to 0)"#
    );
}

#[test]
fn vm_with_zero_memory_is_refused() {
    assert_eq!(
        error(&with(r#"memory: "2Gi""#, r#"memory: "0""#)),
        r#"bad.ron:6:77: VM "vm1" has zero memory, expected a quantity above zero"#
    );
}

#[test]
fn quota_setting_neither_cpu_nor_memory_is_refused() {
    let text = with(
        r#"Some((cpu: Some("5000m"), memory: Some("6000Mi")))"#,
        "Some(())",
    );
    assert_eq!(
        error(&text),
        r#"bad.ron:5:44: namespace "ns1" quota sets neither cpu nor memory, expected at least one"#
    );
}

#[test]
fn same_vm_name_in_two_namespaces_is_accepted() {
    let text = vm1_also_in_ns2().replace(r#"Migrate(vm: "vm1")"#, "RestartAgent");
    load_str("ok.ron", &text).unwrap();
}

// ---- timeline ----

#[test]
fn step_with_both_at_and_within_is_refused() {
    assert_eq!(
        error(&with(r#"at: "10s""#, r#"at: "10s", within: ("2s", "5s")"#)),
        r#"bad.ron:7:36: a timeline step with both at and within, expected exactly one of them"#
    );
}

#[test]
fn step_with_neither_at_nor_within_is_refused() {
    assert_eq!(
        error(&with(r#"at: "10s", "#, "")),
        r#"bad.ron:7:16: a timeline step with neither at nor within, expected exactly one of them"#
    );
}

#[test]
fn stopping_an_undeclared_vm_is_refused_at_its_name() {
    assert_eq!(
        error(&with(r#"Migrate(vm: "vm1")"#, r#"StopVm(vm: "vm9")"#)),
        r#"bad.ron:7:47: StopVm of unknown VM "vm9", expected one of "vm1""#
    );
}

#[test]
fn draining_an_undeclared_node_is_refused_at_its_name() {
    assert_eq!(
        error(&with(
            r#"Migrate(vm: "vm1")"#,
            r#"DrainNode(node: "node-9")"#
        )),
        r#"bad.ron:7:52: DrainNode of unknown node "node-9", expected one of "node-1", "node-2""#
    );
}

#[test]
fn cordoning_and_uncordoning_an_undeclared_node_are_refused_by_name() {
    for what in ["CordonNode", "UncordonNode"] {
        let e = error(&with(
            r#"Migrate(vm: "vm1")"#,
            &format!(r#"{what}(node: "node-9")"#),
        ));
        assert!(
            e.ends_with(&format!(
                r#": {what} of unknown node "node-9", expected one of "node-1", "node-2""#
            )),
            "{e}"
        );
    }
}

#[test]
fn migrate_of_an_undeclared_vm_is_refused() {
    assert_eq!(
        error(&with(r#"vm: "vm1""#, r#"vm: "vm9""#)),
        r#"bad.ron:7:48: Migrate of unknown VM "vm9", expected one of "vm1""#
    );
}

#[test]
fn migrate_of_a_vm_name_in_two_namespaces_is_refused_as_ambiguous() {
    let text = vm1_also_in_ns2();
    assert_eq!(
        error(&text),
        r#"bad.ron:7:48: Migrate of VM "vm1", which is in more than one namespace ("ns1", "ns2"), expected a VM name declared once"#
    );
}

#[test]
fn migrate_to_the_node_the_vm_runs_on_is_refused() {
    assert_eq!(
        error(&with(r#"vm: "vm1""#, r#"vm: "vm1", target: "node-1""#)),
        r#"bad.ron:7:63: Migrate of VM "vm1" to node "node-1", where it already runs, expected another node"#
    );
}

#[test]
fn migrate_to_an_undeclared_node_is_refused() {
    assert_eq!(
        error(&with(
            r#"vm: "vm1""#,
            r#"vm: "vm1", target: Some("node-9")"#
        )),
        r#"bad.ron:7:68: Migrate to unknown node "node-9", expected one of "node-1", "node-2""#
    );
}

#[test]
fn set_quota_of_an_undeclared_namespace_is_refused() {
    assert_eq!(
        error(&with(
            r#"Migrate(vm: "vm1")"#,
            r#"SetQuota(namespace: "ns9", cpu: "6")"#
        )),
        r#"bad.ron:7:56: SetQuota of unknown namespace "ns9", expected one of "ns1""#
    );
}

#[test]
fn set_quota_changing_nothing_is_refused() {
    assert_eq!(
        error(&with(
            r#"Migrate(vm: "vm1")"#,
            r#"SetQuota(namespace: "ns1")"#
        )),
        r#"bad.ron:7:36: SetQuota of namespace "ns1" sets neither cpu nor memory, expected at least one"#
    );
}

#[test]
fn restart_of_an_unknown_process_lists_the_known_ones() {
    assert_eq!(
        error(&with(
            r#"Migrate(vm: "vm1")"#,
            r#"RestartProcess(process: "rancher")"#
        )),
        r#"bad.ron:7:60: RestartProcess of unknown process "rancher", expected one of "harvester", "cattle-cluster-agent", "virt-controller", "kube-controller-manager", "kubelet", "kube-scheduler", "virt-handler-node-1", "virt-handler-node-2""#
    );
}

#[test]
fn restart_of_the_virt_handler_of_a_declared_node_is_accepted() {
    load_str(
        "ok.ron",
        &with(
            r#"Migrate(vm: "vm1")"#,
            r#"RestartProcess(process: "virt-handler-node-2")"#,
        ),
    )
    .unwrap();
}

// ---- invariants and expectations ----

#[test]
fn duplicate_invariant_is_refused_at_the_second() {
    assert_eq!(
        error(&with(
            "[QuotaConverges]",
            "[QuotaConverges, QuotaConverges]"
        )),
        r#"bad.ron:8:34: duplicate invariant "quota-converges", expected each invariant once"#
    );
}

#[test]
fn migration_completes_within_zero_is_refused() {
    assert_eq!(
        error(&with(
            "[QuotaConverges]",
            r#"[MigrationCompletes(within: "0s")]"#
        )),
        r#"bad.ron:8:45: MigrationCompletes within 0s, expected a bound above zero"#
    );
}

#[test]
fn calm_of_zero_is_refused() {
    assert_eq!(
        error(&with_field(r#"calm: "0s","#)),
        r#"bad.ron:9:11: calm of 0s, expected a duration above zero"#
    );
}

#[test]
fn budget_of_zero_is_refused() {
    assert_eq!(
        error(&with_field("budget: 0,")),
        r#"bad.ron:9:13: budget of 0 events, expected at least one"#
    );
}

#[test]
fn unknown_version_in_expect_lists_the_known_ones() {
    assert_eq!(
        error(&with_field(r#"expect: {"v1.9.9": Holds(seeds: "0..10")},"#)),
        r#"bad.ron:9:14: unknown Harvester version "v1.9.9", expected one of v1.2.0, v1.2.1, v1.2.2, v1.3.0, v1.3.1, v1.3.2, v1.4.0, v1.4.1, v1.4.2, v1.4.3, v1.5.0, v1.5.1, v1.6.0, v1.6.1, v1.7.0"#
    );
}

#[test]
fn violates_naming_an_undeclared_invariant_is_refused() {
    let text = with_field(
        r#"expect: {"v1.4.1": Violates(invariants: ["quota-converges", "migration-completes"], seeds: "0..10")},"#,
    );
    assert_eq!(
        error(&text),
        r#"bad.ron:9:65: Violates names undeclared invariant "migration-completes", expected one of "quota-converges""#
    );
}

// ---- positions ----

#[test]
fn position_skips_a_look_alike_in_a_comment() {
    let text = with("    vms: [", "    // was: node: \"node-9\"\n    vms: [")
        .replace(r#"node: "node-1", cpu"#, r#"node: "node-9", cpu"#);
    assert_eq!(
        error(&text),
        r#"bad.ron:7:49: VM "vm1" is on unknown node "node-9", expected one of "node-1", "node-2""#
    );
}

// ---- the command line ----

/// Writes `text` to a scenario file of its own, runs `hvsim run` on it, and answers the file's
/// path, the exit code, stdout and stderr.
fn hvsim_run(name: &str, text: &str) -> (String, Option<i32>, String, String) {
    let path = std::env::temp_dir().join(format!(
        "hvsim-input-errors-{}-{name}.ron",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hvsim"))
        .arg("run")
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let path = path.to_str().unwrap().to_string();
    (
        path,
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `hvsim run` on `text` exits 2, prints nothing on stdout and `error: <file>:<message>` on
/// stderr, where `message` is what the library says after the file name.
fn assert_cli_refuses(name: &str, text: &str, message: &str) {
    let (path, code, stdout, stderr) = hvsim_run(name, text);
    assert_eq!(stderr, format!("error: {path}:{message}\n"));
    assert_eq!(error(text), format!("bad.ron:{message}"));
    assert_eq!(stdout, "");
    assert_eq!(code, Some(2));
}

#[test]
fn cli_run_refuses_a_syntax_error_with_exit_code_2() {
    assert_cli_refuses(
        "syntax",
        &with("name: \"t\",\n", "name: \"t\"\n"),
        "3:5: Expected comma",
    );
}

#[test]
fn cli_run_refuses_an_unknown_node_reference_with_exit_code_2() {
    assert_cli_refuses(
        "unknown-node",
        &with(r#"node: "node-1""#, r#"node: "node-9""#),
        r#"6:49: VM "vm1" is on unknown node "node-9", expected one of "node-1", "node-2""#,
    );
}

#[test]
fn cli_run_refuses_an_undeclared_invariant_in_expect_with_exit_code_2() {
    assert_cli_refuses(
        "undeclared-invariant",
        &with_field(
            r#"expect: {"v1.4.2": Violates(invariants: ["no-quota-block-within-base"], seeds: "0..10")},"#,
        ),
        r#"9:46: Violates names undeclared invariant "no-quota-block-within-base", expected one of "quota-converges""#,
    );
}

#[test]
fn an_unknown_cpu_model_names_the_catalogue() {
    let text = with(
        r#"(name: "node-1")"#,
        r#"(name: "node-1", cpu_model: "Pentium")"#,
    );
    assert_eq!(
        error(&text),
        r#"bad.ron:4:41: unknown CPU model "Pentium", expected one of "Skylake-Server", "Cascadelake-Server", "Icelake-Server", "SapphireRapids", "EPYC-Rome", "EPYC-Milan", "EPYC-Genoa" (or give cpu_features)"#
    );
}

#[test]
fn an_unknown_vm_cpu_model_lists_the_modes_and_models() {
    let text = with(
        r#"memory: "2Gi")"#,
        r#"memory: "2Gi", cpu_model: "host-modle")"#,
    );
    assert!(
        error(&text).starts_with(r#"bad.ron:6:95: unknown CPU model "host-modle", expected "host-model", "host-passthrough" or a named model: Skylake-Server"#),
        "{}",
        error(&text)
    );
}

#[test]
fn an_upgrade_repo_node_that_is_not_a_node_is_refused() {
    let text = with_field(r#"upgrade: (name: "u1", repo_node: "node-9"),"#);
    assert_eq!(
        error(&text),
        r#"bad.ron:9:38: repo_node "node-9" is not a node of the scenario, expected one of "node-1", "node-2""#
    );
}

#[test]
fn an_unknown_repo_vm_policy_in_an_expect_key_lists_the_policies() {
    let text = with_field(
        r#"upgrade: (name: "u1", repo_node: "node-1"), expect: {"v1.4.2+MigrateHarder": Holds(seeds: "0..10")},"#,
    );
    assert_eq!(
        error(&text),
        r#"bad.ron:9:58: unknown repo VM policy "MigrateHarder" after "+", expected one of StopInPreDrain, LiveMigrate, LiveMigrateIfCompatibleElseStop"#
    );
}

// ---- hostile input (issue 14) ----

#[test]
fn a_duplicate_expect_key_is_refused_at_the_second_key() {
    let text = with_field(
        r#"expect: {"v1.4.1": Holds(seeds: "0..1"), "v1.4.1": Violates(invariants: ["quota-converges"], seeds: "0..1")},"#,
    );
    assert_eq!(
        error(&text),
        r#"bad.ron:9:46: duplicate key "v1.4.1" (first at line 9, column 14), expected each key once"#
    );
}

#[test]
fn an_upgrade_name_kubernetes_refuses_is_refused_where_it_is_written() {
    let text = with_field(r#"upgrade: (name: "Bad_Name!", repo_node: "node-1"),"#);
    assert!(
        error(&text).starts_with(r#"bad.ron:9:21: upgrade name "Bad_Name!" is invalid: metadata.name: Invalid value: "Bad_Name!": a lowercase RFC 1123 subdomain"#),
        "{}",
        error(&text)
    );
}

#[test]
fn a_vm_cpu_past_the_limit_is_refused_at_its_value() {
    assert_eq!(
        error(&with(r#"cpu: "2", memory"#, r#"cpu: "2147483648", memory"#)),
        r#"bad.ron:6:64: VM "vm1" cpu is 2147483648, over hvsim's limit of 1024, expected at most 1024"#
    );
}

#[test]
fn a_duration_past_the_limit_is_refused() {
    assert_eq!(
        error(&with_field(r#"calm: "1001h","#)),
        r#"bad.ron:9:18: a duration of at most 1000h (hvsim's limit), not "1001h""#
    );
}

#[test]
fn a_name_with_control_characters_is_echoed_escaped_and_cut() {
    let name = format!("vm\u{1b}[31m\n{}", "x".repeat(100));
    let e = error(&with(
        r#"(name: "vm1", namespace"#,
        &format!("(name: {name:?}, namespace"),
    ));
    assert!(!e.contains('\n') && !e.contains('\u{1b}'), "{e}");
    assert!(
        e.starts_with(r#"bad.ron:6:18: VM name "vm\u{1b}[31m\nxxxx"#),
        "{e}"
    );
    assert!(e.contains("…(28 more bytes)\" is invalid"), "{e}");
}

#[test]
fn a_file_that_is_not_utf8_is_refused_at_its_first_bad_byte() {
    let dir = std::env::temp_dir().join(format!("hvsim-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("latin1.ron");
    let mut bytes = VALID.as_bytes().to_vec();
    bytes.splice(14..14, [0xe9]);
    std::fs::write(&path, bytes).unwrap();
    let e = hvsim::scenario::load(path.to_str().unwrap()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}:2:5: byte 0xe9 is not UTF-8, expected UTF-8 text",
            path.display()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}
