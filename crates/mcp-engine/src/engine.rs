//! The one entry point for a program that embeds the engine: say where the content is and
//! how calls behave, build, then serve over stdio or HTTP (or call one tool).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::model::{CallToolResult, JsonObject};
use tokio_util::sync::CancellationToken;

use crate::call::audit::{AuditLog, AuditOpenError};
use crate::call::{CallError, Caller};
use crate::catalog::{Catalog, ClientLimits, LoadOptions, Selection, SelectionError};
use crate::mcp::{ConfirmMode, McpServer, Sessions, UsedStates};
use crate::reload::{self, Reloader, WatchHandle};
use crate::secret::LogSecrets;
use crate::source::{ContentSource, EmbeddedFiles};
use crate::transport::http::{self as http_transport, Access};
use crate::transport::stdio::{MAX_LINE, StdioTransport};

/// How long a background load waits for the `initialize` answer to be written before it
/// starts anyway.
const START_LOAD_WITHIN: Duration = Duration::from_millis(50);

/// What can stop an engine from being built or from serving.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A `--tools` pattern is not a glob.
    #[error(transparent)]
    Selection(#[from] SelectionError),
    /// The audit log cannot be opened.
    #[error(transparent)]
    AuditLog(#[from] AuditOpenError),
    /// The HTTP client cannot be built.
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
    /// The content root cannot be watched.
    #[error("cannot watch the content folders ({0}); serve without hot reload to go on")]
    Watch(String),
    /// The MCP session failed or could not start.
    #[error("the MCP session failed: {0}")]
    Session(String),
    /// The HTTP server failed.
    #[error("the HTTP server failed: {0}")]
    Http(#[from] std::io::Error),
    /// A setting given to the builder cannot be used.
    #[error("{0}")]
    Settings(String),
}

/// Settings of an [`Engine`], given one by one; see [`Engine::builder`].
#[derive(Clone)]
pub struct EngineBuilder {
    program: Arc<str>,
    version: String,
    source: ContentSource,
    selection: Selection,
    max_response_bytes: Option<usize>,
    upstream_env: BTreeMap<String, String>,
    dry_run: bool,
    confirm: ConfirmMode,
    confirmation_key: Option<[u8; 32]>,
    confirmation_store: Option<String>,
    metrics_address: Option<std::net::SocketAddr>,
    pretty_answers: bool,
    tool_search: bool,
    schema_profile: Option<crate::SchemaProfile>,
    audit_log: Option<PathBuf>,
    watch: bool,
    load_in_background: bool,
    log_secrets: LogSecrets,
}

/// A built engine: the catalog loaded, the HTTP client ready. Serve it, or call its tools.
pub struct Engine {
    program: Arc<str>,
    source: ContentSource,
    reloader: Reloader,
    caller: Caller,
    confirm: ConfirmMode,
    confirmation_key: Option<[u8; 32]>,
    confirmation_store: Option<String>,
    metrics_address: Option<std::net::SocketAddr>,
    tool_search: bool,
    watch: bool,
    /// Whether the catalog has loaded; see [`EngineBuilder::load_in_background`].
    loaded: bool,
    /// Dropped to let the HTTP client be built, when it waits for the load to start.
    start_client: Option<std::sync::mpsc::Sender<()>>,
}

impl Engine {
    /// Starts the settings of an engine for the program `program` (its name appears in the
    /// status resource URI `<program>://status`, the client log and messages) at `version`.
    /// The content is empty until [`EngineBuilder::content_root`] or
    /// [`EngineBuilder::embedded`] says where it is.
    pub fn builder(program: &str, version: &str) -> EngineBuilder {
        EngineBuilder {
            program: Arc::from(program),
            version: version.to_owned(),
            source: ContentSource::Embedded(&[]),
            selection: Selection::default(),
            max_response_bytes: None,
            upstream_env: BTreeMap::new(),
            dry_run: false,
            confirm: ConfirmMode::Ask,
            confirmation_key: None,
            confirmation_store: None,
            metrics_address: None,
            pretty_answers: false,
            tool_search: false,
            schema_profile: None,
            audit_log: None,
            watch: true,
            load_in_background: false,
            log_secrets: LogSecrets::default(),
        }
    }

    /// The catalog served now (it changes with each reload). Built with
    /// [`EngineBuilder::load_in_background`], it is a stand-in with no tool until serving
    /// has loaded the content.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.reloader.catalog().load_full()
    }

    /// Calls one tool as a client would, without a confirmation (the caller is the user).
    pub async fn call(
        &self,
        tool: &str,
        arguments: JsonObject,
    ) -> Result<CallToolResult, CallError> {
        let catalog = self.catalog();
        self.caller.call(&catalog, tool, Some(arguments)).await
    }

    /// Serves MCP on the process's standard input and output until the client leaves.
    pub async fn serve_stdio(self) -> Result<(), EngineError> {
        self.serve_stdio_once_loaded(|_| Ok(())).await
    }

    /// [`Self::serve_stdio`], with `verdict` deciding whether the loaded catalog may be
    /// served: an `Err` ends the session with [`EngineError::Settings`] and its message.
    /// With [`EngineBuilder::load_in_background`], `initialize` is answered while the
    /// catalog loads, every other request waits for it, and the verdict comes once it has
    /// loaded; otherwise the verdict comes first.
    pub async fn serve_stdio_once_loaded<V>(mut self, verdict: V) -> Result<(), EngineError>
    where
        V: FnOnce(&Catalog) -> Result<(), String> + Send + 'static,
    {
        let loaded = self.loaded;
        let mut verdict = Some(verdict);
        if loaded && let Some(verdict) = verdict.take() {
            verdict(&self.catalog()).map_err(EngineError::Settings)?;
        }
        let start_client = self.start_client.take();
        let (server, sessions, loader) = self.handler(CancellationToken::new(), false).await?;
        // Dropped unsent when the load fails: the requests held are never answered.
        let (ready, ready_now) = tokio::sync::watch::channel(loaded);
        let (sent, mut outcome) = tokio::sync::oneshot::channel();
        let (wanted, wanted_now) = tokio::sync::oneshot::channel();
        if let Some(verdict) = verdict {
            let server = server.clone();
            tokio::spawn(async move {
                // The load and the HTTP client's certificates would take the cores from
                // the `initialize` answer: they start once it is written, or a request
                // needs them, or a client slow to ask has had its moment.
                let _ = tokio::time::timeout(START_LOAD_WITHIN, wanted_now).await;
                drop(start_client);
                let watch = loader.load(server, sessions, verdict).await;
                if watch.is_ok() {
                    let _ = ready.send(true);
                }
                let _ = sent.send(watch);
            });
        } else {
            let _ = sent.send(loader.watch(sessions, server.metrics()));
        }
        let transport = {
            let (read, write) = rmcp::transport::stdio_pipes();
            StdioTransport::new(read, write, MAX_LINE).held_until(ready_now, wanted)
        };
        let lost = || {
            Err(EngineError::Settings(
                "the content could not be loaded".to_owned(),
            ))
        };
        // The watcher, once there is one, lives as long as the session.
        let mut watch = None;
        let serving = server.serve(transport);
        tokio::pin!(serving);
        let running = loop {
            tokio::select! {
                running = &mut serving => match running {
                    Ok(running) => break running,
                    Err(e) => {
                        // No session (standard input closed before `initialize`, say):
                        // a refusal of the content still says why.
                        if watch.is_none() && let Ok(Err(refused)) = (&mut outcome).await {
                            return Err(refused);
                        }
                        return Err(EngineError::Session(e.to_string()));
                    }
                },
                result = &mut outcome, if watch.is_none() => match result {
                    Ok(result) => watch = Some(result?),
                    Err(_) => return lost(),
                },
            }
        };
        let token = running.cancellation_token();
        let ended = running.waiting();
        tokio::pin!(ended);
        if watch.is_none() {
            tokio::select! {
                result = &mut ended => {
                    // The session ended while the content loaded (a refused content ends
                    // it too): a refusal still says why.
                    if let Ok(Err(refused)) = (&mut outcome).await {
                        return Err(refused);
                    }
                    result.map_err(|e| EngineError::Session(e.to_string()))?;
                    return Ok(());
                }
                result = &mut outcome => match result {
                    Ok(Ok(handle)) => watch = Some(handle),
                    failed => {
                        token.cancel();
                        let _ = (&mut ended).await;
                        return match failed {
                            Ok(Err(e)) => Err(e),
                            _ => lost(),
                        };
                    }
                },
            }
        }
        ended
            .await
            .map_err(|e| EngineError::Session(e.to_string()))?;
        drop(watch);
        Ok(())
    }

    /// Serves MCP over Streamable HTTP on `listener` (path `/mcp`) until `shutdown` is
    /// cancelled, to the hosts and origins `access` allows.
    pub async fn serve_http(
        self,
        listener: tokio::net::TcpListener,
        access: Access,
        shutdown: CancellationToken,
    ) -> Result<(), EngineError> {
        let loaded = self.loaded;
        let (server, sessions, mut loader) = self.handler(shutdown.clone(), true).await?;
        if !loaded {
            // HTTP clients are not held: the content loads before the port is served.
            loader = loader.load_now().await?;
        }
        let _watch = loader.watch(sessions, server.metrics())?;
        http_transport::serve(listener, server, access, shutdown).await?;
        Ok(())
    }

    /// The MCP handler, and what loads and watches the content.
    /// `http`: new sessions are made from this handler, which is then no client's.
    async fn handler(
        self,
        shutdown: CancellationToken,
        http: bool,
    ) -> Result<(McpServer, Sessions, Loader), EngineError> {
        let used_confirmations = match &self.confirmation_store {
            Some(url) => UsedStates::shared(url)
                .await
                .map_err(EngineError::Settings)?,
            None => UsedStates::local(),
        };
        let sessions = Sessions::default();
        let server = McpServer::new(
            self.reloader.catalog(),
            self.caller,
            sessions.clone(),
            self.confirm,
            self.confirmation_key,
            used_confirmations,
        )
        .with_tool_search(self.tool_search);
        if let Some(address) = self.metrics_address {
            let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
                EngineError::Settings(format!(
                    "cannot serve metrics on {address} ({e}); choose another --metrics address"
                ))
            })?;
            let shown = listener.local_addr().unwrap_or(address);
            tracing::info!("metrics on http://{shown}/metrics");
            tokio::spawn(crate::observe::metrics_server::serve(
                listener,
                server.clone(),
                usize::from(http),
                shutdown,
            ));
        }
        let loader = Loader {
            source: self.source,
            reloader: self.reloader,
            watch: self.watch,
        };
        Ok((server, sessions, loader))
    }

    /// The program this engine serves for.
    pub fn program(&self) -> &str {
        &self.program
    }
}

