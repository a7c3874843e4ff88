//! The JSON Schemas of the file formats (docs/schema/), which editors use through the YAML
//! language server and `check` uses here, so that both report the same problems.

use std::sync::LazyLock;

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use crate::diagnostic::FileReporter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Tool,
    Server,
    Toolset,
    Resource,
    Prompt,
}

fn compile(text: &str) -> jsonschema::Validator {
    // The schemas ship inside the binary and are tested: failing here is a build defect.
    let schema: Value = serde_json::from_str(text).expect("docs/schema holds valid JSON");
    jsonschema::validator_for(&schema).expect("docs/schema holds valid JSON Schemas")
}

// Compiled once each, when first needed, read-only afterwards: apart, so that the threads
// parsing tool files compile the tool format while the server's file is read.
static TOOL: LazyLock<jsonschema::Validator> =
    LazyLock::new(|| compile(include_str!("../../../../docs/schema/tool.schema.json")));
static SERVER: LazyLock<jsonschema::Validator> =
    LazyLock::new(|| compile(include_str!("../../../../docs/schema/server.schema.json")));
static TOOLSET: LazyLock<jsonschema::Validator> =
    LazyLock::new(|| compile(include_str!("../../../../docs/schema/toolset.schema.json")));
static RESOURCE: LazyLock<jsonschema::Validator> =
    LazyLock::new(|| compile(include_str!("../../../../docs/schema/resource.schema.json")));
static PROMPT: LazyLock<jsonschema::Validator> =
    LazyLock::new(|| compile(include_str!("../../../../docs/schema/prompt.schema.json")));

/// Reports every violation of the file format, located at the offending key.
pub(crate) fn check(format: Format, value: &Value, reporter: &mut FileReporter<'_>) {
    let validator: &jsonschema::Validator = match format {
        Format::Tool => &TOOL,
        Format::Server => &SERVER,
        Format::Toolset => &TOOLSET,
        Format::Resource => &RESOURCE,
        Format::Prompt => &PROMPT,
    };
    for error in validator.iter_errors(value) {
        let pointer = error.instance_path().to_string();
        let keys: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|k| k.replace("~1", "/").replace("~0", "~"))
            .collect();
        let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let at = if keys.is_empty() {
            String::new()
        } else {
            format!("{}: ", keys.join("."))
        };
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for field in unexpected {
                    let mut path = key_refs.clone();
                    path.push(field);
                    reporter.at(
                        &path,
                        format!(
                            "unknown field `{field}`{}; remove it or fix its spelling",
                            if keys.is_empty() {
                                String::new()
                            } else {
                                format!(" in {}", keys.join("."))
                            }
                        ),
                    );
                }
            }
            ValidationErrorKind::Required { property } => {
                let name = property
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| property.to_string());
                reporter.at(&key_refs, format!("{at}missing field `{name}`"));
            }
            // Tool names get a more precise message from the tool compiler.
            ValidationErrorKind::Pattern { .. } if format == Format::Tool && pointer == "/name" => {
            }
            _ => reporter.at(
                &key_refs,
                format!("{at}{}", crate::text::truncate(&error.to_string(), 300)),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(format: Format, yaml: &str) -> Vec<String> {
        let value: Value = serde_yaml::from_str(yaml).unwrap();
        let mut reporter = FileReporter::new("f.yaml", yaml, 1);
        check(format, &value, &mut reporter);
        reporter
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn schemas_compile_and_report_located_problems() {
        assert!(
            problems(
                Format::Tool,
                "name: a\ndescription: d\ninput: {type: object}\nrequest: {method: GET, path: /a}\n"
            )
            .is_empty()
        );
        let p = problems(
            Format::Tool,
            "name: a\ndescription: d\ninput: {type: object}\nrequest:\n  method: GETT\n  path: /a\n  colour: 1\n",
        );
        assert!(
            p.iter()
                .any(|d| d.starts_with("f.yaml:5:3: request.method: \"GETT\" is not one of")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|d| d.starts_with("f.yaml:7:3: unknown field `colour` in request")),
            "{p:?}"
        );
        assert_eq!(
            problems(Format::Server, "name: x\n"),
            vec!["f.yaml:1:1: missing field `upstream`"]
        );
        assert!(
            problems(
                Format::Prompt,
                "name: p\narguments:\n  - {name: a, enum: []}\n"
            )
            .len()
                == 1
        );
        assert!(problems(Format::Resource, "uri: x://y\nname: y\n").is_empty());
        assert!(problems(Format::Toolset, "default: false\n").is_empty());
    }
}
