//! Prompts: templates with declared arguments, rendered with minijinja (`.j2`, `.jinja`) or
//! handlebars (`.hbs`).

use std::collections::{BTreeMap, BTreeSet};

use handlebars::template::{Parameter, Template as HbsTemplate, TemplateElement};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use rmcp::model::{Prompt, PromptArgument};

use super::tool::FileReporter;
use crate::definition::prompt::{PromptArgumentDef, PromptFrontMatter};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_of_tools_that_do_not_exist() {
        let tools: BTreeSet<&str> = ["acme_list_items", "acme_get_item"].into_iter().collect();
        let body = "Call `acme_list_items`, then acme_get_item.\nNever acme_get_items or xacme_nope, acme.\n";
        assert_eq!(
            unknown_tool_mentions(body, &tools),
            vec![(2, 7, "acme_get_items".to_owned())]
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    Jinja,
    Handlebars,
}

#[derive(Debug)]
pub(crate) struct PromptEntry {
    pub prompt: Prompt,
    /// URIs (templates over the arguments) of resources embedded after the text.
    pub resources: Vec<String>,
    /// Images shown after the text.
    pub images: Vec<crate::definition::prompt::ImageDef>,
    pub file: String,
    pub arguments: Vec<PromptArgumentDef>,
    pub engine: Engine,
    /// The template's name in its engine.
    pub template: String,
}

/// The template engines of one catalog's prompts.
pub(crate) struct PromptTemplates {
    jinja: Environment<'static>,
    hbs: handlebars::Handlebars<'static>,
}

impl std::fmt::Debug for PromptTemplates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PromptTemplates")
    }
}

impl PromptTemplates {
    /// Holds no template and renders none: for the stand-in served while the content
    /// loads, which a full set would slow.
    pub(crate) fn inert() -> Self {
        Self {
            jinja: Environment::empty(),
            hbs: handlebars::Handlebars::new(),
        }
    }
}

