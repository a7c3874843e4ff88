//! `layerops-mcp sandbox`: the demo API on its own, for people and benchmarks.

use std::process::ExitCode;

use anyhow::Context;
use layerops_sandbox as sandbox;

use crate::SandboxArgs;

pub fn run(args: SandboxArgs) -> anyhow::Result<ExitCode> {
    sandbox::require_loopback(&args.listen).map_err(anyhow::Error::msg)?;
    super::runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        eprintln!("{}", sandbox::NOTICE);
        eprintln!("Listening on http://{addr}. To point the server at it:");
        let vars: Vec<String> = sandbox::upstream_env(addr)
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        eprintln!("  {} layerops-mcp serve", vars.join(" "));
        sandbox::serve(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the sandbox stopped")?;
        Ok(ExitCode::SUCCESS)
    })
}
