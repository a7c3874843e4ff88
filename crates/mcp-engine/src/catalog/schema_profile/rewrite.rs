//! A schema rewritten into a dialect. Whatever the dialect cannot say is told in the
//! description, so the model still reads it; where a rule forces a choice (one type out of
//! several, a type for a schema with none), the served schema takes one the schema as
//! written accepts, so that what the model sends still passes the real validation.

use serde_json::{Map, Value, json};

use super::SchemaProfile;
use super::rules::{is_array, is_object, required_names};

/// How deep references and `allOf` are followed: a cycle stops there.
const MAX_DEPTH: usize = 8;

/// `schema` rewritten into `profile`.
pub(crate) fn rewrite(profile: SchemaProfile, schema: &Value) -> Value {
    let defs = schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut out = convert(profile, schema, &defs, 0);
    // A tool's arguments are an object, whatever the root said besides.
    if let Value::Object(map) = &mut out
        && !map.get("type").is_some_and(|t| t == "object")
    {
        map.remove("anyOf");
        map.remove("nullable");
        map.insert("type".to_owned(), json!("object"));
        finish(profile, map);
    }
    out
}

/// The schema a local `$ref` names, if there is one.
fn target<'a>(reference: &str, defs: &'a Value) -> Option<&'a Value> {
    let name = reference
        .strip_prefix("#/$defs/")
        .or_else(|| reference.strip_prefix("#/definitions/"))?;
    defs.get(name)
}

fn convert(profile: SchemaProfile, schema: &Value, defs: &Value, depth: usize) -> Value {
    let empty = Map::new();
    let map = schema.as_object().unwrap_or(&empty);
    // A local reference is replaced by what it names, beside what the referring schema says.
    if let Some(found) = map
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| target(r, defs))
        && depth < MAX_DEPTH
    {
        let mut merged = found.as_object().cloned().unwrap_or_default();
        for (k, v) in map {
            if k != "$ref" {
                merged.insert(k.clone(), v.clone());
            }
        }
        return convert(profile, &Value::Object(merged), defs, depth + 1);
    }
    // Neither dialect has `allOf`: its schemas are merged into one (properties and required
    // names added up; for any other keyword, the first one said wins).
    if let Some(Value::Array(parts)) = map.get("allOf")
        && depth < MAX_DEPTH
    {
        let mut merged = map.clone();
        merged.remove("allOf");
        for part in parts {
            let part = match part.get("$ref").and_then(Value::as_str) {
                Some(r) => target(r, defs).unwrap_or(part),
                None => part,
            };
            merge(&mut merged, part);
        }
        return convert(profile, &Value::Object(merged), defs, depth + 1);
    }
    let mut out = Map::new();
    let mut notes: Vec<String> = Vec::new();
    let mut union: Vec<Value> = Vec::new();
    for (keyword, value) in map {
        match keyword.as_str() {
            "properties" => match value.as_object() {
                Some(props) => {
                    let props: Map<String, Value> = props
                        .iter()
                        // `false` accepts no value: the property cannot be sent at all.
                        .filter(|(_, v)| **v != Value::Bool(false))
                        .map(|(k, v)| (k.clone(), convert(profile, v, defs, depth)))
                        .collect();
                    out.insert(keyword.clone(), Value::Object(props));
                }
                None => notes.push(note(keyword, value)),
            },
            "items" if value.is_object() || value.is_boolean() => {
                out.insert(keyword.clone(), convert(profile, value, defs, depth));
            }
            // A list of item schemas (drafts before 2020-12): told, not kept.
            "items" => notes.push(note(keyword, value)),
            "anyOf" | "oneOf" if profile == SchemaProfile::OpenAiStrict && value.is_array() => {
                union.extend(
                    value
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|b| convert(profile, b, defs, depth)),
                );
            }
            "$defs" | "definitions" | "$schema" | "$anchor" | "$id" | "$ref" | "allOf" => {}
            k if k.starts_with("x-") => {}
            "type" if !valid_type(value) => notes.push(note(keyword, value)),
            "type" if profile == SchemaProfile::Gemini => gemini_type(value, &mut out, &mut notes),
            // Decided once the type is known (below).
            "enum" | "const" if profile == SchemaProfile::Gemini => {}
            k if profile.allowed(k) => {
                out.insert(keyword.clone(), value.clone());
            }
            k => notes.push(note(k, value)),
        }
    }
    if !union.is_empty() {
        out.insert("anyOf".to_owned(), Value::Array(union));
    }
    if profile == SchemaProfile::Gemini {
        gemini_values(map, &mut out, &mut notes);
    }
    if !out.contains_key("type") && !out.contains_key("anyOf") {
        give_type(profile, map, &mut out, &mut notes);
    }
    declare_required(profile, &mut out);
    finish(profile, &mut out);
    if !notes.is_empty() {
        let joined = notes.join("; ");
        let description = match out.get("description").and_then(Value::as_str) {
            Some(text) if !text.is_empty() => format!("{text} ({joined})"),
            _ => format!("({joined})"),
        };
        out.insert("description".to_owned(), Value::String(description));
    }
    Value::Object(out)
}

