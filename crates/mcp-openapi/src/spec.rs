//! The operations of a document, the same whatever its version.

use serde_json::{Map, Value};

use crate::schema::{follow, resolve};

/// Why a document cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// Not valid JSON.
    #[error("the document is not valid JSON: {0}")]
    Json(String),
    /// Not valid YAML.
    #[error("the document is neither JSON nor valid YAML: {0}")]
    Yaml(String),
    /// Valid, but not an API description.
    #[error(
        "this is not an OpenAPI 3.x or Swagger 2.0 document (no `openapi` or `swagger` field with `paths`); give the JSON or YAML document, or the swagger-ui-init.js that embeds it"
    )]
    NotADocument,
}

/// An API description: its operations, in the document's order.
#[derive(Debug, Clone)]
pub struct Spec {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// Every operation of every path.
    pub operations: Vec<Operation>,
    /// Header names the security schemes use (an API key header): not tool parameters.
    pub auth_headers: Vec<String>,
}

/// One method on one path.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Upper-case HTTP method.
    pub method: String,
    /// The path with the base path of the servers (or Swagger's `basePath`) in front.
    pub path: String,
    /// `operationId`, if any.
    pub operation_id: Option<String>,
    /// `summary`, if any.
    pub summary: Option<String>,
    /// `description`, if any.
    pub description: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// Path, query and header parameters (cookies are left out).
    pub parameters: Vec<Parameter>,
    /// The JSON body's schema, resolved.
    pub body: Option<Value>,
    /// Whether the body is required.
    pub body_required: bool,
    /// The body's description.
    pub body_description: Option<String>,
    /// The schema of the JSON answer of the first 2xx response, resolved.
    pub response: Option<Value>,
}

/// A parameter of an operation.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// Its name as sent.
    pub name: String,
    /// `path`, `query` or `header`.
    pub location: String,
    /// Required (always for path parameters).
    pub required: bool,
    /// Its description.
    pub description: Option<String>,
    /// Its schema, resolved.
    pub schema: Value,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl Spec {
    /// Reads a document's text: JSON, YAML or a `swagger-ui-init.js`.
    pub fn parse(text: &str) -> Result<Spec, SpecError> {
        let doc = crate::document::parse(text)?;
        Spec::from_value(&doc)
    }

    /// Reads an already parsed document.
    pub fn from_value(doc: &Value) -> Result<Spec, SpecError> {
        let swagger2 = doc.get("swagger").is_some();
        if !(swagger2 || doc.get("openapi").is_some()) {
            return Err(SpecError::NotADocument);
        }
        let Some(Value::Object(paths)) = doc.get("paths") else {
            return Err(SpecError::NotADocument);
        };
        let base = base_path(doc, swagger2);
        let mut operations = Vec::new();
        for (path, item) in paths {
            let item = follow(doc, item);
            let shared: Vec<&Value> = item
                .get("parameters")
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                operations.push(operation(doc, &base, path, method, op, &shared, swagger2));
            }
        }
        Ok(Spec {
            title: text_at(doc, "/info/title").unwrap_or_else(|| "API".into()),
            version: text_at(doc, "/info/version").unwrap_or_default(),
            operations,
            auth_headers: auth_headers(doc, swagger2),
        })
    }
}

