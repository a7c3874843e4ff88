//! Schema dialects of model providers that accept only part of JSON Schema, after their
//! published rules and what clients found live (docs/file-formats.md lists the sources):
//!
//! - `openai-strict` (OpenAI Structured Outputs, `strict: true`): every object closed
//!   (`additionalProperties: false`) and every property required, an optional one taking
//!   `null`; no `format`, length, `default`, `oneOf`/`allOf`/`not`, conditionals;
//! - `gemini` (Gemini function declarations, an OpenAPI 3.0 subset): no `$ref`/`$defs`,
//!   `anyOf`/`oneOf`/`allOf`, `const`, `additionalProperties`, exclusive bounds, `format`,
//!   `default`, conditionals.
//!
//! `check --profile` reports what a dialect refuses; `serve --schema-profile` lists schemas
//! rewritten into it: local `$ref`s inlined, a refused keyword moved into the description
//! (so the model still reads it), `const` as a one-value `enum`. Arguments are still
//! checked against the schema as written (with the nulls a strict client sends for absent
//! optional fields removed first).

use serde_json::{Map, Value, json};

/// A model provider's dialect of JSON Schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaProfile {
    /// OpenAI Structured Outputs, `strict: true`.
    OpenAiStrict,
    /// Gemini function declarations.
    Gemini,
}

impl std::str::FromStr for SchemaProfile {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "openai-strict" => Ok(Self::OpenAiStrict),
            "gemini" => Ok(Self::Gemini),
            other => Err(format!(
                "`{other}` is not a schema profile; use openai-strict or gemini"
            )),
        }
    }
}

impl SchemaProfile {
    /// The name `--profile` and `--schema-profile` take.
    pub fn name(self) -> &'static str {
        match self {
            Self::OpenAiStrict => "openai-strict",
            Self::Gemini => "gemini",
        }
    }

    /// Keywords the dialect takes as they are.
    fn allowed(self, keyword: &str) -> bool {
        const COMMON: &[&str] = &[
            "type",
            "description",
            "title",
            "enum",
            "items",
            "properties",
            "required",
            "minimum",
            "maximum",
            "minItems",
            "maxItems",
            "pattern",
        ];
        COMMON.contains(&keyword)
            || match self {
                Self::OpenAiStrict => matches!(
                    keyword,
                    "additionalProperties"
                        | "anyOf"
                        | "const"
                        | "exclusiveMinimum"
                        | "exclusiveMaximum"
                        | "multipleOf"
                ),
                Self::Gemini => matches!(
                    keyword,
                    "minLength" | "maxLength" | "nullable" | "propertyOrdering"
                ),
            }
    }
}

/// What `profile` refuses in `schema`: (JSON pointer, message).
pub(crate) fn problems(profile: SchemaProfile, schema: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(profile, schema, String::new(), &mut out);
    out
}

fn walk(profile: SchemaProfile, schema: &Value, at: String, out: &mut Vec<(String, String)>) {
    let Some(map) = schema.as_object() else {
        return;
    };
    for (keyword, value) in map {
        let here = format!("{at}/{keyword}");
        match keyword.as_str() {
            "properties" => {
                if let Some(props) = value.as_object() {
                    for (name, sub) in props {
                        walk(profile, sub, format!("{here}/{name}"), out);
                    }
                }
            }
            "items" => walk(profile, value, here, out),
            // Metadata a client drops; extensions of this engine, dropped when served.
            "$schema" | "$id" => {}
            k if k.starts_with("x-") => {}
            "$defs" | "definitions" | "$ref" | "$anchor" if profile == SchemaProfile::Gemini => {
                out.push((
                    here,
                    format!("gemini takes no `{keyword}`; the served schema inlines it"),
                ));
            }
            "$defs" | "definitions" | "$ref" | "$anchor" => {}
            k if !profile.allowed(k) => out.push((
                here,
                format!(
                    "{} refuses `{k}`; the served schema moves it into the description",
                    profile.name()
                ),
            )),
            _ => {}
        }
    }
    if profile == SchemaProfile::OpenAiStrict && is_object(map) {
        if map.get("additionalProperties") != Some(&Value::Bool(false)) {
            let open = map.get("properties").is_none();
            out.push((
                at.clone(),
                if open {
                    "openai-strict cannot express a free-form object (no properties): a strict client sends `{}` only".to_owned()
                } else {
                    "openai-strict needs `additionalProperties: false`; the served schema closes the object".to_owned()
                },
            ));
        }
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = map.get("properties").and_then(Value::as_object) {
            let optional: Vec<&str> = props
                .keys()
                .map(String::as_str)
                .filter(|k| !required.contains(k))
                .collect();
            if !optional.is_empty() {
                out.push((at, format!("openai-strict needs every property in `required`; the served schema requires {} and lets them be null", optional.join(", "))));
            }
        }
    }
}

