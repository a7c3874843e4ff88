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

pub(crate) struct HttpServer {
    child: Child,
    pub(crate) url: String,
    pub(crate) stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start(root: &std::path::Path, listen: &str, extra: &[&str]) -> HttpServer {
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
    let server = start(root.path(), "0.0.0.0:0", &["--unsafe-no-auth-behind-proxy"]);
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

/// One JSON-RPC message posted to `/mcp`; the answer's status, session id and JSON (read
/// from an event stream when the server streams it).
pub(crate) async fn post(
    url: &str,
    bearer: Option<&str>,
    session: Option<&str>,
    message: serde_json::Value,
) -> (u16, Option<String>, String) {
    let client = reqwest::Client::new();
    let mut request = client
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-06-18")
        .body(message.to_string());
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(id) = session {
        request = request.header("mcp-session-id", id);
    }
    let response = request.send().await.expect("POST /mcp");
    let status = response.status().as_u16();
    let session = response
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let www = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await.expect("body");
    let json = body
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim)
        .find(|l| l.starts_with('{'))
        .map(str::to_owned)
        .unwrap_or(body);
    let json = match www {
        Some(w) if status == 401 || status == 403 => format!("WWW-Authenticate: {w}\n{json}"),
        _ => json,
    };
    (status, session, json)
}

pub(crate) fn initialize() -> serde_json::Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}})
}

/// Opens a session with `bearer` and returns its id.
pub(crate) async fn open_session(url: &str, bearer: Option<&str>) -> String {
    let (status, session, body) = post(url, bearer, None, initialize()).await;
    assert_eq!(status, 200, "{body}");
    let session = session.expect("a session id");
    let (status, _, _) = post(
        url,
        bearer,
        Some(&session),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await;
    assert_eq!(status, 202);
    session
}

#[test]
fn a_non_loopback_address_without_authentication_is_refused() {
    let root = TempRoot::standard();
    let out = Command::new(bin())
        .args([
            "serve",
            "--root",
            &root.path().display().to_string(),
            "--http",
            "0.0.0.0:0",
        ])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("refusing to serve on 0.0.0.0:0 without authentication")
            && text.contains("--user-keys")
            && text.contains("--auth-tokens"),
        "{text}"
    );
}

