//! Hostile and broken inputs through the real binary: every one is refused with exit code 2
//! and exactly one line `error: FILE:LINE:COLUMN: ...` on stderr, no panic, nothing on
//! stdout, and no file left behind. The inputs are generated field by field from two valid
//! scenarios (one with an upgrade, one with an inline manifest), so a new field or check
//! is covered by adding a line here.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A valid scenario touching most of the schema.
const BASE: &str = r#"Scenario(
    name: "t",
    description: "d",
    harvester: "v1.4.1",
    nodes: [(name: "node-1", cpu: "32", memory: "128Gi", cpu_model: "Icelake-Server"), (name: "node-2")],
    namespaces: [(name: "ns1", quota: (cpu: "5000m", memory: "6000Mi"), project_default: (cpu: "5", memory: "6Gi"))],
    vms: [(name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi", cpu_model: "host-model")],
    timing: (watch_latency: ("1ms", "100ms"), restart: ("5s", "30s")),
    timeline: [
        (at: "10s", action: Migrate(vm: "vm1", target: "node-2")),
        (within: ("2s", "50s"), action: RestartAgent),
        (at: "20s", action: RestartProcess(process: "virt-controller")),
        (at: "30s", action: SetQuota(namespace: "ns1", cpu: "6", memory: "8Gi")),
        (at: "40s", action: OpenHostPage(node: "node-1", session: "alice")),
        (at: "50s", action: ReloadPage(session: "alice")),
    ],
    invariants: [QuotaConverges, MigrationCompletes(within: "5m"), HostViewFresh(within: "10s")],
    sometimes: [ResetDuringMigration],
    upgrade: (name: "hvst-upgrade-s2mk7", repo_node: "node-1", order: ["node-1", "node-2"]),
    calm: "5m",
    budget: 100000,
    expect: {
        "v1.4.1": Violates(invariants: ["quota-converges"], seeds: "0..10"),
        "v1.4.2": Holds(seeds: "0..10"),
    },
)
"#;

/// A valid scenario with one inline manifest.
const BOOT: &str = r##"Scenario(
    name: "b",
    harvester: "v1.4.0",
    nodes: [(name: "node-1")],
    bootstrap: (
        manifests: [
            Inline(name: "vm.yaml", yaml: r#"
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: vm1
  namespace: default
spec:
  runStrategy: RerunOnFailure
  template:
    spec:
      domain:
        cpu:
          cores: 2
          sockets: 1
          threads: 1
        resources:
          limits:
            memory: 2Gi
"#),
        ],
        kubevirt_ready: ("40s", "90s"),
    ),
    invariants: [InstallCompletes(within: "10m")],
)
"##;

/// A bad input: the scenario text, and files to put beside it.
struct Case {
    name: String,
    scenario: Vec<u8>,
    files: Vec<(&'static str, Vec<u8>)>,
}

fn case(name: impl Into<String>, text: impl Into<Vec<u8>>) -> Case {
    Case {
        name: name.into(),
        scenario: text.into(),
        files: Vec::new(),
    }
}

/// `base` with its first occurrence of `from` replaced by `to`.
fn with(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "{from:?} must occur in the base");
    base.replacen(from, to, 1)
}

/// Every quoted string of `base` outside the inline manifest, as (start, end) byte ranges
/// including the quotes.
fn strings(base: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let b = base.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'r' && base[i..].starts_with("r#\"") {
            // Skip the raw string (the manifest): it is varied on its own below.
            i = base[i + 3..].find("\"#").map_or(b.len(), |j| i + 3 + j + 2);
            continue;
        }
        if b[i] == b'"' {
            let end = base[i + 1..].find('"').unwrap() + i + 1;
            out.push((i, end + 1));
            i = end + 1;
            continue;
        }
        i += 1;
    }
    out
}

