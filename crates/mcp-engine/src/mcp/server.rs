// Logging (setLevel, LoggingLevel) is deprecated only from the 2026-07-28 protocol on;
// clients of the earlier revisions still use it.
#![allow(deprecated)]

use std::collections::BTreeMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult, CompletionInfo,
    ContentBlock, CustomRequest, CustomResult, GetPromptRequestParams, GetPromptResponse,
    GetPromptResult, Implementation, JsonObject, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, ListToolsResult, PaginatedRequestParams, PromptMessage, ProtocolVersion,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Reference,
    ResourceContents, Role, ServerCapabilities, ServerConfig, SetLevelRequestParams,
    SubscribeRequestParams, SubscriptionFilter, Tool, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::Value;

use super::completion;
use super::confirm::{self, Asking, ConfirmMode, Confirmation};
use super::confirm_state::ConfirmationStates;
use super::paging;
use super::session::{Session, Sessions};
use super::status;
use super::tool_search;
use super::used_states::UsedStates;
use crate::call::{Caller, Step};
use crate::catalog::{Catalog, ListedTool, to_tools};
use crate::observe::trace;
use crate::transport::auth::CallerCredentials;
use crate::transport::oauth::Grant;
use tracing::Instrument;

/// The handler of one client session. Sessions share the catalog and the caller.
#[derive(Clone)]
pub(crate) struct McpServer {
    inner: Arc<Inner>,
    session: Arc<Session>,
}

struct Inner {
    catalog: Arc<ArcSwap<Catalog>>,
    caller: Caller,
    sessions: Sessions,
    confirm_destructive: ConfirmMode,
    questions: ConfirmationStates,
    /// `--tool-search`: tools/list holds the search meta-tools instead of the catalogue.
    tool_search: bool,
    /// After a long tool list, over any transport: building it parsed every schema back.
    release: crate::transport::memory::ReleaseSoon,
}

/// A tool list this long is built from tens of megabytes of parsed schemas.
const LONG_LIST: usize = 1000;

impl McpServer {
    /// `confirm_destructive`: whether the user is asked before each destructive call.
    pub(crate) fn new(
        catalog: Arc<ArcSwap<Catalog>>,
        caller: Caller,
        sessions: Sessions,
        confirm_destructive: ConfirmMode,
        confirmation_key: Option<[u8; 32]>,
        used_confirmations: UsedStates,
    ) -> Self {
        let session = sessions.open();
        Self {
            inner: Arc::new(Inner {
                catalog,
                caller,
                sessions,
                confirm_destructive,
                release: Default::default(),
                questions: ConfirmationStates::new(
                    confirmation_key,
                    confirm::ANSWER_WITHIN,
                    used_confirmations,
                ),
                tool_search: false,
            }),
            session,
        }
    }

