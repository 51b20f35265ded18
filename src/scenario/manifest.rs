//! Kubernetes YAML manifests as users write them (RKE2 auto-deploy files), read into API
//! objects. Parsed with `saphyr` (a YAML 1.2 parser that keeps every node's position), so a
//! malformed document or an invalid object is reported at its file, line and column.
//!
//! Understood kinds: `v1 Namespace`, `v1 PersistentVolumeClaim`, and `kubevirt.io/v1`
//! `VirtualMachine` (name, namespace, `runStrategy` or `running`, CPU, memory, disks on
//! claims). Any other kind is kept as an opaque object: RKE2 applies it, nothing reads it,
//! and the run's timeline says so. A `v1 List` is read as its items. Fields the API
//! server does not know are warnings, or errors under `--strict` (`field_validation.rs`);
//! a CustomResourceDefinition keeps the group and kind it serves.
//!
//! Left out: YAML 1.1 booleans (`yes`, `on`; Kubernetes' parser takes them, YAML 1.2 does
//! not), `generateName`, DataVolume templates (a `dataVolume` disk is read as the claim of
//! the same name), instance types and preferences.

use super::echo;
use super::field_validation;
use super::limits;
use super::ScenarioError;
use crate::kube::object::{NamespaceBody, OpaqueBody, PvcBody, PvcPhase, RunStrategy, VmBody};
use crate::kube::validation::{
    aggregate, field_invalid, is_dns1123_label, is_dns1123_subdomain, validate_annotations,
    validate_labels,
};
use crate::kube::{Body, Kind, Meta, Obj, Quantity};
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// The annotation by which Harvester marks a claim made from one of its images.
pub const ANNOTATION_IMAGE_ID: &str = "harvesterhci.io/imageId";
pub const DEFAULT_STORAGE_CLASS: &str = "harvester-longhorn";

/// Where a manifest's text sits, for error positions.
pub struct Origin {
    /// The file errors name: the manifest file, or the scenario for inline YAML.
    pub file: String,
    pub place: Place,
    /// The manifest's file name in the manifests directory.
    pub manifest: String,
    /// An unknown field is an error (`--strict`), not a warning.
    pub strict_fields: bool,
}

/// How a position in the YAML maps to one in `Origin::file`.
pub enum Place {
    /// The YAML is the whole file.
    File,
    /// The YAML is a string literal in the scenario: `positions[n]` is where its n-th
    /// character was written (escapes and all); `fallback` is the literal's start.
    Inline {
        positions: Vec<(usize, usize)>,
        fallback: (usize, usize),
    },
}

impl Origin {
    /// The file position (1-based line and column) of a YAML marker.
    fn at(&self, m: saphyr::Marker) -> (usize, usize) {
        match &self.place {
            Place::File => (m.line().max(1), m.col() + 1),
            Place::Inline {
                positions,
                fallback,
            } => match positions.get(m.index()) {
                Some(p) => *p,
                // At the end of the text: just after its last character.
                None => positions.last().map_or(*fallback, |&(l, c)| (l, c + 1)),
            },
        }
    }

    fn fail(&self, node: &Node<'_>, message: String) -> ScenarioError {
        ScenarioError::new(&self.file, Some(self.at(node.span.start)), message)
    }
}

pub struct Parsed {
    pub objects: Vec<Obj>,
    /// Per object, where it starts.
    pub sites: Vec<(usize, usize)>,
    pub notes: Vec<String>,
    /// One per unknown field (`field_validation`), in document order.
    pub warnings: Vec<ScenarioError>,
}

type Node<'a> = MarkedYaml<'a>;

/// A manifest file name as RKE2 takes it: `.yaml`, `.yml` or `.json`; its base name (up to
/// the first dot) names the `Addon`.
pub fn check_file_name(name: &str) -> Result<(), String> {
    let lower = name.to_lowercase();
    if !(lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")) {
        return Err(format!(
            "manifest name {} is skipped by RKE2's deploy controller, expected a name ending in .yaml, .yml or .json",
            echo::quoted(name)
        ));
    }
    let base = name.split('.').next().unwrap_or("");
    let errs = is_dns1123_subdomain(base);
    if name.starts_with('.') || !errs.is_empty() {
        return Err(format!(
            "manifest name {} gives the Addon name {}, which is invalid: {}",
            echo::quoted(name),
            echo::quoted(base),
            aggregate(&errs)
        ));
    }
    Ok(())
}

