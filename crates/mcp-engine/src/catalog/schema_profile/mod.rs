//! Schema dialects of model providers that accept only part of JSON Schema, after their
//! published rules and what their endpoints answered live (docs/file-formats.md lists the
//! sources):
//!
//! - `openai-strict` (OpenAI Structured Outputs, `strict: true`): every object closed
//!   (`additionalProperties: false`) and every property required, an optional one taking
//!   `null`; a type on every schema, items on every array; no `format`, length, `default`,
//!   `oneOf`/`allOf`/`not`, conditionals;
//! - `gemini` (Gemini function declarations, an OpenAPI 3.0 subset): one type per schema,
//!   `enum` on strings only, no empty `properties`, `required` only of declared properties;
//!   no `$ref`/`$defs`, `anyOf`/`oneOf`/`allOf`, `const`, `additionalProperties`, exclusive
//!   bounds, `format`, `default`, conditionals.
//!
//! `rules` says what a dialect refuses (`check --profile` reports it); `rewrite` makes the
//! schema `serve --schema-profile` lists. Arguments are still checked against the schema as
//! written (with the nulls a strict client sends for absent optional fields removed first).

use serde_json::{Map, Value};

mod rewrite;
mod rules;
#[cfg(test)]
mod tests;

pub(crate) use rewrite::rewrite;
pub(crate) use rules::problems;

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

/// The arguments with the nulls a strict client sends for absent optional fields removed,
/// at any depth, following `schema` (the schema as written): a null given for a property
/// it requires is kept, since there it can only mean null. Where the schema cannot be
/// followed (a union), every null is taken for "absent".
pub(crate) fn without_nulls(value: &mut Value, schema: &Map<String, Value>) {
    let defs = schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .unwrap_or(&Value::Null);
    strip_nulls(value, Some(schema), defs, 0);
}

fn strip_nulls(value: &mut Value, schema: Option<&Map<String, Value>>, defs: &Value, depth: usize) {
    // Through local references, as the rewrite inlines them.
    let schema = match schema.and_then(|s| s.get("$ref")).and_then(Value::as_str) {
        Some(r) if depth < 8 => r
            .strip_prefix("#/$defs/")
            .or_else(|| r.strip_prefix("#/definitions/"))
            .and_then(|name| defs.get(name))
            .and_then(Value::as_object),
        Some(_) => None,
        None => schema,
    };
    let sub = |key: &str| schema.and_then(|s| s.get(key));
    match value {
        Value::Object(map) => {
            let required: Vec<&str> = sub("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            map.retain(|k, v| !v.is_null() || required.contains(&k.as_str()));
            let props = sub("properties");
            for (k, v) in map.iter_mut() {
                let prop = props.and_then(|p| p.get(k)).and_then(Value::as_object);
                strip_nulls(v, prop, defs, depth + 1);
            }
        }
        Value::Array(items) => {
            let each = sub("items").and_then(Value::as_object);
            for item in items {
                strip_nulls(item, each, defs, depth + 1);
            }
        }
        _ => {}
    }
}
