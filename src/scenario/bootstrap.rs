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
//! Manifests are parsed when the scenario loads (`bootstrap_load.rs`, with `manifest.rs`): a
//! YAML or object error is an input error naming the manifest's file, line and column.

use super::range::Range;
use crate::engine::SimDuration;
use crate::kube::Obj;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

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
    /// Unknown fields (`field_validation`), printed by the CLI as it loads the scenario.
    pub warnings: Vec<super::ScenarioError>,
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