    /// Serves the catalogue through search meta-tools (see `tool_search`). Only before the
    /// handler is shared.
    pub(crate) fn with_tool_search(mut self, on: bool) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.tool_search = on;
        }
        self
    }

    /// Once the content has loaded after an early `initialize` answer: a catalogue with no
    /// tool is said to the client in a log message, as the instructions would have said.
    pub(crate) fn tell_if_no_tools(&self) {
        let catalog = self.inner.catalog.load();
        if !catalog.opening && catalog.tools.is_empty() {
            self.session
                .tell_no_tools(&catalog.program, no_tools(&catalog));
        }
    }

    /// Whether `tool` may be called by a caller whose grant is `read_only`.
    fn visible(catalog: &Catalog, read_only: bool, tool: &str) -> bool {
        !read_only || catalog.tools.get(tool).is_some_and(|e| e.read_only)
    }

    /// A call of one of the meta-tools of search mode.
    async fn call_meta(
        &self,
        catalog: &Arc<Catalog>,
        request: &CallToolRequestParams,
        arguments: Option<JsonObject>,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let name = request.name.as_ref();
        let read_only = reads_only(ctx);
        let arguments = arguments.unwrap_or_default();
        let text = |s: &str| arguments.get(s).and_then(Value::as_str).map(str::to_owned);
        let answer = |value: Value| {
            Ok(CallToolResponse::from(
                rmcp::model::CallToolResult::success(vec![ContentBlock::text(value.to_string())]),
            ))
        };
        match name {
            tool_search::SEARCH => {
                let Some(query) = text("query") else {
                    return Err(McpError::invalid_params(
                        "search_tools needs a query: the task in a few words",
                        None,
                    ));
                };
                let limit = arguments
                    .get("limit")
                    .and_then(Value::as_u64)
                    .map_or(5, |l| l.clamp(1, 20) as usize);
                if catalog.search_index.get().is_none() {
                    // Reading every listed tool's words takes most of a second at 100,000
                    // tools: off the runtime's threads, so other requests go on meanwhile.
                    let building = Arc::clone(catalog);
                    let _ = tokio::task::spawn_blocking(move || {
                        building.search_index();
                    })
                    .await;
                }
                let found: Vec<Value> = catalog
                    .search_index()
                    .search(
                        &query,
                        |i| {
                            catalog
                                .tool_list
                                .get(i)
                                .is_some_and(|t| Self::visible(catalog, read_only, t.name()))
                        },
                        limit,
                    )
                    .into_iter()
                    .filter_map(|i| catalog.tool_list.get(i))
                    .map(|t| {
                        let reads = catalog.tools.get(t.name()).is_some_and(|e| e.read_only);
                        tool_search::summary(t, reads)
                    })
                    .collect();
                answer(Value::Array(found))
            }
            tool_search::DESCRIBE => {
                // The list is in name order (as tools/list answers it).
                let tool = text("name").and_then(|n| {
                    let at = catalog
                        .tool_list
                        .binary_search_by(|t| t.name().cmp(n.as_str()))
                        .ok()?;
                    catalog
                        .tool_list
                        .get(at)
                        .filter(|_| Self::visible(catalog, read_only, &n))
                });
                match tool {
                    Some(tool) => answer(serde_json::to_value(tool.to_tool()).unwrap_or_default()),
                    None => Err(McpError::invalid_params(
                        "no tool has this name; find one with search_tools",
                        None,
                    )),
                }
            }
            _ => {
                let Some(target) = text("name") else {
                    return Err(McpError::invalid_params(
                        "call_tool needs the name of the tool to call",
                        None,
                    ));
                };
                if tool_search::is_meta(&target) {
                    return Err(McpError::invalid_params(
                        "call_tool calls a tool of the catalogue, not a search tool",
                        None,
                    ));
                }
                if !Self::visible(catalog, read_only, &target) {
                    return Err(McpError::invalid_params(
                        format!(
                            "`{}` changes things, and this token may only read; ask for the write scope",
                            shown(&target)
                        ),
                        None,
                    ));
                }
                let mut inner = CallToolRequestParams::new(target);
                inner.input_responses = request.input_responses.clone();
                inner.request_state = request.request_state.clone();
                let inner_arguments = tool_search::call_arguments(arguments.get("arguments"))
                    .map_err(|e| McpError::invalid_params(e, None))?;
                self.run_call(catalog, &inner, inner_arguments, ctx).await
            }
        }
    }

    /// For `/readyz`: whether calls can be made (the upstream is configured), the content's
    /// version, and how many tools are served.
    pub(crate) fn readiness(&self) -> (bool, String, usize) {
        let catalog = self.inner.catalog.load();
        (
            catalog.upstream.is_some(),
            catalog.version.clone(),
            catalog.tool_list.len(),
        )
    }

    /// Whether `tool` only reads (an unknown tool counts as one: its call fails anyway).
    pub(crate) fn tool_is_read_only(&self, tool: &str) -> bool {
        self.inner
            .catalog
            .load()
            .tools
            .get(tool)
            .is_none_or(|e| e.read_only)
    }

    /// What calls are counted in.
    pub(crate) fn metrics(&self) -> std::sync::Arc<crate::observe::Metrics> {
        self.inner.caller.metrics().clone()
    }

    /// The Prometheus text of the metrics, with the values read now. `not_clients`:
    /// sessions that are no client's (over HTTP, this handler's own, which new sessions
    /// are made from).
    pub(crate) fn metrics_text(&self, not_clients: usize) -> String {
        let catalog = self.inner.catalog.load();
        self.inner.caller.metrics().render(
            self.inner.sessions.open_count().saturating_sub(not_clients),
            &catalog.version,
            catalog.tool_list.len(),
        )
    }

    /// How many sessions ended since this was last asked.
    pub(crate) fn sessions_ended(&self) -> usize {
        self.inner.sessions.take_ended()
    }

    /// A handler for another connection (HTTP transport), with its own subscriptions.
    pub(crate) fn new_session(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            session: self.inner.sessions.open(),
        }
    }

    /// One tool call; a destructive one is confirmed by the user first when asked to.
    /// The values a completion source's tool gives; none when the tool is not served, not
    /// read-only, fails, or answers something else than JSON (a dry run).
    async fn values_from_tool(
        &self,
        catalog: &Catalog,
        from: &crate::definition::prompt::CompleteFrom,
        known: &std::collections::HashMap<String, String>,
        ctx: &RequestContext<RoleServer>,
    ) -> Vec<(String, Option<String>)> {
        if !catalog.tools.get(&from.tool).is_some_and(|t| t.read_only) {
            return Vec::new();
        }
        // `"{{ name }}"`: the value the client already has for another argument.
        let mut arguments = JsonObject::new();
        for (key, value) in &from.arguments {
            let named = value
                .as_str()
                .and_then(|s| s.trim().strip_prefix("{{"))
                .and_then(|s| s.strip_suffix("}}"))
                .map(str::trim);
            let value = match named {
                Some(name) => match known.get(name) {
                    Some(given) => Value::String(given.clone()),
                    // Not chosen yet: nothing to list.
                    None => return Vec::new(),
                },
                None => value.clone(),
            };
            arguments.insert(key.clone(), value);
        }
        let credentials = ctx
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CallerCredentials>());
        let caller = &self.inner.caller;
        let result = match caller.prepare(catalog, &from.tool, Some(arguments), credentials) {
            Ok(Step::Send(pending)) => caller.send(*pending).await,
            _ => return Vec::new(),
        };
        if result.is_error == Some(true) {
            return Vec::new();
        }
        let text = result
            .content
            .iter()
            .find_map(|c| c.as_text().map(|t| t.text.clone()))
            .unwrap_or_default();
        // The JSON, without a note that may follow it (a list cut by `max_items`).
        match serde_json::Deserializer::from_str(&text)
            .into_iter::<Value>()
            .next()
        {
            Some(Ok(answer)) => completion::picked(from, &answer),
            _ => Vec::new(),
        }
    }

    async fn run_call(
        &self,
        catalog: &Catalog,
        request: &CallToolRequestParams,
        arguments: Option<JsonObject>,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let caller = &self.inner.caller;
        // Over HTTP with users' own keys, the request carries the caller's credentials.
        let credentials = ctx
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CallerCredentials>());
        let pending = match caller
            .prepare(catalog, &request.name, arguments, credentials)
            .map_err(|e| McpError::invalid_params(e.to_string(), None))?
        {
            Step::Done(result) => return Ok(result.into()),
            Step::Send(pending) => *pending,
        };
        let mode = self.inner.confirm_destructive;
        if mode != ConfirmMode::Off && pending.destructive() {
            let asking = Asking {
                peer: &ctx.peer,
                protocol: ctx.protocol_version(),
                capabilities: ctx.client_capabilities(),
                input_responses: request.input_responses.as_ref(),
                request_state: request.request_state.as_deref(),
            };
            let stateless = ctx
                .protocol_version()
                .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
            match confirm::ask(asking, &self.inner.questions, &pending).await {
                Confirmation::Confirmed => {}
                // Protocol 2026-07-28 names the capability the client lacks, in an error.
                Confirmation::CannotAsk if mode == ConfirmMode::Require && stateless => {
                    caller.decline(pending, confirm::CANNOT_ASK_REQUIRED);
                    return Err(McpError::missing_required_client_capability(
                        confirm::needed_capabilities(),
                    ));
                }
                Confirmation::CannotAsk if mode == ConfirmMode::Require => {
                    return Ok(caller.decline(pending, confirm::CANNOT_ASK_REQUIRED).into());
                }
                Confirmation::InvalidState(why) => {
                    caller.decline(pending, &why);
                    return Err(McpError::invalid_params(why, None));
                }
                Confirmation::StateUnknown(why) => {
                    caller.decline(pending, &why);
                    return Err(McpError::internal_error(why, None));
                }
                Confirmation::CannotAsk => {
                    tracing::debug!(tool = pending.tool(), "the client cannot confirm: calling");
                }
                Confirmation::Refused(why) => return Ok(caller.decline(pending, &why).into()),
                Confirmation::InputRequired(ask) => {
                    return Ok(CallToolResponse::InputRequired(ask));
                }
            }
        }
        Ok(caller.send(pending).await.into())
    }
}

