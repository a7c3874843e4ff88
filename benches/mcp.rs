//! Benchmarks of the real binary, run with `cargo bench` (results and method in
//! docs/performance.md). Every measurement talks to the process as a client would: raw
//! JSON-RPC lines over its stdio pipes, and the built-in sandbox as the upstream API.
//!
//! Measured: spawn to initialize answer; resident memory idle and under load; tool-call
//! latency against the sandbox beside a direct HTTP request to the same sandbox; calls per
//! second with 16 in flight over one connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_layerops-mcp");
const KEY: &str = "LYPSANDBOXDEMOKEY00000000:00000000-5a4d-4b0c-8000-000000000000";

/// The binary measured: this build's, or another given in `BENCH_BIN` (an older release, to
/// compare both in one run on one machine).
fn bin() -> String {
    std::env::var("BENCH_BIN").unwrap_or_else(|_| BIN.to_owned())
}

fn root() -> String {
    env!("CARGO_MANIFEST_DIR").to_owned()
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Speaks JSON-RPC over the pipes of `child`.
    fn over(mut child: Child) -> Server {
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Server {
            child,
            stdin,
            stdout,
            next_id: 1,
        }
    }

    fn spawn(extra: &[&str], env: &[(&str, String)]) -> Server {
        Server::spawn_on(&root(), extra, env)
    }

    /// `serve` on the content root `root`, without hot reload.
    fn spawn_on(root: &str, extra: &[&str], env: &[(&str, String)]) -> Server {
        let child = Command::new(bin())
            .args(["serve", "--no-watch", "--root", root])
            .args(extra)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("RUST_LOG", "error")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the server");
        Server::over(child)
    }

    fn send(&mut self, method: &str, params: &str) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        writeln!(
            self.stdin,
            r#"{{"jsonrpc":"2.0","id":{id},"method":"{method}","params":{params}}}"#
        )
        .expect("write");
        id
    }

    /// Reads lines until the answer to `id`; returns it.
    fn answer(&mut self) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            assert!(
                self.stdout.read_line(&mut line).expect("read") > 0,
                "the server closed stdout"
            );
            if line.contains("\"id\":") {
                return line;
            }
        }
    }

    /// A server on `root` with hot reload on; the time each reload took by the server's own
    /// clock (its `reloaded` log line) goes to `reloads`, in microseconds.
    fn spawn_watching(root: &str, reloads: &Arc<Mutex<Vec<u64>>>) -> Server {
        let mut child = Command::new(bin())
            .args(["serve", "--root", root])
            .env("RUST_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the server");
        let stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let reloads = reloads.clone();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if let Some(us) = line
                    .split_once("elapsed_us=")
                    .and_then(|(_, rest)| rest.split_whitespace().next())
                    .and_then(|v| v.parse().ok())
                {
                    reloads.lock().expect("lock").push(us);
                }
            }
        });
        Server::over(child)
    }

    /// Reads lines until the notification `method` arrives; fails after 10 s without it.
    fn notification(&mut self, method: &str) {
        let wanted = format!("\"method\":\"{method}\"");
        let mut line = String::new();
        let pid = self.child.id();
        let (done, waiting) = std::sync::mpsc::channel::<()>();
        let method = method.to_owned();
        let watchdog = std::thread::spawn(move || {
            if waiting.recv_timeout(Duration::from_secs(10)).is_err() {
                eprintln!("no {method} within 10 s: the benchmark stops");
                let _ = Command::new("kill").arg(pid.to_string()).status();
            }
        });
        loop {
            line.clear();
            assert!(
                self.stdout.read_line(&mut line).expect("read") > 0,
                "the server closed stdout"
            );
            if line.contains(&wanted) {
                let _ = done.send(());
                let _ = watchdog.join();
                return;
            }
        }
    }

    /// Initializes, then waits until the content has loaded: over stdio `initialize` is
    /// answered before it is (docs/architecture.md), and a file edited meanwhile would be
    /// read by the load instead of reloaded.
    fn initialize(&mut self) {
        self.initialize_only();
        self.loaded();
    }

    /// The `initialize` exchange alone.
    fn initialize_only(&mut self) {
        self.send("initialize", r#"{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}"#);
        self.answer();
        writeln!(
            self.stdin,
            r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#
        )
        .expect("write");
    }

    /// Returns once the content has loaded: a small request that waits for it.
    fn loaded(&mut self) {
        self.send("resources/list", "{}");
        self.answer();
    }

    /// RssAnon and RssFile (KiB), and the number of threads.
    fn rss_parts(&self) -> (u64, u64, u64) {
        let pid = self.child.id();
        (
            status_field(pid, "RssAnon:"),
            status_field(pid, "RssFile:"),
            status_field(pid, "Threads:"),
        )
    }

    fn rss_kib(&self) -> u64 {
        status_field(self.child.id(), "VmRSS:")
    }
}

/// A number of `/proc/PID/status` (KiB for the memory fields); 0 when it cannot be read.
fn status_field(pid: u32, name: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The sandbox alone, for direct requests; stopped when dropped.
struct Sandbox {
    child: Child,
    addr: String,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sandbox() -> Sandbox {
    let child = Command::new(bin())
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn the sandbox");
    let mut sandbox = Sandbox {
        child,
        addr: String::new(),
    };
    let mut stderr = BufReader::new(sandbox.child.stderr.take().expect("stderr"));
    let mut line = String::new();
    while sandbox.addr.is_empty() {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap_or(0) > 0,
            "the sandbox did not start"
        );
        if let Some(rest) = line.strip_prefix("Listening on http://") {
            sandbox.addr = rest
                .split_whitespace()
                .next()
                .expect("address")
                .trim_end_matches('.')
                .to_owned();
        }
    }
    std::thread::spawn(move || for _ in stderr.lines() {});
    sandbox
}

/// One keep-alive HTTP/1.1 GET on `stream`; returns the body length.
fn http_get(
    stream: &mut TcpStream,
    reader: &mut BufReader<TcpStream>,
    addr: &str,
    path: &str,
) -> usize {
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nX-API-KEY: {KEY}\r\nAccept: application/json\r\n\r\n").expect("write");
    let mut length = 0;
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("read");
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().expect("length");
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    length
}

fn environment_of(addr: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).ok();
    write!(stream, "GET /v1/workspaces?includeEnvironmentAndProviders=true HTTP/1.1\r\nHost: {addr}\r\nX-API-KEY: {KEY}\r\nConnection: close\r\n\r\n").expect("write");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("read");
    let at = text
        .find("\"environments\":[{\"uuid\":\"")
        .expect("an environment")
        + "\"environments\":[{\"uuid\":\"".len();
    text[at..at + 36].to_owned()
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not: then run briefly, as a
    // smoke test of the benchmark itself.
    let full = std::env::args().any(|a| a == "--bench");
    // `cargo bench --bench mcp -- latency reload` runs only the sections named.
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |section: &str| named.is_empty() || named.iter().any(|n| n == section);
    if wanted("startup") {
        startup(full);
    }
    if wanted("latency") {
        latency(full);
    }
    if wanted("reload") {
        reload(full);
    }
    if wanted("catalogue") {
        catalogue(full);
    }
    // Minutes of work: only when named.
    if named.iter().any(|n| n == "catalogue-100k") {
        catalogue_100k();
    }
    if wanted("soak") {
        soak(full);
    }
    if wanted("http") {
        http(full);
    }
    if wanted("openapi") {
        openapi(full);
    }
    if wanted("sessions") {
        sessions(full);
    }
    if wanted("replicas") {
        replicas(full);
    }
    if wanted("tokens") {
        tokens();
    }
}

