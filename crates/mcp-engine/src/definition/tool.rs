//! `registry/**/*.yaml`: one tool per file.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::AnnotationsDef;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ToolFile {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    pub description: String,
    pub input: Value,
    pub request: RequestDef,
    #[serde(default)]
    pub annotations: AnnotationsDef,
    #[serde(default)]
    pub response: Option<ResponseDef>,
    /// Lets the annotations decide safety against the HTTP method (a POST that only
    /// searches, say). Without it, only GET is read-only and DELETE is always destructive.
    #[serde(default)]
    pub unsafe_trust_annotations: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestDef {
    pub method: Method,
    pub path: String,
    #[serde(default)]
    pub query: Map<String, Value>,
    #[serde(default)]
    pub headers: Map<String, Value>,
    #[serde(default)]
    pub body: Option<Value>,
    /// Overrides the toolset's and the upstream's timeout for this tool.
    #[serde(default)]
    pub timeout_seconds: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResponseDef {
    /// JSON pointer into the upstream JSON; may hold templates over the arguments.
    #[serde(default)]
    pub select: Option<String>,
    /// Picks, in the selected list, the first item whose fields equal these values (which
    /// may be templates over the arguments): a "get one" made from a "list".
    #[serde(default)]
    pub find: Option<Map<String, Value>>,
    #[serde(default)]
    pub output_schema: Option<Value>,
    /// Fields left out of the answer, in every object at any depth: what the model never
    /// needs (internal ids, timestamps of no use), so it reads less.
    #[serde(default)]
    pub drop: Vec<String>,
    /// Only these fields of each listed item (or of the answer, when it is one object): a
    /// list that summarises, with a "get" tool for the rest.
    #[serde(default)]
    pub keep: Vec<String>,
    /// Leaves out fields whose value is null, at any depth: "absent" reads the same and
    /// costs nothing.
    #[serde(default)]
    pub drop_nulls: bool,
    /// At most this many items of the answer's list (the selected value, when a list): the
    /// rest is counted in a note instead of being cut mid-item.
    #[serde(default)]
    pub max_items: Option<usize>,
    /// How to narrow a list cut by `max_items`, said in the note: "narrow with ...".
    #[serde(default)]
    pub narrow_with: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether the method only reads (HTTP's "safe" methods).
    pub(crate) fn is_safe(self) -> bool {
        self == Method::Get
    }

    /// Defaults for MCP annotations: GET reads, PUT and DELETE are idempotent, DELETE
    /// destroys, and every tool talks to an external API.
    pub(crate) fn default_annotations(self) -> AnnotationsDef {
        AnnotationsDef {
            title: None,
            read_only_hint: Some(self == Method::Get),
            destructive_hint: Some(self == Method::Delete),
            idempotent_hint: Some(matches!(self, Method::Get | Method::Put | Method::Delete)),
            open_world_hint: Some(true),
        }
    }
}