/// Whether the request's grant (an OAuth token with only the read scope) may only read.
fn reads_only(ctx: &RequestContext<RoleServer>) -> bool {
    ctx.extensions
        .get::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Grant>())
        == Some(&Grant::ReadOnly)
}

fn no_such_resource(uri: &str) -> McpError {
    let uri = shown(uri);
    McpError::resource_not_found(
        format!("no resource has the URI `{uri}`; call resources/list to see them"),
        Some(serde_json::json!({ "uri": uri })),
    )
}

/// Why a catalogue serves no tool, for the client.
fn no_tools(catalog: &Catalog) -> String {
    format!(
        "This server serves no tools now: {} holds no tool that loads ({} problem(s), listed by the {} resource).",
        catalog.source.describe(),
        catalog.diagnostics.len(),
        catalog.status_uri()
    )
}

/// A name or URI the client sent, as echoed in an error: short, whatever was sent.
fn shown(text: &str) -> String {
    crate::text::truncate(text, 200)
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        let catalog = self.inner.catalog.load();
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_tool_list_changed()
            .enable_prompts()
            .enable_prompts_list_changed()
            .enable_resources()
            .enable_resources_list_changed()
            .enable_resources_subscribe()
            .enable_completions()
            .enable_logging()
            .build();
        let mut implementation =
            Implementation::new(catalog.name.clone(), env!("CARGO_PKG_VERSION"));
        implementation.title = catalog.title.clone();
        let mut config = ServerConfig::new(capabilities).with_server_info(implementation);
        let mut instructions = catalog.instructions.clone().unwrap_or_default();
        if catalog.opening {
            // Whether a tool loads is not known yet: the client is told once it is.
            self.session.answered_before_load();
        } else if catalog.tools.is_empty() {
            // Never silently empty: the user learns why through the client.
            instructions.insert_str(0, &format!("{}\n\n", no_tools(&catalog)));
        }
        if !instructions.is_empty() {
            config = config.with_instructions(instructions);
        }
        config
    }

    /// For the HTTP transport's check of `Mcp-Param-*` headers (SEP-2243) against the
    /// arguments a schema marks `x-mcp-header`.
    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.inner
            .catalog
            .load()
            .tools
            .get(name)
            .map(|entry| entry.listed.to_called_tool())
    }

    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _: RequestContext<RoleServer>,
    ) -> Result<CustomResult, McpError> {
        Err(super::refusal::untyped_request(
            &request.method,
            request.params,
        ))
    }

    async fn list_tools(
        &self,
        page: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let _span = trace::request_span("tools/list", None, &ctx.meta).entered();
        let catalog = self.inner.catalog.load();
        // A read-only grant (an OAuth token with the read scope) sees only what it may call.
        let read_only = reads_only(&ctx);
        if self.inner.tool_search {
            paging::single_page(page.as_ref(), "tool list")?;
            return Ok(ListToolsResult::with_all_items(tool_search::meta_tools(
                &catalog.program,
                catalog.schema_profile,
            )));
        }
        let visible = |t: &&ListedTool| {
            !read_only || catalog.tools.get(t.name()).is_some_and(|e| e.read_only)
        };
        let Some(size) = catalog.page_size else {
            paging::single_page(page.as_ref(), "tool list")?;
            let all: Vec<&ListedTool> = catalog.tool_list.iter().filter(visible).collect();
            if all.len() > LONG_LIST {
                self.inner.release.request();
            }
            return Ok(ListToolsResult::with_all_items(to_tools(&all)));
        };
        let start = match page.and_then(|p| p.cursor) {
            None => 0,
            Some(cursor) => paging::offset(&cursor, &catalog.version).ok_or_else(|| {
                McpError::invalid_params(
                    "this cursor is not one of this tool list (the list changed since, or the cursor was altered); list the tools again from the start",
                    None,
                )
            })?,
        };
        let page: Vec<&ListedTool> = catalog
            .tool_list
            .iter()
            .filter(visible)
            .skip(start)
            .take(size + 1)
            .collect();
        if page.len() > LONG_LIST {
            self.inner.release.request();
        }
        let mut result = ListToolsResult::with_all_items(to_tools(&page));
        if result.tools.len() > size {
            result.tools.truncate(size);
            result.next_cursor = Some(paging::cursor(start + size, &catalog.version));
        }
        Ok(result)
    }

    async fn call_tool(
        &self,
        mut request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        // The snapshot is held for the whole call: a reload meanwhile does not change it.
        let catalog = self.inner.catalog.load_full();
        // Taken, not cloned: the rest of the request is still read (name, confirmation).
        let arguments = request.arguments.take();
        // Named only when the catalogue has the tool: a made-up name stays out of traces.
        let known = catalog.tools.contains_key(request.name.as_ref());
        let span = trace::request_span(
            "tools/call",
            known.then_some(request.name.as_ref()),
            &ctx.meta,
        );
        let meta = self.inner.tool_search && tool_search::is_meta(&request.name);
        // Boxed: rmcp spawns a task per request whose future holds the largest of the
        // handlers' futures, and a call's (the HTTP client's states among them) was tens of
        // kilobytes, copied several times over at each spawn (docs/performance.md).
        let call = Box::pin(
            async {
                if meta {
                    self.call_meta(&catalog, &request, arguments, &ctx).await
                } else {
                    self.run_call(&catalog, &request, arguments, &ctx).await
                }
            }
            .instrument(span),
        );
        tokio::select! {
            result = call => result,
            _ = ctx.ct.cancelled() => {
                tracing::debug!(tool = %request.name, "call cancelled by the client");
                Err(McpError::internal_error("the call was cancelled", None))
            }
        }
    }

    async fn list_resources(
        &self,
        page: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        paging::single_page(page.as_ref(), "resource list")?;
        let catalog = self.inner.catalog.load();
        let mut resources: Vec<_> = catalog
            .resources
            .values()
            .map(|r| r.resource.clone())
            .collect();
        resources.push(status::resource(&catalog));
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let _span =
            trace::request_span("resources/read", Some(&shown(&request.uri)), &ctx.meta).entered();
        let catalog = self.inner.catalog.load();
        if request.uri == catalog.status_uri() {
            let text = crate::catalog::status::render(&catalog);
            return Ok(ReadResourceResult::new(vec![
                ResourceContents::text(text, request.uri.clone()).with_mime_type("text/markdown"),
            ])
            .into());
        }
        match catalog.read_resource(&request.uri) {
            Some(Ok(contents)) => Ok(ReadResourceResult::new(vec![contents]).into()),
            Some(Err(why)) => Err(McpError::internal_error(
                format!(
                    "the resource `{}` cannot be made: {why}",
                    shown(&request.uri)
                ),
                None,
            )),
            None => Err(no_such_resource(&request.uri)),
        }
    }

    async fn list_resource_templates(
        &self,
        page: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        paging::single_page(page.as_ref(), "resource template list")?;
        let catalog = self.inner.catalog.load();
        Ok(ListResourceTemplatesResult::with_all_items(
            catalog
                .resource_templates
                .iter()
                .map(|t| t.template.clone())
                .collect(),
        ))
    }

    async fn list_prompts(
        &self,
        page: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        paging::single_page(page.as_ref(), "prompt list")?;
        let catalog = self.inner.catalog.load();
        Ok(ListPromptsResult::with_all_items(
            catalog.prompts.values().map(|p| p.prompt.clone()).collect(),
        ))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let _span =
            trace::request_span("prompts/get", Some(&shown(&request.name)), &ctx.meta).entered();
        let catalog = self.inner.catalog.load();
        let Some(entry) = catalog.prompts.get(&request.name) else {
            return Err(McpError::invalid_params(
                format!(
                    "unknown prompt `{}`; call prompts/list to see them",
                    shown(&request.name)
                ),
                None,
            ));
        };
        let given: BTreeMap<String, String> = request
            .arguments
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                (
                    k,
                    match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    },
                )
            })
            .collect();
        let text = catalog
            .prompt_templates
            .render(entry, &given)
            .map_err(|e| {
                McpError::invalid_params(format!("prompt `{}`: {e}", shown(&request.name)), None)
            })?;
        let mut messages = vec![PromptMessage::new(Role::User, ContentBlock::text(text))];
        for uri in &entry.resources {
            let uri = catalog
                .prompt_templates
                .render_text(uri, &given)
                .map_err(|e| {
                    McpError::invalid_params(
                        format!("prompt `{}`: {e}", shown(&request.name)),
                        None,
                    )
                })?;
            let contents = match catalog.read_resource(&uri) {
                Some(Ok(contents)) => contents,
                _ => ResourceContents::text(
                    format!("No resource of this server has the URI {}.", shown(&uri)),
                    uri.clone(),
                ),
            };
            messages.push(PromptMessage::new(
                Role::User,
                ContentBlock::resource(contents),
            ));
        }
        for image in &entry.images {
            messages.push(PromptMessage::new(
                Role::User,
                ContentBlock::image(image.data.clone(), image.mime_type.clone()),
            ));
        }
        let mut result = GetPromptResult::new(messages);
        if let Some(d) = &entry.prompt.description {
            result = result.with_description(d.clone());
        }
        Ok(result.into())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        let catalog = self.inner.catalog.load_full();
        let from = match &request.r#ref {
            Reference::Prompt(p) => match catalog.prompts.get(&p.name) {
                Some(prompt) => prompt
                    .arguments
                    .iter()
                    .find(|a| a.name == request.argument.name)
                    .map(|a| a.complete.as_ref().ok_or(prompt)),
                None => {
                    return Err(McpError::invalid_params(
                        format!("unknown prompt `{}`", shown(&p.name)),
                        None,
                    ));
                }
            },
            Reference::Resource(r) => catalog
                .resource_templates
                .iter()
                .find(|t| t.template.uri_template == r.uri)
                .and_then(|t| t.complete.get(&request.argument.name))
                .map(Ok),
            _ => None,
        };
        let (values, total) = match from {
            // Values read from a tool's answer.
            Some(Ok(from)) => {
                let known = request
                    .context
                    .as_ref()
                    .and_then(|c| c.arguments.clone())
                    .unwrap_or_default();
                let picked = self.values_from_tool(&catalog, from, &known, &ctx).await;
                completion::matching(picked, &request.argument.value)
            }
            // A prompt argument's own `enum`.
            Some(Err(prompt)) => {
                completion::complete(prompt, &request.argument.name, &request.argument.value)
            }
            None => (Vec::new(), 0),
        };
        let has_more = total > values.len();
        let info = CompletionInfo::with_pagination(values, Some(total as u32), has_more)
            .map_err(|e| McpError::internal_error(e.to_string(), None))?;
        Ok(CompleteResult::new(info))
    }

    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.session.set_log_level(request.level);
        Ok(())
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        self.session.set_peer(context.peer);
        // The content may have loaded between the `initialize` answer and now.
        self.tell_if_no_tools();
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        // A URI that names no resource yet is accepted: its file may be created later, and
        // the subscriber is told when it is. Only what is not a URI at all is refused.
        if url::Url::parse(&request.uri).is_err() {
            return Err(McpError::invalid_params(
                format!(
                    "`{}` is not a URI; subscribe to a URI from resources/list",
                    request.uri
                ),
                None,
            ));
        }
        self.session.subscribe(request.uri);
        Ok(())
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.session.unsubscribe(&request.uri);
        Ok(())
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        Some(requested.supported_by(&self.get_info().capabilities))
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), McpError> {
        let sink = context.sink().clone();
        let id = sink.id().clone();
        self.session.add_sink(sink);
        context.cancelled().await;
        self.session.remove_sink(&id);
        Ok(())
    }
}