/// The objects of every document in `text`.
pub fn parse(text: &str, origin: &Origin) -> Result<Parsed, ScenarioError> {
    let docs = Node::load_from_str(text).map_err(|e| {
        ScenarioError::new(
            &origin.file,
            Some(origin.at(*e.marker())),
            format!(
                "malformed YAML in manifest {}: {}",
                echo::quoted(&origin.manifest),
                e.info()
            ),
        )
    })?;
    let mut out = Parsed {
        objects: Vec::new(),
        sites: Vec::new(),
        notes: Vec::new(),
        warnings: Vec::new(),
    };
    for doc in &docs {
        let doc = untag(doc);
        if is_null(doc) {
            continue;
        }
        read_object(doc, origin, &mut out)?;
    }
    Ok(out)
}

fn read_object(node: &Node<'_>, origin: &Origin, out: &mut Parsed) -> Result<(), ScenarioError> {
    if !matches!(node.data, YamlData::Mapping(_)) {
        return Err(origin.fail(
            node,
            format!(
                "manifest {} holds {} where a Kubernetes object was expected, expected a mapping with apiVersion, kind and metadata",
                echo::quoted(&origin.manifest),
                describe(node)
            ),
        ));
    }
    let api_version = required_str(node, "apiVersion", origin, "object", || {
        "a group/version such as \"v1\" or \"kubevirt.io/v1\"".into()
    })?;
    let kind = required_str(node, "kind", origin, "object", || {
        "a kind such as VirtualMachine".into()
    })?;
    // Both are echoed in notes and messages; Kubernetes' own are short identifiers.
    let kind_ok = kind.len() <= 63
        && kind.starts_with(|c: char| c.is_ascii_alphabetic())
        && kind.chars().all(|c| c.is_ascii_alphanumeric());
    let version_ok = api_version.len() <= 253
        && api_version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "./-".contains(c));
    if !kind_ok || !version_ok {
        let (key, value) = if kind_ok {
            ("apiVersion", &api_version)
        } else {
            ("kind", &kind)
        };
        let at = get(node, key).unwrap_or(node);
        return Err(origin.fail(
            at,
            format!(
                "object {key} {} is not a Kubernetes {key}, expected letters and digits{}",
                echo::quoted(value),
                if kind_ok {
                    ", '.', '/' or '-'"
                } else {
                    " (such as VirtualMachine)"
                }
            ),
        ));
    }
    if api_version == "v1" && kind == "List" {
        let Some(items) = get(node, "items") else {
            return Ok(());
        };
        let YamlData::Sequence(items) = &untag(items).data else {
            return Err(origin.fail(
                items,
                format!(
                    "List items is {}, expected a sequence of objects",
                    describe(items)
                ),
            ));
        };
        for item in items {
            read_object(untag(item), origin, out)?;
        }
        return Ok(());
    }
    let before = out.warnings.len();
    check_fields(node, &api_version, &kind, origin, out)?;
    let site = origin.at(node.span.start);
    let obj = match read_kind(node, &api_version, &kind, origin, out) {
        Ok(o) => o,
        // An unknown field often explains the error (`runStrategyy`): the API server would
        // have warned of it first.
        Err(mut e) => {
            for w in &out.warnings[before..] {
                if let Some((l, c)) = w.position {
                    e.message
                        .push_str(&format!("; {} at line {l}, column {c}", w.message));
                }
            }
            return Err(e);
        }
    };
    out.objects.push(obj);
    out.sites.push(site);
    Ok(())
}

/// The object of a kind hvsim reads, or an opaque one (with a note).
fn read_kind(
    node: &Node<'_>,
    api_version: &str,
    kind: &str,
    origin: &Origin,
    out: &mut Parsed,
) -> Result<Obj, ScenarioError> {
    let (api_version, kind) = (api_version.to_string(), kind.to_string());
    let obj = match (api_version.as_str(), kind.as_str()) {
        ("v1", "Namespace") => {
            let meta = read_meta(node, &kind, false, origin)?;
            Obj::new(meta, Body::Namespace(NamespaceBody::default()))
        }
        ("v1", "PersistentVolumeClaim") => read_pvc(node, origin)?,
        ("kubevirt.io/v1" | "kubevirt.io/v1alpha3", "VirtualMachine") => read_vm(node, origin)?,
        _ => {
            let meta = read_meta(node, &kind, true, origin)?;
            let meta = Meta {
                // Unmodelled kinds keep the namespace they were written with ("" when none).
                namespace: opt_str(node, &["metadata", "namespace"], origin)?
                    .unwrap_or_default()
                    .into(),
                ..meta
            };
            let crd = read_crd(node, &api_version, &kind, &meta, origin)?;
            let note = format!(
                "manifest {}: {kind} {} ({api_version}) is of a kind hvsim does not model; it is applied as an opaque object",
                origin.manifest,
                meta.key()
            );
            out.notes.push(note);
            Obj::new(
                meta,
                Body::Opaque(OpaqueBody {
                    api_version: api_version.clone(),
                    kind: kind.clone(),
                    crd,
                }),
            )
        }
    };
    Ok(obj)
}

