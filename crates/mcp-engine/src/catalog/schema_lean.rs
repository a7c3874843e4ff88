//! The argument schema tools/list carries: the file's schema without the keywords that only
//! forbid what a model has no reason to send (`additionalProperties: false`, `minLength: 1`).
//! Arguments are still checked against the schema as written, and a call that breaks one of
//! those rules is refused with an error naming the field, so nothing is lost but the tokens
//! (issue 19: every byte of tools/list is context a model pays for).

use serde_json::{Map, Value};

/// `schema` without the keywords a model does not need to read.
pub(crate) fn lean(schema: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::with_capacity(schema.len());
    for (keyword, value) in schema {
        match (keyword.as_str(), value) {
            ("additionalProperties", Value::Bool(false)) => {}
            ("minLength", Value::Number(n)) if n.as_u64() == Some(1) => {}
            ("properties" | "$defs" | "definitions" | "patternProperties", Value::Object(map)) => {
                let inner = map
                    .iter()
                    .map(|(name, sub)| (name.clone(), lean_value(sub)))
                    .collect();
                out.insert(keyword.clone(), Value::Object(inner));
            }
            (
                "items"
                | "additionalProperties"
                | "not"
                | "if"
                | "then"
                | "else"
                | "contains"
                | "propertyNames"
                | "unevaluatedProperties"
                | "unevaluatedItems",
                _,
            ) => {
                out.insert(keyword.clone(), lean_value(value));
            }
            ("anyOf" | "oneOf" | "allOf" | "prefixItems", Value::Array(list)) => {
                out.insert(
                    keyword.clone(),
                    Value::Array(list.iter().map(lean_value).collect()),
                );
            }
            _ => {
                out.insert(keyword.clone(), value.clone());
            }
        }
    }
    out
}

fn lean_value(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(lean(map)),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_what_a_model_reads_and_leaves_out_the_closing_keywords() {
        let schema = json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "description": "d"},
                "code": {"type": "string", "minLength": 3},
                "additionalProperties": {"type": "boolean"},
                "ports": {"type": "array", "items": {"type": "object", "properties": {
                    "port": {"type": "integer", "minimum": 1, "maximum": 65535}},
                    "required": ["port"], "additionalProperties": false}},
                "labels": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}},
                "open": {"type": "object", "additionalProperties": true}
            },
            "required": ["name"],
            "additionalProperties": false
        });
        let Value::Object(map) = schema else {
            unreachable!()
        };
        let served = Value::Object(lean(&map));
        assert_eq!(
            served,
            json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "d"},
                    "code": {"type": "string", "minLength": 3},
                    "additionalProperties": {"type": "boolean"},
                    "ports": {"type": "array", "items": {"type": "object", "properties": {
                        "port": {"type": "integer", "minimum": 1, "maximum": 65535}},
                        "required": ["port"]}},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "open": {"type": "object", "additionalProperties": true}
                },
                "required": ["name"]
            })
        );
    }
}
