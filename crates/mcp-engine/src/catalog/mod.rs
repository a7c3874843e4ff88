//! The catalog: one immutable snapshot of everything served (tools, resources, prompts and
//! the upstream), built from the content files in one pass. A reload builds a new one.

mod cache;
mod listed_tool;
mod load;
mod parse_stream;
pub(crate) mod prompt;
pub(crate) mod resource_template;
mod schema_lint;
pub(crate) mod schema_profile;
pub(crate) mod search_index;
pub(crate) mod secret_fields;
pub(crate) mod selection;
pub(crate) mod status;
pub(crate) mod tool;
mod tools_by_name;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rmcp::model::{JsonObject, Resource};

pub(crate) use crate::upstream::Upstream;
pub(crate) use cache::BuildCache;
pub(crate) use listed_tool::{ListedTool, to_tools};
pub(crate) use load::{
    Built, ClientLimits, OwnedTools, build, build_consuming, build_with, opening,
};
pub(crate) use prompt::{PromptEntry, PromptTemplates};
pub(crate) use selection::{Matcher, Selection, SelectionError};
pub(crate) use tool::ToolEntry;

use crate::diagnostic::Diagnostic;
use crate::request::Templates;
use crate::source::ContentSource;

/// What the command line changes in every catalog built.
#[derive(Debug, Clone)]
pub(crate) struct LoadOptions {
    pub matcher: Matcher,
    /// Overrides `upstream.max_response_bytes` of `_server.yaml`.
    pub max_response_bytes: Option<usize>,
    /// Variables `env()` and `secret()` see before the process environment.
    pub env_overrides: crate::upstream::EnvOverrides,
    /// Told every secret the upstream resolves, so that no log line shows it.
    pub log_secrets: crate::secret::LogSecrets,
    /// The embedding program's name: the default server name, the scheme of the status
    /// resource (`<program>://status`), and the command named in messages.
    pub program: Arc<str>,
    /// Tool schemas are listed rewritten into this provider dialect.
    pub schema_profile: Option<schema_profile::SchemaProfile>,
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
            schema_profile: None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ResourceEntry {
    pub resource: Resource,
    /// The text; for a binary resource, its base64.
    pub text: Arc<str>,
    pub blob: bool,
    pub file: String,
}

#[derive(Debug, Clone)]
pub(crate) struct ToolsetInfo {
    pub default: bool,
    pub tools: usize,
}

/// One immutable snapshot of what is served: tools, resources, prompts and the upstream,
/// with every problem found in the content. A reload builds a new one.
#[derive(Debug)]
pub struct Catalog {
    pub(crate) source: ContentSource,
    /// See [`LoadOptions::program`].
    pub(crate) program: Arc<str>,
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) instructions: Option<String>,
    /// The dialect tool schemas are listed in (`serve --schema-profile`).
    pub(crate) schema_profile: Option<schema_profile::SchemaProfile>,
    /// `page_size` of `_server.yaml`: tools per tools/list page.
    pub(crate) page_size: Option<usize>,
    /// `None` when `_server.yaml` is missing or broken: tools are listed but cannot be called.
    pub(crate) upstream: Option<Arc<Upstream>>,
    pub(crate) templates: Templates,
    /// Served tools by name, and the same in listing order.
    pub(crate) tools: tools_by_name::ToolsByName,
    pub(crate) tool_list: Vec<ListedTool>,
    /// Tools that exist but are not served in this mode, with the reason.
    pub(crate) unserved: BTreeMap<String, (Arc<ToolEntry>, String)>,
    pub(crate) toolsets: BTreeMap<String, ToolsetInfo>,
    pub(crate) resources: BTreeMap<String, ResourceEntry>,
    pub(crate) resource_templates: Vec<resource_template::ResourceTemplateEntry>,
    pub(crate) prompts: BTreeMap<String, PromptEntry>,
    pub(crate) prompt_templates: PromptTemplates,
    /// Every problem found, sorted by file and line.
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Problems with the selection itself (an unknown toolset name).
    pub(crate) warnings: Vec<String>,
    /// Files that failed and are served in their last good version instead.
    pub(crate) kept_previous: BTreeSet<String>,
    /// Tools whose file failed to load (and has no good version), by name: their file.
    pub(crate) failed_tools: BTreeMap<String, String>,
    /// When this snapshot was built (RFC 3339).
    pub(crate) loaded_at: String,
    /// A hash of the content it was built from.
    pub(crate) version: String,
    /// A stand-in served while the content loads: `_server.yaml`'s name, title and
    /// instructions, and nothing else (see [`load::opening`]).
    pub(crate) opening: bool,
    /// The words of the listed tools, read on the first search (search mode only).
    pub(crate) search_index: std::sync::OnceLock<search_index::SearchIndex>,
}

