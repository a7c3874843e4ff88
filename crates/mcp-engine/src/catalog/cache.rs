//! What a rebuild may reuse from the previous one: each tool file's compiled form, kept while
//! its text (known by its digest) and its toolset's settings are unchanged. With 10,000
//! tools, recompiling every schema and template on each save would take most of a second;
//! one changed file costs about a millisecond this way.
//!
//! Hot reload lets go of the texts of tool files once they are compiled (they were a fifth
//! of a large catalogue's memory): the compiled form, found by the text's digest, stands for
//! the text from then on. So that a file which breaks can fall back on its last good
//! version, a second compiled form of each file is kept while the reloader asks for it.

use std::collections::HashMap;
use std::sync::Arc;

use super::tool::ToolEntry;
use crate::definition::toolset::ToolsetFile;
use crate::diagnostic::Diagnostic;
use crate::request::Templates;
use crate::source::Digest;

#[derive(Default)]
pub(crate) struct BuildCache {
    pub(super) templates: Templates,
    /// Keyed by the path the tool file's entry and hot reload share.
    pub(super) tools: HashMap<Arc<str>, Box<Slot>>,
}

impl BuildCache {
    /// A cache that is replaced before anything is built with it: see
    /// [`Templates::inert`].
    pub(crate) fn inert() -> Self {
        Self {
            templates: Templates::inert(),
            tools: HashMap::new(),
        }
    }
}

/// The compiled forms of one tool file: the one the last build used, and another version
/// the reloader may fall back on.
pub(super) struct Slot {
    latest: CompiledFile,
    /// Boxed: most files have none, and a slot is kept for every tool file.
    other: Option<Box<CompiledFile>>,
    /// Present in the build under way; files not seen are dropped at its end.
    seen: bool,
}

/// The outcome of compiling one tool file, and what it was compiled from.
pub(crate) struct CompiledFile {
    pub digest: Digest,
    /// Shared by the toolset's files.
    pub toolset: Option<Arc<ToolsetFile>>,
    /// The tool's name when the file parsed but did not compile; an entry holds its own
    /// (one copy fewer of every name, docs/performance.md).
    pub name: Option<String>,
    pub entry: Option<Arc<ToolEntry>>,
    pub diagnostics: Vec<Diagnostic>,
    /// The marks of `Templates` around this file's templates.
    pub templates: (usize, usize),
}

impl BuildCache {
    /// Makes the compiled form of `path` from this digest the latest, and says whether there
    /// is one, compiled under this toolset (`None`: under any).
    pub(super) fn reusable(
        &mut self,
        path: &str,
        digest: Digest,
        toolset: Option<Option<&ToolsetFile>>,
    ) -> bool {
        let Some(slot) = self.tools.get_mut(path) else {
            return false;
        };
        let fits = |c: &CompiledFile| {
            c.digest == digest && toolset.is_none_or(|t| c.toolset.as_deref() == t)
        };
        if !fits(&slot.latest) {
            match slot.other.as_mut() {
                Some(other) if fits(other) => std::mem::swap(&mut slot.latest, &mut **other),
                _ => return false,
            }
        }
        slot.seen = true;
        true
    }

    /// Whether `path` was compiled from this digest (under whatever toolset).
    pub(super) fn has_digest(&self, path: &str, digest: Digest) -> bool {
        self.tools.get(path).is_some_and(|slot| {
            slot.latest.digest == digest || slot.other.as_ref().is_some_and(|o| o.digest == digest)
        })
    }

    /// Whether the cache knows `path` at all: only then is its text's digest worth taking.
    pub(super) fn knows(&self, path: &str) -> bool {
        self.tools.contains_key(path)
    }

    /// The compiled form of `path` the build under way uses.
    pub(crate) fn latest(&self, path: &str) -> Option<&CompiledFile> {
        self.tools.get(path).map(|slot| &slot.latest)
    }

    /// The tool name a compiled version of `path` declared.
    pub(super) fn name_of(&self, path: &str, digest: Digest) -> Option<&str> {
        let slot = self.tools.get(path)?;
        [Some(&slot.latest), slot.other.as_deref()]
            .into_iter()
            .flatten()
            .find(|c| c.digest == digest)
            .and_then(|c| {
                c.entry
                    .as_deref()
                    .map(ToolEntry::name)
                    .or(c.name.as_deref())
            })
    }

    /// Stores what `path` compiled to; the form it replaces becomes the other version.
    pub(super) fn store(&mut self, path: &Arc<str>, compiled: CompiledFile) {
        match self.tools.get_mut(path) {
            Some(slot) => {
                let old = std::mem::replace(&mut slot.latest, compiled);
                if let Some(dropped) = slot.other.replace(Box::new(old)) {
                    self.templates
                        .remove_between(dropped.templates.0, dropped.templates.1);
                }
                slot.seen = true;
            }
            None => {
                self.tools.insert(
                    path.clone(),
                    Box::new(Slot {
                        latest: compiled,
                        other: None,
                        seen: true,
                    }),
                );
            }
        }
    }

    /// Keeps the other version of a file only where it is the one `wanted` names (the last
    /// good version the reloader may fall back on).
    pub(crate) fn keep_others(&mut self, wanted: impl Fn(&str) -> Option<Digest>) {
        for (path, slot) in &mut self.tools {
            let keep = slot
                .other
                .as_ref()
                .is_some_and(|o| wanted(path) == Some(o.digest) && o.digest != slot.latest.digest);
            if !keep && let Some(dropped) = slot.other.take() {
                self.templates
                    .remove_between(dropped.templates.0, dropped.templates.1);
            }
        }
    }

    /// How many files have a second version kept.
    #[cfg(test)]
    pub(crate) fn others_kept(&self) -> usize {
        self.tools
            .values()
            .filter(|slot| slot.other.is_some())
            .count()
    }

    /// Starts a build: nothing is seen yet.
    pub(super) fn begin(&mut self) {
        self.tools.values_mut().for_each(|slot| slot.seen = false);
    }

    /// Ends a build: forgets the files it did not have.
    pub(super) fn finish(&mut self) {
        let templates = &mut self.templates;
        self.tools.retain(|_, slot| {
            if !slot.seen {
                for c in std::iter::once(&slot.latest).chain(slot.other.as_deref()) {
                    templates.remove_between(c.templates.0, c.templates.1);
                }
            }
            slot.seen
        });
    }
}
