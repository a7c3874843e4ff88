//! `layerops-mcp call TOOL --arg key=value`: one tool call from the shell.

use std::io::Write;
use std::process::ExitCode;

use rmcp::model::ContentBlock;

use crate::{CallArgs, TextOrJson};

pub fn run(args: CallArgs) -> anyhow::Result<ExitCode> {
    let arguments = super::call_args::arguments(args.args.as_deref(), &args.arg)?;
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
    if args.format == TextOrJson::Json {
        writeln!(out, "{}", serde_json::to_string(&result)?)?;
        return Ok(exit_code(result.is_error));
    }
    for block in &result.content {
        if let ContentBlock::Text(text) = block {
            writeln!(out, "{}", text.text)?;
        }
    }
    Ok(exit_code(result.is_error))
}

/// 1 when the tool reported an error (docs/commands.md lists the exit codes).
fn exit_code(is_error: Option<bool>) -> ExitCode {
    if is_error == Some(true) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