impl Default for PromptTemplates {
    fn default() -> Self {
        let mut jinja = Environment::new();
        // SemiStrict: a typo fails, `{% if optional %}` on a missing argument does not.
        jinja.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        jinja.set_auto_escape_callback(|_| AutoEscape::None);
        jinja.set_fuel(Some(1_000_000));
        let mut hbs = handlebars::Handlebars::new();
        hbs.set_strict_mode(true);
        hbs.register_escape_fn(handlebars::no_escape);
        Self { jinja, hbs }
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum PromptError {
    #[error("missing required argument `{0}`")]
    Missing(String),
    #[error("argument `{name}` must be one of {allowed}, not `{value}`")]
    NotAllowed {
        name: String,
        allowed: String,
        value: String,
    },
    #[error("unknown argument `{0}`; this prompt takes: {1}")]
    Unknown(String, String),
    #[error("the prompt template failed: {0}")]
    Render(String),
}

pub(crate) fn engine_for(path: &str) -> Engine {
    if path.ends_with(".hbs") {
        Engine::Handlebars
    } else {
        Engine::Jinja
    }
}

impl PromptTemplates {
    /// Compiles a prompt body and checks that it reads only declared arguments.
    pub(crate) fn compile(
        &mut self,
        front: &PromptFrontMatter,
        engine: Engine,
        body: &str,
        body_first_line: usize,
        reporter: &mut FileReporter<'_>,
    ) -> Option<String> {
        let declared: BTreeSet<&str> = front.arguments.iter().map(|a| a.name.as_str()).collect();
        let name = reporter.file.to_owned();
        let body_line = |line: usize| body_first_line + line.saturating_sub(1);
        match engine {
            Engine::Jinja => {
                if let Err(e) = self.jinja.add_template_owned(name.clone(), body.to_owned()) {
                    reporter
                        .diagnostics
                        .push(crate::diagnostic::Diagnostic::new(
                            reporter.file,
                            (body_line(e.line().unwrap_or(1)), 1),
                            format!(
                                "template error: {}",
                                crate::request::template::describe_jinja_error(&e)
                            ),
                        ));
                    return None;
                }
                let used = self
                    .jinja
                    .get_template(&name)
                    .map(|t| t.undeclared_variables(false))
                    .unwrap_or_default();
                let mut ok = true;
                for variable in used.iter().filter(|v| !declared.contains(v.as_str())) {
                    ok = false;
                    let line = first_line_naming(body, variable)
                        .map(body_line)
                        .unwrap_or(body_first_line);
                    reporter.diagnostics.push(crate::diagnostic::Diagnostic::new(reporter.file, (line, 1), format!("the template reads `{variable}`, which is not a declared argument; add it under `arguments` or fix the name")));
                }
                if !ok {
                    self.jinja.remove_template(&name);
                    return None;
                }
            }
            Engine::Handlebars => {
                // Deep nesting would exhaust the stack of the parser or the renderer.
                if let Some(line) = too_deep(body) {
                    reporter.diagnostics.push(crate::diagnostic::Diagnostic::new(
                        reporter.file,
                        (body_line(line), 1),
                        format!("blocks nest deeper than {MAX_BLOCK_DEPTH} levels; flatten the template"),
                    ));
                    return None;
                }
                let template = match HbsTemplate::compile(body) {
                    Ok(t) => t,
                    Err(e) => {
                        let (line, column) = e.pos().unwrap_or((1, 1));
                        reporter
                            .diagnostics
                            .push(crate::diagnostic::Diagnostic::new(
                                reporter.file,
                                (body_line(line), column),
                                format!("template error: {}", e.reason()),
                            ));
                        return None;
                    }
                };
                // A partial can include itself (or another that includes it back) and
                // recurse until the process aborts; a prompt is one self-contained file.
                if let Some(position) = first_partial_or_decorator(&template, None) {
                    let (line, column) = position.unwrap_or((1, 1));
                    reporter.diagnostics.push(crate::diagnostic::Diagnostic::new(
                        reporter.file,
                        (body_line(line), column),
                        "partials (`{{> name}}`) and decorators (`{{*name}}`, `{{#*inline}}`) are not supported in prompts: write the text in place",
                    ));
                    return None;
                }
                let mut used = Vec::new();
                handlebars_variables(&template, &mut used);
                let mut ok = true;
                for (variable, position) in
                    used.iter().filter(|(v, _)| !declared.contains(v.as_str()))
                {
                    ok = false;
                    let (line, column) = position.unwrap_or((1, 1));
                    reporter.diagnostics.push(crate::diagnostic::Diagnostic::new(reporter.file, (body_line(line), column), format!("the template reads `{variable}`, which is not a declared argument; add it under `arguments` or fix the name")));
                }
                if !ok {
                    return None;
                }
                if let Err(e) = self.hbs.register_template_string(&name, body) {
                    reporter
                        .diagnostics
                        .push(crate::diagnostic::Diagnostic::new(
                            reporter.file,
                            (body_first_line, 1),
                            format!("template error: {}", e.reason()),
                        ));
                    return None;
                }
            }
        }
        Some(name)
    }

    /// Checks the arguments of prompts/get, applies defaults and renders the text.
    /// A short minijinja text (an embedded resource's URI) over the prompt's arguments.
    pub(crate) fn render_text(
        &self,
        source: &str,
        given: &BTreeMap<String, String>,
    ) -> Result<String, PromptError> {
        self.jinja
            .render_str(source, given)
            .map_err(|e| PromptError::Render(crate::request::template::describe_jinja_error(&e)))
    }

    pub(crate) fn render(
        &self,
        entry: &PromptEntry,
        given: &BTreeMap<String, String>,
    ) -> Result<String, PromptError> {
        let mut values: BTreeMap<&str, &str> = BTreeMap::new();
        for name in given.keys() {
            if !entry.arguments.iter().any(|a| &a.name == name) {
                let known = entry
                    .arguments
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(PromptError::Unknown(
                    crate::text::truncate(name, 200),
                    if known.is_empty() {
                        "no arguments".into()
                    } else {
                        known
                    },
                ));
            }
        }
        for arg in &entry.arguments {
            let value = given
                .get(&arg.name)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
                .or(arg.default.as_deref());
            match value {
                Some(v) => {
                    if let Some(allowed) = &arg.allowed
                        && !allowed.iter().any(|a| a == v)
                    {
                        return Err(PromptError::NotAllowed {
                            name: arg.name.clone(),
                            allowed: allowed.join(", "),
                            value: crate::text::truncate(v, 200),
                        });
                    }
                    values.insert(&arg.name, v);
                }
                None if arg.required => return Err(PromptError::Missing(arg.name.clone())),
                None => {}
            }
        }
        match entry.engine {
            Engine::Jinja => {
                let template = self
                    .jinja
                    .get_template(&entry.template)
                    .map_err(|e| PromptError::Render(e.to_string()))?;
                template
                    .render(minijinja::value::Value::from(minijinja::value::Serde(
                        &values,
                    )))
                    .map_err(|e| {
                        PromptError::Render(crate::request::template::describe_jinja_error(&e))
                    })
            }
            Engine::Handlebars => {
                // Strict mode refuses a missing optional argument; give them empty values.
                let mut all: BTreeMap<&str, &str> = entry
                    .arguments
                    .iter()
                    .map(|a| (a.name.as_str(), ""))
                    .collect();
                all.extend(values);
                self.hbs
                    .render(&entry.template, &all)
                    .map_err(|e| PromptError::Render(e.reason().to_string()))
            }
        }
    }
}

pub(crate) fn to_rmcp(front: &PromptFrontMatter) -> Prompt {
    let arguments: Vec<PromptArgument> = front
        .arguments
        .iter()
        .map(|a| {
            let mut arg = PromptArgument::new(a.name.clone()).with_required(a.required);
            let mut description = a.description.clone().unwrap_or_default();
            if let Some(allowed) = &a.allowed {
                if !description.is_empty() {
                    description.push(' ');
                }
                description.push_str(&format!("One of: {}.", allowed.join(", ")));
            }
            if let Some(default) = &a.default {
                description.push_str(&format!(" Default: {default}."));
            }
            if !description.is_empty() {
                arg = arg.with_description(description.trim().to_owned());
            }
            if let Some(title) = &a.title {
                arg = arg.with_title(title.clone());
            }
            arg
        })
        .collect();
    let mut prompt = Prompt::new(
        front.name.clone(),
        front.description.clone(),
        Some(arguments),
    );
    if let Some(title) = &front.title {
        prompt = prompt.with_title(title.clone());
    }
    prompt
}

/// Words of `body` that look like names of this catalog's tools (they start with the first
/// segment of a tool name, such as `acme_`) but name no tool: (line, column, word).
/// Linear in the text: each word is looked up once, whatever the catalogue's size (a search
/// per tool-name prefix took 90 s over 10,000 tools).
pub(crate) fn unknown_tool_mentions(
    body: &str,
    tools: &BTreeSet<&str>,
) -> Vec<(usize, usize, String)> {
    let mut found = Vec::new();
    for (index, line) in body.lines().enumerate() {
        for (at, word) in tool_like_words(line) {
            if names_no_tool(word, tools) {
                found.push((index + 1, line[..at].chars().count() + 1, word.to_owned()));
            }
        }
    }
    found
}

/// The words of `line` that have the shape of a tool name (`acme_list_things`), with their
/// byte offsets.
fn tool_like_words(line: &str) -> impl Iterator<Item = (usize, &str)> {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut rest = line;
    let mut offset = 0;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find(is_name_char)?;
            let after = &rest[start..];
            let len = after
                .find(|c: char| !is_name_char(c))
                .unwrap_or(after.len());
            let word = after[..len].trim_end_matches(['-', '_']);
            let at = offset + start;
            offset += start + len;
            rest = &after[len..];
            if word.contains('_') {
                return Some((at, word));
            }
        }
    })
}

