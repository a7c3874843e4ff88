//! One tool call from arguments to result: validate, render, send (or show, in dry-run),
//! shape the answer. Shared by the MCP server and the `call` command.

mod pretty;
mod result;
mod validate;

use rmcp::model::{CallToolResult, ContentBlock, JsonObject};
use serde_json::{Map, Value, json};

use crate::catalog::{Catalog, ToolEntry};
use crate::request::render::render;
use crate::upstream::HttpClient;

pub use validate::validation_errors;

/// Refusals that are protocol errors rather than tool results.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("unknown tool `{name}`{hint}")]
    UnknownTool { name: String, hint: String },
    #[error("tool `{name}` is not served: {reason}")]
    NotServed { name: String, reason: String },
}

#[derive(Clone)]
pub struct Caller {
    http: HttpClient,
    dry_run: bool,
}

impl Caller {
    pub fn new(http: HttpClient, dry_run: bool) -> Self {
        Self { http, dry_run }
    }

    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// Runs one call. Cancellation is the caller's: drop the future to stop the HTTP call.
    pub async fn call(
        &self,
        catalog: &Catalog,
        name: &str,
        arguments: Option<JsonObject>,
    ) -> Result<CallToolResult, CallError> {
        let entry = match catalog.tools.get(name) {
            Some(entry) => entry,
            None => return Err(refusal(catalog, name)),
        };
        Ok(self
            .call_entry(catalog, entry, arguments.unwrap_or_default())
            .await)
    }

    async fn call_entry(
        &self,
        catalog: &Catalog,
        entry: &ToolEntry,
        args: Map<String, Value>,
    ) -> CallToolResult {
        let args_value = Value::Object(args);
        let problems = validation_errors(&entry.validator, &args_value);
        if !problems.is_empty() {
            return error_text(format!(
                "Invalid arguments for {}:\n{}\nFix the arguments and call again.",
                entry.tool.name,
                problems.join("\n")
            ));
        }
        let Value::Object(args) = args_value else {
            unreachable!("built from an object above")
        };
        let Some(upstream) = catalog.upstream.as_ref() else {
            return error_text("The server has no upstream API: registry/_server.yaml is missing or invalid. Run `layerops-mcp check` to see why.".to_owned());
        };
        let request = match render(
            &catalog.templates,
            &entry.request,
            &upstream.base_url,
            &args,
        ) {
            Ok(r) => r,
            Err(e) => {
                return error_text(format!(
                    "Cannot build the request for {}: {e}.",
                    entry.tool.name
                ));
            }
        };
        if self.dry_run {
            return result::dry_run(upstream, &request);
        }
        if let Some(message) = upstream.missing_credentials_message() {
            return error_text(message);
        }
        let timeout = entry.request.timeout.unwrap_or(upstream.timeout);
        match self
            .http
            .send(upstream, &request, timeout, entry.idempotent)
            .await
        {
            Ok(response) => result::shape(
                entry,
                upstream,
                &request,
                response,
                &catalog.templates,
                &args,
            ),
            Err(e) => error_text(upstream.scrub(&format!(
                "{} {} failed: {e}.",
                request.method.as_str(),
                request.url.path()
            ))),
        }
    }
}

fn refusal(catalog: &Catalog, name: &str) -> CallError {
    if let Some((_, reason)) = catalog.unserved.get(name) {
        return CallError::NotServed {
            name: name.to_owned(),
            reason: reason.clone(),
        };
    }
    let close: Vec<&str> = catalog
        .tools
        .keys()
        .filter(|k| similar(k, name))
        .map(String::as_str)
        .take(3)
        .collect();
    let hint = if close.is_empty() {
        "; call tools/list to see the tools".to_owned()
    } else {
        format!("; did you mean {}?", close.join(", "))
    };
    CallError::UnknownTool {
        name: name.to_owned(),
        hint,
    }
}

fn similar(candidate: &str, name: &str) -> bool {
    let (a, b) = (candidate.to_ascii_lowercase(), name.to_ascii_lowercase());
    !b.is_empty()
        && (a.contains(&b) || b.contains(&a) || a.replace('-', "_") == b.replace('-', "_"))
}

pub(crate) fn error_text(text: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text)])
}

/// The JSON shown for a dry run and by the `call` command.
pub fn dry_run_json(
    method: &str,
    url: &str,
    headers: Vec<(String, String)>,
    body: Option<&Value>,
) -> Value {
    let headers: Map<String, Value> = headers
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    json!({ "dryRun": true, "method": method, "url": url, "headers": headers, "body": body })
}
