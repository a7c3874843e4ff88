//! What each dialect refuses, rule by rule, after the providers' published rules and the
//! errors their endpoints answered live (sources in docs/file-formats.md). `check
//! --profile` reports these on the files' schemas; the tests hold every rewritten schema
//! to them, so a rule added here is a rule the rewrite must meet.

use serde_json::{Map, Value};

use super::SchemaProfile;

/// The types both dialects name (Gemini has no `null`: it says `nullable`).
const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "array", "object", "null",
];

/// What `profile` refuses in `schema`: (JSON pointer, message).
pub(crate) fn problems(profile: SchemaProfile, schema: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(profile, schema, String::new(), &mut out);
    out
}

fn walk(profile: SchemaProfile, schema: &Value, at: String, out: &mut Vec<(String, String)>) {
    let name = profile.name();
    let map = match schema {
        Value::Object(map) => map,
        Value::Bool(b) => {
            out.push((
                at,
                format!(
                    "{name} takes no boolean schema (`{b}`); the served schema {}",
                    if *b {
                        "gives it a type"
                    } else {
                        "leaves the property out"
                    }
                ),
            ));
            return;
        }
        _ => return,
    };
    for (keyword, value) in map {
        let here = format!("{at}/{keyword}");
        match keyword.as_str() {
            "properties" => match value.as_object() {
                Some(props) => {
                    for (prop, sub) in props {
                        walk(profile, sub, format!("{here}/{prop}"), out);
                    }
                }
                None => out.push((here, format!("{name} needs `properties` to be a map"))),
            },
            "items" if value.is_array() => out.push((
                here,
                format!("{name} takes one `items` schema, not a list; the served schema moves the list into the description"),
            )),
            "items" => walk(profile, value, here, out),
            "$defs" | "definitions" => {
                if profile == SchemaProfile::Gemini {
                    out.push((
                        here.clone(),
                        format!("gemini takes no `{keyword}`; the served schema inlines them"),
                    ));
                }
                for (def, sub) in value.as_object().into_iter().flatten() {
                    walk(profile, sub, format!("{here}/{def}"), out);
                }
            }
            "$ref" | "$anchor" if profile == SchemaProfile::Gemini => out.push((
                here,
                format!("gemini takes no `{keyword}`; the served schema inlines it"),
            )),
            "$ref" | "$anchor" | "$schema" | "$id" => {}
            k if k.starts_with("x-") => {}
            "type" => type_problems(profile, value, here, out),
            "anyOf" if profile == SchemaProfile::OpenAiStrict => {
                for (i, branch) in value.as_array().into_iter().flatten().enumerate() {
                    walk(profile, branch, format!("{here}/{i}"), out);
                }
            }
            "oneOf" if profile == SchemaProfile::OpenAiStrict => out.push((
                here,
                "openai-strict refuses `oneOf`; the served schema makes it `anyOf`".to_owned(),
            )),
            "allOf" => out.push((
                here,
                format!("{name} refuses `allOf`; the served schema merges its schemas into one"),
            )),
            "enum" if profile == SchemaProfile::Gemini && !gemini_enum_ok(map, value) => {
                out.push((
                    here,
                    "gemini takes `enum` on strings only; the served schema moves it into the description".to_owned(),
                ))
            }
            "const" if profile == SchemaProfile::Gemini => out.push((
                here,
                if value.is_string() {
                    "gemini takes no `const`; the served schema makes it a one-value `enum`"
                } else {
                    "gemini takes no `const`; the served schema moves it into the description"
                }
                .to_owned(),
            )),
            k if !profile.allowed(k) => out.push((
                here,
                format!("{name} refuses `{k}`; the served schema moves it into the description"),
            )),
            _ => {}
        }
    }
    match profile {
        SchemaProfile::Gemini => gemini_structure(map, &at, out),
        SchemaProfile::OpenAiStrict => strict_structure(map, &at, out),
    }
}

fn type_problems(
    profile: SchemaProfile,
    value: &Value,
    at: String,
    out: &mut Vec<(String, String)>,
) {
    let name = profile.name();
    let names: Vec<&Value> = match value {
        Value::Array(list) => list.iter().collect(),
        other => vec![other],
    };
    if names
        .iter()
        .any(|t| !t.as_str().is_some_and(|t| TYPES.contains(&t)))
    {
        out.push((
            at,
            format!("{name} does not know the type {value}; the served schema moves it into the description"),
        ));
        return;
    }
    if profile == SchemaProfile::Gemini {
        if value.is_array() {
            out.push((
                at,
                "gemini takes one type, not a list; the served schema keeps the first (with `nullable` for null) and names the others in the description".to_owned(),
            ));
        } else if value == "null" {
            out.push((
                at,
                "gemini has no `null` type; the served schema moves it into the description"
                    .to_owned(),
            ));
        }
    }
}