/// Unknown fields of a kind whose schema hvsim knows: warnings, or under `--strict` one
/// error at the first, naming them all as the API server's strict decoder does.
fn check_fields(
    node: &Node<'_>,
    api_version: &str,
    kind: &str,
    origin: &Origin,
    out: &mut Parsed,
) -> Result<(), ScenarioError> {
    let Some(fields) = field_validation::schema(api_version, kind) else {
        return Ok(());
    };
    let unknown = field_validation::unknown_fields(node, fields);
    let Some(first) = unknown.first() else {
        return Ok(());
    };
    if origin.strict_fields {
        let paths: Vec<&str> = unknown.iter().map(|u| u.path.as_str()).collect();
        return Err(ScenarioError::new(
            &origin.file,
            Some(origin.at(first.at)),
            field_validation::strict_error(&paths),
        ));
    }
    for u in &unknown {
        out.warnings.push(ScenarioError::new(
            &origin.file,
            Some(origin.at(u.at)),
            field_validation::warning(&u.path),
        ));
    }
    Ok(())
}

/// For a CustomResourceDefinition, the group and kind it serves (`spec.group`,
/// `spec.names.kind`), which the API server requires; `None` for any other kind.
fn read_crd(
    node: &Node<'_>,
    api_version: &str,
    kind: &str,
    meta: &Meta,
    origin: &Origin,
) -> Result<Option<(String, String)>, ScenarioError> {
    if kind != "CustomResourceDefinition" || !api_version.starts_with("apiextensions.k8s.io/") {
        return Ok(None);
    }
    let what = format!("CustomResourceDefinition {}", echo::quoted(&meta.name));
    let read = |keys: &[&str], expected: &str| -> Result<String, ScenarioError> {
        match opt_scalar(node, keys)? {
            Some((s, _)) if !s.is_empty() => Ok(s),
            _ => Err(origin.fail(
                get(node, "spec").unwrap_or(node),
                format!("{what} has no {}, expected {expected}", keys.join(".")),
            )),
        }
    };
    let group = read(&["spec", "group"], "the API group it serves")?;
    let served = read(&["spec", "names", "kind"], "the kind it serves")?;
    Ok(Some((group, served)))
}

fn read_pvc(node: &Node<'_>, origin: &Origin) -> Result<Obj, ScenarioError> {
    let meta = read_meta(node, "PersistentVolumeClaim", true, origin)?;
    let storage_class = opt_str(node, &["spec", "storageClassName"], origin)?
        .unwrap_or_else(|| DEFAULT_STORAGE_CLASS.to_string());
    if let Some((q, at)) = opt_scalar(node, &["spec", "resources", "requests", "storage"])? {
        if let Err(e) = Quantity::parse(&q) {
            return Err(origin.fail(
                at,
                format!(
                    "PersistentVolumeClaim {} spec.resources.requests.storage is invalid, expected {e}",
                    meta.key()
                ),
            ));
        }
    }
    let image = meta
        .annotations
        .get(ANNOTATION_IMAGE_ID)
        .map(|s| s.to_string());
    Ok(Obj::new(
        meta,
        Body::PersistentVolumeClaim(PvcBody {
            storage_class,
            image,
            phase: PvcPhase::Pending,
        }),
    ))
}

