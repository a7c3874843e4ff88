//! MCP over Streamable HTTP (`/mcp`): one session per client, notifications pushed on the
//! session's stream, and protection against DNS rebinding (Host and Origin checks).

use std::net::SocketAddr;
use std::sync::Arc;

use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::mcp::McpServer;

pub const PATH: &str = "/mcp";

/// Who may talk to the endpoint.
#[derive(Debug, Clone)]
pub struct Access {
    /// Host header values accepted (without port); loopback names by default.
    pub hosts: Vec<String>,
    /// Origin header values accepted from browsers; loopback origins by default.
    pub origins: Vec<String>,
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
        }
    }
}

/// Serves `server` on `listener` until `shutdown` is cancelled. Each session gets its own
/// handler (its own subscriptions and log level) over the shared catalog.
pub async fn serve(
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
    let app = axum::Router::new().nest_service(PATH, service);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}

/// A warning to give when the address is reachable from other machines.
pub fn exposure_warning(addr: &SocketAddr) -> Option<String> {
    (!addr.ip().is_loopback()).then(|| {
        format!(
            "serving MCP on {addr}, which other machines may reach: anyone who can connect can call the API with this server's credentials. Prefer 127.0.0.1, or put an authenticating proxy in front."
        )
    })
}