/// Tokens a model reads, counted with OpenAI's tokenizers (o200k_base, cl100k_base; tiktoken-rs
/// ships their vocabularies): tools/list of the default toolsets and of all, the largest tool
/// definitions, and the answers of a scripted agent workflow on the sandbox.
/// A schema with only what a model cannot do without: property names, types, descriptions,
/// enums, formats and required markers.
fn information_kept(schema: &serde_json::Value) -> serde_json::Value {
    const KEPT: [&str; 7] = [
        "type",
        "properties",
        "required",
        "enum",
        "format",
        "description",
        "items",
    ];
    match schema {
        serde_json::Value::Object(map) => map
            .iter()
            .filter(|(k, _)| KEPT.contains(&k.as_str()))
            .map(|(k, v)| {
                let kept = match (k.as_str(), v) {
                    ("properties", serde_json::Value::Object(props)) => props
                        .iter()
                        .map(|(name, p)| (name.clone(), information_kept(p)))
                        .collect(),
                    _ => information_kept(v),
                };
                (k.clone(), kept)
            })
            .collect(),
        serde_json::Value::Array(items) => items.iter().map(information_kept).collect(),
        other => other.clone(),
    }
}

fn tokens() {
    let o200k = tiktoken_rs::o200k_base_singleton();
    let cl100k = tiktoken_rs::cl100k_base_singleton();
    let count = |text: &str| {
        (
            o200k.encode_with_special_tokens(text).len(),
            cl100k.encode_with_special_tokens(text).len(),
        )
    };
    let result_of = |answer: &str| -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(answer).expect("JSON")["result"].take()
    };
    for (label, toolsets) in [("default toolsets", "default"), ("all toolsets", "all")] {
        let mut server = Server::spawn(&["--sandbox", "--toolsets", toolsets], &[]);
        server.initialize();
        server.send("tools/list", "{}");
        let list = result_of(&server.answer());
        let text = list["tools"].to_string();
        let (o, c) = count(&text);
        println!(
            "tokens: tools/list, {label}: {} tools, {} bytes, {o} tokens o200k_base, {c} cl100k_base",
            list["tools"].as_array().map_or(0, Vec::len),
            text.len()
        );
        if toolsets == "default" {
            let mut each: Vec<(usize, String)> = list["tools"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| {
                    (
                        count(&t.to_string()).0,
                        t["name"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect();
            each.sort_by(|a, b| b.cmp(a));
            let top: Vec<String> = each
                .iter()
                .take(5)
                .map(|(n, t)| format!("{t} {n}"))
                .collect();
            println!(
                "tokens: largest definitions (o200k_base): {}",
                top.join(", ")
            );
            // The least any rewriting could list while keeping every name, description,
            // type, enum, format and required marker: what issue 19's target is held to.
            let floor: Vec<serde_json::Value> = list["tools"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| {
                    serde_json::json!({
                        "name": t["name"],
                        "description": t["description"],
                        "inputSchema": information_kept(&t["inputSchema"]),
                    })
                })
                .collect();
            let (o, c) = count(&serde_json::Value::from(floor).to_string());
            println!(
                "tokens: the same tools with only names, descriptions, types, enums, formats and required markers (no title, annotations or bounds): {o} tokens o200k_base, {c} cl100k_base"
            );
        }
    }
    // Search mode lists three tools, whatever the catalogue's size.
    let mut search = Server::spawn(&["--sandbox", "--tool-search"], &[]);
    search.initialize();
    search.send("tools/list", "{}");
    let list = result_of(&search.answer());
    let text = list["tools"].to_string();
    let (o, c) = count(&text);
    println!(
        "tokens: tools/list in search mode: {} bytes, {o} tokens o200k_base, {c} cl100k_base",
        text.len()
    );
    drop(search);
    // The workflow: what an agent reads deploying, scaling and removing a service.
    let mut server = Server::spawn(&["--sandbox"], &[]);
    server.initialize();
    let mut call = |name: &str, arguments: serde_json::Value| -> serde_json::Value {
        let params = serde_json::json!({"name": name, "arguments": arguments});
        server.send("tools/call", &params.to_string());
        let result = result_of(&server.answer());
        assert_ne!(result["isError"], true, "{name}: {result}");
        result
    };
    let mut total = (0, 0);
    let mut bytes = 0;
    let mut tally = |result: &serde_json::Value| {
        // What the model reads: the text content, and structured content when sent.
        let mut text: String = result["content"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["text"].as_str())
            .collect();
        if let Some(structured) = result.get("structuredContent") {
            text.push_str(&structured.to_string());
        }
        let (o, c) = count(&text);
        total = (total.0 + o, total.1 + c);
        bytes += text.len();
    };
    let projects = call(
        "layerops_list_projects",
        serde_json::json!({"includeEnvironments": true}),
    );
    tally(&projects);
    let listed = projects["structuredContent"].clone();
    let text = projects["content"][0]["text"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let source = if listed.is_null() {
        serde_json::from_str::<serde_json::Value>(&text).unwrap_or_default()
    } else {
        listed
    };
    let found = |value: &serde_json::Value, key: &str| -> String {
        fn walk(v: &serde_json::Value, key: &str) -> Option<String> {
            match v {
                serde_json::Value::Object(map) => map
                    .get(key)
                    .and_then(|e| e.as_array())
                    .and_then(|a| a.first())
                    .and_then(|f| f["uuid"].as_str().map(str::to_owned))
                    .or_else(|| map.values().find_map(|x| walk(x, key))),
                serde_json::Value::Array(items) => items.iter().find_map(|x| walk(x, key)),
                _ => None,
            }
        }
        walk(value, key).expect("an id")
    };
    let environment = found(&source, "environments");
    tally(&call(
        "layerops_list_environments",
        serde_json::json!({"projectId": found(&source, "workspaces")}),
    ));
    let services = call(
        "layerops_list_services",
        serde_json::json!({"environmentId": environment}),
    );
    tally(&services);
    let created = call(
        "layerops_create_service",
        serde_json::json!({"environmentId": environment, "name": "bench-web",
            "dockerConfiguration": {"image": "nginx", "imageVersion": "1.27"}}),
    );
    tally(&created);
    let created_text = created["content"][0]["text"].as_str().unwrap_or("");
    let service: serde_json::Value = serde_json::from_str(created_text).unwrap_or_default();
    let service = service["uuid"].as_str().unwrap_or_default().to_owned();
    tally(&call(
        "layerops_get_service",
        serde_json::json!({"serviceId": service}),
    ));
    tally(&call(
        "layerops_scale_service",
        serde_json::json!({"serviceId": service, "countMin": 2, "countMax": 3}),
    ));
    tally(&call(
        "layerops_list_events",
        serde_json::json!({"resourceType": "services", "resourceId": service}),
    ));
    tally(&call(
        "layerops_get_analytics",
        serde_json::json!({"environmentId": environment}),
    ));
    tally(&call(
        "layerops_delete_service",
        serde_json::json!({"serviceId": service}),
    ));
    println!(
        "tokens: workflow answers (list projects, environments, services, create, get, scale, events, analytics, delete): {bytes} bytes, {} tokens o200k_base, {} cl100k_base",
        total.0, total.1
    );
}

/// Calls/s of protocol 2026-07-28 `tools/call` with 50 clients: one replica directly, then
/// HAProxy (`deploy/haproxy/haproxy.cfg`) in front of one and of three replicas.
fn replicas(full: bool) {
    if Command::new("haproxy").arg("-v").output().is_err() {
        println!("replicas: skipped (no haproxy; apt-get install haproxy)");
        return;
    }
    let seconds = if full { 5.0 } else { 0.5 };
    let servers: Vec<(Child, String)> = (0..3).map(|_| spawn_http(&[])).collect();
    let address = |url: &str| {
        url.trim_start_matches("http://")
            .trim_end_matches("/mcp")
            .to_owned()
    };
    let addresses: Vec<String> = servers.iter().map(|(_, url)| address(url)).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let load = |url: String| {
        runtime.block_on(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .build()
                .expect("client");
            let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"layerops_list_projects","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#;
            let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let until = Instant::now() + Duration::from_secs_f64(seconds);
            let workers: Vec<_> = (0..50)
                .map(|_| {
                    let (client, url, done) = (client.clone(), url.clone(), done.clone());
                    tokio::spawn(async move {
                        while Instant::now() < until {
                            let answer = client
                                .post(&url)
                                .header("content-type", "application/json")
                                .header("accept", "application/json, text/event-stream")
                                .header("mcp-protocol-version", "2026-07-28")
                                .header("mcp-method", "tools/call")
                                .header("mcp-name", "layerops_list_projects")
                                .body(body)
                                .send()
                                .await;
                            if let Ok(answer) = answer
                                && answer.status() == 200
                                && answer.bytes().await.is_ok()
                            {
                                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            }
                        }
                    })
                })
                .collect();
            for w in workers {
                w.await.expect("worker");
            }
            done.load(std::sync::atomic::Ordering::Relaxed) as f64 / seconds
        })
    };
    let direct = load(servers[0].1.clone());
    let behind = |replicas: &[String]| {
        let front = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut haproxy = Command::new("haproxy")
            .args([
                "-f",
                &format!("{}/deploy/haproxy/haproxy.cfg", root()),
                "-db",
            ])
            .env("MCP_LISTEN", format!("127.0.0.1:{front}"))
            .env("MCP_REPLICA_1", &replicas[0 % replicas.len()])
            .env("MCP_REPLICA_2", &replicas[1 % replicas.len()])
            .env("MCP_REPLICA_3", &replicas[2 % replicas.len()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("haproxy");
        // Health checks put the replicas in rotation (`rise 2`, every 500 ms).
        std::thread::sleep(Duration::from_millis(1500));
        let rate = load(format!("http://127.0.0.1:{front}/mcp"));
        let _ = haproxy.kill();
        let _ = haproxy.wait();
        rate
    };
    let one = behind(&addresses[..1]);
    let three = behind(&addresses);
    println!(
        "replicas: 50 clients, 2026-07-28 tools/call: {direct:.0} calls/s to one replica directly, {one:.0} through HAProxy to one replica, {three:.0} through HAProxy to three"
    );
    for (mut child, _) in servers {
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn rss_of(pid: u32) -> f64 {
    status_field(pid, "VmRSS:") as f64 / 1024.0
}

/// Streamable HTTP sessions: memory per session, and what is left once idle ones expire.
fn sessions(full: bool) {
    let count: usize = if full { 10_000 } else { 200 };
    let idle = 3;
    let (mut child, url) = spawn_http(&[
        "--max-sessions",
        "100000",
        "--session-idle-seconds",
        &idle.to_string(),
    ]);
    let pid = child.id();
    std::thread::sleep(Duration::from_millis(200));
    let before = rss_of(pid);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let create = |count: usize| {
        runtime.block_on(async {
        let client = reqwest::Client::new();
        let init = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}"#;
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let workers: Vec<_> = (0..16)
            .map(|_| {
                let (client, url, next) = (client.clone(), url.clone(), next.clone());
                tokio::spawn(async move {
                    while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                        let answer = client
                            .post(&url)
                            .header("content-type", "application/json")
                            .header("accept", "application/json, text/event-stream")
                            .body(init)
                            .send()
                            .await
                            .expect("initialize");
                        answer.bytes().await.expect("answer");
                    }
                })
            })
            .collect();
        for w in workers {
            w.await.expect("worker");
        }
        })
    };
    let started = Instant::now();
    create(count);
    let created = started.elapsed();
    let after = rss_of(pid);
    // Idle sessions close after `idle` seconds; the server gives memory back within 5 s more.
    std::thread::sleep(Duration::from_secs(idle + 12));
    let expired = rss_of(pid);
    // A second round: memory the first one freed is used again rather than added to.
    create(count);
    std::thread::sleep(Duration::from_secs(idle + 12));
    let again = rss_of(pid);
    println!(
        "sessions: {count} created in {:.1} s; resident memory {before:.1} MB before, {after:.1} MB with them ({:.1} KB per session), {expired:.1} MB once they expired, {again:.1} MB after as many more came and expired",
        created.as_secs_f64(),
        (after - before) * 1024.0 / count as f64
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// `openapi import` of a large real document (GitHub's, which `.ci/run` fetches; the small
/// NestJS fixture when it is absent), then the imported catalogue: check, startup, memory.
fn openapi(full: bool) {
    let large = std::env::var("LARGE_OPENAPI_DOCUMENT").unwrap_or_else(|_| {
        format!(
            "{}/target/ci-openapi/package/generated/api.github.com.json",
            root()
        )
    });
    let spec = if std::path::Path::new(&large).is_file() {
        large
    } else {
        format!("{}/tests/fixtures/openapi/swagger-ui-init.js", root())
    };
    println!("openapi document: {spec}");
    let rounds = if full { 3 } else { 1 };
    let dir = std::env::temp_dir().join(format!("layerops-bench-openapi-{}", std::process::id()));
    let into = dir.join("registry/api");
    let mut imports = Vec::new();
    for _ in 0..rounds {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("registry")).expect("mkdir");
        std::fs::write(
            dir.join("registry/_server.yaml"),
            "name: imported\nupstream:\n  base_url: https://api.example.test\n",
        )
        .expect("server file");
        let started = Instant::now();
        let status = Command::new(bin())
            .args(["openapi", "import", &spec, "--into"])
            .arg(&into)
            .args(["--prefix", "api_"])
            .stderr(Stdio::null())
            .status()
            .expect("import");
        imports.push(started.elapsed());
        assert!(status.success(), "import failed");
    }
    let files: Vec<_> = std::fs::read_dir(&into)
        .expect("imported")
        .flatten()
        .collect();
    let bytes: u64 = files
        .iter()
        .filter_map(|f| f.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "import: median {:.0} ms over {rounds} runs, {} tool files, {:.1} MB of YAML",
        median(imports).as_secs_f64() * 1e3,
        files.len(),
        bytes as f64 / 1e6
    );
    let root_arg = dir.display().to_string();
    let started = Instant::now();
    let check = Command::new(bin())
        .args(["check", "--root", &root_arg])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("check");
    println!(
        "check of the imported catalogue: {:.0} ms ({})",
        started.elapsed().as_secs_f64() * 1e3,
        if check.success() { "clean" } else { "PROBLEMS" }
    );
    let started = Instant::now();
    let mut server = Server::spawn_on(&root_arg, &[], &[]);
    server.initialize();
    let startup = started.elapsed();
    std::thread::sleep(Duration::from_millis(100));
    println!(
        "imported catalogue served: spawn to the content loaded {:.1} ms, resident memory {:.1} MB",
        startup.as_secs_f64() * 1e3,
        server.rss_kib() as f64 / 1024.0
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `serve --http --sandbox` on a free loopback port, with `extra` options; its URL.
fn spawn_http(extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(bin())
        .args([
            "serve",
            "--no-watch",
            "--sandbox",
            "--http",
            "127.0.0.1:0",
            "--root",
            &root(),
        ])
        .args(extra)
        .env("RUST_LOG", "layerops_mcp=info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the HTTP server");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let url = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap_or(0) > 0,
            "the server did not start"
        );
        if let Some(at) = line.find("MCP over HTTP on ") {
            break line[at + "MCP over HTTP on ".len()..].trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in stderr.lines() {});
    (child, url)
}

/// Streamable HTTP: sequential requests over one keep-alive connection (where Nagle's
/// algorithm once cost 40 ms each), then 50 clients at once on one session.
fn http(full: bool) {
    let sequential = if full { 2000 } else { 20 };
    let seconds = if full { 5.0 } else { 0.5 };
    let (mut child, url) = spawn_http(&[]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .expect("client");
        let post = |body: String, session: Option<String>| {
            let mut request = client
                .post(&url)
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .header("mcp-protocol-version", "2025-06-18")
                .body(body);
            if let Some(id) = session {
                request = request.header("mcp-session-id", id);
            }
            request.send()
        };
        let init = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}"#;
        let answer = post(init.to_owned(), None).await.expect("initialize");
        let session = answer
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        answer.bytes().await.expect("initialize answer");
        post(
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_owned(),
            session.clone(),
        )
        .await
        .expect("initialized");
        let ping = |id: u64| format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#);
        let mut samples = Vec::with_capacity(sequential);
        for i in 0..sequential {
            let t = Instant::now();
            let answer = post(ping(i as u64 + 1), session.clone()).await.expect("ping");
            answer.bytes().await.expect("ping answer");
            samples.push(t.elapsed());
        }
        println!(
            "HTTP, one keep-alive connection: ping median {:.1} us over {sequential} requests",
            median(samples).as_secs_f64() * 1e6
        );

        // 50 clients: the load of the public MCP server benchmark (an rmcp server: 4,845
        // requests/s, 10.9 MB). Each client sends `tools/call` of a read tool on the built-in
        // sandbox, one after the other, for `seconds`.
        let environment = {
            let answer = post(
                r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"layerops_list_projects","arguments":{"includeEnvironments":true}}}"#.to_owned(),
                session.clone(),
            )
            .await
            .expect("list projects");
            let text = answer.text().await.expect("answer");
            let at = text.find("environments").expect("environments");
            let is_uuid = |w: &[u8]| {
                w.iter().enumerate().all(|(i, b)| {
                    if [8, 13, 18, 23].contains(&i) {
                        *b == b'-'
                    } else {
                        b.is_ascii_hexdigit()
                    }
                })
            };
            let start = text.as_bytes()[at..]
                .windows(36)
                .position(is_uuid)
                .expect("an environment's uuid")
                + at;
            text[start..start + 36].to_owned()
        };
        let call = format!(
            r#""method":"tools/call","params":{{"name":"layerops_list_services","arguments":{{"environmentId":"{environment}"}}}}}}"#
        );
        // Then the server's own cost, as a benchmark of a trivial tool measures it: the
        // same calls in a dry run (rendered and answered, not sent to the sandbox).
        let (mut dry, dry_url) = spawn_http(&["--dry-run"]);
        for (server, url, what) in [
            (&child, &url, "tools/call"),
            (&dry, &dry_url, "tools/call in a dry run (no upstream)"),
        ] {
            for (label, version, shared) in [
                ("2025-11-25, one session per client", "2025-11-25", false),
                ("2025-11-25, all clients on one session", "2025-11-25", true),
                ("2026-07-28, no session", "2026-07-28", false),
            ] {
                let load = HttpLoad {
                    client: &client,
                    url,
                    version,
                    body_tail: &call,
                    clients: 50,
                    seconds,
                };
                let (rate, p50, p99) = load.run(shared).await;
                println!(
                    "HTTP, 50 clients, {what}, {label}: {rate:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, peak resident {:.1} MB",
                    p50.as_secs_f64() * 1e3,
                    p99.as_secs_f64() * 1e3,
                    peak_rss_kib(server.id()) as f64 / 1024.0
                );
            }
        }
        let _ = dry.kill();
        let _ = dry.wait();
    });
    let _ = child.kill();
    let _ = child.wait();
}

/// The peak resident memory of process `pid` so far (VmHWM).
fn peak_rss_kib(pid: u32) -> u64 {
    status_field(pid, "VmHWM:")
}

/// Concurrent clients, each sending one request after the other over HTTP.
struct HttpLoad<'a> {
    client: &'a reqwest::Client,
    url: &'a str,
    version: &'a str,
    /// The request after its `"id":N,`.
    body_tail: &'a str,
    clients: u64,
    seconds: f64,
}

impl HttpLoad<'_> {
    /// Requests/s, p50 and p99; `shared`: every client on one session (2025-11-25 only).
    async fn run(&self, shared: bool) -> (f64, Duration, Duration) {
        let stateless = self.version == "2026-07-28";
        let open = || async {
            if stateless {
                return None;
            }
            let init = format!(
                r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"protocolVersion":"{}","capabilities":{{}},"clientInfo":{{"name":"bench","version":"0"}}}}}}"#,
                self.version
            );
            let answer = self.post(init, None, "initialize").await;
            let session = answer
                .headers()
                .get("mcp-session-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            answer.bytes().await.expect("initialize answer");
            let done = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_owned();
            self.post(done, session.clone(), "notifications/initialized")
                .await
                .bytes()
                .await
                .expect("initialized");
            session
        };
        let one = if shared { open().await } else { None };
        let deadline = Instant::now() + Duration::from_secs_f64(self.seconds);
        let started = Instant::now();
        let tasks: Vec<_> = (0..self.clients)
            .map(|c| {
                let one = one.clone();
                async move {
                    let session = if shared { one } else { open().await };
                    let mut samples = Vec::new();
                    let mut id = 1_000_000 * (c + 1);
                    while Instant::now() < deadline {
                        id += 1;
                        let body = if stateless {
                            format!(
                                r#"{{"jsonrpc":"2.0","id":{id},{},"_meta":{{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{{}},"io.modelcontextprotocol/clientInfo":{{"name":"bench","version":"0"}}}}}}}}"#,
                                self.body_tail.trim_end_matches("}}")
                            )
                        } else {
                            format!(r#"{{"jsonrpc":"2.0","id":{id},{}"#, self.body_tail)
                        };
                        let t = Instant::now();
                        let answer = self.post(body, session.clone(), "tools/call").await;
                        let bytes = answer.bytes().await.expect("answer");
                        samples.push(t.elapsed());
                        let failed = b"\"isError\":true";
                        assert!(
                            !bytes.windows(failed.len()).any(|w| w == failed),
                            "{}",
                            String::from_utf8_lossy(&bytes)
                        );
                    }
                    samples
                }
            })
            .collect();
        let mut samples: Vec<Duration> = futures::future::join_all(tasks)
            .await
            .into_iter()
            .flatten()
            .collect();
        let rate = samples.len() as f64 / started.elapsed().as_secs_f64();
        samples.sort();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
        (rate, at(0.5), at(0.99))
    }

    async fn post(&self, body: String, session: Option<String>, method: &str) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", self.version)
            .body(body);
        if self.version == "2026-07-28" {
            request = request.header("mcp-method", method);
            if method == "tools/call" {
                request = request.header("mcp-name", "layerops_list_services");
            }
        }
        if let Some(id) = session {
            request = request.header("mcp-session-id", id);
        }
        request.send().await.expect("answered")
    }
}

