//! Renders a tool's compiled request with the arguments of one call.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Map, Value};
use url::Url;

use super::template::{
    CompiledPath, EvalError, PathPart, Template, Templates, check_exact_numbers, check_segment,
    scalar_text, to_jinja,
};
use crate::definition::tool::Method;

/// `request.path` after compilation.
#[derive(Debug, Clone)]
pub(crate) enum PathTemplate {
    Literal(String),
    Parts(Box<[PathPart]>),
    Template(String),
}

impl PathTemplate {
    /// Compiles `request.path`, with the arguments it places.
    pub(crate) fn compile(
        templates: &mut Templates,
        source: &str,
    ) -> Result<(Self, BTreeSet<String>), super::template::CompileError> {
        Ok(match templates.compile_path(source)? {
            CompiledPath::Literal => (Self::Literal(source.to_owned()), BTreeSet::new()),
            CompiledPath::Parts(parts) => {
                let variables = parts
                    .iter()
                    .filter_map(|p| match p {
                        PathPart::Argument(name) => Some(name.clone()),
                        PathPart::Text(_) => None,
                    })
                    .collect();
                (Self::Parts(parts.into_boxed_slice()), variables)
            }
            CompiledPath::Template(name) => {
                let variables = templates.path_variables(&name);
                (Self::Template(name), variables)
            }
        })
    }
}

#[derive(Debug, Clone)]
pub(crate) enum BodyTemplate {
    None,
    /// `body: args`: every argument not used in the path or the query.
    Args,
    Value(Template),
}

/// A few argument names, sorted: a `BTreeSet` of one or two names took 280 bytes, which
/// a catalogue of 10,000 tools felt.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ArgNames(Box<[Box<str>]>);

impl ArgNames {
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.0.binary_search_by(|n| (**n).cmp(name)).is_ok()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|n| &**n)
    }
}

impl From<BTreeSet<String>> for ArgNames {
    fn from(names: BTreeSet<String>) -> Self {
        Self(names.into_iter().map(String::into_boxed_str).collect())
    }
}

/// A tool's request, compiled once per load.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRequest {
    pub method: Method,
    pub path: PathTemplate,
    /// `request.path` as written, for display.
    pub path_source: String,
    pub path_variables: ArgNames,
    pub query: Vec<(String, Template)>,
    pub query_variables: ArgNames,
    /// Toolset headers, then the tool's own (which win).
    pub headers: Vec<(String, Template)>,
    pub body: BodyTemplate,
    pub timeout: Option<Duration>,
}

/// What is sent, before the upstream's own headers are added.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RenderedRequest {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub(crate) enum RenderError {
    #[error("argument `{0}` is needed: its value goes in the URL path")]
    MissingPathValue(String),
    #[error("argument `{name}` cannot go in the URL path: {reason}")]
    BadPathValue { name: String, reason: String },
    #[error(
        "header `{0}` would contain a line break or a control character; remove it from the value"
    )]
    BadHeader(String),
    #[error("the request template failed: {0}")]
    Template(String),
    #[error("the rendered path `{0}` does not start with `/`")]
    RelativePath(String),
    #[error(
        "argument `{name}` is {length} bytes long, and a value in the URL path may have at most {MAX_PATH_VALUE}; check the argument"
    )]
    PathValueTooLong { name: String, length: usize },
    #[error(
        "the URL would be {0} bytes long, more than the {MAX_URL} this server sends; ask for less (fewer or shorter query values)"
    )]
    UrlTooLong(usize),
    #[error(
        "header `{name}` would be {length} bytes long, more than the {MAX_HEADER} this server sends"
    )]
    HeaderTooLong { name: String, length: usize },
}

/// The longest value placed in one path segment.
pub(crate) const MAX_PATH_VALUE: usize = 1024;
/// The longest URL sent; most servers refuse longer ones.
pub(crate) const MAX_URL: usize = 16 * 1024;
/// The longest header value sent.
pub(crate) const MAX_HEADER: usize = 8 * 1024;

impl From<EvalError> for RenderError {
    fn from(e: EvalError) -> Self {
        RenderError::Template(e.0)
    }
}