fn read_vm(node: &Node<'_>, origin: &Origin) -> Result<Obj, ScenarioError> {
    let meta = read_meta(node, "VirtualMachine", true, origin)?;
    let what = format!("VirtualMachine {}", meta.key());
    let Some(spec) = get(node, "spec") else {
        return Err(origin.fail(
            node,
            format!("{what} has no spec, expected spec.runStrategy and spec.template"),
        ));
    };
    let running = get(spec, "running");
    let strategy = get(spec, "runStrategy");
    let run_strategy = match (running, strategy) {
        (Some(_), Some(s)) => {
            return Err(origin.fail(
                s,
                format!("{what} sets both spec.running and spec.runStrategy, expected one of them (KubeVirt: Running and RunStrategy are mutually exclusive)"),
            ))
        }
        (None, None) => {
            return Err(origin.fail(
                spec,
                format!("{what} sets neither spec.running nor spec.runStrategy, expected one of them"),
            ))
        }
        (Some(r), None) => match &untag(r).data {
            YamlData::Value(Scalar::Boolean(true)) => RunStrategy::Always,
            YamlData::Value(Scalar::Boolean(false)) => RunStrategy::Halted,
            _ => {
                return Err(origin.fail(
                    r,
                    format!(
                        "{what} spec.running is {}, expected true or false",
                        describe(r)
                    ),
                ))
            }
        },
        (None, Some(s)) => {
            let text = scalar_text(s).unwrap_or_default();
            match RunStrategy::ALL.iter().find(|r| r.name() == text) {
                Some(r) => *r,
                None => {
                    let all: Vec<&str> = RunStrategy::ALL.iter().map(|r| r.name()).collect();
                    return Err(origin.fail(
                        s,
                        format!(
                            "{what} spec.runStrategy {} is invalid, expected one of {}",
                            describe(s),
                            all.join(", ")
                        ),
                    ));
                }
            }
        }
    };
    let Some(vmi_spec) = get(spec, "template").and_then(|t| get(t, "spec")) else {
        return Err(origin.fail(
            spec,
            format!("{what} has no spec.template.spec, expected the VM's domain and volumes"),
        ));
    };
    let Some(domain) = get(vmi_spec, "domain") else {
        return Err(origin.fail(
            vmi_spec,
            format!("{what} has no spec.template.spec.domain, expected its CPU and memory"),
        ));
    };
    let path = "spec.template.spec.domain";
    let quantity = |keys: &[&str]| -> Result<Option<Quantity>, ScenarioError> {
        let Some((text, at)) = opt_scalar(domain, keys)? else {
            return Ok(None);
        };
        let field = format!("{path}.{}", keys.join("."));
        let q = Quantity::parse(&text)
            .map_err(|e| origin.fail(at, format!("{what} {field} is invalid, expected {e}")))?;
        if q.is_zero() || q.milli() < 0 {
            let is = if q.is_zero() { "zero" } else { "negative" };
            return Err(origin.fail(
                at,
                format!("{what} {field} is {is}, expected a quantity above zero"),
            ));
        }
        let (max, memory) = if keys.last() == Some(&"cpu") {
            (limits::MAX_VM_CPU, false)
        } else {
            (limits::MAX_VM_MEMORY, true)
        };
        if q > Quantity::from_units(max) {
            let max = limits::shown(max, memory);
            return Err(origin.fail(
                at,
                format!("{what} {field} is {}, over hvsim's limit of {max} per VM, expected at most {max}", echo::quoted(&text)),
            ));
        }
        Ok(Some(q))
    };
    // `cores * sockets * threads`, each a positive integer and the product within the
    // per-VM limit: checked, so no product wraps past the limit.
    let mut vcpus: i64 = 1;
    for key in ["cores", "sockets", "threads"] {
        let Some(n) = get(domain, "cpu").and_then(|c| get(c, key)) else {
            continue;
        };
        let i = match &untag(n).data {
            YamlData::Value(Scalar::Integer(i)) if *i > 0 => *i,
            _ => {
                return Err(origin.fail(
                    n,
                    format!(
                        "{what} {path}.cpu.{key} is {}, expected a positive integer",
                        describe(n)
                    ),
                ))
            }
        };
        vcpus = match vcpus.checked_mul(i) {
            Some(v) if v <= limits::MAX_VM_CPU => v,
            _ => {
                return Err(origin.fail(
                    n,
                    format!(
                        "{what} {path}.cpu.{key} of {i} makes cores * sockets * threads more than hvsim's limit of {} vCPUs per VM, expected a product of at most {}",
                        limits::MAX_VM_CPU,
                        limits::MAX_VM_CPU
                    ),
                ))
            }
        };
    }
    let cpu = match quantity(&["resources", "limits", "cpu"])? {
        Some(q) => q,
        None => Quantity::from_units(vcpus),
    };
    let memory = match quantity(&["resources", "limits", "memory"])? {
        Some(q) => q,
        None => match quantity(&["memory", "guest"])? {
            Some(q) => q,
            None => match quantity(&["resources", "requests", "memory"])? {
                Some(q) => q,
                None => {
                    return Err(origin.fail(
                        domain,
                        format!("{what} has no memory, expected {path}.resources.limits.memory or {path}.memory.guest"),
                    ))
                }
            },
        },
    };
    let mut claims = Vec::new();
    if let Some(volumes) = get(vmi_spec, "volumes") {
        let YamlData::Sequence(items) = &untag(volumes).data else {
            return Err(origin.fail(
                volumes,
                format!(
                    "{what} spec.template.spec.volumes is {}, expected a sequence of volumes",
                    describe(volumes)
                ),
            ));
        };
        for (i, v) in items.iter().enumerate() {
            for (source, key) in [
                ("persistentVolumeClaim", "claimName"),
                ("dataVolume", "name"),
            ] {
                let Some(src) = get(v, source) else { continue };
                match get(src, key).and_then(scalar_text) {
                    Some(c) if !c.is_empty() => claims.push(c),
                    _ => {
                        return Err(origin.fail(
                            src,
                            format!(
                                "{what} spec.template.spec.volumes[{i}].{source} has no {key}, expected the name of a claim"
                            ),
                        ))
                    }
                }
            }
        }
    }
    Ok(Obj::new(
        meta,
        Body::VirtualMachine(VmBody {
            cpu,
            memory,
            printable_status: String::new(),
            run_strategy,
            claims,
            ..VmBody::default()
        }),
    ))
}