/// The variables that point a server at `addr` with the sandbox's credentials.
fn sandbox_upstream(addr: &str) -> [(&'static str, String); 3] {
    [
        ("LAYEROPS_API_BASE_URL", format!("http://{addr}")),
        (
            "LAYEROPS_API_KEY_ID",
            "LYPSANDBOXDEMOKEY00000000".to_owned(),
        ),
        (
            "LAYEROPS_API_KEY_SECRET",
            "00000000-5a4d-4b0c-8000-000000000000".to_owned(),
        ),
    ]
}

/// Requests per second the sandbox answers directly with `in_flight` at once, one keep-alive
/// connection and one thread each: the most any server calling it could pass on.
fn direct_throughput(addr: &str, path: &str, in_flight: usize, total: usize) -> f64 {
    let each = total.div_ceil(in_flight);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..in_flight {
            scope.spawn(|| {
                let mut stream = TcpStream::connect(addr).expect("connect");
                stream.set_nodelay(true).ok();
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                for _ in 0..each {
                    http_get(&mut stream, &mut reader, addr, path);
                }
            });
        }
    });
    (each * in_flight) as f64 / started.elapsed().as_secs_f64()
}

/// The median round trip of a line of `length` bytes through `cat`'s pipes: the floor of a
/// call over stdio, which no server can go under (issue 20's call overhead target is a ratio
/// of the direct request; on a machine where waking a process costs much, this floor is
/// most of it).
fn echo_round_trip(calls: usize, warmup: usize, length: usize) -> Duration {
    let mut echo = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn cat");
    let mut input = echo.stdin.take().expect("stdin");
    let mut output = BufReader::new(echo.stdout.take().expect("stdout"));
    let mut line = "x".repeat(length);
    line.push('\n');
    let mut back = String::new();
    let mut samples = Vec::with_capacity(calls);
    for i in 0..calls + warmup {
        let t = Instant::now();
        input.write_all(line.as_bytes()).expect("write");
        back.clear();
        output.read_line(&mut back).expect("read");
        if i >= warmup {
            samples.push(t.elapsed());
        }
    }
    drop(input);
    let _ = echo.wait();
    median(samples)
}

