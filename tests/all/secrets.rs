//! Known credentials, every path that prints something (trace logs, client log messages,
//! tool results and errors, dry runs, `check`, `list`, `call`, the audit log), and the
//! credentials found nowhere.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use crate::common::http::{MockApi, Recorded, Reply};
use crate::common::{TempRoot, bin, engine_root};
use serde_json::{Value, json};

// Distinctive values, so a hit cannot be a coincidence.
const KEY_ID: &str = "LYPLEAKCANARYKEYID0000001";
const KEY_SECRET: &str = "c4n4ry5e-cr3t-4b1d-9e6d-leakleakleak";
const PROJECT: &str = "3f2c9a8e-1b4d-4e6f-9a7b-2c8d5e1f0a3b";
const SERVICE: &str = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

/// Fails if any form of the credentials is in `text`.
fn assert_clean(what: &str, text: &str) {
    for needle in [KEY_SECRET, KEY_ID, &KEY_SECRET[..12], &KEY_SECRET[24..]] {
        assert!(
            !text.contains(needle),
            "{what} holds a credential (`{needle}`):\n{text}"
        );
    }
}

/// An API that does its worst: echoes the credentials it was sent in every answer.
async fn leaky_api() -> MockApi {
    MockApi::start(|req: &Recorded, _| {
        let key = req.header("x-api-key").unwrap_or("").to_owned();
        let path = req.target.clone();
        if path.starts_with("/v1/workspaces?") || path == "/v1/workspaces" {
            Reply::Json(200, json!([{"name": "p", "uuid": PROJECT, "seenKey": key}]))
        } else if path.starts_with("/v1/workspaces/") {
            Reply::Json(
                401,
                json!({"statusCode": 401, "message": format!("bad key {key}"), "error": "Unauthorized"}),
            )
        } else if path.starts_with("/v1/services/") {
            Reply::text(500, "text/plain", &format!("crash dump: X-API-KEY={key}"))
                .with_header("X-Echo", &key)
        } else if path.starts_with("/v1/environments") {
            Reply::Close
        } else {
            Reply::text(404, "text/html", &format!("<h1>no {path} for {key}</h1>"))
        }
    })
    .await
}

fn server_env(cmd: &mut Command, base_url: &str) {
    cmd.current_dir(std::env::temp_dir())
        .env("LAYEROPS_API_BASE_URL", base_url)
        .env("LAYEROPS_API_KEY_ID", KEY_ID)
        .env("LAYEROPS_API_KEY_SECRET", KEY_SECRET)
        .env("RUST_LOG", "trace")
        .env("RUST_BACKTRACE", "1");
}

/// Runs the server over raw stdio with `messages`, waits for an answer to each request,
/// and returns (everything on stdout, everything on stderr).
fn drive(extra: &[&str], base_url: &str, messages: &[Value]) -> (String, String) {
    let mut cmd = Command::new(bin());
    cmd.args(["serve", "--no-watch", "--root"])
        .arg(engine_root())
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    server_env(&mut cmd, base_url);
    let mut child = cmd.spawn().expect("spawn");
    let mut stderr = child.stderr.take().expect("stderr");
    let logs = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).ok();
        text
    });
    let mut stdin = child.stdin.take().expect("stdin");
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}});
    writeln!(stdin, "{init}").expect("write");
    writeln!(
        stdin,
        "{}",
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
    )
    .expect("write");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    let mut line = String::new();
    // The initialize answer first: the rest is sent once the session is up.
    stdout.read_line(&mut line).expect("read");
    seen.push_str(&line);
    let mut waiting = 0;
    for m in messages {
        writeln!(stdin, "{m}").expect("write");
        waiting += usize::from(m.get("id").is_some());
    }
    while waiting > 0 {
        line.clear();
        assert!(
            stdout.read_line(&mut line).expect("read") > 0,
            "stdout closed early"
        );
        let message: Value = serde_json::from_str(&line).expect("JSON-RPC on stdout");
        if message.get("id").is_some() && message.get("method").is_none() {
            waiting -= 1;
        }
        seen.push_str(&line);
    }
    drop(stdin);
    stdout.read_to_string(&mut seen).ok();
    child.wait().expect("exit");
    (seen, logs.join().expect("stderr reader"))
}

