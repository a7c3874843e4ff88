//! `layerops-mcp openapi diff|import`: the real API's description against the tool files.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use mcp_openapi::{Filters, Report, Spec};

use crate::{ModeArgs, OpenapiCommand, OpenapiDiffArgs, OpenapiImportArgs, OutputFormat};

/// The toolset of guessed tools: one the document confirms is pointed out.
const UNCONFIRMED_TOOLSET: &str = "unconfirmed";

/// Documents larger than this are refused (GitHub's, among the largest, is 13 MB).
const MAX_SPEC_BYTES: u64 = 64 * 1024 * 1024;

pub fn run(command: OpenapiCommand) -> anyhow::Result<ExitCode> {
    match command {
        OpenapiCommand::Diff(args) => diff(args),
        OpenapiCommand::Import(args) => import(args),
    }
}

fn diff(args: OpenapiDiffArgs) -> anyhow::Result<ExitCode> {
    let spec = read_spec(&args.spec)?;
    let mode = ModeArgs {
        root: args.root.clone(),
        ..Default::default()
    };
    let catalog = super::load(&mode, true, Default::default())?;
    let report = mcp_openapi::diff(&spec, &catalog.tool_summaries(), UNCONFIRMED_TOOLSET);
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        OutputFormat::Table => print_table(&mut out, &report)?,
    }
    Ok(if report.has_mismatch() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_table(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    writeln!(out, "compared with {}", report.spec)?;
    let width = report
        .tools
        .iter()
        .map(|t| t.tool.len())
        .max()
        .unwrap_or(4)
        .max(4);
    for tool in &report.tools {
        if tool.findings.is_empty() {
            writeln!(out, "{:width$}  ok          {}", tool.tool, tool.request)?;
            continue;
        }
        for (i, finding) in tool.findings.iter().enumerate() {
            let name = if i == 0 { tool.tool.as_str() } else { "" };
            let label = if finding.kind == mcp_openapi::FindingKind::ConfirmedByTheSpec {
                "suggestion"
            } else {
                "MISMATCH  "
            };
            writeln!(out, "{name:width$}  {label}  {}", finding.message)?;
        }
    }
    if !report.uncovered.is_empty() {
        writeln!(
            out,
            "\n{} operation(s) of the document have no tool:",
            report.uncovered.len()
        )?;
        for op in &report.uncovered {
            writeln!(out, "  {op}")?;
        }
    }
    let mismatched = report
        .tools
        .iter()
        .filter(|t| {
            t.findings
                .iter()
                .any(|f| f.kind != mcp_openapi::FindingKind::ConfirmedByTheSpec)
        })
        .count();
    writeln!(
        out,
        "\n{} tool(s), {mismatched} with a mismatch, {} operation(s) without a tool",
        report.tools.len(),
        report.uncovered.len()
    )
}

fn import(args: OpenapiImportArgs) -> anyhow::Result<ExitCode> {
    let spec = read_spec(&args.spec)?;
    let filters = Filters {
        tags: args.tags,
        operations: args.operations,
        paths: args.paths,
        prefix: args.prefix,
    };
    let tools = mcp_openapi::import(&spec, &filters);
    if tools.is_empty() {
        anyhow::bail!(
            "no operation of {} matches the filters ({} operation(s) in the document); check --tag, --operation and --path",
            args.spec,
            spec.operations.len()
        );
    }
    if !args.force {
        let existing: Vec<String> = tools
            .iter()
            .filter(|t| args.into.join(&t.file_name).exists())
            .map(|t| t.file_name.clone())
            .collect();
        if !existing.is_empty() {
            anyhow::bail!(
                "{} file(s) already exist in {} ({}{}); nothing was written. Add --force to replace them.",
                existing.len(),
                args.into.display(),
                existing
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                if existing.len() > 5 { ", ..." } else { "" }
            );
        }
    }
    std::fs::create_dir_all(&args.into)
        .with_context(|| format!("cannot create {}", args.into.display()))?;
    for tool in &tools {
        let path = args.into.join(&tool.file_name);
        std::fs::write(&path, &tool.yaml)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!(
        "wrote {} tool file(s) into {} from {} ({} operation(s) in the document); run `layerops-mcp check` on the root",
        tools.len(),
        args.into.display(),
        spec.title,
        spec.operations.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// A file, or an https URL (plain http only to a loopback address, for local servers).
fn read_spec(location: &str) -> anyhow::Result<Spec> {
    let text = if location.starts_with("https://") || location.starts_with("http://") {
        fetch(location)?
    } else {
        let meta = std::fs::metadata(location)
            .with_context(|| format!("cannot read the document {location}"))?;
        if meta.len() > MAX_SPEC_BYTES {
            anyhow::bail!(
                "{location} is {} bytes; documents of at most {MAX_SPEC_BYTES} bytes are read",
                meta.len()
            );
        }
        std::fs::read_to_string(location)
            .with_context(|| format!("cannot read the document {location}"))?
    };
    Spec::parse(&text).with_context(|| format!("cannot read {location}"))
}

fn fetch(url: &str) -> anyhow::Result<String> {
    let parsed = reqwest::Url::parse(url).with_context(|| format!("{url} is not a URL"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    if parsed.scheme() != "https" && !loopback {
        anyhow::bail!(
            "{url}: documents are fetched over https only (plain http to loopback addresses)"
        );
    }
    mcp_engine::crypto::install();
    super::runtime()?.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()?;
        let mut response = client
            .get(parsed)
            .send()
            .await
            .with_context(|| format!("cannot fetch {url}"))?;
        if !response.status().is_success() {
            anyhow::bail!("{url} answered {}", response.status());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            body.extend_from_slice(&chunk);
            if body.len() as u64 > MAX_SPEC_BYTES {
                anyhow::bail!("{url} is larger than {MAX_SPEC_BYTES} bytes");
            }
        }
        String::from_utf8(body).with_context(|| format!("{url} is not UTF-8 text"))
    })
}
