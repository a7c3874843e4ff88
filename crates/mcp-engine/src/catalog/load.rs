//! Builds a catalog from content files: parse each file, compile it, then check what spans
//! files (duplicate names and URIs) and apply the selection.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rmcp::model::{Resource, ResourceTemplate};

use super::cache::{BuildCache, CompiledFile};
use super::parse_stream::{Handed, ParsedStream, ParsedTool, ToParse, parse_tool};
use super::prompt::{PromptEntry, PromptTemplates, engine_for, to_rmcp};
use super::resource_template::ResourceTemplateEntry;
use super::tool::{FileReporter, ToolEntry, compile_tool};
use super::tools_by_name::ToolsInOrder;
use super::{Catalog, LoadOptions, ResourceEntry, ToolsetInfo};
use crate::definition::front_matter;
use crate::definition::parse_yaml;
use crate::definition::prompt::PromptFrontMatter;
use crate::definition::resource::{Encoding, ResourceFrontMatter};
use crate::definition::schema::Format;
use crate::definition::server::ServerFile;
use crate::definition::toolset::ToolsetFile;
use crate::diagnostic::Diagnostic;
use crate::request::Templates;
use crate::source::{
    ContentKind, ContentSource, Digest, PathState, ReleasedFile, SourceFile, UnreadFile,
    content_kind,
};
use crate::upstream::{Upstream, resolve};

pub(super) const ROOT_TOOLSET: &str = "default";

/// The toolset of a tool file: the first folder under `registry/`.
pub(super) fn toolset_of(path: &str) -> &str {
    let rest = path.strip_prefix("registry/").unwrap_or(path);
    match rest.split_once('/') {
        Some((folder, _)) => folder,
        None => ROOT_TOOLSET,
    }
}

pub(crate) fn build(
    source: ContentSource,
    files: &[SourceFile],
    read_errors: &[(String, String)],
    options: &LoadOptions,
) -> Catalog {
    build_with(
        source,
        files,
        &[],
        read_errors,
        options,
        &mut BuildCache::default(),
    )
}

/// [`build`], reusing from `cache` what the files have not changed, and leaving in it what
/// this build compiled.
///
/// `released` are tool files whose text hot reload let go: `cache` holds them compiled.
pub(crate) fn build_with(
    source: ContentSource,
    files: &[SourceFile],
    released: &[ReleasedFile],
    read_errors: &[(String, String)],
    options: &LoadOptions,
    cache: &mut BuildCache,
) -> Catalog {
    build_consuming(
        source,
        files,
        OwnedTools::default(),
        released,
        read_errors,
        options,
        cache,
    )
    .catalog
}

/// What [`build_consuming`] made of the tool files it was given.
pub(crate) struct Built {
    pub(crate) catalog: Catalog,
    /// The given tool files that did not compile, with their texts.
    pub(crate) kept: Vec<SourceFile>,
    /// The given tool files that compiled, or that `cache` held compiled from the same
    /// text: their texts are gone.
    pub(crate) let_go: Vec<ReleasedFile>,
    /// Given tool files that could not be read when the build read them: (path, why).
    pub(crate) unreadable: Vec<(String, String)>,
}

/// Tool files given to a build to own.
#[derive(Default)]
pub(crate) struct OwnedTools {
    pub(crate) read: Vec<SourceFile>,
    /// Read by the threads that parse them.
    pub(crate) unread: Vec<UnreadFile>,
}

