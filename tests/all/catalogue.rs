//! The shipped LayerOps catalogue: every tool of the default toolsets called through MCP,
//! once in dry-run (the exact request) and once against the sandbox (the result); the
//! unconfirmed toolset; every prompt rendered; every resource read; schema quality rules.

use std::collections::BTreeSet;

use crate::common::*;
use rmcp::model::{GetPromptRequestParams, ReadResourceRequestParams, ResourceContents};
use serde_json::{Value, json};

/// The tool names the predecessor exposed; users switching keep them.
const PREDECESSOR_TOOLS: [&str; 35] = [
    "layerops_list_projects",
    "layerops_get_project",
    "layerops_create_project",
    "layerops_delete_project",
    "layerops_list_environments",
    "layerops_get_environment",
    "layerops_create_environment",
    "layerops_delete_environment",
    "layerops_list_instances",
    "layerops_get_instance",
    "layerops_create_instance",
    "layerops_update_instance",
    "layerops_delete_instance",
    "layerops_start_instance",
    "layerops_stop_instance",
    "layerops_restart_instance",
    "layerops_list_instance_pools",
    "layerops_get_instance_pool",
    "layerops_create_instance_pool",
    "layerops_update_instance_pool",
    "layerops_delete_instance_pool",
    "layerops_list_services",
    "layerops_get_service",
    "layerops_create_service",
    "layerops_update_service",
    "layerops_delete_service",
    "layerops_scale_service",
    "layerops_list_events",
    "layerops_get_event",
    "layerops_get_instance_monitoring",
    "layerops_get_service_monitoring",
    "layerops_get_analytics",
    "layerops_list_roles",
    "layerops_get_role",
    "layerops_assign_role",
];

const RESOURCES: [&str; 20] = [
    "introduction",
    "api/introduction",
    "examples",
    "projects",
    "environments",
    "instances",
    "pools",
    "services",
    "marketplace",
    "security/api-keys",
    "security/platform-access",
    "security/git-repositories",
    "security/docker-registries",
    "security/s3-buckets",
    "monitoring",
    "events",
    "analytics",
    "rbac",
    "external-hosts",
    "multi-providers",
];

async fn sandbox(extra: &[&str]) -> Client {
    let mut launch = Launch::shipped("http://127.0.0.1:9")
        .without_env("LAYEROPS_API_BASE_URL")
        .without_env("LAYEROPS_API_KEY_ID")
        .without_env("LAYEROPS_API_KEY_SECRET")
        .arg("--sandbox");
    for a in extra {
        launch = launch.arg(a);
    }
    launch.start().await
}

#[tokio::test]
async fn the_shipped_server_introduces_itself_as_layerops() {
    let client = sandbox(&[]).await;
    let info = client.peer().peer_info().expect("server info");
    let implementation = info.server_info.as_ref().expect("implementation");
    assert_eq!(implementation.name, "layerops-mcp");
    assert_eq!(implementation.title.as_deref(), Some("LayerOps"));
    let instructions = info.instructions.as_deref().unwrap_or("");
    assert!(
        instructions.contains("workspaces") && instructions.contains("layerops://docs/"),
        "{instructions}"
    );
    client.cancel().await.ok();
}

/// Calls a tool that must succeed and returns its JSON (or text) result.
async fn ok(client: &Client, tool: &str, arguments: Value, called: &mut BTreeSet<String>) -> Value {
    called.insert(tool.to_owned());
    let result = call(client, tool, arguments.clone()).await;
    assert!(!is_error(&result), "{tool} {arguments}: {}", text(&result));
    serde_json::from_str(&text(&result)).unwrap_or_else(|_| Value::String(text(&result)))
}

fn uuid_of(v: &Value) -> String {
    v["uuid"]
        .as_str()
        .unwrap_or_else(|| panic!("no uuid in {v}"))
        .to_owned()
}

