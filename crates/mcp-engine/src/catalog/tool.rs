//! Compiles a tool file into what the server needs per call: the MCP tool, the argument
//! validator and the compiled request.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{Tool, ToolAnnotations};
use serde_json::Value;

use super::ListedTool;
use super::listed_tool::{PackedTexts, empty_schema};
use super::secret_fields::SecretFields;
use crate::definition::AnnotationsDef;
use crate::definition::tool::{Method, ToolFile};
use crate::definition::toolset::ToolsetFile;
use crate::diagnostic::Diagnostic;
pub(crate) use crate::diagnostic::FileReporter;
use crate::request::render::{BodyTemplate, CompiledRequest, PathTemplate};
use crate::request::{Template, Templates};
use crate::text::truncate;

/// How many times `max_response_bytes` a tool that shapes its answers reads of one.
pub(crate) const SHAPED_READ_FACTOR: usize = 8;

/// A tool ready to be listed and called.
#[derive(Debug)]
pub(crate) struct ToolEntry {
    /// The definition tools/list sends (before any schema profile).
    pub listed: ListedTool,
    /// Both shared: the path with the build cache and hot reload, the toolset's name with
    /// its other tools (docs/performance.md, 100,000 tools).
    pub file: Arc<str>,
    pub toolset: Arc<str>,
    /// Compiled at the first call: a compiled validator takes tens of kilobytes, and most
    /// tools of a large catalogue are never called (docs/performance.md).
    pub validator: LazyValidator,
    pub request: CompiledRequest,
    /// JSON pointer applied to the upstream's JSON answer.
    pub select: Option<String>,
    /// `response.find`: field values the picked list item must have.
    pub find: Vec<(String, Template)>,
    /// The answer also goes out as structuredContent.
    pub structured: bool,
    /// `response.drop`, `response.max_items`, `response.narrow_with`; boxed, and only when
    /// the file shapes its answers: most tools do not, and 100,000 entries each holding an
    /// empty one inline took 9 MB (docs/performance.md). Read through [`Self::shaping`].
    pub shaping: Option<Box<Shaping>>,
    pub read_only: bool,
    pub idempotent: bool,
    pub destructive: bool,
    /// The arguments the input schema marks secret.
    pub secrets: super::secret_fields::SecretFields,
    /// The words of its descriptions that look like tool names, each with its first line
    /// and column in the file, checked against the catalogue at each build (which the cache
    /// may reuse this entry in, and the file's text may be gone by then).
    pub mentions: Vec<(Box<str>, (usize, usize))>,
}

impl ToolEntry {
    pub(crate) fn name(&self) -> &str {
        self.listed.name()
    }

    /// How much of an answer is read: what the model is shown is held to
    /// `max_response_bytes`, but a tool that picks from its answer or trims it shows less
    /// than it reads, so it reads up to [`SHAPED_READ_FACTOR`] times that. Not one that
    /// also answers `structuredContent`, which goes whole and is not cut.
    pub(crate) fn read_limit(&self, max_response_bytes: usize) -> usize {
        let shows_less =
            self.select.is_some() || !self.find.is_empty() || !self.shaping().is_empty();
        if shows_less && !self.structured {
            max_response_bytes.saturating_mul(SHAPED_READ_FACTOR)
        } else {
            max_response_bytes
        }
    }

    pub(crate) fn shaping(&self) -> &Shaping {
        static NONE: Shaping = Shaping {
            drop: Vec::new(),
            keep: Vec::new(),
            drop_nulls: false,
            max_items: None,
            narrow_with: None,
        };
        self.shaping.as_deref().unwrap_or(&NONE)
    }
}

/// A tool's argument validator, compiled when first needed from the listed schema (which
/// loading checked, to report any problem with the file).
#[derive(Debug, Default)]
pub(crate) struct LazyValidator {
    /// Boxed: an entry holds the pointer, not the validator's 56 bytes, until a first call.
    compiled: std::sync::OnceLock<Option<Box<jsonschema::Validator>>>,
}

