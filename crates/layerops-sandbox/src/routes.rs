//! The HTTP face of the sandbox: the paths, verbs and auth header of the LayerOps API.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Duration;
use serde_json::Value;

use super::analysis;
use super::errors::ApiError;
use super::ids::is_uuid;
use super::validate::object_body;
use super::world::World;

type Shared = Arc<Mutex<World>>;

/// Locks the world; a poisoned lock (a panic elsewhere) still gives the data.
fn world(state: &Shared) -> std::sync::MutexGuard<'_, World> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

fn reply(status: StatusCode, result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(v) => (status, axum::Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

fn uuid(id: &str) -> Result<(), ApiError> {
    if is_uuid(id) {
        Ok(())
    } else {
        Err(ApiError::bad_request_one(
            "Validation failed (uuid is expected)",
        ))
    }
}

fn query(raw: Option<String>) -> HashMap<String, String> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    })
    .unwrap_or_default()
}

/// Runs `op` on the world for a path uuid and a JSON body.
fn with_body(
    state: &Shared,
    id: &str,
    body: &Bytes,
    status: StatusCode,
    op: impl FnOnce(&mut World, &str, &serde_json::Map<String, Value>) -> Result<Value, ApiError>,
) -> Response {
    let result = uuid(id)
        .and_then(|_| object_body(body))
        .and_then(|b| op(&mut world(state), id, &b));
    reply(status, result)
}

fn read(
    state: &Shared,
    id: &str,
    op: impl FnOnce(&World, &str) -> Result<Value, ApiError>,
) -> Response {
    reply(StatusCode::OK, uuid(id).and_then(|_| op(&world(state), id)))
}

fn write(
    state: &Shared,
    id: &str,
    op: impl FnOnce(&mut World, &str) -> Result<Value, ApiError>,
) -> Response {
    reply(
        StatusCode::OK,
        uuid(id).and_then(|_| op(&mut world(state), id)),
    )
}

