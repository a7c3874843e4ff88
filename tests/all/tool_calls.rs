//! tools/call end to end: the real binary renders and sends requests to a recording HTTP
//! server on 127.0.0.1; every byte sent and every result is asserted.

use std::time::Duration;

use crate::common::http::{MockApi, Reply};
use crate::common::*;
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

const EXPECTED_KEY: &str = "LYPTESTKEY000000000000000:5b1c9d2e-7f3a-4c8b-9e6d-0a1b2c3d4e5f";

#[tokio::test]
async fn list_environments_sends_the_exact_request_and_returns_the_json() {
    let api = MockApi::json(
        200,
        json!([{"uuid": ENVIRONMENT, "name": "Prod", "deletedAt": null}]),
    )
    .await;
    let client = Launch::new(&api.base_url).start().await;
    let result = call(
        &client,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    assert!(!is_error(&result), "{}", text(&result));
    let sent = api.only_request();
    assert_eq!(sent.method, "GET");
    assert_eq!(
        sent.target,
        format!("/v1/workspaces/{PROJECT}/environments")
    );
    assert_eq!(sent.header("x-api-key"), Some(EXPECTED_KEY));
    assert_eq!(sent.header("accept"), Some("application/json"));
    assert!(
        sent.header("user-agent")
            .unwrap_or("")
            .starts_with("layerops-mcp/")
    );
    assert!(sent.body.is_empty());
    let body: serde_json::Value = serde_json::from_str(&text(&result)).expect("JSON text");
    assert_eq!(
        body,
        json!([{"uuid": ENVIRONMENT, "name": "Prod", "deletedAt": null}])
    );
    client.cancel().await.ok();
}

#[tokio::test]
async fn query_parameters_are_typed_and_omitted_when_absent() {
    let api = MockApi::json(200, json!({"workspaces": []})).await;
    let client = Launch::new(&api.base_url).start().await;
    call(&client, "fixture_list_projects", json!({})).await;
    call(
        &client,
        "fixture_list_projects",
        json!({"includeEnvironments": true}),
    )
    .await;
    let targets: Vec<String> = api.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        vec![
            "/v1/workspaces".to_owned(),
            "/v1/workspaces?includeEnvironmentAndProviders=true".to_owned()
        ]
    );
    client.cancel().await.ok();
}

#[tokio::test]
async fn create_service_posts_the_arguments_as_json_body() {
    let api = MockApi::json(
        201,
        json!({"uuid": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "name": "web"}),
    )
    .await;
    let client = Launch::new(&api.base_url).start().await;
    let service = json!({
        "environmentId": ENVIRONMENT,
        "name": "web",
        "dockerConfiguration": {"image": "nginx", "imageVersion": "1.27"},
        "countMin": 1,
        "countMax": 3,
        "environmentVariables": [{"key": "DB_PASSWORD", "value": "s3cret", "isSensitive": true}]
    });
    let result = call(&client, "fixture_create_service", service.clone()).await;
    assert!(!is_error(&result), "{}", text(&result));
    let sent = api.only_request();
    assert_eq!(sent.method, "POST");
    assert_eq!(
        sent.target,
        format!("/v1/environments/{ENVIRONMENT}/services")
    );
    assert_eq!(sent.header("content-type"), Some("application/json"));
    let mut expected = service;
    expected
        .as_object_mut()
        .expect("object")
        .remove("environmentId");
    assert_eq!(sent.json(), expected);
    assert!(text(&result).contains("\"uuid\""));
    client.cancel().await.ok();
}

#[tokio::test]
async fn invalid_arguments_list_every_violation_and_send_nothing() {
    let api = MockApi::json(200, json!({})).await;
    let client = Launch::new(&api.base_url).start().await;
    let result = call(&client, "fixture_create_service", json!({"environmentId": "not-a-uuid", "name": "Web Server", "countMin": -1, "color": "blue"})).await;
    assert!(is_error(&result));
    let message = text(&result);
    for expected in [
        "/environmentId",
        "/name",
        "/countMin",
        "dockerConfiguration",
        "color",
        "Fix the arguments",
    ] {
        assert!(
            message.contains(expected),
            "`{expected}` missing from: {message}"
        );
    }
    let wrong_type = call(
        &client,
        "fixture_list_projects",
        json!({"includeEnvironments": "yes"}),
    )
    .await;
    assert!(
        is_error(&wrong_type) && text(&wrong_type).contains("/includeEnvironments"),
        "{}",
        text(&wrong_type)
    );
    assert!(api.requests().is_empty());
    client.cancel().await.ok();
}

