//! What a page shows, as a screenshot would: written only by the page's component, read by
//! anyone (the checker, tests, reports). A component renders into it; nothing reads a
//! component's private state.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

/// A page's displayed rows. Clones share one display (the component holds one handle, the
/// world another); a run never crosses threads, so `Rc<RefCell<_>>` is enough.
#[derive(Clone, Default)]
pub struct Screen(Rc<RefCell<Shown>>);

#[derive(Default, Hash)]
struct Shown {
    /// `namespace/name` of each listed VM in table order; `None` while the page loads.
    rows: Option<Vec<String>>,
    /// Loads completed: the first page load and every reload.
    loads: u32,
    /// Bumped on every change of what is shown, so a reader can tell when to look again.
    version: u64,
}

impl Screen {
    /// The listed VMs (`namespace/name`), or `None` while the page is not loaded.
    pub fn rows(&self) -> Option<Vec<String>> {
        self.0.borrow().rows.clone()
    }

    /// Loads completed so far (1 after the first page load, +1 per reload).
    pub fn loads(&self) -> u32 {
        self.0.borrow().loads
    }

    /// Changes of what is shown so far.
    pub fn version(&self) -> u64 {
        self.0.borrow().version
    }

    pub fn hash_into<H: Hasher>(&self, h: &mut H) {
        self.0.borrow().hash(h);
    }

    /// Renders `rows`; a first render after a (re)load completes the load. Returns whether
    /// the listed rows changed.
    pub(super) fn show(&self, rows: Vec<String>) -> bool {
        let mut s = self.0.borrow_mut();
        if s.rows.is_none() {
            s.loads += 1;
        } else if s.rows.as_ref() == Some(&rows) {
            return false;
        }
        s.rows = Some(rows);
        s.version += 1;
        true
    }

    /// The page is gone (reloading): nothing is shown until the next render.
    pub(super) fn clear(&self) {
        let mut s = self.0.borrow_mut();
        if s.rows.take().is_some() {
            s.version += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_page_shows_nothing_until_its_first_render() {
        let s = Screen::default();
        assert_eq!((s.rows(), s.loads()), (None, 0));
        assert!(s.show(rows(&["ns/vm1"])));
        assert_eq!((s.rows(), s.loads()), (Some(rows(&["ns/vm1"])), 1));
    }

    #[test]
    fn only_a_change_of_rows_counts_as_a_change() {
        let s = Screen::default();
        s.show(rows(&["ns/vm1"]));
        let v = s.version();
        assert!(!s.show(rows(&["ns/vm1"])));
        assert_eq!(s.version(), v);
        assert!(s.show(rows(&[])));
        assert_eq!(s.version(), v + 1);
    }

    #[test]
    fn a_reload_clears_the_page_and_its_next_render_completes_a_load() {
        let s = Screen::default();
        let reader = s.clone();
        s.show(rows(&["ns/vm1"]));
        s.clear();
        assert_eq!(reader.rows(), None);
        assert!(s.show(rows(&["ns/vm1"])));
        assert_eq!(
            (reader.rows(), reader.loads()),
            (Some(rows(&["ns/vm1"])), 2)
        );
    }
}