impl Catalog {
    /// The listed tools' words, read now if no search has needed them yet.
    pub(crate) fn search_index(&self) -> &search_index::SearchIndex {
        self.search_index
            .get_or_init(|| search_index::SearchIndex::new(&self.tool_list))
    }
}

/// A tool as `list` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSummary {
    /// The tool's name.
    pub name: String,
    /// Its toolset (the folder under `registry/`).
    pub toolset: String,
    /// The file that defines it, relative to the content root.
    pub file: String,
    /// `METHOD /path` as the tool file writes it.
    pub request: String,
    /// Served under `--read-only`, never confirmed (only GET tools are).
    pub read_only: bool,
    /// Confirmed with the user before it is sent.
    pub destructive: bool,
    /// Retried on connection errors, 429 and 503.
    pub idempotent: bool,
    /// Why the tool is not served in this mode, when it is not.
    pub not_served: Option<String>,
    /// What the request is made of, to compare it with an API description.
    pub shape: RequestShape,
}

/// The parts of a tool's request, as its file declares them.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestShape {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template as written (`/items/{{ id }}`).
    pub path: String,
    /// The query parameters' names as sent.
    pub query: Vec<String>,
    /// The names of the headers the tool (or its toolset) adds.
    pub headers: Vec<String>,
    /// The arguments the path and the query use (`body: args` sends the others).
    pub url_arguments: Vec<String>,
    /// What the body is made of.
    pub body: BodyShape,
    /// The JSON Schema of the tool's arguments.
    pub input_schema: JsonObject,
}

/// How a tool builds its request body.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyShape {
    /// No body.
    None,
    /// `body: args`: the arguments not used in the path or the query.
    Args,
    /// An object template: these top-level field names.
    Fields(Vec<String>),
    /// Another template (a single value, an array).
    Other,
}

/// A resource as `list` shows it: URI, name, title.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSummary {
    /// Its URI.
    pub uri: String,
    /// Its name.
    pub name: String,
    /// Its title, if any.
    pub title: Option<String>,
}

/// A prompt as `list` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptSummary {
    /// Its name.
    pub name: String,
    /// Its arguments: name, and whether it is required.
    pub arguments: Vec<(String, bool)>,
    /// The file it comes from.
    pub file: String,
}

impl Catalog {
    /// The server's name (`_server.yaml`'s `name`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the content comes from, for people.
    pub fn source_description(&self) -> String {
        self.source.describe()
    }

    /// Every problem found in the content, sorted by file and line.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Names of the selection that select nothing (a toolset or a `--tools` pattern).
    pub fn selection_problems(&self) -> &[String] {
        &self.warnings
    }

    /// How many tools are served, and how many exist but are left out in this mode.
    pub fn tool_counts(&self) -> (usize, usize) {
        (self.tools.len(), self.unserved.len())
    }

    /// How many resources and prompts are served.
    pub fn document_counts(&self) -> (usize, usize) {
        (self.resources.len(), self.prompts.len())
    }

