//! The commands of the binary. Only `serve` speaks MCP; the others print for people.

pub mod call;
pub mod check;
pub mod list;
mod log_format;
pub mod sandbox;
pub mod serve;

use anyhow::Context;
use mcp_engine::catalog::upstream::EnvOverrides;
use mcp_engine::catalog::{Catalog, LoadOptions, Selection};
use mcp_engine::source::ContentSource;

use crate::ModeArgs;

/// Logs go to stderr: stdout belongs to the MCP protocol. Every line is scrubbed of the
/// secrets known to `secrets`, and the protocol messages rmcp prints at debug and trace
/// level (arguments and answers, which may hold secrets a tool's schema marks) are left out.
pub fn init_tracing(secrets: mcp_engine::secret::LogSecrets) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "layerops_mcp=info,rmcp=warn".into());
    tracing_subscriber::fmt()
        .with_writer(move || {
            mcp_engine::secret::ScrubbingWriter::new(secrets.clone(), std::io::stderr())
        })
        .with_ansi(false)
        .event_format(log_format::WithoutProtocolFields::default())
        .with_env_filter(filter)
        .init();
}

pub fn load_options(
    mode: &ModeArgs,
    all_toolsets_by_default: bool,
    env_overrides: EnvOverrides,
) -> anyhow::Result<LoadOptions> {
    let toolsets = mode.toolsets.clone().or_else(|| {
        (all_toolsets_by_default && mode.tools.is_none()).then(|| vec!["all".to_owned()])
    });
    let selection = Selection {
        read_only: mode.read_only,
        tools: mode.tools.clone(),
        toolsets,
    };
    let matcher = selection.matcher()?;
    Ok(LoadOptions {
        matcher,
        max_response_bytes: mode.max_response_bytes,
        env_overrides,
        log_secrets: mode.log_secrets.clone(),
        program: std::sync::Arc::from(env!("CARGO_PKG_NAME")),
    })
}

/// Where the content comes from: `--root`, the current directory, or the embedded copy.
pub fn source(mode: &ModeArgs) -> anyhow::Result<ContentSource> {
    let source = ContentSource::resolve(mode.root.root.as_deref(), crate::embedded::FILES);
    if let ContentSource::Directory(dir) = &source
        && !dir.is_dir()
    {
        anyhow::bail!("--root {}: no such directory", dir.display());
    }
    Ok(source)
}

pub fn load(
    mode: &ModeArgs,
    all_toolsets_by_default: bool,
    env_overrides: EnvOverrides,
) -> anyhow::Result<Catalog> {
    let options = load_options(mode, all_toolsets_by_default, env_overrides)?;
    Ok(Catalog::load(source(mode)?, &options))
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub fn http_client(catalog: &Catalog) -> anyhow::Result<mcp_engine::upstream::HttpClient> {
    let (connect, in_flight) = catalog
        .upstream
        .as_ref()
        .map(|u| (u.connect_timeout, u.max_in_flight))
        .unwrap_or((std::time::Duration::from_secs(10), 32));
    mcp_engine::upstream::HttpClient::new(
        connect,
        in_flight,
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")),
    )
    .context("cannot build the HTTP client")
}

/// With `--sandbox`: starts the sandbox on a free loopback port (on the current runtime) and
/// returns the variables that point the upstream at it; otherwise none.
pub async fn start_sandbox(mode: &ModeArgs) -> anyhow::Result<EnvOverrides> {
    if !mode.sandbox {
        return Ok(Default::default());
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot open a loopback port for the sandbox")?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = layerops_sandbox::serve(listener, std::future::pending()).await {
            tracing::error!("the sandbox stopped: {e}");
        }
    });
    tracing::warn!("{} It listens on http://{addr}.", layerops_sandbox::NOTICE);
    Ok(std::sync::Arc::new(layerops_sandbox::upstream_env(addr)))
}
