//! `layerops-mcp serve`: MCP over stdio.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use arc_swap::ArcSwap;
use layerops_mcp::call::Caller;
use layerops_mcp::mcp::McpServer;
use rmcp::ServiceExt;

use crate::ServeArgs;

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    super::runtime()?.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let overrides = super::start_sandbox(&args.mode).await?;
    let catalog = super::load(&args.mode, false, overrides)?;
    for d in &catalog.diagnostics {
        tracing::warn!("{d}");
    }
    for w in &catalog.warnings {
        tracing::warn!("{w}");
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
    let caller = Caller::new(super::http_client(&catalog)?, args.mode.dry_run);
    let server = McpServer::new(Arc::new(ArcSwap::from_pointee(catalog)), caller);
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .context("the MCP session did not start")?;
    running.waiting().await.context("the MCP session failed")?;
    Ok(ExitCode::SUCCESS)
}
