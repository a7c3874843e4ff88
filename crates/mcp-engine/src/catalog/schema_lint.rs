//! What the JSON Schema meta-schema lets pass but is almost always a mistake in a tool file:
//! a keyword JSON Schema does not define (a typo, or a YAML slip such as an unquoted comma
//! in `{ description: a, b }`, which makes a keyword `b` with no value), and a keyword whose
//! value is null.

use serde_json::Value;

use super::tool::FileReporter;

/// Every keyword of JSON Schema 2020-12, with those of the earlier drafts still in use.
const KEYWORDS: &[&str] = &[
    // Core.
    "$schema",
    "$id",
    "$ref",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$vocabulary",
    "$comment",
    "$defs",
    "$recursiveRef",
    "$recursiveAnchor",
    "id",
    "definitions",
    // Applicators.
    "prefixItems",
    "items",
    "additionalItems",
    "contains",
    "additionalProperties",
    "properties",
    "patternProperties",
    "dependentSchemas",
    "propertyNames",
    "if",
    "then",
    "else",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "unevaluatedItems",
    "unevaluatedProperties",
    "dependencies",
    // Validation.
    "type",
    "const",
    "enum",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "format",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    // Annotations.
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
];

/// Keywords whose value may be null.
const NULL_ALLOWED: &[&str] = &["const", "default"];

const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
const SCHEMA_VALUES: &[&str] = &[
    "additionalProperties",
    "items",
    "additionalItems",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "not",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
];
const SCHEMA_LISTS: &[&str] = &["prefixItems", "allOf", "anyOf", "oneOf", "items"];

/// Subschemas deeper than this are not searched.
const MAX_DEPTH: usize = 64;

/// Reports the unknown and null-valued keywords of `schema`, at `keys` in the file.
pub(super) fn lint(schema: &Value, keys: &[&str], reporter: &mut FileReporter<'_>) {
    let mut path: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    walk(schema, &mut path, reporter, 0);
}

fn walk(schema: &Value, path: &mut Vec<String>, reporter: &mut FileReporter<'_>, depth: usize) {
    let Some(map) = schema.as_object() else {
        return;
    };
    if depth > MAX_DEPTH {
        return;
    }
    for (key, value) in map {
        let extension = key.starts_with("x-");
        if !extension && !KEYWORDS.contains(&key.as_str()) {
            path.push(key.clone());
            let refs: Vec<&str> = path.iter().map(String::as_str).collect();
            let hint = if value.is_null() {
                " (in YAML, an unquoted comma inside `{ ... }` makes such a key: quote the text before it)"
            } else {
                ""
            };
            reporter.at(
                &refs,
                format!(
                    "`{key}` is not a JSON Schema keyword{hint}; fix its spelling, or name an extension `x-{key}`"
                ),
            );
            path.pop();
            continue;
        }
        if value.is_null() && !extension && !NULL_ALLOWED.contains(&key.as_str()) {
            path.push(key.clone());
            let refs: Vec<&str> = path.iter().map(String::as_str).collect();
            reporter.at(
                &refs,
                format!("`{key}` has no value; give it one or remove it"),
            );
            path.pop();
            continue;
        }
        if SCHEMA_MAPS.contains(&key.as_str())
            && let Value::Object(subs) = value
        {
            for (name, sub) in subs {
                path.push(key.clone());
                path.push(name.clone());
                if sub.is_null() {
                    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
                    reporter.at(&refs, format!("`{name}` has no schema; give it one (e.g. `{{ type: string }}`) or remove it"));
                } else {
                    walk(sub, path, reporter, depth + 1);
                }
                path.truncate(path.len() - 2);
            }
        }
        if SCHEMA_VALUES.contains(&key.as_str()) && value.is_object() {
            path.push(key.clone());
            walk(value, path, reporter, depth + 1);
            path.pop();
        }
        if SCHEMA_LISTS.contains(&key.as_str())
            && let Value::Array(items) = value
        {
            for (i, sub) in items.iter().enumerate() {
                path.push(key.clone());
                path.push(i.to_string());
                walk(sub, path, reporter, depth + 1);
                path.truncate(path.len() - 2);
            }
        }
    }
}

/// Every `description` and `title` text in a schema, to look for tool names in.
pub(super) fn texts<'a>(schema: &'a Value, out: &mut Vec<&'a str>) {
    match schema {
        Value::Object(map) => object_texts(map, out),
        Value::Array(items) => items.iter().for_each(|v| texts(v, out)),
        _ => {}
    }
}

/// [`texts`] of a schema held as an object (a tool's input schema), without copying it.
pub(super) fn object_texts<'a>(map: &'a serde_json::Map<String, Value>, out: &mut Vec<&'a str>) {
    for (key, value) in map {
        match (key.as_str(), value) {
            ("description" | "title", Value::String(s)) => out.push(s),
            ("enum" | "const" | "default" | "examples", _) => {}
            _ => texts(value, out),
        }
    }
}