/// Gemini takes `enum` on a string only: every value a string, the type `string` or none
/// (the served schema then says `string`).
fn gemini_enum_ok(map: &Map<String, Value>, values: &Value) -> bool {
    values
        .as_array()
        .is_some_and(|v| !v.is_empty() && v.iter().all(Value::is_string))
        && map.get("type").is_none_or(|t| t == "string")
}

/// Gemini's rules on the shape of a schema (what its endpoint answers with a 400).
fn gemini_structure(map: &Map<String, Value>, at: &str, out: &mut Vec<(String, String)>) {
    let ty = map.get("type");
    let object = ty.is_some_and(|t| t == "object");
    let has_shape = map.contains_key("properties") || map.contains_key("required");
    if ty.is_none() && !map.contains_key("$ref") && !map.contains_key("allOf") {
        out.push((
            at.to_owned(),
            "gemini needs a `type` on every schema; the served schema gives one".to_owned(),
        ));
    } else if has_shape && ty.is_some() && !object {
        out.push((
            at.to_owned(),
            "gemini takes `properties` and `required` on objects only; the served schema leaves them out".to_owned(),
        ));
    }
    if map
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
    {
        out.push((
            at.to_owned(),
            "gemini refuses empty `properties`; the served schema leaves them out".to_owned(),
        ));
    }
    if object || ty.is_none() {
        undeclared_required(SchemaProfile::Gemini, map, at, out);
    }
    if ty.is_some_and(|t| t == "array") && !map.contains_key("items") {
        out.push((
            at.to_owned(),
            "gemini needs `items` on an array; the served schema gives string items".to_owned(),
        ));
    }
}

/// OpenAI strict mode's rules on the shape of a schema.
fn strict_structure(map: &Map<String, Value>, at: &str, out: &mut Vec<(String, String)>) {
    let typed = ["type", "anyOf", "oneOf", "enum", "const", "$ref", "allOf"]
        .iter()
        .any(|k| map.contains_key(*k));
    if !typed {
        out.push((
            at.to_owned(),
            if map.contains_key("properties") || map.contains_key("required") {
                "openai-strict needs a `type` on every schema; the served schema says `object`"
            } else {
                "openai-strict needs a `type` on every schema; the served schema takes a string, number or boolean"
            }
            .to_owned(),
        ));
    }
    if is_array(map) && !map.contains_key("items") {
        out.push((
            at.to_owned(),
            "openai-strict needs `items` on an array; the served schema takes strings, numbers or booleans".to_owned(),
        ));
    }
    if !is_object(map) {
        return;
    }
    if map.get("additionalProperties") != Some(&Value::Bool(false)) {
        out.push((
            at.to_owned(),
            if map.get("properties").is_none() {
                "openai-strict cannot express a free-form object (no properties): a strict client sends `{}` only"
            } else {
                "openai-strict needs `additionalProperties: false`; the served schema closes the object"
            }
            .to_owned(),
        ));
    }
    let required = required_names(map);
    if let Some(props) = map.get("properties").and_then(Value::as_object) {
        let optional: Vec<&str> = props
            .keys()
            .map(String::as_str)
            .filter(|k| !required.contains(k))
            .collect();
        if !optional.is_empty() {
            out.push((at.to_owned(), format!("openai-strict needs every property in `required`; the served schema requires {} and lets them be null", optional.join(", "))));
        }
    }
    undeclared_required(SchemaProfile::OpenAiStrict, map, at, out);
}

/// `required` names the object does not declare: neither dialect takes them.
fn undeclared_required(
    profile: SchemaProfile,
    map: &Map<String, Value>,
    at: &str,
    out: &mut Vec<(String, String)>,
) {
    let props = map.get("properties").and_then(Value::as_object);
    let unknown: Vec<&str> = required_names(map)
        .into_iter()
        .filter(|r| props.is_none_or(|p| !p.contains_key(*r)))
        .collect();
    if !unknown.is_empty() {
        out.push((
            at.to_owned(),
            format!(
                "{} refuses `required` names that are not properties ({}); the served schema declares them",
                profile.name(),
                unknown.join(", ")
            ),
        ));
    }
}

pub(super) fn required_names(map: &Map<String, Value>) -> Vec<&str> {
    map.get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn has_type(map: &Map<String, Value>, name: &str) -> bool {
    match map.get("type") {
        Some(Value::String(t)) => t == name,
        Some(Value::Array(list)) => list.iter().any(|t| t == name),
        _ => false,
    }
}

pub(super) fn is_object(map: &Map<String, Value>) -> bool {
    has_type(map, "object") || map.contains_key("properties")
}

pub(super) fn is_array(map: &Map<String, Value>) -> bool {
    has_type(map, "array")
}
