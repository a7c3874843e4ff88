//! The catalog: one immutable snapshot of everything served (tools, resources, prompts and
//! the upstream), built from the content files in one pass. A reload builds a new one.

mod cache;
mod load;
pub mod prompt;
mod schema_lint;
pub mod secret_fields;
pub mod selection;
pub mod tool;
pub mod upstream;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rmcp::model::{Resource, Tool};

pub use cache::BuildCache;
pub use load::{build, build_with};
pub use prompt::{PromptEntry, PromptTemplates};
pub use selection::{Matcher, Selection, SelectionError};
pub use tool::ToolEntry;
pub use upstream::Upstream;

use crate::diagnostic::Diagnostic;
use crate::request::Templates;
use crate::source::ContentSource;

/// What the command line changes in every catalog built.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub matcher: Matcher,
    /// Overrides `upstream.max_response_bytes` of `_server.yaml`.
    pub max_response_bytes: Option<usize>,
    /// Variables `env()` and `secret()` see before the process environment.
    pub env_overrides: upstream::EnvOverrides,
    /// Told every secret the upstream resolves, so that no log line shows it.
    pub log_secrets: crate::secret::LogSecrets,
    /// The embedding program's name: the default server name, the scheme of the status
    /// resource (`<program>://status`), and the command named in messages.
    pub program: Arc<str>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            matcher: Selection::default()
                .matcher()
                .expect("the default selection has no pattern"),
            max_response_bytes: None,
            env_overrides: Default::default(),
            log_secrets: Default::default(),
            program: Arc::from("mcp-engine"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ResourceEntry {
    pub resource: Resource,
    pub text: Arc<str>,
    pub file: String,
}

#[derive(Debug, Clone)]
pub struct ToolsetInfo {
    pub description: Option<String>,
    pub default: bool,
    pub tools: usize,
}

#[derive(Debug)]
pub struct Catalog {
    pub source: ContentSource,
    /// See [`LoadOptions::program`].
    pub program: Arc<str>,
    pub name: String,
    pub title: Option<String>,
    pub instructions: Option<String>,
    /// `None` when `_server.yaml` is missing or broken: tools are listed but cannot be called.
    pub upstream: Option<Arc<Upstream>>,
    pub templates: Templates,
    /// Served tools by name, and the same in listing order.
    pub tools: HashMap<String, Arc<ToolEntry>>,
    pub tool_list: Vec<Tool>,
    /// Tools that exist but are not served in this mode, with the reason.
    pub unserved: BTreeMap<String, (Arc<ToolEntry>, String)>,
    pub toolsets: BTreeMap<String, ToolsetInfo>,
    pub resources: BTreeMap<String, ResourceEntry>,
    pub prompts: BTreeMap<String, PromptEntry>,
    pub prompt_templates: PromptTemplates,
    /// Every problem found, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
    /// Problems with the selection itself (an unknown toolset name).
    pub warnings: Vec<String>,
    /// Files that failed and are served in their last good version instead.
    pub kept_previous: BTreeSet<String>,
    /// Tools whose file failed to load (and has no good version), by name: their file.
    pub failed_tools: BTreeMap<String, String>,
    /// When this snapshot was built (RFC 3339).
    pub loaded_at: String,
}

impl Catalog {
    /// Reads the files of `source` and builds the catalog.
    pub fn load(source: ContentSource, options: &LoadOptions) -> Catalog {
        let (files, read_errors) = source.read_all();
        build(source, &files, &read_errors, options)
    }

    pub fn server_name(&self) -> &str {
        &self.name
    }

    /// The problems of `file`, joined: with their place when the file is on disk, without
    /// it in the embedded copy (which the user cannot open).
    pub fn problems_of(&self, file: &str) -> String {
        self.diagnostics
            .iter()
            .filter(|d| d.file == file)
            .map(|d| self.shown(d))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// A diagnostic as the user should read it: `file:line:column: message` for a file on
    /// disk; for the embedded copy, the message alone.
    pub fn shown(&self, d: &Diagnostic) -> String {
        match self.source {
            ContentSource::Embedded(_) => d.message.clone(),
            ContentSource::Directory(_) => d.to_string(),
        }
    }
}