/// A required name the object does not declare must still be sent: neither dialect takes
/// it undeclared, so it is declared, taking any value.
fn declare_required(profile: SchemaProfile, out: &mut Map<String, Value>) {
    let object = out.get("type").is_some_and(|t| {
        t == "object" || t.as_array().is_some_and(|l| l.contains(&json!("object")))
    }) || out.contains_key("properties");
    let missing: Vec<String> = required_names(out)
        .into_iter()
        .filter(|r| out.get("properties").and_then(|p| p.get(*r)).is_none())
        .map(str::to_owned)
        .collect();
    if !object || missing.is_empty() {
        return;
    }
    let any = convert(profile, &json!({}), &Value::Null, MAX_DEPTH);
    let props = out
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(props) = props {
        for name in missing {
            props.insert(name, any.clone());
        }
    }
}

/// Adds `part`'s keywords to `merged` (an `allOf` member).
fn merge(merged: &mut Map<String, Value>, part: &Value) {
    let Some(part) = part.as_object() else {
        return;
    };
    for (k, v) in part {
        match (k.as_str(), merged.get_mut(k)) {
            ("properties", Some(Value::Object(mine))) => {
                for (name, schema) in v.as_object().into_iter().flatten() {
                    mine.entry(name.clone()).or_insert_with(|| schema.clone());
                }
            }
            ("required", Some(Value::Array(mine))) => {
                for name in v.as_array().into_iter().flatten() {
                    if !mine.contains(name) {
                        mine.push(name.clone());
                    }
                }
            }
            (_, Some(_)) => {}
            (_, None) => {
                merged.insert(k.clone(), v.clone());
            }
        }
    }
}

fn note(keyword: &str, value: &Value) -> String {
    match value {
        Value::String(s) => format!("{keyword}: {s}"),
        other => format!("{keyword}: {other}"),
    }
}

fn valid_type(value: &Value) -> bool {
    const TYPES: &[&str] = &[
        "string", "number", "integer", "boolean", "array", "object", "null",
    ];
    let known = |t: &Value| t.as_str().is_some_and(|t| TYPES.contains(&t));
    match value {
        Value::Array(list) => !list.is_empty() && list.iter().all(known),
        other => known(other),
    }
}

/// Gemini takes one type and says `nullable` for null: the first other type is kept, the
/// rest told in the description.
fn gemini_type(value: &Value, out: &mut Map<String, Value>, notes: &mut Vec<String>) {
    let list: Vec<&str> = match value {
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        Value::String(t) => vec![t.as_str()],
        _ => Vec::new(),
    };
    let others: Vec<&str> = list.iter().copied().filter(|t| *t != "null").collect();
    if list.contains(&"null") {
        out.insert("nullable".to_owned(), Value::Bool(true));
    }
    match others.first() {
        Some(first) => {
            out.insert("type".to_owned(), json!(first));
        }
        None => notes.push("type: null".to_owned()),
    }
    if others.len() > 1 {
        notes.push(format!("type: {}", others.join(" or ")));
    }
}

/// Gemini takes `enum` on strings only, and no `const`.
fn gemini_values(map: &Map<String, Value>, out: &mut Map<String, Value>, notes: &mut Vec<String>) {
    let string_type = out.get("type").is_none_or(|t| t == "string");
    let values = match (map.get("enum"), map.get("const")) {
        (Some(Value::Array(values)), _) => Some(("enum", values.clone())),
        (Some(other), _) => {
            notes.push(note("enum", other));
            None
        }
        (None, Some(value)) => Some(("const", vec![value.clone()])),
        (None, None) => None,
    };
    if let Some((keyword, values)) = values {
        if string_type && !values.is_empty() && values.iter().all(Value::is_string) {
            out.insert("type".to_owned(), json!("string"));
            out.insert("enum".to_owned(), Value::Array(values));
        } else if keyword == "const" {
            notes.push(note("const", &values[0]));
        } else {
            notes.push(note("enum", &Value::Array(values)));
        }
    }
}