/// [`build_with`], also given tool files (`owned`) to own: each text is let go as soon as
/// its file has compiled, so that a large catalogue never holds every text and every
/// compiled tool at once (100,000 tools: 175 MB of texts). Those given unread are read as
/// they are parsed, so that their texts are never all held at once either.
pub(crate) fn build_consuming(
    source: ContentSource,
    files: &[SourceFile],
    owned: OwnedTools,
    released: &[ReleasedFile],
    read_errors: &[(String, String)],
    options: &LoadOptions,
    cache: &mut BuildCache,
) -> Built {
    let mut diagnostics: Vec<Diagnostic> = read_errors
        .iter()
        .map(|(f, m)| Diagnostic::whole_file(f.clone(), m.clone()))
        .collect();
    let OwnedTools {
        read: mut fresh,
        unread,
    } = owned;
    // Whether the cache holds an unread file compiled depends on its text: read now.
    let mut unreadable = Vec::new();
    let unread: Vec<UnreadFile> = unread
        .into_iter()
        .filter_map(|file| {
            if !cache.knows(&file.path) {
                return Some(file);
            }
            match file.read() {
                Ok(Some(read)) => fresh.push(read),
                Ok(None) => {}
                Err(why) => {
                    diagnostics.push(Diagnostic::whole_file(&*file.path, why.clone()));
                    unreadable.push((file.path.to_string(), why));
                }
            }
            None
        })
        .collect();
    // Texts may name tools: those a tool file declares (even one that fails to load, whose
    // own problem is reported) exist. Those of unread files are known once they are parsed.
    let mut declared: BTreeSet<String> = fresh
        .iter()
        .filter_map(|f| declared_name(&f.text))
        .collect();
    let deferred = !unread.is_empty();
    let (tool_files, mut fresh) = tool_inputs(files, fresh, unread, released, cache);
    // Parsing the tool files is most of a start's work: it runs on other threads while the
    // server and toolset files are read here; the resources and prompts load on another,
    // unless they must wait for the names of tool files read while parsed.
    // The stream takes them in the order they compile.
    let to_parse: Vec<ToParse> = tool_files
        .iter()
        .filter_map(|input| match input {
            ToolInput::Text(file, None) => Some(ToParse::Read((*file).clone())),
            ToolInput::Fresh(path) => fresh.remove(path),
            _ => None,
        })
        .collect();
    // Emptied, but its table alone is 11 MB for 100,000 tools: not kept through the build.
    drop(fresh);
    declared.extend(tool_files.iter().filter_map(|input| match input {
        ToolInput::Text(file, _) => declared_name(&file.text),
        ToolInput::Released(file) => cache.name_of(&file.path, file.digest).map(str::to_owned),
        ToolInput::Fresh(_) | ToolInput::Known(..) => None,
    }));
    let tool_paths: Vec<Arc<str>> = tool_files.iter().map(|t| t.path().clone()).collect();
    let known: BTreeSet<&str> = declared.iter().map(String::as_str).collect();
    let (server, toolset_defs, loaded, early_documents) = std::thread::scope(|scope| {
        let mut parsed = ParsedStream::start(scope, to_parse);
        let documents = (!deferred).then(|| scope.spawn(|| load_documents(files, &known)));
        let server = load_server(files, options, &mut diagnostics);
        // Toolsets first: their defaults apply to their tools.
        let toolset_defs = load_toolsets(files, &mut diagnostics);
        let loaded = load_tools(
            tool_files,
            &source,
            &toolset_defs,
            cache,
            &mut parsed,
            &mut diagnostics,
        );
        // A panic while loading documents is a defect: raised again here.
        let documents = documents.map(|documents| {
            documents
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (server, toolset_defs, loaded, documents)
    });
    let LoadedTools {
        all_tools,
        failed_tools,
        kept,
        let_go,
        unreadable: unread_failed,
    } = loaded;
    unreadable.extend(unread_failed);
    // Every tool file has been read by now: the names they declare are all known.
    let mut known = known;
    known.extend(all_tools.keys());
    known.extend(failed_tools.keys().map(String::as_str));
    let ((resources, resource_templates), (prompt_templates, prompts), found) =
        early_documents.unwrap_or_else(|| load_documents(files, &known));
    diagnostics.extend(found);
    let templates = cache.templates.snapshot();
    let served = select(&all_tools, &toolset_defs, options);
    check_tool_mentions(&all_tools, &known, &mut diagnostics);

    diagnostics.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    let catalog = Catalog {
        source,
        program: options.program.clone(),
        name: server.name,
        title: server.title,
        instructions: server.instructions,
        page_size: server.page_size,
        schema_profile: options.schema_profile,
        upstream: server.upstream,
        templates,
        tools: served.tools,
        tool_list: served.tool_list,
        unserved: served.unserved,
        toolsets: served.toolsets,
        resources,
        resource_templates,
        prompts,
        prompt_templates,
        diagnostics,
        warnings: served.warnings,
        kept_previous: Default::default(),
        failed_tools,
        loaded_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        version: content_version(files, &tool_paths, cache),
        opening: false,
        search_index: Default::default(),
    };
    Built {
        catalog,
        kept,
        let_go,
        unreadable,
    }
}

type Documents = (
    (BTreeMap<String, ResourceEntry>, Vec<ResourceTemplateEntry>),
    (PromptTemplates, BTreeMap<String, PromptEntry>),
    Vec<Diagnostic>,
);

/// The resources and prompts, with their problems.
fn load_documents(files: &[SourceFile], known: &BTreeSet<&str>) -> Documents {
    let mut found = Vec::new();
    let resources = load_resources(files, known, &mut found);
    let prompts = load_prompts(files, known, &mut found);
    (resources, prompts, found)
}

/// What stdio answers `initialize` from while the content loads on another thread: the
/// name, title, instructions and page size of `_server.yaml`, read without its format
/// check (a start would otherwise spend a third of its time compiling that file format's
/// JSON Schema before it can answer), and no tool, resource or prompt. The load that
/// follows checks the file and reports its every problem; a file that does not parse
/// leaves the program's name here.
pub(crate) fn opening(source: ContentSource, options: &LoadOptions) -> (Catalog, ClientLimits) {
    let mut catalog = Catalog {
        source: source.clone(),
        program: options.program.clone(),
        name: options.program.to_string(),
        title: None,
        instructions: None,
        page_size: None,
        schema_profile: options.schema_profile,
        upstream: None,
        templates: Templates::inert(),
        tools: Default::default(),
        tool_list: Vec::new(),
        unserved: BTreeMap::new(),
        toolsets: BTreeMap::new(),
        resources: BTreeMap::new(),
        resource_templates: Vec::new(),
        prompts: BTreeMap::new(),
        prompt_templates: PromptTemplates::inert(),
        diagnostics: Vec::new(),
        warnings: Vec::new(),
        kept_previous: BTreeSet::new(),
        failed_tools: BTreeMap::new(),
        loaded_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        version: String::new(),
        opening: true,
        search_index: Default::default(),
    };
    let mut limits = ClientLimits::default();
    let server = source
        .server_text()
        .and_then(|text| serde_yaml::from_str::<ServerFile>(&text).ok());
    if let Some(server) = server {
        catalog.name = server.name.unwrap_or(catalog.name);
        catalog.title = server.title;
        catalog.instructions = server.instructions;
        catalog.page_size = server.page_size.filter(|&n| n > 0);
        // Unchecked yet: a value the file format refuses leaves the default, as a refused
        // `_server.yaml` does once loaded.
        if let Ok(connect) =
            std::time::Duration::try_from_secs_f64(server.upstream.connect_timeout_seconds)
            && !connect.is_zero()
        {
            limits.connect_timeout = connect;
        }
        if server.upstream.max_in_flight > 0 {
            limits.max_in_flight = server.upstream.max_in_flight;
        }
    }
    (catalog, limits)
}

/// What the HTTP client is built with before the upstream is resolved.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientLimits {
    pub connect_timeout: std::time::Duration,
    pub max_in_flight: usize,
}

impl Default for ClientLimits {
    /// As when `_server.yaml` is missing or refused.
    fn default() -> Self {
        Self {
            connect_timeout: std::time::Duration::from_secs(10),
            max_in_flight: 32,
        }
    }
}

impl ClientLimits {
    /// The limits of a loaded catalog's upstream.
    pub(crate) fn of(catalog: &Catalog) -> Self {
        catalog
            .upstream
            .as_ref()
            .map(|u| Self {
                connect_timeout: u.connect_timeout,
                max_in_flight: u.max_in_flight,
            })
            .unwrap_or_default()
    }
}

/// What `_server.yaml` says of the server.
struct ServerPart {
    name: String,
    title: Option<String>,
    instructions: Option<String>,
    page_size: Option<usize>,
    upstream: Option<Arc<Upstream>>,
}

/// `registry/_server.yaml`: the server's name and instructions, and the upstream API.
fn load_server(
    files: &[SourceFile],
    options: &LoadOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> ServerPart {
    let mut name = options.program.to_string();
    let mut title = None;
    let mut instructions = None;
    let mut page_size = None;
    let mut upstream = None;
    match files.iter().find(|f| content_kind(&f.path) == Some(ContentKind::Server)) {
        None => diagnostics.push(Diagnostic::whole_file("registry/_server.yaml", "the file is missing: it declares the upstream API (base_url, headers); tools cannot be called without it")),
        Some(file) => match parse_yaml::<ServerFile>(Format::Server, &file.path, &file.text, &file.text, 0) {
            Err(d) => diagnostics.extend(d),
            Ok(server) => {
                let mut reporter = FileReporter::new(&file.path, &file.text, 1);
                upstream = resolve(&server.upstream, &options.env_overrides, &mut reporter).map(|mut u| {
                    options.log_secrets.extend(&u.secrets);
                    if let Some(limit) = options.max_response_bytes {
                        u.max_response_bytes = limit;
                    }
                    Arc::new(u)
                });
                diagnostics.extend(reporter.diagnostics);
                name = server.name.unwrap_or(name);
                title = server.title;
                instructions = server.instructions;
                page_size = server.page_size.filter(|&n| n > 0);
            }
        },
    }
    ServerPart {
        name,
        title,
        instructions,
        page_size,
        upstream,
    }
}

/// `registry/<toolset>/_toolset.yaml`: what a folder of tools shares.
fn load_toolsets(
    files: &[SourceFile],
    diagnostics: &mut Vec<Diagnostic>,
) -> HashMap<String, ToolsetFile> {
    let mut toolset_defs: HashMap<String, ToolsetFile> = HashMap::new();
    for file in files
        .iter()
        .filter(|f| content_kind(&f.path) == Some(ContentKind::Toolset))
    {
        let rest = file.path.strip_prefix("registry/").unwrap_or(&file.path);
        if rest.matches('/').count() != 1 {
            diagnostics.push(Diagnostic::whole_file(&*file.path, "a _toolset.yaml belongs directly in a toolset folder (registry/<toolset>/_toolset.yaml)"));
            continue;
        }
        match parse_yaml::<ToolsetFile>(Format::Toolset, &file.path, &file.text, &file.text, 0) {
            Ok(def) => {
                toolset_defs.insert(toolset_of(&file.path).to_owned(), def);
            }
            Err(d) => diagnostics.extend(d),
        }
    }
    toolset_defs
}

/// A tool file as a build sees it.
enum ToolInput<'a> {
    /// Its text, with the text's digest when the cache holds a compiled form of it.
    Text(&'a SourceFile, Option<Digest>),
    /// Its text was let go: the cache holds it compiled.
    Released(ReleasedFile),
    /// Given to the build to own, and new to the cache: the parse stream has it.
    Fresh(Arc<str>),
    /// Given to the build to own, with the digest under which the cache holds it.
    Known(SourceFile, Digest),
}

impl ToolInput<'_> {
    fn path(&self) -> &Arc<str> {
        match self {
            Self::Text(file, _) => &file.path,
            Self::Known(file, _) => &file.path,
            Self::Released(file) => &file.path,
            Self::Fresh(path) => path,
        }
    }

    /// Its text, read again from the root when it was let go (only to point at a line in
    /// a message; an unreadable file points at its first line).
    fn text(&self, source: &ContentSource) -> std::borrow::Cow<'_, str> {
        match self {
            Self::Text(file, _) => std::borrow::Cow::Borrowed(&file.text),
            Self::Known(file, _) => std::borrow::Cow::Borrowed(&file.text),
            Self::Released(ReleasedFile { path, .. }) | Self::Fresh(path) => {
                match source.read_path(path) {
                    PathState::File(text) => std::borrow::Cow::Owned(text.to_string()),
                    _ => std::borrow::Cow::Borrowed(""),
                }
            }
        }
    }
}

