//! Loading a scenario's `bootstrap:` section (`bootstrap.rs`): each manifest is read (inline,
//! or a file beside the scenario) and parsed into objects, within hvsim's limits, and what
//! needs an install is checked to have one.

use super::bootstrap::{LoadedManifest, ManifestSource};
use super::echo;
use super::limits;
use super::locate::{self, Doc, Seg};
use super::manifest::{self, Origin, Place};
use super::schema::{InvariantSpec, Scenario, SometimesSpec};
use super::{source, LoadOptions, ScenarioError};
use crate::kube::Obj;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads and parses the manifests of a scenario's bootstrap section, and checks what needs
/// one: `InstallCompletes` and `VmRunningAtSettingCreate` are about a cluster's install.
pub fn load(
    scn: &mut Scenario,
    file: &str,
    text: &str,
    doc: &Doc,
    opts: LoadOptions,
) -> Result<(), ScenarioError> {
    let fail = |path: &[Seg], message: String| {
        Err(ScenarioError::new(file, Some(doc.near(path)), message))
    };
    let Some(boot) = scn.bootstrap.as_mut() else {
        for (i, inv) in scn.invariants.iter().enumerate() {
            if matches!(inv, InvariantSpec::InstallCompletes { .. }) {
                return fail(
                    &[Seg::Field("invariants"), Seg::Index(i)],
                    "InstallCompletes without a bootstrap section, expected a bootstrap section describing the install".into(),
                );
            }
        }
        for (i, st) in scn.sometimes.iter().enumerate() {
            if *st == SometimesSpec::VmRunningAtSettingCreate {
                return fail(
                    &[Seg::Field("sometimes"), Seg::Index(i)],
                    "VmRunningAtSettingCreate without a bootstrap section, expected a bootstrap section describing the install".into(),
                );
            }
        }
        return Ok(());
    };
    for (i, inv) in scn.invariants.iter().enumerate() {
        if let InvariantSpec::InstallCompletes { within } = inv {
            if within.micros() == 0 {
                return fail(
                    &[
                        Seg::Field("invariants"),
                        Seg::Index(i),
                        Seg::Field("within"),
                    ],
                    "InstallCompletes within 0s, expected a bound above zero".into(),
                );
            }
        }
    }
    if boot.manifests.len() > limits::MAX_MANIFESTS {
        return fail(
            &[
                Seg::Field("bootstrap"),
                Seg::Field("manifests"),
                Seg::Index(limits::MAX_MANIFESTS),
            ],
            format!(
                "{} manifests, over the limit of {}, expected at most {}",
                boot.manifests.len(),
                limits::MAX_MANIFESTS,
                limits::MAX_MANIFESTS
            ),
        );
    }
    let base = Path::new(file).parent().unwrap_or(Path::new(""));
    let mut loaded = Vec::new();
    let mut names: BTreeMap<String, ()> = BTreeMap::new();
    // Every object so far by its store key: the manifest it is in and the object.
    let mut keys: BTreeMap<(crate::kube::Kind, String, String), (String, Obj)> = BTreeMap::new();
    let mut totals = Totals::default();
    for (i, src) in boot.manifests.iter().enumerate() {
        let at = |field: Option<&'static str>| {
            let mut p = vec![
                Seg::Field("bootstrap"),
                Seg::Field("manifests"),
                Seg::Index(i),
            ];
            p.extend(field.map(Seg::Field));
            doc.near(&p)
        };
        let name_at = match src {
            ManifestSource::Inline { .. } => at(Some("name")),
            ManifestSource::File(_) => at(None),
        };
        let name = match src {
            ManifestSource::Inline { name, .. } => name.clone(),
            ManifestSource::File(path) => Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| path.clone()),
        };
        if let Err(m) = manifest::check_file_name(&name) {
            return Err(ScenarioError::new(file, Some(name_at), m));
        }
        if names.insert(name.clone(), ()).is_some() {
            return Err(ScenarioError::new(
                file,
                Some(name_at),
                format!(
                    "duplicate manifest name {}, expected each file once",
                    echo::quoted(&name)
                ),
            ));
        }
        let (text, origin) = match src {
            ManifestSource::Inline { yaml, .. } => {
                let yaml_at = at(Some("yaml"));
                let positions = locate::string_positions(text, yaml_at);
                (
                    yaml.clone(),
                    Origin {
                        file: file.to_string(),
                        place: Place::Inline {
                            positions,
                            fallback: yaml_at,
                        },
                        manifest: name.clone(),
                        strict_fields: opts.strict_fields,
                    },
                )
            }
            ManifestSource::File(path) => {
                let full = source::manifest_path(base, path, opts.allow_outside_manifests)
                    .map_err(|m| ScenarioError::new(file, Some(at(None)), m))?;
                let shown = full.to_string_lossy().to_string();
                let label = format!("the manifest file {}", echo::bare(&shown));
                let body = source::read(&full, &shown, &label, (file, at(None)))?;
                (
                    body,
                    Origin {
                        file: shown,
                        place: Place::File,
                        manifest: name.clone(),
                        strict_fields: opts.strict_fields,
                    },
                )
            }
        };
        let parsed = manifest::parse(&text, &origin)?;
        for (obj, site) in parsed.objects.iter().zip(&parsed.sites) {
            if keys.len() >= limits::MAX_MANIFEST_OBJECTS {
                return Err(ScenarioError::new(
                    &origin.file,
                    Some(*site),
                    format!(
                        "more than {} objects in the manifests, over the limit, expected at most {}",
                        limits::MAX_MANIFEST_OBJECTS,
                        limits::MAX_MANIFEST_OBJECTS
                    ),
                ));
            }
            if let Err(m) = totals.add(obj) {
                return Err(ScenarioError::new(&origin.file, Some(*site), m));
            }
            let key = manifest::store_key(obj);
            if let Some((in_manifest, other)) = keys.get(&key) {
                let message = match (&other.body, &obj.body) {
                    (crate::kube::Body::Opaque(a), crate::kube::Body::Opaque(b))
                        if a.kind != b.kind =>
                    {
                        format!(
                            "{} {} and {} {} share a name, which hvsim cannot keep apart (it stores every kind it does not model as one), expected distinct names",
                            echo::bare(&a.kind),
                            other.meta.key(),
                            echo::bare(&b.kind),
                            obj.meta.key()
                        )
                    }
                    _ => format!(
                        "duplicate {obj} (also in manifest {}), expected each object once",
                        echo::quoted(in_manifest)
                    ),
                };
                return Err(ScenarioError::new(&origin.file, Some(*site), message));
            }
            keys.insert(key, (name.clone(), obj.clone()));
        }
        loaded.push(LoadedManifest {
            name,
            text,
            objects: parsed.objects,
            notes: parsed.notes,
            warnings: parsed.warnings,
        });
    }
    // RKE2 applies the directory's files in path order.
    loaded.sort_by(|a, b| a.name.cmp(&b.name));
    boot.loaded = loaded;
    Ok(())
}

/// The manifests' VMs together, within the scenario-wide limits.
#[derive(Default)]
struct Totals {
    cpu: i64,
    memory: i64,
}

impl Totals {
    fn add(&mut self, obj: &Obj) -> Result<(), String> {
        let crate::kube::Body::VirtualMachine(vm) = &obj.body else {
            return Ok(());
        };
        self.cpu = self.cpu.saturating_add(vm.cpu.value());
        self.memory = self.memory.saturating_add(vm.memory.value());
        if self.cpu > limits::MAX_TOTAL_CPU || self.memory > limits::MAX_TOTAL_MEMORY {
            return Err(format!(
                "the manifests' VMs together have more than {} CPUs or {} of memory, over hvsim's limit, expected less",
                limits::MAX_TOTAL_CPU,
                limits::shown(limits::MAX_TOTAL_MEMORY, true)
            ));
        }
        Ok(())
    }
}
