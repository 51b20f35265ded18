//! Bad manifests in a scenario's bootstrap section: malformed YAML and invalid objects are
//! refused with one message naming the file, line and column, inline (the scenario file) or
//! from a file beside the scenario (that file).

use hvsim::scenario::{load, load_str};
use std::path::PathBuf;
use std::process::Command;

/// A scenario whose one inline manifest is `yaml`: the manifest starts right after `r#"` at
/// the end of line 7, so line N of `yaml` is line 7 + N of the scenario.
fn scenario(yaml: &str) -> String {
    format!(
        r##"Scenario(
    name: "t",
    harvester: "v1.4.0",
    nodes: [(name: "node-1")],
    bootstrap: (
        manifests: [
            Inline(name: "vm.yaml", yaml: r#"
{yaml}"#),
        ],
    ),
    invariants: [InstallCompletes(within: "10m")],
)
"##
    )
}

const VM: &str = "apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: vm1
spec:
  runStrategy: RerunOnFailure
  template:
    spec:
      domain:
        cpu:
          cores: 2
        resources:
          limits:
            memory: 2Gi
";

fn error(text: &str) -> String {
    match load_str("bad.ron", text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// The VM manifest with its one occurrence of `from` replaced by `to`.
fn vm_with(from: &str, to: &str) -> String {
    assert_eq!(VM.matches(from).count(), 1, "{from:?}");
    scenario(&VM.replacen(from, to, 1))
}

#[test]
fn the_valid_manifest_loads_with_its_vm() {
    let scn = load_str("ok.ron", &scenario(VM)).unwrap();
    let boot = scn.bootstrap.unwrap();
    assert_eq!(boot.loaded[0].objects[0].meta.key(), "default/vm1");
}

#[test]
fn malformed_yaml_is_reported_at_its_line_in_the_scenario() {
    assert_eq!(
        error(&vm_with("  name: vm1\n", "  name: vm1\n  labels: [a\n")),
        "bad.ron:13:5: malformed YAML in manifest \"vm.yaml\": illegal placement of ':' indicator"
    );
}

#[test]
fn a_tab_indentation_is_malformed_yaml() {
    assert_eq!(
        error(&vm_with("  runStrategy: RerunOnFailure", "\trunStrategy: RerunOnFailure")),
        "bad.ron:13:2: malformed YAML in manifest \"vm.yaml\": tabs disallowed within this context (block indentation)"
    );
}

#[test]
fn an_unknown_run_strategy_lists_the_known_ones() {
    assert_eq!(
        error(&vm_with("runStrategy: RerunOnFailure", "runStrategy: Sometimes")),
        "bad.ron:13:16: VirtualMachine default/vm1 spec.runStrategy \"Sometimes\" is invalid, expected one of Always, RerunOnFailure, Manual, Halted, Once"
    );
}

#[test]
fn running_and_run_strategy_together_are_refused() {
    assert_eq!(
        error(&vm_with("\nspec:\n", "\nspec:\n  running: true\n")),
        "bad.ron:14:16: VirtualMachine default/vm1 sets both spec.running and spec.runStrategy, expected one of them (KubeVirt: Running and RunStrategy are mutually exclusive)"
    );
}

#[test]
fn a_vm_without_a_run_strategy_is_refused() {
    assert_eq!(
        error(&vm_with("  runStrategy: RerunOnFailure\n", "")),
        "bad.ron:13:3: VirtualMachine default/vm1 sets neither spec.running nor spec.runStrategy, expected one of them"
    );
}

#[test]
fn a_document_without_a_kind_is_refused() {
    assert_eq!(
        error(&vm_with("kind: VirtualMachine\n", "")),
        "bad.ron:8:1: object has no kind, expected a kind such as VirtualMachine"
    );
}

#[test]
fn an_invalid_name_is_refused_with_the_api_servers_text() {
    assert_eq!(
        error(&vm_with("name: vm1", "name: VM_1")),
        "bad.ron:11:9: VirtualMachine name \"VM_1\" is invalid: metadata.name: Invalid value: \"VM_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    );
}

#[test]
fn a_bad_memory_quantity_is_refused_at_its_value() {
    assert_eq!(
        error(&vm_with("memory: 2Gi", "memory: 2GG")),
        "bad.ron:21:21: VirtualMachine default/vm1 spec.template.spec.domain.resources.limits.memory is invalid, expected a Kubernetes quantity such as \"500m\", \"2\", \"6000Mi\" or \"4Gi\", not \"2GG\" (unable to parse quantity's suffix)"
    );
}

#[test]
fn a_negative_memory_quantity_is_refused_at_its_value() {
    assert_eq!(
        error(&vm_with("memory: 2Gi", "memory: -2Gi")),
        "bad.ron:21:21: VirtualMachine default/vm1 spec.template.spec.domain.resources.limits.memory is negative, expected a quantity above zero"
    );
}

#[test]
fn a_vm_without_memory_is_refused() {
    assert_eq!(
        error(&vm_with("        resources:\n          limits:\n            memory: 2Gi\n", "")),
        "bad.ron:17:9: VirtualMachine default/vm1 has no memory, expected spec.template.spec.domain.resources.limits.memory or spec.template.spec.domain.memory.guest"
    );
}

#[test]
fn a_scalar_where_an_object_belongs_is_refused() {
    assert_eq!(
        error(&scenario("just text\n")),
        "bad.ron:8:1: manifest \"vm.yaml\" holds \"just text\" where a Kubernetes object was expected, expected a mapping with apiVersion, kind and metadata"
    );
}

#[test]
fn the_same_object_twice_is_refused() {
    assert_eq!(
        error(&scenario(&format!("{VM}---\n{VM}"))),
        "bad.ron:23:1: duplicate vm default/vm1 (also in manifest \"vm.yaml\"), expected each object once"
    );
}

#[test]
fn a_manifest_name_rke2_would_skip_is_refused() {
    let text = scenario(VM).replace("name: \"vm.yaml\"", "name: \"vm.txt\"");
    assert_eq!(
        error(&text),
        "bad.ron:7:26: manifest name \"vm.txt\" is skipped by RKE2's deploy controller, expected a name ending in .yaml, .yml or .json"
    );
}

#[test]
fn install_completes_needs_a_bootstrap_section() {
    let text = r#"Scenario(
    name: "t",
    harvester: "v1.4.0",
    nodes: [(name: "node-1")],
    invariants: [InstallCompletes(within: "10m")],
)"#;
    assert_eq!(
        error(text),
        "bad.ron:5:18: InstallCompletes without a bootstrap section, expected a bootstrap section describing the install"
    );
}

/// A directory of its own under the system's temporary directory.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hvsim-manifest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("manifests")).unwrap();
    d
}

fn file_scenario(dir: &std::path::Path) -> String {
    let text = r#"Scenario(
    name: "t",
    harvester: "v1.4.0",
    nodes: [(name: "node-1")],
    bootstrap: (manifests: [File("manifests/vm.yaml")]),
)"#;
    let path = dir.join("s.ron");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().to_string()
}