/// The tool files of a build, in path order, and the fresh ones new to the cache, by path.
/// `unread` are new to the cache.
fn tool_inputs<'a>(
    files: &'a [SourceFile],
    fresh: Vec<SourceFile>,
    unread: Vec<UnreadFile>,
    released: &'a [ReleasedFile],
    cache: &BuildCache,
) -> (Vec<ToolInput<'a>>, HashMap<Arc<str>, ToParse>) {
    // A digest is only worth taking where the cache may hold the file.
    let known = |f: &SourceFile| {
        cache
            .knows(&f.path)
            .then(|| Digest::of(&f.text))
            .filter(|d| cache.has_digest(&f.path, *d))
    };
    let mut inputs: Vec<ToolInput<'a>> = files
        .iter()
        .filter(|f| content_kind(&f.path) == Some(ContentKind::Tool))
        .map(|f| ToolInput::Text(f, known(f)))
        .chain(released.iter().cloned().map(ToolInput::Released))
        .collect();
    // Sized up front: with 100,000 tools, growing them held two copies at each doubling.
    inputs.reserve(fresh.len() + unread.len());
    let mut new = HashMap::with_capacity(fresh.len() + unread.len());
    for file in fresh {
        match known(&file) {
            Some(digest) => inputs.push(ToolInput::Known(file, digest)),
            None => {
                inputs.push(ToolInput::Fresh(file.path.clone()));
                new.insert(file.path.clone(), ToParse::Read(file));
            }
        }
    }
    for file in unread {
        inputs.push(ToolInput::Fresh(file.path.clone()));
        new.insert(file.path.clone(), ToParse::Unread(file));
    }
    // Paths are unique, so an unstable sort gives the same order, without a stable sort's
    // buffer of half the inputs.
    inputs.sort_unstable_by(|a, b| a.path().cmp(b.path()));
    (inputs, new)
}

/// The tools of a build, and what became of the tool files it was given to own.
struct LoadedTools {
    /// The tools by name.
    all_tools: ToolsInOrder,
    /// The names of tools whose file failed, with that file.
    failed_tools: BTreeMap<String, String>,
    kept: Vec<SourceFile>,
    let_go: Vec<ReleasedFile>,
    /// Tool files the parse stream could not read: (path, why).
    unreadable: Vec<(String, String)>,
}