/// 100,000 calls with 16 in flight, mixing answers, API errors and refused arguments;
/// resident memory after every 10,000 must stay flat once warm.
fn soak(full: bool) {
    let total = if full { 100_000 } else { 2_000 };
    let every = total / 10;
    let sandbox = sandbox();
    let env = environment_of(&sandbox.addr);
    let mut server = Server::spawn(&[], &sandbox_upstream(&sandbox.addr));
    server.initialize();
    let calls = [
        format!(r#"{{"name":"layerops_list_services","arguments":{{"environmentId":"{env}"}}}}"#),
        r#"{"name":"layerops_get_service","arguments":{"serviceId":"00000000-0000-4000-8000-000000000000"}}"#.to_owned(),
        r#"{"name":"layerops_list_services","arguments":{"environmentId":7}}"#.to_owned(),
        r#"{"name":"layerops_get_project","arguments":{"projectId":"../../etc/passwd"}}"#.to_owned(),
    ];
    let (mut sent, mut done) = (0, 0);
    while sent < 16 {
        server.send("tools/call", &calls[sent % calls.len()]);
        sent += 1;
    }
    let mut series = Vec::new();
    let started = Instant::now();
    while done < total {
        server.answer();
        done += 1;
        if sent < total {
            server.send("tools/call", &calls[sent % calls.len()]);
            sent += 1;
        }
        if done % every == 0 {
            series.push(server.rss_kib());
        }
    }
    let mb = |k: u64| k as f64 / 1024.0;
    let shown: Vec<String> = series.iter().map(|k| format!("{:.1}", mb(*k))).collect();
    println!(
        "soak, {total} calls in {:.1} s: resident MB after each {every}: {}",
        started.elapsed().as_secs_f64(),
        shown.join(" ")
    );
    // After the first tenth (warm-up: pools and buffers reach their size), growth is a leak.
    let warm = series[1];
    let last = *series.last().expect("samples");
    println!(
        "soak: growth after warm-up {:+.1} MB ({})",
        mb(last) - mb(warm),
        if last <= warm + 1024 {
            "flat"
        } else {
            "GROWING"
        }
    );
}

/// A content root in a temporary folder, removed when dropped.
struct TempRoot(std::path::PathBuf);

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TempRoot {
    fn new(label: &str) -> TempRoot {
        let dir =
            std::env::temp_dir().join(format!("layerops-mcp-bench-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("registry")).expect("temp root");
        TempRoot(dir)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp path")
    }

    /// A copy of the shipped content folders.
    fn shipped(label: &str) -> TempRoot {
        let root = TempRoot::new(label);
        for folder in ["registry", "resources", "prompts"] {
            copy_dir(
                &std::path::Path::new(&self::root()).join(folder),
                &root.0.join(folder),
            );
        }
        root
    }

    /// `_server.yaml` and `count` tools made from the shipped ones under new names, 100 to a
    /// folder: real schemas and templates, as a large generated catalogue would have.
    fn generated(label: &str, count: usize) -> TempRoot {
        let root = TempRoot::new(label);
        let shipped = std::path::Path::new(&self::root()).join("registry");
        std::fs::copy(
            shipped.join("_server.yaml"),
            root.0.join("registry/_server.yaml"),
        )
        .expect("copy _server.yaml");
        let mut models = Vec::new();
        for set in std::fs::read_dir(&shipped).expect("registry") {
            let set = set.expect("entry").path();
            if !set.is_dir() || set.ends_with("unconfirmed") {
                continue;
            }
            for file in std::fs::read_dir(&set).expect("toolset") {
                let file = file.expect("entry").path();
                let name = file.file_name().unwrap().to_string_lossy().into_owned();
                if !name.starts_with('_') && name.ends_with(".yaml") {
                    models.push(std::fs::read_to_string(&file).expect("read a tool"));
                }
            }
        }
        models.sort();
        for i in 0..count {
            let model = &models[i % models.len()];
            let text = model.replacen("\nname: ", &format!("\nname: g{i:05}_"), 1);
            let dir = root.0.join(format!("registry/set{:03}", i / 100));
            std::fs::create_dir_all(&dir).expect("folder");
            std::fs::write(dir.join(format!("tool{i:05}.yaml")), text).expect("write a tool");
        }
        root
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create a folder");
    for entry in std::fs::read_dir(from).expect("read a folder") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy a file");
        }
    }
}

/// Edits one tool's title in place, to a text it never had before.
fn touch_tool(file: &std::path::Path, round: usize) {
    let text = std::fs::read_to_string(file).expect("read the tool");
    let at = text
        .find("\ntitle: ")
        .unwrap_or_else(|| panic!("{} has no title line", file.display()))
        + "\ntitle: ".len();
    let text = format!("{}Edit {round}, {}", &text[..at], &text[at..]);
    std::fs::write(file, text).expect("write the tool");
}

/// Writes one tool `rounds` times; the time from each write to `list_changed` at the client.
fn save_to_list_changed(
    server: &mut Server,
    file: &std::path::Path,
    rounds: usize,
) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let started = Instant::now();
        touch_tool(file, round);
        server.notification("notifications/tools/list_changed");
        samples.push(started.elapsed());
        // Apart enough that each write is its own reload.
        std::thread::sleep(Duration::from_millis(300));
    }
    samples
}

