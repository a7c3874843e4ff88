//! Three replicas behind a real HAProxy, configured by `deploy/haproxy/haproxy.cfg` as
//! shipped: a bounded load of 2026-07-28 calls while one replica is stopped with SIGTERM and
//! started again loses no call, a legacy session keeps its replica, and a ConfigMap-style
//! swap of the content reaches every replica. Needs `haproxy`, which `.ci/run` installs.

#![cfg(unix)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::http::MockApi;
use crate::common::*;

const SERVER: &str = "name: replicated\nupstream:\n  base_url: \"{{ env('LAYEROPS_API_BASE_URL', 'http://127.0.0.1:9') }}\"\n  retries: 0\n";

fn tool(name: &str) -> String {
    format!(
        "name: {name}\ndescription: Reads {name}.\ninput: {{ type: object }}\nrequest: {{ method: GET, path: /{name} }}\n"
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

struct Replica {
    child: Child,
}

/// A process killed when the test ends, passed or not.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A replica on `port`, ready (its `/readyz` answers 200) when this returns.
async fn replica(root: &std::path::Path, key: &std::path::Path, port: u16, api: &str) -> Replica {
    let child = Command::new(bin())
        .args(["serve", "--http", &format!("127.0.0.1:{port}"), "--root"])
        .arg(root)
        .arg("--confirmation-key-file")
        .arg(key)
        .args(["--drain-delay-seconds", "2"])
        .env("LAYEROPS_API_BASE_URL", api)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn a replica");
    let replica = Replica { child };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while readyz(port).await.is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "replica {port} never ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    replica
}

/// The replica's `/readyz` answer when it is ready.
async fn readyz(port: u16) -> Option<Value> {
    let answer = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .ok()?;
    if answer.status() != 200 {
        return None;
    }
    answer.json().await.ok()
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

/// One 2026-07-28 call through the load balancer: whether it was answered with a result.
async fn stateless_call(client: &reqwest::Client, url: &str, tool: &str) -> Result<(), String> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": tool, "arguments": {}, "_meta": meta()}});
    let answer = client
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", tool)
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = answer.status();
    let text = answer.text().await.map_err(|e| e.to_string())?;
    if status == 200 && text.contains("\"result\"") && !text.contains("\"isError\":true") {
        Ok(())
    } else {
        Err(format!("{status}: {text}"))
    }
}

/// Three ready replicas sharing a ConfigMap-style content folder, a confirmation key and a
/// mock API.
struct Cluster {
    api: MockApi,
    content: tempfile::TempDir,
    key: std::path::PathBuf,
    ports: [u16; 3],
    replicas: Vec<Replica>,
}

impl Cluster {
    async fn start() -> Self {
        let api = MockApi::json(200, json!({"ok": true})).await;
        let content = tempfile::tempdir().expect("dir");
        configmap_version(content.path(), 1, SERVER, &[("alpha", &tool("alpha"))]);
        let key = content.path().join("..confirmation.key");
        std::fs::write(
            &key,
            "a secret every replica of this test shares, 48 bytes+",
        )
        .expect("key");
        let ports = [free_port(), free_port(), free_port()];
        let mut replicas = Vec::new();
        for port in ports {
            replicas.push(replica(content.path(), &key, port, &api.base_url).await);
        }
        Self {
            api,
            content,
            key,
            ports,
            replicas,
        }
    }
}

/// Opens a 2025-11-25 session through `url`: its `Mcp-Session-Id`.
async fn legacy_session(http: &reqwest::Client, url: &str) -> String {
    let post = |body: &'static str, session: Option<&str>| {
        let mut request = http
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body);
        if let Some(session) = session {
            request = request
                .header("mcp-session-id", session)
                .header("mcp-protocol-version", "2025-11-25");
        }
        request.send()
    };
    let answer = post(
        r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"legacy","version":"0"}}}"#,
        None,
    )
    .await
    .expect("initialize");
    let session = answer
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .expect("a session id")
        .to_owned();
    answer.text().await.expect("initialize answer");
    post(
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        Some(&session),
    )
    .await
    .expect("initialized");
    session
}

