//! `layerops-mcp check`: every problem of every file, as file:line:column: message.

use std::io::Write;
use std::process::ExitCode;

use crate::{ModeArgs, RootArg};

pub fn run(args: RootArg) -> anyhow::Result<ExitCode> {
    let mode = ModeArgs {
        root: args.clone(),
        ..Default::default()
    };
    let catalog = super::load(&mode, true, Default::default())?;
    let prefix = args
        .root
        .as_ref()
        .map(|r| r.display().to_string().trim_end_matches('/').to_owned() + "/")
        .unwrap_or_default();
    let mut out = std::io::stdout().lock();
    for d in catalog.diagnostics() {
        writeln!(out, "{prefix}{d}")?;
    }
    let (served, left_out) = catalog.tool_counts();
    let tools = served + left_out;
    let (resources, prompts) = catalog.document_counts();
    if catalog.diagnostics().is_empty() {
        eprintln!(
            "ok: {tools} tools, {resources} resources, {prompts} prompts in {}",
            catalog.source_description()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{} problem(s) in {}; {tools} tools, {resources} resources, {prompts} prompts load",
            catalog.diagnostics().len(),
            catalog.source_description(),
        );
        Ok(ExitCode::from(1))
    }
}