#[tokio::test]
async fn every_default_tool_works_against_the_sandbox() {
    let client = sandbox(&[]).await;
    let mut called = BTreeSet::new();

    // Projects.
    let projects = ok(
        &client,
        "layerops_list_projects",
        json!({"includeEnvironments": true}),
        &mut called,
    )
    .await;
    let shop = projects["workspaces"]
        .as_array()
        .expect("workspaces")
        .iter()
        .find(|w| w["name"] == "Acme Shop")
        .expect("demo project")
        .clone();
    let shop_id = uuid_of(&shop);
    let project = ok(
        &client,
        "layerops_get_project",
        json!({"projectId": shop_id}),
        &mut called,
    )
    .await;
    assert_eq!(project["name"], "Acme Shop");
    assert_eq!(
        project["environments"]
            .as_array()
            .expect("environments")
            .len(),
        2
    );
    let missing = call(
        &client,
        "layerops_get_project",
        json!({"projectId": "00000000-0000-4000-8000-000000000000"}),
    )
    .await;
    assert!(is_error(&missing) && text(&missing).contains("Not found: no item has uuid = \"00000000-0000-4000-8000-000000000000\" among the 2 listed"), "{}", text(&missing));
    let created = ok(
        &client,
        "layerops_create_project",
        json!({"name": "Catalogue Test"}),
        &mut called,
    )
    .await;
    let project_id = uuid_of(&created);

    // Environments.
    let envs = ok(
        &client,
        "layerops_list_environments",
        json!({"projectId": shop_id}),
        &mut called,
    )
    .await;
    assert_eq!(envs.as_array().expect("environments").len(), 2);
    let env = ok(
        &client,
        "layerops_create_environment",
        json!({"projectId": project_id, "name": "qa"}),
        &mut called,
    )
    .await;
    let env_id = uuid_of(&env);
    let env_detail = ok(
        &client,
        "layerops_get_environment",
        json!({"environmentId": env_id}),
        &mut called,
    )
    .await;
    let provider_id = uuid_of(&env_detail["providers"][0]);

    // Instance pools.
    let types = ok(
        &client,
        "layerops_list_instance_types",
        json!({"providerId": provider_id}),
        &mut called,
    )
    .await;
    let machine = uuid_of(&types[0]);
    let pool = ok(&client, "layerops_create_instance_pool", json!({"providerId": provider_id, "name": "qa-pool", "instanceTypeUuid": machine, "countMin": 1, "countMax": 2, "autoscaling": true, "tags": ["qa"]}), &mut called).await;
    let pool_id = uuid_of(&pool);
    let pools = ok(
        &client,
        "layerops_list_instance_pools",
        json!({"environmentId": env_id}),
        &mut called,
    )
    .await;
    assert_eq!(pools.as_array().expect("pools").len(), 1);
    assert_eq!(
        ok(
            &client,
            "layerops_get_instance_pool",
            json!({"instancePoolId": pool_id}),
            &mut called
        )
        .await["name"],
        "qa-pool"
    );
    let grown = ok(
        &client,
        "layerops_update_instance_pool",
        json!({"instancePoolId": pool_id, "countMin": 2, "countMax": 3}),
        &mut called,
    )
    .await;
    assert_eq!(grown["instances"].as_array().expect("instances").len(), 2);

    // Services.
    let service = ok(&client, "layerops_create_service", json!({"environmentId": env_id, "name": "web", "dockerConfiguration": {"image": "nginx", "imageVersion": "1.27"}, "ports": [{"listeningPort": 80}]}), &mut called).await;
    let service_id = uuid_of(&service);
    assert_eq!(
        ok(
            &client,
            "layerops_list_services",
            json!({"environmentId": env_id}),
            &mut called
        )
        .await
        .as_array()
        .expect("services")
        .len(),
        1
    );
    assert_eq!(
        ok(
            &client,
            "layerops_get_service",
            json!({"serviceId": service_id}),
            &mut called
        )
        .await["name"],
        "web"
    );
    let updated = ok(
        &client,
        "layerops_update_service",
        json!({"serviceId": service_id, "memoryLimitMiB": 256}),
        &mut called,
    )
    .await;
    assert_eq!(updated["memoryLimitMiB"], 256);
    let scaled = ok(
        &client,
        "layerops_scale_service",
        json!({"serviceId": service_id, "countMin": 2, "countMax": 3}),
        &mut called,
    )
    .await;
    assert_eq!(scaled["runningCount"], 2);
    let example = ok(
        &client,
        "layerops_get_service_import_example",
        json!({}),
        &mut called,
    )
    .await;
    assert!(
        example
            .as_str()
            .expect("YAML text")
            .starts_with("services:")
    );

    // Events and costs.
    let events = ok(
        &client,
        "layerops_list_events",
        json!({"resourceType": "services", "resourceId": service_id}),
        &mut called,
    )
    .await;
    let newest = events[0].clone();
    assert_eq!(newest["type"], "service.scaled");
    let event = ok(
        &client,
        "layerops_get_event",
        json!({"resourceType": "services", "resourceId": service_id, "eventId": uuid_of(&newest)}),
        &mut called,
    )
    .await;
    assert_eq!(event, newest);
    let env_events = ok(
        &client,
        "layerops_list_events",
        json!({"resourceType": "environments", "resourceId": env_id}),
        &mut called,
    )
    .await;
    assert!(env_events.as_array().expect("events").len() >= 5);
    let costs = ok(&client, "layerops_get_analytics", json!({"environmentId": env_id, "startTime": "2026-10-01T00:00:00Z", "endTime": "2026-10-02T00:00:00Z"}), &mut called).await;
    assert!(costs["totalCost"].as_f64().expect("total") > 0.0, "{costs}");

    // Deletions, innermost first.
    ok(
        &client,
        "layerops_delete_service",
        json!({"serviceId": service_id}),
        &mut called,
    )
    .await;
    ok(
        &client,
        "layerops_delete_instance_pool",
        json!({"instancePoolId": pool_id}),
        &mut called,
    )
    .await;
    ok(
        &client,
        "layerops_delete_environment",
        json!({"environmentId": env_id}),
        &mut called,
    )
    .await;
    ok(
        &client,
        "layerops_delete_project",
        json!({"projectId": project_id}),
        &mut called,
    )
    .await;
    let left = ok(&client, "layerops_list_projects", json!({}), &mut called).await;
    assert_eq!(left["workspaces"].as_array().expect("workspaces").len(), 2);

    // Nothing served by default is left untested.
    let served: BTreeSet<String> = tool_names(&client).await.into_iter().collect();
    assert_eq!(
        served, called,
        "every tool of the default toolsets is called here"
    );
    client.cancel().await.ok();
}