/// One call in the legacy session.
async fn legacy_call(http: &reqwest::Client, url: &str, session: &str) -> Result<(), String> {
    let answer = http
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"alpha","arguments":{}}}"#)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = answer.status();
    let text = answer.text().await.map_err(|e| e.to_string())?;
    if status == 200 && text.contains("\"result\"") && !text.contains("\"isError\":true") {
        Ok(())
    } else {
        Err(format!("{status}: {text}"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs haproxy; .ci/run runs it"]
async fn three_replicas_behind_haproxy_lose_no_call_through_a_restart_and_a_content_swap() {
    let Cluster {
        api,
        content,
        key,
        ports,
        mut replicas,
    } = Cluster::start().await;
    let front = free_port();
    let config = format!("{}/deploy/haproxy/haproxy.cfg", repo_root().display());
    let _haproxy = KillOnDrop(
        Command::new("haproxy")
            .args(["-f", &config, "-db"])
            .env("MCP_LISTEN", format!("127.0.0.1:{front}"))
            .env("MCP_REPLICA_1", format!("127.0.0.1:{}", ports[0]))
            .env("MCP_REPLICA_2", format!("127.0.0.1:{}", ports[1]))
            .env("MCP_REPLICA_3", format!("127.0.0.1:{}", ports[2]))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("haproxy (apt-get install haproxy) runs"),
    );
    let url = format!("http://127.0.0.1:{front}/mcp");
    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    // Every replica in rotation: health checks need `rise 2` passes each.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    while stateless_call(&http, &url, "alpha").await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "HAProxy never served"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A legacy client (2025-11-25) holds a session in one replica.
    let session = legacy_session(&http, &url).await;
    for _ in 0..6 {
        legacy_call(&http, &url, &session)
            .await
            .expect("each request of the session reaches its replica");
    }
    // Its replica answers the session; the others do not know it.
    let mut owner = None;
    for (i, port) in ports.iter().enumerate() {
        let direct = format!("http://127.0.0.1:{port}/mcp");
        if legacy_call(&http, &direct, &session).await.is_ok() {
            owner = Some(i);
        }
    }
    let owner = owner.expect("one replica holds the session");
    // The replica stopped is another: a session cannot outlive its replica.
    let stopping = (owner + 1) % 3;

    // The load: 16 clients calling without pause.
    let stop = Arc::new(AtomicBool::new(false));
    let (done, failures) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(std::sync::Mutex::new(Vec::new())),
    );
    let workers: Vec<_> = (0..16)
        .map(|_| {
            let (http, url, stop, done, failures) = (
                http.clone(),
                url.clone(),
                stop.clone(),
                done.clone(),
                failures.clone(),
            );
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    match stateless_call(&http, &url, "alpha").await {
                        Ok(()) => {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => failures.lock().expect("lock").push(e),
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    // A replica is told to stop, stops, and is started again on its port, while the legacy
    // client goes on calling.
    let legacy_during = {
        let (http, url, session) = (http.clone(), url.clone(), session.clone());
        tokio::spawn(async move {
            let mut failed = Vec::new();
            for _ in 0..40 {
                if let Err(e) = legacy_call(&http, &url, &session).await {
                    failed.push(e);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            failed
        })
    };
    let stopped = &mut replicas[stopping];
    let status = Command::new("kill")
        .args(["-TERM", &stopped.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = tokio::task::block_in_place(|| stopped.child.wait()).expect("exit");
    assert!(exit.success(), "a draining stop exits 0: {exit:?}");
    replicas[stopping] = replica(content.path(), &key, ports[stopping], &api.base_url).await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.expect("worker");
    }
    let failures = failures.lock().expect("lock").clone();
    let done = done.load(Ordering::Relaxed);
    assert!(
        failures.is_empty(),
        "{} of {} calls failed: {:?}",
        failures.len(),
        done + failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(done > 100, "only {done} calls in the run");
    let legacy_failed = legacy_during.await.expect("legacy client");
    assert!(legacy_failed.is_empty(), "{legacy_failed:?}");

    // The content is swapped as Kubernetes swaps a ConfigMap: every replica serves it.
    let before = readyz(ports[0]).await.expect("ready")["catalogue_version"].clone();
    configmap_version(
        content.path(),
        2,
        SERVER,
        &[("alpha", &tool("alpha")), ("beta", &tool("beta"))],
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let mut versions = Vec::new();
        for port in ports {
            versions.push(readyz(port).await.map(|r| r["catalogue_version"].clone()));
        }
        if versions
            .iter()
            .all(|v| v.as_ref().is_some_and(|v| *v != before))
            && versions.windows(2).all(|w| w[0] == w[1])
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "replicas disagree: {versions:?} (before {before})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for _ in 0..6 {
        stateless_call(&http, &url, "beta")
            .await
            .expect("the new tool, on whichever replica");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs nginx; .ci/run runs it"]
async fn behind_nginx_as_configured_legacy_sessions_and_stateless_calls_work() {
    let Cluster {
        content: _content,
        ports,
        replicas: _replicas,
        ..
    } = Cluster::start().await;
    // The shipped file, its addresses replaced by the test's.
    let front = free_port();
    let shipped = std::fs::read_to_string(repo_root().join("deploy/nginx/nginx.conf"))
        .expect("deploy/nginx/nginx.conf");
    let mut config = shipped.replace("listen 8080;", &format!("listen 127.0.0.1:{front};"));
    for (i, port) in ports.iter().enumerate() {
        config = config.replace(
            &format!("10.0.0.1{}:8080", i + 1),
            &format!("127.0.0.1:{port}"),
        );
    }
    assert!(!config.contains("10.0.0."), "every address replaced");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("nginx.conf");
    std::fs::write(&file, config).expect("config");
    let prefix = dir.path().display().to_string();
    let _nginx = KillOnDrop(
        Command::new("nginx")
            .args(["-p", &prefix, "-c", &file.display().to_string()])
            .args([
                "-g",
                &format!("daemon off; pid {prefix}/nginx.pid; error_log stderr;"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx (apt-get install nginx-light) runs"),
    );
    let url = format!("http://127.0.0.1:{front}/mcp");
    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while stateless_call(&http, &url, "alpha").await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "nginx never served");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for _ in 0..10 {
        stateless_call(&http, &url, "alpha")
            .await
            .expect("a stateless call");
    }
    let session = legacy_session(&http, &url).await;
    for _ in 0..10 {
        legacy_call(&http, &url, &session)
            .await
            .expect("each request of the session reaches its replica");
    }
}
