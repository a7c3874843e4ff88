//! What operators watch: Prometheus metrics on their own address (scraped by a real
//! Prometheus in CI), and one log line per call, as text or JSON, without argument values.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::http::{MockApi, Reply};
use crate::common::*;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

async fn metrics_of(port: u16) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(answer) = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await {
            return answer.text().await.expect("metrics text");
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no metrics on {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The value of the sample `name{labels}` (labels as written, in order).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
}

const PROJECT: &str = "9b2f1c3e-5d4a-4f6b-8c7d-1e2f3a4b5c6d";

#[tokio::test]
async fn metrics_count_calls_by_tool_and_outcome_on_their_own_address() {
    let api = MockApi::start(|request, _| {
        if request.target.contains(PROJECT) {
            Reply::json(200, json!([]))
        } else {
            Reply::json(500, json!({"message": "boom"}))
        }
    })
    .await;
    let port = free_port();
    let client = Launch::new(&api.base_url)
        .arg("--metrics")
        .arg(&format!("127.0.0.1:{port}"))
        .start()
        .await;
    call(
        &client,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    call(
        &client,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    call(
        &client,
        "fixture_list_environments",
        json!({"projectId": "00000000-0000-4000-8000-000000000000"}),
    )
    .await;
    let text = metrics_of(port).await;
    assert_eq!(
        sample(
            &text,
            r#"mcp_tool_calls_total{tool="fixture_list_environments",outcome="ok"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"mcp_tool_calls_total{tool="fixture_list_environments",outcome="api_error"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"mcp_upstream_responses_total{status="500"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"mcp_tool_call_duration_seconds_count{tool="fixture_list_environments"}"#
        ),
        Some(3.0)
    );
    assert_eq!(sample(&text, "mcp_sessions"), Some(1.0), "{text}");
    assert!(text.contains("mcp_catalogue_info{version=\""), "{text}");
    assert!(text.trim_end().ends_with("# EOF"), "OpenMetrics: {text}");
    // The key never shows, whatever the metric.
    assert!(!text.contains(KEY_SECRET));
    client.cancel().await.ok();
}

// Multi-threaded: the test reads the server's pipes with blocking calls while the mock
// API answers on the runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_call_logs_its_tool_route_status_and_duration_not_its_arguments() {
    let api = MockApi::json(200, json!([])).await;
    let root = TempRoot::standard();
    root.write("registry/items/list.yaml", LIST_ENVIRONMENTS);
    let stderr = call_once_over_stdio(
        root.path(),
        &api.base_url,
        &["--log-format", "json"],
        json!({}),
    );
    let call = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["message"] == "call")
        .unwrap_or_else(|| panic!("no call line: {stderr}"));
    assert_eq!(call["tool"], "fixture_list_environments", "{call}");
    assert_eq!(call["method"], "GET");
    assert_eq!(call["route"], "/v1/workspaces/{{ projectId }}/environments");
    assert_eq!(call["status"], 200);
    assert!(call["duration_ms"].is_number());
    assert!(
        !stderr.contains(PROJECT),
        "argument values stay out: {stderr}"
    );
    assert!(!stderr.contains(KEY_SECRET));
    assert!(
        stderr
            .lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok_and(|v| v["level"].is_string())),
        "every line is a JSON object with a level: {stderr}"
    );
}