/// The content's reloader, before it is handed to the watcher.
struct Loader {
    source: ContentSource,
    reloader: Reloader,
    watch: bool,
}

impl Loader {
    /// Watches a content root on disk for changes, when asked to.
    fn watch(
        self,
        sessions: Sessions,
        metrics: Arc<crate::observe::Metrics>,
    ) -> Result<Option<WatchHandle>, EngineError> {
        let ContentSource::Directory(root) = &self.source else {
            return Ok(None);
        };
        if !self.watch {
            return Ok(None);
        }
        reload::spawn(root.clone(), self.reloader, move |changes| {
            let sessions = sessions.clone();
            metrics.reloaded(changes.has_problems());
            async move { sessions.broadcast(&changes).await }
        })
        .map(Some)
        .map_err(|e| EngineError::Watch(e.to_string()))
    }

    /// Loads the catalog, off the runtime's threads.
    async fn load_now(mut self) -> Result<Self, EngineError> {
        let loaded = tokio::task::spawn_blocking(move || {
            self.reloader.load();
            self
        })
        .await
        .map_err(|e| EngineError::Settings(format!("the content could not be loaded: {e}")))?;
        // The build gives its scratch back as it ends, yet with 100,000 tools a second pass
        // half a second later returned another 11 to 13 MB, where one right after the
        // first returned nothing: memory is freed after the build's own pass
        // (docs/performance.md).
        crate::transport::memory::ReleaseSoon::default().request();
        Ok(loaded)
    }

