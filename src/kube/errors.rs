//! API errors with the texts the real API server returns.

use super::object::Kind;
use super::resources::ResourceList;
use super::validation;
use std::fmt;

/// What quota admission refused: the resources that exceeded, masked as the plugin masks them.
#[derive(Clone, PartialEq, Debug)]
pub struct QuotaDenial {
    /// The pod refused.
    pub pod: String,
    /// The quota exceeded (`name`).
    pub quota: String,
    /// What the pod asks for, of the exceeded resources.
    pub requested: ResourceList,
    /// The quota's `status.used` of them.
    pub used: ResourceList,
    /// The quota's `status.hard` of them.
    pub limited: ResourceList,
}

/// A refused request, with the status code and text the real API server returns.
#[derive(Clone, PartialEq, Debug)]
pub enum ApiError {
    /// 409: update with a stale resourceVersion (`apierrors.NewConflict` + `OptimisticLockErrorMsg`).
    Conflict {
        /// The object's kind.
        kind: Kind,
        /// The object's name.
        name: String,
    },
    /// 422: validation failed (`apierrors.NewInvalid`).
    Invalid {
        /// The object's kind.
        kind: Kind,
        /// The object's name.
        name: String,
        /// The field errors (`metadata.name: Invalid value: ...`), aggregated in the text.
        errors: Vec<String>,
    },
    /// 403: quota admission (`admission/plugin/resourcequota/controller.go` `CheckRequest`).
    QuotaExceeded(Box<QuotaDenial>),
    /// A validating webhook denied the request.
    WebhookDenied {
        /// The webhook's name.
        webhook: &'static str,
        /// The webhook's denial message.
        message: String,
    },
    /// 404
    NotFound {
        /// The kind asked for.
        kind: Kind,
        /// The name asked for.
        name: String,
    },
    /// 409 on create
    AlreadyExists {
        /// The object's kind.
        kind: Kind,
        /// The name already taken.
        name: String,
    },
    /// The process crashed (a crash point fired, `kube/fault.rs`): the request was never
    /// sent, so it has no HTTP status.
    ProcessDown,
}

impl ApiError {
    /// The HTTP status code (409, 422, 403, 400 or 404).
    pub fn code(&self) -> u16 {
        match self {
            ApiError::Conflict { .. } | ApiError::AlreadyExists { .. } => 409,
            ApiError::Invalid { .. } => 422,
            ApiError::QuotaExceeded(_) => 403,
            ApiError::WebhookDenied { .. } => 400,
            ApiError::NotFound { .. } => 404,
            ApiError::ProcessDown => 0,
        }
    }

    /// Whether it is a 409 conflict from a stale resourceVersion (`apierrors.IsConflict`).
    pub fn is_conflict(&self) -> bool {
        matches!(self, ApiError::Conflict { .. })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Conflict { kind, name } => write!(
                f,
                "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                kind.plural(),
                name
            ),
            ApiError::Invalid { kind, name, errors } => {
                write!(f, "{} \"{}\" is invalid: {}", kind.name(), name, validation::aggregate(errors))
            }
            ApiError::QuotaExceeded(d) => write!(
                f,
                "pods \"{}\" is forbidden: exceeded quota: {}, requested: {}, used: {}, limited: {}",
                d.pod,
                d.quota,
                d.requested.pretty(),
                d.used.pretty(),
                d.limited.pretty()
            ),
            ApiError::WebhookDenied { webhook, message } => {
                write!(f, "admission webhook \"{webhook}\" denied the request: {message}")
            }
            ApiError::NotFound { kind, name } => write!(f, "{} \"{}\" not found", kind.plural(), name),
            ApiError::AlreadyExists { kind, name } => write!(f, "{} \"{}\" already exists", kind.plural(), name),
            ApiError::ProcessDown => f.write_str("the process crashed: request not sent"),
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::quantity::Quantity;
    use crate::kube::resources::Resource;

    #[test]
    fn conflict_text_is_the_real_one() {
        let e = ApiError::Conflict {
            kind: Kind::ResourceQuota,
            name: "default-4tmmk".into(),
        };
        assert_eq!(
            e.to_string(),
            "Operation cannot be fulfilled on resourcequotas \"default-4tmmk\": the object has been modified; please apply your changes to the latest version and try again"
        );
        assert_eq!(e.code(), 409);
    }

    #[test]
    fn quota_text_is_the_real_one() {
        let rl = |c: &str, m: i64| {
            ResourceList::new()
                .with(Resource::LimitsCpu, Quantity::parse(c).unwrap())
                .with(Resource::LimitsMemory, Quantity::from_units(m))
        };
        let e = ApiError::QuotaExceeded(Box::new(QuotaDenial {
            pod: "virt-launcher-vm1-abcde".into(),
            quota: "default-4tmmk".into(),
            requested: rl("4015m", 8940039936),
            used: rl("3", 6 << 30),
            limited: rl("5", 6000 << 20),
        }));
        assert_eq!(
            e.to_string(),
            "pods \"virt-launcher-vm1-abcde\" is forbidden: exceeded quota: default-4tmmk, requested: limits.cpu=4015m,limits.memory=8940039936, used: limits.cpu=3,limits.memory=6Gi, limited: limits.cpu=5,limits.memory=6000Mi"
        );
        assert_eq!(e.code(), 403);
    }
}
