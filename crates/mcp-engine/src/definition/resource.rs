//! `resources/**/*.md`: a markdown document with front matter, served as an MCP resource.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceFrontMatter {
    pub uri: String,
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "markdown", rename = "mimeType")]
    pub mime_type: String,
}

fn markdown() -> String {
    "text/markdown".to_owned()
}
