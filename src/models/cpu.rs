//! Host CPUs: a small catalogue of real server CPU generations, and what a node's CPU can run.
//!
//! Each catalogue entry is a libvirt/QEMU named model with its feature set (QEMU's
//! `target/i386/cpu.c` definitions, reduced to the features that tell the generations apart)
//! plus the features a host of that generation has beyond the named model, which libvirt
//! reports as the host-model's required features (KubeVirt's node labeller turns them into
//! `host-model-required-features.node.kubevirt.io/<f>` labels). A host's full feature set is
//! the model's features plus those extras.
//!
//! Simplifications: the host-model CPU of a host is its own generation's named model (libvirt
//! picks the closest named model, which for these generations is the same); feature names
//! are libvirt's; microcode-dependent flags are left out except `waitpkg`, the feature of
//! the libvirt failure quoted in Harvester #5755.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

pub struct CatalogueEntry {
    pub model: &'static str,
    pub vendor: &'static str,
    /// The generation this one extends (its features are included).
    pub extends: Option<&'static str>,
    /// Features this generation adds to the vendor's common set and its predecessor's.
    pub adds: &'static [&'static str],
    /// Features hosts of this generation report beyond the named model.
    pub host_extra: &'static [&'static str],
}

const INTEL_COMMON: &[&str] = &[
    "sse4.2",
    "avx",
    "avx2",
    "fma",
    "bmi1",
    "bmi2",
    "aes",
    "pclmulqdq",
    "movbe",
    "rdrand",
    "rdseed",
    "adx",
    "smap",
    "smep",
    "xsaveopt",
    "invpcid",
    "pcid",
    "erms",
];

const AMD_COMMON: &[&str] = &[
    "sse4.2",
    "avx",
    "avx2",
    "fma",
    "bmi1",
    "bmi2",
    "aes",
    "pclmulqdq",
    "movbe",
    "rdrand",
    "rdseed",
    "adx",
    "smap",
    "smep",
    "xsaveopt",
    "sha-ni",
    "clzero",
    "xsaveerptr",
    "clflushopt",
];

const INTEL_HOST: &[&str] = &[
    "ss",
    "vmx",
    "pdcm",
    "hypervisor",
    "tsc_adjust",
    "arch-capabilities",
];
const AMD_HOST: &[&str] = &["x2apic", "hypervisor", "tsc_adjust", "topoext", "virt-ssbd"];

/// The built-in catalogue, oldest generation first per vendor.
pub const CATALOGUE: &[CatalogueEntry] = &[
    CatalogueEntry {
        model: "Skylake-Server",
        vendor: "Intel",
        extends: None,
        adds: &[
            "avx512f",
            "avx512dq",
            "avx512cd",
            "avx512bw",
            "avx512vl",
            "clflushopt",
            "clwb",
            "pku",
            "xsavec",
        ],
        host_extra: INTEL_HOST,
    },
    CatalogueEntry {
        model: "Cascadelake-Server",
        vendor: "Intel",
        extends: Some("Skylake-Server"),
        adds: &["avx512vnni", "md-clear"],
        host_extra: INTEL_HOST,
    },
    CatalogueEntry {
        model: "Icelake-Server",
        vendor: "Intel",
        extends: Some("Cascadelake-Server"),
        adds: &[
            "avx512vbmi",
            "avx512vbmi2",
            "gfni",
            "vaes",
            "vpclmulqdq",
            "avx512bitalg",
            "avx512-vpopcntdq",
            "sha-ni",
            "rdpid",
            "wbnoinvd",
        ],
        host_extra: INTEL_HOST,
    },
    CatalogueEntry {
        model: "SapphireRapids",
        vendor: "Intel",
        extends: Some("Icelake-Server"),
        adds: &[
            "amx-tile",
            "amx-int8",
            "amx-bf16",
            "avx512-bf16",
            "avx512-fp16",
            "avx-vnni",
            "serialize",
            "tsxldtrk",
            "movdiri",
            "movdir64b",
        ],
        host_extra: &[
            "ss",
            "vmx",
            "pdcm",
            "hypervisor",
            "tsc_adjust",
            "arch-capabilities",
            "waitpkg",
        ],
    },
    CatalogueEntry {
        model: "EPYC-Rome",
        vendor: "AMD",
        extends: None,
        adds: &[
            "clwb",
            "rdpid",
            "wbnoinvd",
            "umip",
            "perfctr-core",
            "amd-stibp",
            "ibpb",
        ],
        host_extra: AMD_HOST,
    },
    CatalogueEntry {
        model: "EPYC-Milan",
        vendor: "AMD",
        extends: Some("EPYC-Rome"),
        adds: &[
            "pku",
            "vaes",
            "vpclmulqdq",
            "erms",
            "fsrm",
            "invpcid",
            "pcid",
            "ibrs",
            "amd-ssbd",
        ],
        host_extra: AMD_HOST,
    },
    CatalogueEntry {
        model: "EPYC-Genoa",
        vendor: "AMD",
        extends: Some("EPYC-Milan"),
        adds: &[
            "avx512f",
            "avx512dq",
            "avx512cd",
            "avx512bw",
            "avx512vl",
            "avx512vbmi",
            "avx512vbmi2",
            "gfni",
            "avx512vnni",
            "avx512bitalg",
            "avx512-vpopcntdq",
            "avx512-bf16",
            "la57",
            "auto-ibrs",
        ],
        host_extra: AMD_HOST,
    },
];

/// The CPU model nodes get when a scenario names none.
pub const DEFAULT_MODEL: &str = "Icelake-Server";

pub fn catalogue_names() -> Vec<&'static str> {
    CATALOGUE.iter().map(|e| e.model).collect()
}