fn is_object(map: &Map<String, Value>) -> bool {
    map.get("type").and_then(Value::as_str) == Some("object") || map.contains_key("properties")
}

/// What `profile` refuses in every tool file's `input`, as advisories at the keyword.
pub fn profile_report(
    source: &crate::ContentSource,
    profile: SchemaProfile,
) -> Vec<crate::Diagnostic> {
    let (files, _) = source.read_all();
    let mut out = Vec::new();
    for file in files
        .iter()
        .filter(|f| crate::source::content_kind(&f.path) == Some(crate::source::ContentKind::Tool))
    {
        let Ok(definition) = serde_yaml::from_str::<Value>(&file.text) else {
            continue;
        };
        let Some(input) = definition.get("input") else {
            continue;
        };
        for (pointer, message) in problems(profile, input) {
            let mut keys = vec!["input"];
            keys.extend(pointer.split('/').filter(|s| !s.is_empty()));
            let position = crate::yaml_locate::locate(&file.text, &keys, 1);
            out.push(crate::Diagnostic::advisory(&*file.path, position, message));
        }
    }
    out
}

/// `schema` rewritten into `profile`.
pub(crate) fn rewrite(profile: SchemaProfile, schema: &Value) -> Value {
    let defs = schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .cloned()
        .unwrap_or(Value::Null);
    convert(profile, schema, &defs, 0)
}

fn convert(profile: SchemaProfile, schema: &Value, defs: &Value, depth: usize) -> Value {
    let Some(map) = schema.as_object() else {
        return schema.clone();
    };
    // A local reference is replaced by what it names (cycles stop at a depth).
    if let Some(target) = map.get("$ref").and_then(Value::as_str)
        && depth < 8
        && let Some(name) = target
            .strip_prefix("#/$defs/")
            .or_else(|| target.strip_prefix("#/definitions/"))
        && let Some(found) = defs.get(name)
    {
        let mut merged = found.as_object().cloned().unwrap_or_default();
        for (k, v) in map {
            if k != "$ref" {
                merged.insert(k.clone(), v.clone());
            }
        }
        return convert(profile, &Value::Object(merged), defs, depth + 1);
    }
    let mut out = Map::new();
    let mut notes: Vec<String> = Vec::new();
    for (keyword, value) in map {
        match keyword.as_str() {
            "properties" => {
                let props: Map<String, Value> = value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), convert(profile, v, defs, depth)))
                    .collect();
                out.insert(keyword.clone(), Value::Object(props));
            }
            "items" => {
                out.insert(keyword.clone(), convert(profile, value, defs, depth));
            }
            "$defs" | "definitions" | "$schema" | "$anchor" | "$id" | "$ref" => {}
            "const" if profile == SchemaProfile::Gemini => {
                out.insert("enum".to_owned(), json!([value]));
            }
            k if profile.allowed(k) => {
                out.insert(keyword.clone(), value.clone());
            }
            k if k.starts_with("x-") => {}
            k => notes.push(format!("{k}: {}", compact(value))),
        }
    }
    if profile == SchemaProfile::OpenAiStrict && is_object(map) {
        close(&mut out);
    }
    if !notes.is_empty() {
        let text = out
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let joined = notes.join("; ");
        let description = if text.is_empty() {
            format!("({joined})")
        } else {
            format!("{text} ({joined})")
        };
        out.insert("description".to_owned(), Value::String(description));
    }
    Value::Object(out)
}

