//! A name as an ordered map's key: a name of up to 32 bytes is held in the key itself, as
//! four big-endian words, so a B-tree search compares words inside the node it is reading
//! instead of following each key's pointer to its bytes (at 1,000 nodes a namespace holds
//! thousands of pods, and each comparison was a cache miss and a `memcmp` call). Longer
//! names are boxed. The order is the names' byte order, as `String`'s: padding with zero
//! bytes and then comparing lengths orders a name before every name it is a prefix of.
//! Equal names make equal keys of the same variant, so the derived `Hash` agrees with `Eq`
//! (the lookup-only hash maps beside the ordered ones rely on it).

use super::fxhash::FxMap;
use std::cmp::Ordering;

/// The longest name held inline.
const INLINE: usize = 32;

/// A name, ordered as its bytes are.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum NameKey {
    /// Up to `INLINE` bytes, zero-padded, as big-endian words; and the length.
    Inline([u64; 4], u8),
    /// A longer name.
    Boxed(Box<str>),
}

impl NameKey {
    /// The key of a name.
    pub fn new(name: &str) -> NameKey {
        let b = name.as_bytes();
        if b.len() > INLINE {
            return NameKey::Boxed(name.into());
        }
        let mut buf = [0u8; INLINE];
        buf[..b.len()].copy_from_slice(b);
        let mut words = [0u64; 4];
        for (w, chunk) in words.iter_mut().zip(buf.chunks_exact(8)) {
            *w = u64::from_be_bytes(chunk.try_into().expect("8 bytes"));
        }
        NameKey::Inline(words, b.len() as u8)
    }

    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            NameKey::Inline(words, len) => {
                let mut buf = [0u8; INLINE];
                for (chunk, w) in buf.chunks_exact_mut(8).zip(words) {
                    chunk.copy_from_slice(&w.to_be_bytes());
                }
                f(&buf[..*len as usize])
            }
            NameKey::Boxed(s) => f(s.as_bytes()),
        }
    }
}

impl Ord for NameKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (NameKey::Inline(a, la), NameKey::Inline(b, lb)) => a.cmp(b).then(la.cmp(lb)),
            _ => self.with_bytes(|a| other.with_bytes(|b| a.cmp(b))),
        }
    }
}

impl PartialOrd for NameKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A lookup-only map by (namespace, name), as namespace -> name -> value hash maps: a
/// cluster has a few namespaces and thousands of names in one, so the namespace map stays in
/// cache and each name's entry holds one name key, not both. Nothing iterates it, so no
/// order of it reaches anything.
pub struct NsNames<V>(FxMap<NameKey, FxMap<NameKey, V>>);

impl<V> Default for NsNames<V> {
    fn default() -> Self {
        NsNames(FxMap::default())
    }
}

impl<V> NsNames<V> {
    pub fn get(&self, ns: &str, name: &str) -> Option<&V> {
        self.0.get(&NameKey::new(ns))?.get(&NameKey::new(name))
    }

    pub fn get_mut(&mut self, ns: &str, name: &str) -> Option<&mut V> {
        self.0
            .get_mut(&NameKey::new(ns))?
            .get_mut(&NameKey::new(name))
    }

    /// The value of a (namespace, name), a default one made where none.
    pub fn entry(&mut self, ns: &str, name: &str) -> &mut V
    where
        V: Default,
    {
        self.names_mut(ns).entry(NameKey::new(name)).or_default()
    }

    pub fn insert(&mut self, ns: &str, name: &str, v: V) {
        self.names_mut(ns).insert(NameKey::new(name), v);
    }

    fn names_mut(&mut self, ns: &str) -> &mut FxMap<NameKey, V> {
        self.0.entry(NameKey::new(ns)).or_default()
    }

    pub fn remove(&mut self, ns: &str, name: &str) {
        if let Some(names) = self.0.get_mut(&NameKey::new(ns)) {
            names.remove(&NameKey::new(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_as_the_names_bytes_do() {
        let long = "x".repeat(40);
        let names = [
            "",
            "a",
            "a\0",
            "a\0b",
            "ab",
            "abcdefgh",
            "abcdefgh\0",
            "abcdefghi",
            "virt-launcher-vm-1-1-bcdfg",
            "virt-launcher-vm-10-1-bcdfg",
            "x",
            &"x".repeat(32),
            &"x".repeat(33),
            &long,
            "y",
            "\u{e9}",
        ];
        for a in names {
            for b in names {
                assert_eq!(
                    NameKey::new(a).cmp(&NameKey::new(b)),
                    a.cmp(b),
                    "{a:?} vs {b:?}"
                );
                assert_eq!(NameKey::new(a) == NameKey::new(b), a == b);
            }
        }
    }
}
