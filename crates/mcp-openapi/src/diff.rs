//! The tools of a content root compared with an API description.

use std::collections::{BTreeMap, BTreeSet};

use mcp_engine::{BodyShape, ToolSummary};
use serde::Serialize;
use serde_json::Value;

use crate::spec::{Operation, Spec};

/// What differs between one tool and the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// No operation has this path (whatever the method).
    PathNotInSpec,
    /// The path exists, not with this method.
    MethodNotInSpec,
    /// A query parameter the operation does not declare.
    UnknownQueryParameter,
    /// A header parameter the operation does not declare.
    UnknownHeader,
    /// A body field the operation's schema does not have.
    UnknownBodyField,
    /// A field or parameter the operation requires and the tool never sends.
    MissingRequired,
    /// The tool requires what the operation leaves optional.
    RequiredButOptional,
    /// The types differ.
    TypeMismatch,
    /// The allowed values differ.
    EnumMismatch,
    /// Not a fault: a guessed tool the document confirms.
    ConfirmedByTheSpec,
}

/// One difference.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// What kind.
    pub kind: FindingKind,
    /// In words, naming the field.
    pub message: String,
}

/// One tool's result.
#[derive(Debug, Clone, Serialize)]
pub struct ToolReport {
    /// The tool.
    pub tool: String,
    /// `METHOD /path` as the tool sends it.
    pub request: String,
    /// The operation it matched (`operationId`, or method and path).
    pub operation: Option<String>,
    /// Its differences; empty when it agrees.
    pub findings: Vec<Finding>,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The document's title and version.
    pub spec: String,
    /// Every tool, by name.
    pub tools: Vec<ToolReport>,
    /// Operations of the document that no tool calls (`METHOD /path`).
    pub uncovered: Vec<String>,
}

impl Report {
    /// True when some tool disagrees with the document (suggestions do not count).
    pub fn has_mismatch(&self) -> bool {
        self.tools.iter().any(|t| {
            t.findings
                .iter()
                .any(|f| f.kind != FindingKind::ConfirmedByTheSpec)
        })
    }
}

/// Headers every request may carry, whatever the document says.
const COMMON_HEADERS: [&str; 5] = [
    "accept",
    "content-type",
    "authorization",
    "user-agent",
    "accept-encoding",
];

/// Compares `tools` with `spec`. A tool of the toolset `unconfirmed_toolset` that the document
/// confirms is reported as such.
pub fn diff(spec: &Spec, tools: &[ToolSummary], unconfirmed_toolset: &str) -> Report {
    let mut by_key: BTreeMap<(String, String), &Operation> = BTreeMap::new();
    let mut paths: BTreeSet<String> = BTreeSet::new();
    for op in &spec.operations {
        let key = normalize(&op.path);
        paths.insert(key.clone());
        by_key.entry((op.method.clone(), key)).or_insert(op);
    }
    let mut covered = BTreeSet::new();
    let mut reports = Vec::new();
    for tool in tools {
        let shape = &tool.shape;
        let key = (shape.method.clone(), normalize(&shape.path));
        let mut findings = Vec::new();
        let operation = by_key.get(&key).copied();
        match operation {
            None if paths.contains(&key.1) => findings.push(finding(
                FindingKind::MethodNotInSpec,
                format!(
                    "the document has {} but not with {}",
                    shape.path, shape.method
                ),
            )),
            None => findings.push(finding(
                FindingKind::PathNotInSpec,
                format!("no operation of the document has the path {}", shape.path),
            )),
            Some(op) => {
                covered.insert(key.clone());
                compare(spec, op, tool, &mut findings);
                if tool.toolset == unconfirmed_toolset {
                    findings.push(finding(
                        FindingKind::ConfirmedByTheSpec,
                        format!(
                            "the document confirms {} {}: move the tool out of `{unconfirmed_toolset}` into the toolset it belongs to",
                            op.method, op.path
                        ),
                    ));
                }
            }
        }
        reports.push(ToolReport {
            tool: tool.name.clone(),
            request: format!("{} {}", shape.method, shape.path),
            operation: operation.map(|op| {
                op.operation_id
                    .clone()
                    .unwrap_or_else(|| format!("{} {}", op.method, op.path))
            }),
            findings,
        });
    }
    let uncovered = spec
        .operations
        .iter()
        .filter(|op| !covered.contains(&(op.method.clone(), normalize(&op.path))))
        .map(|op| format!("{} {}", op.method, op.path))
        .collect();
    Report {
        spec: format!("{} {}", spec.title, spec.version).trim().to_owned(),
        tools: reports,
        uncovered,
    }
}

fn finding(kind: FindingKind, message: String) -> Finding {
    Finding { kind, message }
}