impl LazyValidator {
    /// The validator of `tool`'s input schema; `None` if the schema does not compile
    /// (loading meta-validated it, and compiled it when it uses patterns or references, the
    /// rest cannot fail).
    pub(crate) fn get(&self, tool: &ListedTool) -> Option<&jsonschema::Validator> {
        self.compiled
            .get_or_init(|| {
                schema_options()
                    .build(&Value::Object(tool.input_schema()))
                    .ok()
                    .map(Box::new)
            })
            .as_deref()
    }
}

fn schema_options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .should_validate_formats(true)
        .with_pattern_options(jsonschema::PatternOptions::regex())
}

/// How an answer is trimmed before the model reads it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shaping {
    pub drop: Vec<String>,
    pub keep: Vec<String>,
    pub drop_nulls: bool,
    pub max_items: Option<usize>,
    pub narrow_with: Option<String>,
}

impl Shaping {
    pub(crate) fn is_empty(&self) -> bool {
        self.drop.is_empty() && self.keep.is_empty() && !self.drop_nulls && self.max_items.is_none()
    }
}

/// MCP tool names: 1 to 64 of `[A-Za-z0-9_-]`.
pub(crate) fn check_tool_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err(format!(
            "tool name `{name}` must have 1 to 64 characters (it has {})",
            name.chars().count()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(format!(
            "tool name `{name}` may only hold letters, digits, `_` and `-`, not `{c}`"
        ));
    }
    Ok(())
}

const KNOWN_DRAFTS: [&str; 5] = [
    "https://json-schema.org/draft/2020-12/schema",
    "https://json-schema.org/draft/2019-09/schema",
    "http://json-schema.org/draft-07/schema",
    "http://json-schema.org/draft-06/schema",
    "http://json-schema.org/draft-04/schema",
];

/// Meta-validates a schema and, when it uses what meta-validation cannot check (regular
/// expressions, references), compiles it; errors point into the file at `keys`. The
/// validator itself is compiled at the first call (`LazyValidator`).
pub(crate) fn compile_schema(
    schema: &Value,
    keys: &[&str],
    reporter: &mut FileReporter<'_>,
) -> Option<()> {
    if let Some(declared) = schema.get("$schema") {
        let known = declared
            .as_str()
            .is_some_and(|s| KNOWN_DRAFTS.contains(&s.trim_end_matches('#')));
        if !known {
            reporter.at(
                &[keys, &["$schema"]].concat(),
                format!(
                    "unsupported `$schema` {declared}; omit it (JSON Schema 2020-12 is the default)"
                ),
            );
            return None;
        }
    }
    // A yes or no first: 6.6 against 8.9 us a schema, and nearly every schema is valid.
    if jsonschema::meta::is_valid(schema) {
        // Valid: nothing to report.
    } else if let Err(e) = jsonschema::meta::validate(schema) {
        let pointer = e.instance_path().to_string();
        let segments: Vec<&str> = pointer.split('/').filter(|s| !s.is_empty()).collect();
        let at = pointer_or_root(&pointer);
        reporter.at(
            &[keys, &segments].concat(),
            format!(
                "invalid JSON Schema at {at}: {}",
                truncate(&e.to_string(), 200)
            ),
        );
        return None;
    }
    // Compiling is most of a start's work for the schema checks: only where it can find
    // more than meta-validation did.
    if !uses_any(
        schema,
        &["pattern", "patternProperties", "$ref", "$dynamicRef"],
    ) {
        return Some(());
    }
    match schema_options().build(schema) {
        Ok(_) => Some(()),
        Err(e) => {
            reporter.at(
                keys,
                format!(
                    "the JSON Schema cannot be compiled: {}",
                    truncate(&e.to_string(), 200)
                ),
            );
            None
        }
    }
}

/// Whether any of `keywords` is a key anywhere in `schema`.
fn uses_any(schema: &Value, keywords: &[&str]) -> bool {
    match schema {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| keywords.contains(&k.as_str()) || uses_any(v, keywords)),
        Value::Array(items) => items.iter().any(|v| uses_any(v, keywords)),
        _ => false,
    }
}

fn pointer_or_root(pointer: &str) -> &str {
    if pointer.is_empty() {
        "its root"
    } else {
        pointer
    }
}