/// Whether `word` begins like some tool's name (up to its first `_`) but is none of them.
pub(crate) fn names_no_tool(word: &str, tools: &BTreeSet<&str>) -> bool {
    let Some(cut) = word.find('_') else {
        return false;
    };
    let prefix = &word[..=cut];
    let begins_a_name = tools
        .range::<str, _>((
            std::ops::Bound::Included(prefix),
            std::ops::Bound::Unbounded,
        ))
        .next()
        .is_some_and(|t| t.starts_with(prefix));
    begins_a_name && !tools.contains(word)
}

/// The distinct tool-like words of a tool's description and its schema's descriptions and
/// titles: what [`names_no_tool`] checks at each build.
pub(crate) fn tool_like_words_of(
    description: Option<&str>,
    schema: &serde_json::Map<String, serde_json::Value>,
) -> Vec<Box<str>> {
    let mut texts: Vec<&str> = description.into_iter().collect();
    super::schema_lint::object_texts(schema, &mut texts);
    let mut words: Vec<Box<str>> = texts
        .iter()
        .flat_map(|t| t.lines())
        .flat_map(tool_like_words)
        .map(|(_, w)| Box::from(w))
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

fn first_line_naming(body: &str, variable: &str) -> Option<usize> {
    body.lines()
        .position(|l| l.contains(variable))
        .map(|i| i + 1)
}

/// Top-level variables a handlebars template reads, outside blocks that change the context
/// (`each`, `with`), where names refer to the items instead.
fn handlebars_variables(template: &HbsTemplate, out: &mut Vec<(String, Option<(usize, usize)>)>) {
    for (index, element) in template.elements.iter().enumerate() {
        let position = template.mapping.get(index).map(|m| (m.0, m.1));
        match element {
            TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h) => {
                if h.params.is_empty() && h.hash.is_empty() {
                    collect_param(&h.name, position, out);
                } else {
                    h.params
                        .iter()
                        .for_each(|p| collect_param(p, position, out));
                }
            }
            TemplateElement::HelperBlock(h) => {
                h.params
                    .iter()
                    .for_each(|p| collect_param(p, position, out));
                let helper = match &h.name {
                    Parameter::Name(n) => n.as_str(),
                    _ => "",
                };
                if !matches!(helper, "each" | "with") {
                    if let Some(inner) = &h.template {
                        handlebars_variables(inner, out);
                    }
                    if let Some(inverse) = &h.inverse {
                        handlebars_variables(inverse, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Deepest nesting of handlebars blocks (`{{#...}}`) a prompt may have.
const MAX_BLOCK_DEPTH: usize = 64;

/// The line where blocks first nest deeper than [`MAX_BLOCK_DEPTH`], if they do.
fn too_deep(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (index, line) in body.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("{{") {
            rest = &rest[at + 2..];
            let tag = rest.trim_start_matches(['~', '{']);
            if tag.starts_with('#') {
                depth += 1;
                if depth > MAX_BLOCK_DEPTH {
                    return Some(index + 1);
                }
            } else if tag.starts_with('/') {
                depth = depth.saturating_sub(1);
            }
        }
    }
    None
}

/// Where the first partial or decorator of `template` is, at any depth.
fn first_partial_or_decorator(
    template: &HbsTemplate,
    outer: Option<(usize, usize)>,
) -> Option<Option<(usize, usize)>> {
    for (index, element) in template.elements.iter().enumerate() {
        let position = template.mapping.get(index).map(|m| (m.0, m.1)).or(outer);
        match element {
            TemplateElement::PartialExpression(_)
            | TemplateElement::PartialBlock(_)
            | TemplateElement::DecoratorExpression(_)
            | TemplateElement::DecoratorBlock(_) => return Some(position),
            TemplateElement::HelperBlock(h) => {
                for inner in [&h.template, &h.inverse].into_iter().flatten() {
                    if let Some(found) = first_partial_or_decorator(inner, position) {
                        return Some(found);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

fn collect_param(
    param: &Parameter,
    position: Option<(usize, usize)>,
    out: &mut Vec<(String, Option<(usize, usize)>)>,
) {
    let raw = match param {
        Parameter::Name(n) => n.as_str(),
        Parameter::Path(handlebars::Path::Relative((_, raw))) => raw.as_str(),
        _ => return,
    };
    let first = raw.split(['.', '/']).next().unwrap_or(raw);
    if first.is_empty()
        || first.starts_with('@')
        || first == "this"
        || first == ".."
        || raw.starts_with("../")
    {
        return;
    }
    out.push((first.to_owned(), position));
}
