//! MCP over Streamable HTTP (`/mcp`): one session per client, notifications pushed on the
//! session's stream, and protection against DNS rebinding (Host and Origin checks).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::response::IntoResponse;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use super::auth::{Auth, Gate};
use super::oauth::Grant;
use crate::mcp::McpServer;

pub(crate) const PATH: &str = "/mcp";

/// Who may talk to the endpoint.
#[derive(Debug, Clone)]
pub struct Access {
    /// Host header values accepted (without port); loopback names by default.
    pub hosts: Vec<String>,
    /// Origin header values accepted from browsers; loopback origins by default.
    pub origins: Vec<String>,
    /// How callers are authenticated.
    pub auth: Auth,
    /// Bounds on what clients may hold.
    pub limits: HttpLimits,
    /// Cancelled when the server is about to stop: `/readyz` then answers 503 so that a load
    /// balancer sends new clients elsewhere, while requests are still served.
    pub draining: CancellationToken,
}

/// Bounds on sessions, connections and requests, so that no client can exhaust the server.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Sessions open at once; past it, a new session is refused with 503 and Retry-After.
    pub max_sessions: usize,
    /// Sessions one user (a key id, a token, an OAuth subject) may hold at once.
    pub max_sessions_per_user: usize,
    /// A session without requests for this long is closed and its memory freed.
    pub session_idle: Duration,
    /// A client must send a request's headers within this time (also how long an idle
    /// keep-alive connection waits for its next request).
    pub header_read_timeout: Duration,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_sessions: 1000,
            max_sessions_per_user: 100,
            session_idle: Duration::from_secs(300),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_body_bytes: 4 * 1024 * 1024,
        }
    }
}

impl Access {
    /// Loopback names and origins, plus the ones given.
    pub fn loopback_and(hosts: &[String], origins: &[String]) -> Self {
        let mut all_hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        all_hosts.extend(hosts.iter().cloned());
        let mut all_origins: Vec<String> =
            ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"]
                .into_iter()
                .map(str::to_owned)
                .collect();
        all_origins.extend(origins.iter().cloned());
        Self {
            hosts: all_hosts,
            origins: all_origins,
            auth: Auth::None,
            limits: HttpLimits::default(),
            draining: CancellationToken::new(),
        }
    }

    /// The same, with these bounds.
    pub fn with_limits(mut self, limits: HttpLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The same, with callers authenticated by `auth`.
    pub fn with_auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }
}

/// Serves `server` on `listener` until `shutdown` is cancelled. Each session gets its own
/// handler (its own subscriptions and log level) over the shared catalog.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    server: McpServer,
    access: Access,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let limits = access.limits.clone();
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(access.hosts)
        .with_allowed_origins(access.origins)
        .enforce_origin_validation()
        .with_max_request_body_bytes(limits.max_body_bytes)
        // A 2026-07-28 request answered by one message gets it as JSON, without the event
        // stream, its task and its channel (an answer preceded by notifications is still a
        // stream); 2025 sessions are not affected.
        .with_json_response(true)
        .with_cancellation_token(shutdown.child_token());
    let (ready_server, draining) = (server.clone(), access.draining.clone());
    let mut manager = LocalSessionManager::default();
    manager.session_config.keep_alive = Some(limits.session_idle);
    let manager = Arc::new(manager);
    let gate = Arc::new(Guard {
        gate: Gate::new(access.auth),
        server: server.clone(),
        max_body_bytes: limits.max_body_bytes,
        manager: manager.clone(),
        owners: std::sync::Mutex::new(std::collections::HashMap::new()),
        max_sessions_per_user: limits.max_sessions_per_user,
    });
    let service = super::shared_service::SharedService::new(StreamableHttpService::new(
        move || Ok(server.new_session()),
        manager.clone(),
        config,
    ));
    let (metadata, metadata_for_path) = (gate.clone(), gate.clone());
    let (ended_server, ended_guard) = (ready_server.clone(), gate.clone());
    let app = axum::Router::new()
        .nest_service(PATH, service)
        .layer(axum::middleware::from_fn_with_state(
            limits.max_body_bytes,
            super::removed_methods::refuse_removed_methods,
        ))
        .layer(axum::middleware::from_fn_with_state(
            (manager, limits.max_sessions),
            cap_sessions,
        ))
        .layer(axum::middleware::from_fn_with_state(gate, authenticate))
        .route(
            "/.well-known/oauth-protected-resource",
            axum::routing::get(move || protected_resource(metadata.clone())),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            axum::routing::get(move || protected_resource(metadata_for_path.clone())),
        )
        .route("/healthz", axum::routing::get(|| async { "ok\n" }))
        .route(
            "/readyz",
            axum::routing::get(move || readyz(ready_server.clone(), draining.clone())),
        )
        .layer(axum::middleware::from_fn(explain_refusals));
    let released = tokio::spawn(super::memory::release_after_sessions(
        move || ended_server.sessions_ended(),
        async move || ended_guard.forget_ended_sessions().await,
        shutdown.child_token(),
    ));
    let served = accept(listener, app, &limits, shutdown).await;
    released.abort();
    served
}

