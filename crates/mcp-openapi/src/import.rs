//! Operations into tool files a person can read and edit.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::name::{argument, tool_name};
use crate::spec::{Operation, Spec};

/// Which operations to import; empty lists take all.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Only operations with one of these tags.
    pub tags: Vec<String>,
    /// Only these operations (by `operationId` or by the tool name they would get).
    pub operations: Vec<String>,
    /// Only operations whose path starts with one of these.
    pub paths: Vec<String>,
    /// Put in front of every tool name (`acme_`).
    pub prefix: String,
}

/// One tool file to write.
#[derive(Debug, Clone)]
pub struct GeneratedTool {
    /// The tool's name.
    pub name: String,
    /// The file name (`<name>.yaml`).
    pub file_name: String,
    /// The file's text.
    pub yaml: String,
}

const MAX_DESCRIPTION: usize = 1000;

/// The tool files of the operations `filters` selects, in the document's order.
pub fn import(spec: &Spec, filters: &Filters) -> Vec<GeneratedTool> {
    let mut taken = BTreeSet::new();
    let mut out = Vec::new();
    for op in &spec.operations {
        let name = tool_name(
            &filters.prefix,
            op.operation_id.as_deref(),
            &op.method,
            &op.path,
            &mut taken,
        );
        if !selected(op, &name, filters) {
            taken.remove(&name);
            continue;
        }
        let yaml = tool_file(spec, op, &name);
        out.push(GeneratedTool {
            file_name: format!("{name}.yaml"),
            name,
            yaml,
        });
    }
    out
}

fn selected(op: &Operation, name: &str, filters: &Filters) -> bool {
    (filters.tags.is_empty() || op.tags.iter().any(|t| filters.tags.contains(t)))
        && (filters.operations.is_empty()
            || filters
                .operations
                .iter()
                .any(|o| o == name || op.operation_id.as_deref() == Some(o.as_str())))
        && (filters.paths.is_empty()
            || filters
                .paths
                .iter()
                .any(|p| op.path.starts_with(p.as_str())))
}

fn tool_file(spec: &Spec, op: &Operation, name: &str) -> String {
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut query = Map::new();
    let mut path = op.path.clone();
    for p in &op.parameters {
        let arg = argument(&p.name);
        match p.location.as_str() {
            "path" => path = path.replace(&format!("{{{}}}", p.name), &format!("{{{{ {arg} }}}}")),
            "query" => {
                query.insert(p.name.clone(), Value::String(format!("{{{{ {arg} }}}}")));
            }
            // Header parameters are left to the server's headers: a person adds them when needed.
            _ => continue,
        }
        properties.insert(
            arg.clone(),
            described(p.schema.clone(), p.description.as_deref()),
        );
        if p.required {
            required.push(Value::String(arg));
        }
    }
    let mut open = false;
    let body = match &op.body {
        None => None,
        Some(schema) => match schema.get("properties").and_then(Value::as_object) {
            Some(fields)
                if !fields.is_empty() && fields.keys().all(|k| !properties.contains_key(k)) =>
            {
                for (k, v) in fields {
                    properties.insert(k.clone(), v.clone());
                }
                if op.body_required
                    && let Some(Value::Array(names)) = schema.get("required")
                {
                    required.extend(names.iter().cloned());
                }
                open = matches!(
                    schema.get("additionalProperties"),
                    Some(Value::Bool(true) | Value::Object(_))
                );
                Some(Value::String("args".into()))
            }
            _ => {
                properties.insert(
                    "body".into(),
                    described(
                        schema.clone(),
                        op.body_description.as_deref().or(Some("The request body.")),
                    ),
                );
                if op.body_required {
                    required.push(Value::String("body".into()));
                }
                Some(Value::String("{{ body }}".into()))
            }
        },
    };
    let mut input = Map::new();
    input.insert("type".into(), json!("object"));
    input.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        input.insert("required".into(), Value::Array(required));
    }
    input.insert("additionalProperties".into(), Value::Bool(open));

    let mut request = Map::new();
    request.insert("method".into(), json!(op.method));
    request.insert("path".into(), json!(path));
    if !query.is_empty() {
        request.insert("query".into(), Value::Object(query));
    }
    if let Some(body) = body {
        request.insert("body".into(), body);
    }
    // An answer that wraps its content in one field (`{"data": [...]}`) gives that field.
    let select = op
        .response
        .as_ref()
        .and_then(|r| r.get("properties"))
        .and_then(Value::as_object)
        .filter(|p| p.len() == 1)
        .and_then(|p| p.iter().next())
        .filter(|(_, v)| {
            matches!(
                v.get("type").and_then(Value::as_str),
                Some("array" | "object")
            )
        })
        .map(|(name, _)| format!("/{}", name.replace('~', "~0").replace('/', "~1")));

    let mut file = Map::new();
    file.insert("name".into(), json!(name));
    if let Some(summary) = op
        .summary
        .as_deref()
        .map(one_line)
        .filter(|s| !s.is_empty())
    {
        file.insert("title".into(), json!(cut(&summary, 100)));
    }
    file.insert("description".into(), json!(description(op)));
    file.insert("input".into(), Value::Object(input));
    file.insert("request".into(), Value::Object(request));
    if let Some(select) = select {
        file.insert("response".into(), json!({ "select": select }));
    }
    let header = format!(
        "# Imported from {} {}: {} {}{}. Edit freely; reference: docs/file-formats.md\n",
        one_line(&spec.title),
        one_line(&spec.version),
        op.method,
        op.path,
        op.operation_id
            .as_deref()
            .map(|id| format!(" ({})", one_line(id)))
            .unwrap_or_default()
    );
    let body = serde_yaml::to_string(&Value::Object(file)).unwrap_or_default();
    format!("{header}{body}")
}

fn described(mut schema: Value, description: Option<&str>) -> Value {
    if let (Value::Object(map), Some(text)) = (&mut schema, description)
        && !map.contains_key("description")
        && !text.trim().is_empty()
    {
        map.insert(
            "description".into(),
            json!(cut(&one_line(text), MAX_DESCRIPTION)),
        );
    }
    schema
}

fn description(op: &Operation) -> String {
    let parts: Vec<String> = [op.summary.as_deref(), op.description.as_deref()]
        .into_iter()
        .flatten()
        .map(one_line)
        .filter(|s| !s.is_empty())
        .collect();
    let mut text = match parts.as_slice() {
        [] => format!("{} {}", op.method, op.path),
        [one] => one.clone(),
        [summary, rest @ ..] if rest.iter().all(|r| r.starts_with(summary.as_str())) => {
            rest.join(" ")
        }
        [summary, rest @ ..] => format!("{}. {}", summary.trim_end_matches('.'), rest.join(" ")),
    };
    text = cut(&text, MAX_DESCRIPTION);
    text
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max - 1).collect();
    format!("{}…", kept.trim_end())
}
