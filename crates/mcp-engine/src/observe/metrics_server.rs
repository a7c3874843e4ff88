//! `/metrics` on an address of its own (`--metrics ADDR:PORT`), apart from the MCP
//! endpoint: scrapers need no MCP credentials, and clients cannot reach it by accident.

use tokio_util::sync::CancellationToken;

use crate::mcp::McpServer;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Serves `/metrics` on `listener` until `shutdown`. `not_clients`: see
/// [`McpServer::metrics_text`].
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    server: McpServer,
    not_clients: usize,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let server = server.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, OPENMETRICS)],
                    server.metrics_text(not_clients),
                )
            }
        }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}
