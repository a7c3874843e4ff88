//! Methods protocol 2026-07-28 removed (`initialize`, `logging/setLevel`,
//! `resources/subscribe`, `resources/unsubscribe`): a request of that version that calls one
//! gets 404 with JSON-RPC error -32601, as the protocol requires, whatever its params (the
//! SDK would first refuse the params, with -32602).

use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

const REMOVED: &[&str] = &[
    "initialize",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
];

/// The first protocol version without them.
const STATELESS: &str = "2026-07-28";

/// The removed method a request of protocol 2026-07-28 names in its `Mcp-Method` header.
fn removed_method(headers: &axum::http::HeaderMap) -> Option<String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    // Dates compare as text.
    let stateless = header("mcp-protocol-version").is_some_and(|v| v >= STATELESS);
    let method = header("mcp-method").filter(|m| REMOVED.contains(m))?;
    stateless.then(|| method.to_owned())
}

pub(crate) async fn refuse_removed_methods(
    axum::extract::State(max_body_bytes): axum::extract::State<usize>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let Some(method) = removed_method(request.headers()) else {
        return next.run(request).await;
    };
    // Only these requests are read here, to answer with their id.
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, max_body_bytes).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body is larger than {max_body_bytes} bytes.\n"),
        )
            .into_response();
    };
    let message: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if message.get("method").and_then(Value::as_str) != Some(method.as_str()) {
        // The header and the body disagree: the SDK answers that with its own error.
        let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
        return next.run(request).await;
    }
    let id = message.get("id").cloned().unwrap_or(Value::Null);
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {
                "code": -32601,
                "message": format!("Method not found: `{method}` is not part of protocol {STATELESS} (requests carry their own _meta; use server/discover and subscriptions/listen)"),
            },
        })),
    )
        .into_response()
}
