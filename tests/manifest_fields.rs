//! Manifests as the API server decodes them: real manifests (KubeVirt's examples, an
//! exported `kubectl get vm -o yaml` List) load without a warning, an unknown field is a
//! warning at its key (an error under `--strict`), and a custom resource waits for its CRD.

mod common;
use common::*;
use hvsim::scenario::{field_warnings, load, load_str};
use std::path::{Path, PathBuf};

/// A directory of its own under the system's temporary directory, with `manifests/`.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hvsim-fields-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("manifests")).unwrap();
    d
}

/// `s.ron` in `dir`, a bootstrap scenario whose one manifest is `manifests/NAME`.
fn file_scenario(dir: &Path, name: &str, yaml: &str) -> String {
    std::fs::write(dir.join("manifests").join(name), yaml).unwrap();
    let text = format!(
        r#"Scenario(
    name: "t",
    harvester: "v1.4.0",
    nodes: [(name: "node-1")],
    bootstrap: (manifests: [File("manifests/{name}")], kubevirt_ready: ("1s", "1s"), harvester_start: ("5s", "5s")),
    calm: "1m",
)"#
    );
    let path = dir.join("s.ron");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().to_string()
}

fn corpus(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/manifests")
        .join(rel);
    std::fs::read_to_string(p).unwrap()
}

/// The warnings a manifest gives when loaded from a file, and how many objects it holds.
fn warnings_of(name: &str, yaml: &str) -> (Vec<String>, usize) {
    let dir = temp_dir(name.trim_end_matches(".yaml"));
    let scn = load(&file_scenario(&dir, name, yaml)).unwrap_or_else(|e| panic!("{e}"));
    let objects = scn.bootstrap.as_ref().unwrap().loaded[0].objects.len();
    let w = field_warnings(&scn);
    let _ = std::fs::remove_dir_all(&dir);
    (w, objects)
}

const TYPO: &str = "apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: vm1
spec:
  running: false
  runStrategyy: Always
  template:
    spec:
      domain:
        memory:
          guest: 1Gi
";

/// The hvsim binary run in `dir`: (exit code, stderr).
fn hvsim_err(dir: &Path, args: &[&str]) -> (i32, String) {
    let (code, _, err) = hvsim_in(dir, args);
    (code, err)
}

#[test]
fn kubevirts_example_virtual_machines_load_with_no_warning() {
    for f in [
        "vm-cirros.yaml",
        "vm-alpine-datavolume.yaml",
        "vm-alpine-multipvc.yaml",
    ] {
        let (w, objects) = warnings_of(f, &corpus(&format!("kubevirt/{f}")));
        assert_eq!(w, Vec::<String>::new(), "{f}");
        assert_eq!(objects, 1, "{f}");
    }
}

#[test]
fn an_exported_vm_list_with_status_and_server_fields_loads_with_no_warning() {
    let (w, objects) = warnings_of("list.yaml", &corpus("harvester/kubectl-get-vm-list.yaml"));
    assert_eq!(w, Vec::<String>::new());
    assert_eq!(objects, 1);
}

#[test]
fn managed_fields_as_show_managed_fields_prints_them_pass_silently() {
    let list = corpus("harvester/kubectl-get-vm-list.yaml");
    let entry = "    managedFields:
    - apiVersion: kubevirt.io/v1
      fieldsType: FieldsV1
      fieldsV1:
        f:spec:
          f:runStrategy: {}
      manager: harvester
      operation: Update
      time: \"2024-12-13T12:37:22Z\"
    name: vm1
";
    let list = list.replacen("    name: vm1\n", entry, 1);
    assert!(list.contains("managedFields"));
    let (w, _) = warnings_of("managed.yaml", &list);
    assert_eq!(w, Vec::<String>::new());
}