#[tokio::test]
async fn static_tokens_let_in_only_their_holders() {
    let minted = Command::new(bin())
        .args(["token", "mint"])
        .output()
        .expect("mint");
    let printed = String::from_utf8_lossy(&minted.stdout).to_string();
    let lines: Vec<&str> = printed.lines().collect();
    let (token, hash_line) = (lines[1], lines[3]);
    assert!(token.starts_with("lmcp_") && token.len() > 60, "{printed}");
    assert!(hash_line.starts_with("sha256:"), "{printed}");
    let root = TempRoot::standard();
    root.write("registry/a.yaml", "name: alpha\ndescription: Alpha.\ninput: { type: object }\nrequest: { method: GET, path: /alpha }\n");
    let tokens = root.path().join("tokens.txt");
    std::fs::write(&tokens, format!("# the platform team\n{hash_line}\n")).expect("write");
    // Authenticated, the server may listen where other machines reach it.
    let server = start(
        root.path(),
        "0.0.0.0:0",
        &["--dry-run", "--auth-tokens", &tokens.display().to_string()],
    );
    let url = server.url.replace("0.0.0.0", "127.0.0.1");
    let (status, _, body) = post(&url, None, None, initialize()).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body.contains("WWW-Authenticate: Bearer") && body.contains("needs a token"),
        "{body}"
    );
    let (status, _, body) = post(&url, Some(&format!("{token}x")), None, initialize()).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("not accepted"), "{body}");
    let session = open_session(&url, Some(token)).await;
    let (status, _, body) = post(
        &url,
        Some(token),
        Some(&session),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("\"alpha\""), "{body}");
    // Every request of the session is checked, not only the first.
    let (status, _, _) = post(
        &url,
        None,
        Some(&session),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}),
    )
    .await;
    assert_eq!(status, 401);
    assert!(
        !server
            .stderr
            .lock()
            .expect("lock")
            .contains("other machines may reach")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_user_keys_each_call_uses_the_callers_key_and_never_the_servers() {
    let api = common::http::MockApi::json(200, json!([])).await;
    let root = TempRoot::standard();
    root.write("registry/envs.yaml", LIST_ENVIRONMENTS);
    root.write("registry/create.yaml", "name: create_item\ndescription: Creates an item.\ninput: { type: object, properties: { name: { type: string } } }\nrequest: { method: POST, path: /items, body: args }\n");
    let audit = root.path().join("audit.jsonl");
    let server = start_with_env(
        root.path(),
        "127.0.0.1:0",
        &["--user-keys", "--audit-log", &audit.display().to_string()],
        &[
            ("LAYEROPS_API_BASE_URL", &api.base_url),
            ("LAYEROPS_API_KEY_ID", "SERVERKEYID000000000000000"),
            ("LAYEROPS_API_KEY_SECRET", "server-secret-never-sent"),
            ("RUST_LOG", "trace"),
        ],
    );
    let call = |id: u64| json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "fixture_list_environments", "arguments": {"projectId": PROJECT}}});
    let alice = "LYPALICE00000000000000000:alice-secret-1";
    let bob = "LYPBOB0000000000000000000:bob-secret-2";
    let session = open_session(&server.url, Some(alice)).await;
    let (status, _, body) = post(&server.url, Some(alice), Some(&session), call(2)).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("isError\":true"), "{body}");
    // The key of each request, even on the same session.
    let other = open_session(&server.url, Some(bob)).await;
    let (status, _, body) = post(&server.url, Some(bob), Some(&other), call(3)).await;
    assert_eq!(status, 200, "{body}");
    let keys: Vec<String> = api
        .requests()
        .iter()
        .map(|r| r.header("x-api-key").unwrap_or("").to_owned())
        .collect();
    assert_eq!(keys, vec![alice.to_owned(), bob.to_owned()]);
    // No key, or a key without its secret: 401, and nothing is sent.
    for bearer in [None, Some("LYPALICE00000000000000000")] {
        let (status, _, body) = post(&server.url, bearer, None, initialize()).await;
        assert_eq!(status, 401, "{body}");
        assert!(body.contains("Bearer <key id>:<secret>"), "{body}");
    }
    assert_eq!(api.requests().len(), 2);
    // The audit log names the caller by key id, never by secret.
    let create = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "create_item", "arguments": {"name": "x"}}});
    let (status, _, body) = post(&server.url, Some(alice), Some(&session), create).await;
    assert_eq!(status, 200, "{body}");
    let line = std::fs::read_to_string(&audit).expect("audit log");
    assert!(
        line.contains("\"caller\":\"LYPALICE00000000000000000\""),
        "{line}"
    );
    assert!(!line.contains("alice-secret-1"), "{line}");
    let logs = server.stderr.lock().expect("lock").clone();
    for secret in ["alice-secret-1", "bob-secret-2", "server-secret-never-sent"] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
}

#[tokio::test]
async fn sessions_past_the_cap_get_503_with_retry_after() {
    let root = TempRoot::standard();
    let server = start(root.path(), "127.0.0.1:0", &["--max-sessions", "2"]);
    open_session(&server.url, None).await;
    open_session(&server.url, None).await;
    let response = reqwest::Client::new()
        .post(&server.url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(initialize().to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("30")
    );
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("2 sessions open")
    );
}

#[tokio::test]
async fn sessions_left_idle_are_closed() {
    let root = TempRoot::standard();
    let server = start(
        root.path(),
        "127.0.0.1:0",
        &["--max-sessions", "1", "--session-idle-seconds", "1"],
    );
    let first = open_session(&server.url, None).await;
    // Once the idle session is closed, its place is free and its id no longer works.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (status, _, _) = post(&server.url, None, None, initialize()).await;
        if status == 200 {
            break;
        }
        assert_eq!(status, 503);
        assert!(
            std::time::Instant::now() < deadline,
            "the idle session was never closed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, _, _) = post(
        &server.url,
        None,
        Some(&first),
        json!({"jsonrpc": "2.0", "id": 5, "method": "tools/list"}),
    )
    .await;
    assert_eq!(status, 404, "the closed session is gone");
}

/// Reads until the server closes the connection (EOF) or `limit` passes.
fn closed_within(stream: &mut std::net::TcpStream, limit: Duration) -> bool {
    use std::io::Read;
    stream.set_read_timeout(Some(limit)).expect("timeout");
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(_) => return false,
        }
    }
}

#[test]
fn half_sent_requests_are_dropped_after_the_header_timeout() {
    use std::io::Write;
    let root = TempRoot::standard();
    let server = start(
        root.path(),
        "127.0.0.1:0",
        &["--header-read-timeout-seconds", "1"],
    );
    let addr = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_owned();
    let mut slow = std::net::TcpStream::connect(&addr).expect("connect");
    slow.write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .expect("write");
    assert!(
        closed_within(&mut slow, Duration::from_secs(10)),
        "a client that never finishes its headers is disconnected"
    );
}

