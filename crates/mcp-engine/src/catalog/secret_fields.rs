//! The arguments a tool file marks secret in its input schema: `writeOnly: true` or
//! `x-secret: true` on a property, or `x-secret-when: FLAG` for a value that is secret when
//! its sibling boolean FLAG is true (an environment variable's `{key, value, isSensitive}`). Their values
//! are hidden from the audit log, dry runs, confirmations and errors, and a value that is
//! only a mask (`********`, as `get` answers show secrets) is refused.

use serde_json::{Map, Value};

use crate::secret::{MASK, is_mask};

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    AnyItem,
    AnyKey,
}

#[derive(Debug, Clone)]
struct SecretPath {
    steps: Vec<Step>,
    /// The sibling flag that makes the value secret when true; always secret when `None`.
    when: Option<String>,
}

/// Where a tool's secret arguments are.
#[derive(Debug, Clone, Default)]
pub(crate) struct SecretFields(Vec<SecretPath>);

/// Subschemas deeper than this are not searched (schemas are written by people).
const MAX_DEPTH: usize = 32;

impl SecretFields {
    pub(crate) fn from_schema(schema: &Value) -> Self {
        let mut out = Vec::new();
        walk(schema, &mut Vec::new(), &mut out, 0);
        Self(out)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every secret value of `args` with its JSON pointer.
    pub(crate) fn values<'a>(&self, args: &'a Value) -> Vec<(String, &'a Value)> {
        let mut found = Vec::new();
        for path in &self.0 {
            visit(
                args,
                None,
                &path.steps,
                path.when.as_deref(),
                String::new(),
                &mut found,
            );
        }
        found
    }

    /// The secret values as text, to scrub from anything shown about this call.
    pub(crate) fn texts(&self, args: &Value) -> Vec<String> {
        self.values(args)
            .into_iter()
            .filter_map(|(_, v)| match v {
                Value::String(s) if !is_mask(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect()
    }

    /// `args` with every secret value replaced by the mask.
    pub(crate) fn mask(&self, args: &Value) -> Value {
        let mut out = args.clone();
        for (pointer, _) in self.values(args) {
            if let Some(v) = out.pointer_mut(&pointer)
                && !v.is_null()
            {
                *v = Value::String(MASK.to_owned());
            }
        }
        out
    }

    /// Refuses a secret that holds only a mask: sent back, it would replace the real one.
    pub(crate) fn masked_values(&self, args: &Value) -> Vec<String> {
        self.values(args)
            .into_iter()
            .filter(|(_, v)| v.as_str().is_some_and(is_mask))
            .map(|(pointer, _)| pointer)
            .collect()
    }
}

fn walk(schema: &Value, steps: &mut Vec<Step>, out: &mut Vec<SecretPath>, depth: usize) {
    let Some(map) = schema.as_object() else {
        return;
    };
    if depth > MAX_DEPTH {
        return;
    }
    if !steps.is_empty() {
        let flagged = |k: &str| map.get(k).and_then(Value::as_bool) == Some(true);
        if flagged("writeOnly") || flagged("x-secret") {
            out.push(SecretPath {
                steps: steps.clone(),
                when: None,
            });
        } else if let Some(flag) = map.get("x-secret-when").and_then(Value::as_str) {
            out.push(SecretPath {
                steps: steps.clone(),
                when: Some(flag.to_owned()),
            });
        }
    }
    if let Some(Value::Object(properties)) = map.get("properties") {
        for (name, sub) in properties {
            steps.push(Step::Key(name.clone()));
            walk(sub, steps, out, depth + 1);
            steps.pop();
        }
    }
    for (keyword, step) in [
        ("items", Step::AnyItem),
        ("additionalProperties", Step::AnyKey),
    ] {
        if let Some(sub) = map.get(keyword) {
            steps.push(step);
            walk(sub, steps, out, depth + 1);
            steps.pop();
        }
    }
    if let Some(Value::Array(items)) = map.get("prefixItems") {
        steps.push(Step::AnyItem);
        for sub in items {
            walk(sub, steps, out, depth + 1);
        }
        steps.pop();
    }
    for keyword in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(subs)) = map.get(keyword) {
            for sub in subs {
                walk(sub, steps, out, depth + 1);
            }
        }
    }
    for keyword in ["then", "else"] {
        if let Some(sub) = map.get(keyword) {
            walk(sub, steps, out, depth + 1);
        }
    }
}

fn visit<'a>(
    value: &'a Value,
    parent: Option<&'a Map<String, Value>>,
    steps: &[Step],
    when: Option<&str>,
    pointer: String,
    found: &mut Vec<(String, &'a Value)>,
) {
    let Some((step, rest)) = steps.split_first() else {
        let flagged = match when {
            None => true,
            Some(flag) => parent.and_then(|p| p.get(flag)).and_then(Value::as_bool) == Some(true),
        };
        if flagged && !value.is_null() {
            found.push((pointer, value));
        }
        return;
    };
    let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match (step, value) {
        (Step::Key(key), Value::Object(map)) => {
            if let Some(v) = map.get(key) {
                visit(
                    v,
                    Some(map),
                    rest,
                    when,
                    format!("{pointer}/{}", escape(key)),
                    found,
                );
            }
        }
        (Step::AnyKey, Value::Object(map)) => {
            for (k, v) in map {
                visit(
                    v,
                    Some(map),
                    rest,
                    when,
                    format!("{pointer}/{}", escape(k)),
                    found,
                );
            }
        }
        (Step::AnyItem, Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                visit(v, None, rest, when, format!("{pointer}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields() -> SecretFields {
        SecretFields::from_schema(&json!({
            "type": "object",
            "properties": {
                "password": {"type": "string", "writeOnly": true},
                "env": {"type": "array", "items": {"type": "object", "properties": {
                    "key": {"type": "string"},
                    "value": {"type": "string", "x-secret-when": "isSensitive"},
                    "isSensitive": {"type": "boolean"}
                }}}
            }
        }))
    }

    #[test]
    fn finds_marked_values_and_values_flagged_by_a_sibling() {
        let args = json!({"password": "hunter22", "env": [
            {"key": "A", "value": "plain", "isSensitive": false},
            {"key": "B", "value": "s3cret", "isSensitive": true},
            {"key": "C", "value": "********", "isSensitive": true}
        ]});
        let f = fields();
        assert_eq!(f.texts(&args), vec!["hunter22", "s3cret"]);
        assert_eq!(
            f.mask(&args),
            json!({"password": "****", "env": [
                {"key": "A", "value": "plain", "isSensitive": false},
                {"key": "B", "value": "****", "isSensitive": true},
                {"key": "C", "value": "****", "isSensitive": true}
            ]})
        );
        assert_eq!(f.masked_values(&args), vec!["/env/2/value"]);
    }
}
