//! The commands of the binary. Only `serve` speaks MCP; the others print for people.

pub mod call;
mod call_args;
pub mod check;
pub mod doctor;
pub mod install;
pub mod list;
mod log_format;
pub mod openapi;
pub mod sandbox;
pub mod scaffold;
pub mod serve;
pub mod telemetry;
pub mod token;

use std::collections::BTreeMap;

use anyhow::Context;
use mcp_engine::{Catalog, ContentSource, Engine, EngineBuilder, Selection};

use crate::ModeArgs;

/// Logs go to stderr: stdout belongs to the MCP protocol. Every line is scrubbed of the
/// secrets known to `secrets`, and the protocol messages rmcp prints at debug and trace
/// level (arguments and answers, which may hold secrets a tool's schema marks) are left out.
/// `level` (`--log-level`) sets this program's and the engine's level; without it,
/// `RUST_LOG` decides (any `tracing` filter), else `info`. `traces`: an OTLP exporter the
/// spans also go to. The guard flushes the traces when dropped.
pub fn init_tracing(
    secrets: mcp_engine::LogSecrets,
    level: Option<&str>,
    format: LogFormat,
    traces: Option<telemetry::Provider>,
) -> telemetry::Telemetry {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = match level {
        Some(level) => format!("layerops_mcp={level},mcp_engine={level},rmcp=warn").into(),
        None => tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| "layerops_mcp=info,mcp_engine=info,rmcp=warn".into()),
    };
    let writer = move || mcp_engine::ScrubbingWriter::new(secrets.clone(), std::io::stderr());
    let logs = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(false)
            .event_format(log_format::WithoutProtocolFields::default())
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(false)
            .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
            .event_format(log_format::WithoutProtocolFields::json())
            .boxed(),
    };
    let (spans, guard) = telemetry::layer(traces);
    tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(spans)
        .init();
    guard
}

/// `--log-format`.
#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// One line of text per event.
    #[default]
    Text,
    /// One JSON object per line (timestamp, level, target, message and fields).
    Json,
}

/// The engine's settings for these options, with the content from `--root`, the current
/// directory or the embedded copy. `all_toolsets_by_default`: every toolset unless named.
pub fn builder(
    mode: &ModeArgs,
    all_toolsets_by_default: bool,
    upstream_env: BTreeMap<String, String>,
) -> anyhow::Result<EngineBuilder> {
    let toolsets = mode.toolsets.clone().or_else(|| {
        (all_toolsets_by_default && mode.tools.is_none()).then(|| vec!["all".to_owned()])
    });
    let selection = Selection {
        read_only: mode.read_only,
        tools: mode.tools.clone(),
        toolsets,
    };
    // A bad pattern is reported now, before anything starts.
    selection.check()?;
    Ok(
        Engine::builder(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .content(source(mode)?)
            .selection(selection)
            .max_response_bytes(mode.max_response_bytes)
            .pretty_answers(mode.pretty_answers)
            .upstream_env(upstream_env)
            .dry_run(mode.dry_run)
            .log_secrets(mode.log_secrets.clone()),
    )
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

/// Loads the catalog only (for `check` and `list`).
pub fn load(
    mode: &ModeArgs,
    all_toolsets_by_default: bool,
    upstream_env: BTreeMap<String, String>,
) -> anyhow::Result<Catalog> {
    Ok(builder(mode, all_toolsets_by_default, upstream_env)?.load()?)
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// With `--sandbox`: starts the sandbox on a free loopback port (on the current runtime) and
/// returns the variables that point the upstream at it; otherwise none.
pub async fn start_sandbox(mode: &ModeArgs) -> anyhow::Result<BTreeMap<String, String>> {
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
    Ok(layerops_sandbox::upstream_env(addr))
}
