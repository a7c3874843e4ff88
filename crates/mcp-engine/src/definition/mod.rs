//! The file formats, as written by people: one struct per kind of file, parsed strictly
//! (unknown fields are errors) and located (errors carry file, line and column).

pub(crate) mod front_matter;
pub(crate) mod prompt;
pub(crate) mod resource;
pub(crate) mod schema;
pub(crate) mod server;
pub(crate) mod tool;
pub(crate) mod toolset;

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, FileReporter};

/// Parses a YAML document of `file` into `T`: syntax first, then the file format's JSON
/// Schema (the one editors use, from docs/schema/), then the struct. Every problem is located.
/// `whole` is the file's text and `line_offset` the lines before the YAML in it (front
/// matter starts after `---`).
pub(crate) fn parse_yaml<T: for<'de> Deserialize<'de>>(
    format: schema::Format,
    file: &str,
    whole: &str,
    yaml: &str,
    line_offset: usize,
) -> Result<T, Vec<Diagnostic>> {
    let value: serde_json::Value = serde_yaml::from_str(yaml).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line() + line_offset, l.column()))
            .unwrap_or((1 + line_offset, 1));
        vec![Diagnostic::new(
            file,
            (line, column),
            clean_yaml_message(&e.to_string()),
        )]
    })?;
    let mut reporter = FileReporter::new(file, whole, line_offset + 1);
    schema::check(format, &value, &mut reporter);
    if !reporter.diagnostics.is_empty() {
        return Err(reporter.diagnostics);
    }
    serde_json::from_value(value).map_err(|e| {
        vec![Diagnostic::whole_file(
            file,
            clean_yaml_message(&e.to_string()),
        )]
    })
}

/// serde_yaml appends " at line L column C" to its messages; the diagnostic already starts
/// with the position.
fn clean_yaml_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + " at line ".len()..];
        let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let line_end = digits(after);
        match after[line_end..].strip_prefix(" column ") {
            Some(col) if line_end > 0 => rest = &col[digits(col)..],
            _ => {
                out.push_str(" at line ");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    let message = out.trim_start_matches(": ").to_owned();
    if message.starts_with("unknown field") {
        format!("{message}; remove it or fix its spelling")
    } else {
        message
    }
}

/// MCP tool annotations as written in a tool or toolset file. Absent values fall back on
/// the toolset's, then on defaults derived from the HTTP method.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AnnotationsDef {
    pub title: Option<String>,
    pub read_only_hint: Option<bool>,
    pub destructive_hint: Option<bool>,
    pub idempotent_hint: Option<bool>,
    pub open_world_hint: Option<bool>,
}

impl AnnotationsDef {
    /// `self` where set, otherwise `fallback`.
    pub(crate) fn or(&self, fallback: &AnnotationsDef) -> AnnotationsDef {
        AnnotationsDef {
            title: self.title.clone().or_else(|| fallback.title.clone()),
            read_only_hint: self.read_only_hint.or(fallback.read_only_hint),
            destructive_hint: self.destructive_hint.or(fallback.destructive_hint),
            idempotent_hint: self.idempotent_hint.or(fallback.idempotent_hint),
            open_world_hint: self.open_world_hint.or(fallback.open_world_hint),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn yaml_messages_lose_positions_but_keep_context() {
        assert_eq!(
            super::clean_yaml_message(
                "found unexpected end of stream at line 3 column 1, while scanning a quoted scalar at line 2 column 14"
            ),
            "found unexpected end of stream, while scanning a quoted scalar"
        );
    }
}
