//! Templated values of a tool's `request`: compiled once per load, rendered per call.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use minijinja::value::Value as JinjaValue;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

/// RFC 3986 unreserved characters stay; everything else, `/ ? # %` included, is encoded.
pub(crate) const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Bounds the work one template may do, so that no file can make a call spin.
const TEMPLATE_FUEL: u64 = 50_000;

/// A value of `request` after compilation.
#[derive(Debug, Clone)]
pub(crate) enum Template {
    /// No template syntax: sent as written.
    Literal(Value),
    /// `{{ a.b }}`: the argument itself, with its JSON type.
    Lookup(Vec<String>),
    /// `{{ expression }}`: evaluated, keeps its JSON type (compiled as `tojson`).
    Expression(String),
    /// Text with templates inside: always a string.
    Text(String),
    Object(Vec<(String, Template)>),
    Array(Vec<Template>),
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct CompileError {
    pub message: String,
    /// 1-based line inside the templated string, when known.
    pub line: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct EvalError(pub String);

/// Every request template of a catalog: one environment for values, one for paths (whose
/// output is percent-encoded segment by segment). A template is checked and its variables
/// read when its file loads, but compiled only at its first render in a served snapshot:
/// a compiled template takes about 12 KB however short it is (room for 256 instructions),
/// which a catalogue of 10,000 tools felt (docs/performance.md). A reload starts from the
/// previous set and adds only the changed files' templates.
pub(crate) struct Templates {
    values: Environment<'static>,
    paths: Environment<'static>,
    /// By name; shared with the served snapshots, copied when a reload changes it.
    sources: Arc<HashMap<Box<str>, Source>>,
    next_id: usize,
}

#[derive(Debug, Clone)]
struct Source {
    path_env: bool,
    text: Box<str>,
    /// The top-level variables the template reads.
    reads: Box<[Box<str>]>,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("count", &self.sources.len())
            .finish()
    }
}

fn base_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_fuel(Some(TEMPLATE_FUEL));
    env.set_recursion_limit(64);
    env
}

