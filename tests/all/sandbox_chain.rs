//! The whole chain with no account: MCP client -> `layerops-mcp serve --sandbox` -> the
//! built-in sandbox, for create, read, update, scale and delete.

use crate::common::*;
use serde_json::{Value, json};

async fn start() -> Client {
    Launch::shipped("http://127.0.0.1:9")
        .without_env("LAYEROPS_API_BASE_URL")
        .without_env("LAYEROPS_API_KEY_ID")
        .without_env("LAYEROPS_API_KEY_SECRET")
        .arg("--sandbox")
        .start()
        .await
}

async fn json_call(client: &Client, tool: &str, arguments: Value) -> Value {
    let result = call(client, tool, arguments.clone()).await;
    assert!(!is_error(&result), "{tool} {arguments}: {}", text(&result));
    serde_json::from_str(&text(&result))
        .unwrap_or_else(|e| panic!("{tool}: not JSON ({e}): {}", text(&result)))
}

async fn production(client: &Client) -> String {
    let projects = json_call(
        client,
        "layerops_list_projects",
        json!({"includeEnvironments": true}),
    )
    .await;
    projects["workspaces"]
        .as_array()
        .expect("workspaces")
        .iter()
        .flat_map(|w| w["environments"].as_array().cloned().unwrap_or_default())
        .find(|e| e["name"] == "production")
        .and_then(|e| e["uuid"].as_str().map(str::to_owned))
        .expect("the demo world has a production environment")
}

#[tokio::test]
async fn create_read_update_scale_and_delete_a_service_with_no_account() {
    let client = start().await;
    let env = production(&client).await;
    let before = json_call(
        &client,
        "layerops_list_services",
        json!({"environmentId": env}),
    )
    .await;
    let names: Vec<&str> = before
        .as_array()
        .expect("services")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, vec!["web", "api", "postgres"]);

    let created = json_call(&client, "layerops_create_service", json!({
        "environmentId": env,
        "name": "cache",
        "dockerConfiguration": {"image": "redis", "imageVersion": "7"},
        "countMin": 1, "countMax": 1,
        "ports": [{"listeningPort": 6379, "protocol": "tcp"}],
        "environmentVariables": [{"key": "REDIS_PASSWORD", "value": "hunter2", "isSensitive": true}]
    })).await;
    let id = created["uuid"].as_str().expect("uuid").to_owned();
    assert_eq!(created["environmentVariables"][0]["value"], "********");

    let read = json_call(&client, "layerops_get_service", json!({"serviceId": id})).await;
    assert_eq!(read["name"], "cache");
    assert_eq!(read["dockerConfiguration"]["imageVersion"], "7");

    let updated = json_call(
        &client,
        "layerops_update_service",
        json!({"serviceId": id, "dockerConfiguration": {"image": "redis", "imageVersion": "7.4"}}),
    )
    .await;
    assert_eq!(updated["dockerConfiguration"]["imageVersion"], "7.4");

    let scaled = json_call(
        &client,
        "layerops_scale_service",
        json!({"serviceId": id, "countMin": 2, "countMax": 4}),
    )
    .await;
    assert_eq!(
        (
            scaled["countMin"].clone(),
            scaled["countMax"].clone(),
            scaled["runningCount"].clone()
        ),
        (json!(2), json!(4), json!(2))
    );

    let after = json_call(
        &client,
        "layerops_list_services",
        json!({"environmentId": env}),
    )
    .await;
    assert!(
        after
            .as_array()
            .expect("services")
            .iter()
            .any(|s| s["uuid"] == id.as_str() && s["countMax"] == 4)
    );

    let deleted = json_call(&client, "layerops_delete_service", json!({"serviceId": id})).await;
    assert_eq!(deleted["deleted"], true);
    let gone = call(&client, "layerops_get_service", json!({"serviceId": id})).await;
    assert!(is_error(&gone));
    assert!(
        text(&gone).contains("HTTP 404 Not Found")
            && text(&gone).contains(&format!("Service {id} not found")),
        "{}",
        text(&gone)
    );
    client.cancel().await.ok();
}

#[tokio::test]
async fn sandbox_errors_reach_the_model_as_tool_errors() {
    let client = start().await;
    let env = production(&client).await;
    let duplicate = call(&client, "layerops_create_service", json!({"environmentId": env, "name": "web", "dockerConfiguration": {"image": "nginx", "imageVersion": "1"}})).await;
    assert!(is_error(&duplicate));
    assert!(
        text(&duplicate).contains("HTTP 409 Conflict")
            && text(&duplicate).contains("already exists"),
        "{}",
        text(&duplicate)
    );
    let missing = call(
        &client,
        "layerops_list_services",
        json!({"environmentId": "00000000-0000-4000-8000-000000000000"}),
    )
    .await;
    assert!(
        is_error(&missing) && text(&missing).contains("HTTP 404"),
        "{}",
        text(&missing)
    );
    client.cancel().await.ok();
}