/// Renders `request` for `args` (already validated against the tool's input schema).
pub(crate) fn render(
    templates: &Templates,
    request: &CompiledRequest,
    base: &Url,
    args: &Map<String, Value>,
) -> Result<RenderedRequest, RenderError> {
    let jinja = std::cell::OnceCell::new();
    let ctx = || jinja.get_or_init(|| to_jinja(args)).clone();

    let path = match &request.path {
        PathTemplate::Literal(p) => p.clone(),
        PathTemplate::Parts(parts) => {
            for variable in request.path_variables.iter() {
                check_path_argument(variable, args.get(variable))?;
            }
            super::template::render_parts(parts, args)?
        }
        PathTemplate::Template(name) => {
            for variable in request.path_variables.iter() {
                check_path_argument(variable, args.get(variable))?;
            }
            templates.render_path(name, &ctx())?
        }
    };
    let longest_path = base.as_str().len() + path.len();
    if longest_path > MAX_URL {
        return Err(RenderError::UrlTooLong(longest_path));
    }
    if !path.starts_with('/') {
        return Err(RenderError::RelativePath(path));
    }

    let mut url = base.clone();
    let joined = format!("{}{}", base.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    if !request.query.is_empty() {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (key, template) in &request.query {
            if let Some(value) = templates.render(template, args, &ctx)? {
                query_strings(&value, &mut pairs, key)?;
            }
        }
        if !pairs.is_empty() {
            let mut query = url.query_pairs_mut();
            for (k, v) in pairs {
                query.append_pair(k, &v);
            }
        }
    }

    if url.as_str().len() > MAX_URL {
        return Err(RenderError::UrlTooLong(url.as_str().len()));
    }

    let mut headers = Vec::with_capacity(request.headers.len());
    for (name, template) in &request.headers {
        if let Some(value) = templates.render(template, args, &ctx)? {
            let text = scalar_text(&value)?;
            if text.chars().any(|c| c.is_control() && c != '\t') {
                return Err(RenderError::BadHeader(name.clone()));
            }
            if text.len() > MAX_HEADER {
                return Err(RenderError::HeaderTooLong {
                    name: name.clone(),
                    length: text.len(),
                });
            }
            headers.retain(|(n, _): &(String, String)| !n.eq_ignore_ascii_case(name));
            headers.push((name.clone(), text));
        }
    }

    let body = match &request.body {
        BodyTemplate::None => None,
        BodyTemplate::Args => {
            let rest: Map<String, Value> = args
                .iter()
                .filter(|(k, v)| {
                    !request.path_variables.contains(k)
                        && !request.query_variables.contains(k)
                        && !v.is_null()
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Some(Value::Object(rest))
        }
        BodyTemplate::Value(template) => templates.render(template, args, &ctx)?,
    };
    if let Some(body) = &body {
        check_exact_numbers(body)?;
    }

    Ok(RenderedRequest {
        method: request.method,
        url,
        headers,
        body,
    })
}

fn check_path_argument(name: &str, value: Option<&Value>) -> Result<(), RenderError> {
    let bad = |reason: &str| RenderError::BadPathValue {
        name: name.to_owned(),
        reason: reason.to_owned(),
    };
    match value {
        None | Some(Value::Null) => Err(RenderError::MissingPathValue(name.to_owned())),
        Some(Value::Object(_)) | Some(Value::Array(_)) => {
            Err(bad("it must be a string or a number"))
        }
        Some(Value::String(s)) if s.len() > MAX_PATH_VALUE => Err(RenderError::PathValueTooLong {
            name: name.to_owned(),
            length: s.len(),
        }),
        Some(Value::String(s)) => check_segment(s).map_err(|e| bad(&e.0)),
        Some(number) => scalar_text(number).map(|_| ()).map_err(|e| bad(&e.0)),
    }
}

/// Query values: scalars as text, lists as repeated keys, objects as JSON.
fn query_strings<'k>(
    value: &Value,
    pairs: &mut Vec<(&'k str, String)>,
    key: &'k str,
) -> Result<(), RenderError> {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for v in items.iter().filter(|v| !v.is_null()) {
                pairs.push((key, scalar_text(v)?));
            }
        }
        other => pairs.push((key, scalar_text(other)?)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compile(
        t: &mut Templates,
        path: &str,
        query: Value,
        headers: Value,
        body: BodyTemplate,
    ) -> CompiledRequest {
        let (path_template, path_variables) = PathTemplate::compile(t, path).unwrap();
        let query: Vec<(String, Template)> = query
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), t.compile_value(v).unwrap()))
            .collect();
        let mut query_variables = BTreeSet::new();
        query
            .iter()
            .for_each(|(_, q)| t.variables(q, &mut query_variables));
        CompiledRequest {
            method: Method::Post,
            path: path_template,
            path_source: path.to_owned(),
            path_variables: path_variables.into(),
            query,
            query_variables: query_variables.into(),
            headers: headers
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), t.compile_value(v).unwrap()))
                .collect(),
            body,
            timeout: None,
        }
    }

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn renders_path_query_headers_and_args_body() {
        let mut t = Templates::new();
        let req = compile(
            &mut t,
            "/v1/envs/{{ env }}/services",
            json!({"deleted": "{{ deleted }}", "tag": "{{ tags }}", "none": "{{ nothing }}"}),
            json!({"X-Trace": "id-{{ trace }}"}),
            BodyTemplate::Args,
        );
        let base = Url::parse("http://127.0.0.1:9/api/").unwrap();
        let t = t.snapshot();
        let out = render(&t, &req, &base, &args(json!({"env": "e 1", "deleted": true, "tags": ["a", "b"], "trace": 7, "name": "web", "count": 2}))).unwrap();
        assert_eq!(
            out.url.as_str(),
            "http://127.0.0.1:9/api/v1/envs/e%201/services?deleted=true&tag=a&tag=b"
        );
        assert_eq!(out.headers, vec![("X-Trace".to_owned(), "id-7".to_owned())]);
        assert_eq!(
            out.body,
            Some(json!({"name": "web", "count": 2, "trace": 7}))
        );
    }

    #[test]
    fn refuses_injection_in_path_and_headers() {
        let mut t = Templates::new();
        let req = compile(
            &mut t,
            "/v1/items/{{ id }}",
            json!({}),
            json!({"X-Name": "{{ name }}"}),
            BodyTemplate::None,
        );
        let base = Url::parse("https://api.example.com").unwrap();
        let t = t.snapshot();
        let ok = render(
            &t,
            &req,
            &base,
            &args(json!({"id": "../admin?x=1", "name": "n"})),
        )
        .unwrap();
        assert_eq!(
            ok.url.as_str(),
            "https://api.example.com/v1/items/..%2Fadmin%3Fx%3D1"
        );
        assert_eq!(ok.url.host_str(), Some("api.example.com"));
        let pre = render(&t, &req, &base, &args(json!({"id": "%2F"}))).unwrap();
        assert_eq!(pre.url.path(), "/v1/items/%252F");
        assert_eq!(
            render(&t, &req, &base, &args(json!({"id": ".."}))).unwrap_err(),
            RenderError::BadPathValue {
                name: "id".into(),
                reason: "`..` cannot be a path segment".into()
            }
        );
        assert_eq!(
            render(&t, &req, &base, &args(json!({}))).unwrap_err(),
            RenderError::MissingPathValue("id".into())
        );
        assert_eq!(
            render(
                &t,
                &req,
                &base,
                &args(json!({"id": "a", "name": "x\r\nEvil: 1"}))
            )
            .unwrap_err(),
            RenderError::BadHeader("X-Name".into())
        );
    }

    #[test]
    fn each_type_renders_one_way_and_inexact_or_huge_values_are_refused() {
        let mut t = Templates::new();
        let req = compile(
            &mut t,
            "/v1/{{ kind }}/{{ flag ~ '' if false else flag }}/{{ n }}",
            json!({"flag": "{{ flag }}", "n": "{{ n }}"}),
            json!({"X-N": "{{ n }}"}),
            BodyTemplate::Args,
        );
        let base = Url::parse("http://h").unwrap();
        let t = t.snapshot();
        let out = render(
            &t,
            &req,
            &base,
            &args(json!({"kind": "a", "flag": true, "n": 1.5})),
        )
        .unwrap();
        assert_eq!(out.url.as_str(), "http://h/v1/a/true/1.5?flag=true&n=1.5");
        assert_eq!(out.headers[0].1, "1.5");
        let big: Value = serde_json::from_str("18446744073709551616").unwrap();
        for (name, value) in [("n", big.clone()), ("kind", big)] {
            let mut a = args(json!({"kind": "a", "flag": true, "n": 1}));
            a.insert(name.to_owned(), value);
            let err = render(&t, &req, &base, &a).unwrap_err().to_string();
            assert!(err.contains("beyond what can be sent exactly"), "{err}");
        }
        let long = "a".repeat(MAX_PATH_VALUE + 1);
        let err = render(
            &t,
            &req,
            &base,
            &args(json!({"kind": long, "flag": true, "n": 1})),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("may have at most 1024"), "{err}");
        let err = render(
            &t,
            &req,
            &base,
            &args(json!({"kind": "a", "flag": true, "n": 1, "extra": 18446744073709551615.0})),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("beyond what can be sent exactly"), "{err}");
    }

    #[test]
    fn templated_body_keeps_types_and_drops_nulls() {
        let mut t = Templates::new();
        let body = t.compile_value(&json!({"name": "{{ name }}", "countMin": "{{ min }}", "fixed": {"type": "classic"}})).unwrap();
        let req = compile(
            &mut t,
            "/v1/x",
            json!({}),
            json!({}),
            BodyTemplate::Value(body),
        );
        let out = render(
            &t,
            &req,
            &Url::parse("http://h").unwrap(),
            &args(json!({"name": "a", "min": null})),
        )
        .unwrap();
        assert_eq!(
            out.body,
            Some(json!({"name": "a", "fixed": {"type": "classic"}}))
        );
    }
}
