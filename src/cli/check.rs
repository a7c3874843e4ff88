//! `layerops-mcp check`: every problem of every file, as file:line:column: message.

use std::io::Write;
use std::process::ExitCode;

use serde_json::json;

use crate::{CheckArgs, ModeArgs, OutputFormat};

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
    let json = check.format == OutputFormat::Json;
    let as_json = |d: &mcp_engine::Diagnostic, profile: Option<&str>| {
        json!({"file": format!("{prefix}{}", d.file), "line": d.line, "column": d.column,
               "message": d.message, "advisory": d.advisory, "profile": profile})
    };
    let mut found_json = Vec::new();
    for d in catalog.diagnostics() {
        if json {
            found_json.push(as_json(d, None));
        } else {
            writeln!(out, "{prefix}{d}")?;
        }
    }
    // What providers' dialects refuse: advice, since serving with --schema-profile rewrites it.
    for profile in &check.profile {
        let found = mcp_engine::profile_report(&super::source(&mode)?, *profile);
        for d in &found {
            if json {
                found_json.push(as_json(d, Some(profile.name())));
            } else {
                writeln!(out, "{prefix}{d}")?;
            }
        }
        eprintln!(
            "{}: {} keyword(s) or rule(s) to rewrite (serve --schema-profile {} does it)",
            profile.name(),
            found.len(),
            profile.name()
        );
    }
    if json {
        writeln!(out, "{}", json!({"problems": found_json}))?;
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
