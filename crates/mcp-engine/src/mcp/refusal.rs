//! Clear answers to requests rmcp could not type: an unknown method, or a known one whose
//! params have the wrong shape (rmcp hands both over as custom requests).

// Logging levels are deprecated only from the 2026-07-28 protocol on; older sessions use them.
#![allow(deprecated)]

use rmcp::ErrorData as McpError;
use rmcp::model::{
    CallToolRequestParams, CompleteRequestParams, ErrorCode, GetPromptRequestParams,
    ReadResourceRequestParams, SetLevelRequestParams, SubscribeRequestParams,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

const METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
];

/// The error for a request that reached the handler untyped.
pub(super) fn untyped_request(method: &str, params: Option<Value>) -> McpError {
    let params = params.unwrap_or(Value::Null);
    let problem = match method {
        "tools/call" => shape_error::<CallToolRequestParams>(params),
        "resources/read" => shape_error::<ReadResourceRequestParams>(params),
        "resources/subscribe" | "resources/unsubscribe" => {
            shape_error::<SubscribeRequestParams>(params)
        }
        "prompts/get" => shape_error::<GetPromptRequestParams>(params),
        "completion/complete" => shape_error::<CompleteRequestParams>(params),
        "logging/setLevel" => shape_error::<SetLevelRequestParams>(params),
        m if METHODS.contains(&m) => Some("they do not have the shape the method needs".into()),
        _ => {
            let shown: String = method.chars().take(100).collect();
            return McpError::new(
                ErrorCode::METHOD_NOT_FOUND,
                format!(
                    "Unknown method `{shown}`. This server answers: {}.",
                    METHODS.join(", ")
                ),
                None,
            );
        }
    };
    let why = problem.unwrap_or_else(|| "they do not have the shape the method needs".into());
    McpError::invalid_params(
        format!("Invalid params for {method}: {why}. See the MCP specification of {method}."),
        None,
    )
}

fn shape_error<T: DeserializeOwned>(params: Value) -> Option<String> {
    serde_json::from_value::<T>(params)
        .err()
        .map(|e| e.to_string())
}
