//! `layerops-mcp call TOOL --args JSON`: one tool call from the shell.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use rmcp::model::ContentBlock;
use serde_json::Value;

use crate::CallArgs;

pub fn run(args: CallArgs) -> anyhow::Result<ExitCode> {
    let arguments: Value = serde_json::from_str(&args.args)
        .context("--args must be a JSON object, e.g. --args '{\"projectId\": \"...\"}'")?;
    let Value::Object(arguments) = arguments else {
        anyhow::bail!("--args must be a JSON object, e.g. --args '{{\"projectId\": \"...\"}}'");
    };
    let result = super::runtime()?.block_on(async {
        let upstream_env = super::start_sandbox(&args.mode).await?;
        let engine = super::builder(&args.mode, true, upstream_env)?.build()?;
        let catalog = engine.catalog();
        for d in catalog.diagnostics() {
            eprintln!("{}", catalog.shown(d));
        }
        if args.mode.toolsets.is_none()
            && let Some((toolset, false)) = catalog.toolset_of(&args.tool)
        {
            eprintln!(
                "note: {} is in the toolset `{toolset}`, which is off by default: `serve` offers it only with --toolsets default,{toolset}. Calling it as asked.",
                args.tool
            );
        }
        Ok::<_, anyhow::Error>(engine.call(&args.tool, arguments).await?)
    })?;
    let mut out = std::io::stdout().lock();
    for block in &result.content {
        if let ContentBlock::Text(text) = block {
            writeln!(out, "{}", text.text)?;
        }
    }
    Ok(if result.is_error == Some(true) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