/// Serves connections with a bound on their number and on the time to send headers (what
/// `axum::serve` does not offer): half-sent requests cannot hold the server.
async fn accept(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    limits: &HttpLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let capacity = limits.max_connections.max(1);
    let permits = Arc::new(tokio::sync::Semaphore::new(capacity));
    let header_read_timeout = limits.header_read_timeout;
    let result = accept_until(&listener, &app, &permits, header_read_timeout, &shutdown).await;
    // Stopping: connections finish what they are doing (bounded), then the server exits.
    let all = u32::try_from(capacity).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(DRAIN_AT_MOST, permits.acquire_many(all)).await;
    result
}

/// In-flight requests get this long to finish once the server stops accepting.
const DRAIN_AT_MOST: Duration = Duration::from_secs(10);

async fn accept_until(
    listener: &tokio::net::TcpListener,
    app: &axum::Router,
    permits: &Arc<tokio::sync::Semaphore>,
    header_read_timeout: Duration,
    shutdown: &CancellationToken,
) -> std::io::Result<()> {
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return Ok(()),
            },
            () = shutdown.cancelled() => return Ok(()),
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(e) => {
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => return Ok(()),
        };
        // Answers are small writes: without this, each waited 40 ms for the client's ACK.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY on a connection: {e}");
        }
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!("connection closed: {e}");
                    }
                }
                () = stop.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
}

/// A new session past the cap is refused with 503 and Retry-After; requests of open
/// sessions, and 2026-07-28 requests (which need no session), go through.
async fn cap_sessions(
    axum::extract::State((manager, max)): axum::extract::State<(Arc<LocalSessionManager>, usize)>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let headers = request.headers();
    let opens_session = request.method() == axum::http::Method::POST
        && !headers.contains_key("mcp-session-id")
        && headers
            .get("mcp-protocol-version")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| v < "2026-07-28");
    if opens_session && manager.sessions.read().await.len() >= max {
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            [
                (axum::http::header::RETRY_AFTER, "30"),
                (axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            ],
            format!("This server has {max} sessions open, its limit; try again in 30 seconds (idle sessions close on their own).\n"),
        )
            .into_response();
    }
    next.run(request).await
}

/// `--http ADDR:PORT`: an IP address or a host name (`localhost`), and a port.
pub fn parse_listen_address(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let usage = "give an address and a port, such as 127.0.0.1:8080, localhost:8080 or [::1]:8080";
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!("`{text}` has no port; {usage}"));
    };
    let port: u16 = port
        .parse()
        .map_err(|_| format!("`{port}` is not a port number (0 to 65535); {usage}"))?;
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    use std::net::ToSocketAddrs;
    let mut found = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve `{host}` ({e}); {usage}"))?;
    found
        .next()
        .ok_or_else(|| format!("`{host}` has no address; {usage}"))
}

/// The authentication of the running server, and what it needs to enforce a grant.
struct Guard {
    gate: Gate,
    server: McpServer,
    max_body_bytes: usize,
    manager: Arc<LocalSessionManager>,
    /// Who opened each session, where the user is known.
    owners: std::sync::Mutex<std::collections::HashMap<String, String>>,
    max_sessions_per_user: usize,
}

impl Guard {
    fn owners(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, String>> {
        self.owners.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets the owners of sessions that have closed.
    async fn forget_ended_sessions(&self) {
        let open = self.manager.sessions.read().await;
        self.owners().retain(|id, _| open.contains_key(id.as_str()));
    }

    /// Sessions `user` holds that are still open.
    async fn sessions_of(&self, user: &str) -> usize {
        self.forget_ended_sessions().await;
        self.owners()
            .values()
            .filter(|u| u.as_str() == user)
            .count()
    }
}

/// Refuses unauthenticated requests (401) and, for read-only grants, calls of tools that
/// change things (403); a caller's own credentials go with the request to its calls.
async fn authenticate(
    axum::extract::State(guard): axum::extract::State<Arc<Guard>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let identity = match guard.gate.check(request.headers()).await {
        Ok(identity) => identity,
        Err(refusal) => return refusal.into_response(),
    };
    let session = request
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(user) = &identity.user {
        match &session {
            // A session serves only the user who opened it; to others it does not exist.
            Some(id) => {
                let owner = guard.owners().get(id).cloned();
                if owner.is_some_and(|o| &o != user) {
                    return (
                        axum::http::StatusCode::NOT_FOUND,
                        "no such session; open one with initialize\n",
                    )
                        .into_response();
                }
            }
            None if request.method() == axum::http::Method::POST
                && guard.sessions_of(user).await >= guard.max_sessions_per_user =>
            {
                return (
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    [(axum::http::header::RETRY_AFTER, "30")],
                    format!(
                        "you have {} sessions open, the limit per user; close some or try again in 30 seconds (idle sessions close on their own)\n",
                        guard.max_sessions_per_user
                    ),
                )
                    .into_response();
            }
            None => {}
        }
    }
    let user = identity.user.clone();
    let (mut parts, body) = request.into_parts();
    let body = if identity.grant == Grant::ReadOnly {
        // The call's tool is read from the body, which is then passed on unchanged.
        let bytes = match axum::body::to_bytes(body, guard.max_body_bytes).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return (
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "the request body is larger than this server accepts\n",
                )
                    .into_response();
            }
        };
        if let Some(tool) = called_tool(&bytes)
            && !guard.server.tool_is_read_only(&tool)
        {
            return guard.gate.write_needed(&tool).into_response();
        }
        axum::body::Body::from(bytes)
    } else {
        body
    };
    if let Some(credentials) = identity.credentials {
        parts.extensions.insert(credentials);
    }
    parts.extensions.insert(identity.grant);
    let response = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    if let (Some(user), None) = (user, session)
        && let Some(id) = response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
    {
        guard.owners().insert(id.to_owned(), user);
    }
    response
}