/// Every tool file, compiled (or taken from `cache` when unchanged). The texts given to
/// own go as their files are done: kept only when a file did not compile.
fn load_tools(
    inputs: Vec<ToolInput<'_>>,
    source: &ContentSource,
    toolset_defs: &HashMap<String, ToolsetFile>,
    cache: &mut BuildCache,
    parsed: &mut ParsedStream,
    diagnostics: &mut Vec<Diagnostic>,
) -> LoadedTools {
    let mut failed_tools = BTreeMap::new();
    let mut kept = Vec::new();
    let mut unreadable = Vec::new();
    let owned = inputs
        .iter()
        .filter(|i| matches!(i, ToolInput::Fresh(_) | ToolInput::Known(..)))
        .count();
    let mut let_go = Vec::with_capacity(owned);
    cache.begin();
    let mut all_tools = ToolsInOrder::default();
    let default_toolset = ToolsetFile::default();
    let shared: HashMap<&str, Arc<ToolsetFile>> = toolset_defs
        .iter()
        .map(|(name, def)| (name.as_str(), Arc::new(def.clone())))
        .collect();
    // One copy of each toolset's name, for all its tools.
    let mut toolset_names: std::collections::HashSet<Arc<str>> = Default::default();
    for mut input in inputs {
        let shared_path = input.path().clone();
        let path: &str = &shared_path;
        let toolset = toolset_of(path);
        let toolset_def = toolset_defs.get(toolset);
        let reused = match &input {
            ToolInput::Text(_, Some(digest)) | ToolInput::Known(_, digest) => {
                cache.reusable(path, *digest, Some(toolset_def))
            }
            ToolInput::Released(file) => cache.reusable(path, file.digest, Some(toolset_def)),
            ToolInput::Text(_, None) | ToolInput::Fresh(_) => false,
        };
        if !reused {
            let toolset_name = toolset_names.get(toolset).cloned().unwrap_or_else(|| {
                let name: Arc<str> = Arc::from(toolset);
                toolset_names.insert(name.clone());
                name
            });
            let compile =
                |file: &SourceFile, parsed: Option<ParsedTool>, cache: &mut BuildCache| {
                    compile_file(
                        file,
                        parsed,
                        &toolset_name,
                        toolset_def.unwrap_or(&default_toolset),
                        &mut cache.templates,
                    )
                };
            let compiled = match &input {
                // Parsed aside are the files the cache has not seen (`build_with`).
                ToolInput::Text(file, None) => {
                    let parse = match parsed.take(path) {
                        Some(Handed::Parsed(_, parse)) => parse,
                        _ => None,
                    };
                    Some(compile(file, parse, cache))
                }
                ToolInput::Fresh(_) => {
                    let (file, parse) = match parsed.take(path) {
                        Some(Handed::Parsed(file, parse)) => (file, parse),
                        Some(Handed::Unreadable(why)) => {
                            diagnostics.push(Diagnostic::whole_file(path, why.clone()));
                            unreadable.push((path.to_owned(), why));
                            continue;
                        }
                        Some(Handed::Gone) => continue,
                        // The stream ended early (its thread panicked): read again.
                        None => match source.read_path(path) {
                            PathState::File(text) => (
                                SourceFile {
                                    path: shared_path.clone(),
                                    text,
                                },
                                None,
                            ),
                            PathState::Unreadable(why) => {
                                diagnostics.push(Diagnostic::whole_file(path, why.clone()));
                                unreadable.push((path.to_owned(), why));
                                continue;
                            }
                            PathState::Gone | PathState::Directory => continue,
                        },
                    };
                    let compiled = compile(&file, parse, cache);
                    // From here on the input owns the text, as a known file does.
                    input = ToolInput::Known(file, compiled.digest);
                    Some(compiled)
                }
                ToolInput::Text(file, Some(_)) => Some(compile(file, None, cache)),
                ToolInput::Known(file, _) => Some(compile(file, None, cache)),
                // Its toolset changed since: its text is read again.
                ToolInput::Released(released) => match source.read_path(path) {
                    PathState::File(text) => {
                        let file = SourceFile {
                            path: released.path.clone(),
                            text,
                        };
                        Some(compile(&file, None, cache))
                    }
                    // Changed since it was last read (the watcher has that news on its way):
                    // reported now, and the version compiled under the toolset's former
                    // settings is all there is to serve.
                    PathState::Unreadable(why) => {
                        diagnostics.push(Diagnostic::whole_file(path, why));
                        if !cache.reusable(path, released.digest, None) {
                            continue;
                        }
                        None
                    }
                    PathState::Gone | PathState::Directory => continue,
                },
            };
            if let Some(compiled) = compiled {
                cache.store(
                    &shared_path,
                    CompiledFile {
                        toolset: shared.get(toolset).cloned(),
                        ..compiled
                    },
                );
            }
        }
        let Some(compiled) = cache.latest(path) else {
            continue;
        };
        // A text given to own: let go once compiled (the cache holds it), kept otherwise.
        if let ToolInput::Known(file, _) = &input {
            if compiled.entry.is_some() {
                let_go.push(ReleasedFile {
                    path: shared_path.clone(),
                    digest: compiled.digest,
                });
            } else {
                kept.push(file.clone());
            }
        }
        diagnostics.extend(compiled.diagnostics.iter().cloned());
        let Some(entry) = &compiled.entry else {
            let declared = compiled.name.clone().or_else(|| match &input {
                ToolInput::Text(file, _) => declared_name(&file.text),
                ToolInput::Known(file, _) => declared_name(&file.text),
                ToolInput::Released(_) | ToolInput::Fresh(_) => None,
            });
            if let Some(name) = declared {
                failed_tools.insert(name, path.to_owned());
            }
            continue;
        };
        let tool_name = entry.name();
        if let Some(existing) = all_tools.get(tool_name) {
            let text = input.text(source);
            let mut reporter = FileReporter::new(path, &text, 1);
            reporter.at(
                &["name"],
                format!(
                    "tool name `{tool_name}` is already used by {}; tool names must be unique",
                    existing.file
                ),
            );
            diagnostics.extend(reporter.diagnostics);
            continue;
        }
        all_tools.insert(entry.clone());
    }
    cache.finish();
    LoadedTools {
        all_tools,
        failed_tools,
        kept,
        let_go,
        unreadable,
    }
}

/// The tools the selection serves, and what it leaves out and why.
struct Served {
    tools: super::tools_by_name::ToolsByName,
    tool_list: Vec<super::ListedTool>,
    unserved: BTreeMap<String, (Arc<ToolEntry>, String)>,
    toolsets: BTreeMap<String, ToolsetInfo>,
    warnings: Vec<String>,
}

fn select(
    all_tools: &ToolsInOrder,
    toolset_defs: &HashMap<String, ToolsetFile>,
    options: &LoadOptions,
) -> Served {
    let matcher = &options.matcher;
    let mut toolsets: BTreeMap<String, ToolsetInfo> = BTreeMap::new();
    let mut tools = super::tools_by_name::ToolsByName::default();
    let mut tool_list = Vec::new();
    let mut unserved = BTreeMap::new();
    for entry in all_tools.values() {
        let tool_name = entry.name();
        let default = toolset_defs
            .get(&*entry.toolset)
            .map(|t| t.default)
            .unwrap_or(true);
        // Looked up before a key is made: one string per toolset, not per tool.
        match toolsets.get_mut(&*entry.toolset) {
            Some(info) => info.tools += 1,
            None => {
                toolsets.insert(entry.toolset.to_string(), ToolsetInfo { default, tools: 1 });
            }
        }
        match matcher.refuse(tool_name, &entry.toolset, default, entry.read_only) {
            None => {
                tools.insert(entry.clone());
                let mut listed = entry.listed.clone();
                if let Some(profile) = options.schema_profile {
                    let rewritten = super::schema_profile::rewrite(
                        profile,
                        &serde_json::Value::Object(listed.input_schema()),
                    );
                    if let serde_json::Value::Object(map) = rewritten {
                        listed = listed.with_input_schema(&map);
                    }
                }
                tool_list.push(listed);
            }
            Some(reason) => {
                unserved.insert(tool_name.to_owned(), (entry.clone(), reason));
            }
        }
    }
    let warnings =
        super::selection::problems(matcher, &toolsets, all_tools, &tools, &options.program);
    Served {
        tools,
        tool_list,
        unserved,
        toolsets,
        warnings,
    }
}

