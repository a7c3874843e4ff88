//! `resources/**/*.md`: a markdown document with front matter, served as an MCP resource.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceFrontMatter {
    /// The resource's URI; or, for a family of resources, `uri_template`.
    #[serde(default)]
    pub uri: Option<String>,
    /// An RFC 6570 template of simple `{name}` expressions (`test://items/{id}`): the body is
    /// a minijinja template over those names, rendered for each URI read.
    #[serde(default)]
    pub uri_template: Option<String>,
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "markdown", rename = "mimeType")]
    pub mime_type: String,
    /// `base64`: the body is binary data written in base64, served as a blob.
    #[serde(default)]
    pub encoding: Option<Encoding>,
    /// For a `uri_template`: where completion finds values of each variable (as a prompt
    /// argument's `complete:`).
    #[serde(default)]
    pub complete: std::collections::BTreeMap<String, super::prompt::CompleteFrom>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Encoding {
    Base64,
}

fn markdown() -> String {
    "text/markdown".to_owned()
}