    /// Loads the catalog on a thread of its own, asks `verdict` whether it may be served,
    /// then watches the root; tells `server`'s client if no tool loaded.
    async fn load<V>(
        mut self,
        server: McpServer,
        sessions: Sessions,
        verdict: V,
    ) -> Result<Option<WatchHandle>, EngineError>
    where
        V: FnOnce(&Catalog) -> Result<(), String>,
    {
        let catalog = self.reloader.catalog();
        self = self.load_now().await?;
        verdict(&catalog.load()).map_err(EngineError::Settings)?;
        let watch = self.watch(sessions, server.metrics())?;
        server.tell_if_no_tools();
        Ok(watch)
    }
}

impl EngineBuilder {
    /// Serves the content of a root on disk (`registry/`, `resources/`, `prompts/`),
    /// watched for changes unless [`Self::watch`] says not to.
    pub fn content_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.source = ContentSource::Directory(root.into());
        self
    }

    /// Serves content files the program carries: (path relative to the root, text).
    pub fn embedded(mut self, files: EmbeddedFiles) -> Self {
        self.source = ContentSource::Embedded(files);
        self
    }

    /// Serves from `source`.
    pub fn content(mut self, source: ContentSource) -> Self {
        self.source = source;
        self
    }

    /// Variables that `env()` and `secret()` in `_server.yaml` see before the process
    /// environment (to point the upstream at a test server, say).
    pub fn upstream_env(mut self, vars: BTreeMap<String, String>) -> Self {
        self.upstream_env = vars;
        self
    }

    /// Which tools are served (read-only, name patterns, toolsets).
    pub fn selection(mut self, selection: Selection) -> Self {
        self.selection = selection;
        self
    }

    /// Cuts answers longer than this (default: `_server.yaml`'s `max_response_bytes`).
    pub fn max_response_bytes(mut self, limit: Option<usize>) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Returns the request each tool would send instead of sending it.
    pub fn dry_run(mut self, on: bool) -> Self {
        self.dry_run = on;
        self
    }

    /// Whether destructive calls are confirmed by the user.
    pub fn confirm_destructive(mut self, mode: ConfirmMode) -> Self {
        self.confirm = mode;
        self
    }

    /// The key that signs the `requestState` of 2026-07-28 confirmations: give every
    /// replica the same one, so that an answer may come back to any of them. Without it,
    /// a random key of this process.
    pub fn confirmation_key(mut self, key: Option<[u8; 32]>) -> Self {
        self.confirmation_key = key;
        self
    }

    /// A Redis (or Valkey) every replica shares, `redis://[user:password@]host:port[/db]`,
    /// where the confirmation states used are marked, so that each is used once across
    /// all replicas. Without it, once per process. Connected when serving starts.
    pub fn confirmation_store(mut self, url: Option<String>) -> Self {
        self.confirmation_store = url;
        self
    }

    /// Lays out JSON answers indented for people; by default they are compact, which costs
    /// a model about a third fewer tokens.
    pub fn pretty_answers(mut self, pretty: bool) -> Self {
        self.pretty_answers = pretty;
        self
    }

    /// Lists tool schemas rewritten into a provider's dialect (OpenAI strict mode, Gemini).
    pub fn schema_profile(mut self, profile: Option<crate::SchemaProfile>) -> Self {
        self.schema_profile = profile;
        self
    }

    /// Search mode, for catalogues too large to list: tools/list holds `search_tools`,
    /// `describe_tool` and `call_tool` instead of every tool.
    pub fn tool_search(mut self, on: bool) -> Self {
        self.tool_search = on;
        self
    }

    /// Serves Prometheus metrics at `http://<address>/metrics`, apart from MCP.
    pub fn metrics_address(mut self, address: Option<std::net::SocketAddr>) -> Self {
        self.metrics_address = address;
        self
    }

    /// [`confirmation_key`](Self::confirmation_key) from a secret the replicas share (a
    /// file's content): at least 32 bytes, else an error saying so.
    pub fn confirmation_secret(self, secret: &[u8]) -> Result<Self, EngineError> {
        let key = crate::mcp::confirmation_key_from_secret(secret).ok_or_else(|| {
            EngineError::Settings(format!(
                "the confirmation secret has {} bytes; give at least 32 random bytes (e.g. `head -c 48 /dev/urandom | base64`)",
                secret.len()
            ))
        })?;
        Ok(self.confirmation_key(Some(key)))
    }

    /// Appends a JSON line per call of a tool that is not read-only to this file.
    pub fn audit_log(mut self, path: Option<PathBuf>) -> Self {
        self.audit_log = path;
        self
    }

    /// Watches a content root on disk and reloads it on change (the default).
    pub fn watch(mut self, on: bool) -> Self {
        self.watch = on;
        self
    }

    /// Loads the catalog only once serving has started, on a thread of its own, so that a
    /// stdio client's `initialize` is answered at once (from `_server.yaml`'s name, title
    /// and instructions); its other requests wait for the catalog. Only
    /// [`Engine::serve_stdio_once_loaded`] serves before the catalog has loaded;
    /// [`Engine::serve_http`] loads it first, and [`Engine::call`] sees the stand-in.
    pub fn load_in_background(mut self, on: bool) -> Self {
        self.load_in_background = on;
        self
    }

    /// Shares with the program's log writer the secrets the upstream resolves, so that no
    /// log line shows them (see [`crate::ScrubbingWriter`]).
    pub fn log_secrets(mut self, secrets: LogSecrets) -> Self {
        self.log_secrets = secrets;
        self
    }

    /// The options the catalog is loaded with.
    fn load_options(&self) -> Result<LoadOptions, EngineError> {
        Ok(LoadOptions {
            matcher: self.selection.matcher()?,
            max_response_bytes: self.max_response_bytes,
            env_overrides: Arc::new(self.upstream_env.clone()),
            log_secrets: self.log_secrets.clone(),
            program: self.program.clone(),
            schema_profile: self.schema_profile,
        })
    }

    /// Loads the catalog only, to check or list it.
    pub fn load(&self) -> Result<Catalog, EngineError> {
        Ok(Catalog::load(self.source.clone(), &self.load_options()?))
    }

    /// Loads the catalog and readies the HTTP client and the audit log.
    pub fn build(self) -> Result<Engine, EngineError> {
        let options = self.load_options()?;
        let (reloader, limits) = if self.load_in_background {
            Reloader::opening(self.source.clone(), options)
        } else {
            let reloader = Reloader::start(self.source.clone(), options);
            let limits = ClientLimits::of(&reloader.catalog().load());
            (reloader, limits)
        };
        let (connect, in_flight) = (limits.connect_timeout, limits.max_in_flight);
        let user_agent = format!("{}/{}", self.program, self.version);
        // In the background, the HTTP client is built once the load starts.
        let (start_client, client_waits) = if self.load_in_background {
            let (start, waits) = std::sync::mpsc::channel();
            (Some(start), Some(waits))
        } else {
            (None, None)
        };
        let http = crate::upstream::HttpClient::new(connect, in_flight, &user_agent, client_waits)
            .map_err(|e| EngineError::HttpClient(e.to_string()))?;
        let mut caller = Caller::new(http, self.dry_run).with_pretty_answers(self.pretty_answers);
        if let Some(path) = &self.audit_log {
            caller = caller.with_audit_log(AuditLog::open(path)?);
        }
        Ok(Engine {
            program: self.program,
            source: self.source,
            reloader,
            caller,
            confirm: self.confirm,
            confirmation_key: self.confirmation_key,
            confirmation_store: self.confirmation_store,
            metrics_address: self.metrics_address,
            tool_search: self.tool_search,
            watch: self.watch,
            loaded: !self.load_in_background,
            start_client,
        })
    }
}
