//! `registry/<folder>/_toolset.yaml`: what a folder of tools shares.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::AnnotationsDef;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ToolsetFile {
    #[serde(default)]
    pub description: Option<String>,
    /// `false` serves the toolset only when it is named with `--toolsets`.
    #[serde(default = "yes")]
    pub default: bool,
    #[serde(default)]
    pub annotations: AnnotationsDef,
    #[serde(default)]
    pub headers: Map<String, Value>,
    #[serde(default)]
    pub timeout_seconds: Option<f64>,
}

impl Default for ToolsetFile {
    fn default() -> Self {
        Self {
            description: None,
            default: true,
            annotations: AnnotationsDef::default(),
            headers: Map::new(),
            timeout_seconds: None,
        }
    }
}

fn yes() -> bool {
    true
}