pub fn router(state: World, api_key: String) -> Router {
    let state: Shared = Arc::new(Mutex::new(state));
    Router::new()
        .route(
            "/v1/workspaces",
            get(|State(s): State<Shared>, RawQuery(q): RawQuery| async move {
                let with_envs = query(q).get("includeEnvironmentAndProviders").is_some_and(|v| v == "true");
                reply(StatusCode::OK, Ok(world(&s).list_workspaces(with_envs)))
            })
            .post(|State(s): State<Shared>, body: Bytes| async move { reply(StatusCode::CREATED, object_body(&body).and_then(|b| world(&s).create_workspace(&b))) }),
        )
        .route("/v1/workspaces/{id}", axum::routing::delete(|State(s): State<Shared>, Path(id): Path<String>| async move { write(&s, &id, |w, id| w.delete_workspace(id)) }))
        .route(
            "/v1/workspaces/{id}/environments",
            get(|State(s): State<Shared>, Path(id): Path<String>| async move { read(&s, &id, |w, id| w.list_environments(id)) })
                .post(|State(s): State<Shared>, Path(id): Path<String>, body: Bytes| async move { with_body(&s, &id, &body, StatusCode::CREATED, |w, id, b| w.create_environment(id, b)) }),
        )
        .route(
            "/v1/environments/{id}",
            get(|State(s): State<Shared>, Path(id): Path<String>| async move { read(&s, &id, |w, id| w.get_environment(id)) })
                .delete(|State(s): State<Shared>, Path(id): Path<String>| async move { write(&s, &id, |w, id| w.delete_environment(id)) }),
        )
        .route("/v1/providers/{id}/instancesTypes", get(|State(s): State<Shared>, Path(id): Path<String>| async move { read(&s, &id, |w, id| w.instance_types(id)) }))
        .route("/v1/environments/{id}/instancePools", get(|State(s): State<Shared>, Path(id): Path<String>| async move { read(&s, &id, |w, id| w.list_pools(id)) }))
        .route(
            "/v1/providers/{id}/instancePools",
            axum::routing::post(|State(s): State<Shared>, Path(id): Path<String>, body: Bytes| async move { with_body(&s, &id, &body, StatusCode::CREATED, |w, id, b| w.create_pool(id, b)) }),
        )
        .route(
            "/v1/instancePools/{id}",
            get(|State(s): State<Shared>, Path(id): Path<String>| async move { read(&s, &id, |w, id| w.get_pool(id)) })
                .put(|State(s): State<Shared>, Path(id): Path<String>, body: Bytes| async move { with_body(&s, &id, &body, StatusCode::OK, |w, id, b| w.update_pool(id, b)) })
                .patch(|State(s): State<Shared>, Path(id): Path<String>, body: Bytes| async move { with_body(&s, &id, &body, StatusCode::OK, |w, id, b| w.update_pool(id, b)) })
                .delete(|State(s): State<Shared>, Path(id): Path<String>| async move { write(&s, &id, |w, id| w.delete_pool(id)) }),
        )
        .route(
            "/v1/environments/{id}/services",
            get(|State(s): State<Shared>, Path(id): Path<String>| async move { read(&s, &id, |w, id| w.list_services(id)) })
                .post(|State(s): State<Shared>, Path(id): Path<String>, body: Bytes| async move { with_body(&s, &id, &body, StatusCode::CREATED, |w, id, b| w.create_service(id, b)) }),
        )
        .route("/v1/services/exampleImportYml", get(|| async { ([(header::CONTENT_TYPE, "text/yaml; charset=utf-8")], EXAMPLE_IMPORT) }))
        .route(
            "/v1/services/{id}",
            get(|State(s): State<Shared>, Path(id): Path<String>| async move { read(&s, &id, |w, id| w.get_service(id)) })
                .put(|State(s): State<Shared>, Path(id): Path<String>, body: Bytes| async move { with_body(&s, &id, &body, StatusCode::OK, |w, id, b| w.update_service(id, b)) })
                .patch(|State(s): State<Shared>, Path(id): Path<String>, body: Bytes| async move { with_body(&s, &id, &body, StatusCode::OK, |w, id, b| w.update_service(id, b)) })
                .delete(|State(s): State<Shared>, Path(id): Path<String>| async move { write(&s, &id, |w, id| w.delete_service(id)) }),
        )
        .route(
            "/v1/environments/{id}/events",
            get(|State(s): State<Shared>, Path(id): Path<String>| async move { read(&s, &id, |w, id| w.environment(id).map(|_| w.events(|e| e.environment_uuid == id))) }),
        )
        .route(
            "/v1/services/{id}/events",
            get(|State(s): State<Shared>, Path(id): Path<String>| async move { read(&s, &id, |w, id| w.service(id).map(|_| w.events(|e| e.resource_uuid == id))) }),
        )
        .route(
            "/v1/instancePools/{id}/events",
            get(|State(s): State<Shared>, Path(id): Path<String>| async move { read(&s, &id, |w, id| w.pool(id).map(|_| w.events(|e| e.resource_uuid == id))) }),
        )
        .route(
            "/v1/environments/{id}/analyze",
            get(|State(s): State<Shared>, Path(id): Path<String>, RawQuery(q): RawQuery| async move {
                let q = query(q);
                let window = analysis::window(q.get("startTime").map(String::as_str), q.get("endTime").map(String::as_str), Duration::days(30));
                read(&s, &id, |w, id| window.and_then(|(start, end)| analysis::analyze(w, id, start, end)))
            }),
        )
        .route(
            "/v1/environments/{id}/monitoring/{kind}/{resource}",
            get(|State(s): State<Shared>, Path((id, kind, resource)): Path<(String, String, String)>, RawQuery(q): RawQuery| async move {
                let q = query(q);
                let window = analysis::window(q.get("startTime").map(String::as_str), q.get("endTime").map(String::as_str), Duration::hours(1));
                let result = uuid(&resource).and(window).and_then(|(start, end)| {
                    uuid(&id)?;
                    analysis::monitoring(&world(&s), &id, &kind, &resource, start, end, q.get("step").map(String::as_str))
                });
                reply(StatusCode::OK, result)
            }),
        )
        .fallback(|request: Request| async move { ApiError::route_not_found(request.method().as_str(), request.uri().path()).into_response() })
        .layer(middleware::from_fn_with_state(Arc::new(api_key), guard))
        .with_state(state)
}

/// Checks `X-API-KEY`. A known path with another verb answers like an unknown route, 404
/// `Cannot <METHOD> <path>`: that is what the NestJS (Express) backend does, not 405.
async fn guard(State(key): State<Arc<String>>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok());
    if given != Some(key.as_str()) {
        return ApiError::unauthorized().into_response();
    }
    let (method, path) = (
        request.method().to_string(),
        request.uri().path().to_owned(),
    );
    let response = next.run(request).await;
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        return ApiError::route_not_found(&method, &path).into_response();
    }
    response
}

/// What `/v1/services/exampleImportYml?format=text` returns: the import format of services.
const EXAMPLE_IMPORT: &str = r#"services:
  - name: web
    type: classic
    dockerConfiguration:
      image: nginx
      imageVersion: "1.27"
      isPrivateRegistry: false
    countMin: 1
    countMax: 3
    cpuLimit: 100
    memoryLimitMiB: 512
    ports:
      - listeningPort: 80
        protocol: tcp
        healthCheck:
          healthCheckEnabled: true
          healthCheckType: HTTP
          healthCheckPath: /
          healthCheckMethod: GET
          healthCheckTimeoutSeconds: 5
          healthCheckIntervalSeconds: 30
        loadBalancerRules:
          - publicPort: 443
            customDomains: [www.example.com]
    environmentVariables:
      - key: APP_ENV
        value: production
        isSensitive: false
  - name: nightly-job
    type: classic
    dockerConfiguration:
      image: busybox
      imageVersion: latest
      command: [sh, -c, "echo hi"]
    cronExpression: "0 3 * * *"
    cronAllowOverlap: false
"#;