impl Templates {
    pub(crate) fn new() -> Self {
        let mut paths = base_environment();
        paths.set_formatter(|out, _state, value| {
            let segment = path_segment(value)
                .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.0))?;
            write!(out, "{}", utf8_percent_encode(&segment, PATH_SEGMENT)).map_err(|_| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write failed")
            })
        });
        Self {
            values: base_environment(),
            paths,
            sources: Arc::default(),
            next_id: 0,
        }
    }

    /// A set that never compiles or renders: the stand-in served while the content loads
    /// holds no template, and a full set costs a start two template environments.
    pub(crate) fn inert() -> Self {
        Self {
            values: Environment::empty(),
            paths: Environment::empty(),
            sources: Arc::default(),
            next_id: 0,
        }
    }

    /// The set a served catalog renders with: it compiles each template at its first
    /// render, and keeps it for the snapshot's life. Later changes to `self` (a reload)
    /// do not reach it.
    pub(crate) fn snapshot(&self) -> Self {
        let mut served = Self {
            values: self.values.clone(),
            paths: self.paths.clone(),
            sources: Arc::clone(&self.sources),
            next_id: self.next_id,
        };
        for (env, path_env) in [(&mut served.values, false), (&mut served.paths, true)] {
            let sources = Arc::clone(&served.sources);
            env.set_loader(move |name| {
                Ok(sources
                    .get(name)
                    .filter(|s| s.path_env == path_env)
                    .map(|s| s.text.to_string()))
            });
        }
        served
    }

    /// Names given from now on are above this mark; with [`Self::remove_between`], the
    /// templates of one file can be dropped when the file changes.
    pub(crate) fn mark(&self) -> usize {
        self.next_id
    }

    /// Removes the templates added between two marks.
    pub(crate) fn remove_between(&mut self, from: usize, to: usize) {
        if from == to {
            return;
        }
        let sources = Arc::make_mut(&mut self.sources);
        for id in from + 1..=to {
            sources.remove(format!("t{id}").as_str());
        }
    }

    /// Checks a template and reads its variables (compiling it once, then dropping the
    /// compiled form), and keeps its source under a new name.
    fn add(&mut self, path_env: bool, source: String) -> Result<String, CompileError> {
        self.next_id += 1;
        let name = format!("t{}", self.next_id);
        let env = if path_env {
            &mut self.paths
        } else {
            &mut self.values
        };
        let to_error = |e: minijinja::Error| CompileError {
            message: describe_jinja_error(&e),
            line: e.line(),
        };
        env.add_template_owned(name.clone(), source.clone())
            .map_err(to_error)?;
        let reads = env
            .get_template(&name)
            .map_err(to_error)?
            .undeclared_variables(false)
            .into_iter()
            .map(String::into_boxed_str)
            .collect();
        env.remove_template(&name);
        Arc::make_mut(&mut self.sources).insert(
            name.clone().into_boxed_str(),
            Source {
                path_env,
                text: source.into_boxed_str(),
                reads,
            },
        );
        Ok(name)
    }

    /// Compiles a YAML value of `request` (query, header or body value).
    pub(crate) fn compile_value(&mut self, value: &Value) -> Result<Template, CompileError> {
        Ok(match value {
            Value::String(s) => self.compile_string(s)?,
            Value::Object(map) => Template::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.compile_value(v)?)))
                    .collect::<Result<_, CompileError>>()?,
            ),
            Value::Array(items) => Template::Array(
                items
                    .iter()
                    .map(|v| self.compile_value(v))
                    .collect::<Result<_, _>>()?,
            ),
            other => Template::Literal(other.clone()),
        })
    }

    fn compile_string(&mut self, s: &str) -> Result<Template, CompileError> {
        if !has_template_syntax(s) {
            return Ok(Template::Literal(Value::String(s.to_owned())));
        }
        if let Some(expr) = single_expression(s) {
            if let Some(path) = lookup_path(expr) {
                return Ok(Template::Lookup(path));
            }
            return Ok(Template::Expression(
                self.add(false, format!("{{{{ ({expr}) | tojson }}}}"))?,
            ));
        }
        Ok(Template::Text(self.add(false, s.to_owned())?))
    }

    /// Compiles `request.path`: literal, plain `{{ name }}` placeholders (most paths), or a
    /// template for the engine.
    pub(crate) fn compile_path(&mut self, path: &str) -> Result<CompiledPath, CompileError> {
        if !has_template_syntax(path) {
            return Ok(CompiledPath::Literal);
        }
        if let Some(parts) = placeholder_path(path) {
            return Ok(CompiledPath::Parts(parts));
        }
        self.add(true, path.to_owned()).map(CompiledPath::Template)
    }

    /// The top-level variables a compiled template reads.
    pub(crate) fn variables(&self, template: &Template, into: &mut BTreeSet<String>) {
        match template {
            Template::Literal(_) => {}
            Template::Lookup(path) => {
                into.insert(path[0].clone());
            }
            Template::Expression(name) | Template::Text(name) => {
                into.extend(self.reads(name).map(str::to_owned));
            }
            Template::Object(fields) => fields.iter().for_each(|(_, t)| self.variables(t, into)),
            Template::Array(items) => items.iter().for_each(|t| self.variables(t, into)),
        }
    }

    pub(crate) fn path_variables(&self, name: &str) -> BTreeSet<String> {
        self.reads(name).map(str::to_owned).collect()
    }

    fn reads(&self, name: &str) -> impl Iterator<Item = &str> {
        self.sources
            .get(name)
            .into_iter()
            .flat_map(|s| s.reads.iter().map(|r| &**r))
    }

    pub(crate) fn render_path(&self, name: &str, ctx: &JinjaValue) -> Result<String, EvalError> {
        let template = self
            .paths
            .get_template(name)
            .map_err(|e| EvalError(describe_jinja_error(&e)))?;
        template
            .render(ctx)
            .map_err(|e| EvalError(describe_jinja_error(&e)))
    }

    /// Renders a compiled value; `Ok(None)` means "omit": the value is missing or null.
    pub(crate) fn render(
        &self,
        template: &Template,
        args: &Map<String, Value>,
        ctx: &dyn Fn() -> JinjaValue,
    ) -> Result<Option<Value>, EvalError> {
        Ok(match template {
            Template::Literal(v) => Some(v.clone()),
            Template::Lookup(path) => lookup(args, path).filter(|v| !v.is_null()).cloned(),
            Template::Expression(name) => {
                let json = self.render_text(name, &ctx())?;
                let value: Value = serde_json::from_str(&json).map_err(|e| {
                    EvalError(format!("the expression did not give a JSON value: {e}"))
                })?;
                Some(value).filter(|v| !v.is_null())
            }
            Template::Text(name) => Some(Value::String(self.render_text(name, &ctx())?)),
            Template::Object(fields) => {
                let mut map = Map::with_capacity(fields.len());
                for (key, t) in fields {
                    if let Some(v) = self.render(t, args, ctx)? {
                        map.insert(key.clone(), v);
                    }
                }
                Some(Value::Object(map))
            }
            Template::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for t in items {
                    if let Some(v) = self.render(t, args, ctx)? {
                        out.push(v);
                    }
                }
                Some(Value::Array(out))
            }
        })
    }

    fn render_text(&self, name: &str, ctx: &JinjaValue) -> Result<String, EvalError> {
        let template = self
            .values
            .get_template(name)
            .map_err(|e| EvalError(describe_jinja_error(&e)))?;
        template
            .render(ctx)
            .map_err(|e| EvalError(describe_jinja_error(&e)))
    }
}

