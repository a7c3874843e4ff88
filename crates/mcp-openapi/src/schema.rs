//! Schemas of the document made self-contained JSON Schema: references inlined, `allOf`
//! merged, OpenAPI 3.0's `nullable` turned into a JSON Schema type.

use serde_json::{Map, Value};

/// Follows a local reference (`#/components/schemas/Item`) in `doc`.
pub(crate) fn lookup<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(doc);
    }
    doc.pointer(pointer)
}

/// A deep-enough copy of `schema` with every local `$ref` inlined. A reference met again
/// inside itself (a recursive schema) becomes `{}` with a description naming it.
pub(crate) fn resolve(doc: &Value, schema: &Value) -> Value {
    let mut stack = Vec::new();
    resolve_in(doc, schema, &mut stack)
}

/// Resolves the `$ref` of an object that is not a schema (a parameter, a request body).
pub(crate) fn follow<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    let mut current = value;
    for _ in 0..32 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(r) => match lookup(doc, r) {
                Some(target) => current = target,
                None => return current,
            },
            None => return current,
        }
    }
    current
}

fn resolve_in(doc: &Value, schema: &Value, stack: &mut Vec<String>) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference).to_owned();
        if stack.iter().any(|r| r == reference) || stack.len() > 64 {
            return serde_json::json!({"description": format!("(recursive: another {name})")});
        }
        let Some(target) = lookup(doc, reference) else {
            return serde_json::json!({"description": format!("(unresolved reference {reference})")});
        };
        stack.push(reference.to_owned());
        let mut resolved = resolve_in(doc, target, stack);
        stack.pop();
        // OpenAPI 3.1 allows keywords next to `$ref`: they refine the target.
        if let Value::Object(out) = &mut resolved {
            for (k, v) in map.iter().filter(|(k, _)| k.as_str() != "$ref") {
                out.insert(k.clone(), resolve_in(doc, v, stack));
            }
        }
        return resolved;
    }
    let mut out = Map::new();
    for (key, value) in map {
        let value = match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" => match value {
                Value::Object(props) => Value::Object(
                    props
                        .iter()
                        .map(|(k, v)| (k.clone(), resolve_in(doc, v, stack)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "additionalProperties" | "not" | "contains" | "propertyNames" => {
                resolve_in(doc, value, stack)
            }
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => match value {
                Value::Array(items) => {
                    Value::Array(items.iter().map(|v| resolve_in(doc, v, stack)).collect())
                }
                other => other.clone(),
            },
            // OpenAPI words that are not JSON Schema, or that describe answers only.
            "nullable" | "discriminator" | "xml" | "externalDocs" | "example" | "deprecated" => {
                continue;
            }
            k if k.starts_with("x-") => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    if map.get("nullable") == Some(&Value::Bool(true)) {
        make_nullable(&mut out);
    }
    if let Some(example) = map.get("example")
        && !out.contains_key("examples")
    {
        out.insert("examples".into(), Value::Array(vec![example.clone()]));
    }
    merge_all_of(&mut out);
    drop_read_only_properties(&mut out);
    Value::Object(out)
}

fn make_nullable(schema: &mut Map<String, Value>) {
    match schema.get_mut("type") {
        Some(Value::String(t)) => {
            let t = t.clone();
            schema.insert("type".into(), serde_json::json!([t, "null"]));
        }
        Some(Value::Array(types)) if !types.iter().any(|t| t == "null") => {
            types.push(Value::String("null".into()));
        }
        _ => {}
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}

/// `allOf` of objects (the usual way specs extend a schema) becomes one object schema.
fn merge_all_of(schema: &mut Map<String, Value>) {
    let Some(Value::Array(parts)) = schema.get("allOf") else {
        return;
    };
    let objects = parts.iter().all(|p| {
        p.get("properties").is_some() || p.get("type").and_then(Value::as_str) == Some("object")
    });
    if !objects || parts.is_empty() {
        if parts.len() == 1 {
            let only = parts[0].clone();
            schema.remove("allOf");
            if let Value::Object(only) = only {
                for (k, v) in only {
                    schema.entry(k).or_insert(v);
                }
            }
        }
        return;
    }
    let parts = parts.clone();
    schema.remove("allOf");
    let mut properties = match schema.remove("properties") {
        Some(Value::Object(p)) => p,
        _ => Map::new(),
    };
    let mut required: Vec<Value> = match schema.remove("required") {
        Some(Value::Array(r)) => r,
        _ => Vec::new(),
    };
    for part in parts {
        let Value::Object(part) = part else { continue };
        for (k, v) in part {
            match k.as_str() {
                "properties" => {
                    if let Value::Object(p) = v {
                        properties.extend(p);
                    }
                }
                "required" => {
                    if let Value::Array(r) = v {
                        for name in r {
                            if !required.contains(&name) {
                                required.push(name);
                            }
                        }
                    }
                }
                _ => {
                    schema.entry(k).or_insert(v);
                }
            }
        }
    }
    schema.insert("type".into(), Value::String("object".into()));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
}

/// Fields the server fills (`readOnly`) are not sent: requests leave them out.
fn drop_read_only_properties(schema: &mut Map<String, Value>) {
    let Some(Value::Object(properties)) = schema.get_mut("properties") else {
        return;
    };
    let read_only: Vec<String> = properties
        .iter()
        .filter(|(_, v)| v.get("readOnly") == Some(&Value::Bool(true)))
        .map(|(k, _)| k.clone())
        .collect();
    for name in &read_only {
        properties.shift_remove(name);
    }
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|r| !read_only.iter().any(|n| r == n.as_str()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_all_of_and_nullable_are_resolved() {
        let doc = json!({"components": {"schemas": {
            "Base": {"type": "object", "properties": {"id": {"type": "string", "readOnly": true}, "name": {"type": "string"}}, "required": ["id", "name"]},
            "Item": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "properties": {"size": {"type": "integer", "nullable": true}}}]},
            "Node": {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/Node"}}}
        }}});
        let item = resolve(&doc, &json!({"$ref": "#/components/schemas/Item"}));
        assert_eq!(item["type"], "object");
        assert_eq!(
            item["properties"]["size"]["type"],
            json!(["integer", "null"])
        );
        assert!(
            item["properties"].get("id").is_none(),
            "read-only fields are not sent"
        );
        assert_eq!(item["required"], json!(["name"]));
        let node = resolve(&doc, &json!({"$ref": "#/components/schemas/Node"}));
        assert!(
            node["properties"]["child"]["description"]
                .as_str()
                .unwrap()
                .contains("recursive")
        );
    }
}
