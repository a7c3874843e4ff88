//! MCP over Streamable HTTP: the real binary with `serve --http`, rmcp's HTTP client, pushed
//! notifications, and DNS-rebinding protection.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::recorder::{Note, Recorder};
use crate::common::*;
use rmcp::ServiceExt;
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::json;

struct HttpServer {
    child: Child,
    url: String,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(root: &std::path::Path, listen: &str, extra: &[&str]) -> HttpServer {
    start_with_env(root, listen, extra, &[])
}

/// [`start`], with these variables set for the server.
fn start_with_env(
    root: &std::path::Path,
    listen: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> HttpServer {
    let mut child = Command::new(bin())
        .args([
            "serve",
            "--root",
            &root.display().to_string(),
            "--http",
            listen,
        ])
        .args(extra)
        .env("RUST_LOG", "layerops_mcp=info")
        .env_remove("LAYEROPS_API_KEY_ID")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let url = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).expect("read") > 0,
            "the server exited: {}",
            log.lock().expect("lock")
        );
        log.lock().expect("lock").push_str(&line);
        if let Some(at) = line.find("MCP over HTTP on ") {
            break line[at + "MCP over HTTP on ".len()..].trim().to_owned();
        }
    };
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            sink.lock().expect("lock").push_str(&line);
        }
    });
    HttpServer {
        child,
        url,
        stderr: log,
    }
}

#[tokio::test]
async fn a_client_lists_calls_and_hears_changes_over_http() {
    let root = TempRoot::standard();
    root.write("registry/a.yaml", "name: alpha\ndescription: Alpha.\ninput: { type: object }\nrequest: { method: GET, path: /alpha }\n");
    let server = start(root.path(), "127.0.0.1:0", &["--dry-run"]);
    assert!(
        server.url.starts_with("http://127.0.0.1:") && server.url.ends_with("/mcp"),
        "{}",
        server.url
    );
    let recorder = Recorder::default();
    let client = recorder
        .clone()
        .serve(StreamableHttpClientTransport::from_uri(server.url.clone()))
        .await
        .expect("connect over HTTP");
    assert_eq!(
        client
            .peer_info()
            .expect("info")
            .server_info
            .as_ref()
            .expect("implementation")
            .name,
        "test-api"
    );
    assert_eq!(tool_names(&client).await, vec!["alpha"]);
    let result = call(&client, "alpha", json!({})).await;
    assert!(
        text(&result).contains("\"dryRun\": true"),
        "{}",
        text(&result)
    );

    tokio::time::sleep(Duration::from_millis(300)).await;
    root.write("registry/b.yaml", "name: beta\ndescription: Beta.\ninput: { type: object }\nrequest: { method: GET, path: /beta }\n");
    assert!(
        recorder
            .wait_for(Duration::from_secs(10), |n| *n == Note::Tools)
            .await,
        "list_changed pushed over the session's stream"
    );
    assert_eq!(tool_names(&client).await, vec!["alpha", "beta"]);

    // A second session is served beside the first.
    let other = Recorder::default()
        .serve(StreamableHttpClientTransport::from_uri(server.url.clone()))
        .await
        .expect("second session");
    assert_eq!(tool_names(&other).await.len(), 2);
    other.cancel().await.ok();
    client.cancel().await.ok();
}

#[tokio::test]
async fn foreign_hosts_and_origins_are_refused() {
    let root = TempRoot::standard();
    let server = start(
        root.path(),
        "127.0.0.1:0",
        &["--allow-origin", "https://app.example.com"],
    );
    let http = reqwest::Client::new();
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}});
    let post = |host: Option<&str>, origin: Option<&str>| {
        let mut request = http
            .post(&server.url)
            .header("accept", "application/json, text/event-stream")
            .json(&initialize);
        if let Some(host) = host {
            request = request.header("host", host);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let port = server
        .url
        .split(':')
        .nth(2)
        .and_then(|p| p.split('/').next())
        .expect("port")
        .to_owned();
    let refused = post(Some(&format!("evil.example:{port}")), None)
        .await
        .expect("answer");
    assert_eq!(refused.status(), 403, "DNS rebinding: a foreign Host");
    let why = refused.text().await.expect("a body");
    assert!(why.contains("--allow-host evil.example"), "{why}");
    let refused = post(None, Some("http://evil.example"))
        .await
        .expect("answer");
    assert_eq!(refused.status(), 403, "a foreign Origin");
    let why = refused.text().await.expect("a body");
    assert!(why.contains("--allow-origin http://evil.example"), "{why}");
    assert_eq!(
        post(None, None).await.expect("answer").status(),
        200,
        "no Origin: not a browser"
    );
    assert_eq!(
        post(None, Some(&format!("http://localhost:{port}")))
            .await
            .expect("answer")
            .status(),
        200
    );
    assert_eq!(
        post(
            Some(&format!("localhost:{port}")),
            Some("https://app.example.com")
        )
        .await
        .expect("answer")
        .status(),
        200,
        "an allowed Origin"
    );
    assert!(
        !server
            .stderr
            .lock()
            .expect("lock")
            .contains("other machines may reach")
    );
}

#[tokio::test]
async fn a_non_loopback_address_is_served_with_a_warning() {
    let root = TempRoot::standard();
    let server = start(root.path(), "0.0.0.0:0", &[]);
    assert!(server.url.starts_with("http://0.0.0.0:"), "{}", server.url);
    assert!(
        server
            .stderr
            .lock()
            .expect("lock")
            .contains("other machines may reach"),
        "{}",
        server.stderr.lock().expect("lock")
    );
}

#[tokio::test]
async fn a_host_name_is_a_listen_address_and_one_session_runs_calls_side_by_side() {
    // Both calls of the session are held by the API until the second arrives: calls run
    // one after the other would never both be answered.
    let api = common::http::MockApi::start(|_, _| {
        common::http::Reply::AfterRequests(
            2,
            Box::new(common::http::Reply::json(200, json!({"ok": true}))),
        )
    })
    .await;
    let root = TempRoot::standard();
    root.write("registry/a.yaml", "name: alpha\ndescription: Alpha.\ninput: { type: object, properties: { n: { type: integer } } }\nrequest: { method: GET, path: /alpha, query: { n: \"{{ n }}\" } }\n");
    let server = start_with_env(
        root.path(),
        "localhost:0",
        &[],
        &[
            ("LAYEROPS_API_BASE_URL", &api.base_url),
            ("LAYEROPS_API_KEY_ID", KEY_ID),
            ("LAYEROPS_API_KEY_SECRET", KEY_SECRET),
        ],
    );
    let url = server.url.clone();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let client = Recorder::default()
        .serve(StreamableHttpClientTransport::from_uri(url))
        .await
        .expect("connect over HTTP");
    let (a, b) = tokio::join!(
        call(&client, "alpha", json!({"n": 1})),
        call(&client, "alpha", json!({"n": 2}))
    );
    for result in [a, b] {
        assert!(!is_error(&result), "{}", text(&result));
    }
    assert_eq!(api.requests().len(), 2);
    client.cancel().await.ok();
}
