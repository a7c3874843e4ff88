//! Search mode (`serve --tool-search`), for catalogues too large to list: tools/list holds
//! three meta-tools whatever the catalogue's size, and the model finds a tool by words
//! (`search_tools`), reads its definition (`describe_tool`) and calls it (`call_tool`, which
//! goes through validation, confirmations and the audit log like any call).

use std::collections::HashMap;
use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};

use crate::catalog::{Catalog, ListedTool};

pub(crate) const SEARCH: &str = "search_tools";
pub(crate) const DESCRIBE: &str = "describe_tool";
pub(crate) const CALL: &str = "call_tool";

pub(crate) fn is_meta(name: &str) -> bool {
    [SEARCH, DESCRIBE, CALL].contains(&name)
}

fn schema(value: Value) -> Arc<JsonObject> {
    match value {
        Value::Object(map) => Arc::new(map),
        _ => Arc::default(),
    }
}

/// The three tools listed in search mode.
pub(crate) fn meta_tools(program: &str) -> Vec<Tool> {
    let read_only = ToolAnnotations::new().read_only(true);
    vec![
        Tool::new(
            SEARCH,
            format!("Finds {program} tools for a task described in words; answers each match's name, title, first sentence and whether it only reads. Then describe_tool one of them, and call it with call_tool."),
            schema(json!({
                "type": "object",
                "properties": {
                    "query": {"type": "string", "minLength": 1, "description": "The task in a few words. Example: scale a service"},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 20, "description": "Most matches to return (5 when absent)."}
                },
                "required": ["query"],
                "additionalProperties": false
            })),
        )
        .with_annotations(read_only.clone()),
        Tool::new(
            DESCRIBE,
            "The full definition of one tool found with search_tools: its description, the JSON Schema of its arguments and its annotations.",
            schema(json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "The tool's name, as search_tools gave it."}
                },
                "required": ["name"],
                "additionalProperties": false
            })),
        )
        .with_annotations(read_only),
        Tool::new(
            CALL,
            "Calls one tool with its arguments (as describe_tool defines them). A destructive tool still asks the user to confirm.",
            schema(json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "The tool's name."},
                    "arguments": {"type": "object", "description": "The tool's arguments."}
                },
                "required": ["name"],
                "additionalProperties": false
            })),
        )
        .with_annotations(ToolAnnotations::new().destructive(true)),
    ]
}

/// Lower-case words of `text`, a trailing plural `s` dropped, short and common words left
/// out; tool names split on `_` and `-`.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    const COMMON: &[&str] = &[
        "the", "and", "for", "with", "from", "its", "this", "that", "give", "into", "one", "all",
        "are", "can", "any", "not", "may", "but", "when", "what", "which", "their", "them",
    ];
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(|w| {
            let w = w.to_lowercase();
            match w.strip_suffix('s') {
                Some(stem) if stem.len() > 2 && !stem.ends_with('s') => stem.to_owned(),
                _ => w,
            }
        })
        .filter(|w| !COMMON.contains(&w.as_str()))
}

/// The tools that best match `query`, best first: a word in the name counts three times,
/// in the title twice, in the description or an argument's name once, each weighted by
/// how rare it is in the catalogue.
pub(crate) fn search<'c>(
    catalog: &'c Catalog,
    visible: impl Fn(&ListedTool) -> bool,
    query: &str,
    limit: usize,
) -> Vec<&'c ListedTool> {
    // Everyday verbs, as the verbs tool names use.
    const VERBS: &[(&str, &str)] = &[
        ("show", "list"),
        ("see", "list"),
        ("view", "list"),
        ("display", "list"),
        ("remove", "delete"),
        ("destroy", "delete"),
        ("drop", "delete"),
        ("add", "create"),
        ("new", "create"),
        ("make", "create"),
        ("deploy", "create"),
        ("change", "update"),
        ("modify", "update"),
        ("edit", "update"),
        ("resize", "scale"),
        ("detail", "get"),
        ("info", "get"),
    ];
    let query: Vec<String> = words(query)
        .map(|w| {
            VERBS
                .iter()
                .find(|(from, _)| *from == w)
                .map_or(w, |(_, to)| (*to).to_owned())
        })
        .collect();
    let tools: Vec<&ListedTool> = catalog.tool_list.iter().filter(|t| visible(t)).collect();
    let fields: Vec<[Vec<String>; 3]> = tools
        .iter()
        .map(|t| {
            let (description, properties) = t.description_and_property_names();
            let mut rest: Vec<String> = words(&description.unwrap_or_default()).collect();
            for name in properties {
                rest.extend(words(&split_camel(&name)));
            }
            [
                words(t.name()).collect(),
                words(t.title().unwrap_or("")).collect(),
                rest,
            ]
        })
        .collect();
    let mut document_frequency: HashMap<&str, usize> = HashMap::new();
    for f in &fields {
        let mut seen: Vec<&str> = f.iter().flatten().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for w in seen {
            *document_frequency.entry(w).or_default() += 1;
        }
    }
    let n = tools.len().max(1) as f64;
    let mut scored: Vec<(f64, &ListedTool)> = tools
        .iter()
        .zip(&fields)
        .filter_map(|(tool, [name, title, rest])| {
            let score: f64 = query
                .iter()
                .map(|w| {
                    let weight = if name.contains(w) {
                        3.0
                    } else if title.contains(w) {
                        2.0
                    } else if rest.contains(w) {
                        1.0
                    } else {
                        return 0.0;
                    };
                    let df = document_frequency.get(w.as_str()).copied().unwrap_or(1) as f64;
                    weight * (1.0 + (n / df).ln())
                })
                .sum();
            (score > 0.0).then_some((score, *tool))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.name().cmp(b.1.name())));
    scored.into_iter().take(limit).map(|(_, t)| t).collect()
}

fn split_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_uppercase() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A match as search_tools answers it: short, so that many fit.
pub(crate) fn summary(tool: &ListedTool, read_only: bool) -> Value {
    let description = tool.description().unwrap_or_default();
    let first = description
        .split_inclusive(". ")
        .next()
        .unwrap_or(&description)
        .trim();
    json!({
        "name": tool.name(),
        "title": tool.title(),
        "about": crate::text::truncate(first, 200),
        "readOnly": read_only,
    })
}
