//! Argument validation against the tool's input schema, with every violation and its path.

use serde_json::Value;

use crate::catalog::tool::truncate;

/// At most this many violations are listed; the rest are counted.
const MAX_LISTED: usize = 20;

/// Every violation as `- <JSON path>: <message>`; empty when the arguments are valid.
pub fn validation_errors(validator: &jsonschema::Validator, args: &Value) -> Vec<String> {
    if validator.is_valid(args) {
        return Vec::new();
    }
    let mut lines = Vec::new();
    let mut count = 0;
    for error in validator.iter_errors(args) {
        count += 1;
        if lines.len() < MAX_LISTED {
            let path = error.instance_path().to_string();
            let path = if path.is_empty() {
                "(arguments)".to_owned()
            } else {
                path
            };
            lines.push(format!("- {path}: {}", truncate(&error.to_string(), 300)));
        }
    }
    if count > MAX_LISTED {
        lines.push(format!("- and {} more", count - MAX_LISTED));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_every_violation_with_its_path() {
        let schema = json!({"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "n": {"type": "integer", "minimum": 1}}, "required": ["id"], "additionalProperties": false});
        let v = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        let errors = validation_errors(&v, &json!({"id": "nope", "n": 0, "x": 1}));
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("- /id: ") && e.contains("uuid"))
        );
        assert!(errors.iter().any(|e| e.starts_with("- /n: ")));
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("- (arguments): ") && e.contains("x"))
        );
        assert!(
            validation_errors(&v, &json!({"id": "9b2f1c3e-5d4a-4f6b-8c7d-1e2f3a4b5c6d"}))
                .is_empty()
        );
    }
}