/// What a tool file's description and input schema give: worked out on the thread that
/// parsed the file, so that the schema tree is freed by the thread that allocated it. Freed
/// on the loading thread, each of its allocations locked the parser thread's glibc arena
/// while that thread allocated from it: a 100,000-tool load spent 345,000 futex calls
/// there, and its three threads kept 1.56 of two cores busy (docs/performance.md).
#[derive(Debug)]
pub(crate) struct PreparedInput {
    /// What is wrong with the input schema, in the order it is checked.
    diagnostics: Vec<Diagnostic>,
    declared: BTreeSet<String>,
    required: BTreeSet<String>,
    secrets: SecretFields,
    mentions: Vec<(Box<str>, (usize, usize))>,
    /// The description and the schema as listed; `None` when the schema is refused.
    packed: Option<PackedTexts>,
}

/// Checks `def`'s input schema and packs it with the description, taking both out of `def`
/// when the schema is sound; `file` and `text` are the tool file's path and text.
pub(crate) fn prepare_input(def: &mut ToolFile, file: &str, text: &str) -> PreparedInput {
    let mut reporter = FileReporter::new(file, text, 1);
    let is_object = matches!(&def.input, Value::Object(map) if map.get("type").and_then(Value::as_str) == Some("object"));
    if !is_object {
        reporter.at(
            &["input"],
            "input must be a JSON Schema with `type: object` (MCP tool arguments are an object)",
        );
    }
    // Compiled to report problems, then dropped: see `LazyValidator`.
    let sound = is_object
        .then(|| compile_schema(&def.input, &["input"], &mut reporter))
        .flatten()
        .is_some();
    super::schema_lint::lint(&def.input, &["input"], &mut reporter);
    let declared: BTreeSet<String> = def
        .input
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let required: BTreeSet<String> = def
        .input
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let secrets = SecretFields::from_schema(&def.input);
    let mut prepared = PreparedInput {
        diagnostics: Vec::new(),
        declared,
        required,
        secrets,
        mentions: Vec::new(),
        packed: None,
    };
    if sound && reporter.diagnostics.is_empty() {
        let description = std::mem::take(&mut def.description);
        let description = description.trim_end();
        if let Value::Object(input) = std::mem::take(&mut def.input) {
            prepared.mentions = super::prompt::tool_like_words_of(Some(description), &input)
                .into_iter()
                .map(|word| {
                    let at = position_of(text, &word);
                    (word, at)
                })
                .collect();
            prepared.packed = Some(PackedTexts::new(Some(description), &input));
        }
    }
    prepared.diagnostics = reporter.diagnostics;
    prepared
}

