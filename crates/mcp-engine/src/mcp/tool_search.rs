//! Search mode (`serve --tool-search`), for catalogues too large to list: tools/list holds
//! three meta-tools whatever the catalogue's size, and the model finds a tool by words
//! (`search_tools`), reads its definition (`describe_tool`) and calls it (`call_tool`, which
//! goes through validation, confirmations and the audit log like any call).

use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};

use crate::catalog::ListedTool;
use crate::catalog::schema_profile::{SchemaProfile, rewrite};

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

/// The three tools listed in search mode, their schemas in `profile`'s dialect if one is
/// asked for.
pub(crate) fn meta_tools(program: &str, profile: Option<SchemaProfile>) -> Vec<Tool> {
    let mut tools = meta_tools_as_written(program);
    let Some(profile) = profile else {
        return tools;
    };
    for tool in &mut tools {
        let mut schema = Value::Object((*tool.input_schema).clone());
        // Neither dialect lets a model fill an object of any fields: the arguments of the
        // tool called come as the text of their JSON instead.
        if tool.name == CALL {
            schema["properties"]["arguments"] = json!({
                "type": "string",
                "description": "The tool's arguments as the text of a JSON object. Example: {\"environmentId\": \"...\"}"
            });
        }
        tool.input_schema = match rewrite(profile, &schema) {
            Value::Object(map) => Arc::new(map),
            _ => tool.input_schema.clone(),
        };
    }
    tools
}

/// The arguments `call_tool` passes on: an object, or the text of one (as the schema
/// dialects list it); absent or null for none.
pub(crate) fn call_arguments(given: Option<&Value>) -> Result<Option<JsonObject>, String> {
    match given {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map.clone())),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Ok(Some(map)),
            _ => Err("call_tool's `arguments` is not the text of a JSON object; give an object such as {\"serviceId\": \"...\"}".to_owned()),
        },
        Some(_) => Err("call_tool's `arguments` must be an object of the tool's arguments".to_owned()),
    }
}

fn meta_tools_as_written(program: &str) -> Vec<Tool> {
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
                    "arguments": {"type": "object", "description": "The tool's arguments (an object, or the text of one)."}
                },
                "required": ["name"],
                "additionalProperties": false
            })),
        )
        .with_annotations(ToolAnnotations::new().destructive(true)),
    ]
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
