//! The namespace annotation `field.cattle.io/resourceQuota`
//! (`v3.NamespaceResourceQuota{Limit: ResourceQuotaLimit}`) and Rancher's key mapping
//! (`limitsCpu` -> `limits.cpu`, `limitsMemory` -> `limits.memory`).

use crate::kube::{Quantity, Resource, ResourceList};
use serde::{Deserialize, Serialize};

/// Rancher's namespace annotation holding the namespace's quota limit (JSON).
pub const ANNOTATION_RESOURCE_QUOTA: &str = "field.cattle.io/resourceQuota";
/// The label Rancher puts on the default ResourceQuota it creates in a namespace.
pub const LABEL_DEFAULT_RESOURCE_QUOTA: &str =
    "resourcequota.management.cattle.io/default-resource-quota";

#[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
struct Limit {
    #[serde(
        rename = "limitsCpu",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    limits_cpu: String,
    #[serde(
        rename = "limitsMemory",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    limits_memory: String,
}

#[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
struct NamespaceResourceQuota {
    #[serde(default)]
    limit: Limit,
}

/// The annotation's JSON for a limit (`{"limit":{"limitsCpu":"5000m","limitsMemory":"6000Mi"}}`).
pub fn to_annotation(limit: &ResourceList) -> String {
    let q = NamespaceResourceQuota {
        limit: Limit {
            limits_cpu: limit
                .get(Resource::LimitsCpu)
                .map(|q| Resource::LimitsCpu.fmt_quantity(q))
                .unwrap_or_default(),
            limits_memory: limit
                .get(Resource::LimitsMemory)
                .map(|q| Resource::LimitsMemory.fmt_quantity(q))
                .unwrap_or_default(),
        },
    };
    serde_json::to_string(&q).expect("serializable")
}

/// Why the annotation could not be read: its JSON (`json.Unmarshal` into
/// `v3.NamespaceResourceQuota`), or a quantity inside it (`resource.ParseQuantity`). The
/// readers treat the two differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnnotationError {
    /// The annotation is not a JSON `NamespaceResourceQuota`.
    Json(String),
    /// A quantity in it does not parse.
    Quantity(String),
}

impl std::fmt::Display for AnnotationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnnotationError::Json(e) | AnnotationError::Quantity(e) => f.write_str(e),
        }
    }
}

/// Parses the annotation into a resource list; empty strings mean "not set".
pub fn parse_annotation_checked(s: &str) -> Result<ResourceList, AnnotationError> {
    let q: NamespaceResourceQuota =
        serde_json::from_str(s).map_err(|e| AnnotationError::Json(e.to_string()))?;
    let quantity = |v: &str| Quantity::parse(v).map_err(AnnotationError::Quantity);
    let mut out = ResourceList::new();
    if !q.limit.limits_cpu.is_empty() {
        out.set(Resource::LimitsCpu, quantity(&q.limit.limits_cpu)?);
    }
    if !q.limit.limits_memory.is_empty() {
        out.set(Resource::LimitsMemory, quantity(&q.limit.limits_memory)?);
    }
    Ok(out)
}

/// `parse_annotation_checked` with the error as text.
pub fn parse_annotation(s: &str) -> Result<ResourceList, String> {
    parse_annotation_checked(s).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_round_trips_in_rancher_shape() {
        let l = ResourceList::new()
            .with(Resource::LimitsCpu, Quantity::parse("5000m").unwrap())
            .with(Resource::LimitsMemory, Quantity::parse("6000Mi").unwrap());
        let s = to_annotation(&l);
        assert_eq!(s, r#"{"limit":{"limitsCpu":"5","limitsMemory":"6000Mi"}}"#);
        assert_eq!(parse_annotation(&s), Ok(l));
    }
}
