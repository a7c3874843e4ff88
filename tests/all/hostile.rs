//! Hostile input through the real binary: malformed and oversized JSON-RPC, unknown methods,
//! misshapen params, arguments that try to be paths, queries or templates, and upstream
//! APIs that break off, never end, or fail in storms. Every case gets a clear error and the
//! server keeps serving.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use crate::common::http::{MockApi, Reply};
use crate::common::*;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);

/// A server spoken to with raw lines, since a well-behaved client cannot send bad ones.
struct Raw {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    next_id: u64,
}

impl Drop for Raw {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Raw {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Raw {
        let mut command = Command::new(bin());
        command.args(["serve", "--no-watch"]);
        if !args.contains(&"--root") {
            command.arg("--root").arg(engine_root());
        }
        let mut child = command
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the server");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut raw = Raw {
            child,
            stdin,
            lines,
            next_id: 1,
        };
        let answer = raw.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "hostile", "version": "0"}}),
        );
        assert!(answer.get("result").is_some(), "{answer}");
        raw.line(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        raw
    }

    fn line(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write");
        self.stdin.write_all(b"\n").expect("write");
        self.stdin.flush().expect("flush");
    }

    /// The next line the server writes, as JSON.
    fn next(&mut self) -> Value {
        let line = self
            .lines
            .recv_timeout(WAIT)
            .expect("the server answered in time");
        serde_json::from_str(&line).expect("the server writes JSON")
    }

    /// Sends a request and returns its answer, skipping notifications.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.line(message.to_string().as_bytes());
        loop {
            let answer = self.next();
            if answer["id"] == json!(id) {
                return answer;
            }
        }
    }

    fn call(&mut self, tool: &str, arguments: Value) -> (bool, String) {
        let answer = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        let result = &answer["result"];
        assert!(result.is_object(), "a tool result: {answer}");
        let text = result["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (result["isError"] == json!(true), text)
    }

    /// The session still answers.
    fn alive(&mut self) {
        let answer = self.request("ping", json!({}));
        assert_eq!(answer["result"], json!({}), "{answer}");
    }
}