/// `metadata`: name (required, a DNS-1123 subdomain), namespace (namespaced kinds: a
/// DNS-1123 label, "default" when absent), labels and annotations as the API server
/// validates them.
fn read_meta(
    node: &Node<'_>,
    kind: &str,
    namespaced: bool,
    origin: &Origin,
) -> Result<Meta, ScenarioError> {
    let Some(md) = get(node, "metadata") else {
        return Err(origin.fail(
            node,
            format!("{kind} has no metadata, expected metadata.name"),
        ));
    };
    let name = required_str(md, "name", origin, kind, || {
        "a name in metadata.name".into()
    })?;
    let name_node = get(md, "name").expect("read above");
    let errs = is_dns1123_subdomain(&name);
    if !errs.is_empty() {
        return Err(origin.fail(name_node, invalid(kind, &name, "metadata.name", &errs)));
    }
    let mut meta = Meta::named("", &name);
    if namespaced {
        meta.namespace = match opt_str(md, &["namespace"], origin)? {
            Some(ns) => {
                let errs = is_dns1123_label(&ns);
                if !errs.is_empty() {
                    let at = get(md, "namespace").expect("read above");
                    return Err(origin.fail(at, invalid(kind, &ns, "metadata.namespace", &errs)));
                }
                ns.into()
            }
            None => "default".into(),
        };
    }
    for (field, map) in [
        ("labels", &mut meta.labels),
        ("annotations", &mut meta.annotations),
    ] {
        let Some(m) = get(md, field) else { continue };
        let YamlData::Mapping(entries) = &untag(m).data else {
            return Err(origin.fail(
                m,
                format!(
                    "{kind} {name} metadata.{field} is {}, expected a mapping of strings",
                    describe(m)
                ),
            ));
        };
        for (k, v) in entries {
            let (Some(k), Some(v)) = (scalar_text(k), scalar_text(v)) else {
                return Err(origin.fail(
                    v,
                    format!(
                        "{kind} {name} metadata.{field} holds {}, expected string values",
                        describe(v)
                    ),
                ));
            };
            map.insert(k, v);
        }
        let errs = if field == "labels" {
            validate_labels(map)
        } else {
            validate_annotations(map)
        };
        if !errs.is_empty() {
            return Err(origin.fail(
                m,
                format!(
                    "{kind} {} is invalid: {}",
                    echo::quoted(&name),
                    aggregate(&errs)
                ),
            ));
        }
    }
    Ok(meta)
}

/// `VM name "X" is invalid: metadata.name: Invalid value: "X": ...`, as validation says it.
fn invalid(kind: &str, value: &str, path: &str, errs: &[String]) -> String {
    let detail: Vec<String> = errs.iter().map(|e| field_invalid(path, value, e)).collect();
    format!(
        "{kind} {} {} is invalid: {}",
        path.rsplit('.').next().unwrap_or(path),
        echo::quoted(value),
        aggregate(&detail)
    )
}

fn required_str(
    node: &Node<'_>,
    key: &str,
    origin: &Origin,
    what: &str,
    expected: impl Fn() -> String,
) -> Result<String, ScenarioError> {
    match get(node, key) {
        None => Err(origin.fail(
            node,
            format!("{what} has no {key}, expected {}", expected()),
        )),
        Some(v) => match scalar_text(v) {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(origin.fail(
                v,
                format!("{what} {key} is {}, expected {}", describe(v), expected()),
            )),
        },
    }
}