/// Tool descriptions (and their arguments') may name other tools: those names must exist.
fn check_tool_mentions(
    all_tools: &ToolsInOrder,
    known: &BTreeSet<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for entry in all_tools.values() {
        // Each word once (the list is deduplicated), at its first place in the file.
        for (word, at) in &entry.mentions {
            if super::prompt::names_no_tool(word, known) {
                diagnostics.push(Diagnostic::advisory(&*entry.file, *at, format!("the description names the tool `{word}`, which does not exist; fix the name or add the tool")));
            }
        }
    }
}

/// `resources/**/*.md`: documents with a front matter.
fn load_resources(
    files: &[SourceFile],
    known: &BTreeSet<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> (BTreeMap<String, ResourceEntry>, Vec<ResourceTemplateEntry>) {
    use base64::Engine as _;
    let mut resources: BTreeMap<String, ResourceEntry> = BTreeMap::new();
    let mut templates = Vec::new();
    for file in files
        .iter()
        .filter(|f| content_kind(&f.path) == Some(ContentKind::Resource))
    {
        let Some((front, split)) = with_front_matter::<ResourceFrontMatter>(
            file,
            Format::Resource,
            "a resource starts with a front matter between `---` lines declaring at least `uri` (or `uri_template`) and `name`",
            diagnostics,
        ) else {
            continue;
        };
        let mut reporter = FileReporter::new(&file.path, &file.text, 2);
        let uri = match (&front.uri, &front.uri_template) {
            (Some(uri), None) => uri.clone(),
            (None, Some(uri_template)) => {
                let mut template = ResourceTemplate::new(uri_template.clone(), front.name.clone())
                    .with_mime_type(front.mime_type.clone());
                template.title = front.title.clone();
                template.description = front.description.clone();
                if let Some(existing) = templates
                    .iter()
                    .find(|t: &&ResourceTemplateEntry| t.template.uri_template == *uri_template)
                {
                    reporter.at(
                        &["uri_template"],
                        format!(
                            "uri_template `{uri_template}` is already used by {}; templates must be unique",
                            existing.file
                        ),
                    );
                } else {
                    match ResourceTemplateEntry::new(template, split.body, &file.path) {
                        Ok(mut entry) => {
                            for (variable, from) in &front.complete {
                                if !entry.has_variable(variable) {
                                    reporter.at(&["complete"], format!("`{variable}` is not a variable of uri_template `{uri_template}`"));
                                } else if !known.contains(from.tool.as_str()) {
                                    reporter.at(&["complete"], format!("`{variable}` completes from the tool `{}`, which does not exist; name a read-only tool", from.tool));
                                }
                            }
                            entry.complete = front.complete.clone();
                            templates.push(entry);
                        }
                        Err(why) => reporter.at(&["uri_template"], why),
                    }
                }
                diagnostics.extend(reporter.diagnostics);
                continue;
            }
            _ => {
                reporter.at(&["name"], "declare either `uri` (one resource) or `uri_template` (a family of them, such as test://items/{id})");
                diagnostics.extend(reporter.diagnostics);
                continue;
            }
        };
        if url::Url::parse(&uri).is_err() {
            reporter.at(
                &["uri"],
                format!("uri `{uri}` is not an absolute URI (e.g. acme://docs/services)"),
            );
        } else if let Some(existing) = resources.get(&uri) {
            reporter.at(
                &["uri"],
                format!(
                    "uri `{uri}` is already used by {}; resource URIs must be unique",
                    existing.file
                ),
            );
        }
        let blob = front.encoding == Some(Encoding::Base64);
        let text: Arc<str> = if blob {
            let data: String = split.body.split_whitespace().collect();
            if let Err(e) = base64::engine::general_purpose::STANDARD.decode(&data) {
                reporter.at(&["encoding"], format!("the body is not valid base64 ({e}); write the binary data in base64, or remove `encoding`"));
            }
            Arc::from(data)
        } else {
            Arc::from(split.body)
        };
        if !reporter.diagnostics.is_empty() {
            diagnostics.extend(reporter.diagnostics);
            continue;
        }
        if !blob {
            for (line, column, word) in super::prompt::unknown_tool_mentions(split.body, known) {
                diagnostics.push(Diagnostic::advisory(&*file.path, (split.body_first_line + line - 1, column), format!("the document names the tool `{word}`, which does not exist; fix the name or add the tool")));
            }
        }
        // No size in the listing: editing a document updates it (resources/updated) without
        // changing the list that clients cache.
        let mut resource = Resource::new(uri.clone(), front.name).with_mime_type(front.mime_type);
        if let Some(t) = front.title {
            resource = resource.with_title(t);
        }
        if let Some(d) = front.description {
            resource = resource.with_description(d);
        }
        resources.insert(
            uri,
            ResourceEntry {
                resource,
                text,
                blob,
                file: file.path.to_string(),
            },
        );
    }
    (resources, templates)
}

/// `prompts/*`: minijinja and handlebars templates with a front matter.
fn load_prompts(
    files: &[SourceFile],
    known: &BTreeSet<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> (PromptTemplates, BTreeMap<String, PromptEntry>) {
    let mut prompt_templates = PromptTemplates::default();
    let mut prompts: BTreeMap<String, PromptEntry> = BTreeMap::new();
    for file in files
        .iter()
        .filter(|f| content_kind(&f.path) == Some(ContentKind::Prompt))
    {
        let Some((front, split)) = with_front_matter::<PromptFrontMatter>(
            file,
            Format::Prompt,
            "a prompt starts with a front matter between `---` lines declaring at least `name`",
            diagnostics,
        ) else {
            continue;
        };
        let mut reporter = FileReporter::new(&file.path, &file.text, 2);
        if front.name.trim().is_empty() {
            reporter.at(&["name"], "name must not be empty");
        } else if let Some(existing) = prompts.get(&front.name) {
            reporter.at(
                &["name"],
                format!(
                    "prompt name `{}` is already used by {}; prompt names must be unique",
                    front.name, existing.file
                ),
            );
        }
        for (i, image) in front.images.iter().enumerate() {
            use base64::Engine as _;
            let index = i.to_string();
            if !image.mime_type.starts_with("image/") {
                reporter.at(
                    &["images", &index, "mimeType"],
                    format!(
                        "mimeType `{}` is not an image type (image/png, image/jpeg...)",
                        image.mime_type
                    ),
                );
            }
            if let Err(e) = base64::engine::general_purpose::STANDARD.decode(&image.data) {
                reporter.at(
                    &["images", &index, "data"],
                    format!("the image data is not valid base64 ({e})"),
                );
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for arg in &front.arguments {
            if !seen.insert(arg.name.as_str()) {
                reporter.at(
                    &["arguments"],
                    format!("argument `{}` is declared twice", arg.name),
                );
            }
            if let Some(from) = &arg.complete
                && !known.contains(from.tool.as_str())
            {
                reporter.at(
                    &["arguments"],
                    format!(
                        "argument `{}` completes from the tool `{}`, which does not exist; name a read-only tool",
                        arg.name, from.tool
                    ),
                );
            }
            if let (Some(allowed), Some(default)) = (&arg.allowed, &arg.default)
                && !allowed.contains(default)
            {
                reporter.at(
                    &["arguments"],
                    format!(
                        "the default `{default}` of argument `{}` is not one of its enum values",
                        arg.name
                    ),
                );
            }
        }
        for (line, column, word) in super::prompt::unknown_tool_mentions(split.body, known) {
            reporter.diagnostics.push(Diagnostic::advisory(&*file.path, (split.body_first_line + line - 1, column), format!("the prompt names the tool `{word}`, which does not exist; fix the name or add the tool")));
        }
        let engine = engine_for(&file.path);
        let template = if reporter.diagnostics.iter().all(|d| d.advisory) {
            prompt_templates.compile(
                &front,
                engine,
                split.body,
                split.body_first_line,
                &mut reporter,
            )
        } else {
            None
        };
        diagnostics.extend(reporter.diagnostics);
        let Some(template) = template else { continue };
        prompts.insert(
            front.name.clone(),
            PromptEntry {
                prompt: to_rmcp(&front),
                resources: front.resources.clone(),
                images: front.images.clone(),
                file: file.path.to_string(),
                arguments: front.arguments,
                engine,
                template,
            },
        );
    }
    (prompt_templates, prompts)
}

/// A document's front matter, parsed, with the split file; `None` once its problems are
/// reported (`missing` says what a front matter must hold, when there is none).
fn with_front_matter<'f, T: serde::de::DeserializeOwned>(
    file: &'f SourceFile,
    format: Format,
    missing: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(T, front_matter::Split<'f>)> {
    let Some(split) = front_matter::split(&file.text) else {
        diagnostics.push(Diagnostic::whole_file(&*file.path, missing));
        return None;
    };
    match parse_yaml(
        format,
        &file.path,
        &file.text,
        split.yaml,
        split.yaml_line_offset,
    ) {
        Ok(front) => Some((front, split)),
        Err(d) => {
            diagnostics.extend(d);
            None
        }
    }
}

/// The `name:` a tool file declares, read leniently from a file that does not parse.
fn declared_name(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix("name:")?.trim().trim_matches(['"', '\'']);
        super::tool::check_tool_name(value)
            .is_ok()
            .then(|| value.to_owned())
    })
}

/// Parses and compiles one tool file; its templates go into `templates`.
fn compile_file(
    file: &SourceFile,
    parsed: Option<ParsedTool>,
    toolset: &Arc<str>,
    toolset_def: &ToolsetFile,
    templates: &mut Templates,
) -> CompiledFile {
    let first = templates.mark();
    let mut compiled = CompiledFile {
        digest: Digest::of(&file.text),
        toolset: None,
        name: None,
        entry: None,
        diagnostics: Vec::new(),
        templates: (first, first),
    };
    match parsed.unwrap_or_else(|| parse_tool(file)) {
        Err(d) => {
            compiled.diagnostics = d;
            compiled.name = declared_name(&file.text);
        }
        Ok((mut def, prepared)) => {
            let mut reporter = FileReporter::new(&file.path, &file.text, 1);
            let entry = compile_tool(
                &mut def,
                prepared,
                &file.path,
                toolset,
                toolset_def,
                templates,
                &mut reporter,
            );
            compiled.diagnostics = reporter.diagnostics;
            compiled.entry = entry.map(Arc::new);
            if compiled.entry.is_none() {
                compiled.name = Some(def.name);
            }
        }
    }
    compiled.templates.1 = templates.mark();
    compiled
}

/// A short hash of every file's path and text: replicas that serve the same content show
/// the same version.
/// `tools` are in path order.
fn content_version(files: &[SourceFile], tools: &[Arc<str>], cache: &BuildCache) -> String {
    use sha2::{Digest as _, Sha256};
    let mut others: Vec<(&str, Digest)> = files
        .iter()
        .filter(|f| content_kind(&f.path) != Some(ContentKind::Tool))
        .map(|f| (&*f.path, Digest::of(&f.text)))
        .collect();
    others.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut tools = tools
        .iter()
        .filter_map(|path| {
            cache
                .latest(path)
                .map(|compiled| (&**path, compiled.digest))
        })
        .peekable();
    let mut others = others.into_iter().peekable();
    // The two lists merged in path order, not collected and sorted: with 100,000 tools
    // that was 6 MB at the end of a load, its peak.
    let entries = std::iter::from_fn(|| match (others.peek(), tools.peek()) {
        (Some(other), Some(tool)) if other.0 <= tool.0 => others.next(),
        (_, Some(_)) => tools.next(),
        _ => others.next(),
    });
    let mut hasher = Sha256::new();
    for (path, digest) in entries {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(digest.as_bytes());
    }
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: &str =
        "name: test-api\ninstructions: Use it.\nupstream:\n  base_url: http://127.0.0.1:9\n";

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    fn load(files: &[SourceFile]) -> Catalog {
        build(
            ContentSource::Embedded(&[]),
            files,
            &[],
            &LoadOptions::default(),
        )
    }

    #[test]
    fn the_content_version_is_the_digest_of_every_file_in_path_order() {
        let tool = |name: &str| {
            format!(
                "name: {name}\ndescription: One.\ninput: {{type: object}}\nrequest: {{method: GET, path: /x}}\n"
            )
        };
        // Tool paths and the others interleave in path order.
        let files = vec![
            file(
                "prompts/p.j2",
                "---\nname: p\ndescription: P.\n---\nHello.\n",
            ),
            file("registry/_server.yaml", SERVER),
            file("registry/a/_toolset.yaml", "description: A.\n"),
            file("registry/a/t1.yaml", &tool("t_one")),
            file("registry/b.yaml", &tool("t_two")),
            file("registry/c/t3.yaml", &tool("t_three")),
            file("resources/x.md", "---\nuri: docs://x\nname: x\n---\nX.\n"),
        ];
        let catalog = load(&files);
        assert!(messages(&catalog).is_empty(), "{:?}", messages(&catalog));
        use sha2::{Digest as _, Sha256};
        let mut hasher = Sha256::new();
        for f in &files {
            hasher.update(f.path.as_bytes());
            hasher.update([0]);
            hasher.update(Digest::of(&f.text).as_bytes());
        }
        let expected: String = hasher.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(catalog.version, expected);
    }

    fn messages(c: &Catalog) -> Vec<String> {
        c.diagnostics.iter().map(|d| d.to_string()).collect()
    }

    const TOOL: &str = "name: get_item\ndescription: Gets one item.\ninput:\n  type: object\n  properties:\n    id: { type: string }\n  required: [id]\n  additionalProperties: false\nrequest:\n  method: GET\n  path: /v1/items/{{ id }}\n";

    fn render_path(c: &Catalog, tool: &str, id: &str) -> String {
        let args = serde_json::json!({ "id": id });
        let request = crate::request::render::render(
            &c.templates,
            &c.tools[tool].request,
            &url::Url::parse("http://api.test").unwrap(),
            args.as_object().unwrap(),
        )
        .unwrap();
        request.url.path().to_owned()
    }

    #[test]
    fn tool_files_given_to_own_are_let_go_once_compiled_and_kept_when_they_fail() {
        let mut cache = BuildCache::default();
        let options = LoadOptions::default();
        let other = TOOL.replace("name: get_item", "name: get_other");
        let broken = "name: broken_tool\ndescription: [not, text]\n";
        let server = [file("registry/_server.yaml", SERVER)];
        let fresh = || {
            vec![
                file("registry/items/get.yaml", TOOL),
                file("registry/items/other.yaml", &other),
                file("registry/items/zz.yaml", broken),
            ]
        };
        let given = fresh();
        let texts: Vec<std::sync::Weak<str>> =
            given.iter().map(|f| Arc::downgrade(&f.text)).collect();
        let built = build_consuming(
            ContentSource::Embedded(&[]),
            &server,
            OwnedTools {
                read: given,
                unread: Vec::new(),
            },
            &[],
            &[],
            &options,
            &mut cache,
        );
        let paths = |files: &[ReleasedFile]| -> Vec<String> {
            files.iter().map(|f| f.path.to_string()).collect()
        };
        assert_eq!(
            paths(&built.let_go),
            ["registry/items/get.yaml", "registry/items/other.yaml"]
        );
        assert_eq!(built.let_go[0].digest, Digest::of(TOOL));
        // Nothing holds the texts of the files that compiled; the broken one is given back.
        assert!(texts[0].upgrade().is_none() && texts[1].upgrade().is_none());
        assert_eq!(built.kept.len(), 1);
        assert!(Arc::ptr_eq(
            &built.kept[0].text,
            &texts[2].upgrade().expect("kept")
        ));
        let catalog = &built.catalog;
        assert_eq!(catalog.tools.len(), 2);
        assert_eq!(
            catalog.failed_tools["broken_tool"],
            "registry/items/zz.yaml"
        );
        assert!(
            catalog
                .diagnostics
                .iter()
                .all(|d| d.file == "registry/items/zz.yaml")
        );

        // Given again unchanged: taken from the cache and let go at once.
        let again = build_consuming(
            ContentSource::Embedded(&[]),
            &server,
            OwnedTools {
                read: fresh(),
                unread: Vec::new(),
            },
            &[],
            &[],
            &options,
            &mut cache,
        );
        assert!(Arc::ptr_eq(
            &catalog.tools["get_item"],
            &again.catalog.tools["get_item"]
        ));
        let mut let_go = paths(&again.let_go);
        let_go.sort();
        assert_eq!(
            let_go,
            ["registry/items/get.yaml", "registry/items/other.yaml"]
        );
        assert_eq!(again.kept.len(), 1);
        assert_eq!(again.catalog.version, catalog.version);
    }

    #[test]
    fn a_rebuild_reuses_unchanged_tools_and_recompiles_changed_ones() {
        let mut cache = BuildCache::default();
        let other = TOOL
            .replace("name: get_item", "name: get_other")
            .replace("/v1/items/", "/v1/others/");
        let mut files = vec![
            file("registry/_server.yaml", SERVER),
            file("registry/items/get.yaml", TOOL),
            file("registry/items/other.yaml", &other),
        ];
        let options = LoadOptions::default();
        let first = build_with(
            ContentSource::Embedded(&[]),
            &files,
            &[],
            &[],
            &options,
            &mut cache,
        );
        assert!(first.diagnostics.is_empty(), "{:?}", messages(&first));

        files[2] = file(
            "registry/items/other.yaml",
            &other.replace("/v1/others/", "/v2/others/"),
        );
        let second = build_with(
            ContentSource::Embedded(&[]),
            &files,
            &[],
            &[],
            &options,
            &mut cache,
        );
        assert!(Arc::ptr_eq(
            &first.tools["get_item"],
            &second.tools["get_item"]
        ));
        assert!(!Arc::ptr_eq(
            &first.tools["get_other"],
            &second.tools["get_other"]
        ));
        // Both snapshots still render: the first keeps the templates it was built with.
        assert_eq!(render_path(&second, "get_item", "a"), "/v1/items/a");
        assert_eq!(render_path(&second, "get_other", "b"), "/v2/others/b");
        assert_eq!(render_path(&first, "get_other", "b"), "/v1/others/b");

        // A toolset's settings reach its tools: a changed _toolset.yaml recompiles them.
        files.push(file(
            "registry/items/_toolset.yaml",
            "annotations:\n  openWorldHint: false\n",
        ));
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let third = build_with(
            ContentSource::Embedded(&[]),
            &files,
            &[],
            &[],
            &options,
            &mut cache,
        );
        assert!(third.diagnostics.is_empty(), "{:?}", messages(&third));
        let hint = |c: &Catalog| {
            c.tools["get_item"]
                .listed
                .annotations()
                .unwrap()
                .open_world_hint
        };
        // Listed only where it differs from the MCP default (true).
        assert_eq!((hint(&second), hint(&third)), (None, Some(false)));

        // A removed file is forgotten, and so are its templates.
        files.retain(|f| &*f.path != "registry/items/other.yaml");
        let fourth = build_with(
            ContentSource::Embedded(&[]),
            &files,
            &[],
            &[],
            &options,
            &mut cache,
        );
        assert!(!fourth.tools.contains_key("get_other"));
        assert_eq!(cache.tools.len(), 1);
        assert_eq!(render_path(&fourth, "get_item", "c"), "/v1/items/c");
        // One copy of the path, shared by the file read, the tool and the cache; one of the
        // toolset's name.
        let entry = &fourth.tools["get_item"];
        let read = files.iter().find(|f| f.path == entry.file);
        let (cached, _) = cache.tools.get_key_value(&*entry.file).unwrap();
        assert!(read.is_some_and(|f| Arc::ptr_eq(&f.path, &entry.file)));
        assert!(Arc::ptr_eq(cached, &entry.file));
        assert_eq!(&*entry.toolset, "items");
    }

    #[test]
    fn descriptions_naming_no_tool_are_reported_at_each_build_even_from_the_cache() {
        let mut cache = BuildCache::default();
        let mentions = TOOL
            .replace(
                "description: Gets one item.",
                "description: Gets one item; ids come from get_items.",
            )
            .replace(
                "id: { type: string }",
                "id: { type: string, description: \"From get_items; see get_item.\" }",
            );
        let mut files = vec![
            file("registry/_server.yaml", SERVER),
            file("registry/items/get.yaml", &mentions),
        ];
        let options = LoadOptions::default();
        let mut build = |files: &[SourceFile]| {
            build_with(
                ContentSource::Embedded(&[]),
                files,
                &[],
                &[],
                &options,
                &mut cache,
            )
        };
        let first = build(&files);
        assert_eq!(
            messages(&first),
            [
                "registry/items/get.yaml:2:43: the description names the tool `get_items`, which does not exist; fix the name or add the tool"
            ]
        );
        // The tool it names appears: the unchanged file, reused, is checked again.
        files.push(file(
            "registry/items/list.yaml",
            &TOOL
                .replace("name: get_item", "name: get_items")
                .replace("/v1/items/", "/v1/lists/"),
        ));
        let second = build(&files);
        assert!(Arc::ptr_eq(
            &first.tools["get_item"],
            &second.tools["get_item"]
        ));
        assert!(second.diagnostics.is_empty(), "{:?}", messages(&second));
    }

    #[test]
    fn loads_a_valid_tool_with_method_annotations() {
        let c = load(&[
            file("registry/_server.yaml", SERVER),
            file("registry/items/get.yaml", TOOL),
        ]);
        assert!(c.diagnostics.is_empty(), "{:?}", messages(&c));
        let tool = &c.tools["get_item"];
        assert_eq!(&*tool.toolset, "items");
        let a = tool.listed.annotations().unwrap();
        assert_eq!(
            (
                a.read_only_hint,
                a.destructive_hint,
                a.idempotent_hint,
                a.open_world_hint
            ),
            // Read-only says it all: the other hints keep their MCP defaults.
            (Some(true), None, None, None)
        );
        assert_eq!(c.name, "test-api");
    }

    #[test]
    fn reports_located_problems() {
        let bad_yaml = "name: x\ndescription: \"unclosed\n";
        let unknown_field = "name: x\ndescription: d\ninput: {type: object}\nrequest: {method: GET, path: /x}\nsurprise: 1\n";
        let undeclared = TOOL
            .replace("/v1/items/{{ id }}", "/v1/items/{{ ident }}")
            .replace("name: get_item", "name: other");
        let bad_schema = TOOL
            .replace("id: { type: string }", "id: { type: strin }")
            .replace("name: get_item", "name: third");
        let bad_name = TOOL.replace("name: get_item", "name: has space");
        let dup = TOOL.to_owned();
        let c = load(&[
            file("registry/_server.yaml", SERVER),
            file("registry/a.yaml", bad_yaml),
            file("registry/b.yaml", unknown_field),
            file("registry/c.yaml", &undeclared),
            file("registry/d.yaml", &bad_schema),
            file("registry/e.yaml", &bad_name),
            file("registry/f.yaml", TOOL),
            file("registry/g.yaml", &dup),
        ]);
        let m = messages(&c);
        for expected in [
            "registry/a.yaml:3:1: found unexpected end of stream",
            "registry/b.yaml:5:1: unknown field `surprise`",
            "registry/c.yaml:11:3: request.path uses `ident`",
            "registry/d.yaml:6:11: invalid JSON Schema at /properties/id/type",
            "registry/e.yaml:1:1: tool name `has space`",
            "registry/g.yaml:1:1: tool name `get_item` is already used by registry/f.yaml",
        ] {
            assert!(
                m.iter().any(|d| d.starts_with(expected)),
                "`{expected}` missing: {m:?}"
            );
        }
        assert_eq!(c.tools.len(), 1);
    }

    #[test]
    fn header_and_timeout_rules_live_in_the_file_formats() {
        let tool = "name: t\ndescription: d\ninput: {type: object}\nrequest:\n  method: GET\n  path: /x\n  timeout_seconds: -1\n  headers:\n    \"bad name\": a\n    X-Ok: \"a\\nb\"\n";
        let toolset = "timeout_seconds: 0\nheaders:\n  \"x:y\": 1\n";
        let server = "name: s\nupstream:\n  base_url: http://127.0.0.1:9\n  timeout_seconds: 100000\n  headers:\n    \"a b\": c\n";
        let c = load(&[
            file("registry/_server.yaml", server),
            file("registry/a/_toolset.yaml", toolset),
            file("registry/a/t.yaml", tool),
        ]);
        let m = messages(&c);
        for expected in [
            "registry/a/t.yaml:7:3: request.timeout_seconds",
            "registry/a/t.yaml:8:3: request.headers: \"bad name\"",
            "registry/a/t.yaml:10:5: request.headers.X-Ok",
            "registry/a/_toolset.yaml:1:1: timeout_seconds",
            "registry/a/_toolset.yaml:2:1: headers: \"x:y\"",
            "registry/_server.yaml:4:3: upstream.timeout_seconds",
            "registry/_server.yaml:5:3: upstream.headers: \"a b\"",
        ] {
            assert!(
                m.iter().any(|d| d.starts_with(expected)),
                "`{expected}` missing: {m:?}"
            );
        }
        assert!(c.tools.is_empty() && c.upstream.is_none());
    }

    #[test]
    fn prompt_variables_must_be_declared() {
        let ok = "---\nname: p\narguments:\n  - { name: env, required: true }\n---\nDeploy to {{ env }}.\n";
        let bad = "---\nname: q\narguments: []\n---\nline one\nDeploy to {{ target }}.\n";
        let hbs_bad =
            "---\nname: h\narguments:\n  - { name: a }\n---\n{{a}} and {{#if b}}x{{/if}}\n";
        let c = load(&[
            file("registry/_server.yaml", SERVER),
            file("prompts/ok.j2", ok),
            file("prompts/bad.j2", bad),
            file("prompts/h.hbs", hbs_bad),
        ]);
        let m = messages(&c);
        assert!(
            m.iter()
                .any(|d| d.starts_with("prompts/bad.j2:6:1: the template reads `target`")),
            "{m:?}"
        );
        assert!(
            m.iter()
                .any(|d| d.starts_with("prompts/h.hbs:6:") && d.contains("`b`")),
            "{m:?}"
        );
        assert!(c.prompts.contains_key("p"));
    }

    #[test]
    fn duplicate_resource_uris_are_refused() {
        let r = "---\nuri: test://a\nname: a\n---\n# A\n";
        let c = load(&[
            file("registry/_server.yaml", SERVER),
            file("resources/a.md", r),
            file("resources/b.md", r),
        ]);
        let m = messages(&c);
        assert!(
            m.iter().any(|d| d.starts_with(
                "resources/b.md:2:1: uri `test://a` is already used by resources/a.md"
            )),
            "{m:?}"
        );
        assert_eq!(c.resources["test://a"].text.as_ref(), "# A\n");
    }
}
