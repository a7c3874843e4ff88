//! `registry/_server.yaml`: who the server is and which HTTP API it talks to.

use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServerFile {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub instructions: Option<String>,
    /// Tools per tools/list page; all in one page when absent.
    #[serde(default)]
    pub page_size: Option<usize>,
    pub upstream: UpstreamDef,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpstreamDef {
    /// May use `env(name, default)`.
    pub base_url: String,
    /// May use `env(name, default)` and `secret(name)`.
    #[serde(default)]
    pub headers: Map<String, Value>,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: f64,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_seconds: f64,
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    #[serde(default = "default_max_response_bytes")]
    pub max_response_bytes: usize,
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Told to the user when a call lacks credentials: where to get them.
    #[serde(default)]
    pub credentials_help: Option<String>,
}

fn default_timeout() -> f64 {
    30.0
}
fn default_connect_timeout() -> f64 {
    10.0
}
fn default_max_in_flight() -> usize {
    32
}
fn default_max_response_bytes() -> usize {
    100 * 1024
}
fn default_retries() -> u32 {
    2
}