#[test]
fn an_error_in_a_manifest_file_names_that_file_and_line() {
    let dir = temp_dir("file");
    let path = file_scenario(&dir);
    std::fs::write(
        dir.join("manifests/vm.yaml"),
        VM.replace("runStrategy: RerunOnFailure", "runStrategy: Sometimes"),
    )
    .unwrap();
    let e = load(&path).unwrap_err().to_string();
    let manifest = dir.join("manifests/vm.yaml");
    assert_eq!(
        e,
        format!(
            "{}:6:16: VirtualMachine default/vm1 spec.runStrategy \"Sometimes\" is invalid, expected one of Always, RerunOnFailure, Manual, Halted, Once",
            manifest.display()
        )
    );
    std::fs::write(dir.join("manifests/vm.yaml"), VM).unwrap();
    let scn = load(&path).unwrap();
    assert_eq!(scn.bootstrap.unwrap().loaded[0].name, "vm.yaml");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_manifest_file_is_reported_in_the_scenario() {
    let dir = temp_dir("missing");
    let path = file_scenario(&dir);
    let e = load(&path).unwrap_err().to_string();
    let manifest = dir.join("manifests/vm.yaml");
    assert_eq!(
        e,
        format!(
            "{path}:5:29: cannot read the manifest file {}: No such file or directory (os error 2)",
            manifest.display()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_cli_exits_2_with_one_line_for_a_malformed_manifest() {
    let dir = temp_dir("cli");
    let path = dir.join("bad.ron");
    std::fs::write(
        &path,
        vm_with("runStrategy: RerunOnFailure", "runStrategy: Sometimes"),
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_hvsim"))
        .args(["run", path.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: {}:13:16: VirtualMachine default/vm1 spec.runStrategy \"Sometimes\" is invalid, expected one of Always, RerunOnFailure, Manual, Halted, Once",
            path.display()
        )
    );
    assert!(o.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cores_times_sockets_past_the_limit_is_refused_not_wrapped() {
    let text = scenario(&VM.replace(
        "cores: 2",
        "cores: 4294967296\n          sockets: 4294967296",
    ));
    assert_eq!(
        error(&text),
        "bad.ron:18:18: VirtualMachine default/vm1 spec.template.spec.domain.cpu.cores of 4294967296 makes cores * sockets * threads more than hvsim's limit of 1024 vCPUs per VM, expected a product of at most 1024"
    );
}

#[test]
fn a_key_written_twice_in_a_manifest_is_refused_at_the_second() {
    let text = scenario(&VM.replace(
        "  runStrategy: RerunOnFailure",
        "  runStrategy: RerunOnFailure\n  runStrategy: Halted",
    ));
    assert_eq!(
        error(&text),
        "bad.ron:14:3: malformed YAML in manifest \"vm.yaml\": duplicated key in mapping"
    );
}

#[test]
fn an_error_in_an_escaped_inline_string_is_mapped_through_its_escapes() {
    let text = r#"Scenario(
    name: "t",
    harvester: "v1.4.0",
    nodes: [(name: "node-1")],
    bootstrap: (manifests: [Inline(name: "ns.yaml", yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: Bad_Name}\n")]),
)"#;
    assert!(
        error(text).starts_with("bad.ron:5:110: Namespace name \"Bad_Name\" is invalid"),
        "{}",
        error(text)
    );
}

#[test]
fn a_manifest_path_out_of_the_scenario_folder_is_refused() {
    let dir = temp_dir("outside");
    let text = r#"Scenario(
    name: "t",
    harvester: "v1.4.0",
    nodes: [(name: "node-1")],
    bootstrap: (manifests: [File("../vm.yaml")]),
)"#;
    let path = dir.join("s.ron");
    std::fs::write(&path, text).unwrap();
    let path = path.to_string_lossy().to_string();
    assert_eq!(
        load(&path).unwrap_err().to_string(),
        format!("{path}:5:29: manifest path \"../vm.yaml\" leads outside the scenario's folder, expected a path inside it (or pass --allow-outside-manifests)")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