/// (tool, arguments, method, path and query after the base URL, body)
fn expected_requests() -> Vec<(&'static str, Value, &'static str, String, Value)> {
    let (p, e, s, i, v, pr, t) = (
        PROJECT,
        ENVIRONMENT,
        "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
        "7d3e9f1a-2b4c-4d5e-8f6a-1b2c3d4e5f6a",
        "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "4a5b6c7d-8e9f-4a1b-9c2d-3e4f5a6b7c8d",
        "6f5e4d3c-2b1a-4f9e-8d7c-6b5a4f3e2d1c",
    );
    vec![
        (
            "layerops_list_projects",
            json!({}),
            "GET",
            "/v1/workspaces".into(),
            Value::Null,
        ),
        (
            "layerops_list_projects",
            json!({"includeEnvironments": false}),
            "GET",
            "/v1/workspaces?includeEnvironmentAndProviders=false".into(),
            Value::Null,
        ),
        (
            "layerops_get_project",
            json!({"projectId": p}),
            "GET",
            "/v1/workspaces?includeEnvironmentAndProviders=true".into(),
            Value::Null,
        ),
        (
            "layerops_create_project",
            json!({"name": "Acme"}),
            "POST",
            "/v1/workspaces".into(),
            json!({"name": "Acme"}),
        ),
        (
            "layerops_delete_project",
            json!({"projectId": p}),
            "DELETE",
            format!("/v1/workspaces/{p}"),
            Value::Null,
        ),
        (
            "layerops_list_environments",
            json!({"projectId": p}),
            "GET",
            format!("/v1/workspaces/{p}/environments"),
            Value::Null,
        ),
        (
            "layerops_get_environment",
            json!({"environmentId": e}),
            "GET",
            format!("/v1/environments/{e}"),
            Value::Null,
        ),
        (
            "layerops_create_environment",
            json!({"projectId": p, "name": "qa"}),
            "POST",
            format!("/v1/workspaces/{p}/environments"),
            json!({"name": "qa"}),
        ),
        (
            "layerops_delete_environment",
            json!({"environmentId": e}),
            "DELETE",
            format!("/v1/environments/{e}"),
            Value::Null,
        ),
        (
            "layerops_list_instance_types",
            json!({"providerId": pr}),
            "GET",
            format!("/v1/providers/{pr}/instancesTypes"),
            Value::Null,
        ),
        (
            "layerops_list_instance_pools",
            json!({"environmentId": e}),
            "GET",
            format!("/v1/environments/{e}/instancePools"),
            Value::Null,
        ),
        (
            "layerops_get_instance_pool",
            json!({"instancePoolId": i}),
            "GET",
            format!("/v1/instancePools/{i}"),
            Value::Null,
        ),
        (
            "layerops_create_instance_pool",
            json!({"providerId": pr, "name": "web", "instanceTypeUuid": t, "countMin": 1, "countMax": 3}),
            "POST",
            format!("/v1/providers/{pr}/instancePools"),
            json!({"name": "web", "instanceTypeUuid": t, "countMin": 1, "countMax": 3}),
        ),
        (
            "layerops_update_instance_pool",
            json!({"instancePoolId": i, "countMax": 6}),
            "PUT",
            format!("/v1/instancePools/{i}"),
            json!({"countMax": 6}),
        ),
        (
            "layerops_delete_instance_pool",
            json!({"instancePoolId": i}),
            "DELETE",
            format!("/v1/instancePools/{i}"),
            Value::Null,
        ),
        (
            "layerops_list_services",
            json!({"environmentId": e}),
            "GET",
            format!("/v1/environments/{e}/services"),
            Value::Null,
        ),
        (
            "layerops_get_service",
            json!({"serviceId": s}),
            "GET",
            format!("/v1/services/{s}"),
            Value::Null,
        ),
        (
            "layerops_create_service",
            json!({"environmentId": e, "name": "web", "dockerConfiguration": {"image": "nginx", "imageVersion": "1.27"}}),
            "POST",
            format!("/v1/environments/{e}/services"),
            json!({"name": "web", "dockerConfiguration": {"image": "nginx", "imageVersion": "1.27"}}),
        ),
        (
            "layerops_update_service",
            json!({"serviceId": s, "countMax": 4, "cpuLimit": 50}),
            "PUT",
            format!("/v1/services/{s}"),
            json!({"countMax": 4, "cpuLimit": 50}),
        ),
        (
            "layerops_scale_service",
            json!({"serviceId": s, "countMin": 2, "countMax": 5}),
            "PUT",
            format!("/v1/services/{s}"),
            json!({"countMin": 2, "countMax": 5}),
        ),
        (
            "layerops_delete_service",
            json!({"serviceId": s}),
            "DELETE",
            format!("/v1/services/{s}"),
            Value::Null,
        ),
        (
            "layerops_get_service_import_example",
            json!({}),
            "GET",
            "/v1/services/exampleImportYml?format=text".into(),
            Value::Null,
        ),
        (
            "layerops_list_events",
            json!({"resourceType": "instancePools", "resourceId": i}),
            "GET",
            format!("/v1/instancePools/{i}/events"),
            Value::Null,
        ),
        (
            "layerops_get_event",
            json!({"resourceType": "environments", "resourceId": e, "eventId": v}),
            "GET",
            format!("/v1/environments/{e}/events"),
            Value::Null,
        ),
        (
            "layerops_get_analytics",
            json!({"environmentId": e}),
            "GET",
            format!("/v1/environments/{e}/analyze"),
            Value::Null,
        ),
        (
            "layerops_get_analytics",
            json!({"environmentId": e, "startTime": "2026-10-01T00:00:00Z", "endTime": "2026-11-01T00:00:00Z"}),
            "GET",
            format!(
                "/v1/environments/{e}/analyze?startTime=2026-10-01T00%3A00%3A00Z&endTime=2026-11-01T00%3A00%3A00Z"
            ),
            Value::Null,
        ),
        // Unconfirmed toolset.
        (
            "layerops_list_instances",
            json!({"instancePoolId": i}),
            "GET",
            format!("/v1/instancePools/{i}"),
            Value::Null,
        ),
        (
            "layerops_get_instance",
            json!({"instancePoolId": i, "instanceId": v}),
            "GET",
            format!("/v1/instancePools/{i}"),
            Value::Null,
        ),
        (
            "layerops_create_instance",
            json!({"instancePoolId": i, "name": "web-4"}),
            "POST",
            format!("/v1/instancePools/{i}/instances"),
            json!({"name": "web-4"}),
        ),
        (
            "layerops_update_instance",
            json!({"instanceId": v, "name": "renamed"}),
            "PUT",
            format!("/v1/instances/{v}"),
            json!({"name": "renamed"}),
        ),
        (
            "layerops_delete_instance",
            json!({"instanceId": v}),
            "DELETE",
            format!("/v1/instances/{v}"),
            Value::Null,
        ),
        (
            "layerops_start_instance",
            json!({"instanceId": v}),
            "POST",
            format!("/v1/instances/{v}/start"),
            Value::Null,
        ),
        (
            "layerops_stop_instance",
            json!({"instanceId": v}),
            "POST",
            format!("/v1/instances/{v}/stop"),
            Value::Null,
        ),
        (
            "layerops_restart_instance",
            json!({"instanceId": v}),
            "POST",
            format!("/v1/instances/{v}/restart"),
            Value::Null,
        ),
        (
            "layerops_get_instance_monitoring",
            json!({"environmentId": e, "instanceId": v, "step": 300}),
            "GET",
            format!("/v1/environments/{e}/monitoring/instances/{v}?step=300"),
            Value::Null,
        ),
        (
            "layerops_get_service_monitoring",
            json!({"environmentId": e, "serviceId": s}),
            "GET",
            format!("/v1/environments/{e}/monitoring/services/{s}"),
            Value::Null,
        ),
        (
            "layerops_list_roles",
            json!({"projectId": p}),
            "GET",
            format!("/v1/workspaces/{p}/roles"),
            Value::Null,
        ),
        (
            "layerops_get_role",
            json!({"roleId": v}),
            "GET",
            format!("/v1/roles/{v}"),
            Value::Null,
        ),
        (
            "layerops_assign_role",
            json!({"groupId": i, "roleUuid": v}),
            "POST",
            format!("/v1/groups/{i}/roles"),
            json!({"roleUuid": v}),
        ),
    ]
}

#[tokio::test]
async fn every_tool_sends_the_documented_request() {
    let client = Launch::shipped("https://api.layerops.io")
        .arg("--dry-run")
        .arg("--toolsets")
        .arg("all")
        .start()
        .await;
    let mut covered = BTreeSet::new();
    for (tool, arguments, method, path, body) in expected_requests() {
        covered.insert(tool.to_owned());
        let result = call(&client, tool, arguments.clone()).await;
        assert!(!is_error(&result), "{tool}: {}", text(&result));
        let shown: Value = serde_json::from_str(&text(&result)).expect("dry-run JSON");
        assert_eq!(shown["method"], method, "{tool}");
        assert_eq!(
            shown["url"],
            format!("https://api.layerops.io{path}"),
            "{tool}"
        );
        assert_eq!(shown["body"], body, "{tool}");
        assert_eq!(shown["headers"]["X-API-KEY"], "****:****", "{tool}");
        // The import example answers YAML text: that tool asks for text, not JSON.
        let accept = if tool == "layerops_get_service_import_example" {
            "text/plain, text/yaml, */*"
        } else {
            "application/json"
        };
        assert_eq!(shown["headers"]["Accept"], accept, "{tool}");
    }
    let all: BTreeSet<String> = tool_names(&client).await.into_iter().collect();
    assert_eq!(
        all, covered,
        "every tool of every toolset has its request asserted"
    );
    for name in PREDECESSOR_TOOLS {
        assert!(all.contains(name), "the predecessor's {name} is kept");
    }
    let coverage =
        std::fs::read_to_string(repo_root().join("docs/coverage.md")).expect("docs/coverage.md");
    for name in &all {
        assert!(
            coverage.contains(&format!("`{name}`")),
            "docs/coverage.md lists {name}"
        );
    }
    client.cancel().await.ok();
}

