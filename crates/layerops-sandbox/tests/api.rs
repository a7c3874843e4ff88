//! The sandbox as an HTTP API on loopback: every endpoint with its documented shape, and
//! the errors of a careful API.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const KEY: &str = "LYPSANDBOXDEMOKEY00000000:00000000-5a4d-4b0c-8000-000000000000";

struct Sandbox {
    base: String,
    http: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Sandbox {
    /// The sandbox in this process, on a free loopback port.
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(layerops_sandbox::serve(listener, async move {
            let _ = stopped.await;
        }));
        Self {
            base,
            http: reqwest::Client::new(),
            _stop: stop,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("X-API-KEY", KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("sandbox answers");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    async fn ok(&self, method: Method, path: &str, body: Value, expected: StatusCode) -> Value {
        let (status, answer) = self.call(method.clone(), path, Some(body)).await;
        assert_eq!(status, expected, "{method} {path}: {answer}");
        answer
    }

    async fn workspaces(&self) -> Value {
        self.get("/v1/workspaces?includeEnvironmentAndProviders=true")
            .await
    }

    /// (workspace uuid, environment uuid) of a named demo environment.
    async fn environment(&self, name: &str) -> (String, String) {
        let all = self.workspaces().await;
        for ws in all["workspaces"].as_array().expect("workspaces") {
            for env in ws["environments"].as_array().expect("environments") {
                if env["name"] == name {
                    return (
                        ws["uuid"].as_str().expect("uuid").into(),
                        env["uuid"].as_str().expect("uuid").into(),
                    );
                }
            }
        }
        panic!("no environment {name}");
    }
}

fn assert_error(body: &Value, status: u16) {
    assert_eq!(body["statusCode"], status, "{body}");
    assert!(
        body["message"].is_string() || body["message"].is_array(),
        "{body}"
    );
}

#[tokio::test]
async fn requests_need_the_api_key() {
    let sandbox = Sandbox::start().await;
    for key in [
        None,
        Some("wrong"),
        Some("LYPSANDBOXDEMOKEY00000000:00000000-0000-4000-8000-000000000000"),
    ] {
        let mut request = sandbox.http.get(format!("{}/v1/workspaces", sandbox.base));
        if let Some(key) = key {
            request = request.header("X-API-KEY", key);
        }
        let response = request.send().await.expect("answer");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.json::<Value>().await.expect("JSON"),
            json!({"statusCode": 401, "message": "Unauthorized"})
        );
    }
}

#[tokio::test]
async fn projects_have_the_documented_shape_and_lifecycle() {
    let sandbox = Sandbox::start().await;
    let plain = sandbox.get("/v1/workspaces").await;
    assert_eq!(plain["globalLimitEnvironmentNumber"], 8);
    assert_eq!(plain["totalAssociatedEnvironments"], 3);
    let names: Vec<&str> = plain["workspaces"]
        .as_array()
        .expect("list")
        .iter()
        .map(|w| w["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, vec!["Acme Shop", "Data Lab"]);
    let first = &plain["workspaces"][0];
    for field in ["uuid", "name", "createdAt", "limitEnvironmentNumber"] {
        assert!(first.get(field).is_some(), "{field} in {first}");
    }
    assert!(first.get("environments").is_none());
    let nested = sandbox.workspaces().await;
    let env = &nested["workspaces"][0]["environments"][0];
    assert_eq!(env["deletedAt"], Value::Null);
    let provider = &env["providers"][0];
    assert!(
        provider["uuid"].is_string()
            && provider["platformName"] == "Scaleway"
            && provider["platformIcon"] == "scaleway-icon.svg",
        "{provider}"
    );

    let created = sandbox
        .ok(
            Method::POST,
            "/v1/workspaces",
            json!({"name": "New Project"}),
            StatusCode::CREATED,
        )
        .await;
    let uuid = created["uuid"].as_str().expect("uuid").to_owned();
    assert_eq!(created["name"], "New Project");
    let env = sandbox
        .ok(
            Method::POST,
            &format!("/v1/workspaces/{uuid}/environments"),
            json!({"name": "dev"}),
            StatusCode::CREATED,
        )
        .await;
    let env_uuid = env["uuid"].as_str().expect("uuid").to_owned();
    let deleted = sandbox
        .ok(
            Method::DELETE,
            &format!("/v1/workspaces/{uuid}"),
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(deleted["deleted"], true);
    // What the project held is gone with it.
    let (status, body) = sandbox
        .call(Method::GET, &format!("/v1/environments/{env_uuid}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, 404);
    let (status, _) = sandbox
        .call(
            Method::GET,
            &format!("/v1/workspaces/{uuid}/environments"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_bodies_unknown_ids_routes_and_verbs_get_json_errors() {
    let sandbox = Sandbox::start().await;
    let cases: Vec<(Method, String, Option<Value>, u16, &str)> = vec![
        (
            Method::POST,
            "/v1/workspaces".into(),
            Some(json!({})),
            400,
            "name should not be empty",
        ),
        (
            Method::POST,
            "/v1/workspaces".into(),
            Some(json!({"name": 3})),
            400,
            "name must be a string",
        ),
        (
            Method::POST,
            "/v1/workspaces".into(),
            Some(json!({"name": "x", "owner": "me"})),
            400,
            "property owner should not exist",
        ),
        (
            Method::POST,
            "/v1/workspaces".into(),
            Some(json!([1])),
            400,
            "must be a JSON object",
        ),
        (
            Method::GET,
            "/v1/environments/5b1c9d2e-7f3a-4c8b-9e6d-0a1b2c3d4e5f".into(),
            None,
            404,
            "Environment 5b1c9d2e-7f3a-4c8b-9e6d-0a1b2c3d4e5f not found",
        ),
        (
            Method::GET,
            "/v1/services/not-a-uuid".into(),
            None,
            400,
            "uuid is expected",
        ),
        (
            Method::GET,
            "/v1/nothing/here".into(),
            None,
            404,
            "Cannot GET /v1/nothing/here",
        ),
        // A known path with another verb answers as NestJS (Express) does: 404, not 405.
        (
            Method::PATCH,
            "/v1/workspaces".into(),
            None,
            404,
            "Cannot PATCH /v1/workspaces",
        ),
        (
            Method::PUT,
            "/v1/environments/5b1c9d2e-7f3a-4c8b-9e6d-0a1b2c3d4e5f".into(),
            None,
            404,
            "Cannot PUT /v1/environments/5b1c9d2e-7f3a-4c8b-9e6d-0a1b2c3d4e5f",
        ),
        (
            Method::GET,
            "/v1/workspaces/5b1c9d2e-7f3a-4c8b-9e6d-0a1b2c3d4e5f".into(),
            None,
            404,
            "Cannot GET /v1/workspaces/5b1c9d2e-7f3a-4c8b-9e6d-0a1b2c3d4e5f",
        ),
    ];
    for (method, path, body, status, message) in cases {
        let (got, answer) = sandbox.call(method.clone(), &path, body).await;
        assert_eq!(got.as_u16(), status, "{method} {path}: {answer}");
        assert_error(&answer, status);
        assert!(
            answer["message"].to_string().contains(message),
            "{method} {path}: {answer}"
        );
    }
    // Malformed JSON.
    let response = sandbox
        .http
        .post(format!("{}/v1/workspaces", sandbox.base))
        .header("X-API-KEY", KEY)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("not valid JSON"),
        "{body}"
    );
}

#[tokio::test]
async fn environments_respect_the_project_limit_and_list_their_providers() {
    let sandbox = Sandbox::start().await;
    let (lab, analytics) = sandbox.environment("analytics").await;
    let listed = sandbox
        .get(&format!("/v1/workspaces/{lab}/environments"))
        .await;
    assert_eq!(listed.as_array().expect("array").len(), 1);
    let detail = sandbox.get(&format!("/v1/environments/{analytics}")).await;
    assert_eq!(detail["name"], "analytics");
    assert_eq!(detail["workspaceUuid"], lab);
    assert_eq!(detail["providers"].as_array().expect("providers").len(), 2);
    let created = sandbox
        .ok(
            Method::POST,
            &format!("/v1/workspaces/{lab}/environments"),
            json!({"name": "ml", "providers": ["Azure"]}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(created["providers"][0]["platformName"], "Azure");
    // Data Lab allows 2 environments.
    let (status, body) = sandbox
        .call(
            Method::POST,
            &format!("/v1/workspaces/{lab}/environments"),
            Some(json!({"name": "third"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("Environment limit reached")
    );
    let (status, _) = sandbox
        .call(
            Method::POST,
            &format!("/v1/workspaces/{lab}/environments"),
            Some(json!({"name": "x", "providers": ["Nowhere"]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    sandbox
        .ok(
            Method::DELETE,
            &format!("/v1/environments/{analytics}"),
            json!({}),
            StatusCode::OK,
        )
        .await;
    let (status, _) = sandbox
        .call(
            Method::GET,
            &format!("/v1/environments/{analytics}/services"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn machine_types_carry_scaled_prices() {
    let sandbox = Sandbox::start().await;
    let (_, prod) = sandbox.environment("production").await;
    let env = sandbox.get(&format!("/v1/environments/{prod}")).await;
    let provider = env["providers"][0]["uuid"]
        .as_str()
        .expect("provider")
        .to_owned();
    let types = sandbox
        .get(&format!("/v1/providers/{provider}/instancesTypes"))
        .await;
    let types = types.as_array().expect("array");
    assert!(!types.is_empty());
    for t in types {
        for field in [
            "uuid",
            "name",
            "memory",
            "vCPUs",
            "ssd",
            "storage",
            "onDemandCost",
            "reservedCost",
            "priceFactor",
            "monthlyPrice",
        ] {
            assert!(t.get(field).is_some(), "{field} in {t}");
        }
        assert_eq!(t["priceFactor"], 10000);
        assert_eq!(
            t["monthlyPrice"].as_u64(),
            t["onDemandCost"].as_u64().map(|c| c * 720)
        );
    }
}

#[tokio::test]
async fn instance_pools_are_created_resized_and_deleted_with_events() {
    let sandbox = Sandbox::start().await;
    let (_, staging) = sandbox.environment("staging").await;
    let env = sandbox.get(&format!("/v1/environments/{staging}")).await;
    let provider = env["providers"][0]["uuid"]
        .as_str()
        .expect("provider")
        .to_owned();
    let types = sandbox
        .get(&format!("/v1/providers/{provider}/instancesTypes"))
        .await;
    let machine = types[0]["uuid"].as_str().expect("type").to_owned();
    let pool = sandbox
        .ok(
            Method::POST,
            &format!("/v1/providers/{provider}/instancePools"),
            // The predecessor's field names are a guess as much as ours: ignored, not refused.
            json!({"name": "workers", "instanceTypeUuid": machine, "countMin": 2, "countMax": 4, "minInstances": 2, "autoScaling": true}),
            StatusCode::CREATED,
        )
        .await;
    let uuid = pool["uuid"].as_str().expect("uuid").to_owned();
    assert!(pool.get("minInstances").is_none(), "{pool}");
    assert_eq!(pool["instances"].as_array().expect("instances").len(), 2);
    assert_eq!(pool["environmentUuid"], staging);
    let listed = sandbox
        .get(&format!("/v1/environments/{staging}/instancePools"))
        .await;
    assert!(
        listed
            .as_array()
            .expect("pools")
            .iter()
            .any(|p| p["uuid"] == uuid)
    );
    let resized = sandbox
        .ok(
            Method::PUT,
            &format!("/v1/instancePools/{uuid}"),
            json!({"countMin": 3, "countMax": 5}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        (
            resized["countMin"].clone(),
            resized["instances"].as_array().expect("instances").len()
        ),
        (json!(3), 3)
    );
    let patched = sandbox
        .ok(
            Method::PATCH,
            &format!("/v1/instancePools/{uuid}"),
            json!({"countMax": 3}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(patched["countMax"], 3);
    let (status, body) = sandbox
        .call(
            Method::PUT,
            &format!("/v1/instancePools/{uuid}"),
            Some(json!({"countMin": 4, "countMax": 2})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = sandbox
        .call(
            Method::POST,
            &format!("/v1/providers/{provider}/instancePools"),
            Some(
                json!({"name": "bad", "instanceTypeUuid": "00000000-0000-4000-8000-000000000000"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let events = sandbox
        .get(&format!("/v1/instancePools/{uuid}/events"))
        .await;
    let kinds: Vec<&str> = events
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        kinds,
        vec![
            "instancePool.updated",
            "instancePool.updated",
            "instancePool.created"
        ],
        "newest first"
    );
    sandbox
        .ok(
            Method::DELETE,
            &format!("/v1/instancePools/{uuid}"),
            json!({}),
            StatusCode::OK,
        )
        .await;
    let (status, _) = sandbox
        .call(Method::GET, &format!("/v1/instancePools/{uuid}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let env_events = sandbox
        .get(&format!("/v1/environments/{staging}/events"))
        .await;
    assert_eq!(env_events[0]["type"], "instancePool.deleted");
}

#[tokio::test]
async fn services_are_created_scaled_updated_and_deleted() {
    let sandbox = Sandbox::start().await;
    let (_, prod) = sandbox.environment("production").await;
    let services = sandbox
        .get(&format!("/v1/environments/{prod}/services"))
        .await;
    let api = services
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["name"] == "api")
        .expect("api service")
        .clone();
    let password = api["environmentVariables"]
        .as_array()
        .expect("vars")
        .iter()
        .find(|v| v["key"] == "DATABASE_PASSWORD")
        .expect("var")
        .clone();
    assert_eq!(
        password["value"], "********",
        "sensitive values are never returned"
    );

    let definition = json!({"name": "cache", "dockerConfiguration": {"image": "redis", "imageVersion": "7"}, "countMin": 1, "countMax": 2,
        "ports": [{"listeningPort": 6379, "protocol": "tcp"}], "environmentVariables": [{"key": "REDIS_PASSWORD", "value": "x", "isSensitive": true}]});
    let created = sandbox
        .ok(
            Method::POST,
            &format!("/v1/environments/{prod}/services"),
            definition,
            StatusCode::CREATED,
        )
        .await;
    let uuid = created["uuid"].as_str().expect("uuid").to_owned();
    assert_eq!(
        (
            created["status"].clone(),
            created["runningCount"].clone(),
            created["type"].clone()
        ),
        (json!("running"), json!(1), json!("classic"))
    );
    let (status, body) = sandbox
        .call(
            Method::POST,
            &format!("/v1/environments/{prod}/services"),
            Some(json!({"name": "cache", "dockerConfiguration": {"image": "redis"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = sandbox
        .call(
            Method::POST,
            &format!("/v1/environments/{prod}/services"),
            Some(json!({"name": "", "countMin": 3, "countMax": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_array().expect("list").len() >= 3,
        "{body}"
    );

    let scaled = sandbox
        .ok(
            Method::PUT,
            &format!("/v1/services/{uuid}"),
            json!({"countMin": 3, "countMax": 5}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        (
            scaled["countMin"].clone(),
            scaled["countMax"].clone(),
            scaled["runningCount"].clone()
        ),
        (json!(3), json!(5), json!(3))
    );
    let updated = sandbox
        .ok(
            Method::PUT,
            &format!("/v1/services/{uuid}"),
            json!({"dockerConfiguration": {"image": "redis", "imageVersion": "7.4"}}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(updated["dockerConfiguration"]["imageVersion"], "7.4");
    assert_eq!(updated["countMax"], 5, "fields not given are kept");
    let got = sandbox.get(&format!("/v1/services/{uuid}")).await;
    assert_eq!(got["dockerConfiguration"]["imageVersion"], "7.4");
    let events = sandbox.get(&format!("/v1/services/{uuid}/events")).await;
    let kinds: Vec<&str> = events
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        kinds,
        vec!["service.updated", "service.scaled", "service.created"]
    );
    sandbox
        .ok(
            Method::DELETE,
            &format!("/v1/services/{uuid}"),
            json!({}),
            StatusCode::OK,
        )
        .await;
    let (status, _) = sandbox
        .call(Method::GET, &format!("/v1/services/{uuid}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let example = sandbox
        .http
        .get(format!(
            "{}/v1/services/exampleImportYml?format=text",
            sandbox.base
        ))
        .header("X-API-KEY", KEY)
        .send()
        .await
        .expect("answer")
        .text()
        .await
        .expect("text");
    assert!(example.starts_with("services:\n"), "{example}");
}

#[tokio::test]
async fn analyze_computes_costs_from_running_machines() {
    let sandbox = Sandbox::start().await;
    let (_, prod) = sandbox.environment("production").await;
    let window = "startTime=2026-10-01T00:00:00.000Z&endTime=2026-10-02T00:00:00.000Z";
    let analysis = sandbox
        .get(&format!("/v1/environments/{prod}/analyze?{window}"))
        .await;
    assert_eq!(analysis["hours"], 24.0);
    // Demo production: 3 x DEV1-M at 0.0198/h and 1 x m5.large at 0.107/h, for 24 hours.
    let expected = (3.0 * 0.0198 + 0.107) * 24.0;
    let total = analysis["totalCost"].as_f64().expect("total");
    assert!((total - expected).abs() < 0.01, "{total} vs {expected}");
    let pools_total: f64 = analysis["instancePools"]
        .as_array()
        .expect("pools")
        .iter()
        .map(|p| p["cost"].as_f64().expect("cost"))
        .sum();
    assert!((pools_total - total).abs() < 0.02);
    let shares: f64 = analysis["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| s["costShare"].as_f64().expect("share"))
        .sum();
    assert!((shares - 1.0).abs() < 0.02, "{shares}");
    let (status, body) = sandbox
        .call(
            Method::GET,
            &format!("/v1/environments/{prod}/analyze?startTime=yesterday"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = sandbox.call(Method::GET, &format!("/v1/environments/{prod}/analyze?startTime=2026-10-02T00:00:00Z&endTime=2026-10-01T00:00:00Z"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A scale-out shows in the costs.
    let pools = sandbox
        .get(&format!("/v1/environments/{prod}/instancePools"))
        .await;
    let web_pool = pools
        .as_array()
        .expect("pools")
        .iter()
        .find(|p| p["name"] == "web-pool")
        .expect("pool")["uuid"]
        .as_str()
        .expect("uuid")
        .to_owned();
    sandbox
        .ok(
            Method::PUT,
            &format!("/v1/instancePools/{web_pool}"),
            json!({"countMin": 5, "countMax": 6}),
            StatusCode::OK,
        )
        .await;
    let after = sandbox
        .get(&format!("/v1/environments/{prod}/analyze?{window}"))
        .await;
    assert!(after["totalCost"].as_f64().expect("total") > total);
}

#[tokio::test]
async fn monitoring_answers_with_time_series() {
    let sandbox = Sandbox::start().await;
    let (_, prod) = sandbox.environment("production").await;
    let services = sandbox
        .get(&format!("/v1/environments/{prod}/services"))
        .await;
    let web = services[0]["uuid"].as_str().expect("uuid").to_owned();
    let series = sandbox.get(&format!("/v1/environments/{prod}/monitoring/services/{web}?startTime=2026-11-01T00:00:00Z&endTime=2026-11-01T01:00:00Z&step=300")).await;
    assert_eq!(series["stepSeconds"], 300);
    let metrics = series["series"].as_array().expect("series");
    assert!(metrics.iter().any(|m| m["metric"] == "cpu_percent"));
    for m in metrics {
        let points = m["points"].as_array().expect("points");
        assert_eq!(points.len(), 13);
        assert!(
            points
                .iter()
                .all(|p| p[0].is_string() && p[1].as_f64().is_some_and(|v| v >= 0.0))
        );
    }
    let again = sandbox.get(&format!("/v1/environments/{prod}/monitoring/services/{web}?startTime=2026-11-01T00:00:00Z&endTime=2026-11-01T01:00:00Z&step=300")).await;
    assert_eq!(series, again, "repeatable");
    let pools = sandbox
        .get(&format!("/v1/environments/{prod}/instancePools"))
        .await;
    let instance = pools[0]["instances"][0]["uuid"]
        .as_str()
        .expect("instance")
        .to_owned();
    sandbox
        .get(&format!(
            "/v1/environments/{prod}/monitoring/instances/{instance}"
        ))
        .await;
    let (status, _) = sandbox
        .call(
            Method::GET,
            &format!("/v1/environments/{prod}/monitoring/disks/{web}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = sandbox
        .call(
            Method::GET,
            &format!(
                "/v1/environments/{prod}/monitoring/services/00000000-0000-4000-8000-000000000000"
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn hostile_input_gets_errors_and_never_stops_the_sandbox() {
    let sandbox = Sandbox::start().await;
    let (_, prod) = sandbox.environment("production").await;
    let bodies = vec![
        json!(null),
        json!("string"),
        json!({"name": "\u{0000}\r\n"}),
        json!({"name": "x".repeat(100_000)}),
        json!({"name": "web", "dockerConfiguration": {"image": "nginx"}, "ports": "many"}),
        json!({"name": "web", "dockerConfiguration": {"image": "nginx"}, "ports": [{"listeningPort": 1e30}]}),
        json!({"name": "web", "dockerConfiguration": {"image": "nginx"}, "countMin": -5}),
    ];
    for body in bodies {
        for path in [
            "/v1/workspaces".to_owned(),
            format!("/v1/environments/{prod}/services"),
        ] {
            let (status, answer) = sandbox.call(Method::POST, &path, Some(body.clone())).await;
            assert!(status.is_client_error(), "{path}: {status} {answer}");
        }
    }
    // Deeper than any JSON parser should follow.
    let nested = format!(
        "{{\"name\": {}1{}}}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let response = sandbox
        .http
        .post(format!("{}/v1/workspaces", sandbox.base))
        .header("X-API-KEY", KEY)
        .header("content-type", "application/json")
        .body(nested)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    for path in [
        "/v1/services/%00",
        "/v1/services/{}",
        "/v1/instancePools/%2e%2e",
        "/v1/environments/x/monitoring/a/b?step=-1&startTime=%ff",
    ] {
        let (status, _) = sandbox.call(Method::GET, path, None).await;
        assert!(status.is_client_error(), "{path}: {status}");
    }
    assert_eq!(
        sandbox.workspaces().await["workspaces"]
            .as_array()
            .expect("list")
            .len(),
        2,
        "still serving, state intact"
    );
}

#[tokio::test]
async fn deleted_environments_are_soft_deleted() {
    let sandbox = Sandbox::start().await;
    let (workspace, staging) = sandbox.environment("staging").await;
    let deleted = sandbox
        .ok(
            Method::DELETE,
            &format!("/v1/environments/{staging}"),
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert!(deleted["deletedAt"].is_string(), "{deleted}");
    // Still readable, with its deletion date, as the documented `deletedAt` field says.
    let env = sandbox.get(&format!("/v1/environments/{staging}")).await;
    assert_eq!(env["deletedAt"], deleted["deletedAt"]);
    let listed = sandbox
        .get(&format!("/v1/workspaces/{workspace}/environments"))
        .await;
    assert!(
        listed
            .as_array()
            .expect("list")
            .iter()
            .all(|e| e["uuid"] != staging.as_str()),
        "{listed}"
    );
    // Nothing can be added to it, and it cannot be deleted twice.
    let (status, _) = sandbox
        .call(
            Method::POST,
            &format!("/v1/environments/{staging}/services"),
            Some(json!({"name": "web", "dockerConfiguration": {"image": "nginx"}})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = sandbox
        .call(Method::DELETE, &format!("/v1/environments/{staging}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