fn reload(full: bool) {
    let rounds = if full { 20 } else { 3 };
    let root = TempRoot::shipped("reload");
    let reloads = Arc::new(Mutex::new(Vec::new()));
    let mut server = Server::spawn_watching(root.path(), &reloads);
    server.initialize();
    std::thread::sleep(Duration::from_millis(300));
    let file = root.0.join("registry/services/list_services.yaml");
    let samples = save_to_list_changed(&mut server, &file, rounds);
    println!(
        "save to list_changed at the client, shipped catalogue: median {:.0} ms over {rounds} saves (reload and announce {})",
        median(samples).as_secs_f64() * 1e3,
        median_us(&reloads)
    );
}

fn catalogue(full: bool) {
    let count = if full { 10_000 } else { 300 };
    let rounds = if full { 5 } else { 2 };
    let root = TempRoot::generated("catalogue", count);

    let mut answers = Vec::new();
    let mut loads = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let mut server = Server::spawn_watching(root.path(), &Default::default());
        server.initialize_only();
        answers.push(started.elapsed());
        server.loaded();
        loads.push(started.elapsed());
    }
    println!(
        "{count} tools: spawn to initialize answer median {:.1} ms; spawn to the content loaded (the whole load) median {:.0} ms",
        median(answers).as_secs_f64() * 1e3,
        median(loads).as_secs_f64() * 1e3
    );

    let reloads = Arc::new(Mutex::new(Vec::new()));
    let mut server = Server::spawn_watching(root.path(), &reloads);
    server.initialize();
    println!(
        "{count} tools: resident memory once loaded, nothing listed yet {:.1} MB (peak while loading {:.1} MB)",
        server.rss_kib() as f64 / 1024.0,
        peak_rss_kib(server.child.id()) as f64 / 1024.0
    );
    let mut lists = Vec::new();
    let mut size = 0;
    for _ in 0..rounds * 4 {
        let started = Instant::now();
        server.send("tools/list", "{}");
        let answer = server.answer();
        lists.push(started.elapsed());
        size = answer.len();
        assert!(
            answer.contains(&format!("g{:05}_", count - 1)),
            "all tools listed"
        );
    }
    println!(
        "{count} tools: tools/list answered in median {:.1} ms ({:.1} MB of JSON)",
        median(lists).as_secs_f64() * 1e3,
        size as f64 / 1e6
    );
    // What the server keeps, not what it has not given back yet (it does half a second
    // after the last huge answer, on another thread).
    std::thread::sleep(Duration::from_millis(1000));
    println!(
        "{count} tools: resident memory after those lists {:.1} MB",
        server.rss_kib() as f64 / 1024.0
    );
    let file = root.0.join("registry/set042/tool04242.yaml");
    let file = if file.exists() {
        file
    } else {
        root.0.join("registry/set000/tool00001.yaml")
    };
    let samples = save_to_list_changed(&mut server, &file, rounds * 2);
    println!(
        "{count} tools: one file saved to list_changed at the client median {:.0} ms; reload and announce after the debounce {}",
        median(samples).as_secs_f64() * 1e3,
        median_us(&reloads)
    );
    drop(server);
    search_mode(root.path(), count, rounds);
}

