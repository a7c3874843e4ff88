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
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_layerops-mcp");
const KEY: &str = "LYPSANDBOXDEMOKEY00000000:00000000-5a4d-4b0c-8000-000000000000";

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
    fn spawn(extra: &[&str], env: &[(&str, String)]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--no-watch", "--root", &root()])
            .args(extra)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("RUST_LOG", "error")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the server");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Server {
            child,
            stdin,
            stdout,
            next_id: 1,
        }
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

    fn initialize(&mut self) {
        self.send("initialize", r#"{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}"#);
        self.answer();
        writeln!(
            self.stdin,
            r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#
        )
        .expect("write");
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
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
    let child = Command::new(BIN)
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
    let rounds = if full { 30 } else { 3 };
    let calls = if full { 3000 } else { 50 };
    let load_calls = if full { 40_000 } else { 200 };

    // 1. Spawn to initialize answer, and idle memory with the full catalogue.
    let mut startup = Vec::new();
    let mut idle = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let mut server = Server::spawn(&["--toolsets", "all"], &[]);
        server.initialize();
        startup.push(started.elapsed());
        std::thread::sleep(Duration::from_millis(50));
        idle.push(server.rss_kib());
    }
    idle.sort();
    println!(
        "spawn to initialize answer: median {:.2} ms over {rounds} runs",
        median(startup).as_secs_f64() * 1e3
    );
    println!(
        "resident memory idle, full catalogue: median {:.1} MB",
        idle[idle.len() / 2] as f64 / 1024.0
    );

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
    let upstream = [
        ("LAYEROPS_API_BASE_URL", format!("http://{addr}")),
        (
            "LAYEROPS_API_KEY_ID",
            "LYPSANDBOXDEMOKEY00000000".to_owned(),
        ),
        (
            "LAYEROPS_API_KEY_SECRET",
            "00000000-5a4d-4b0c-8000-000000000000".to_owned(),
        ),
    ];
    let mut server = Server::spawn(&[], &upstream);
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
    let (direct, via_mcp) = (median(direct), median(via_mcp));
    println!(
        "direct HTTP request to the sandbox: median {:.1} us",
        direct.as_secs_f64() * 1e6
    );
    println!(
        "tool call through MCP stdio: median {:.1} us ({:+.1} us over direct)",
        via_mcp.as_secs_f64() * 1e6,
        (via_mcp.as_secs_f64() - direct.as_secs_f64()) * 1e6
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
    drop(server);
    drop(sandbox);
}