const ITEM_TOOL: &str = "name: get_item\ndescription: Gets an item.\ninput:\n  type: object\n  properties:\n    id: { type: string }\n    trace: { type: string }\n  required: [id]\n  additionalProperties: false\nrequest:\n  method: GET\n  path: /v1/items/{{ id }}\n  headers:\n    X-Trace: \"{{ trace }}\"\n";

#[tokio::test]
async fn path_values_cannot_escape_their_segment() {
    let api = MockApi::json(200, json!({})).await;
    let root = TempRoot::standard();
    root.write("registry/items/get_item.yaml", ITEM_TOOL);
    let client = Launch::new(&api.base_url).root(root.path()).start().await;
    for id in ["../admin", "%2F", "?x=1", "a/b#frag", "évé nt"] {
        let result = call(&client, "get_item", json!({"id": id})).await;
        assert!(!is_error(&result), "{id}: {}", text(&result));
    }
    let targets: Vec<String> = api.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        vec![
            "/v1/items/..%2Fadmin",
            "/v1/items/%252F",
            "/v1/items/%3Fx%3D1",
            "/v1/items/a%2Fb%23frag",
            "/v1/items/%C3%A9v%C3%A9%20nt"
        ]
    );
    for id in ["..", ".", ""] {
        let result = call(&client, "get_item", json!({"id": id})).await;
        assert!(is_error(&result), "{id}");
        assert!(
            text(&result).contains("argument `id` cannot go in the URL path"),
            "{}",
            text(&result)
        );
    }
    assert_eq!(api.requests().len(), 5, "refused values sent nothing");
    client.cancel().await.ok();
}

#[tokio::test]
async fn header_values_with_line_breaks_are_refused() {
    let api = MockApi::json(200, json!({})).await;
    let root = TempRoot::standard();
    root.write("registry/items/get_item.yaml", ITEM_TOOL);
    let client = Launch::new(&api.base_url).root(root.path()).start().await;
    for evil in ["a\r\nX-Injected: 1", "a\nb", "a\rb", "nul\u{0}"] {
        let result = call(&client, "get_item", json!({"id": "1", "trace": evil})).await;
        assert!(is_error(&result));
        assert!(
            text(&result).contains("header `X-Trace` would contain a line break"),
            "{}",
            text(&result)
        );
    }
    assert!(api.requests().is_empty());
    let ok = call(&client, "get_item", json!({"id": "1", "trace": "abc"})).await;
    assert!(!is_error(&ok));
    assert_eq!(api.only_request().header("x-trace"), Some("abc"));
    client.cancel().await.ok();
}

#[tokio::test]
async fn upstream_errors_become_tool_errors_with_status_and_message() {
    let api = MockApi::start(|r, _| match r.target.as_str() {
        t if t.ends_with("/404/environments") => Reply::json(404, json!({"statusCode": 404, "message": "Workspace not found"})),
        t if t.ends_with("/400/environments") => Reply::json(400, json!({"statusCode": 400, "message": ["name must be a string", "name should not be empty"], "error": "Bad Request"})),
        t if t.ends_with("/500/environments") => Reply::text(500, "text/html", "<h1>Internal error</h1>"),
        _ => Reply::json(403, json!({"statusCode": 403, "message": "Forbidden resource", "error": "Forbidden"})),
    })
    .await;
    let root = TempRoot::standard();
    root.write(
        "registry/e.yaml",
        &LIST_ENVIRONMENTS.replace("format: uuid", "minLength: 1"),
    );
    let client = Launch::new(&api.base_url).root(root.path()).start().await;
    let cases = [
        (
            "404",
            vec!["HTTP 404 Not Found", "Workspace not found", "Check the ids"],
        ),
        (
            "400",
            vec![
                "HTTP 400 Bad Request",
                "name must be a string; name should not be empty",
            ],
        ),
        (
            "500",
            vec![
                "HTTP 500 Internal Server Error",
                "<h1>Internal error</h1>",
                "try again later",
            ],
        ),
        (
            "403",
            vec![
                "HTTP 403 Forbidden",
                "Forbidden resource",
                "lacks the right",
            ],
        ),
    ];
    for (id, expected) in cases {
        let result = call(
            &client,
            "fixture_list_environments",
            json!({"projectId": id}),
        )
        .await;
        assert!(is_error(&result), "{id}");
        let message = text(&result);
        for e in expected {
            assert!(message.contains(e), "`{e}` missing from: {message}");
        }
        assert!(!message.contains(KEY_SECRET));
    }
    client.cancel().await.ok();
}