/// Strict mode: closed, every property required, the optional ones nullable.
fn close(out: &mut Map<String, Value>) {
    out.insert("additionalProperties".to_owned(), Value::Bool(false));
    let required: Vec<String> = out
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let Some(Value::Object(props)) = out.get_mut("properties") else {
        return;
    };
    let names: Vec<String> = props.keys().cloned().collect();
    for (name, prop) in props.iter_mut() {
        if required.contains(name) {
            continue;
        }
        if let Some(p) = prop.as_object_mut() {
            match p.get("type").cloned() {
                Some(Value::String(t)) => {
                    p.insert("type".to_owned(), json!([t, "null"]));
                }
                Some(Value::Array(mut types)) if !types.contains(&json!("null")) => {
                    types.push(json!("null"));
                    p.insert("type".to_owned(), Value::Array(types));
                }
                _ => {}
            }
            if let Some(Value::Array(values)) = p.get_mut("enum")
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
        }
    }
    out.insert(
        "required".to_owned(),
        Value::Array(names.into_iter().map(Value::String).collect()),
    );
}

fn compact(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The arguments with the nulls a strict client sends for absent optional fields removed,
/// at any depth: the schema as written knows them as absent.
pub(crate) fn without_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(without_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(without_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "$defs": {"port": {"type": "integer", "minimum": 1}},
            "properties": {
                "id": {"type": "string", "format": "uuid", "description": "The id."},
                "kind": {"const": "classic"},
                "port": {"$ref": "#/$defs/port"},
                "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
                "mode": {"type": "string", "enum": ["a", "b"]}
            },
            "required": ["id"],
            "additionalProperties": false
        })
    }

    #[test]
    fn openai_strict_closes_requires_and_moves_format_into_the_description() {
        let out = rewrite(SchemaProfile::OpenAiStrict, &schema());
        assert_eq!(
            out["required"],
            json!(["id", "kind", "port", "tags", "mode"])
        );
        assert_eq!(out["additionalProperties"], false);
        assert_eq!(out["properties"]["id"]["type"], "string");
        assert_eq!(
            out["properties"]["id"]["description"],
            "The id. (format: uuid)"
        );
        assert_eq!(
            out["properties"]["port"]["type"],
            json!(["integer", "null"])
        );
        assert_eq!(out["properties"]["port"]["minimum"], 1);
        assert_eq!(out["properties"]["mode"]["enum"], json!(["a", "b", null]));
        assert!(out.get("$defs").is_none() && out.get("$schema").is_none());
        assert_eq!(
            out["properties"]["tags"]["items"]["description"],
            "(minLength: 1)"
        );
        assert!(!problems(SchemaProfile::OpenAiStrict, &schema()).is_empty());
        assert!(
            problems(SchemaProfile::OpenAiStrict, &out)
                .iter()
                .all(|(_, m)| !m.contains("additionalProperties") && !m.contains("required"))
        );
    }

    #[test]
    fn gemini_gets_no_refs_consts_bounds_or_closed_objects() {
        let out = rewrite(SchemaProfile::Gemini, &schema());
        assert_eq!(out["properties"]["kind"]["enum"], json!(["classic"]));
        assert_eq!(out["properties"]["port"]["type"], "integer");
        assert!(out.get("additionalProperties").is_none());
        assert!(out.to_string().find("$ref").is_none());
        assert!(problems(SchemaProfile::Gemini, &out).is_empty(), "{out}");
        let found = problems(SchemaProfile::Gemini, &schema());
        for keyword in ["$defs", "$ref", "const", "format", "additionalProperties"] {
            assert!(
                found.iter().any(|(at, _)| at.ends_with(keyword)),
                "{keyword}: {found:?}"
            );
        }
    }

    #[test]
    fn strict_nulls_are_absent_fields() {
        let mut args = json!({"id": "x", "port": null, "nested": {"a": null, "b": 1}});
        without_nulls(&mut args);
        assert_eq!(args, json!({"id": "x", "nested": {"b": 1}}));
    }
}
