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

use super::locate::{Doc, Seg};
use super::manifest::{self, Origin};
use super::schema::{InvariantSpec, Range, Scenario, SometimesSpec};
use super::ScenarioError;
use crate::engine::SimDuration;
use crate::kube::Obj;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
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
pub fn load(scn: &mut Scenario, file: &str, text: &str) -> Result<(), ScenarioError> {
    let doc = Doc::parse(text);
    let fail = |path: &[Seg], message: String| Err(ScenarioError::new(file, doc.at(path), message));
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
    let base = Path::new(file).parent().unwrap_or(Path::new(""));
    let mut loaded = Vec::new();
    for (i, src) in boot.manifests.iter().enumerate() {
        let at = |field: Option<&'static str>| {
            let mut p = vec![
                Seg::Field("bootstrap"),
                Seg::Field("manifests"),
                Seg::Index(i),
            ];
            p.extend(field.map(Seg::Field));
            doc.at(&p)
        };
        let (name, text, origin) = match src {
            ManifestSource::Inline { name, yaml } => {
                let start = at(Some("yaml")).map(|p| string_content_start(text, p));
                (
                    name.clone(),
                    yaml.clone(),
                    Origin {
                        file: file.to_string(),
                        start,
                        manifest: name.clone(),
                    },
                )
            }
            ManifestSource::File(path) => {
                let full = base.join(path);
                let shown = full.to_string_lossy().to_string();
                let body = std::fs::read_to_string(&full).map_err(|e| {
                    ScenarioError::new(
                        file,
                        at(None),
                        format!("cannot read the manifest file {shown}: {e}"),
                    )
                })?;
                let name = Path::new(path)
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_else(|| path.clone());
                (
                    name.clone(),
                    body,
                    Origin {
                        file: shown,
                        start: Some((1, 1)),
                        manifest: name,
                    },
                )
            }
        };
        let name_at = match src {
            ManifestSource::Inline { .. } => at(Some("name")),
            ManifestSource::File(_) => at(None),
        };
        if let Err(m) = manifest::check_file_name(&name) {
            return Err(ScenarioError::new(file, name_at, m));
        }
        if loaded.iter().any(|m: &LoadedManifest| m.name == name) {
            return Err(ScenarioError::new(
                file,
                name_at,
                format!("duplicate manifest name \"{name}\", expected each file once"),
            ));
        }
        let parsed = manifest::parse(&text, &origin)?;
        for (obj, site) in parsed.objects.iter().zip(&parsed.sites) {
            let key = manifest::store_key(obj);
            let earlier = loaded
                .iter()
                .flat_map(|m: &LoadedManifest| m.objects.iter().map(move |o| (&m.name, o)))
                .chain(parsed.objects.iter().map(|o| (&name, o)))
                .take_while(|(_, o)| !std::ptr::eq(*o, obj))
                .find(|(_, o)| manifest::store_key(o) == key);
            if let Some((in_manifest, other)) = earlier {
                let message = match (&other.body, &obj.body) {
                    (crate::kube::Body::Opaque(a), crate::kube::Body::Opaque(b))
                        if a.kind != b.kind =>
                    {
                        format!(
                            "{} {} and {} {} share a name, which hvsim cannot keep apart (it stores every kind it does not model as one), expected distinct names",
                            a.kind,
                            other.meta.key(),
                            b.kind,
                            obj.meta.key()
                        )
                    }
                    _ => format!(
                        "duplicate {obj} (also in manifest \"{in_manifest}\"), expected each object once"
                    ),
                };
                return Err(ScenarioError::new(&origin.file, *site, message));
            }
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

/// Where the text of the string literal starting at `pos` begins: after `"`, or after
/// `r#"` for a raw string.
fn string_content_start(text: &str, pos: (usize, usize)) -> (usize, usize) {
    let Some(line) = text.lines().nth(pos.0 - 1) else {
        return pos;
    };
    let rest: String = line.chars().skip(pos.1 - 1).collect();
    let prefix = rest
        .char_indices()
        .find(|&(_, c)| c == '"')
        .map(|(i, _)| rest[..=i].chars().count())
        .unwrap_or(0);
    (pos.0, pos.1 + prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raw_string_starts_after_its_opening_quote() {
        let text = "(\n  yaml: r#\"abc\"#,\n)";
        assert_eq!(string_content_start(text, (2, 9)), (2, 12));
        let text = "(\n  yaml: \"abc\",\n)";
        assert_eq!(string_content_start(text, (2, 9)), (2, 10));
    }
}
