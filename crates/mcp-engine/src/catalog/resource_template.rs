//! Resource templates: one file serves a family of URIs (`test://items/{id}`). The URI
//! template holds simple `{name}` expressions (RFC 6570 level 1); reading a URI that fits
//! renders the body, a minijinja template over those names.

use std::collections::BTreeMap;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use rmcp::model::ResourceTemplate;

/// Bounds the work one render may do.
const FUEL: u64 = 100_000;

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    Variable(String),
}

/// A compiled resource template.
#[derive(Debug, Clone)]
pub(crate) struct ResourceTemplateEntry {
    pub(crate) template: ResourceTemplate,
    /// Where completion finds each variable's values.
    pub(crate) complete:
        std::collections::BTreeMap<String, crate::definition::prompt::CompleteFrom>,
    parts: Vec<Part>,
    body: String,
    pub(crate) file: String,
}

impl ResourceTemplateEntry {
    /// Parses `uri_template`; the error says what is wrong with it.
    pub(crate) fn new(template: ResourceTemplate, body: &str, file: &str) -> Result<Self, String> {
        let parts = parse(&template.uri_template)?;
        let env = environment();
        env.template_from_str(body).map_err(|e| {
            format!(
                "template error: {}",
                crate::request::template::describe_jinja_error(&e)
            )
        })?;
        Ok(Self {
            template,
            complete: Default::default(),
            parts,
            body: body.to_owned(),
            file: file.to_owned(),
        })
    }

    /// Whether `name` is one of the template's variables.
    pub(crate) fn has_variable(&self, name: &str) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Variable(v) if v == name))
    }

    /// The variables of `uri` when it fits this template.
    pub(crate) fn matches(&self, uri: &str) -> Option<BTreeMap<String, String>> {
        let mut vars = BTreeMap::new();
        let mut rest = uri;
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Literal(text) => rest = rest.strip_prefix(text.as_str())?,
                Part::Variable(name) => {
                    // A value runs to the next literal (or the end) and holds no `/`.
                    let end = match self.parts.get(i + 1) {
                        Some(Part::Literal(next)) => rest.find(next.as_str())?,
                        _ => rest.len(),
                    };
                    let value = &rest[..end];
                    if value.is_empty() || value.contains('/') {
                        return None;
                    }
                    vars.insert(name.clone(), value.to_owned());
                    rest = &rest[end..];
                }
            }
        }
        rest.is_empty().then_some(vars)
    }

    /// The body rendered for these variables.
    pub(crate) fn render(&self, vars: &BTreeMap<String, String>) -> Result<String, String> {
        environment()
            .render_str(&self.body, vars)
            .map_err(|e| crate::request::template::describe_jinja_error(&e))
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_fuel(Some(FUEL));
    env
}

fn parse(template: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Literal(rest[..open].to_owned()));
        }
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| format!("uri_template `{template}` has a `{{` that is never closed"))?;
        let name = &rest[open + 1..open + close];
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!(
                "uri_template `{template}`: `{{{name}}}` is not a simple variable; use names of letters, digits and `_`, such as {{id}}"
            ));
        }
        if matches!(parts.last(), Some(Part::Variable(_))) {
            return Err(format!(
                "uri_template `{template}`: two variables need a literal between them"
            ));
        }
        parts.push(Part::Variable(name.to_owned()));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest.to_owned()));
    }
    if !parts.iter().any(|p| matches!(p, Part::Variable(_))) {
        return Err(format!(
            "uri_template `{template}` has no `{{name}}`; a fixed URI goes under `uri`"
        ));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_fit_their_template_and_fill_the_body() {
        let entry = ResourceTemplateEntry::new(
            ResourceTemplate::new("test://template/{id}/data", "data"),
            "Data of {{ id }}.",
            "resources/t.md",
        )
        .unwrap();
        let vars = entry.matches("test://template/123/data").unwrap();
        assert_eq!(entry.render(&vars).unwrap(), "Data of 123.");
        for other in [
            "test://template//data",
            "test://template/1/2/data",
            "test://other/1/data",
            "test://template/1/data/x",
        ] {
            assert!(entry.matches(other).is_none(), "{other}");
        }
        for bad in ["test://x", "test://{a b}", "test://{a}{b}", "test://{open"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
