//! A `(low, high)` range of durations, written `("1s", "5s")`: each answer drawn within it.

use crate::engine::SimDuration;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// A `(low, high)` range each answer is drawn from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range(pub SimDuration, pub SimDuration);

impl<'de> Deserialize<'de> for Range {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (lo, hi) = <(SimDuration, SimDuration)>::deserialize(d)?;
        if hi < lo {
            return Err(de::Error::custom(format!(
                "expected a range (low, high) with low <= high, not (\"{lo}\", \"{hi}\")"
            )));
        }
        Ok(Range(lo, hi))
    }
}

impl Serialize for Range {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.0, self.1).serialize(s)
    }
}

impl Range {
    pub(crate) fn tuple(self) -> (SimDuration, SimDuration) {
        (self.0, self.1)
    }
}