/// `request.path` after compilation.
#[derive(Debug)]
pub(crate) enum CompiledPath {
    Literal,
    /// Text and `{{ name }}` placeholders, rendered without the template engine: a
    /// compiled template takes about 10 KB however short it is, which a catalogue of
    /// 10,000 tools felt (docs/performance.md).
    Parts(Vec<PathPart>),
    /// The name of a template compiled in the path environment.
    Template(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PathPart {
    Text(String),
    /// A top-level argument, placed as one percent-encoded segment.
    Argument(String),
}

/// The parts of a path whose only template syntax is `{{ name }}`; `None` for anything the
/// engine must handle (filters, expressions, dotted names, whitespace control, blocks).
fn placeholder_path(path: &str) -> Option<Vec<PathPart>> {
    let plain = |text: &str| {
        !(text.contains("}}") || text.contains("{%") || text.contains("{#") || text.contains('\n'))
    };
    let mut parts = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find("{{") {
        let (text, after) = (&rest[..open], &rest[open + 2..]);
        let close = after.find("}}")?;
        let name = after[..close].trim();
        if !plain(text) || lookup_path(name)?.len() != 1 {
            return None;
        }
        if !text.is_empty() {
            parts.push(PathPart::Text(text.to_owned()));
        }
        parts.push(PathPart::Argument(name.to_owned()));
        rest = &after[close + 2..];
    }
    if !plain(rest) || rest.contains("{{") {
        return None;
    }
    if !rest.is_empty() {
        parts.push(PathPart::Text(rest.to_owned()));
    }
    Some(parts)
}

/// Renders placeholder parts; each argument was checked to be a present, non-empty scalar.
pub(crate) fn render_parts(
    parts: &[PathPart],
    args: &Map<String, Value>,
) -> Result<String, EvalError> {
    let mut out = String::new();
    for part in parts {
        match part {
            PathPart::Text(text) => out.push_str(text),
            PathPart::Argument(name) => {
                let value = args
                    .get(name)
                    .filter(|v| !v.is_null())
                    .ok_or_else(|| EvalError("a value placed in the path is missing".into()))?;
                if value.is_object() || value.is_array() {
                    return Err(EvalError(
                        "a value placed in the path must be a string or a number".into(),
                    ));
                }
                let segment = scalar_text(value)?;
                check_segment(&segment)?;
                out.extend(utf8_percent_encode(&segment, PATH_SEGMENT));
            }
        }
    }
    Ok(out)
}

/// Arguments as a template context; only built when a template needs more than lookups.
pub(crate) fn to_jinja<T: serde::Serialize>(value: &T) -> JinjaValue {
    JinjaValue::from(minijinja::value::Serde(value))
}

/// A path value as one segment: scalars only, never empty, `.` or `..`.
pub(crate) fn path_segment(value: &JinjaValue) -> Result<String, EvalError> {
    use minijinja::value::ValueKind;
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => {
            Err(EvalError("a value placed in the path is missing".into()))
        }
        ValueKind::Map
        | ValueKind::Seq
        | ValueKind::Iterable
        | ValueKind::Plain
        | ValueKind::Invalid => Err(EvalError(
            "a value placed in the path must be a string or a number".into(),
        )),
        _ => {
            // The JSON form of the value, as in query strings and headers: `true`, `12`, `1.5`.
            let json = serde_json::to_value(value).map_err(|e| {
                EvalError(format!("a value placed in the path cannot be shown: {e}"))
            })?;
            let s = scalar_text(&json)?;
            check_segment(&s)?;
            Ok(s)
        }
    }
}

/// Integers beyond this are not exact as floating point: a number the JSON parser could
/// not keep as a 64-bit integer has already lost digits.
const EXACT_FLOAT_LIMIT: f64 = 9_007_199_254_740_992.0;

/// One text form of a scalar everywhere it is sent (path, query, header): strings as they
/// are, booleans `true`/`false`, numbers as JSON writes them. A number that cannot be
/// sent exactly is refused rather than changed.
pub(crate) fn scalar_text(value: &Value) -> Result<String, EvalError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() == 0.0 && f.abs() >= EXACT_FLOAT_LIMIT {
                Err(EvalError(inexact(n)))
            } else {
                Ok(n.to_string())
            }
        }
        other => Ok(other.to_string()),
    }
}