/// The tool a `tools/call` message names.
fn called_tool(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Message {
        method: Option<String>,
        params: Option<Params>,
    }
    #[derive(serde::Deserialize)]
    struct Params {
        name: Option<String>,
    }
    let message: Message = serde_json::from_slice(body).ok()?;
    (message.method.as_deref() == Some("tools/call"))
        .then(|| message.params.and_then(|p| p.name))
        .flatten()
}

/// Ready when calls can be made and the server is not stopping; the content version lets an
/// operator see that every replica serves the same catalogue.
async fn readyz(server: McpServer, draining: CancellationToken) -> axum::response::Response {
    let (configured, version, tools) = server.readiness();
    let stopping = draining.is_cancelled();
    let ready = configured && !stopping;
    let status = if ready {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(serde_json::json!({
            "ready": ready,
            "draining": stopping,
            "upstream_configured": configured,
            "catalogue_version": version,
            "tools": tools,
        })),
    )
        .into_response()
}

/// RFC 9728 Protected Resource Metadata, when the server is an OAuth resource server.
async fn protected_resource(guard: Arc<Guard>) -> axum::response::Response {
    match &guard.gate.oauth {
        Some(verifier) => axum::Json(verifier.metadata()).into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

/// rmcp refuses a request whose Host or Origin is not allowed with a bare 403; this says
/// which value was refused and which option allows it.
async fn explain_refusals(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let (host, origin) = (
        shown_header(request.headers(), "host"),
        shown_header(request.headers(), "origin"),
    );
    let response = next.run(request).await;
    // A 403 of the authentication (a missing scope) explains itself already.
    if response.status() != axum::http::StatusCode::FORBIDDEN
        || response
            .headers()
            .contains_key(axum::http::header::WWW_AUTHENTICATE)
    {
        return response;
    }
    let body = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .unwrap_or_default();
    let said = String::from_utf8_lossy(&body);
    let hint = if said.contains("Origin") {
        let origin = origin.unwrap_or_default();
        format!(
            " (Origin: {origin}). Browser pages of other origins are refused, against DNS rebinding; to allow this one, start the server with --allow-origin {origin}"
        )
    } else {
        let host = host.unwrap_or_default();
        let name = host
            .rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(host.as_str(), |(name, _)| name);
        format!(
            " (Host: {host}). Only loopback names are accepted by default; if clients reach this server by this name, start it with --allow-host {name}"
        )
    };
    (
        axum::http::StatusCode::FORBIDDEN,
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        format!("{}{hint}.", said.trim_end_matches('.')),
    )
        .into_response()
}

/// A header value as it may be echoed: printable ASCII only, and short.
fn shown_header(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(|v| {
        v.chars()
            .filter(|c| c.is_ascii_graphic())
            .take(120)
            .collect()
    })
}

/// A warning to give when the address is reachable from other machines.
pub fn exposure_warning(addr: &SocketAddr) -> Option<String> {
    (!addr.ip().is_loopback()).then(|| {
        format!(
            "serving MCP on {addr}, which other machines may reach: anyone who can connect can call the API with this server's credentials. Prefer 127.0.0.1, or put an authenticating proxy in front."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses_take_names_and_explain_mistakes() {
        assert_eq!(
            parse_listen_address("localhost:8080").unwrap(),
            "127.0.0.1:8080".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(
            parse_listen_address("[::1]:0").unwrap(),
            "[::1]:0".parse::<SocketAddr>().unwrap()
        );
        assert!(
            parse_listen_address("localhost")
                .unwrap_err()
                .contains("no port")
        );
        assert!(
            parse_listen_address("localhost:http")
                .unwrap_err()
                .contains("port number")
        );
    }
}