    /// Every tool, served or not, by name.
    pub fn tool_summaries(&self) -> Vec<ToolSummary> {
        let summary = |entry: &ToolEntry, not_served: Option<&String>| ToolSummary {
            name: entry.name().to_owned(),
            toolset: entry.toolset.to_string(),
            file: entry.file.to_string(),
            request: format!(
                "{} {}",
                entry.request.method.as_str(),
                entry.request.path_source
            ),
            read_only: entry.read_only,
            destructive: entry.destructive,
            idempotent: entry.idempotent,
            not_served: not_served.cloned(),
            shape: shape_of(entry),
        };
        let mut out: Vec<ToolSummary> = self
            .tools
            .values()
            .map(|e| summary(e, None))
            .chain(self.unserved.values().map(|(e, why)| summary(e, Some(why))))
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The toolset of a served tool, and whether that toolset is on by default.
    pub fn toolset_of(&self, tool: &str) -> Option<(&str, bool)> {
        let entry = self.tools.get(tool)?;
        let default = self.toolsets.get(&*entry.toolset).is_none_or(|t| t.default);
        Some((&*entry.toolset, default))
    }

    /// The served resources, by URI.
    pub fn resource_summaries(&self) -> Vec<ResourceSummary> {
        self.resources
            .values()
            .map(|r| ResourceSummary {
                uri: r.resource.uri.clone(),
                name: r.resource.name.clone(),
                title: r.resource.title.clone(),
            })
            .collect()
    }

    /// The served prompts, by name.
    pub fn prompt_summaries(&self) -> Vec<PromptSummary> {
        self.prompts
            .values()
            .map(|p| PromptSummary {
                name: p.prompt.name.clone(),
                arguments: p
                    .arguments
                    .iter()
                    .map(|a| (a.name.clone(), a.required))
                    .collect(),
                file: p.file.clone(),
            })
            .collect()
    }

    /// What the user must set before calls can be sent, if anything.
    pub fn missing_credentials_warning(&self) -> Option<String> {
        self.upstream
            .as_ref()
            .and_then(|u| u.missing_credentials_warning())
    }

    /// The variables `_server.yaml` reads with `secret()` (set or not), in the order read:
    /// what must never be written where others can read it. Empty when `_server.yaml` is
    /// missing or broken.
    pub fn secret_variables(&self) -> Vec<String> {
        self.upstream
            .as_ref()
            .map(|u| u.secret_variables.clone())
            .unwrap_or_default()
    }

    /// The contents of the resource at `uri`: a document, a binary, or a template's render.
    /// `None` when no resource or template has it; `Err` when a template fails to render.
    pub(crate) fn read_resource(
        &self,
        uri: &str,
    ) -> Option<Result<rmcp::model::ResourceContents, String>> {
        use rmcp::model::ResourceContents;
        if let Some(entry) = self.resources.get(uri) {
            let mime = entry
                .resource
                .mime_type
                .clone()
                .unwrap_or_else(|| "text/markdown".to_owned());
            let contents = if entry.blob {
                ResourceContents::blob(entry.text.to_string(), uri)
            } else {
                ResourceContents::text(entry.text.to_string(), uri)
            };
            return Some(Ok(contents.with_mime_type(mime)));
        }
        self.resource_templates.iter().find_map(|t| {
            let vars = t.matches(uri)?;
            Some(t.render(&vars).map(|text| {
                let contents = ResourceContents::text(text, uri);
                match &t.template.mime_type {
                    Some(mime) => contents.with_mime_type(mime.clone()),
                    None => contents,
                }
            }))
        })
    }

    /// Reads the files of `source` and builds the catalog.
    pub(crate) fn load(source: ContentSource, options: &LoadOptions) -> Catalog {
        let (files, read_errors) = source.read_all();
        build(source, &files, &read_errors, options)
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

fn shape_of(entry: &ToolEntry) -> RequestShape {
    use crate::request::Template;
    use crate::request::render::BodyTemplate;
    let request = &entry.request;
    RequestShape {
        method: request.method.as_str().to_owned(),
        path: request.path_source.clone(),
        query: request.query.iter().map(|(k, _)| k.clone()).collect(),
        headers: request.headers.iter().map(|(k, _)| k.clone()).collect(),
        url_arguments: request
            .path_variables
            .iter()
            .chain(request.query_variables.iter())
            .map(str::to_owned)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        body: match &request.body {
            BodyTemplate::None => BodyShape::None,
            BodyTemplate::Args => BodyShape::Args,
            BodyTemplate::Value(Template::Object(fields)) => {
                BodyShape::Fields(fields.iter().map(|(k, _)| k.clone()).collect())
            }
            BodyTemplate::Value(_) => BodyShape::Other,
        },
        input_schema: entry.listed.input_schema(),
    }
}