/// Issue 19's largest catalogue: its load, and the memory it keeps once loaded.
fn catalogue_100k() {
    let count = 100_000;
    let root = TempRoot::generated("catalogue-100k", count);
    let started = Instant::now();
    let mut server = Server::spawn_watching(root.path(), &Default::default());
    server.initialize_only();
    let answered = started.elapsed();
    server.loaded();
    let loaded = started.elapsed();
    let at_once = server.rss_kib();
    // What the server keeps: the allocator is asked again for what the load freed half a
    // second after it (engine.rs).
    std::thread::sleep(Duration::from_millis(1500));
    println!(
        "{count} tools: spawn to initialize answer {:.1} ms; spawn to the content loaded (the whole load) {:.2} s; resident memory once loaded {:.1} MB, 1.5 s later {:.1} MB, peak while loading {:.1} MB",
        answered.as_secs_f64() * 1e3,
        loaded.as_secs_f64(),
        at_once as f64 / 1024.0,
        server.rss_kib() as f64 / 1024.0,
        peak_rss_kib(server.child.id()) as f64 / 1024.0
    );
    drop(server);
    search_mode(root.path(), count, 5);
}

/// Search mode on a catalogue of `count` tools: the first search (which reads every
/// tool's words), the next ones, a query of 5,000 words, and what the server then holds.
fn search_mode(root: &str, count: usize, rounds: usize) {
    let mut server = Server::spawn_on(root, &["--tool-search"], &[]);
    server.initialize();
    let before = server.rss_kib();
    let mut search = |query: &str| {
        let params = serde_json::json!({"name": "search_tools", "arguments": {"query": query}});
        let started = Instant::now();
        server.send("tools/call", &params.to_string());
        let answer = server.answer();
        assert!(!answer.contains("\"isError\":true"), "{answer}");
        started.elapsed()
    };
    let first = search("scale a service");
    let next: Vec<Duration> = (0..rounds)
        .map(|_| search("list the events of a service"))
        .collect();
    let words: Vec<String> = (0..5_000).map(|i| format!("word{i}")).collect();
    let long = search(&words.join(" "));
    println!(
        "{count} tools, search mode: first search {:.1} ms; next searches median {:.2} ms; a query of 5,000 words {:.2} ms; resident memory {:.1} MB before the first search, {:.1} MB after",
        first.as_secs_f64() * 1e3,
        median(next).as_secs_f64() * 1e3,
        long.as_secs_f64() * 1e3,
        before as f64 / 1024.0,
        server.rss_kib() as f64 / 1024.0
    );
}

