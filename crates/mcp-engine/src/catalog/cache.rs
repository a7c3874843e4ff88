//! What a rebuild may reuse from the previous one: each tool file's compiled form, kept while
//! its text and its toolset's settings are unchanged. With 10,000 tools, recompiling every
//! schema and template on each save would take most of a second; one changed file costs
//! about a millisecond this way.

use std::collections::HashMap;
use std::sync::Arc;

use super::tool::ToolEntry;
use crate::definition::toolset::ToolsetFile;
use crate::diagnostic::Diagnostic;
use crate::request::Templates;

#[derive(Default)]
pub(crate) struct BuildCache {
    pub(super) templates: Templates,
    pub(super) tools: HashMap<String, CompiledFile>,
}

/// The outcome of compiling one tool file, and what it was compiled from.
pub(super) struct CompiledFile {
    pub text: Arc<str>,
    pub toolset: Option<ToolsetFile>,
    /// The tool's name when the file parsed.
    pub name: Option<String>,
    pub entry: Option<Arc<ToolEntry>>,
    pub diagnostics: Vec<Diagnostic>,
    /// The marks of `Templates` around this file's templates.
    pub templates: (usize, usize),
    /// Still present in the build under way; files not seen are dropped at its end.
    pub seen: bool,
}

impl BuildCache {
    /// The compiled form of `path` if it was compiled from this text and toolset.
    pub(super) fn reusable(
        &mut self,
        path: &str,
        text: &Arc<str>,
        toolset: Option<&ToolsetFile>,
    ) -> bool {
        match self.tools.get_mut(path) {
            Some(c)
                if (Arc::ptr_eq(&c.text, text) || *c.text == **text)
                    && c.toolset.as_ref() == toolset =>
            {
                c.seen = true;
                true
            }
            _ => false,
        }
    }

    /// Whether `path` was compiled from this very text (under whatever toolset).
    pub(super) fn has_text(&self, path: &str, text: &Arc<str>) -> bool {
        self.tools
            .get(path)
            .is_some_and(|c| Arc::ptr_eq(&c.text, text) || *c.text == **text)
    }

    pub(super) fn store(&mut self, path: &str, compiled: CompiledFile) {
        if let Some(old) = self.tools.insert(path.to_owned(), compiled) {
            self.templates
                .remove_between(old.templates.0, old.templates.1);
        }
    }

    /// Starts a build: nothing is seen yet.
    pub(super) fn begin(&mut self) {
        self.tools.values_mut().for_each(|c| c.seen = false);
    }

    /// Ends a build: forgets the files it did not have.
    pub(super) fn finish(&mut self) {
        let templates = &mut self.templates;
        self.tools.retain(|_, c| {
            if !c.seen {
                templates.remove_between(c.templates.0, c.templates.1);
            }
            c.seen
        });
    }
}