#[test]
fn a_misspelled_field_is_one_warning_line_at_its_key() {
    let dir = temp_dir("typo");
    let path = file_scenario(&dir, "vm.yaml", TYPO);
    let (code, stderr) = hvsim_err(&dir, &["run", &path]);
    let manifest = dir.join("manifests/vm.yaml");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(
        warnings,
        [format!(
            "warning: {}:7:3: unknown field \"spec.runStrategyy\"",
            manifest.display()
        )],
        "{stderr}"
    );
    assert_ne!(code, 2, "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn under_strict_a_misspelled_field_is_an_error_and_exit_2() {
    let dir = temp_dir("strict");
    let path = file_scenario(&dir, "vm.yaml", TYPO);
    let (code, stderr) = hvsim_err(&dir, &["run", "--strict", &path]);
    let manifest = dir.join("manifests/vm.yaml");
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: {}:7:3: strict decoding error: unknown field \"spec.runStrategyy\"",
            manifest.display()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_inline_manifests_unknown_field_is_placed_in_the_scenario() {
    let text = r##"Scenario(
    name: "t",
    harvester: "v1.4.0",
    nodes: [(name: "node-1")],
    bootstrap: (manifests: [Inline(name: "ns.yaml", yaml: r#"
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
  lables: {a: b}
"#)]),
)"##;
    let scn = load_str("s.ron", text).unwrap();
    assert_eq!(
        field_warnings(&scn),
        ["s.ron:10:3: unknown field \"metadata.lables\""]
    );
}

const CRD_AND_CR: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    plural: widgets
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
  namespace: default
";

fn crd_scenario(yaml: &str) -> String {
    format!(
        r##"Scenario(
    name: "crd",
    harvester: "v1.5.1",
    nodes: [(name: "node-1")],
    bootstrap: (
        manifests: [Inline(name: "widgets.yaml", yaml: r#"
{yaml}"#)],
        kubevirt_ready: ("1s", "1s"),
        harvester_start: ("5s", "5s"),
    ),
    calm: "1m",
)"##
    )
}

#[test]
fn a_custom_resource_fails_on_the_pass_that_creates_its_crd_and_applies_on_the_next() {
    let out = traced(&parse(&crd_scenario(CRD_AND_CR)), "v1.5.1", 1);
    let lines: Vec<String> = out
        .trace
        .iter()
        .map(|r| format!("{} [{}] {}", r.time, r.actor, r.text))
        .collect();
    let find = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?}:\n{}", lines.join("\n")))
    };
    let failed = find("no matches for kind \"Widget\" in version \"example.com/v1\"");
    let crd = find("POST customresourcedefinitions.apiextensions.k8s.io widgets.example.com");
    let cr = find("POST widgets.example.com default/w1");
    let applied =
        find("Applied manifest at \"/var/lib/rancher/rke2/server/manifests/widgets.yaml\"");
    assert!(
        crd < failed && failed < cr && cr < applied,
        "{}",
        lines.join("\n")
    );
    // The first pass runs as RKE2 starts; the next 15 s (`PASS_INTERVAL`) after it.
    assert!(
        lines[failed].starts_with("00:00.") && lines[failed].contains("[rke2-server] Failed"),
        "{}",
        lines[failed]
    );
    assert!(lines[applied].starts_with("00:15."), "{}", lines[applied]);
    let failures = lines
        .iter()
        .filter(|l| l.contains("no matches for kind"))
        .count();
    assert_eq!(failures, 1, "{}", lines.join("\n"));
}

#[test]
fn a_custom_resource_without_a_crd_is_refused_on_every_pass() {
    let cr_only = CRD_AND_CR.split("---\n").nth(1).unwrap();
    let out = traced(&parse(&crd_scenario(cr_only)), "v1.5.1", 1);
    let text = text_of(&out);
    let failures = text
        .lines()
        .filter(|l| l.contains("no matches for kind \"Widget\" in version \"example.com/v1\""))
        .count();
    // One pass every 15 s over the run's 1m calm (t=0 to the end).
    assert!(failures >= 4, "{text}");
    assert!(!text.contains("POST widgets.example.com"), "{text}");
}

#[test]
fn an_object_in_harvester_public_applies_once_harvester_has_created_the_namespace() {
    let pvc = "apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: shared
  namespace: harvester-public
spec:
  resources:
    requests:
      storage: 1Gi
";
    let out = traced(&parse(&crd_scenario(pvc)), "v1.5.1", 1);
    let text = text_of(&out);
    let ns = text
        .find("[harvester] POST namespaces harvester-public → 201")
        .unwrap_or_else(|| panic!("{text}"));
    let applied = text
        .find("POST persistentvolumeclaims harvester-public/shared")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(ns < applied, "{text}");
    assert!(
        text.contains("namespaces \"harvester-public\" not found"),
        "{text}"
    );
}

#[test]
fn an_invalid_object_names_its_unknown_fields_in_the_error() {
    let dir = temp_dir("neither");
    let path = file_scenario(&dir, "vm.yaml", &TYPO.replace("  running: false\n", ""));
    let e = load(&path).unwrap_err().to_string();
    let manifest = dir.join("manifests/vm.yaml");
    assert_eq!(
        e,
        format!(
            "{}:6:3: VirtualMachine default/vm1 sets neither spec.running nor spec.runStrategy, expected one of them; unknown field \"spec.runStrategyy\" at line 6, column 3",
            manifest.display()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_scenario_vm_in_harvester_public_needs_no_namespace_declaration() {
    let scn = parse(
        r#"Scenario(
    name: "public",
    harvester: "v1.4.1",
    nodes: [(name: "node-1"), (name: "node-2")],
    vms: [(name: "vm1", namespace: "harvester-public", node: "node-1", cpu: "1", memory: "1Gi")],
    timeline: [(at: "1s", action: Migrate(vm: "vm1", target: "node-2"))],
    invariants: [MigrationCompletes(within: "5m")],
)"#,
    );
    let out = traced(&scn, "v1.4.1", 1);
    assert!(out.violation.is_none(), "{}", text_of(&out));
    assert!(
        text_of(&out).contains("harvester-public/vm1"),
        "{}",
        text_of(&out)
    );
}

#[test]
fn fleet_default_is_created_by_harvester_from_v1_4_0_only() {
    let pvc = "apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: shared
  namespace: fleet-default
";
    let scn = parse(&crd_scenario(pvc));
    let on = |version: &str| text_of(&traced(&scn, version, 1));
    let v140 = on("v1.4.0");
    assert!(
        v140.contains("[harvester] POST namespaces fleet-default → 201"),
        "{v140}"
    );
    assert!(
        v140.contains("POST persistentvolumeclaims fleet-default/shared"),
        "{v140}"
    );
    let v132 = on("v1.3.2");
    assert!(!v132.contains("POST namespaces fleet-default"), "{v132}");
    assert!(
        !v132.contains("POST persistentvolumeclaims fleet-default/shared"),
        "{v132}"
    );
}