/// A real Prometheus (the Debian package, which `.ci/run` installs) scrapes the server.
#[tokio::test]
#[ignore = "needs prometheus; .ci/run runs it"]
async fn a_real_prometheus_scrapes_the_metrics() {
    let api = MockApi::json(200, json!([])).await;
    let port = free_port();
    let client = Launch::new(&api.base_url)
        .arg("--metrics")
        .arg(&format!("127.0.0.1:{port}"))
        .start()
        .await;
    call(
        &client,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: mcp\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        ),
    )
    .expect("config");
    let web = free_port();
    let mut prometheus = std::process::Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{web}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("prometheus (apt-get install prometheus) runs");
    let query = format!(
        "http://127.0.0.1:{web}/api/v1/query?query=mcp_tool_calls_total%7Btool%3D%22fixture_list_environments%22%7D"
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let found = loop {
        if let Ok(answer) = reqwest::get(&query).await
            && let Ok(body) = answer.json::<Value>().await
            && let Some(value) = body["data"]["result"][0]["value"][1].as_str()
        {
            break value.to_owned();
        }
        if tokio::time::Instant::now() > deadline {
            let _ = prometheus.kill();
            panic!("Prometheus never scraped the metrics");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let _ = prometheus.kill();
    let _ = prometheus.wait();
    assert_eq!(found, "1");
    client.cancel().await.ok();
}

/// Runs the stdio server with `args`, makes one `tools/call` of `fixture_list_environments`
/// with `meta` as its `_meta`, closes stdin and waits for the exit: its stderr.
fn call_once_over_stdio(root: &std::path::Path, api: &str, args: &[&str], meta: Value) -> String {
    call_once_over_stdio_with(root, api, args, &[], meta)
}

/// [`call_once_over_stdio`] with `vars` in the server's environment.
fn call_once_over_stdio_with(
    root: &std::path::Path,
    api: &str,
    args: &[&str],
    vars: &[(&str, &str)],
    meta: Value,
) -> String {
    use std::io::{BufRead, Write};
    let mut child = std::process::Command::new(bin())
        .arg("serve")
        .args(args)
        .envs(vars.iter().copied())
        .arg("--root")
        .arg(root)
        .env("LAYEROPS_API_BASE_URL", api)
        .env("LAYEROPS_API_KEY_ID", "k")
        .env("LAYEROPS_API_KEY_SECRET", KEY_SECRET)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let hello = json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}});
        let call = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fixture_list_environments","arguments":{"projectId": PROJECT},"_meta": meta}});
        writeln!(stdin, "{hello}").expect("write");
        let mut line = String::new();
        stdout.read_line(&mut line).expect("initialize answer");
        writeln!(
            stdin,
            "{}\n{call}",
            json!({"jsonrpc":"2.0","method":"notifications/initialized"})
        )
        .expect("write");
        line.clear();
        stdout.read_line(&mut line).expect("call answer");
        assert!(line.contains("\"id\":1"), "{line}");
    }
    let out = child.wait_with_output().expect("exit");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[cfg(feature = "otlp")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traces_continue_the_clients_traceparent_to_the_api_and_the_collector() {
    let api = MockApi::json(200, json!([])).await;
    let collector = MockApi::json(200, json!({})).await;
    let root = TempRoot::standard();
    root.write("registry/items/list.yaml", LIST_ENVIRONMENTS);
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let client_span = "00f067aa0ba902b7";
    let stderr = call_once_over_stdio(
        root.path(),
        &api.base_url,
        &[
            "--otlp-endpoint",
            &collector.base_url,
            "--otlp-protocol",
            "http/json",
        ],
        json!({"traceparent": format!("00-{trace_id}-{client_span}-01")}),
    );
    // The API got a child of the client's span, in the client's trace.
    let sent = api.only_request();
    let traceparent = sent.header("traceparent").expect("a traceparent upstream");
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    assert_eq!(parts[1], trace_id);
    assert_ne!(parts[2], client_span, "the upstream call's own span");
    // The collector got both spans, in the client's trace, without argument values.
    let exported: Vec<String> = collector
        .requests()
        .iter()
        .filter(|r| r.target.ends_with("/v1/traces"))
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    let all = exported.join("\n");
    assert!(!exported.is_empty(), "nothing exported: {stderr}");
    assert!(
        all.contains("tools/call fixture_list_environments"),
        "{all}"
    );
    assert!(
        all.contains("GET /v1/workspaces/{{ projectId }}/environments"),
        "{all}"
    );
    assert!(all.contains(trace_id), "{all}");
    assert!(
        all.contains(client_span),
        "the request span's parent: {all}"
    );
    assert!(!all.contains(PROJECT), "no argument value in spans: {all}");
    assert!(!all.contains(KEY_SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_traces_nothing_is_added_upstream() {
    let api = MockApi::json(200, json!([])).await;
    let root = TempRoot::standard();
    root.write("registry/items/list.yaml", LIST_ENVIRONMENTS);
    call_once_over_stdio(
        root.path(),
        &api.base_url,
        &[],
        json!({"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}),
    );
    assert!(api.only_request().header("traceparent").is_none());
}

/// A build without the `otlp` feature (`cargo test` without `--features full`) refuses
/// traces asked for on the command line, and serves with a warning when the endpoint only
/// comes from the environment, which is often set for every program on a machine.
#[cfg(not(feature = "otlp"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_otlp_feature_asked_for_traces_are_refused_and_ambient_ones_warned_of() {
    let root = TempRoot::standard();
    root.write("registry/items/list.yaml", LIST_ENVIRONMENTS);
    let out = std::process::Command::new(bin())
        .args(["serve", "--otlp-endpoint", "http://127.0.0.1:9", "--root"])
        .arg(root.path())
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("cannot send traces") && text.contains("--features otlp"),
        "{text}"
    );
    let api = MockApi::json(200, json!([])).await;
    let stderr = call_once_over_stdio_with(
        root.path(),
        &api.base_url,
        &[],
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")],
        json!({}),
    );
    assert!(
        stderr.contains("OTEL_EXPORTER_OTLP_ENDPOINT is set, but no traces are sent"),
        "{stderr}"
    );
    assert!(api.only_request().header("traceparent").is_none());
}