fn inexact(n: &serde_json::Number) -> String {
    format!(
        "the number {n} is beyond what can be sent exactly (whole numbers up to 64 bits); send it as a string if the API takes one"
    )
}

/// Refuses a number anywhere in `value` that lost digits on its way in (see [`scalar_text`]).
pub(crate) fn check_exact_numbers(value: &Value) -> Result<(), EvalError> {
    match value {
        Value::Number(_) => scalar_text(value).map(|_| ()),
        Value::Array(items) => items.iter().try_for_each(check_exact_numbers),
        Value::Object(map) => map.values().try_for_each(check_exact_numbers),
        _ => Ok(()),
    }
}

pub(crate) fn check_segment(s: &str) -> Result<(), EvalError> {
    match s {
        "" => Err(EvalError("a value placed in the path is empty".into())),
        "." | ".." => Err(EvalError(format!("`{s}` cannot be a path segment"))),
        _ => Ok(()),
    }
}

fn lookup<'a>(args: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
    let mut current = args.get(&path[0])?;
    for key in &path[1..] {
        current = current.as_object()?.get(key)?;
    }
    Some(current)
}

pub(crate) fn has_template_syntax(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

/// The expression of a string that is exactly one `{{ expr }}`.
pub(crate) fn single_expression(s: &str) -> Option<&str> {
    let inner = s.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    if inner.contains("{{") || inner.contains("}}") || inner.contains("{%") || inner.contains("{#")
    {
        return None;
    }
    Some(inner.trim())
}

/// `a`, `a.b`: a plain lookup that needs no template engine.
fn lookup_path(expr: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = expr.split('.').collect();
    let ident = |p: &&str| {
        let mut chars = p.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if parts.iter().all(ident)
        && !matches!(
            parts[0],
            "true" | "false" | "none" | "None" | "True" | "False" | "loop" | "self"
        )
    {
        Some(parts.into_iter().map(str::to_owned).collect())
    } else {
        None
    }
}

/// A minijinja error as one sentence, without the template's internal name.
pub(crate) fn describe_jinja_error(e: &minijinja::Error) -> String {
    if e.kind() == minijinja::ErrorKind::OutOfFuel {
        return "the template needed more work than a request may take; an argument is probably far too long or too deeply nested".to_owned();
    }
    let detail = e
        .detail()
        .map(str::to_owned)
        .unwrap_or_else(|| e.kind().to_string());
    format!("{}: {}", e.kind(), detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx_of(args: &Map<String, Value>) -> JinjaValue {
        to_jinja(&args)
    }

    fn render(t: &Templates, tpl: &Template, args: &Value) -> Option<Value> {
        let args = args.as_object().unwrap().clone();
        t.snapshot().render(tpl, &args, &|| ctx_of(&args)).unwrap()
    }

    #[test]
    fn single_expressions_keep_their_type() {
        let mut t = Templates::new();
        let a = t.compile_value(&json!("{{ count }}")).unwrap();
        assert!(matches!(a, Template::Lookup(_)));
        assert_eq!(render(&t, &a, &json!({"count": 3})), Some(json!(3)));
        let obj = t.compile_value(&json!("{{ spec }}")).unwrap();
        assert_eq!(
            render(&t, &obj, &json!({"spec": {"a": [1, true]}})),
            Some(json!({"a": [1, true]}))
        );
        let expr = t.compile_value(&json!("{{ count + 1 }}")).unwrap();
        assert!(matches!(expr, Template::Expression(_)));
        assert_eq!(render(&t, &expr, &json!({"count": 3})), Some(json!(4)));
    }

    #[test]
    fn missing_and_null_values_are_omitted() {
        let mut t = Templates::new();
        let body = t.compile_value(&json!({"a": "{{ a }}", "b": "{{ b }}", "c": "{{ c or none }}", "d": ["{{ a }}", "{{ b }}"], "e": "fixed"})).unwrap();
        assert_eq!(
            render(&t, &body, &json!({"a": 1, "b": null})),
            Some(json!({"a": 1, "d": [1], "e": "fixed"}))
        );
    }

    #[test]
    fn mixed_text_renders_as_string_and_arguments_are_data() {
        let mut t = Templates::new();
        let text = t.compile_value(&json!("id={{ id }}!")).unwrap();
        assert_eq!(
            render(&t, &text, &json!({"id": "{{ 7*7 }}"})),
            Some(json!("id={{ 7*7 }}!"))
        );
        let mut vars = BTreeSet::new();
        t.variables(&text, &mut vars);
        assert_eq!(vars.into_iter().collect::<Vec<_>>(), vec!["id"]);
    }

    #[test]
    fn path_values_are_single_encoded_segments() {
        let mut t = Templates::new();
        // The same path through the template engine (an expression) and without it.
        let CompiledPath::Template(name) = t.compile_path("/v1/items/{{ (id) }}/x").unwrap() else {
            panic!("an expression needs the template engine")
        };
        let CompiledPath::Parts(parts) = t.compile_path("/v1/items/{{ id }}/x").unwrap() else {
            panic!("a plain placeholder needs no template engine")
        };
        let args = json!({"id": "a/../b?x=1#f %"});
        let encoded = "/v1/items/a%2F..%2Fb%3Fx%3D1%23f%20%25/x";
        let served = t.snapshot();
        assert_eq!(
            served.render_path(&name, &to_jinja(&args)).unwrap(),
            encoded
        );
        assert_eq!(
            render_parts(&parts, args.as_object().unwrap()).unwrap(),
            encoded
        );
        for bad in [
            json!({"id": ".."}),
            json!({"id": ""}),
            json!({}),
            json!({"id": null}),
            json!({"id": {"a": 1}}),
            json!({"id": [1]}),
        ] {
            assert!(
                render_parts(&parts, bad.as_object().unwrap()).is_err(),
                "{bad}"
            );
        }
        for bad in [
            json!({"id": ".."}),
            json!({"id": ""}),
            json!({}),
            json!({"id": {"a": 1}}),
        ] {
            assert!(served.render_path(&name, &to_jinja(&bad)).is_err(), "{bad}");
        }
        let scalars = json!({"id": 12, "flag": true});
        let CompiledPath::Parts(two) = t.compile_path("/{{id}}/{{ flag }}").unwrap() else {
            panic!("placeholders without spaces are plain too")
        };
        assert_eq!(
            render_parts(&two, scalars.as_object().unwrap()).unwrap(),
            "/12/true"
        );
        assert_eq!(
            t.path_variables(&name).into_iter().collect::<Vec<_>>(),
            vec!["id"]
        );
    }

    #[test]
    fn only_plain_placeholders_skip_the_template_engine() {
        let mut t = Templates::new();
        for engine in [
            "/v1/{{ a.b }}",
            "/v1/{{- a }}",
            "/v1/{{ a }}{% if b %}/x{% endif %}",
            "/v1/{# note #}{{ a }}",
            "/v1/{{ a }}}}",
            "/v1/{{ a ~ b }}",
            "/v1/{{ true }}",
        ] {
            assert!(
                matches!(
                    t.compile_path(engine),
                    Ok(CompiledPath::Template(_)) | Err(_)
                ),
                "{engine}"
            );
        }
        assert!(matches!(t.compile_path("/v1/x"), Ok(CompiledPath::Literal)));
        assert_eq!(
            placeholder_path("/v1/{{ a }}/b/{{ c }}"),
            Some(vec![
                PathPart::Text("/v1/".into()),
                PathPart::Argument("a".into()),
                PathPart::Text("/b/".into()),
                PathPart::Argument("c".into()),
            ])
        );
    }

    #[test]
    fn templates_compile_at_first_render_and_a_snapshot_outlives_a_reload() {
        let mut t = Templates::new();
        let from = t.mark();
        let expr = t.compile_value(&json!("{{ count + 1 }}")).unwrap();
        let CompiledPath::Template(path) = t.compile_path("/v1/{{ (id) }}").unwrap() else {
            panic!("an expression needs the template engine")
        };
        let to = t.mark();
        // Checked and read at load, compiled nowhere yet.
        assert_eq!(
            t.values.templates().count() + t.paths.templates().count(),
            0
        );
        let mut vars = BTreeSet::new();
        t.variables(&expr, &mut vars);
        assert_eq!(vars.into_iter().collect::<Vec<_>>(), vec!["count"]);
        let served = t.snapshot();
        assert_eq!(served.values.templates().count(), 0);
        // The file changes: the builder drops its templates; the served snapshot still
        // renders them, compiled at their first use there.
        t.remove_between(from, to);
        assert!(t.path_variables(&path).is_empty());
        let args = json!({"count": 1, "id": "a b"});
        let map = args.as_object().unwrap().clone();
        let out = served.render(&expr, &map, &|| ctx_of(&map)).unwrap();
        assert_eq!(out, Some(json!(2)));
        assert_eq!(
            served.render_path(&path, &to_jinja(&args)).unwrap(),
            "/v1/a%20b"
        );
        assert_eq!(served.values.templates().count(), 1);
        // A value template is never looked up as a path one, nor the other way round.
        assert!(served.render_path("t1", &to_jinja(&args)).is_err());
        assert!(t.snapshot().render(&expr, &map, &|| ctx_of(&map)).is_err());
    }

    #[test]
    fn syntax_errors_are_reported_at_compile_time() {
        let mut t = Templates::new();
        let err = t.compile_value(&json!("{{ a + }}")).unwrap_err();
        assert!(err.message.contains("syntax error"), "{}", err.message);
    }
}
