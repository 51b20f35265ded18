//! The `bootstrap:` section of a scenario: a cluster's first minutes. RKE2 starts and its
//! deploy controller applies the auto-deploy manifests a user wrote into the Harvester config
//! (`os.write_files` to `/var/lib/rancher/rke2/server/manifests`), KubeVirt becomes ready,
//! volumes bind or their images download, and the harvester pod starts and registers its
//! settings. Each milestone's time is drawn from a range given here.
//!
//! ```ron
//! bootstrap: (
//!     manifests: [
//!         Inline(name: "vms.yaml", yaml: r#"
//! apiVersion: kubevirt.io/v1
//! kind: VirtualMachine
//! ...
//! "#),
//!         File("manifests/extra.yaml"),   // relative to the scenario file
//!     ],
//!     kubevirt_ready: ("40s", "90s"),
//! ),
//! ```
//!
//! Manifests are parsed when the scenario loads (see `manifest.rs`): a YAML or object error
//! is an input error naming the manifest's file, line and column.

use super::echo;
use super::limits;
use super::locate::{self, Doc, Seg};
use super::manifest::{self, Origin, Place};
use super::schema::{InvariantSpec, Range, Scenario, SometimesSpec};
use super::{source, LoadOptions, ScenarioError};
use crate::engine::SimDuration;
use crate::kube::Obj;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Bootstrap {
    /// The auto-deploy manifest files, applied in name order as RKE2 does.
    #[serde(default)]
    pub manifests: Vec<ManifestSource>,
    /// When KubeVirt is ready, from RKE2's start: virt-operator has installed the KubeVirt
    /// CRDs (until then a `VirtualMachine` cannot be applied), virt-controller and the
    /// virt-handlers run.
    #[serde(default = "default_kubevirt_ready")]
    pub kubevirt_ready: Range,
    /// When the harvester container first starts, from RKE2's start.
    #[serde(default = "default_harvester_start")]
    pub harvester_start: Range,
    /// Start of a container once its crash-loop back-off has passed.
    #[serde(default = "default_container_start")]
    pub container_start: Range,
    /// Binding of a claim whose volume needs no download (zero: the volume exists).
    #[serde(default = "default_pvc_bind")]
    pub pvc_bind: Range,
    /// Download of the Harvester image a claim's volume is made from.
    #[serde(default = "default_image_download")]
    pub image_download: Range,
    /// The manifests as parsed at load time (not written in the file).
    #[serde(skip)]
    pub loaded: Vec<LoadedManifest>,
}

fn s(secs: u64) -> SimDuration {
    SimDuration::from_secs(secs)
}

fn default_kubevirt_ready() -> Range {
    Range(s(40), s(90))
}

fn default_harvester_start() -> Range {
    Range(s(120), s(180))
}

fn default_container_start() -> Range {
    Range(s(1), s(3))
}

fn default_pvc_bind() -> Range {
    Range(SimDuration::ZERO, SimDuration::ZERO)
}

fn default_image_download() -> Range {
    Range(s(120), s(600))
}

/// Where a manifest's text comes from.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum ManifestSource {
    /// YAML written in the scenario (a raw string `r#"..."#` keeps its lines as they are).
    Inline { name: String, yaml: String },
    /// A YAML file, its path relative to the scenario file.
    File(String),
}

/// One manifest file as loaded: its file name in the manifests directory, its text, and the
/// objects it holds in file order.
#[derive(Debug, Clone)]
pub struct LoadedManifest {
    pub name: String,
    pub text: String,
    pub objects: Vec<Obj>,
    /// Kinds hvsim does not model, reported when the run starts.
    pub notes: Vec<String>,
}

/// Written back with every manifest inline, so a written scenario (a repro file) carries its
/// manifests wherever it is put.
impl Serialize for Bootstrap {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let manifests: Vec<ManifestSource> = if self.loaded.len() == self.manifests.len() {
            self.loaded
                .iter()
                .map(|m| ManifestSource::Inline {
                    name: m.name.clone(),
                    yaml: m.text.clone(),
                })
                .collect()
        } else {
            self.manifests.clone()
        };
        let mut st = ser.serialize_struct("Bootstrap", 6)?;
        st.serialize_field("manifests", &manifests)?;
        st.serialize_field("kubevirt_ready", &self.kubevirt_ready)?;
        st.serialize_field("harvester_start", &self.harvester_start)?;
        st.serialize_field("container_start", &self.container_start)?;
        st.serialize_field("pvc_bind", &self.pvc_bind)?;
        st.serialize_field("image_download", &self.image_download)?;
        st.end()
    }
}

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