/// Compiles one tool from its file and what [`prepare_input`] made of its input schema;
/// problems go to `reporter`, and `None` means the tool cannot be served.
pub(crate) fn compile_tool(
    def: &mut ToolFile,
    prepared: PreparedInput,
    file: &Arc<str>,
    toolset: &Arc<str>,
    toolset_def: &ToolsetFile,
    templates: &mut Templates,
    reporter: &mut FileReporter<'_>,
) -> Option<ToolEntry> {
    let before = reporter.diagnostics.len();
    if let Err(e) = check_tool_name(&def.name) {
        reporter.at(&["name"], e);
    }
    reporter.diagnostics.extend(prepared.diagnostics);
    let required = prepared.required;
    let declared = Declared(prepared.declared);

    let request = &def.request;
    let (path, path_variables) =
        compile_request_path(&request.path, templates, &declared, &required, reporter);

    // Query and headers.
    let (query, query_variables) = compile_entries(
        "query",
        request
            .query
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        templates,
        &declared,
        reporter,
    );
    let mut header_entries: Vec<(String, Value)> = toolset_def
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    header_entries.extend(request.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
    // Header names and line breaks are the file format's rules (docs/schema/).
    let (headers, _) = compile_entries("headers", header_entries, templates, &declared, reporter);

    let body = compile_body(def, templates, &declared, reporter);
    // Bounds are the file format's rules (docs/schema/); `try_from` keeps a slip harmless.
    let timeout = request
        .timeout_seconds
        .or(toolset_def.timeout_seconds)
        .and_then(|s| Duration::try_from_secs_f64(s).ok());

    let (select, find, output_schema) = compile_response(def, templates, &declared, reporter);

    let annotations = def
        .annotations
        .or(&toolset_def.annotations)
        .or(&def.request.method.default_annotations());
    let safety = Safety::of(def, &annotations, reporter);

    if reporter.diagnostics.len() > before {
        return None;
    }
    let (packed, path) = (prepared.packed?, path?);
    let title = def.title.clone().or_else(|| annotations.title.clone());
    let mut tool = Tool::new(def.name.clone(), "", empty_schema())
        .with_annotations(to_rmcp(&annotations, title.clone()));
    if let Some(title) = title {
        tool = tool.with_title(title);
    }
    if let Some(schema) = output_schema {
        tool = tool.with_raw_output_schema(Arc::new(schema));
    }
    Some(ToolEntry {
        listed: ListedTool::with_packed(tool, packed),
        mentions: prepared.mentions,
        file: file.clone(),
        toolset: toolset.clone(),
        validator: LazyValidator::default(),
        request: CompiledRequest {
            method: def.request.method,
            path,
            path_source: def.request.path.clone(),
            path_variables: path_variables.into(),
            query,
            query_variables: query_variables.into(),
            headers,
            body,
            timeout,
        },
        select,
        find,
        structured: def
            .response
            .as_ref()
            .is_some_and(|r| r.output_schema.is_some()),
        shaping: def
            .response
            .as_ref()
            .map(|r| Shaping {
                drop: r.drop.clone(),
                keep: r.keep.clone(),
                drop_nulls: r.drop_nulls,
                max_items: r.max_items,
                narrow_with: r.narrow_with.clone(),
            })
            .filter(|shaping| !shaping.is_empty())
            .map(Box::new),
        read_only: safety.read_only,
        idempotent: annotations.idempotent_hint.unwrap_or(false),
        destructive: safety.destructive,
        secrets: prepared.secrets,
    })
}

/// The argument names `input.properties` declares: a template may read only those.
struct Declared(BTreeSet<String>);

impl Declared {
    fn report(
        &self,
        vars: &BTreeSet<String>,
        keys: &[&str],
        what: &str,
        reporter: &mut FileReporter<'_>,
    ) {
        for v in vars.difference(&self.0) {
            reporter.at(keys, format!("{what} uses `{v}`, which `input.properties` does not declare; declare it there or fix the name"));
        }
    }
}

/// `request.path`: a literal or a template, starting with `/`, with no query or fragment;
/// a variable in it must be a required argument.
fn compile_request_path(
    path_source: &str,
    templates: &mut Templates,
    declared: &Declared,
    required: &BTreeSet<String>,
    reporter: &mut FileReporter<'_>,
) -> (Option<PathTemplate>, BTreeSet<String>) {
    let literal_prefix = path_source.split("{{").next().unwrap_or("");
    if !literal_prefix.starts_with('/') {
        reporter.at(
            &["request", "path"],
            "request.path must start with `/`; the host always comes from the upstream base_url",
        );
    }
    if path_source.split("{{").enumerate().any(|(i, part)| {
        let literal = if i == 0 {
            part
        } else {
            part.split_once("}}").map(|(_, rest)| rest).unwrap_or("")
        };
        literal.contains('?') || literal.contains('#')
    }) {
        reporter.at(
            &["request", "path"],
            "request.path must not hold `?` or `#`; put query parameters under request.query",
        );
    }
    let (path, path_variables) = match PathTemplate::compile(templates, path_source) {
        Ok((path, variables)) => (Some(path), variables),
        Err(e) => {
            reporter.at(
                &["request", "path"],
                format!("template error in request.path: {}", e.message),
            );
            (None, BTreeSet::new())
        }
    };
    declared.report(
        &path_variables,
        &["request", "path"],
        "request.path",
        reporter,
    );
    for v in path_variables.intersection(&declared.0) {
        if !required.contains(v) {
            reporter.at(
                &["input", "required"],
                format!("`{v}` goes in the URL path, so it must be listed in input.required"),
            );
        }
    }
    (path, path_variables)
}

/// `request.query` or `request.headers`: each value compiled, with the variables it reads.
fn compile_entries(
    section: &str,
    entries: Vec<(String, Value)>,
    templates: &mut Templates,
    declared: &Declared,
    reporter: &mut FileReporter<'_>,
) -> (Vec<(String, Template)>, BTreeSet<String>) {
    // At its exact size: grown one entry at a time, a list held twice the room it needed,
    // kept by every tool (docs/performance.md, 100,000 tools).
    let mut out = Vec::with_capacity(entries.len());
    let mut vars = BTreeSet::new();
    for (key, value) in entries {
        match templates.compile_value(&value) {
            Ok(t) => {
                let mut own = BTreeSet::new();
                templates.variables(&t, &mut own);
                declared.report(
                    &own,
                    &["request", section, &key],
                    &format!("request.{section}.{key}"),
                    reporter,
                );
                vars.extend(own);
                out.push((key, t));
            }
            Err(e) => reporter.at(
                &["request", section, &key],
                format!("template error in request.{section}.{key}: {}", e.message),
            ),
        }
    }
    out.shrink_to_fit();
    (out, vars)
}

/// `request.body`: none, `args`, or a templated value; a GET carries none.
fn compile_body(
    def: &ToolFile,
    templates: &mut Templates,
    declared: &Declared,
    reporter: &mut FileReporter<'_>,
) -> BodyTemplate {
    let body = match &def.request.body {
        None | Some(Value::Null) => BodyTemplate::None,
        Some(Value::String(s)) if s == "args" => BodyTemplate::Args,
        Some(value) => match templates.compile_value(value) {
            Ok(t) => {
                let mut vars = BTreeSet::new();
                templates.variables(&t, &mut vars);
                declared.report(&vars, &["request", "body"], "request.body", reporter);
                BodyTemplate::Value(t)
            }
            Err(e) => {
                reporter.at(
                    &["request", "body"],
                    format!("template error in request.body: {}", e.message),
                );
                BodyTemplate::None
            }
        },
    };
    if def.request.method == Method::Get && !matches!(body, BodyTemplate::None) {
        reporter.at(
            &["request", "body"],
            "a GET request carries no body; remove request.body or change the method",
        );
    }
    body
}

/// What `response` picks from the answer: `select`, `find`, `output_schema`.
#[allow(clippy::type_complexity)]
fn compile_response(
    def: &ToolFile,
    templates: &mut Templates,
    declared: &Declared,
    reporter: &mut FileReporter<'_>,
) -> (
    Option<String>,
    Vec<(String, Template)>,
    Option<serde_json::Map<String, Value>>,
) {
    let mut select = None;
    let mut find = Vec::new();
    let mut output_schema = None;
    if let Some(response) = &def.response {
        for (key, value) in response.find.iter().flatten() {
            match templates.compile_value(value) {
                Ok(t) => {
                    let mut vars = BTreeSet::new();
                    templates.variables(&t, &mut vars);
                    declared.report(
                        &vars,
                        &["response", "find", key],
                        &format!("response.find.{key}"),
                        reporter,
                    );
                    find.push((key.clone(), t));
                }
                Err(e) => reporter.at(
                    &["response", "find", key],
                    format!("template error in response.find.{key}: {}", e.message),
                ),
            }
        }
        if let Some(pointer) = &response.select {
            if pointer.is_empty() || pointer.starts_with('/') {
                select = Some(pointer.clone());
            } else {
                reporter.at(&["response", "select"], format!("response.select `{pointer}` must be a JSON pointer starting with `/` (e.g. /items)"));
            }
        }
        if let Some(schema) = &response.output_schema {
            if schema.get("type").and_then(Value::as_str) != Some("object") {
                reporter.at(&["response", "output_schema"], "response.output_schema must have `type: object` (MCP structured content is an object)");
            } else if compile_schema(schema, &["response", "output_schema"], reporter).is_some() {
                super::schema_lint::lint(schema, &["response", "output_schema"], reporter);
                output_schema = schema.as_object().cloned();
            }
        }
    }
    (select, find, output_schema)
}

/// What the server enforces for a tool (`--read-only`, confirmations, the audit log):
/// decided by the HTTP method, because annotations are hints written for clients and a
/// wrong one must not open a door.
struct Safety {
    read_only: bool,
    destructive: bool,
}

impl Safety {
    fn of(def: &ToolFile, annotations: &AnnotationsDef, reporter: &mut FileReporter<'_>) -> Self {
        let method = def.request.method;
        let read_only_hint = annotations.read_only_hint.unwrap_or(false);
        let destructive_hint = annotations.destructive_hint.unwrap_or(true);
        if def.unsafe_trust_annotations {
            return Self {
                read_only: read_only_hint,
                destructive: destructive_hint && !read_only_hint,
            };
        }
        let from = |own: Option<bool>| {
            if own.is_some() {
                ""
            } else {
                " (set in the folder's _toolset.yaml)"
            }
        };
        let key = |own: Option<bool>, name: &'static str| -> [&'static str; 2] {
            if own.is_some() {
                ["annotations", name]
            } else {
                ["request", "method"]
            }
        };
        if read_only_hint && !method.is_safe() {
            let at = key(def.annotations.read_only_hint, "readOnlyHint");
            reporter.at(
                &at,
                format!(
                    "readOnlyHint: true{} contradicts the method {}: only GET reads without changing anything, so this tool would pass --read-only and skip confirmations. Remove the hint, or write `unsafe_trust_annotations: true` if this endpoint really changes nothing",
                    from(def.annotations.read_only_hint),
                    method.as_str()
                ),
            );
        }
        if method == Method::Delete && annotations.destructive_hint == Some(false) {
            let at = key(def.annotations.destructive_hint, "destructiveHint");
            reporter.at(
                &at,
                format!(
                    "destructiveHint: false{} contradicts the method DELETE, which destroys: the user would not be asked to confirm. Remove the hint, or write `unsafe_trust_annotations: true` if this endpoint really destroys nothing",
                    from(def.annotations.destructive_hint)
                ),
            );
        }
        let read_only = method.is_safe() && read_only_hint;
        Self {
            read_only,
            destructive: method == Method::Delete || (destructive_hint && !read_only),
        }
    }
}

