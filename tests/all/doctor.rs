//! `layerops-mcp doctor`: what works on an account, found with GET requests only.

use std::process::{Command, Output};

use crate::common::http::{MockApi, Reply};
use crate::common::*;
use serde_json::{Value, json};

const ENV: &str = "9b2f1c3e-5d4a-4f6b-8c7d-1e2f3a4b5c6d";
const PROVIDER: &str = "4a5b6c7d-8e9f-4a1b-9c2d-3e4f5a6b7c8d";

fn doctor(base_url: Option<&str>, extra: &[&str]) -> Output {
    let mut command = Command::new(bin());
    command
        .arg("doctor")
        .args(extra)
        .args(["--format", "json"])
        .current_dir(std::env::temp_dir())
        .env_remove("LAYEROPS_API_BASE_URL")
        .env_remove("LAYEROPS_API_KEY_ID")
        .env_remove("LAYEROPS_API_KEY_SECRET")
        .env("RUST_LOG", "warn");
    if let Some(url) = base_url {
        command
            .env("LAYEROPS_API_BASE_URL", url)
            .env("LAYEROPS_API_KEY_ID", KEY_ID)
            .env("LAYEROPS_API_KEY_SECRET", KEY_SECRET);
    }
    command.output().expect("run doctor")
}

fn statuses(report: &Value) -> std::collections::BTreeMap<String, String> {
    report["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| {
            (
                t["tool"].as_str().unwrap_or("").to_owned(),
                t["status"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn on_the_sandbox_every_read_tool_is_called_with_ids_it_found() {
    let out = doctor(None, &["--sandbox"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["credentials"], "accepted; the API answers");
    assert_eq!(report["projects"], json!(["Acme Shop", "Data Lab"]));
    let statuses = statuses(&report);
    for tool in [
        "layerops_list_projects",
        "layerops_get_project",
        "layerops_list_environments",
        "layerops_get_environment",
        "layerops_list_services",
        "layerops_get_service",
        "layerops_list_instance_pools",
        "layerops_get_instance_pool",
        "layerops_list_instance_types",
        "layerops_list_events",
        "layerops_get_event",
        "layerops_get_analytics",
    ] {
        assert_eq!(
            statuses.get(tool).map(String::as_str),
            Some("works"),
            "{tool}: {report}"
        );
    }
    // The sandbox, like the real API, has no role routes.
    assert_eq!(statuses["layerops_list_roles"], "route_absent");
    assert_eq!(statuses["layerops_get_role"], "skipped");
    // No tool that changes anything is ever called.
    assert!(
        !statuses
            .keys()
            .any(|t| t.contains("create") || t.contains("delete"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_tool_is_reported_works_absent_refused_or_differently_shaped() {
    let api = MockApi::start(|request, _| {
        let path = request.target.split('?').next().unwrap_or("").to_owned();
        match path.as_str() {
            "/v1/workspaces" => Reply::json(
                200,
                json!({"workspaces": [{"uuid": PROJECT, "name": "Mine", "environments": [{"uuid": ENV, "name": "prod", "providers": [{"uuid": PROVIDER}]}]}]}),
            ),
            p if p == format!("/v1/workspaces/{PROJECT}/environments") => {
                Reply::json(200, json!([{"uuid": ENV, "name": "prod"}]))
            }
            // Another shape than a list: no service ID can be found in it.
            p if p == format!("/v1/environments/{ENV}/services") => {
                Reply::json(200, json!({"items": [{"id": "s1"}]}))
            }
            p if p == format!("/v1/environments/{ENV}") => {
                Reply::json(403, json!({"statusCode": 403, "message": "Forbidden resource"}))
            }
            other => Reply::json(
                404,
                json!({"statusCode": 404, "message": format!("Cannot GET {other}"), "error": "Not Found"}),
            ),
        }
    })
    .await;
    let base = api.base_url.clone();
    let out = tokio::task::spawn_blocking(move || doctor(Some(&base), &[]))
        .await
        .expect("doctor");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let statuses = statuses(&report);
    assert_eq!(statuses["layerops_list_environments"], "works");
    assert_eq!(statuses["layerops_get_environment"], "refused");
    assert_eq!(statuses["layerops_list_instance_pools"], "route_absent");
    assert_eq!(statuses["layerops_get_service"], "skipped");
    let services: Vec<&Value> = report["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter(|t| t["tool"] == "layerops_list_services")
        .collect();
    assert!(
        services.iter().any(|t| t["status"] == "shape_differs"),
        "{report}"
    );
    let requests = api.requests();
    assert!(requests.len() > 5);
    assert!(
        requests.iter().all(|r| r.method == "GET"),
        "only GET is ever sent"
    );
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains(KEY_SECRET), "the report holds no secret");
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_credentials_stop_the_run_and_say_so() {
    let api = MockApi::json(401, json!({"statusCode": 401, "message": "Unauthorized"})).await;
    let base = api.base_url.clone();
    let out = tokio::task::spawn_blocking(move || doctor(Some(&base), &[]))
        .await
        .expect("doctor");
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let credentials = report["credentials"].as_str().expect("text");
    assert!(credentials.contains("HTTP 401"), "{credentials}");
    assert_eq!(api.requests().len(), 1, "nothing else is tried");
}