fn opt_str(
    node: &Node<'_>,
    keys: &[&str],
    origin: &Origin,
) -> Result<Option<String>, ScenarioError> {
    let Some((text, at)) = opt_scalar(node, keys)? else {
        return Ok(None);
    };
    if text.is_empty() {
        return Err(origin.fail(
            at,
            format!("{} is an empty string, expected a name", keys.join(".")),
        ));
    }
    Ok(Some(text))
}

/// The scalar at a path of keys, with its node; None when a key is absent.
fn opt_scalar<'n, 'a>(
    node: &'n Node<'a>,
    keys: &[&str],
) -> Result<Option<(String, &'n Node<'a>)>, ScenarioError> {
    let mut n = node;
    for k in keys {
        match get(n, k) {
            Some(v) => n = v,
            None => return Ok(None),
        }
    }
    Ok(scalar_text(n).map(|s| (s, n)))
}

fn untag<'n, 'a>(mut n: &'n Node<'a>) -> &'n Node<'a> {
    while let YamlData::Tagged(_, inner) = &n.data {
        n = inner;
    }
    n
}

fn is_null(n: &Node<'_>) -> bool {
    matches!(n.data, YamlData::Value(Scalar::Null))
}

/// The value under `key` in a mapping.
fn get<'n, 'a>(node: &'n Node<'a>, key: &str) -> Option<&'n Node<'a>> {
    let YamlData::Mapping(entries) = &untag(node).data else {
        return None;
    };
    entries
        .iter()
        .find(|(k, _)| scalar_text(k).as_deref() == Some(key))
        .map(|(_, v)| untag(v))
}

/// A scalar's text as Kubernetes would read it into a string field.
fn scalar_text(n: &Node<'_>) -> Option<String> {
    match &untag(n).data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
        YamlData::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        YamlData::Representation(s, _, _) => Some(s.to_string()),
        _ => None,
    }
}

/// `a mapping`, `a sequence`, `"text"`, `12`: what a node is, for errors.
fn describe(n: &Node<'_>) -> String {
    match &untag(n).data {
        YamlData::Mapping(_) => "a mapping".into(),
        YamlData::Sequence(_) => "a sequence".into(),
        YamlData::Value(Scalar::Null) => "null".into(),
        YamlData::Value(Scalar::String(s)) => echo::quoted(s),
        YamlData::Value(Scalar::Boolean(b)) => b.to_string(),
        YamlData::Value(Scalar::Integer(i)) => i.to_string(),
        YamlData::Value(Scalar::FloatingPoint(f)) => f.to_string(),
        YamlData::Representation(s, _, _) => echo::quoted(s),
        _ => "a value".into(),
    }
}

/// The key an object has in the API server: its kind, namespace and name. Unmodelled kinds
/// share one store kind, so two of them with one name collide (see `bootstrap_load::load`).
pub fn store_key(o: &Obj) -> (Kind, String, String) {
    (
        o.kind(),
        o.meta.namespace.to_string(),
        o.meta.name.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            file: "m.yaml".into(),
            place: Place::File,
            manifest: "m.yaml".into(),
            strict_fields: false,
        }
    }

    #[test]
    fn a_virtual_machine_is_read_with_its_strategy_size_and_claims() {
        let y = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: vm1\nspec:\n  runStrategy: RerunOnFailure\n  template:\n    spec:\n      domain:\n        cpu: {cores: 2}\n        memory: {guest: 2Gi}\n      volumes:\n      - name: disk0\n        persistentVolumeClaim: {claimName: vm1-disk0}\n";
        let p = parse(y, &origin()).unwrap();
        let vm = p.objects[0].vm();
        assert_eq!(p.objects[0].meta.key(), "default/vm1");
        assert_eq!(vm.run_strategy, RunStrategy::RerunOnFailure);
        assert_eq!(vm.cpu, Quantity::from_units(2));
        assert_eq!(vm.memory, Quantity::parse("2Gi").unwrap());
        assert_eq!(vm.claims, vec!["vm1-disk0".to_string()]);
    }

    #[test]
    fn an_unknown_kind_is_kept_opaque_with_a_note() {
        let p = parse(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\n",
            &origin(),
        )
        .unwrap();
        assert_eq!(p.objects[0].opaque().kind, "ConfigMap");
        assert_eq!(p.notes.len(), 1);
    }
}
