//! The sandbox: a LayerOps-compatible API on loopback, with demo data kept in memory, so that
//! every tool can be tried and tested with no account. It answers the paths, verbs, auth
//! header and JSON shapes of `shared/LAYEROPS_API.md`; where the real shapes are unknown it
//! makes plausible ones (see docs/sandbox.md). This is the one place outside the content
//! folders that knows LayerOps.

mod analysis;
mod demo;
mod errors;
mod ids;
mod routes;
mod validate;
mod world;

use std::collections::BTreeMap;
use std::net::SocketAddr;

pub use errors::ApiError;

/// Sandbox credentials: the key formats of the real API, and nothing that opens anything real.
pub const KEY_ID: &str = "LYPSANDBOXDEMOKEY00000000";
pub const KEY_SECRET: &str = "00000000-5a4d-4b0c-8000-000000000000";

pub const NOTICE: &str = "SANDBOX: the LayerOps API served here is a simulation with demo data. Nothing is real: no machine starts, nothing is billed, and every change is lost when the process stops.";

/// The sandbox's HTTP service over the demo world.
pub fn app() -> axum::Router {
    routes::router(demo::world(), format!("{KEY_ID}:{KEY_SECRET}"))
}

/// Serves the sandbox on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app())
        .with_graceful_shutdown(shutdown)
        .await
}

/// The sandbox only listens on loopback: it has no real security and must not be reachable.
pub fn require_loopback(addr: &SocketAddr) -> Result<(), String> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(format!(
            "the sandbox only listens on loopback (127.0.0.1 or ::1), not {}",
            addr.ip()
        ))
    }
}

/// The variables that point the shipped `_server.yaml` at a sandbox on `addr`.
pub fn upstream_env(addr: SocketAddr) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("LAYEROPS_API_BASE_URL".to_owned(), format!("http://{addr}")),
        ("LAYEROPS_API_KEY_ID".to_owned(), KEY_ID.to_owned()),
        ("LAYEROPS_API_KEY_SECRET".to_owned(), KEY_SECRET.to_owned()),
    ])
}