/// The median of the server's own reload timings, as text.
fn median_us(samples: &Mutex<Vec<u64>>) -> String {
    let mut samples = samples.lock().expect("lock").clone();
    if samples.is_empty() {
        return "not logged".to_owned();
    }
    samples.sort();
    format!("median {:.1} ms", samples[samples.len() / 2] as f64 / 1e3)
}

fn startup(full: bool) {
    let rounds = if full { 30 } else { 3 };

    // 0. The reference in the same run: the process alone, printing its version.
    let mut version = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let status = Command::new(bin())
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .expect("run --version");
        assert!(status.success());
        version.push(started.elapsed());
    }
    let version = median(version);

    // 1. Spawn to initialize answer, to the first call's answer, and idle memory with the
    // full catalogue.
    let sandbox = sandbox();
    let env = environment_of(&sandbox.addr);
    let call =
        format!(r#"{{"name":"layerops_list_services","arguments":{{"environmentId":"{env}"}}}}"#);
    let mut startup = Vec::new();
    let mut first_call = Vec::new();
    let mut idle = Vec::new();
    let mut parts = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let mut server = Server::spawn(&["--toolsets", "all"], &sandbox_upstream(&sandbox.addr));
        server.initialize_only();
        startup.push(started.elapsed());
        server.send("tools/call", &call);
        let answer = server.answer();
        first_call.push(started.elapsed());
        assert!(!answer.contains("\"isError\":true"), "{answer}");
        std::thread::sleep(Duration::from_millis(50));
        idle.push(server.rss_kib());
        parts.push(server.rss_parts());
    }
    idle.sort();
    let startup = median(startup);
    println!(
        "--version: median {:.2} ms over {rounds} runs",
        version.as_secs_f64() * 1e3
    );
    println!(
        "spawn to initialize answer: median {:.2} ms over {rounds} runs ({:.1}x --version)",
        startup.as_secs_f64() * 1e3,
        startup.as_secs_f64() / version.as_secs_f64()
    );
    println!(
        "spawn to the first tools/call answered: median {:.2} ms",
        median(first_call).as_secs_f64() * 1e3
    );
    println!(
        "resident memory idle, full catalogue: median {:.1} MB",
        idle[idle.len() / 2] as f64 / 1024.0
    );
    parts.sort();
    let (anon, file, threads) = parts[parts.len() / 2];
    println!(
        "  of which: heap and stacks (RssAnon) {:.1} MB, the binary's and libraries' pages (RssFile) {:.1} MB; {threads} threads",
        anon as f64 / 1024.0,
        file as f64 / 1024.0
    );

    // 2. The same start with nothing but `_server.yaml` to load: what a start costs before
    // the catalogue, the least that loading it after the initialize answer could reach.
    let bare = TempRoot::new("bare");
    std::fs::copy(
        std::path::Path::new(&root()).join("registry/_server.yaml"),
        bare.0.join("registry/_server.yaml"),
    )
    .expect("copy _server.yaml");
    let mut bare_starts = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let mut server = Server::spawn_on(bare.path(), &[], &sandbox_upstream(&sandbox.addr));
        server.initialize_only();
        bare_starts.push(started.elapsed());
    }
    let bare_start = median(bare_starts);
    println!(
        "spawn to initialize answer with no tool, resource or prompt to load: median {:.2} ms ({:.1}x --version)",
        bare_start.as_secs_f64() * 1e3,
        bare_start.as_secs_f64() / version.as_secs_f64()
    );
}