/// A type for a schema that names none: one the schema as written accepts.
fn give_type(
    profile: SchemaProfile,
    map: &Map<String, Value>,
    out: &mut Map<String, Value>,
    notes: &mut Vec<String>,
) {
    let mut values: Vec<&Value> = Vec::new();
    if let Some(Value::Array(list)) = map.get("enum") {
        values.extend(list);
    }
    values.extend(map.get("const"));
    let inferred = if out.contains_key("properties") || map.contains_key("required") {
        Some("object")
    } else if out.contains_key("items") {
        Some("array")
    } else if let Some(first) = values.first() {
        let kind = kind_of(first);
        values.iter().all(|v| kind_of(v) == kind).then_some(kind)
    } else {
        ["anyOf", "oneOf"]
            .iter()
            .filter_map(|k| map.get(*k).and_then(Value::as_array))
            .flatten()
            .find_map(|b| b.get("type").and_then(Value::as_str))
            .filter(|t| *t != "null")
    };
    match (inferred, profile) {
        (Some(kind), _) => {
            out.insert("type".to_owned(), json!(kind));
        }
        // Strict mode has unions: anything the model can write as a plain value.
        (None, SchemaProfile::OpenAiStrict)
            if !out.contains_key("enum") && !out.contains_key("const") =>
        {
            out.insert(
                "anyOf".to_owned(),
                json!([{"type": "string"}, {"type": "number"}, {"type": "boolean"}]),
            );
        }
        (None, SchemaProfile::OpenAiStrict) => {}
        (None, SchemaProfile::Gemini) => {
            out.insert("type".to_owned(), json!("string"));
            if values.is_empty() {
                notes.push("any value".to_owned());
            }
        }
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    }
}

/// The dialect's rules on a schema's shape, once its keywords are rewritten.
fn finish(profile: SchemaProfile, out: &mut Map<String, Value>) {
    match profile {
        SchemaProfile::Gemini => {
            let object = out.get("type").is_some_and(|t| t == "object");
            if !object {
                out.remove("properties");
                out.remove("required");
            }
            if out
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(Map::is_empty)
            {
                out.remove("properties");
            }
            keep_known_required(out);
            if out.get("type").is_some_and(|t| t == "array") && !out.contains_key("items") {
                out.insert("items".to_owned(), json!({"type": "string"}));
            }
        }
        SchemaProfile::OpenAiStrict => {
            if is_array(out) && !out.contains_key("items") {
                out.insert(
                    "items".to_owned(),
                    json!({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}),
                );
            }
            if is_object(out) {
                close(out);
            }
        }
    }
}

/// `required` only with names of properties, and only when there are some.
fn keep_known_required(out: &mut Map<String, Value>) {
    let known: Vec<Value> = match out.get("properties").and_then(Value::as_object) {
        Some(props) => required_names(out)
            .into_iter()
            .filter(|r| props.contains_key(*r))
            .map(|r| json!(r))
            .collect(),
        None => Vec::new(),
    };
    if known.is_empty() {
        out.remove("required");
    } else {
        out.insert("required".to_owned(), Value::Array(known));
    }
}

/// Strict mode: closed, every property required, the optional ones nullable.
fn close(out: &mut Map<String, Value>) {
    out.insert("additionalProperties".to_owned(), Value::Bool(false));
    let required: Vec<String> = required_names(out).into_iter().map(str::to_owned).collect();
    let Some(Value::Object(props)) = out.get_mut("properties") else {
        out.remove("required");
        return;
    };
    let names: Vec<String> = props.keys().cloned().collect();
    for (name, prop) in props.iter_mut() {
        if !required.contains(name)
            && let Some(p) = prop.as_object_mut()
        {
            nullable(p);
        }
    }
    out.insert(
        "required".to_owned(),
        Value::Array(names.into_iter().map(Value::String).collect()),
    );
}

/// Lets a strict schema also take `null` (what a strict client sends for "absent").
fn nullable(p: &mut Map<String, Value>) {
    match p.get("type").cloned() {
        Some(Value::String(t)) if t != "null" => {
            p.insert("type".to_owned(), json!([t, "null"]));
        }
        Some(Value::Array(mut types)) if !types.contains(&json!("null")) => {
            types.push(json!("null"));
            p.insert("type".to_owned(), Value::Array(types));
        }
        _ => {}
    }
    if let Some(Value::Array(branches)) = p.get_mut("anyOf")
        && !branches
            .iter()
            .any(|b| b.get("type") == Some(&json!("null")))
    {
        branches.push(json!({"type": "null"}));
    }
    if let Some(value) = p.remove("const") {
        p.insert("enum".to_owned(), json!([value]));
    }
    if let Some(Value::Array(values)) = p.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}
