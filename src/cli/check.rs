//! `layerops-mcp check`: every problem of every file, as file:line:column: message.

use std::io::Write;
use std::process::ExitCode;

use crate::{CheckArgs, ModeArgs};

pub fn run(check: CheckArgs) -> anyhow::Result<ExitCode> {
    let args = check.root;
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
    // What providers' dialects refuse: advice, since serving with --schema-profile rewrites it.
    for profile in &check.profile {
        let found = mcp_engine::profile_report(&super::source(&mode)?, *profile);
        for d in &found {
            writeln!(out, "{prefix}{d}")?;
        }
        eprintln!(
            "{}: {} keyword(s) or rule(s) to rewrite (serve --schema-profile {} does it)",
            profile.name(),
            found.len(),
            profile.name()
        );
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