#[tokio::test]
async fn unconfirmed_tools_are_off_by_default_and_say_so() {
    let client = sandbox(&[]).await;
    let default: BTreeSet<String> = tool_names(&client).await.into_iter().collect();
    client.cancel().await.ok();
    let client = sandbox(&["--toolsets", "all"]).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    let unconfirmed: Vec<_> = tools
        .iter()
        .filter(|t| !default.contains(t.name.as_ref()))
        .collect();
    assert_eq!(unconfirmed.len(), 13);
    for tool in &unconfirmed {
        assert!(
            tool.description
                .as_deref()
                .unwrap_or("")
                .contains("UNCONFIRMED"),
            "{} says it is unconfirmed",
            tool.name
        );
    }
    // Those the sandbox can answer work; the others get the 404 a faithful sandbox gives.
    let projects = ok(
        &client,
        "layerops_list_projects",
        json!({"includeEnvironments": true}),
        &mut BTreeSet::new(),
    )
    .await;
    let env = uuid_of(&projects["workspaces"][0]["environments"][0]);
    let pools = ok(
        &client,
        "layerops_list_instance_pools",
        json!({"environmentId": env}),
        &mut BTreeSet::new(),
    )
    .await;
    let pool = uuid_of(&pools[0]);
    let instances = ok(
        &client,
        "layerops_list_instances",
        json!({"instancePoolId": pool}),
        &mut BTreeSet::new(),
    )
    .await;
    let instance = uuid_of(&instances[0]);
    let one = ok(
        &client,
        "layerops_get_instance",
        json!({"instancePoolId": pool, "instanceId": instance}),
        &mut BTreeSet::new(),
    )
    .await;
    assert_eq!(one, instances[0]);
    let series = ok(
        &client,
        "layerops_get_instance_monitoring",
        json!({"environmentId": env, "instanceId": instance}),
        &mut BTreeSet::new(),
    )
    .await;
    assert!(series["series"].as_array().is_some_and(|s| !s.is_empty()));
    let start = call(
        &client,
        "layerops_start_instance",
        json!({"instanceId": instance}),
    )
    .await;
    assert!(
        is_error(&start) && text(&start).contains("HTTP 404"),
        "{}",
        text(&start)
    );
    client.cancel().await.ok();
}

#[tokio::test]
async fn tool_schemas_and_annotations_help_a_model_call_right() {
    let client = sandbox(&["--toolsets", "all"]).await;
    for tool in client.list_all_tools().await.expect("tools/list") {
        let name = tool.name.to_string();
        let schema = Value::Object((*tool.input_schema).clone());
        // The pool bodies' field names are guesses: other fields pass, so that the names the
        // API really takes are not refused (docs/coverage.md).
        let open_body = name.contains("instance_pool")
            && !name.starts_with("layerops_get_")
            && !name.starts_with("layerops_list_")
            && !name.starts_with("layerops_delete_");
        assert_eq!(schema["additionalProperties"], open_body, "{name}");
        let description = tool.description.as_deref().unwrap_or("");
        assert!(description.len() > 60, "{name} explains what it does");
        assert!(tool.title.is_some(), "{name} has a title");
        for (prop, spec) in schema["properties"].as_object().expect("properties") {
            assert!(
                spec.get("description").is_some(),
                "{name}.{prop} is described"
            );
            if prop.ends_with("Id") || prop.ends_with("Uuid") {
                assert_eq!(spec["format"], "uuid", "{name}.{prop} is a uuid");
            }
        }
        // Listed as they differ from the MCP defaults (readOnlyHint false, destructiveHint
        // true, which means something only for a tool that is not read-only).
        let a = tool.annotations.expect("annotations");
        let reads = name.contains("_list_") || name.contains("_get_");
        assert_eq!(
            a.read_only_hint.unwrap_or(false),
            reads,
            "{name} read-only hint"
        );
        if name.contains("_delete_") {
            assert_eq!(a.destructive_hint, Some(true), "{name} is destructive");
        }
        if !reads && !name.contains("_delete_") {
            assert!(
                a.destructive_hint.is_some(),
                "{name} says whether it destroys"
            );
        }
    }
    client.cancel().await.ok();
}

#[tokio::test]
async fn every_prompt_renders_with_its_arguments() {
    let client = sandbox(&[]).await;
    let prompts = client.list_all_prompts().await.expect("prompts/list");
    let names: BTreeSet<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    let expected = [
        "layerops-create-infrastructure",
        "layerops-deploy-service",
        "layerops-scale-infrastructure",
        "layerops-monitor-infrastructure",
        "layerops-analyze-costs",
        "layerops-troubleshoot",
        "layerops-convert-docker-compose",
        "layerops-convert-helm",
        "layerops-convert-kubernetes",
        "layerops-deploy-marketplace",
        "layerops-deploy-from-definition",
    ];
    assert_eq!(names, expected.into_iter().collect());
    let tools: BTreeSet<String> = tool_names(&client).await.into_iter().collect();
    for prompt in &prompts {
        let arguments = prompt.arguments.clone().unwrap_or_default();
        // Once with every argument, once with only the required ones.
        for all in [true, false] {
            let mut args = serde_json::Map::new();
            for a in arguments.iter().filter(|a| all || a.required == Some(true)) {
                let value = match a.name.as_str() {
                    "direction" => "up",
                    "exposure" => "public",
                    "application" => "postgresql",
                    "mode" => "upsert",
                    "port" | "budget" => "80",
                    "compose" => {
                        "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n"
                    }
                    n if n.ends_with("Id") => ENVIRONMENT,
                    _ => "example-value",
                };
                args.insert(a.name.clone(), json!(value));
            }
            let result = client
                .get_prompt(
                    GetPromptRequestParams::new(prompt.name.clone()).with_arguments(args.clone()),
                )
                .await;
            let result = result.unwrap_or_else(|e| panic!("{} {args:?}: {e}", prompt.name));
            let rmcp::model::ContentBlock::Text(t) = &result.messages[0].content else {
                panic!("text")
            };
            assert!(t.text.len() > 400, "{} is a real runbook", prompt.name);
            assert!(
                !t.text.contains("{{") && !t.text.contains("{%"),
                "{} rendered fully",
                prompt.name
            );
            for value in args
                .values()
                .filter_map(Value::as_str)
                .filter(|v| v.len() > 3)
            {
                assert!(
                    t.text.contains(value),
                    "{} uses its argument {value}",
                    prompt.name
                );
            }
            assert!(
                tools.iter().any(|tool| t.text.contains(tool.as_str())),
                "{} names real tools",
                prompt.name
            );
        }
    }
    client.cancel().await.ok();
}

