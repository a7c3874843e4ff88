//! Error bodies in the NestJS shape the real API most likely uses (unverified, so kept in
//! one place): `{"statusCode": 404, "message": "...", "error": "Not Found"}`, where a bad
//! request may carry a list of messages.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: Value,
}

impl ApiError {
    pub fn bad_request(messages: Vec<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: Value::from(messages),
        }
    }

    pub fn bad_request_one(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: Value::String(message.into()),
        }
    }

    pub fn not_found(what: &str, uuid: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: Value::String(format!("{what} {uuid} not found")),
        }
    }

    pub fn route_not_found(method: &str, path: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: Value::String(format!("Cannot {method} {path}")),
        }
    }

    pub fn unauthorized() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            message: Value::String("Unauthorized".into()),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::CONFLICT,
            message: Value::String(message.into()),
        }
    }

    pub fn body(&self) -> Value {
        let mut body = json!({ "statusCode": self.status.as_u16(), "message": self.message });
        if self.status != StatusCode::UNAUTHORIZED {
            body["error"] =
                Value::String(self.status.canonical_reason().unwrap_or("Error").to_owned());
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}
