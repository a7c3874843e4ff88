//! `layerops-mcp doctor`: with the user's own key, what works on their account. Only GET
//! tools are called; IDs come from walking the read tools (projects, then environments,
//! then services, pools, events).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::ExitCode;

use mcp_engine::{CallToolResult, Engine, JsonObject};
use rmcp::model::ContentBlock;
use serde::Serialize;
use serde_json::{Value, json};

use crate::{DoctorArgs, OutputFormat};

/// The first call: it proves the key and lists the projects the key sees.
const FIRST: &str = "layerops_list_projects";

/// Where the IDs of later calls come from: (tool, argument it fills, where in the answer).
const HARVEST: &[(&str, &str, &str)] = &[
    (FIRST, "projectId", "/workspaces/*/uuid"),
    (FIRST, "environmentId", "/workspaces/*/environments/*/uuid"),
    (
        FIRST,
        "providerId",
        "/workspaces/*/environments/*/providers/*/uuid",
    ),
    ("layerops_list_environments", "environmentId", "/*/uuid"),
    ("layerops_list_services", "serviceId", "/*/uuid"),
    ("layerops_list_instance_pools", "instancePoolId", "/*/uuid"),
    ("layerops_list_events", "eventId", "/*/uuid"),
    ("layerops_list_roles", "roleId", "/*/uuid"),
    ("layerops_list_instances", "instanceId", "/*/uuid"),
];

#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Status {
    Works,
    /// 404 for the route itself: the API does not have it.
    RouteAbsent,
    /// 404 for the ID: the route exists.
    NotFound,
    /// 401 or 403: the key lacks the right.
    Refused,
    /// The answer is not what the tool selects or finds.
    ShapeDiffers,
    /// No ID to call it with.
    Skipped,
    Failed,
}

#[derive(Debug, Serialize)]
struct Row {
    tool: String,
    status: Status,
    detail: String,
    #[serde(skip_serializing_if = "JsonObject::is_empty")]
    arguments: JsonObject,
}

#[derive(Debug, Serialize)]
struct Report {
    credentials: String,
    projects: Vec<String>,
    tools: Vec<Row>,
}