#[tokio::test]
async fn every_documentation_resource_reads() {
    let client = sandbox(&[]).await;
    let listed: BTreeSet<String> = client
        .list_all_resources()
        .await
        .expect("resources/list")
        .into_iter()
        .map(|r| r.uri.clone())
        .collect();
    let expected: BTreeSet<String> = RESOURCES
        .iter()
        .map(|r| format!("layerops://docs/{r}"))
        .collect();
    let mut with_status = expected.clone();
    with_status.insert("layerops-mcp://status".to_owned());
    assert_eq!(listed, with_status);
    for uri in expected {
        let read = client
            .read_resource(ReadResourceRequestParams::new(uri.clone()))
            .await
            .expect("resources/read");
        let ResourceContents::TextResourceContents {
            text, mime_type, ..
        } = &read.contents[0]
        else {
            panic!("text")
        };
        assert_eq!(mime_type.as_deref(), Some("text/markdown"));
        assert!(text.starts_with("# "), "{uri} starts with a title");
        assert!(
            text.contains("https://doc.layerops.io"),
            "{uri} links to the LayerOps documentation"
        );
        assert!(text.len() > 400, "{uri} says something");
    }
    client.cancel().await.ok();
}

#[tokio::test]
async fn services_accept_the_full_service_definition() {
    let client = sandbox(&[]).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    let properties = |name: &str, id: &str| {
        let tool = tools.iter().find(|t| t.name == name).expect("tool");
        let mut props = tool.input_schema["properties"]
            .as_object()
            .expect("properties")
            .clone();
        props.remove(id);
        props.values_mut().for_each(|p| {
            if let Some(p) = p.as_object_mut() {
                p.remove("default");
            }
        });
        props
    };
    let mut created = properties("layerops_create_service", "environmentId");
    // The import format's optional `id` names a service inside a definition file: creation only.
    assert!(
        created.remove("id").is_some(),
        "create accepts the import format's id"
    );
    assert_eq!(
        created,
        properties("layerops_update_service", "serviceId"),
        "create and update take the same definition"
    );
    let fields: BTreeSet<String> = properties("layerops_create_service", "environmentId")
        .keys()
        .cloned()
        .collect();
    for known in [
        "dockerConfiguration",
        "countMin",
        "countMax",
        "ports",
        "environmentVariables",
        "sharedEnvironmentVariables",
        "volumes",
        "links",
        "constraints",
        "cpuLimit",
        "memoryLimitMiB",
        "cpuLimitHigh",
        "cpuLimitLow",
        "memoryLimitHigh",
        "memoryLimitLow",
        "cooldownMinutes",
        "cronExpression",
        "cronAllowOverlap",
        "isPaused",
        "useNvidiaGpu",
        "sideTasks",
        "runningSchedule",
        "scalingSchedule",
        "files",
        "databaseBackups",
    ] {
        assert!(fields.contains(known), "the service definition has {known}");
    }

    let projects = ok(
        &client,
        "layerops_list_projects",
        json!({"includeEnvironments": true}),
        &mut BTreeSet::new(),
    )
    .await;
    let env = uuid_of(&projects["workspaces"][0]["environments"][0]);
    let services = ok(
        &client,
        "layerops_list_services",
        json!({"environmentId": env}),
        &mut BTreeSet::new(),
    )
    .await;
    let db = uuid_of(
        services
            .as_array()
            .expect("services")
            .iter()
            .find(|s| s["name"] == "postgres")
            .expect("postgres"),
    );
    let definition = json!({
        "environmentId": env, "name": "worker", "type": "classic",
        "dockerConfiguration": {"image": "ghcr.io/acme/worker", "imageVersion": "1.0.0", "command": ["worker"], "args": ["--queue", "default"], "hostname": "worker"},
        "countMin": 1, "countMax": 4, "cpuLimit": 100, "memoryLimitMiB": 512,
        "cpuLimitHigh": 80, "cpuLimitLow": 30, "cpuDurationMinutes": 15, "cpuWindowMinutes": 5,
        "memoryLimitHigh": 80, "memoryLimitLow": 50, "memoryDurationMinutes": 15, "memoryWindowMinutes": 5, "cooldownMinutes": 5,
        "links": [{"toServiceId": db, "toServiceProtocol": "tcp", "toServicePort": 5432, "localExposedPort": 5432, "variableHost": "DB_HOST", "variablePort": "DB_PORT", "variableAddress": "DB_ADDRESS"}],
        "constraints": {"instancePoolUuids": [], "providerUuids": [], "tags": ["workers"]},
        "sharedEnvironmentVariables": ["SENTRY_DSN"],
        "environmentVariables": [{"key": "QUEUE_TOKEN", "value": "t0k3n", "isSensitive": true}],
        "cronExpression": "*/5 * * * *", "cronAllowOverlap": false, "isPaused": false, "useNvidiaGpu": false
    });
    let created = ok(
        &client,
        "layerops_create_service",
        definition,
        &mut BTreeSet::new(),
    )
    .await;
    assert_eq!(created["links"][0]["toServiceId"], db.as_str());
    assert_eq!(created["cronExpression"], "*/5 * * * *");
    assert_eq!(created["environmentVariables"][0]["value"], "********");
    let paused = ok(
        &client,
        "layerops_update_service",
        json!({"serviceId": uuid_of(&created), "isPaused": true}),
        &mut BTreeSet::new(),
    )
    .await;
    assert_eq!(paused["status"], "paused");
    client.cancel().await.ok();
}

