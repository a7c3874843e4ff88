//! `layerops-mcp list`: the catalog in tables, for people editing it.

use std::io::Write;
use std::process::ExitCode;

use crate::ModeArgs;

pub fn run(mode: ModeArgs) -> anyhow::Result<ExitCode> {
    let catalog = super::load(&mode, false, Default::default())?;
    let mut out = std::io::stdout().lock();

    let mut rows = vec![[
        "TOOL".to_owned(),
        "TOOLSET".to_owned(),
        "REQUEST".to_owned(),
        "HINTS".to_owned(),
    ]];
    let mut entries: Vec<_> = catalog
        .tools
        .values()
        .map(|e| (e, None))
        .chain(catalog.unserved.values().map(|(e, why)| (e, Some(why))))
        .collect();
    entries.sort_by(|a, b| a.0.tool.name.cmp(&b.0.tool.name));
    for (entry, unserved) in entries {
        let path = &entry.request.path_source;
        let mut hints = Vec::new();
        if entry.read_only {
            hints.push("read-only");
        }
        if entry.destructive {
            hints.push("destructive");
        }
        if entry.idempotent {
            hints.push("idempotent");
        }
        if unserved.is_some() {
            hints.push("NOT SERVED");
        }
        rows.push([
            entry.tool.name.to_string(),
            entry.toolset.clone(),
            format!("{} {}", entry.request.method.as_str(), path),
            hints.join(","),
        ]);
    }
    table(&mut out, &rows)?;

    writeln!(out)?;
    let mut rows = vec![["RESOURCE".to_owned(), "NAME".to_owned(), "TITLE".to_owned()]];
    for r in catalog.resources.values() {
        rows.push([
            r.resource.uri.clone(),
            r.resource.name.clone(),
            r.resource.title.clone().unwrap_or_default(),
        ]);
    }
    table(&mut out, &rows)?;

    writeln!(out)?;
    let mut rows = vec![[
        "PROMPT".to_owned(),
        "ARGUMENTS".to_owned(),
        "FILE".to_owned(),
    ]];
    for p in catalog.prompts.values() {
        let args: Vec<String> = p
            .arguments
            .iter()
            .map(|a| {
                if a.required {
                    a.name.clone()
                } else {
                    format!("[{}]", a.name)
                }
            })
            .collect();
        rows.push([p.prompt.name.clone(), args.join(" "), p.file.clone()]);
    }
    table(&mut out, &rows)?;
    for d in &catalog.diagnostics {
        eprintln!("{}", catalog.shown(d));
    }
    Ok(ExitCode::SUCCESS)
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