fn error_of(answer: &Value) -> (i64, String) {
    (
        answer["error"]["code"].as_i64().unwrap_or_default(),
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[test]
fn malformed_lines_are_answered_and_the_session_goes_on() {
    let mut raw = Raw::start(&["--dry-run"], &[]);
    let cases: Vec<(&[u8], i64)> = vec![
        (b"{not json", -32700),
        (b"\x00\xff\xfe binary", -32700),
        (b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", -32700),
        (b"[]", -32600),
        (b"42", -32600),
        (b"{\"jsonrpc\":\"1.0\",\"id\":3}", -32600),
    ];
    for (line, code) in cases {
        raw.line(line);
        let answer = raw.next();
        let (got, message) = error_of(&answer);
        assert_eq!(got, code, "{}: {answer}", String::from_utf8_lossy(line));
        assert!(
            message.starts_with("Parse error") || message.starts_with("Invalid Request"),
            "{message}"
        );
        raw.alive();
    }
    // Blank lines and CRLF endings are not errors.
    raw.line(b"");
    raw.line(b"\r");
    raw.line(br#"{"jsonrpc":"2.0","id":"crlf","method":"ping"}"#.as_slice());
    let answer = raw.next();
    assert_eq!(answer["id"], json!("crlf"), "{answer}");
}

#[test]
fn huge_and_deeply_nested_messages_are_refused_cleanly() {
    let mut raw = Raw::start(&["--dry-run"], &[]);
    // Over the 16 MiB limit: dropped, and said so.
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":9,"method":"ping","params":{{"pad":"{}"}}}}"#,
        "x".repeat(17 * 1024 * 1024)
    );
    raw.line(huge.as_bytes());
    let (code, message) = error_of(&raw.next());
    assert_eq!(code, -32600);
    assert!(message.contains("over the limit"), "{message}");
    raw.alive();

    // Nesting deeper than any real message: a parse error, not a stack overflow.
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{{"name":"fixture_list_projects","arguments":{{"x":{}{}}}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    raw.line(deep.as_bytes());
    let (code, message) = error_of(&raw.next());
    assert_eq!(code, -32700, "{message}");
    raw.alive();

    // A million-item array where a string belongs: refused by validation, briefly.
    let items: Vec<u32> = (0..1_000_000).collect();
    let (failed, text) = raw.call("fixture_list_services", json!({"environmentId": items}));
    assert!(failed, "{}", &text[..text.len().min(300)]);
    assert!(text.contains("environmentId"), "{}", &text[..300]);
    assert!(
        text.len() < 10_000,
        "the error stays short: {} bytes",
        text.len()
    );
    raw.alive();
}

#[test]
fn unknown_methods_and_misshapen_params_get_precise_errors() {
    let mut raw = Raw::start(&["--dry-run"], &[]);
    let (code, message) = error_of(&raw.request("tools/destroy_everything", json!({})));
    assert_eq!(code, -32601);
    assert!(
        message.contains("Unknown method `tools/destroy_everything`")
            && message.contains("tools/call"),
        "{message}"
    );

    let (code, message) = error_of(&raw.request("tools/call", json!({"name": 5})));
    assert_eq!(code, -32602);
    assert!(
        message.starts_with("Invalid params for tools/call"),
        "{message}"
    );

    let (code, message) = error_of(&raw.request(
        "tools/call",
        json!({"name": "fixture_list_projects", "arguments": "all"}),
    ));
    assert_eq!(code, -32602, "{message}");

    let (code, message) = error_of(&raw.request("resources/read", json!({"uri": ["a"]})));
    assert_eq!(code, -32602, "{message}");

    // Wrong types inside arguments are validation errors naming each field.
    let (failed, text) = raw.call(
        "fixture_create_service",
        json!({"environmentId": {"$ne": null}, "name": 42, "countMin": "1; DROP TABLE", "ports": "80"}),
    );
    assert!(failed);
    for field in ["environmentId", "name", "countMin", "ports"] {
        assert!(text.contains(field), "{field} named in: {text}");
    }
    raw.alive();
}

/// A catalogue whose tools put arguments in the path, the query, a header and the body.
fn data_root() -> TempRoot {
    let root = TempRoot::standard();
    root.write(
        "registry/items/put.yaml",
        r#"name: put_item
description: Puts an item.
input:
  type: object
  properties:
    id: { type: string }
    q: { type: string }
    tag: { type: string }
    note: { type: string }
  required: [id]
request:
  method: PUT
  path: /items/{{ id }}
  query: { q: "{{ q }}" }
  headers: { X-Tag: "{{ tag }}" }
  body: { note: "{{ note }}", echo: "before {{ note }} after" }
"#,
    );
    root
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn argument_values_are_data_never_code_or_paths() {
    let api = MockApi::json(200, json!({"ok": true})).await;
    let root = data_root();
    let root_path = root.path().display().to_string();
    let mut raw = Raw::start(
        &["--root", &root_path],
        &[
            ("LAYEROPS_API_BASE_URL", api.base_url.as_str()),
            ("LAYEROPS_API_KEY_ID", KEY_ID),
            ("LAYEROPS_API_KEY_SECRET", KEY_SECRET),
        ],
    );
    let template = "{{ 7 * 7 }}{% for i in range(99999999) %}x{% endfor %}";
    let (failed, text) = raw.call(
        "put_item",
        json!({
            "id": "{{ 7 * 7 }}/../../admin?x=1#f",
            "q": "a&admin=1#frag\u{202e}",
            "tag": "{{ secret('LAYEROPS_API_KEY_SECRET') }}",
            "note": template,
        }),
    );
    assert!(!failed, "{text}");
    let sent = api.only_request();
    assert_eq!(
        sent.target,
        "/items/%7B%7B%207%20%2A%207%20%7D%7D%2F..%2F..%2Fadmin%3Fx%3D1%23f?q=a%26admin%3D1%23frag%E2%80%AE"
    );
    assert_eq!(
        sent.header("x-tag"),
        Some("{{ secret('LAYEROPS_API_KEY_SECRET') }}"),
        "a template in an argument is never evaluated"
    );
    assert_eq!(
        sent.json(),
        json!({"note": template, "echo": format!("before {template} after")})
    );

    // NUL and line breaks: harmless in a path or body, refused in a header.
    let (failed, text) = raw.call("put_item", json!({"id": "a\u{0}b\r\nc", "note": "n\u{0}"}));
    assert!(!failed, "{text}");
    let sent = &api.requests()[1];
    assert_eq!(sent.target.split('?').next(), Some("/items/a%00b%0D%0Ac"));
    assert_eq!(sent.json()["note"], json!("n\u{0}"));
    let (failed, text) = raw.call("put_item", json!({"id": "a", "tag": "x\r\nX-Injected: 1"}));
    assert!(failed && text.contains("X-Tag"), "{text}");
    assert_eq!(api.requests().len(), 2, "the refused call sent nothing");

    // `..` and empty ids cannot name another resource.
    for id in ["..", ".", ""] {
        let (failed, text) = raw.call("put_item", json!({ "id": id }));
        assert!(failed, "{id:?}: {text}");
    }
    assert_eq!(api.requests().len(), 2);
    raw.alive();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_broken_off_endless_or_invalid_are_errors_not_hangs() {
    let api = MockApi::start(|request, _| match request.target.as_str() {
        "/v1/workspaces" => Reply::BrokenOff {
            declared: 100_000,
            sent: 1_000,
        },
        t if t.contains("/services") => Reply::Endless,
        _ => Reply::text(200, "application/json", "{\"items\": [1, 2,"),
    })
    .await;
    let client = Launch::new(&api.base_url).start().await;

    let broken = call(&client, "fixture_list_projects", json!({})).await;
    assert!(is_error(&broken), "{}", text(&broken));
    assert!(text(&broken).contains("broke off"), "{}", text(&broken));

    let endless = call(
        &client,
        "fixture_list_services",
        json!({"environmentId": "9b2f1c3e-5d4a-4f6b-8c7d-1e2f3a4b5c6d"}),
    )
    .await;
    // An endless list: the complete items read, and a note that there is more.
    let shown = text(&endless);
    assert!(
        shown.contains("[More not shown: the answer is longer than the"),
        "cut at the size limit: {}",
        &shown[shown.len().saturating_sub(300)..]
    );
    assert!(shown.len() < 102_400 + 1_000, "{}", shown.len());

    let invalid = call(
        &client,
        "fixture_list_environments",
        json!({"projectId": "9b2f1c3e-5d4a-4f6b-8c7d-1e2f3a4b5c6d"}),
    )
    .await;
    assert!(
        text(&invalid).contains("{\"items\": [1, 2,"),
        "invalid JSON comes back as the text it is: {}",
        text(&invalid)
    );
    assert!(!tool_names(&client).await.is_empty(), "still serving");
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_server_errors_is_retried_boundedly_and_only_when_safe() {
    let api = MockApi::start(|request, _| {
        if request.target == "/v1/workspaces" {
            Reply::json(500, json!({"message": "boom"}))
        } else {
            Reply::json(503, json!({"message": "busy"})).with_header("retry-after", "0")
        }
    })
    .await;
    let client = Launch::new(&api.base_url).start().await;

    // 500 is never retried: the change may have happened.
    let result = call(&client, "fixture_list_projects", json!({})).await;
    assert!(is_error(&result) && text(&result).contains("HTTP 500"));
    assert_eq!(api.requests().len(), 1);

    // Twenty calls into a 503 storm at once: each tried at most three times, all answered.
    let calls = (0..20).map(|_| {
        call(
            &client,
            "fixture_list_environments",
            json!({"projectId": "9b2f1c3e-5d4a-4f6b-8c7d-1e2f3a4b5c6d"}),
        )
    });
    let results = futures::future::join_all(calls).await;
    assert!(
        results
            .iter()
            .all(|r| is_error(r) && text(r).contains("HTTP 503"))
    );
    assert_eq!(api.requests().len(), 1 + 20 * 3);
    client.cancel().await.ok();
}

/// Many requests in one write, and messages split across writes, while answers are going
/// out: none may be lost (a transport that dropped a half-read line lost calls here).
#[test]
fn pipelined_and_split_messages_all_get_answers() {
    let mut raw = Raw::start(&["--dry-run"], &[]);
    let mut burst = Vec::new();
    for id in 1000..3000 {
        let message = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "fixture_list_services", "arguments": {"environmentId": "9b2f1c3e-5d4a-4f6b-8c7d-1e2f3a4b5c6d"}}});
        burst.extend_from_slice(message.to_string().as_bytes());
        burst.push(b'\n');
    }
    let split = br#"{"jsonrpc":"2.0","id":"split","method":"ping"}"#;
    raw.stdin.write_all(&burst).expect("write");
    raw.stdin.write_all(&split[..10]).expect("write");
    raw.stdin.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(30));
    raw.stdin.write_all(&split[10..]).expect("write");
    raw.stdin.write_all(b"\n").expect("write");
    raw.stdin.flush().expect("flush");
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < 2001 {
        let answer = raw.next();
        assert!(answer.get("error").is_none(), "{answer}");
        seen.insert(answer["id"].to_string());
    }
    assert!(seen.contains("\"split\""));
}

#[test]
fn a_request_id_still_in_flight_is_refused_not_lost() {
    let api = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    // An API that accepts and never answers: the first call stays in flight.
    let base_url = format!("http://{}", api.local_addr().expect("addr"));
    let mut raw = Raw::start(
        &[],
        &[
            ("LAYEROPS_API_BASE_URL", &base_url),
            ("LAYEROPS_API_KEY_ID", KEY_ID),
            ("LAYEROPS_API_KEY_SECRET", KEY_SECRET),
        ],
    );
    raw.line(br#"{"jsonrpc":"2.0","id":"dup","method":"tools/call","params":{"name":"fixture_list_projects","arguments":{}}}"#);
    raw.line(br#"{"jsonrpc":"2.0","id":"dup","method":"ping"}"#);
    let answer = raw.next();
    assert_eq!(answer["id"], json!("dup"), "{answer}");
    let (code, message) = error_of(&answer);
    assert_eq!(code, -32600, "{answer}");
    assert!(
        message.contains("already used by a request still in progress"),
        "{message}"
    );
    // The first call is cancelled: it is never answered (MCP), and once it has stopped its
    // id may be used again; until then a request reusing it is refused, never given the
    // cancelled call's answer.
    raw.line(
        br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"dup"}}"#,
    );
    let mut reused = false;
    for _ in 0..200 {
        raw.line(br#"{"jsonrpc":"2.0","id":"dup","method":"ping"}"#);
        let answer = raw.next();
        assert_eq!(answer["id"], json!("dup"), "{answer}");
        if answer["result"] == json!({}) {
            reused = true;
            break;
        }
        let (code, message) = error_of(&answer);
        assert_eq!(code, -32600, "only the ping is answered: {answer}");
        assert!(message.contains("still in progress"), "{message}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(reused, "the cancelled call's id was never freed");
    for bad in [
        r#"{"jsonrpc":"2.0","id":41}"#,
        r#"{"jsonrpc":"1.0","id":42,"method":"ping"}"#,
    ] {
        raw.line(bad.as_bytes());
        let answer = raw.next();
        assert_eq!(error_of(&answer).0, -32600, "{bad}: {answer}");
    }
    raw.alive();
    drop(api);
}

#[test]
fn a_recursive_handlebars_partial_is_refused_at_load_and_never_aborts() {
    let root = TempRoot::standard();
    root.write(
        "prompts/loop.hbs",
        "---\nname: loop\narguments: [{ name: a }]\n---\n{{#*inline \"again\"}}x{{> again}}{{/inline}}{{> again}}\n",
    );
    root.write(
        "prompts/self.hbs",
        "---\nname: self\narguments: []\n---\nbefore\n{{#if true}}{{> prompts/self.hbs}}{{/if}}\n",
    );
    root.write(
        "prompts/deep.hbs",
        &format!(
            "---\nname: deep\narguments: []\n---\n{}{}\n",
            "{{#if true}}".repeat(5000),
            "{{/if}}".repeat(5000)
        ),
    );
    let out = Command::new(bin())
        .args(["check", "--root"])
        .arg(root.path())
        .output()
        .expect("check runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("prompts/loop.hbs:5:") && text.contains("partials"),
        "{text}"
    );
    assert!(text.contains("prompts/self.hbs:6:"), "{text}");
    assert!(
        text.contains("prompts/deep.hbs:5:1: blocks nest deeper"),
        "{text}"
    );

    let root_arg = root.path().display().to_string();
    let mut raw = Raw::start(&["--root", &root_arg], &[]);
    for name in ["loop", "self", "deep"] {
        let answer = raw.request("prompts/get", json!({"name": name, "arguments": {}}));
        assert!(answer.get("error").is_some(), "{answer}");
    }
    raw.alive();
}

#[cfg(unix)]
#[test]
fn content_files_are_regular_files_inside_the_root_and_not_too_large() {
    let root = TempRoot::standard();
    let outside = tempfile::tempdir().expect("temp dir");
    let secret = outside.path().join("elsewhere.md");
    std::fs::write(
        &secret,
        "---\nuri: test://outside\nname: outside\n---\nfrom outside the root\n",
    )
    .expect("write");
    std::fs::create_dir_all(root.path().join("resources")).expect("mkdir");
    std::os::unix::fs::symlink(&secret, root.path().join("resources/outside.md")).expect("link");
    std::os::unix::fs::symlink("/dev/zero", root.path().join("resources/zero.md")).expect("link");
    let fifo = root.path().join("resources/pipe.md");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    root.write(
        "resources/big.md",
        &format!(
            "---\nuri: test://big\nname: big\n---\n{}\n",
            "x".repeat(2 * 1024 * 1024)
        ),
    );
    // A link inside the root is fine (a Kubernetes ConfigMap is made of them).
    root.write(
        "data/inside.md",
        "---\nuri: test://inside\nname: inside\n---\nlinked from inside\n",
    );
    std::os::unix::fs::symlink(
        root.path().join("data/inside.md"),
        root.path().join("resources/inside.md"),
    )
    .expect("link");

    let out = Command::new(bin())
        .args(["check", "--root"])
        .arg(root.path())
        .output()
        .expect("check runs and ends");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("resources/outside.md:1:1: it is a link to")
            && text.contains("outside the content root"),
        "{text}"
    );
    assert!(
        text.contains("resources/zero.md:1:1: not a regular file"),
        "{text}"
    );
    assert!(
        text.contains("resources/pipe.md:1:1: not a regular file"),
        "{text}"
    );
    assert!(
        text.contains("resources/big.md:1:1: the file holds"),
        "{text}"
    );
    assert!(!text.contains("resources/inside.md"), "{text}");

    let root_arg = root.path().display().to_string();
    let mut raw = Raw::start(&["--root", &root_arg], &[]);
    let answer = raw.request("resources/list", json!({}));
    let listed = answer["result"]["resources"].to_string();
    assert!(listed.contains("test://inside"), "{listed}");
    assert!(
        !listed.contains("test://outside") && !listed.contains("test://big"),
        "{listed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_model_receives_is_bounded_whatever_the_api_declares_or_nests() {
    let nested = format!("{}{}", "[".repeat(120), "]".repeat(120));
    let api = MockApi::start(move |request, _| {
        if request.target.starts_with("/v1/workspaces") {
            // Declares a terabyte, sends a few bytes, and closes.
            Reply::BrokenOff {
                declared: 1 << 40,
                sent: 10,
            }
        } else {
            Reply::text(200, "application/json", &nested)
        }
    })
    .await;
    let client = Launch::new(&api.base_url)
        .arg("--max-response-bytes")
        .arg("1099511627776")
        .start()
        .await;
    let result = call(&client, "fixture_list_projects", json!({})).await;
    assert!(
        is_error(&result) && text(&result).contains("broke off"),
        "{}",
        text(&result)
    );
    client.cancel().await.ok();

    let client = Launch::new(&api.base_url)
        .arg("--max-response-bytes")
        .arg("1024")
        .start()
        .await;
    let result = call(
        &client,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    assert!(
        text(&result).len() <= 1024 + 300,
        "{} bytes",
        text(&result).len()
    );
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeout_is_one_deadline_for_every_try_of_a_call() {
    // Each answer asks to retry in 1.5 s; the tool's timeout is 2 s: one retry fits, the
    // next would end past the deadline.
    let api = MockApi::start(|_, _| {
        Reply::json(503, json!({"message": "busy"})).with_header("retry-after", "1.5")
    })
    .await;
    let root = TempRoot::standard(); // timeout_seconds: 2, retries: default
    root.write("registry/e.yaml", LIST_ENVIRONMENTS);
    let client = Launch::new(&api.base_url).root(root.path()).start().await;
    let result = call(
        &client,
        "fixture_list_environments",
        json!({"projectId": PROJECT}),
    )
    .await;
    assert!(
        is_error(&result) && text(&result).contains("HTTP 503"),
        "{}",
        text(&result)
    );
    assert_eq!(api.requests().len(), 2);
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_that_cannot_be_sent_exactly_or_are_huge_are_refused_with_the_reason() {
    let api = MockApi::start(|_, _| Reply::json(200, json!({}))).await;
    let root = TempRoot::standard();
    root.write(
        "registry/item.yaml",
        "name: get_item\ndescription: Gets one.\ninput:\n  type: object\n  properties:\n    n: { type: integer }\n    flag: { type: boolean }\n    id: { type: string }\n  required: [n, flag]\nrequest:\n  method: GET\n  path: \"/items/{{ n }}/{{ flag }}\"\n  query: { flag: \"{{ flag }}\", id: \"{{ id }}\" }\n",
    );
    let client = Launch::new(&api.base_url).root(root.path()).start().await;
    // One rendering of each type: `true` in the path as in the query.
    let result = call(&client, "get_item", json!({"n": 7, "flag": true})).await;
    assert!(!is_error(&result), "{}", text(&result));
    assert_eq!(api.only_request().target, "/items/7/true?flag=true");

    // Beyond 64 bits the number has already lost digits: refused, not changed.
    let big: Value =
        serde_json::from_str(r#"{"n": 18446744073709551616, "flag": false}"#).expect("json");
    let result = call(&client, "get_item", big).await;
    assert!(is_error(&result), "{}", text(&result));
    assert!(
        text(&result).contains("beyond what can be sent exactly"),
        "{}",
        text(&result)
    );

    // A 5 MB value: refused with its real cause, and not echoed back whole.
    let result = call(
        &client,
        "get_item",
        json!({"n": 1, "flag": true, "id": "a".repeat(5 * 1024 * 1024)}),
    )
    .await;
    let said = text(&result);
    assert!(
        is_error(&result) && said.len() < 2_000,
        "{} bytes",
        said.len()
    );
    assert!(said.contains("the URL would be"), "{said}");
    assert_eq!(api.requests().len(), 1);
    client.cancel().await.ok();
}

#[test]
fn names_and_uris_sent_back_in_errors_are_cut() {
    let mut raw = Raw::start(&["--dry-run"], &[]);
    let huge = "x".repeat(1024 * 1024);
    for (method, params) in [
        ("tools/call", json!({"name": huge, "arguments": {}})),
        ("prompts/get", json!({"name": huge})),
        ("resources/read", json!({"uri": format!("test://{huge}")})),
        (
            "prompts/get",
            json!({"name": "fixture-deploy", "arguments": {huge.clone(): "v"}}),
        ),
    ] {
        let answer = raw.request(method, params);
        let (_, message) = error_of(&answer);
        assert!(!message.is_empty(), "{method}: {answer}");
        assert!(
            answer.to_string().len() < 4_000,
            "{method}: {} bytes",
            answer.to_string().len()
        );
    }
    raw.alive();
}
