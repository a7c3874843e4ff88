//! Argument validation against the tool's input schema, with every violation and its path.

use serde_json::Value;

use crate::text::truncate;

/// At most this many violations are listed; the rest are counted.
const MAX_LISTED: usize = 20;

/// Every violation as `- <JSON path>: <message>`; empty when the arguments are valid.
pub(crate) fn validation_errors(validator: &jsonschema::Validator, args: &Value) -> Vec<String> {
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
            let message = match error.kind() {
                jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                    let shown: Vec<String> = unexpected
                        .iter()
                        .take(MAX_LISTED)
                        .map(|name| format!("`{}`", truncate(name, 64)))
                        .collect();
                    let more = unexpected.len().saturating_sub(MAX_LISTED);
                    format!(
                        "this tool does not take {}{}; remove them and call again (an answer of a get tool holds read-only fields, such as ids, states and dates, that a create or an update does not take)",
                        shown.join(", "),
                        if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        }
                    )
                }
                _ => truncate(&error.to_string(), 300),
            };
            lines.push(format!("- {path}: {message}"));
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
                .any(|e| e.starts_with("- (arguments): this tool does not take `x`"))
        );
        assert!(
            validation_errors(&v, &json!({"id": "9b2f1c3e-5d4a-4f6b-8c7d-1e2f3a4b5c6d"}))
                .is_empty()
        );
    }
}
