//! `prompts/**/*.{j2,jinja,hbs}`: a prompt template with front matter declaring its arguments.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PromptFrontMatter {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub arguments: Vec<PromptArgumentDef>,
    /// URIs (templates over the arguments) of resources embedded after the text.
    #[serde(default)]
    pub resources: Vec<String>,
    /// Images shown after the text.
    #[serde(default)]
    pub images: Vec<ImageDef>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImageDef {
    /// The image in base64.
    pub data: String,
    #[serde(rename = "mimeType")]
    pub mime_type: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct PromptArgumentDef {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// Allowed values, offered by completion and checked on prompts/get.
    #[serde(default, rename = "enum")]
    pub allowed: Option<Vec<String>>,
    #[serde(default)]
    pub default: Option<String>,
    /// Where completion finds the values a person may pick (ids of things that exist).
    #[serde(default)]
    pub complete: Option<CompleteFrom>,
}

/// Values read by calling a read-only tool: the items at `items` (a JSON pointer in which
/// `*` stands for every element of a list) of its answer, each giving its value at `value`
/// and a label at `label` (matched against what was typed too).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CompleteFrom {
    pub tool: String,
    #[serde(default)]
    pub arguments: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub items: String,
    pub value: String,
    #[serde(default)]
    pub label: Option<String>,
}
