//! The tools of a build and the served ones, found by name without a second copy of each
//! name: a map keyed by `String` held one beside the one in the tool's definition (with
//! 100,000 tools, about 5 MB; docs/performance.md).

use std::borrow::Borrow;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::tool::ToolEntry;

#[derive(Debug, Default)]
pub(crate) struct ToolsByName(HashSet<ByName>);

/// A tool, hashed, compared and ordered by its name.
#[derive(Debug)]
struct ByName(Arc<ToolEntry>);

impl Borrow<str> for ByName {
    fn borrow(&self) -> &str {
        self.0.name()
    }
}

// As `str` hashes, compares and orders, which `Borrow<str>` requires.
impl Hash for ByName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.name().hash(state);
    }
}

impl PartialEq for ByName {
    fn eq(&self, other: &Self) -> bool {
        self.0.name() == other.0.name()
    }
}

impl Eq for ByName {}

impl Ord for ByName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.name().cmp(other.0.name())
    }
}

impl PartialOrd for ByName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl ToolsByName {
    /// Adds `entry`; a tool of the same name already there stays, and `false` says so.
    pub(crate) fn insert(&mut self, entry: Arc<ToolEntry>) -> bool {
        self.0.insert(ByName(entry))
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Arc<ToolEntry>> {
        self.0.get(name).map(|t| &t.0)
    }

    pub(crate) fn contains_key(&self, name: &str) -> bool {
        self.0.contains(name)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// In no particular order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|t| t.0.name())
    }

    /// In no particular order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Arc<ToolEntry>> {
        self.0.iter().map(|t| &t.0)
    }
}

impl std::ops::Index<&str> for ToolsByName {
    type Output = Arc<ToolEntry>;

    /// Panics when there is no such tool: for names known to be served.
    fn index(&self, name: &str) -> &Arc<ToolEntry> {
        match self.get(name) {
            Some(entry) => entry,
            None => panic!("no tool `{name}` is served"),
        }
    }
}

/// Every tool of a build, in name order, found by name without a second copy of each name
/// (a map keyed by `String` was 8 MB more at the end of a 100,000-tool load, its peak).
#[derive(Debug, Default)]
pub(crate) struct ToolsInOrder(std::collections::BTreeSet<ByName>);

impl ToolsInOrder {
    /// Adds `entry`; a tool of the same name already there stays, and `false` says so.
    pub(crate) fn insert(&mut self, entry: Arc<ToolEntry>) -> bool {
        self.0.insert(ByName(entry))
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Arc<ToolEntry>> {
        self.0.get(name).map(|t| &t.0)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// In name order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|t| t.0.name())
    }

    /// In name order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Arc<ToolEntry>> {
        self.0.iter().map(|t| &t.0)
    }
}
