//! `layerops-mcp serve`: MCP over stdio, with hot reload of a content root on disk.

use std::process::ExitCode;

use anyhow::Context;
use mcp_engine::call::Caller;
use mcp_engine::call::audit::AuditLog;
use mcp_engine::http_transport;
use mcp_engine::mcp::stdio::{MAX_LINE, StdioTransport};
use mcp_engine::mcp::{McpServer, Sessions};
use mcp_engine::reload::{self, Reloader};
use mcp_engine::source::ContentSource;
use rmcp::ServiceExt;

use crate::ServeArgs;

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    super::runtime()?.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let overrides = super::start_sandbox(&args.mode).await?;
    let options = super::load_options(&args.mode, false, overrides)?;
    let source = super::source(&args.mode)?;
    let reloader = Reloader::start(source.clone(), options);
    let snapshot = reloader.catalog();
    let catalog = snapshot.load_full();
    for d in &catalog.diagnostics {
        tracing::warn!("{}", catalog.shown(d));
    }
    if !catalog.warnings.is_empty() {
        anyhow::bail!("{}", catalog.warnings.join("\n"));
    }
    if catalog.tools.is_empty() {
        if !catalog.unserved.is_empty() {
            let reasons: std::collections::BTreeSet<&str> = catalog
                .unserved
                .values()
                .map(|(_, why)| why.as_str())
                .collect();
            anyhow::bail!(
                "no tool would be served: all {} tools are left out ({}). Change --read-only, --tools or --toolsets.",
                catalog.unserved.len(),
                reasons.into_iter().collect::<Vec<_>>().join("; ")
            );
        }
        tracing::warn!(
            "no tool is served: {} holds no tool file that loads ({} problem(s); `layerops-mcp check` lists them). Clients are told so in the server's instructions.",
            catalog.source.describe(),
            catalog.diagnostics.len()
        );
    }
    tracing::info!(
        tools = catalog.tools.len(),
        resources = catalog.resources.len(),
        prompts = catalog.prompts.len(),
        "serving {} from {}{}",
        catalog.name,
        catalog.source.describe(),
        if args.mode.dry_run {
            " (dry run: no request is sent)"
        } else {
            ""
        }
    );
    if let Some(message) = catalog
        .upstream
        .as_ref()
        .and_then(|u| u.missing_credentials_warning())
        && !args.mode.dry_run
    {
        tracing::warn!("{message}");
    }
    let mut caller = Caller::new(super::http_client(&catalog)?, args.mode.dry_run);
    if let Some(path) = &args.audit_log {
        caller = caller.with_audit_log(AuditLog::open(path)?);
        tracing::info!(path = %path.display(), "calls of tools that are not read-only are written to the audit log");
    }
    drop(catalog);
    let sessions = Sessions::default();
    let server = McpServer::new(snapshot, caller, sessions.clone(), args.confirm_destructive);
    // The embedded copy cannot change; a directory is watched unless told not to.
    let _watch = match &source {
        ContentSource::Directory(root) if !args.no_watch => {
            Some(reload::spawn(root.clone(), reloader, sessions).context(
                "cannot watch the content folders (use --no-watch to serve without hot reload)",
            )?)
        }
        _ => None,
    };
    match args.http {
        Some(addr) => serve_http(addr, &args, server).await,
        None => {
            let running = server
                .serve({
                    let (read, write) = rmcp::transport::stdio_pipes();
                    StdioTransport::new(read, write, MAX_LINE)
                })
                .await
                .context("the MCP session did not start")?;
            running.waiting().await.context("the MCP session failed")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve_http(
    addr: std::net::SocketAddr,
    args: &ServeArgs,
    server: McpServer,
) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    if let Some(warning) = http_transport::exposure_warning(&bound) {
        tracing::warn!("{warning}");
    }
    tracing::info!("MCP over HTTP on http://{bound}{}", http_transport::PATH);
    let shutdown = tokio_util::sync::CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
    });
    let access = http_transport::Access::loopback_and(&args.allow_hosts, &args.allow_origins);
    http_transport::serve(listener, server, access, shutdown)
        .await
        .context("the HTTP server failed")?;
    Ok(ExitCode::SUCCESS)
}