fn request(id: u64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

fn tool(id: u64, name: &str, arguments: Value) -> Value {
    request(
        id,
        "tools/call",
        json!({"name": name, "arguments": arguments}),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_reach_no_output_of_the_server() {
    let api = leaky_api().await;
    let audit = tempfile::tempdir().expect("temp dir");
    let audit_log = audit.path().join("audit.jsonl");
    let messages = vec![
        request(1, "logging/setLevel", json!({"level": "debug"})),
        tool(2, "fixture_list_projects", json!({})),
        tool(
            3,
            "fixture_get_environment",
            json!({"environmentId": PROJECT}),
        ),
        tool(4, "fixture_delete_service", json!({"serviceId": SERVICE})),
        tool(
            5,
            "fixture_list_environments",
            json!({"projectId": PROJECT}),
        ),
        tool(6, "fixture_get_service", json!({"serviceId": "not-a-uuid"})),
        request(7, "resources/read", json!({"uri": "layerops-mcp://status"})),
        request(8, "resources/list", json!({})),
        request(9, "prompts/list", json!({})),
        request(10, "tools/list", json!({})),
    ];
    let base_url = api.base_url.clone();
    let audit_arg = audit_log.display().to_string();
    let (stdout, stderr) = tokio::task::spawn_blocking(move || {
        drive(&["--audit-log", &audit_arg], &base_url, &messages)
    })
    .await
    .expect("driver");

    // The credentials were in play: sent to the API, echoed back, and masked.
    let sent = api.requests();
    assert!(sent.len() >= 4, "{sent:#?}");
    assert_eq!(
        sent[0].header("x-api-key"),
        Some(format!("{KEY_ID}:{KEY_SECRET}").as_str())
    );
    assert!(stdout.contains("seenKey"), "{stdout}");
    assert!(stdout.contains("****"), "{stdout}");
    assert!(stdout.contains("bad key"), "{stdout}");
    assert!(
        stderr.contains("TRACE") || stderr.contains("trace"),
        "trace logs are on"
    );

    assert_clean("stdout (results, errors, client log messages)", &stdout);
    assert_clean("stderr (trace logs)", &stderr);
    let audit = std::fs::read_to_string(&audit_log).expect("audit log");
    assert!(audit.contains("fixture_delete_service"), "{audit}");
    assert_clean("the audit log", &audit);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_shows_the_request_with_credentials_masked() {
    let api = leaky_api().await;
    let base_url = api.base_url.clone();
    let messages = vec![
        tool(1, "fixture_delete_service", json!({"serviceId": SERVICE})),
        tool(2, "fixture_list_projects", json!({})),
    ];
    let (stdout, stderr) =
        tokio::task::spawn_blocking(move || drive(&["--dry-run"], &base_url, &messages))
            .await
            .expect("driver");
    assert!(stdout.contains("X-API-KEY"), "{stdout}");
    assert!(stdout.contains("****:****"), "{stdout}");
    assert!(api.requests().is_empty());
    assert_clean("dry-run stdout", &stdout);
    assert_clean("dry-run stderr", &stderr);
}

fn run(args: &[&str], base_url: &str) -> (String, String) {
    let mut cmd = Command::new(bin());
    cmd.args(args).stdin(Stdio::null());
    server_env(&mut cmd, base_url);
    let out = cmd.output().expect("run");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_commands_print_no_credentials() {
    let api = leaky_api().await;
    let root = engine_root().display().to_string();
    // A content root with faults, one of them a header that names the secret.
    let broken = TempRoot::new(
        "name: t\nupstream:\n  base_url: \"{{ env('LAYEROPS_API_BASE_URL') }}\"\n  headers:\n    X-API-KEY: \"{{ secret('LAYEROPS_API_KEY_ID') }}:{{ secret('LAYEROPS_API_KEY_SECRET') }}\"\n    X-Broken: \"{{ secret('LAYEROPS_API_KEY_SECRET') | no_such_filter }}\"\n",
    );
    broken.write(
        "registry/bad.yaml",
        "name: bad\ndescription: Broken.\ninput: {type: object}\nrequest:\n  method: GET\n  path: /v1/{{ missing }}\n",
    );
    let broken_root = broken.path().display().to_string();
    let base_url = api.base_url.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        vec![
            ("check", run(&["check", "--root", &root], &base_url)),
            (
                "check of a broken root",
                run(&["check", "--root", &broken_root], &base_url),
            ),
            ("list", run(&["list", "--root", &root], &base_url)),
            (
                "call",
                run(
                    &["call", "fixture_list_projects", "--root", &root],
                    &base_url,
                ),
            ),
            (
                "call with an API error",
                run(
                    &[
                        "call",
                        "fixture_delete_service",
                        "--args",
                        &format!("{{\"serviceId\": \"{SERVICE}\"}}"),
                        "--root",
                        &root,
                    ],
                    &base_url,
                ),
            ),
            (
                "call --dry-run",
                run(
                    &[
                        "call",
                        "fixture_list_projects",
                        "--dry-run",
                        "--root",
                        &root,
                    ],
                    &base_url,
                ),
            ),
            (
                "serve of a broken root",
                run(&["serve", "--no-watch", "--root", &broken_root], &base_url),
            ),
        ]
    })
    .await
    .expect("commands");
    let (_, (broken_out, broken_err)) = &outputs[1];
    assert!(
        format!("{broken_out}{broken_err}").contains("no_such_filter"),
        "the broken root is reported: {broken_out}{broken_err}"
    );
    let (_, (call_out, _)) = &outputs[3];
    assert!(
        call_out.contains("seenKey") && call_out.contains("****"),
        "{call_out}"
    );
    for (what, (stdout, stderr)) in &outputs {
        assert_clean(&format!("{what}: stdout"), stdout);
        assert_clean(&format!("{what}: stderr"), stderr);
    }
}

const SENSITIVE: &str = "s3ns1t1v3-canary-value-0042";

/// An API that writes the key with JSON escapes, and an answer that is cut in the middle of
/// the key by the response limit.
async fn escaping_api() -> MockApi {
    MockApi::start(|req: &Recorded, _| {
        let path = req.target.clone();
        if path.starts_with("/v1/workspaces") {
            let escaped = KEY_SECRET.replace('-', "\\u002d");
            let body = format!(
                r#"[{{"name":"p","uuid":"{PROJECT}","seen":"{escaped}","also":"{}"}}]"#,
                KEY_SECRET.replace('-', "\\u002D")
            );
            Reply::text(200, "application/json", &body)
        } else if path.starts_with("/v1/environments/") {
            // 17 bytes before the key, and 20 bytes of the key before the 1024-byte cut.
            let body = format!(r#"{{"pad":"{}","key":"{KEY_SECRET}"}}"#, "x".repeat(987));
            Reply::text(200, "application/json", &body)
        } else {
            Reply::Json(200, json!({}))
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_marked_by_the_content_escaped_or_cut_reach_no_output() {
    let api = escaping_api().await;
    let audit = tempfile::tempdir().expect("temp dir");
    let audit_log = audit.path().join("audit.jsonl");
    let update = |id: u64, value: &str| {
        tool(
            id,
            "fixture_update_service",
            json!({"serviceId": SERVICE, "environmentVariables": [
                {"key": "DB_HOST", "value": "postgres", "isSensitive": false},
                {"key": "DB_PASSWORD", "value": value, "isSensitive": true}
            ]}),
        )
    };
    let messages = vec![
        request(1, "logging/setLevel", json!({"level": "debug"})),
        tool(2, "fixture_list_projects", json!({})),
        tool(
            3,
            "fixture_get_environment",
            json!({"environmentId": PROJECT}),
        ),
        update(4, SENSITIVE),
        // A get answer's mask sent back: refused, nothing sent.
        update(5, "********"),
    ];
    let base_url = api.base_url.clone();
    let audit_arg = audit_log.display().to_string();
    let (stdout, stderr) = tokio::task::spawn_blocking(move || {
        drive(
            &["--audit-log", &audit_arg, "--max-response-bytes", "1024"],
            &base_url,
            &messages,
        )
    })
    .await
    .expect("driver");

    // Both answers were really given, and the update really carried the value.
    assert!(stdout.contains("\\\"seen\\\""), "{stdout}");
    assert!(stdout.contains("[Cut:"), "{stdout}");
    let puts: Vec<Recorded> = api
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 1, "the masked update is not sent: {puts:#?}");
    assert_eq!(
        puts[0].json()["environmentVariables"][1]["value"],
        SENSITIVE
    );
    assert!(stdout.contains("only holds a mask"), "{stdout}");
    assert!(stdout.contains("/environmentVariables/1/value"), "{stdout}");

    assert_clean("stdout", &stdout);
    assert_clean("stderr", &stderr);
    let audit = std::fs::read_to_string(&audit_log).expect("audit log");
    assert!(
        audit.contains("DB_PASSWORD") && audit.contains("postgres"),
        "{audit}"
    );
    for (what, text) in [
        ("stderr", &stderr),
        ("the audit log", &audit),
        ("stdout", &stdout),
    ] {
        assert!(
            !text.contains(SENSITIVE),
            "{what} shows the sensitive value:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_masks_values_marked_sensitive() {
    let api = escaping_api().await;
    let base_url = api.base_url.clone();
    let messages = vec![tool(
        1,
        "fixture_update_service",
        json!({"serviceId": SERVICE, "environmentVariables": [
            {"key": "DB_PASSWORD", "value": SENSITIVE, "isSensitive": true}
        ]}),
    )];
    let (stdout, stderr) =
        tokio::task::spawn_blocking(move || drive(&["--dry-run"], &base_url, &messages))
            .await
            .expect("driver");
    assert!(stdout.contains("DB_PASSWORD"), "{stdout}");
    assert!(!stdout.contains(SENSITIVE), "{stdout}");
    assert!(!stderr.contains(SENSITIVE), "{stderr}");
}