fn cases() -> Vec<Case> {
    let mut cs = Vec::new();

    // Every string of both scenarios with a value of the wrong type.
    for (label, base) in [("base", BASE), ("boot", BOOT)] {
        for (n, (a, b)) in strings(base).into_iter().enumerate() {
            for (kind, wrong) in [("number", "7"), ("list", "[\"x\"]")] {
                let text = format!("{}{wrong}{}", &base[..a], &base[b..]);
                cs.push(case(format!("{label} string {n} as a {kind}"), text));
            }
        }
    }

    // Names that Kubernetes refuses, at every place a name becomes an object name.
    let names = [
        ("node", r#"(name: "node-2")"#, "(name: \"{}\")"),
        (
            "namespace",
            r#"(name: "ns1", quota"#,
            "(name: \"{}\", quota",
        ),
        (
            "vm",
            r#"(name: "vm1", namespace"#,
            "(name: \"{}\", namespace",
        ),
        ("upgrade", r#"name: "hvst-upgrade-s2mk7""#, "name: \"{}\""),
    ];
    let long = "a".repeat(300);
    let huge = "b".repeat(3_000_000);
    let bad_names = [
        ("uppercase and symbols", "Bad_Name!"),
        ("empty", ""),
        ("300 characters", long.as_str()),
        ("3 MB", huge.as_str()),
        ("an escape sequence", "x\\u{1b}[31mred"),
        ("a newline", "a\\nb"),
        ("a trailing dash", "name-"),
        ("a space", "a b"),
    ];
    for (place, from, pattern) in names {
        for (what, bad) in bad_names {
            let text = with(BASE, from, &pattern.replace("{}", bad));
            cs.push(case(format!("{place} name with {what}"), text));
        }
    }
    for (what, bad) in [
        ("uppercase", "Alice\\u{7}"),
        ("300 characters", long.as_str()),
        ("the name of a process", "harvester"),
        ("empty", ""),
    ] {
        let text = with(
            BASE,
            r#"node: "node-1", session: "alice")"#,
            &format!("node: \"node-1\", session: \"{bad}\")"),
        );
        cs.push(case(format!("session with {what}"), text));
    }
    // A name long enough for the object but too long for what is derived from it.
    let fifty = "u".repeat(51);
    cs.push(case(
        "upgrade name too long for its repo VM",
        with(BASE, "hvst-upgrade-s2mk7", &fifty),
    ));

    // Quantities: out of range, overflowing, malformed.
    let quantities = [
        (
            "vm cpu",
            r#"cpu: "2", memory: "2Gi""#,
            "cpu: \"{}\", memory: \"2Gi\"",
        ),
        (
            "vm memory",
            r#"cpu: "2", memory: "2Gi""#,
            "cpu: \"2\", memory: \"{}\"",
        ),
        ("node cpu", r#"cpu: "32""#, "cpu: \"{}\""),
        ("node memory", r#"memory: "128Gi""#, "memory: \"{}\""),
        (
            "quota cpu",
            r#"quota: (cpu: "5000m""#,
            "quota: (cpu: \"{}\"",
        ),
        ("SetQuota memory", r#"memory: "8Gi""#, "memory: \"{}\""),
    ];
    for (place, from, pattern) in quantities {
        for (what, bad) in [
            (
                "2^31 (memory: in Ei)",
                if place.ends_with("memory") {
                    "2147483648Ei"
                } else {
                    "2147483648"
                },
            ),
            ("i64::MAX", "9223372036854775807"),
            ("20 digits", "99999999999999999999"),
            ("8Ei", "8Ei"),
            ("a unit word", "5 cores"),
            ("a negative", "-1"),
            ("a huge exponent", "1e30"),
            ("a huge binary suffix", "9000000Ti"),
        ] {
            let text = with(BASE, from, &pattern.replace("{}", bad));
            cs.push(case(format!("{place} of {what}"), text));
        }
    }
    cs.push(case(
        "vm cpu of zero",
        with(BASE, r#"cpu: "2", memory"#, r#"cpu: "0", memory"#),
    ));

    // Durations.
    for (place, from) in [
        ("calm", r#"calm: "5m""#),
        ("at", r#"at: "10s""#),
        ("invariant bound", r#"within: "5m""#),
    ] {
        let field = from.split(':').next().unwrap();
        for (what, bad) in [
            ("1001 hours", "1001h"),
            ("u64 overflow", "99999999999999999999h"),
            ("no unit", "15"),
            ("an unknown unit", "5d"),
            ("empty", ""),
        ] {
            let text = with(BASE, from, &format!("{field}: \"{bad}\""));
            cs.push(case(format!("{place} of {what}"), text));
        }
    }
    cs.push(case(
        "a range whose end is before its start",
        with(BASE, r#"("2s", "50s")"#, r#"("50s", "2s")"#),
    ));
    cs.push(case(
        "a timing range over the limit",
        with(BASE, r#"("5s", "30s")"#, r#"("5s", "2000h")"#),
    ));

    // Counts and sizes.
    cs.push(case(
        "budget over the limit",
        with(BASE, "budget: 100000", "budget: 2000000000"),
    ));
    cs.push(case(
        "budget overflowing u64",
        with(BASE, "budget: 100000", "budget: 99999999999999999999"),
    ));
    cs.push(case(
        "budget of zero",
        with(BASE, "budget: 100000", "budget: 0"),
    ));
    cs.push(case(
        "budget negative",
        with(BASE, "budget: 100000", "budget: -5"),
    ));
    let many_nodes: Vec<String> = (0..10_001).map(|i| format!("(name: \"n{i}\")")).collect();
    cs.push(case(
        "10,001 nodes",
        with(BASE, r#"(name: "node-2")"#, &many_nodes.join(", ")),
    ));
    let many_invariants = ["QuotaConverges"; 2];
    cs.push(case(
        "an invariant twice",
        with(
            BASE,
            "[QuotaConverges,",
            &format!("[{},", many_invariants.join(", ")),
        ),
    ));
    cs.push(case(
        "a description over 10,000 characters",
        with(
            BASE,
            r#"description: "d""#,
            &format!("description: \"{}\"", "d".repeat(10_001)),
        ),
    ));

    // Versions, keys, duplicates.
    for (what, from, to) in [
        (
            "unknown harvester version",
            r#"harvester: "v1.4.1""#,
            r#"harvester: "v9.9.9""#,
        ),
        (
            "harvester version with an escape",
            r#"harvester: "v1.4.1""#,
            "harvester: \"v1\\u{1b}]0;x\"",
        ),
        (
            "unknown expect version",
            r#""v1.4.2": Holds"#,
            r#""v1.9.9": Holds"#,
        ),
        (
            "duplicate expect key",
            r#""v1.4.2": Holds"#,
            r#""v1.4.1": Holds"#,
        ),
        (
            "duplicate field",
            r#"name: "t","#,
            r#"name: "t", name: "u","#,
        ),
        (
            "duplicate calm",
            r#"calm: "5m","#,
            r#"calm: "5m", calm: "6m","#,
        ),
        (
            "unknown field",
            r#"budget: 100000,"#,
            r#"budget: 100000, colour: "red","#,
        ),
        ("unknown variant", "RestartAgent", "Evacuate"),
        ("unknown invariant", "QuotaConverges,", "QuotaConverge,"),
        (
            "undeclared invariant in expect",
            r#"["quota-converges"]"#,
            r#"["vms-restored"]"#,
        ),
        ("unknown process", r#""virt-controller""#, r#""rancher""#),
        (
            "unknown node in a VM",
            r#"node: "node-1", cpu"#,
            r#"node: "node-9", cpu"#,
        ),
        (
            "unknown namespace in a VM",
            r#"namespace: "ns1", node"#,
            r#"namespace: "ns9", node"#,
        ),
        (
            "migrate to its own node",
            r#"target: "node-2""#,
            r#"target: "node-1""#,
        ),
        (
            "repo node unknown",
            r#"repo_node: "node-1""#,
            r#"repo_node: "node-3""#,
        ),
        (
            "order twice",
            r#"["node-1", "node-2"]"#,
            r#"["node-1", "node-1"]"#,
        ),
        (
            "reload of unknown session",
            r#"ReloadPage(session: "alice")"#,
            r#"ReloadPage(session: "bob")"#,
        ),
        (
            "unknown CPU vendor",
            r#"cpu_model: "Icelake-Server")"#,
            r#"cpu_model: "Icelake-Server", cpu_vendor: "VIA")"#,
        ),
        (
            "unknown CPU model",
            r#"cpu_model: "Icelake-Server")"#,
            r#"cpu_model: "Pentium")"#,
        ),
        (
            "seed range backwards",
            r#"seeds: "0..10"),"#,
            r#"seeds: "10..0"),"#,
        ),
        (
            "seed range overflow",
            r#"seeds: "0..10"),"#,
            r#"seeds: "0..99999999999999999999"),"#,
        ),
        ("a char where a string belongs", r#"name: "t""#, "name: 't'"),
        ("a bare number field name", "budget:", "7:"),
        ("a NUL in a string", r#"name: "t""#, "name: \"t\0\""),
        (
            "an escape outside a string",
            r#"name: "t","#,
            "name: \"t\", \u{1b}[2J",
        ),
    ] {
        cs.push(case(what, with(BASE, from, to)));
    }

    // Truncated files: every 25th byte of the base.
    for cut in (1..BASE.len() - 3).step_by(25) {
        cs.push(case(
            format!("truncated at byte {cut}"),
            &BASE.as_bytes()[..cut],
        ));
    }
    cs.push(case("empty file", ""));
    cs.push(case("only a comment", "// nothing\n"));
    cs.push(case("unclosed block comment", "/* Scenario("));
    cs.push(case(
        "deep nesting",
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    ));

    // Bytes that are not UTF-8, at a few places.
    for (what, at) in [("start", 0), ("inside a string", 14), ("on line 5", 130)] {
        for (kind, bytes) in [
            ("0xff", &b"\xff"[..]),
            ("a lone continuation", b"\x80"),
            ("a cut sequence", b"\xe2\x82"),
        ] {
            let mut b = BASE.as_bytes().to_vec();
            b.splice(at..at, bytes.iter().copied());
            cs.push(case(format!("{kind} at the {what}"), b));
        }
    }

    // Inline manifests.
    for (what, from, to) in [
        ("cores i64::MAX", "cores: 2", "cores: 9223372036854775807"),
        (
            "cores 2^32 times sockets 2^32",
            "cores: 2\n          sockets: 1",
            "cores: 4294967296\n          sockets: 4294967296",
        ),
        ("cores past the limit", "cores: 2", "cores: 1025"),
        ("cores zero", "cores: 2", "cores: 0"),
        ("cores negative", "cores: 2", "cores: -3"),
        ("cores a string", "cores: 2", "cores: two"),
        ("memory over the limit", "memory: 2Gi", "memory: 17Ti"),
        (
            "memory overflowing",
            "memory: 2Gi",
            "memory: 99999999999999999999Ei",
        ),
        ("memory malformed", "memory: 2Gi", "memory: lots"),
        ("a bad object name", "name: vm1", "name: Bad_Name!"),
        (
            "a 300-character name",
            "name: vm1",
            &format!("name: {long}"),
        ),
        ("a bad namespace", "namespace: default", "namespace: ns.1"),
        (
            "a duplicate key",
            "  runStrategy: RerunOnFailure",
            "  runStrategy: RerunOnFailure\n  runStrategy: Always",
        ),
        (
            "a duplicate metadata key",
            "  name: vm1",
            "  name: vm1\n  name: vm2",
        ),
        ("a tab indentation", "  name: vm1", "\tname: vm1"),
        ("an unknown run strategy", "RerunOnFailure", "Sometimes"),
        (
            "running and runStrategy",
            "  runStrategy: RerunOnFailure",
            "  runStrategy: RerunOnFailure\n  running: true",
        ),
        ("no kind", "kind: VirtualMachine\n", ""),
        (
            "a kind with an escape",
            "kind: VirtualMachine",
            "kind: \"Virtual\\e[31mMachine\"",
        ),
        (
            "a kind with a newline",
            "kind: VirtualMachine",
            "kind: \"Virtual\\nMachine\"",
        ),
        (
            "an apiVersion with spaces",
            "apiVersion: kubevirt.io/v1",
            "apiVersion: kubevirt io v1",
        ),
        (
            "a scalar document",
            "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\n",
            "just text\n---\napiVersion: kubevirt.io/v1\nkind: VirtualMachine\n",
        ),
        ("an unclosed flow mapping", "cores: 2", "cores: {2"),
        (
            "deep YAML nesting",
            "cores: 2",
            &format!("cores: {}{}", "[".repeat(5000), "]".repeat(5000)),
        ),
        (
            "a bad label",
            "  namespace: default",
            "  namespace: default\n  labels: {\"a b\": c}",
        ),
        (
            "volumes a string",
            "        resources:",
            "      volumes: nope\n        resources:",
        ),
    ] {
        cs.push(case(format!("manifest with {what}"), with(BOOT, from, to)));
    }
    cs.push(case(
        "manifest named without .yaml",
        with(BOOT, r#"name: "vm.yaml""#, r#"name: "vm.txt""#),
    ));
    cs.push(case(
        "manifest named with an escape",
        with(BOOT, r#"name: "vm.yaml""#, "name: \"v\\u{1b}m.yaml\""),
    ));

    // Manifest files beside the scenario.
    let file_scenario = |path: &str| {
        format!(
            "Scenario(\n    name: \"f\",\n    harvester: \"v1.4.0\",\n    nodes: [(name: \"node-1\")],\n    bootstrap: (manifests: [File(\"{path}\")]),\n)\n"
        )
    };
    for (what, path) in [
        ("a missing file", "m/none.yaml"),
        ("a path with ..", "../outside.yaml"),
        ("an absolute path", "/etc/hostname.yaml"),
        ("/dev/zero", "/dev/zero"),
        ("a directory", "m/dir.yaml"),
        ("a FIFO", "m/fifo.yaml"),
        ("a symlink out of the folder", "m/link.yaml"),
        ("a file over 16 MiB", "m/big.yaml"),
        ("a file that is not UTF-8", "m/latin1.yaml"),
        ("a file with a bad object", "m/bad.yaml"),
        ("a file with a duplicate key", "m/dup.yaml"),
    ] {
        let mut c = case(format!("manifest file: {what}"), file_scenario(path));
        c.files = vec![
            (
                "m/latin1.yaml",
                b"apiVersion: v1\nkind: Namespace\nmetadata: {name: caf\xe9}\n".to_vec(),
            ),
            (
                "m/bad.yaml",
                b"apiVersion: v1\nkind: Namespace\nmetadata: {name: Bad_Name}\n".to_vec(),
            ),
            (
                "m/dup.yaml",
                b"apiVersion: v1\nkind: Namespace\nkind: Namespace\nmetadata: {name: a}\n".to_vec(),
            ),
        ];
        cs.push(c);
    }
    cs
}

/// A fresh directory for one case.
fn dir_for(n: usize) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hvsim-bad-inputs-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("m")).unwrap();
    d
}

/// Every file under `dir`, relative to it.
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                todo.push(p.clone());
            }
            out.push(p.strip_prefix(dir).unwrap().to_string_lossy().to_string());
        }
    }
    out.sort();
    out
}

/// Runs `hvsim run FILE --seed 0` in `dir` and checks the refusal; a description of what
/// is wrong, if anything.
fn refused(dir: &Path, file: &str) -> Result<(), String> {
    let before = listing(dir);
    let o = Command::new(env!("CARGO_BIN_EXE_hvsim"))
        .args(["run", file, "--seed", "0"])
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    let shown: String = stderr.chars().take(400).collect();
    if o.status.code() != Some(2) {
        return Err(format!("exit code {:?}, stderr {shown:?}", o.status.code()));
    }
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        return Err(format!("a panic: {shown:?}"));
    }
    let lines: Vec<&str> = stderr.lines().collect();
    if lines.len() != 1 || !stderr.ends_with('\n') {
        return Err(format!("{} lines on stderr: {shown:?}", lines.len()));
    }
    let line = lines[0];
    let Some(rest) = line.strip_prefix("error: ") else {
        return Err(format!("no `error: ` prefix: {shown:?}"));
    };
    // FILE:LINE:COLUMN: where FILE is the scenario or a manifest beside it.
    let mut parts = rest.splitn(4, ':');
    let (f, l, c, m) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let file_ok = f == file || f.starts_with("./m/") || f.starts_with("m/");
    let num = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s != "0";
    if !file_ok || !num(l) || !num(c) || !m.starts_with(' ') {
        return Err(format!("not `error: {file}:LINE:COLUMN: ...`: {shown:?}"));
    }
    if line.len() > 1500 {
        return Err(format!("a line of {} bytes: {shown:?}", line.len()));
    }
    if !o.stdout.is_empty() {
        return Err(format!(
            "stdout not empty: {:?}",
            String::from_utf8_lossy(&o.stdout)
        ));
    }
    if listing(dir) != before {
        return Err(format!("files left: {:?}", listing(dir)));
    }
    Ok(())
}

#[test]
fn every_bad_input_is_refused_with_one_positioned_line_and_exit_code_2() {
    let cases = cases();
    assert!(cases.len() >= 150, "only {} cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names must be distinct");
    let mut failures = Vec::new();
    for (n, c) in cases.iter().enumerate() {
        let dir = dir_for(n);
        std::fs::write(dir.join("s.ron"), &c.scenario).unwrap();
        for (path, body) in &c.files {
            std::fs::write(dir.join(path), body).unwrap();
        }
        std::fs::create_dir_all(dir.join("m/dir.yaml")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.join("m/link.yaml")).unwrap();
        let big = std::fs::File::create(dir.join("m/big.yaml")).unwrap();
        big.set_len(17 << 20).unwrap();
        let fifo = Command::new("mkfifo").arg(dir.join("m/fifo.yaml")).status();
        assert!(fifo.is_ok_and(|s| s.success()), "mkfifo");
        if let Err(why) = refused(&dir, "s.ron") {
            failures.push(format!("{}: {why}", c.name));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(
        failures.is_empty(),
        "{} of {} inputs not refused as they should be:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_scenario_file_itself_must_be_a_small_regular_file() {
    let dir = dir_for(1_000_000);
    std::fs::create_dir_all(dir.join("d.ron")).unwrap();
    let big = std::fs::File::create(dir.join("big.ron")).unwrap();
    big.set_len(17 << 20).unwrap();
    assert!(Command::new("mkfifo")
        .arg(dir.join("fifo.ron"))
        .status()
        .unwrap()
        .success());
    for file in ["d.ron", "big.ron", "fifo.ron", "/dev/zero", "missing.ron"] {
        if let Err(why) = refused(&dir, file) {
            panic!("{file}: {why}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_two_base_scenarios_are_valid() {
    hvsim::scenario::load_str("base.ron", BASE).unwrap();
    hvsim::scenario::load_str("boot.ron", BOOT).unwrap();
}