/// `/v1/items/{{ itemId }}` and `/v1/items/{id}` are the same path.
fn normalize(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    path.trim_end_matches('/')
        .split('/')
        .map(|segment| if segment.contains('{') { "{}" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

fn compare(spec: &Spec, op: &Operation, tool: &ToolSummary, findings: &mut Vec<Finding>) {
    let shape = &tool.shape;
    let schema = Value::Object(shape.input_schema.clone());
    let properties = schema.get("properties").and_then(Value::as_object);
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();

    let query: Vec<_> = op
        .parameters
        .iter()
        .filter(|p| p.location == "query")
        .collect();
    for name in &shape.query {
        match query.iter().find(|p| &p.name == name) {
            None => findings.push(finding(
                FindingKind::UnknownQueryParameter,
                format!("query parameter `{name}` is not in the document"),
            )),
            Some(p) => {
                // The argument that fills it usually has its name.
                if let Some(arg) = properties.and_then(|props| props.get(name)) {
                    compare_types(
                        &format!("query parameter `{name}`"),
                        arg,
                        &p.schema,
                        findings,
                    );
                    if required.contains(name.as_str()) && !p.required {
                        findings.push(finding(
                            FindingKind::RequiredButOptional,
                            format!("query parameter `{name}` is optional in the document, required by the tool"),
                        ));
                    }
                }
            }
        }
    }
    for p in query.iter().filter(|p| p.required) {
        if !shape.query.contains(&p.name) {
            findings.push(finding(
                FindingKind::MissingRequired,
                format!("the document requires the query parameter `{}`", p.name),
            ));
        }
    }
    let declared_headers: BTreeSet<String> = op
        .parameters
        .iter()
        .filter(|p| p.location == "header")
        .map(|p| p.name.to_ascii_lowercase())
        .chain(spec.auth_headers.iter().map(|h| h.to_ascii_lowercase()))
        .collect();
    for header in &shape.headers {
        let lower = header.to_ascii_lowercase();
        if !COMMON_HEADERS.contains(&lower.as_str()) && !declared_headers.contains(&lower) {
            findings.push(finding(
                FindingKind::UnknownHeader,
                format!("header `{header}` is not a parameter of the operation"),
            ));
        }
    }

    let sent: Vec<String> = match &shape.body {
        BodyShape::None | BodyShape::Other => Vec::new(),
        BodyShape::Args => properties
            .map(|props| {
                props
                    .keys()
                    .filter(|k| !shape.url_arguments.contains(k))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
        BodyShape::Fields(fields) => fields.clone(),
    };
    let Some(body) = &op.body else {
        if !sent.is_empty() {
            findings.push(finding(
                FindingKind::UnknownBodyField,
                format!(
                    "the operation takes no body, the tool sends {}",
                    sent.join(", ")
                ),
            ));
        }
        return;
    };
    if matches!(shape.body, BodyShape::Other) {
        return;
    }
    let spec_fields = body.get("properties").and_then(Value::as_object);
    let open = !matches!(
        body.get("additionalProperties"),
        None | Some(Value::Bool(false))
    ) || spec_fields.is_none();
    for field in &sent {
        match spec_fields.and_then(|f| f.get(field)) {
            None if !open => findings.push(finding(
                FindingKind::UnknownBodyField,
                format!("body field `{field}` is not in the operation's schema"),
            )),
            None => {}
            Some(spec_field) => {
                if let Some(arg) = properties.and_then(|p| p.get(field)) {
                    compare_types(&format!("body field `{field}`"), arg, spec_field, findings);
                    if matches!(shape.body, BodyShape::Args)
                        && required.contains(field.as_str())
                        && !(op.body_required && required_of(body).contains(field.as_str()))
                    {
                        findings.push(finding(
                            FindingKind::RequiredButOptional,
                            format!("body field `{field}` is optional in the document, required by the tool"),
                        ));
                    }
                }
            }
        }
    }
    if op.body_required {
        for field in required_of(body) {
            if !sent.iter().any(|s| s == field) {
                findings.push(finding(
                    FindingKind::MissingRequired,
                    format!(
                        "the document requires the body field `{field}`, which the tool never sends"
                    ),
                ));
            }
        }
    }
}

fn required_of(schema: &Value) -> BTreeSet<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn types(schema: &Value) -> BTreeSet<String> {
    match schema.get("type") {
        Some(Value::String(t)) => [t.clone()].into(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => BTreeSet::new(),
    }
}

fn compare_types(what: &str, tool: &Value, spec: &Value, findings: &mut Vec<Finding>) {
    let (mut ours, mut theirs) = (types(tool), types(spec));
    // A tool may leave out `null` (it never sends one), and integers are numbers.
    ours.remove("null");
    theirs.remove("null");
    let compatible = ours.is_empty()
        || theirs.is_empty()
        || ours == theirs
        || (theirs.contains("number") && ours.iter().all(|t| t == "integer" || t == "number"));
    if !compatible {
        findings.push(finding(
            FindingKind::TypeMismatch,
            format!(
                "{what} is {} in the tool, {} in the document",
                ours.into_iter().collect::<Vec<_>>().join("|"),
                theirs.into_iter().collect::<Vec<_>>().join("|")
            ),
        ));
    }
    let values = |s: &Value| -> Option<BTreeSet<String>> {
        s.get("enum").and_then(Value::as_array).map(|v| {
            v.iter()
                .filter(|x| !x.is_null())
                .map(Value::to_string)
                .collect()
        })
    };
    match (values(tool), values(spec)) {
        (Some(a), Some(b)) if a != b => findings.push(finding(
            FindingKind::EnumMismatch,
            format!(
                "{what} takes {} in the tool, {} in the document",
                join(&a),
                join(&b)
            ),
        )),
        (Some(a), None) => findings.push(finding(
            FindingKind::EnumMismatch,
            format!(
                "{what} is limited to {} by the tool, not by the document",
                join(&a)
            ),
        )),
        (None, Some(b)) => findings.push(finding(
            FindingKind::EnumMismatch,
            format!(
                "{what} takes only {} in the document; the tool does not say so",
                join(&b)
            ),
        )),
        _ => {}
    }
}

fn join(values: &BTreeSet<String>) -> String {
    values.iter().cloned().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn path_parameters_match_whatever_their_names() {
        assert_eq!(
            normalize("/v1/items/{{ itemId }}/events"),
            normalize("/v1/items/{id}/events")
        );
        assert_ne!(normalize("/v1/items/{id}"), normalize("/v1/items"));
    }
}