/// The annotations as listed: only what differs from the MCP defaults (readOnlyHint false,
/// destructiveHint true, idempotentHint false, openWorldHint true), as a model reads every
/// byte of tools/list. destructiveHint and idempotentHint mean something only for tools
/// that change things; a destructive tool still says so. The title is the tool's own.
fn to_rmcp(a: &AnnotationsDef, _title: Option<String>) -> ToolAnnotations {
    let mut out = ToolAnnotations::new();
    let read_only = a.read_only_hint.unwrap_or(false);
    out.read_only_hint = read_only.then_some(true);
    if !read_only {
        out.destructive_hint = a.destructive_hint;
        out.idempotent_hint = a.idempotent_hint.filter(|&i| i);
    }
    out.open_world_hint = a.open_world_hint.filter(|&o| !o);
    out
}

/// The 1-based line and column of the first `word` in `text`.
fn position_of(text: &str, word: &str) -> (usize, usize) {
    // One search of the whole text, not one per line: a word holds no line break, and
    // searching line by line set up a searcher for each (2% of a large catalogue's load).
    let Some(at) = memchr::memmem::find(text.as_bytes(), word.as_bytes()) else {
        return (1, 1);
    };
    let before = &text.as_bytes()[..at];
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (
        memchr::memchr_iter(b'\n', before).count() + 1,
        at - line_start + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every tool of a catalogue holds one entry: with 100,000 tools, each 100 bytes is
    /// 10 MB resident (issue 19's 300 MB). What only some tools use stays boxed.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_tool_entry_keeps_what_few_tools_use_out_of_line() {
        let size = std::mem::size_of::<ToolEntry>();
        assert!(size <= 416, "ToolEntry grew to {size} bytes");
        assert!(std::mem::size_of::<LazyValidator>() <= 16);
        assert!(std::mem::size_of::<Option<Box<Shaping>>>() <= 8);
    }

    #[test]
    fn a_word_is_found_at_its_first_line_and_column() {
        let text = "name: a\r\ndescription: see acme_list\nthen acme_get and acme_list\n";
        assert_eq!(position_of(text, "acme_list"), (2, 18));
        assert_eq!(position_of(text, "acme_get"), (3, 6));
        assert_eq!(position_of(text, "name"), (1, 1));
        assert_eq!(position_of(text, "absent"), (1, 1));
    }

    #[test]
    fn tool_names_follow_mcp_rules() {
        assert!(check_tool_name("acme_list-projects").is_ok());
        assert!(check_tool_name("").is_err());
        assert!(check_tool_name(&"a".repeat(65)).is_err());
        assert!(check_tool_name("has space").is_err());
        assert!(check_tool_name("dot.name").is_err());
    }
}