#[test]
fn shipped_yaml_files_name_their_json_schema_for_editors() {
    let root = repo_root();
    let mut checked = 0;
    let mut stack = vec![root.join("registry")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let kind = match name.as_str() {
                "_server.yaml" => "server",
                "_toolset.yaml" => "toolset",
                _ => "tool",
            };
            let text = std::fs::read_to_string(&path).expect("read");
            let first = text.lines().next().unwrap_or("");
            let reference = first
                .strip_prefix("# yaml-language-server: $schema=")
                .unwrap_or_else(|| panic!("{} names its schema on line 1", path.display()));
            assert!(
                reference.ends_with(&format!("docs/schema/{kind}.schema.json")),
                "{}: {reference}",
                path.display()
            );
            assert!(
                path.parent().expect("dir").join(reference).is_file(),
                "{}: {reference} exists",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "{checked}");
}

/// What the real API may accept is not refused: each of these inputs broke a rule that no
/// source gives (docs/coverage.md), and each now reaches the API as written.
#[tokio::test]
async fn no_schema_refuses_what_no_source_forbids() {
    let client = sandbox(&["--dry-run", "--toolsets", "all"]).await;
    let env = "9b2f1c3e-5d4a-4f6b-8c7d-1e2f3a4b5c6d";
    let service = json!({
        "environmentId": env,
        "id": "api",
        "name": "My API v2",
        "dockerConfiguration": {"image": "nginx", "imageVersion": "1.27"},
        "countMin": 150,
        "countMax": 300,
        "cpuLimit": 12.5,
        "cronExpression": "@daily",
        "ports": [{"listeningPort": 53, "protocol": "udp", "healthCheck": {"healthCheckType": "UDP", "healthCheckMethod": "OPTIONS", "healthCheckTimeoutSeconds": 600}}],
        "environmentVariables": [{"key": "spring.profiles.active", "value": "prod"}],
        "links": [{"toServiceId": "db"}]
    });
    let pool = json!({
        "providerId": env,
        "name": "a pool with a long name that no source limits to sixty-three characters at all",
        "instanceTypeUuid": env,
        "countMin": 0,
        "countMax": 250,
        "minInstances": 0,
        "maxInstances": 250
    });
    for (tool, arguments) in [
        ("layerops_create_service", service),
        ("layerops_create_instance_pool", pool),
        (
            "layerops_scale_service",
            json!({"serviceId": env, "countMin": 0, "countMax": 1000}),
        ),
    ] {
        let result = call(&client, tool, arguments.clone()).await;
        assert!(
            !is_error(&result),
            "{tool} refused {arguments}: {}",
            text(&result)
        );
        let shown: Value = serde_json::from_str(&text(&result)).expect("dry-run JSON");
        let mut sent = arguments;
        let object = sent.as_object_mut().expect("object");
        object.remove("environmentId");
        object.remove("providerId");
        object.remove("serviceId");
        assert_eq!(shown["body"], sent, "{tool} sends what it was given");
    }
    client.cancel().await.ok();
}

/// What a model needs from a schema, at every depth: each property's description, enum,
/// format and the required lists.
fn schema_facts(schema: &Value, at: &str, facts: &mut Vec<String>) {
    let Some(map) = schema.as_object() else {
        return;
    };
    for key in ["description", "enum", "format", "required", "type"] {
        if let Some(v) = map.get(key) {
            facts.push(format!("{at}.{key}={v}"));
        }
    }
    if let Some(props) = map.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            schema_facts(sub, &format!("{at}.{name}"), facts);
        }
    }
    if let Some(items) = map.get("items") {
        schema_facts(items, &format!("{at}[]"), facts);
    }
}

#[tokio::test]
async fn tools_list_keeps_every_description_enum_format_and_required_marker_of_the_files() {
    let client = sandbox(&["--toolsets", "all"]).await;
    let listed = client.list_all_tools().await.expect("tools/list");
    let mut files = 0;
    for entry in walk(&repo_root().join("registry")) {
        let name = entry.file_name().map(|n| n.to_string_lossy().into_owned());
        if !name
            .as_deref()
            .is_some_and(|n| n.ends_with(".yaml") && !n.starts_with('_'))
        {
            continue;
        }
        let file: Value =
            yaml_serde::from_str(&std::fs::read_to_string(&entry).expect("read")).expect("YAML");
        let tool = file["name"].as_str().expect("a name");
        let served = listed
            .iter()
            .find(|t| t.name == tool)
            .unwrap_or_else(|| panic!("{tool} is listed"));
        let (mut wanted, mut got) = (Vec::new(), Vec::new());
        schema_facts(&file["input"], tool, &mut wanted);
        schema_facts(
            &Value::Object((*served.input_schema).clone()),
            tool,
            &mut got,
        );
        for fact in &wanted {
            assert!(got.contains(fact), "tools/list lost {fact}");
        }
        assert_eq!(
            served.description.as_deref(),
            file["description"].as_str().map(str::trim_end),
            "{tool}"
        );
        files += 1;
    }
    assert_eq!(files, listed.len(), "every listed tool has its file");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Tasks as a user would put them, and the shipped tool that does each.
pub(crate) const SEARCH_TASKS: &[(&str, &str)] = &[
    ("list my projects", "layerops_list_projects"),
    (
        "show the environments of a project",
        "layerops_list_environments",
    ),
    ("create a new environment", "layerops_create_environment"),
    ("delete an environment", "layerops_delete_environment"),
    ("deploy a docker container", "layerops_create_service"),
    (
        "change the image version of a service",
        "layerops_update_service",
    ),
    ("scale a service to more replicas", "layerops_scale_service"),
    ("remove a service", "layerops_delete_service"),
    (
        "what services run in this environment",
        "layerops_list_services",
    ),
    ("recent events of a service", "layerops_list_events"),
    (
        "cost and usage analytics of an environment",
        "layerops_get_analytics",
    ),
    ("list the instance pools", "layerops_list_instance_pools"),
    (
        "which machine types can a pool use",
        "layerops_list_instance_types",
    ),
    ("add an instance pool", "layerops_create_instance_pool"),
    (
        "example of the service import format",
        "layerops_get_service_import_example",
    ),
    ("details of one service", "layerops_get_service"),
];

#[tokio::test]
async fn search_mode_lists_three_tools_finds_the_right_one_and_calls_it() {
    let client = sandbox(&["--tool-search"]).await;
    let listed = client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = listed.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, ["search_tools", "describe_tool", "call_tool"]);
    let listed_size = serde_json::to_string(&listed).expect("JSON").len();
    assert!(
        listed_size < 3000,
        "tools/list stays small: {listed_size} bytes"
    );
    let mut misses = Vec::new();
    for (task, tool) in SEARCH_TASKS {
        let found = call(&client, "search_tools", json!({"query": task, "limit": 3})).await;
        let found: Value = serde_json::from_str(&text(&found)).expect("JSON");
        let top: Vec<&str> = found
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        if !top.contains(tool) {
            misses.push(format!("{task}: {top:?}"));
        }
    }
    // Quality floor: the right tool in the top 3 for every task.
    assert!(misses.is_empty(), "{misses:#?}");
    let described = call(
        &client,
        "describe_tool",
        json!({"name": "layerops_list_services"}),
    )
    .await;
    let described: Value = serde_json::from_str(&text(&described)).expect("JSON");
    assert_eq!(
        described["inputSchema"]["required"],
        json!(["environmentId"])
    );
    let projects = call(
        &client,
        "call_tool",
        json!({"name": "layerops_list_projects", "arguments": {}}),
    )
    .await;
    assert!(!is_error(&projects), "{}", text(&projects));
    assert!(text(&projects).contains("Acme Shop"), "{}", text(&projects));
    // Arguments are validated as in a direct call.
    let invalid = call(
        &client,
        "call_tool",
        json!({"name": "layerops_list_services", "arguments": {"environmentId": "nope"}}),
    )
    .await;
    assert!(
        is_error(&invalid) && text(&invalid).contains("uuid"),
        "{}",
        text(&invalid)
    );
    client.cancel().await.ok();
}

