//! `layerops-mcp serve`: MCP over stdio, with hot reload of a content root on disk.

use std::process::ExitCode;

use anyhow::Context;
use mcp_engine::{Access, Engine};

use crate::ServeArgs;

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    super::runtime()?.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let upstream_env = super::start_sandbox(&args.mode).await?;
    let engine = super::builder(&args.mode, false, upstream_env)?
        .confirm_destructive(args.confirm_destructive)
        .audit_log(args.audit_log.clone())
        .watch(!args.no_watch)
        .build()?;
    let catalog = engine.catalog();
    for d in catalog.diagnostics() {
        tracing::warn!("{}", catalog.shown(d));
    }
    if !catalog.selection_problems().is_empty() {
        anyhow::bail!("{}", catalog.selection_problems().join("\n"));
    }
    let (served, left_out) = catalog.tool_counts();
    if served == 0 {
        if left_out > 0 {
            let reasons: std::collections::BTreeSet<String> = catalog
                .tool_summaries()
                .into_iter()
                .filter_map(|t| t.not_served)
                .collect();
            anyhow::bail!(
                "no tool would be served: all {left_out} tools are left out ({}). Change --read-only, --tools or --toolsets.",
                reasons.into_iter().collect::<Vec<_>>().join("; ")
            );
        }
        tracing::warn!(
            "no tool is served: {} holds no tool file that loads ({} problem(s); `layerops-mcp check` lists them). Clients are told so in the server's instructions.",
            catalog.source_description(),
            catalog.diagnostics().len()
        );
    }
    let (resources, prompts) = catalog.document_counts();
    tracing::info!(
        tools = served,
        resources,
        prompts,
        "serving {} from {}{}",
        catalog.name(),
        catalog.source_description(),
        if args.mode.dry_run {
            " (dry run: no request is sent)"
        } else {
            ""
        }
    );
    if let Some(message) = catalog.missing_credentials_warning()
        && !args.mode.dry_run
    {
        tracing::warn!("{message}");
    }
    if let Some(path) = &args.audit_log {
        tracing::info!(path = %path.display(), "calls of tools that are not read-only are written to the audit log");
    }
    drop(catalog);
    match args.http {
        Some(addr) => serve_http(addr, &args, engine).await,
        None => {
            engine.serve_stdio().await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve_http(
    addr: std::net::SocketAddr,
    args: &ServeArgs,
    engine: Engine,
) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    if let Some(warning) = mcp_engine::exposure_warning(&bound) {
        tracing::warn!("{warning}");
    }
    tracing::info!("MCP over HTTP on http://{bound}/mcp");
    let shutdown = tokio_util::sync::CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
    });
    let access = Access::loopback_and(&args.allow_hosts, &args.allow_origins);
    engine.serve_http(listener, access, shutdown).await?;
    Ok(ExitCode::SUCCESS)
}