fn text_at(doc: &Value, pointer: &str) -> Option<String> {
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The path part of the first server URL (`https://host/v1` gives `/v1`), or Swagger 2.0's
/// `basePath`: tool paths start from the host.
fn base_path(doc: &Value, swagger2: bool) -> String {
    let raw = if swagger2 {
        text_at(doc, "/basePath").unwrap_or_default()
    } else {
        let url = text_at(doc, "/servers/0/url").unwrap_or_default();
        match url.split_once("://") {
            Some((_, rest)) => rest
                .find('/')
                .map(|i| rest[i..].to_owned())
                .unwrap_or_default(),
            None => url,
        }
    };
    raw.trim_end_matches('/').to_owned()
}

fn auth_headers(doc: &Value, swagger2: bool) -> Vec<String> {
    let pointer = if swagger2 {
        "/securityDefinitions"
    } else {
        "/components/securitySchemes"
    };
    let mut out = vec!["Authorization".to_owned()];
    if let Some(Value::Object(schemes)) = doc.pointer(pointer) {
        for scheme in schemes.values() {
            let scheme = follow(doc, scheme);
            if scheme.get("type").and_then(Value::as_str) == Some("apiKey")
                && scheme.get("in").and_then(Value::as_str) == Some("header")
                && let Some(name) = scheme.get("name").and_then(Value::as_str)
            {
                out.push(name.to_owned());
            }
        }
    }
    out
}

fn operation(
    doc: &Value,
    base: &str,
    path: &str,
    method: &str,
    op: &Value,
    shared: &[&Value],
    swagger2: bool,
) -> Operation {
    let mut parameters: Vec<Parameter> = Vec::new();
    let mut form = Map::new();
    let mut form_required = Vec::new();
    let mut body = None;
    let mut body_required = false;
    let mut body_description = None;
    let own: Vec<&Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    // An operation's parameter overrides the path's one of the same name and place.
    let mut all: Vec<&Value> = Vec::new();
    for p in shared.iter().chain(own.iter()) {
        let p = follow(doc, p);
        let key = (p.get("name").cloned(), p.get("in").cloned());
        all.retain(|q| (q.get("name").cloned(), q.get("in").cloned()) != key);
        all.push(p);
    }
    for p in all {
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let location = p.get("in").and_then(Value::as_str).unwrap_or_default();
        let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
        let description = p
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        match location {
            "body" => {
                body = p.get("schema").map(|s| resolve(doc, s));
                body_required = required;
                body_description = description;
            }
            "formData" => {
                form.insert(name.clone(), parameter_schema(doc, p));
                if required {
                    form_required.push(Value::String(name));
                }
            }
            "path" | "query" | "header" => parameters.push(Parameter {
                name,
                location: location.to_owned(),
                required: required || location == "path",
                description,
                schema: parameter_schema(doc, p),
            }),
            _ => {}
        }
    }
    if !swagger2 && let Some(request_body) = op.get("requestBody") {
        let request_body = follow(doc, request_body);
        body_required = request_body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        body_description = request_body
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(Value::Object(content)) = request_body.get("content") {
            let chosen = content
                .iter()
                .find(|(t, _)| t.contains("json"))
                .or_else(|| content.iter().next());
            body = chosen
                .and_then(|(_, media)| media.get("schema"))
                .map(|s| resolve(doc, s));
        }
    }
    if body.is_none() && !form.is_empty() {
        let mut schema = serde_json::json!({"type": "object", "properties": form});
        if !form_required.is_empty() {
            schema["required"] = Value::Array(form_required);
        }
        body = Some(schema);
    }
    let response = success_schema(doc, op, swagger2);
    Operation {
        response,
        method: method.to_ascii_uppercase(),
        path: format!("{base}{path}"),
        operation_id: op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        summary: op.get("summary").and_then(Value::as_str).map(str::to_owned),
        description: op
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned),
        tags: op
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        parameters,
        body,
        body_required,
        body_description,
    }
}

/// The JSON schema of the first 2xx answer (3.x: its JSON content; 2.0: its `schema`).
fn success_schema(doc: &Value, op: &Value, swagger2: bool) -> Option<Value> {
    let responses = op.get("responses")?.as_object()?;
    let (_, response) = responses.iter().find(|(code, _)| code.starts_with('2'))?;
    let response = follow(doc, response);
    let schema = if swagger2 {
        response.get("schema")?
    } else {
        let content = response.get("content")?.as_object()?;
        content
            .iter()
            .find(|(t, _)| t.contains("json"))?
            .1
            .get("schema")?
    };
    Some(resolve(doc, schema))
}

/// OpenAPI 3 puts a parameter's type under `schema`; Swagger 2.0 on the parameter itself.
fn parameter_schema(doc: &Value, p: &Value) -> Value {
    if let Some(schema) = p.get("schema") {
        return resolve(doc, schema);
    }
    let mut schema = Map::new();
    for key in [
        "type",
        "format",
        "enum",
        "items",
        "default",
        "minimum",
        "maximum",
        "pattern",
        "minLength",
        "maxLength",
    ] {
        if let Some(v) = p.get(key) {
            schema.insert(key.into(), v.clone());
        }
    }
    resolve(doc, &Value::Object(schema))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn swagger_2_and_openapi_3_give_the_same_operations() {
        let v2 = json!({"swagger": "2.0", "basePath": "/v1", "paths": {"/items/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}],
            "put": {"operationId": "updateItem", "parameters": [
                {"name": "body", "in": "body", "required": true, "schema": {"$ref": "#/definitions/Item"}},
                {"name": "dryRun", "in": "query", "type": "boolean"}]}}},
            "definitions": {"Item": {"type": "object", "properties": {"name": {"type": "string"}}}}});
        let v3 = json!({"openapi": "3.0.3", "servers": [{"url": "https://api.example.com/v1"}], "paths": {"/items/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "put": {"operationId": "updateItem",
                "parameters": [{"name": "dryRun", "in": "query", "schema": {"type": "boolean"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}}}},
            "components": {"schemas": {"Item": {"type": "object", "properties": {"name": {"type": "string"}}}}}});
        for doc in [v2, v3] {
            let spec = Spec::from_value(&doc).unwrap();
            let op = &spec.operations[0];
            assert_eq!(
                (op.method.as_str(), op.path.as_str()),
                ("PUT", "/v1/items/{id}")
            );
            assert_eq!(op.parameters.len(), 2);
            assert!(op.body_required);
            assert_eq!(
                op.body.as_ref().unwrap()["properties"]["name"]["type"],
                "string"
            );
        }
    }
}
