//! MCP over Streamable HTTP (`/mcp`): one session per client, notifications pushed on the
//! session's stream, and protection against DNS rebinding (Host and Origin checks).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::response::IntoResponse;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use super::auth::{self, Auth};
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
        }
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
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(access.hosts)
        .with_allowed_origins(access.origins)
        .enforce_origin_validation()
        .with_cancellation_token(shutdown.child_token());
    let service = StreamableHttpService::new(
        move || Ok(server.new_session()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let app = axum::Router::new()
        .nest_service(PATH, service)
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(access.auth),
            authenticate,
        ))
        .layer(axum::middleware::from_fn(explain_refusals));
    axum::serve(without_nagle(listener), app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}

/// The listener with Nagle's algorithm off on every accepted connection: answers are small
/// writes, and Nagle held each one back until the client's delayed ACK, 40 ms per request.
pub(crate) fn without_nagle(
    listener: tokio::net::TcpListener,
) -> impl axum::serve::Listener<Io = tokio::net::TcpStream, Addr = SocketAddr> {
    use axum::serve::ListenerExt;
    listener.tap_io(|stream| {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY on a connection: {e}");
        }
    })
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

/// Refuses unauthenticated requests with 401; a caller's own credentials go with the
/// request to the calls it makes.
async fn authenticate(
    axum::extract::State(auth): axum::extract::State<Arc<Auth>>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match auth::check(&auth, request.headers()) {
        Err(refusal) => refusal,
        Ok(credentials) => {
            if let Some(credentials) = credentials {
                request.extensions_mut().insert(credentials);
            }
            next.run(request).await
        }
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
    if response.status() != axum::http::StatusCode::FORBIDDEN {
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

    #[tokio::test]
    async fn accepted_connections_have_nagle_off() {
        use axum::serve::Listener;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut listener = without_nagle(listener);
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (stream, _) = listener.accept().await;
        assert!(stream.nodelay().unwrap());
    }

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