fn latency(full: bool) {
    let calls = if full { 3000 } else { 50 };
    let load_calls = if full { 40_000 } else { 200 };
    // 2. Latency: a direct HTTP request to the sandbox, then a tool call to the same endpoint.
    let sandbox = sandbox();
    let addr = sandbox.addr.clone();
    let env = environment_of(&addr);
    let path = format!("/v1/environments/{env}/services");
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream.set_nodelay(true).ok();
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let warmup = calls / 10;
    let mut direct = Vec::with_capacity(calls);
    for i in 0..calls + warmup {
        let t = Instant::now();
        http_get(&mut stream, &mut reader, &addr, &path);
        if i >= warmup {
            direct.push(t.elapsed());
        }
    }
    let mut server = Server::spawn(&[], &sandbox_upstream(&addr));
    server.initialize();
    let call =
        format!(r#"{{"name":"layerops_list_services","arguments":{{"environmentId":"{env}"}}}}"#);
    let mut via_mcp = Vec::with_capacity(calls);
    for i in 0..calls + warmup {
        let t = Instant::now();
        server.send("tools/call", &call);
        let answer = server.answer();
        if i >= warmup {
            via_mcp.push(t.elapsed());
        }
        assert!(!answer.contains("\"isError\":true"), "{answer}");
    }
    let p99 = |samples: &mut Vec<Duration>| {
        samples.sort();
        samples[(samples.len() - 1) * 99 / 100]
    };
    let (direct_p99, via_mcp_p99) = (p99(&mut direct), p99(&mut via_mcp));
    let (direct, via_mcp) = (median(direct), median(via_mcp));
    println!(
        "direct HTTP request to the sandbox: median {:.1} us, p99 {:.1} us",
        direct.as_secs_f64() * 1e6,
        direct_p99.as_secs_f64() * 1e6
    );
    let floor = echo_round_trip(calls, warmup, call.len());
    println!(
        "round trip of a line through an echo process's pipes (cat): median {:.1} us ({:.2}x the direct request: what any stdio server adds before doing anything)",
        floor.as_secs_f64() * 1e6,
        floor.as_secs_f64() / direct.as_secs_f64()
    );
    let over = via_mcp.as_secs_f64() - direct.as_secs_f64();
    println!(
        "tool call through MCP stdio: median {:.1} us ({:+.1} us over direct: {:.2}x the direct request), p99 {:.1} us ({:+.1} us)",
        via_mcp.as_secs_f64() * 1e6,
        over * 1e6,
        over / direct.as_secs_f64(),
        via_mcp_p99.as_secs_f64() * 1e6,
        (via_mcp_p99.as_secs_f64() - direct_p99.as_secs_f64()) * 1e6
    );

    // 3. Throughput with 16 calls in flight over the one stdio connection, and memory under load.
    let in_flight = 16;
    let started = Instant::now();
    let mut sent = 0;
    let mut done = 0;
    while sent < in_flight.min(load_calls) {
        server.send("tools/call", &call);
        sent += 1;
    }
    let mut peak = 0;
    while done < load_calls {
        server.answer();
        done += 1;
        if sent < load_calls {
            server.send("tools/call", &call);
            sent += 1;
        }
        if done % 1000 == 0 {
            peak = peak.max(server.rss_kib());
        }
    }
    let elapsed = started.elapsed();
    peak = peak.max(server.rss_kib());
    println!(
        "throughput, {in_flight} in flight: {:.0} calls/s ({load_calls} calls in {:.2} s)",
        load_calls as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    println!(
        "resident memory under load: peak {:.1} MB",
        peak as f64 / 1024.0
    );
    // The reference for the throughput, in the same run: the server cannot pass on more calls
    // than its upstream answers.
    drop(server);
    println!(
        "direct HTTP requests to the sandbox, {in_flight} in flight: {:.0} requests/s",
        direct_throughput(&addr, &path, in_flight, load_calls)
    );
    drop(sandbox);
}