/// Every keyword used anywhere in `schema`, with whether each object is closed and requires
/// all its properties.
fn dialect_facts(
    schema: &Value,
    keywords: &mut std::collections::BTreeSet<String>,
    strict: &mut bool,
) {
    match schema {
        Value::Object(map) => {
            let is_object =
                map.get("type") == Some(&json!("object")) || map.contains_key("properties");
            if is_object {
                let closed = map.get("additionalProperties") == Some(&Value::Bool(false));
                let all_required =
                    map.get("properties")
                        .and_then(Value::as_object)
                        .is_none_or(|p| {
                            p.keys().all(|k| {
                                map.get("required")
                                    .and_then(Value::as_array)
                                    .is_some_and(|r| r.contains(&json!(k)))
                            })
                        });
                // A free-form object (no properties) cannot be strict: it stays as written.
                if map.contains_key("properties") {
                    *strict &= closed && all_required;
                }
            }
            for (k, v) in map {
                keywords.insert(k.clone());
                if k == "properties" {
                    if let Some(props) = v.as_object() {
                        props
                            .values()
                            .for_each(|p| dialect_facts(p, keywords, strict));
                    }
                } else {
                    dialect_facts(v, keywords, strict);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| dialect_facts(v, keywords, strict)),
        _ => {}
    }
}

#[tokio::test]
async fn schema_profiles_serve_what_each_dialect_accepts_and_calls_still_work() {
    // OpenAI strict mode: closed objects, every property required (optional ones nullable),
    // no format or length keywords.
    let client = sandbox(&["--toolsets", "all", "--schema-profile", "openai-strict"]).await;
    for tool in client.list_all_tools().await.expect("tools/list") {
        let mut keywords = std::collections::BTreeSet::new();
        let mut strict = true;
        dialect_facts(
            &Value::Object((*tool.input_schema).clone()),
            &mut keywords,
            &mut strict,
        );
        assert!(strict, "{} is not strict", tool.name);
        let breaks = breaks_of(false, &tool.input_schema);
        assert!(breaks.is_empty(), "{}: {breaks:?}", tool.name);
        for refused in [
            "format",
            "minLength",
            "maxLength",
            "default",
            "minProperties",
            "$defs",
            "$ref",
            "oneOf",
            "allOf",
        ] {
            assert!(!keywords.contains(refused), "{} keeps {refused}", tool.name);
        }
    }
    // A strict client sends null for what it leaves out: the call goes through.
    let projects = call(
        &client,
        "layerops_list_projects",
        json!({"includeEnvironments": null}),
    )
    .await;
    assert!(!is_error(&projects), "{}", text(&projects));
    client.cancel().await.ok();

    // Gemini: no references, combinators, const, closed objects, exclusive bounds, format.
    let client = sandbox(&["--toolsets", "all", "--schema-profile", "gemini"]).await;
    for tool in client.list_all_tools().await.expect("tools/list") {
        let mut keywords = std::collections::BTreeSet::new();
        let mut strict = true;
        dialect_facts(
            &Value::Object((*tool.input_schema).clone()),
            &mut keywords,
            &mut strict,
        );
        for refused in [
            "$ref",
            "$defs",
            "anyOf",
            "oneOf",
            "allOf",
            "const",
            "additionalProperties",
            "exclusiveMinimum",
            "format",
            "default",
            "minProperties",
        ] {
            assert!(!keywords.contains(refused), "{} keeps {refused}", tool.name);
        }
        let breaks = breaks_of(true, &tool.input_schema);
        assert!(breaks.is_empty(), "{}: {breaks:?}", tool.name);
        // What was refused is still told to the model, in the description.
        if tool.name == "layerops_get_service" {
            let about = tool.input_schema["properties"]["serviceId"]["description"]
                .as_str()
                .unwrap_or("");
            assert!(about.contains("format: uuid"), "{about}");
        }
    }
    client.cancel().await.ok();
}

#[test]
fn check_reports_what_each_dialect_refuses() {
    let out = std::process::Command::new(bin())
        .args(["check", "--root"])
        .arg(repo_root())
        .args(["--profile", "openai-strict,gemini"])
        .output()
        .expect("run");
    assert!(out.status.success(), "advice, not failure");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("registry/services/get_service.yaml:")
            && stdout.contains("gemini refuses `format`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("openai-strict needs every property in `required`"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("serve --schema-profile gemini does it"),
        "{stderr}"
    );
}

#[tokio::test]
async fn completion_offers_the_sandboxs_environments_then_that_environments_services() {
    use rmcp::model::{
        ArgumentInfo, CompleteRequestParams, CompletionContext, PromptReference, Reference,
    };
    let client = sandbox(&[]).await;
    let complete = |argument: &str, typed: &str, context: Option<(&str, &str)>| {
        let mut params = CompleteRequestParams::new(
            Reference::Prompt(PromptReference::new("layerops-troubleshoot")),
            ArgumentInfo::new(argument.to_owned(), typed.to_owned()),
        );
        if let Some((name, value)) = context {
            let mut known = std::collections::HashMap::new();
            known.insert(name.to_owned(), value.to_owned());
            let mut context = CompletionContext::new();
            context.arguments = Some(known);
            params.context = Some(context);
        }
        let client = &client;
        async move {
            client
                .complete(params)
                .await
                .expect("completion/complete")
                .completion
        }
    };
    // The environment picker: every environment of every project, matched by name.
    let all = complete("environmentId", "", None).await;
    assert_eq!(all.values.len(), 3, "{:?}", all.values);
    let production = complete("environmentId", "prod", None).await;
    assert_eq!(production.values.len(), 1, "{:?}", production.values);
    let environment = production.values[0].clone();
    assert_eq!(environment.len(), 36, "a uuid: {environment}");
    // The service picker needs the environment first, then lists its services.
    assert!(complete("serviceId", "", None).await.values.is_empty());
    let services = complete("serviceId", "", Some(("environmentId", &environment))).await;
    assert_eq!(services.values.len(), 3, "{:?}", services.values);
    let web = complete("serviceId", "we", Some(("environmentId", &environment))).await;
    assert_eq!(web.values.len(), 1, "{:?}", web.values);
    client.cancel().await.ok();
}

/// A tool file with the shapes the providers' endpoints refused (valid JSON Schema all).
const DIALECT_HOSTILE_TOOL: &str = r##"
name: odd_shapes
description: Takes arguments in shapes that model providers refuse.
input:
  type: object
  $defs:
    port: { type: integer, exclusiveMinimum: 0 }
    node: { type: object, properties: { child: { $ref: "#/$defs/node" } } }
  properties:
    size: { type: [integer, string], description: Size. }
    note: { type: [string, "null"] }
    level: { type: integer, enum: [1, 2, 4] }
    flag: { enum: [true, false] }
    anything: { description: Any value. }
    empty: { type: object, properties: {} }
    list: { type: array }
    port: { $ref: "#/$defs/port" }
    tree: { $ref: "#/$defs/node" }
    either: { oneOf: [{ type: string, format: uuid }, { type: object, properties: { id: { type: string } }, required: [id] }] }
    both: { allOf: [{ type: object, properties: { a: { type: string } }, required: [a] }, { properties: { b: { type: integer } } }] }
    map: { type: object, additionalProperties: { type: string } }
    clear: { type: [string, "null"], description: Null clears it. }
  required: [size, ghost, clear]
request:
  method: POST
  path: /odd
  body: args
"##;

/// What breaks a dialect's rules in a listed input schema.
fn breaks_of(gemini: bool, schema: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut breaks = Vec::new();
    dialect_breaks(gemini, &Value::Object(schema.clone()), "", &mut breaks);
    breaks
}

/// The rules each dialect's endpoint enforces, written out again on this side: a schema
/// node that breaks one is named with the rule.
fn dialect_breaks(gemini: bool, schema: &Value, at: &str, out: &mut Vec<String>) {
    let Some(map) = schema.as_object() else {
        out.push(format!("{at}: not a schema object"));
        return;
    };
    // Both take these; Gemini lengths and `nullable`, strict mode unions, `const`, closed
    // objects and the other numeric bounds.
    const BOTH: &[&str] = &[
        "type",
        "description",
        "title",
        "enum",
        "items",
        "properties",
        "required",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
        "pattern",
    ];
    let own: &[&str] = if gemini {
        &["minLength", "maxLength", "nullable"]
    } else {
        &[
            "const",
            "additionalProperties",
            "anyOf",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ]
    };
    for k in map.keys() {
        if !BOTH.contains(&k.as_str()) && !own.contains(&k.as_str()) {
            out.push(format!("{at}: keyword {k}"));
        }
    }
    let ty = map.get("type");
    let is = |name: &str| match ty {
        Some(Value::String(t)) => t == name,
        Some(Value::Array(list)) => list.contains(&json!(name)),
        _ => false,
    };
    if gemini {
        if !ty.is_some_and(|t| t.is_string() && t != "null") {
            out.push(format!("{at}: type {ty:?}"));
        }
        if let Some(values) = map.get("enum")
            && !(is("string")
                && values
                    .as_array()
                    .is_some_and(|v| v.iter().all(Value::is_string)))
        {
            out.push(format!("{at}: enum {values}"));
        }
        if let Some(props) = map.get("properties").and_then(Value::as_object)
            && (props.is_empty() || !is("object"))
        {
            out.push(format!("{at}: properties"));
        }
        for name in map
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let known = map
                .get("properties")
                .and_then(|p| p.get(name.as_str().unwrap_or("")));
            if known.is_none() {
                out.push(format!("{at}: required {name}"));
            }
        }
    } else {
        if ty.is_none() && !map.contains_key("anyOf") && !map.contains_key("enum") {
            out.push(format!("{at}: no type"));
        }
        if is("object") || map.contains_key("properties") {
            let names: Vec<&String> = map
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().collect())
                .unwrap_or_default();
            let required = map
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if map.get("additionalProperties") != Some(&json!(false))
                || names.len() != required.len()
                || names.iter().any(|n| !required.contains(&json!(n)))
            {
                out.push(format!("{at}: not strict"));
            }
        }
        for (i, branch) in map
            .get("anyOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            dialect_breaks(gemini, branch, &format!("{at}/anyOf/{i}"), out);
        }
    }
    if is("array") && !map.contains_key("items") {
        out.push(format!("{at}: array without items"));
    }
    if let Some(items) = map.get("items") {
        dialect_breaks(gemini, items, &format!("{at}/items"), out);
    }
    for (name, sub) in map
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        dialect_breaks(gemini, sub, &format!("{at}/{name}"), out);
    }
}

