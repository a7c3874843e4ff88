//! `layerops-mcp list`: the catalog in tables, for people editing it.

use std::io::Write;
use std::process::ExitCode;

use serde_json::json;

use crate::{ListArgs, OutputFormat};

pub fn run(args: ListArgs) -> anyhow::Result<ExitCode> {
    let mode = args.mode;
    let catalog = super::load(&mode, false, Default::default())?;
    let mut out = std::io::stdout().lock();
    if args.format == OutputFormat::Json {
        writeln!(out, "{}", as_json(&catalog))?;
        for d in catalog.diagnostics() {
            eprintln!("{}", catalog.shown(d));
        }
        return Ok(ExitCode::SUCCESS);
    }

    let mut rows = vec![[
        "TOOL".to_owned(),
        "TOOLSET".to_owned(),
        "REQUEST".to_owned(),
        "HINTS".to_owned(),
    ]];
    for tool in catalog.tool_summaries() {
        let mut hints = Vec::new();
        if tool.read_only {
            hints.push("read-only");
        }
        if tool.destructive {
            hints.push("destructive");
        }
        if tool.idempotent {
            hints.push("idempotent");
        }
        if tool.not_served.is_some() {
            hints.push("NOT SERVED");
        }
        rows.push([tool.name, tool.toolset, tool.request, hints.join(",")]);
    }
    table(&mut out, &rows)?;

    writeln!(out)?;
    let mut rows = vec![["RESOURCE".to_owned(), "NAME".to_owned(), "TITLE".to_owned()]];
    for r in catalog.resource_summaries() {
        rows.push([r.uri, r.name, r.title.unwrap_or_default()]);
    }
    table(&mut out, &rows)?;

    writeln!(out)?;
    let mut rows = vec![[
        "PROMPT".to_owned(),
        "ARGUMENTS".to_owned(),
        "FILE".to_owned(),
    ]];
    for p in catalog.prompt_summaries() {
        let args: Vec<String> = p
            .arguments
            .into_iter()
            .map(|(name, required)| if required { name } else { format!("[{name}]") })
            .collect();
        rows.push([p.name, args.join(" "), p.file]);
    }
    table(&mut out, &rows)?;
    for d in catalog.diagnostics() {
        eprintln!("{}", catalog.shown(d));
    }
    Ok(ExitCode::SUCCESS)
}

/// The catalogue for scripts: tools (request, toolset, annotations, the file defining
/// each, whether it is served), resources and prompts.
fn as_json(catalog: &mcp_engine::Catalog) -> serde_json::Value {
    let tools: Vec<_> = catalog
        .tool_summaries()
        .into_iter()
        .map(|t| {
            json!({
                "name": t.name,
                "toolset": t.toolset,
                "file": t.file,
                "method": t.shape.method,
                "path": t.shape.path,
                "readOnly": t.read_only,
                "destructive": t.destructive,
                "idempotent": t.idempotent,
                "served": t.not_served.is_none(),
                "notServedBecause": t.not_served,
            })
        })
        .collect();
    let resources: Vec<_> = catalog
        .resource_summaries()
        .into_iter()
        .map(|r| json!({"uri": r.uri, "name": r.name, "title": r.title}))
        .collect();
    let prompts: Vec<_> = catalog
        .prompt_summaries()
        .into_iter()
        .map(|p| {
            let arguments: Vec<_> = p
                .arguments
                .into_iter()
                .map(|(name, required)| json!({"name": name, "required": required}))
                .collect();
            json!({"name": p.name, "arguments": arguments, "file": p.file})
        })
        .collect();
    json!({"tools": tools, "resources": resources, "prompts": prompts})
}

fn table<const N: usize>(out: &mut impl Write, rows: &[[String; N]]) -> std::io::Result<()> {
    let mut widths = [0usize; N];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