#[test]
fn connections_past_the_cap_wait_until_one_closes() {
    use std::io::Write;
    let root = TempRoot::standard();
    let server = start(
        root.path(),
        "127.0.0.1:0",
        &[
            "--max-connections",
            "1",
            "--header-read-timeout-seconds",
            "30",
        ],
    );
    let addr = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_owned();
    let holder = std::net::TcpStream::connect(&addr).expect("connect");
    std::thread::sleep(Duration::from_millis(200));
    let mut waiting = std::net::TcpStream::connect(&addr).expect("connect");
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    write!(
        waiting,
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ping}",
        ping.len()
    )
    .expect("write");
    waiting
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let mut first = [0u8; 1];
    use std::io::Read;
    assert!(
        waiting.read(&mut first).is_err(),
        "the second connection is not served while the first holds the only place"
    );
    drop(holder);
    waiting
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut answer = String::new();
    let _ = waiting.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 "),
        "served once a place is free: {answer:?}"
    );
}

#[tokio::test]
async fn bodies_past_the_limit_are_refused() {
    let root = TempRoot::standard();
    let server = start(root.path(), "127.0.0.1:0", &["--max-body-bytes", "1024"]);
    let mut message = initialize();
    message["params"]["clientInfo"]["name"] = json!("x".repeat(2000));
    let (status, _, body) = post(&server.url, None, None, message).await;
    assert_eq!(status, 413, "{body}");
    let (status, _, _) = post(&server.url, None, None, initialize()).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn sessions_are_capped_per_user_and_serve_only_their_owner() {
    let root = TempRoot::standard();
    let server = start(
        root.path(),
        "127.0.0.1:0",
        &["--user-keys", "--max-sessions-per-user", "1"],
    );
    let alice = "LYPALICE00000000000000000:alice-secret-1";
    let bob = "LYPBOB0000000000000000000:bob-secret-2";
    let session = open_session(&server.url, Some(alice)).await;
    let (status, _, body) = post(&server.url, Some(alice), None, initialize()).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("the limit per user"), "{body}");
    // Another user is not held back by Alice's sessions, and cannot use them.
    open_session(&server.url, Some(bob)).await;
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let (status, _, _) = post(&server.url, Some(bob), Some(&session), list.clone()).await;
    assert_eq!(status, 404);
    let (status, _, body) = post(&server.url, Some(alice), Some(&session), list).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn health_readiness_and_a_draining_stop_on_sigterm() {
    let root = TempRoot::standard();
    root.write("registry/a.yaml", "name: alpha\ndescription: Alpha.\ninput: { type: object }\nrequest: { method: GET, path: /alpha }\n");
    let mut server = start(root.path(), "127.0.0.1:0", &["--drain-delay-seconds", "2"]);
    let twin = start(root.path(), "127.0.0.1:0", &[]);
    let base = |url: &str| url.trim_end_matches("/mcp").to_owned();
    let get = |url: String| async move {
        let response = reqwest::get(&url).await.expect("GET");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    };
    assert_eq!(
        get(format!("{}/healthz", base(&server.url))).await,
        (200, "ok\n".to_owned())
    );
    let (status, body) = get(format!("{}/readyz", base(&server.url))).await;
    assert_eq!(status, 200, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["tools"], 1);
    let version = ready["catalogue_version"]
        .as_str()
        .expect("version")
        .to_owned();
    assert_eq!(version.len(), 16);
    // Another replica of the same content shows the same version.
    let (_, body) = get(format!("{}/readyz", base(&twin.url))).await;
    assert!(body.contains(&version), "{body}");

    // SIGTERM: readiness turns false at once, requests are still served, then it exits.
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let (status, body) = get(format!("{}/readyz", base(&server.url))).await;
        if status == 503 {
            assert!(body.contains("\"draining\":true"), "{body}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "readiness never turned false"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, _, body) = post(&server.url, None, None, initialize()).await;
    assert_eq!(status, 200, "still serving while draining: {body}");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not stop"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn without_a_usable_upstream_the_server_is_not_ready() {
    let root = TempRoot::new("name: broken\nupstream:\n  base_url: not a url\n");
    let server = start(root.path(), "127.0.0.1:0", &[]);
    let url = format!("{}/readyz", server.url.trim_end_matches("/mcp"));
    let response = reqwest::get(&url).await.expect("GET");
    assert_eq!(response.status().as_u16(), 503);
    let body = response.text().await.expect("body");
    assert!(body.contains("\"upstream_configured\":false"), "{body}");
}