#[tokio::test]
async fn schemas_in_shapes_the_providers_refuse_are_served_in_shapes_they_take_and_calls_pass() {
    let root = TempRoot::standard();
    root.write("registry/odd/odd_shapes.yaml", DIALECT_HOSTILE_TOOL);
    for (profile, gemini) in [("gemini", true), ("openai-strict", false)] {
        let client = Launch::new("http://127.0.0.1:9")
            .root(root.path())
            .arg("--dry-run")
            .arg("--schema-profile")
            .arg(profile)
            .start()
            .await;
        let tools = client.list_all_tools().await.expect("tools/list");
        let tool = tools
            .iter()
            .find(|t| t.name == "odd_shapes")
            .expect("listed");
        let served = Value::Object((*tool.input_schema).clone());
        let breaks = breaks_of(gemini, &tool.input_schema);
        assert!(breaks.is_empty(), "{profile}: {breaks:?}\n{served:#}");
        let props = &served["properties"];
        if gemini {
            // One type kept, the others and the enum still told to the model.
            assert_eq!(props["size"]["type"], "integer");
            assert!(
                props["size"]["description"]
                    .as_str()
                    .unwrap_or("")
                    .contains("integer or string")
            );
            assert_eq!(props["note"]["nullable"], true);
            assert!(
                props["level"]["description"]
                    .as_str()
                    .unwrap_or("")
                    .contains("[1,2,4]")
            );
            assert_eq!(served["required"], json!(["size", "ghost", "clear"]));
            assert_eq!(props["ghost"]["type"], "string");
        }
        // What a client of the dialect sends passes the schema as written.
        let mut args = json!({"size": 3, "level": 2, "flag": true, "list": ["a"], "port": 8080,
            "both": {"a": "x", "b": 1}, "either": {"id": "i"}, "tree": {"child": {}}, "ghost": "g", "clear": null});
        if !gemini {
            args["note"] = Value::Null;
            args["empty"] = Value::Null;
        }
        let result = call(&client, "odd_shapes", args).await;
        assert!(!is_error(&result), "{profile}: {}", text(&result));
        client.cancel().await.ok();
    }
}

#[tokio::test]
async fn search_mode_lists_its_three_tools_in_each_dialect_and_takes_arguments_as_text() {
    for (profile, gemini) in [("gemini", true), ("openai-strict", false)] {
        let client = sandbox(&["--tool-search", "--schema-profile", profile]).await;
        let tools = client.list_all_tools().await.expect("tools/list");
        assert_eq!(tools.len(), 3);
        for tool in &tools {
            let breaks = breaks_of(gemini, &tool.input_schema);
            assert!(breaks.is_empty(), "{profile} {}: {breaks:?}", tool.name);
        }
        // The called tool's arguments as the text of a JSON object, as listed.
        let mut args = json!({"name": "layerops_list_projects",
            "arguments": "{\"includeEnvironments\": true}"});
        if !gemini {
            args["arguments"] = json!("{\"includeEnvironments\": null}");
        }
        let projects = call(&client, "call_tool", args).await;
        assert!(!is_error(&projects), "{profile}: {}", text(&projects));
        assert!(text(&projects).contains("Acme Shop"), "{}", text(&projects));
        let found = call(
            &client,
            "search_tools",
            json!({"query": "list projects", "limit": null}),
        )
        .await;
        assert!(
            text(&found).contains("layerops_list_projects"),
            "{}",
            text(&found)
        );
        client.cancel().await.ok();
    }
    // Text that is not an object is refused with what to send.
    let client = sandbox(&["--tool-search"]).await;
    let refused = client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("call_tool").with_arguments(args(
                json!({"name": "layerops_list_projects", "arguments": "[1]"}),
            )),
        )
        .await;
    let message = format!("{refused:?}");
    assert!(message.contains("JSON object"), "{message}");
    client.cancel().await.ok();
}