pub fn entry(model: &str) -> Option<&'static CatalogueEntry> {
    CATALOGUE.iter().find(|e| e.model == model)
}

fn common(vendor: &str) -> &'static [&'static str] {
    if vendor == "AMD" {
        AMD_COMMON
    } else {
        INTEL_COMMON
    }
}

/// Every catalogue model's feature set, computed once.
fn all_model_features() -> &'static [BTreeSet<String>] {
    static SETS: OnceLock<Vec<BTreeSet<String>>> = OnceLock::new();
    SETS.get_or_init(|| {
        CATALOGUE
            .iter()
            .map(|e| {
                let mut set: BTreeSet<String> =
                    common(e.vendor).iter().map(|f| f.to_string()).collect();
                let mut gen = Some(e);
                while let Some(g) = gen {
                    set.extend(g.adds.iter().map(|f| f.to_string()));
                    gen = g.extends.and_then(entry);
                }
                set
            })
            .collect()
    })
}

/// The full feature set of a named catalogue model (without host extras).
pub fn model_features(model: &str) -> Option<&'static BTreeSet<String>> {
    let i = CATALOGUE.iter().position(|e| e.model == model)?;
    Some(&all_model_features()[i])
}

/// Each node's CPU by node name: a catalogue model's borrowed from the catalogue (a copy
/// is hundreds of feature strings), an explicit one owned.
pub type HostCpus = BTreeMap<String, Cow<'static, HostCpu>>;

/// The host of each catalogue model, computed once.
pub fn catalogue_host(model: &str) -> Option<&'static HostCpu> {
    static HOSTS: OnceLock<Vec<HostCpu>> = OnceLock::new();
    let hosts = HOSTS.get_or_init(|| {
        CATALOGUE
            .iter()
            .map(|e| {
                let required: BTreeSet<String> =
                    e.host_extra.iter().map(|f| f.to_string()).collect();
                HostCpu {
                    vendor: e.vendor.into(),
                    host_model: e.model.into(),
                    features: model_features(e.model)
                        .expect("a catalogue model")
                        .union(&required)
                        .cloned()
                        .collect(),
                    required,
                }
            })
            .collect()
    });
    let i = CATALOGUE.iter().position(|e| e.model == model)?;
    Some(&hosts[i])
}

/// One node's CPU as its virt-handler's node labeller sees it.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct HostCpu {
    pub vendor: String,
    /// The host-model CPU name (`host-model-cpu.node.kubevirt.io/<name>`).
    pub host_model: String,
    /// Every feature the host has.
    pub features: BTreeSet<String>,
    /// Features beyond the host model (`host-model-required-features...`).
    pub required: BTreeSet<String>,
}

impl HostCpu {
    /// A catalogue host.
    pub fn of(model: &str) -> Option<HostCpu> {
        catalogue_host(model).cloned()
    }

    /// A host given by its feature list. If `model` is a catalogue model, the features the
    /// host has beyond it are its host-model required features; otherwise there are none.
    pub fn explicit(vendor: &str, model: &str, features: &[String]) -> HostCpu {
        let features: BTreeSet<String> = features.iter().cloned().collect();
        let required = match model_features(model) {
            Some(base) => features.difference(base).cloned().collect(),
            None => BTreeSet::new(),
        };
        HostCpu {
            vendor: vendor.into(),
            host_model: model.into(),
            features,
            required,
        }
    }

    /// Whether this host can run the named model (all its features present, same vendor).
    pub fn supports_model(&self, model: &str) -> bool {
        if model == self.host_model {
            return true;
        }
        match (entry(model), model_features(model)) {
            (Some(e), Some(f)) => e.vendor == self.vendor && f.is_subset(&self.features),
            _ => false,
        }
    }

    /// The named models this host supports, its own first then catalogue order.
    pub fn supported_models(&self) -> Vec<String> {
        let mut out = vec![self.host_model.clone()];
        for e in CATALOGUE {
            if e.model != self.host_model && self.supports_model(e.model) {
                out.push(e.model.to_string());
            }
        }
        out
    }

    /// The features of `other` this host lacks, in name order.
    pub fn missing(&self, other: &BTreeSet<String>) -> Vec<String> {
        other.difference(&self.features).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_intel_generations_support_the_older_models_and_not_the_reverse() {
        let spr = HostCpu::of("SapphireRapids").unwrap();
        let clx = HostCpu::of("Cascadelake-Server").unwrap();
        assert!(spr.supports_model("Cascadelake-Server"));
        assert!(spr.supports_model("Skylake-Server"));
        assert!(!clx.supports_model("SapphireRapids"));
        assert!(!clx.supports_model("EPYC-Rome"));
        assert_eq!(
            clx.supported_models(),
            vec!["Cascadelake-Server", "Skylake-Server"]
        );
    }

    #[test]
    fn a_sapphire_rapids_host_has_waitpkg_that_an_icelake_host_lacks() {
        let spr = HostCpu::of("SapphireRapids").unwrap();
        let icx = HostCpu::of("Icelake-Server").unwrap();
        assert!(icx.missing(&spr.features).contains(&"waitpkg".to_string()));
        assert!(spr.missing(&icx.features).is_empty());
    }

    #[test]
    fn explicit_features_beyond_a_catalogue_model_are_required_features() {
        let mut f: Vec<String> = model_features("Skylake-Server")
            .unwrap()
            .iter()
            .cloned()
            .collect();
        f.push("avx512vnni".into());
        let h = HostCpu::explicit("Intel", "Skylake-Server", &f);
        assert_eq!(h.required.iter().collect::<Vec<_>>(), vec!["avx512vnni"]);
    }
}