#[tokio::test]
async fn non_json_answers_come_back_as_text_and_empty_ones_say_done() {
    let api = MockApi::start(|r, _| {
        if r.method == "GET" {
            Reply::text(200, "text/plain", "services:\n  - name: web\n")
        } else {
            Reply::text(204, "text/plain", "")
        }
    })
    .await;
    let client = Launch::new(&api.base_url).start().await;
    let result = call(
        &client,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    assert!(!is_error(&result));
    assert_eq!(text(&result), "services:\n  - name: web\n");
    let created = call(&client, "fixture_create_service", json!({"environmentId": ENVIRONMENT, "name": "web", "dockerConfiguration": {"image": "nginx", "imageVersion": "1"}})).await;
    assert!(!is_error(&created));
    assert!(
        text(&created).contains("answered HTTP 204 No Content with no content"),
        "{}",
        text(&created)
    );
    client.cancel().await.ok();
}

/// What a fixture tool shows of an answer with this body.
async fn shown_of(body: String) -> String {
    let api = MockApi::start(move |_, _| Reply::text(200, "application/json", &body)).await;
    let client = Launch::new(&api.base_url).start().await;
    let result = call(
        &client,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    assert!(!is_error(&result));
    client.cancel().await.ok();
    text(&result)
}

#[tokio::test]
async fn oversized_answers_are_cut_with_a_note() {
    let items = vec!["\"0123456789\""; 20_000].join(",");
    // A list: its complete items, still JSON, then what is not shown (not a byte cut).
    let message = shown_of(format!("[{items}]")).await;
    let (shown, note) = message.split_once("\n[").expect("a note");
    let shown: Vec<String> = serde_json::from_str(shown).expect("complete items");
    assert!(
        shown.len() > 5_000 && shown.len() < 20_000,
        "{}",
        shown.len()
    );
    assert_eq!(
        note,
        "More not shown: the answer is longer than the 102400 bytes read.]"
    );
    assert!(message.len() < 102_400 + 1_000);
    // Anything else: cut at the limit, with a note.
    let message = shown_of(format!("{{\"items\": [{items}]}}")).await;
    assert!(
        message.contains("[Cut: the answer of GET /v1/workspaces/"),
        "{}",
        &message[message.len() - 300..]
    );
    assert!(message.contains("limit of 102400 bytes"));
    assert!(message.len() < 102_400 + 1_000);
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_explained() {
    let slow = MockApi::start(|_, _| {
        Reply::Delay(
            Duration::from_secs(10),
            Box::new(Reply::json(200, json!({}))),
        )
    })
    .await;
    let root = TempRoot::standard(); // timeout_seconds: 2
    root.write("registry/e.yaml", LIST_ENVIRONMENTS);
    let client = Launch::new(&slow.base_url).root(root.path()).start().await;
    let result = call(
        &client,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    assert!(is_error(&result));
    assert!(
        text(&result).contains("did not answer within 2s"),
        "{}",
        text(&result)
    );
    client.cancel().await.ok();

    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let client = Launch::new(&format!("http://127.0.0.1:{port}"))
        .start()
        .await;
    let result = call(
        &client,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    assert!(is_error(&result));
    let message = text(&result);
    assert!(
        message.contains(&format!(
            "cannot connect to the API at http://127.0.0.1:{port}/"
        )),
        "{message}"
    );
    assert!(message.to_lowercase().contains("refused"), "{message}");
    client.cancel().await.ok();
}

#[tokio::test]
async fn only_idempotent_calls_are_retried_on_503_and_429() {
    let api = MockApi::start(|_, index| {
        if index % 3 < 2 {
            Reply::json(503, json!({"message": "busy"})).with_header("retry-after", "0")
        } else {
            Reply::json(200, json!({"ok": true}))
        }
    })
    .await;
    let client = Launch::new(&api.base_url).start().await;
    let result = call(
        &client,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    assert!(!is_error(&result), "{}", text(&result));
    assert_eq!(api.requests().len(), 3, "two retries, then success");

    let post = call(&client, "fixture_create_service", json!({"environmentId": ENVIRONMENT, "name": "web", "dockerConfiguration": {"image": "nginx", "imageVersion": "1"}})).await;
    assert!(is_error(&post));
    assert!(text(&post).contains("HTTP 503"), "{}", text(&post));
    assert_eq!(api.requests().len(), 4, "a POST is never retried");
    client.cancel().await.ok();

    let limited = MockApi::start(|_, _| {
        Reply::json(429, json!({"message": "slow down"})).with_header("retry-after", "0")
    })
    .await;
    let client = Launch::new(&limited.base_url).start().await;
    let result = call(
        &client,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    assert!(
        is_error(&result) && text(&result).contains("HTTP 429"),
        "{}",
        text(&result)
    );
    assert_eq!(
        limited.requests().len(),
        3,
        "bounded: the first try and two retries"
    );
    client.cancel().await.ok();
}

#[tokio::test]
async fn redirects_to_another_host_are_not_followed() {
    let elsewhere = MockApi::json(200, json!({"stolen": true})).await;
    let target = format!(
        "{}/collect",
        elsewhere.base_url.replace("127.0.0.1", "localhost")
    );
    let api = MockApi::start(move |_, _| {
        Reply::text(302, "text/plain", "").with_header("location", &target)
    })
    .await;
    let client = Launch::new(&api.base_url).start().await;
    let result = call(
        &client,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    assert!(is_error(&result));
    assert!(text(&result).contains("HTTP 302"), "{}", text(&result));
    assert!(
        elsewhere.requests().is_empty(),
        "the API key never left for another host"
    );
    client.cancel().await.ok();
}

#[tokio::test]
async fn unknown_tools_are_protocol_errors_with_a_hint() {
    let client = Launch::new("http://127.0.0.1:9").start().await;
    let err = client
        .call_tool(CallToolRequestParams::new("fixture_list_environment"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "unknown tool `fixture_list_environment`; did you mean fixture_list_environments?"
        ),
        "{err}"
    );
    let err = client
        .call_tool(CallToolRequestParams::new("zzz"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("call tools/list"), "{err}");
    client.cancel().await.ok();
}

#[tokio::test]
async fn without_credentials_the_server_lists_everything_and_calls_say_what_to_set() {
    let api = MockApi::json(200, json!({})).await;
    let client = Launch::new(&api.base_url)
        .without_env("LAYEROPS_API_KEY_ID")
        .without_env("LAYEROPS_API_KEY_SECRET")
        .start()
        .await;
    assert!(
        tool_names(&client)
            .await
            .contains(&"fixture_create_service".to_owned())
    );
    let result = call(&client, "fixture_list_projects", json!({})).await;
    assert!(is_error(&result));
    let message = text(&result);
    assert!(
        message.contains("set LAYEROPS_API_KEY_ID and LAYEROPS_API_KEY_SECRET"),
        "{message}"
    );
    assert!(
        message.contains("Put the key id in LAYEROPS_API_KEY_ID"),
        "{message}"
    );
    assert!(api.requests().is_empty());
    client.cancel().await.ok();
}

#[tokio::test]
async fn dot_env_in_the_working_directory_provides_credentials() {
    let api = MockApi::json(200, json!({"workspaces": []})).await;
    let cwd = tempfile::tempdir().expect("dir");
    std::fs::write(
        cwd.path().join(".env"),
        format!("LAYEROPS_API_KEY_ID={KEY_ID}\nLAYEROPS_API_KEY_SECRET={KEY_SECRET}\n"),
    )
    .expect("write .env");
    let client = Launch::new(&api.base_url)
        .without_env("LAYEROPS_API_KEY_ID")
        .without_env("LAYEROPS_API_KEY_SECRET")
        .cwd(cwd.path())
        .start()
        .await;
    let result = call(&client, "fixture_list_projects", json!({})).await;
    assert!(!is_error(&result), "{}", text(&result));
    assert_eq!(api.only_request().header("x-api-key"), Some(EXPECTED_KEY));
    client.cancel().await.ok();
}

#[tokio::test]
async fn dry_run_shows_the_request_with_secrets_masked_and_sends_nothing() {
    let api = MockApi::json(200, json!({})).await;
    let client = Launch::new(&api.base_url).arg("--dry-run").start().await;
    let result = call(&client, "fixture_create_service", json!({"environmentId": ENVIRONMENT, "name": "web", "dockerConfiguration": {"image": "nginx", "imageVersion": "1"}})).await;
    assert!(!is_error(&result), "{}", text(&result));
    let shown: serde_json::Value = serde_json::from_str(&text(&result)).expect("JSON");
    assert_eq!(shown["dryRun"], true);
    assert_eq!(shown["method"], "POST");
    assert_eq!(
        shown["url"],
        format!("{}/v1/environments/{ENVIRONMENT}/services", api.base_url)
    );
    assert_eq!(shown["headers"]["X-API-KEY"], "****:****");
    assert_eq!(shown["headers"]["Content-Type"], "application/json");
    assert_eq!(
        shown["body"],
        json!({"name": "web", "dockerConfiguration": {"image": "nginx", "imageVersion": "1"}})
    );
    assert!(!text(&result).contains(KEY_SECRET) && !text(&result).contains(KEY_ID));
    assert!(api.requests().is_empty());
    client.cancel().await.ok();

    // No credentials needed.
    let client = Launch::new(&api.base_url)
        .arg("--dry-run")
        .without_env("LAYEROPS_API_KEY_SECRET")
        .start()
        .await;
    let result = call(&client, "fixture_list_projects", json!({})).await;
    assert!(!is_error(&result), "{}", text(&result));
    client.cancel().await.ok();
}

/// Four tools in two toolsets: reads and writes.
fn selection_root() -> TempRoot {
    let root = TempRoot::standard();
    let tool = |name: &str, method: &str| {
        format!(
            "name: {name}\ndescription: {name}.\ninput: {{ type: object }}\nrequest: {{ method: {method}, path: /{name} }}\n"
        )
    };
    root.write("registry/alpha/list_alpha.yaml", &tool("list_alpha", "GET"));
    root.write(
        "registry/alpha/create_alpha.yaml",
        &tool("create_alpha", "POST"),
    );
    root.write("registry/beta/list_beta.yaml", &tool("list_beta", "GET"));
    root.write(
        "registry/beta/delete_beta.yaml",
        &tool("delete_beta", "DELETE"),
    );
    root
}

#[tokio::test]
async fn read_only_tools_and_toolsets_select_what_is_served() {
    let root = selection_root();
    let start = |flags: &'static [&'static str]| {
        let mut launch = Launch::new("http://127.0.0.1:9").root(root.path());
        for f in flags {
            launch = launch.arg(f);
        }
        launch.start()
    };
    let client = start(&[]).await;
    assert_eq!(
        tool_names(&client).await,
        vec!["create_alpha", "delete_beta", "list_alpha", "list_beta"]
    );
    client.cancel().await.ok();

    let client = start(&["--read-only"]).await;
    assert_eq!(tool_names(&client).await, vec!["list_alpha", "list_beta"]);
    let err = client
        .call_tool(CallToolRequestParams::new("create_alpha"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("is not served: the server runs with --read-only"),
        "{err}"
    );
    client.cancel().await.ok();

    let client = start(&["--tools", "list_*"]).await;
    assert_eq!(tool_names(&client).await, vec!["list_alpha", "list_beta"]);
    let err = client
        .call_tool(CallToolRequestParams::new("delete_beta"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not match the --tools patterns"), "{err}");
    client.cancel().await.ok();

    let client = start(&["--toolsets", "beta"]).await;
    assert_eq!(tool_names(&client).await, vec!["delete_beta", "list_beta"]);
    client.cancel().await.ok();

    let client = start(&[
        "--toolsets",
        "alpha,beta",
        "--tools",
        "*_alpha",
        "--read-only",
    ])
    .await;
    assert_eq!(tool_names(&client).await, vec!["list_alpha"]);
    client.cancel().await.ok();
}

#[tokio::test]
async fn toolsets_off_by_default_are_served_only_when_named() {
    let root = TempRoot::standard();
    root.write("registry/items/get_item.yaml", ITEM_TOOL);
    root.write(
        "registry/extra/_toolset.yaml",
        "description: Experimental tools.\ndefault: false\nheaders:\n  X-Toolset: extra\n",
    );
    root.write("registry/extra/ping.yaml", "name: ping\ndescription: Ping.\ninput: { type: object }\nrequest: { method: GET, path: /ping }\n");
    let api = MockApi::json(200, json!({"pong": true})).await;
    let client = Launch::new(&api.base_url).root(root.path()).start().await;
    let names = tool_names(&client).await;
    assert_eq!(names, vec!["get_item"]);
    let err = client
        .call_tool(CallToolRequestParams::new("ping"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("off by default; start the server with --toolsets default,extra"),
        "{err}"
    );
    client.cancel().await.ok();

    for selection in ["extra", "all"] {
        let client = Launch::new(&api.base_url)
            .root(root.path())
            .arg("--toolsets")
            .arg(selection)
            .start()
            .await;
        let result = call(&client, "ping", json!({})).await;
        assert!(!is_error(&result));
        client.cancel().await.ok();
    }
    assert!(
        api.requests()
            .iter()
            .all(|r| r.header("x-toolset") == Some("extra")),
        "toolset headers are inherited"
    );
}

#[tokio::test]
async fn select_and_output_schema_shape_the_result() {
    let root = TempRoot::standard();
    root.write(
        "registry/pools.yaml",
        "name: pool_counts\ndescription: Counters.\ninput: { type: object }\nrequest: { method: GET, path: /v1/workspaces }\nresponse:\n  select: /counters\n  output_schema:\n    type: object\n    properties:\n      total: { type: integer }\n",
    );
    root.write("registry/names.yaml", "name: names\ndescription: Names.\ninput: { type: object }\nrequest: { method: GET, path: /v1/workspaces }\nresponse: { select: /workspaces/0/name }\n");
    root.write("registry/missing.yaml", "name: missing\ndescription: Missing.\ninput: { type: object }\nrequest: { method: GET, path: /v1/workspaces }\nresponse: { select: /nothing }\n");
    let api = MockApi::json(
        200,
        json!({"counters": {"total": 4}, "workspaces": [{"name": "Client A"}]}),
    )
    .await;
    let client = Launch::new(&api.base_url).root(root.path()).start().await;
    let tools = client.list_all_tools().await.expect("list");
    assert!(
        tools
            .iter()
            .find(|t| t.name == "pool_counts")
            .expect("tool")
            .output_schema
            .is_some()
    );
    let result = call(&client, "pool_counts", json!({})).await;
    assert_eq!(result.structured_content, Some(json!({"total": 4})));
    let names = call(&client, "names", json!({})).await;
    assert_eq!(text(&names), "\"Client A\"");
    assert!(names.structured_content.is_none());
    let missing = call(&client, "missing", json!({})).await;
    assert!(
        is_error(&missing) && text(&missing).contains("has nothing at /nothing"),
        "{}",
        text(&missing)
    );
    client.cancel().await.ok();
}

#[tokio::test]
async fn cancelling_a_call_stops_the_http_request() {
    let api = MockApi::start(|_, _| Reply::Hang).await;
    let client = Launch::new(&api.base_url).start().await;
    let call = client.call_tool(
        CallToolRequestParams::new("fixture_list_projects").with_arguments(args(json!({}))),
    );
    // Dropping the future makes rmcp's client send notifications/cancelled.
    assert!(
        tokio::time::timeout(Duration::from_millis(500), call)
            .await
            .is_err(),
        "the call hangs upstream"
    );
    tokio::time::timeout(Duration::from_secs(10), api.hang_closed.notified())
        .await
        .expect("the server closed the upstream connection after the cancellation");
    // The server keeps serving.
    assert!(!tool_names(&client).await.is_empty());
    client.cancel().await.ok();
}

#[tokio::test]
async fn calls_in_flight_are_bounded() {
    let root = TempRoot::new(
        "name: t\nupstream:\n  base_url: \"{{ env('LAYEROPS_API_BASE_URL') }}\"\n  max_in_flight: 1\n",
    );
    root.write("registry/slow.yaml", "name: slow\ndescription: Hangs.\ninput: { type: object }\nrequest: { method: GET, path: /slow }\n");
    root.write("registry/fast.yaml", "name: fast\ndescription: Answers.\ninput: { type: object }\nrequest: { method: GET, path: /fast }\n");
    let api = MockApi::start(|r, _| {
        if r.target == "/slow" {
            Reply::Hang
        } else {
            Reply::json(200, json!({"fast": true}))
        }
    })
    .await;
    let client = Launch::new(&api.base_url).root(root.path()).start().await;
    let mut slow = Box::pin(
        client.call_tool(CallToolRequestParams::new("slow").with_arguments(args(json!({})))),
    );
    // Let the slow call take the only slot first.
    tokio::select! {
        _ = &mut slow => panic!("the slow call hangs upstream"),
        _ = async { while api.requests().is_empty() { tokio::time::sleep(Duration::from_millis(10)).await } } => {}
    }
    let mut fast = Box::pin(
        client.call_tool(CallToolRequestParams::new("fast").with_arguments(args(json!({})))),
    );
    // While the slow call holds the only slot, the fast one waits and nothing else is sent.
    tokio::select! {
        _ = &mut slow => panic!("the slow call hangs upstream"),
        _ = &mut fast => panic!("the fast call must wait for a free slot"),
        _ = tokio::time::sleep(Duration::from_millis(700)) => {}
    }
    drop(slow);
    assert_eq!(
        api.requests()
            .iter()
            .map(|r| r.target.as_str())
            .collect::<Vec<_>>(),
        vec!["/slow"]
    );
    // The slow call was dropped (cancelled): its slot frees and the fast call goes through.
    let result = tokio::time::timeout(Duration::from_secs(10), &mut fast)
        .await
        .expect("the fast call ran once the slot was free")
        .expect("answered");
    assert!(!is_error(&result), "{}", text(&result));
    drop(fast);
    client.cancel().await.ok();
}

#[tokio::test]
async fn answers_are_compact_unless_pretty_ones_are_asked_for() {
    // The API lays its answer out with spaces and newlines; the model gets it compact.
    let api = MockApi::start(|_, _| {
        Reply::text(
            200,
            "application/json",
            "[\n  { \"uuid\" : \"e1\", \"name\" : \"Prod, with spaces\" }\n]",
        )
    })
    .await;
    let compact = Launch::new(&api.base_url).start().await;
    let result = call(
        &compact,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    assert_eq!(
        text(&result),
        r#"[{"uuid":"e1","name":"Prod, with spaces"}]"#
    );
    compact.cancel().await.ok();
    let pretty = Launch::new(&api.base_url)
        .arg("--pretty-answers")
        .start()
        .await;
    let result = call(
        &pretty,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    assert_eq!(
        text(&result),
        "[\n  {\n    \"uuid\": \"e1\",\n    \"name\": \"Prod, with spaces\"\n  }\n]"
    );
    pretty.cancel().await.ok();
}

#[tokio::test]
async fn response_shaping_drops_fields_and_counts_what_it_leaves_out() {
    let events: Vec<serde_json::Value> = (0..7)
        .map(|i| json!({"uuid": format!("ev{i}"), "message": format!("event {i}"), "internal": {"trace": i}}))
        .collect();
    let api = MockApi::json(200, json!({"items": events})).await;
    let root = TempRoot::standard();
    root.write(
        "registry/items/list_events.yaml",
        "name: list_events\ndescription: Lists events.\ninput:\n  type: object\nrequest:\n  method: GET\n  path: /events\nresponse:\n  select: /items\n  drop: [internal]\n  max_items: 3\n  narrow_with: a shorter time window\n",
    );
    let client = Launch::new(&api.base_url).root(root.path()).start().await;
    let result = call(&client, "list_events", json!({})).await;
    let text = text(&result);
    assert!(!is_error(&result), "{text}");
    let (list, note) = text.split_once('\n').expect("a list, then a note");
    let list: serde_json::Value = serde_json::from_str(list).expect("JSON");
    assert_eq!(
        list,
        json!([
            {"uuid": "ev0", "message": "event 0"},
            {"uuid": "ev1", "message": "event 1"},
            {"uuid": "ev2", "message": "event 2"}
        ])
    );
    assert_eq!(
        note,
        "[4 more not shown; narrow with a shorter time window.]"
    );
    client.cancel().await.ok();
}

#[tokio::test]
async fn response_shaping_keeps_the_named_fields_of_each_item_and_leaves_out_nulls() {
    let services = json!([
        {"uuid": "s1", "name": "web", "deletedAt": null, "ports": [{"listeningPort": 80, "tls": null}], "environmentVariables": [{"key": "A"}]},
        {"uuid": "s2", "name": "api", "deletedAt": "2026-01-01", "ports": [], "links": []}
    ]);
    let api = MockApi::json(200, services).await;
    let root = TempRoot::standard();
    root.write(
        "registry/items/list_services.yaml",
        "name: list_services\ndescription: Lists services.\ninput:\n  type: object\nrequest:\n  method: GET\n  path: /services\nresponse:\n  keep: [uuid, name, deletedAt, ports]\n  drop_nulls: true\n",
    );
    let client = Launch::new(&api.base_url).root(root.path()).start().await;
    let result = call(&client, "list_services", json!({})).await;
    let text = text(&result);
    assert!(!is_error(&result), "{text}");
    let list: serde_json::Value = serde_json::from_str(&text).expect("JSON, with no note");
    assert_eq!(
        list,
        json!([
            {"uuid": "s1", "name": "web", "ports": [{"listeningPort": 80}]},
            {"uuid": "s2", "name": "api", "deletedAt": "2026-01-01", "ports": []}
        ])
    );
    client.cancel().await.ok();
}

/// Shaping alone (no `select`): the answer is shaped as it is read. Fields are left out at
/// any depth, the list is capped with its note, text is kept as the API wrote it, and the
/// key the API echoes (as is, or with escapes) is masked like in any other answer.
#[tokio::test]
async fn an_answer_shaped_as_it_is_read_drops_caps_and_masks_like_any_other() {
    let escaped = KEY_SECRET.replace('-', "\\u002d");
    let body = format!(
        r#"[
          {{"uuid": "s1", "name": "caf\u00e9 \"web\"", "status": null, "echo": "{KEY_SECRET}",
            "ports": [{{"listeningPort": 80, "internal": {{"trace": 1}}, "tls": null}}]}},
          {{"uuid": "s2", "name": "api", "echo": "{escaped}", "internal": 2}},
          {{"uuid": "s3"}}, {{"uuid": "s4"}}
        ]"#
    );
    let api = MockApi::start(move |_, _| Reply::text(200, "application/json", &body)).await;
    let root = TempRoot::standard();
    root.write(
        "registry/items/list_services.yaml",
        "name: list_services\ndescription: Lists services.\ninput:\n  type: object\nrequest:\n  method: GET\n  path: /services\nresponse:\n  drop: [internal]\n  drop_nulls: true\n  max_items: 2\n  narrow_with: a name filter\n",
    );
    let client = Launch::new(&api.base_url).root(root.path()).start().await;
    let result = call(&client, "list_services", json!({})).await;
    let text = text(&result);
    assert!(!is_error(&result), "{text}");
    assert!(
        !text.contains(KEY_SECRET) && !text.contains(&escaped),
        "{text}"
    );
    let (list, note) = text.split_once('\n').expect("a list, then a note");
    assert_eq!(note, "[2 more not shown; narrow with a name filter.]");
    let list: serde_json::Value = serde_json::from_str(list).expect("compact JSON");
    assert_eq!(
        list,
        json!([
            {"uuid": "s1", "name": "café \"web\"", "echo": "****", "ports": [{"listeningPort": 80}]},
            {"uuid": "s2", "name": "api", "echo": "****"}
        ])
    );
    client.cancel().await.ok();
    // Indented on request, from the same shaped text.
    let pretty = Launch::new(&api.base_url)
        .root(root.path())
        .arg("--pretty-answers")
        .start()
        .await;
    let result = call(&pretty, "list_services", json!({})).await;
    let indented = super::common::text(&result);
    assert_eq!(
        indented,
        format!(
            "{}\n{note}",
            serde_json::to_string_pretty(&list).expect("text")
        )
    );
    pretty.cancel().await.ok();
}

/// A tool on `path` with this `response:` block.
fn shaping_tool(name: &str, path: &str, response: &str) -> String {
    format!(
        "name: {name}\ndescription: Lists items.\ninput:\n  type: object\n  properties: {{}}\nrequest:\n  method: GET\n  path: {path}\nresponse:\n{response}\n"
    )
}

#[tokio::test]
async fn a_tool_that_trims_its_answer_reads_past_the_limit_and_tells_how_many_it_left_out() {
    let root = TempRoot::standard();
    let tools = [
        (
            "capped",
            "/items",
            "  keep: [id]\n  max_items: 3\n  narrow_with: a filter",
        ),
        ("nonulls", "/items", "  drop_nulls: true"),
        ("picked", "/wrapped", "  select: /data"),
        ("textual", "/text", "  drop_nulls: true"),
        (
            "structured",
            "/wrapped",
            "  drop_nulls: true\n  output_schema: { type: object }",
        ),
    ];
    for (name, path, response) in tools {
        root.write(
            &format!("registry/items/{name}.yaml"),
            &shaping_tool(name, path, response),
        );
    }
    // 4,000 items of about 75 bytes: 300 KB, three times the limit.
    let items: Vec<Value> = (0..4_000)
        .map(|i| json!({"id": i, "about": "x".repeat(50), "gone": null}))
        .collect();
    let list = serde_json::to_string(&items).expect("JSON");
    let wrapped = serde_json::to_string(&json!({"data": items})).expect("JSON");
    let prose = "not json ".repeat(100_000);
    let api = MockApi::start(move |request, _| match request.target.as_str() {
        "/items" => Reply::text(200, "application/json", &list),
        "/wrapped" => Reply::text(200, "application/json", &wrapped),
        _ => Reply::text(200, "text/plain", &prose),
    })
    .await;
    let client = Launch::new(&api.base_url).root(root.path()).start().await;

    // max_items: the first three, and the exact count of the rest (not a cut at 100 KB).
    let capped = text(&call(&client, "capped", json!({})).await);
    assert_eq!(
        capped,
        "[{\"id\":0},{\"id\":1},{\"id\":2}]\n[3997 more not shown; narrow with a filter.]"
    );

    // A trimmed or picked list still past the limit: whole items up to it, and how many
    // were left out.
    for tool in ["nonulls", "picked"] {
        let trimmed = text(&call(&client, tool, json!({})).await);
        assert!(trimmed.len() < 102_400 + 200, "{tool}: {}", trimmed.len());
        let (shown, note) = trimmed.split_once("\n[").expect("a note");
        let shown: Vec<Value> = serde_json::from_str(shown).expect("whole items");
        assert!(shown.len() > 1_000, "{tool}: {}", shown.len());
        assert_eq!(
            note,
            format!(
                "{} more not shown (answers are held to 102400 bytes).]",
                4_000 - shown.len()
            ),
            "{tool}"
        );
    }

    // What is not JSON is read as far too, and shown only up to the limit.
    let textual = text(&call(&client, "textual", json!({})).await);
    assert!(textual.starts_with("not json not json"));
    assert!(textual.len() < 102_400 + 400, "{}", textual.len());
    assert!(
        textual.contains("[Cut: the answer of GET /text"),
        "{textual}"
    );

    // structuredContent goes whole, never cut: such a tool reads only up to the limit.
    let structured = call(&client, "structured", json!({})).await;
    assert!(!is_error(&structured), "{}", text(&structured));
    let sent = serde_json::to_string(&structured.structured_content).expect("JSON");
    assert!(sent.len() <= 102_400, "{}", sent.len());
    client.cancel().await.ok();
}