pub fn run(args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let (report, ok) = super::runtime()?.block_on(async {
        let upstream_env = super::start_sandbox(&args.mode).await?;
        let mut mode = args.mode.clone();
        mode.toolsets = Some(vec!["all".into()]);
        mode.dry_run = false;
        let engine = super::builder(&mode, true, upstream_env)?.build()?;
        Ok::<_, anyhow::Error>(examine(&engine).await)
    })?;
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        OutputFormat::Table => {
            writeln!(out, "credentials: {}", report.credentials)?;
            if !report.projects.is_empty() {
                writeln!(out, "projects the key sees: {}", report.projects.join(", "))?;
            }
            let width = report.tools.iter().map(|r| r.tool.len()).max().unwrap_or(4);
            for row in &report.tools {
                let status = serde_json::to_value(row.status)?;
                writeln!(
                    out,
                    "{:width$}  {:13}  {}",
                    row.tool,
                    status.as_str().unwrap_or_default(),
                    row.detail
                )?;
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn examine(engine: &Engine) -> (Report, bool) {
    let catalog = engine.catalog();
    // Only GET tools: nothing is ever changed.
    let mut pending: Vec<(String, JsonObject)> = catalog
        .tool_summaries()
        .into_iter()
        .filter(|t| t.shape.method == "GET" && t.not_served.is_none())
        .map(|t| (t.name, t.shape.input_schema))
        .collect();
    drop(catalog);
    // Lists first: their answers hold the IDs the others need.
    pending.sort_by_key(|(name, _)| (!name.contains("_list_"), name.clone()));
    let mut known: BTreeMap<String, String> = BTreeMap::new();
    let mut rows = Vec::new();
    let mut report = Report {
        credentials: String::new(),
        projects: Vec::new(),
        tools: Vec::new(),
    };

    let Some(first) = pending.iter().position(|(n, _)| n == FIRST) else {
        report.credentials = format!("not checked: the content has no tool {FIRST}");
        return (report, false);
    };
    let (name, _) = pending.remove(first);
    let arguments = json!({"includeEnvironments": true});
    let arguments = arguments.as_object().cloned().unwrap_or_default();
    let (status, detail, answer) = probe(engine, name, arguments, &mut known, &mut rows).await;
    let ok = status == Status::Works;
    report.credentials = if ok {
        "accepted; the API answers".into()
    } else {
        detail
    };
    if let Some(answer) = &answer {
        report.projects = values_at(answer, "/workspaces/*/name");
    }
    if !ok {
        report.tools = rows;
        return (report, false);
    }

    // Call whatever the IDs found so far allow; each answer may unlock more.
    loop {
        let ready = pending
            .iter()
            .position(|(_, schema)| fill(schema, &known).is_some());
        let Some(index) = ready else { break };
        let (name, schema) = pending.remove(index);
        if let Some(arguments) = fill(&schema, &known) {
            probe(engine, name, arguments, &mut known, &mut rows).await;
        }
    }
    for (name, schema) in pending {
        let missing: Vec<String> = required(&schema)
            .into_iter()
            .filter(|a| value_for(a, &known).is_none())
            .collect();
        rows.push(Row {
            tool: name,
            status: Status::Skipped,
            detail: format!(
                "no {} found on this account to call it with",
                missing.join(", ")
            ),
            arguments: JsonObject::new(),
        });
    }
    rows.sort_by(|a, b| a.tool.cmp(&b.tool));
    report.tools = rows;
    (report, true)
}

/// Calls one tool, keeps the IDs its answer holds, and records the row.
async fn probe(
    engine: &Engine,
    name: String,
    arguments: JsonObject,
    known: &mut BTreeMap<String, String>,
    rows: &mut Vec<Row>,
) -> (Status, String, Option<Value>) {
    let (status, detail, answer) = outcome(engine.call(&name, arguments.clone()).await);
    if let Some(answer) = &answer {
        harvest(&name, answer, known, rows);
    }
    rows.push(Row {
        tool: name,
        status,
        detail: detail.clone(),
        arguments,
    });
    (status, detail, answer)
}

fn required(schema: &JsonObject) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn value_for(argument: &str, known: &BTreeMap<String, String>) -> Option<Value> {
    match argument {
        // Events are read on an environment, the resource every account with data has.
        "resourceType" => Some(json!("environments")),
        "resourceId" => known.get("environmentId").map(|v| json!(v)),
        _ => known.get(argument).map(|v| json!(v)),
    }
}

fn fill(schema: &JsonObject, known: &BTreeMap<String, String>) -> Option<JsonObject> {
    let mut arguments = JsonObject::new();
    for name in required(schema) {
        arguments.insert(name.clone(), value_for(&name, known)?);
    }
    Some(arguments)
}

fn harvest(tool: &str, answer: &Value, known: &mut BTreeMap<String, String>, rows: &mut Vec<Row>) {
    for (source, argument, pattern) in HARVEST.iter().filter(|(t, _, _)| *t == tool) {
        let found = values_at(answer, pattern);
        match found.first() {
            Some(first) => {
                known
                    .entry((*argument).to_owned())
                    .or_insert_with(|| first.clone());
            }
            None if !is_empty_list(answer, pattern) => rows.push(Row {
                tool: (*source).to_owned(),
                status: Status::ShapeDiffers,
                detail: format!("the answer has no {pattern} where {argument} was expected"),
                arguments: JsonObject::new(),
            }),
            None => {}
        }
    }
}

/// An answer that is an empty list holds no ID, and that is not a difference of shape.
fn is_empty_list(answer: &Value, pattern: &str) -> bool {
    let first = pattern
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("");
    match (first, answer) {
        ("*", Value::Array(items)) => items.is_empty(),
        (key, Value::Object(map)) => map
            .get(key)
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty),
        _ => false,
    }
}

/// Strings at a pointer where `*` stands for every item of a list.
fn values_at(value: &Value, pattern: &str) -> Vec<String> {
    let steps: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
    let mut current = vec![value];
    for step in steps {
        current = current
            .into_iter()
            .flat_map(|v| match (step, v) {
                ("*", Value::Array(items)) => items.iter().collect::<Vec<_>>(),
                (key, Value::Object(map)) => map.get(key).into_iter().collect(),
                _ => Vec::new(),
            })
            .collect();
    }
    let mut seen = BTreeSet::new();
    current
        .into_iter()
        .filter_map(Value::as_str)
        .filter(|s| seen.insert(s.to_string()))
        .map(str::to_owned)
        .collect()
}

fn outcome(
    result: Result<CallToolResult, mcp_engine::CallError>,
) -> (Status, String, Option<Value>) {
    let result = match result {
        Ok(result) => result,
        Err(e) => return (Status::Failed, e.to_string(), None),
    };
    let text: String = result
        .content
        .iter()
        .filter_map(|b| match b {
            ContentBlock::Text(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    if result.is_error != Some(true) {
        let answer: Option<Value> = serde_json::from_str(&text).ok();
        let detail = match &answer {
            Some(Value::Array(items)) => format!("works: a list of {}", items.len()),
            Some(Value::Object(map)) => format!("works: an object with {} field(s)", map.len()),
            Some(_) => "works: a value".to_owned(),
            None => format!("works: {} bytes of text", text.len()),
        };
        return (Status::Works, detail, answer);
    }
    let status = if text.contains("HTTP 404") {
        // NestJS answers an unknown route with "Cannot GET /path".
        if text.contains("Cannot GET") {
            Status::RouteAbsent
        } else {
            Status::NotFound
        }
    } else if text.contains("HTTP 401") || text.contains("HTTP 403") {
        Status::Refused
    } else if text.contains("has nothing at") || text.starts_with("Not found: no item has") {
        Status::ShapeDiffers
    } else {
        Status::Failed
    };
    let first_sentence = text
        .split(". ")
        .next()
        .unwrap_or(&text)
        .trim_end_matches('.');
    (status, first_sentence.to_owned(), None)
}
