//! `corev1.ResourceList` restricted to the resources the modelled quotas use, as a
//! fixed array: copying one costs nothing and iteration order is the sorted name order.

use super::quantity::Quantity;
use std::fmt;

/// A resource a `ResourceList` can hold.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Resource {
    /// `limits.cpu`.
    LimitsCpu,
    /// `limits.memory`.
    LimitsMemory,
    /// `requests.cpu`.
    RequestsCpu,
    /// `requests.memory`.
    RequestsMemory,
}

impl Resource {
    /// Every resource, in name order.
    pub const ALL: [Resource; 4] = [
        Resource::LimitsCpu,
        Resource::LimitsMemory,
        Resource::RequestsCpu,
        Resource::RequestsMemory,
    ];

    /// The resource's name (`limits.cpu`).
    pub fn name(self) -> &'static str {
        match self {
            Resource::LimitsCpu => "limits.cpu",
            Resource::LimitsMemory => "limits.memory",
            Resource::RequestsCpu => "requests.cpu",
            Resource::RequestsMemory => "requests.memory",
        }
    }

    pub(crate) fn from_name(s: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.name() == s)
    }

    pub(crate) fn is_memory(self) -> bool {
        matches!(self, Resource::LimitsMemory | Resource::RequestsMemory)
    }

    pub(crate) fn fmt_quantity(self, q: Quantity) -> String {
        if self.is_memory() {
            q.fmt_binary()
        } else {
            q.fmt_decimal()
        }
    }
}

/// A `corev1.ResourceList` of the four resources: a quantity or nothing for each.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug, Hash)]
pub struct ResourceList {
    v: [Option<Quantity>; 4],
}

impl ResourceList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// The list with `r` set to `q`.
    pub fn with(mut self, r: Resource, q: Quantity) -> Self {
        self.set(r, q);
        self
    }

    /// The quantity of `r`, if present.
    pub fn get(&self, r: Resource) -> Option<Quantity> {
        self.v[r as usize]
    }

    /// Whether `r` is present.
    pub fn has(&self, r: Resource) -> bool {
        self.v[r as usize].is_some()
    }

    /// Sets `r` to `q`.
    pub fn set(&mut self, r: Resource, q: Quantity) {
        self.v[r as usize] = Some(q);
    }

    /// Removes `r`.
    pub fn remove(&mut self, r: Resource) {
        self.v[r as usize] = None;
    }

    /// Whether no resource is present.
    pub fn is_empty(&self) -> bool {
        self.v.iter().all(Option::is_none)
    }

    /// The resources present with their quantities, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (Resource, Quantity)> + '_ {
        Resource::ALL
            .into_iter()
            .filter_map(|r| self.get(r).map(|q| (r, q)))
    }

    /// Sum per resource; a resource missing on one side counts as that side's value.
    pub fn add(&self, o: &ResourceList) -> ResourceList {
        let mut out = *self;
        for (r, q) in o.iter() {
            out.set(r, out.get(r).unwrap_or_default() + q);
        }
        out
    }

    /// Keeps only the resources `mask` names (quota admission's `Mask`).
    pub fn masked(&self, mask: &ResourceList) -> ResourceList {
        let mut out = ResourceList::new();
        for (r, _) in mask.iter() {
            if let Some(q) = self.get(r) {
                out.set(r, q);
            }
        }
        out
    }

    /// `quota.LessThanOrEqual(a, b)`: every resource of `a` present in `b` is `<=`.
    pub fn fits_within(&self, limit: &ResourceList) -> bool {
        self.iter()
            .all(|(r, q)| limit.get(r).is_none_or(|l| q <= l))
    }

    /// `prettyPrint`: sorted, comma-joined `name=value`, no spaces.
    pub fn pretty(&self) -> String {
        let mut s = String::new();
        for (i, (r, q)) in self.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(r.name());
            s.push('=');
            s.push_str(&r.fmt_quantity(q));
        }
        s
    }

    /// The JSON Harvester stores in its migration annotations: `{"limits.cpu":"2",...}`.
    pub fn to_json(&self) -> String {
        let mut s = String::from("{");
        for (i, (r, q)) in self.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&format!("\"{}\":\"{}\"", r.name(), r.fmt_quantity(q)));
        }
        s.push('}');
        s
    }

    /// Reads the JSON `to_json` writes (Harvester's migration annotations).
    pub fn from_json(s: &str) -> Result<ResourceList, String> {
        let map: std::collections::BTreeMap<String, String> =
            serde_json::from_str(s).map_err(|e| format!("invalid resource list JSON: {e}"))?;
        let mut out = ResourceList::new();
        for (k, v) in map {
            let r = Resource::from_name(&k).ok_or_else(|| format!("unknown resource {k}"))?;
            out.set(r, Quantity::parse(&v)?);
        }
        Ok(out)
    }
}

impl fmt::Display for ResourceList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pretty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rl(cpu: &str, mem: &str) -> ResourceList {
        ResourceList::new()
            .with(Resource::LimitsCpu, Quantity::parse(cpu).unwrap())
            .with(Resource::LimitsMemory, Quantity::parse(mem).unwrap())
    }

    #[test]
    fn pretty_prints_sorted_without_spaces() {
        assert_eq!(
            rl("4015m", "8940039936").pretty(),
            "limits.cpu=4015m,limits.memory=8940039936"
        );
    }

    #[test]
    fn json_round_trips() {
        let a = rl("2", "4531245057");
        assert_eq!(
            a.to_json(),
            r#"{"limits.cpu":"2","limits.memory":"4531245057"}"#
        );
        assert_eq!(ResourceList::from_json(&a.to_json()), Ok(a));
    }

    #[test]
    fn fits_within_ignores_resources_the_limit_lacks() {
        let used = rl("3", "1Gi").with(Resource::RequestsCpu, Quantity::from_units(100));
        assert!(used.fits_within(&rl("3", "1Gi")));
        assert!(!used.fits_within(&rl("2999m", "1Gi")));
    }
}
