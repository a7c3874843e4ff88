//! A stdio start answers `initialize` while the content loads on another thread: every
//! other request waits for the content, a selection the content refuses still stops the
//! server with its message, and a content root where no tool loads is still said.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use crate::common::*;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"startup","version":"0"}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

/// The server on `root` with `args`, its stdout lines read on a thread.
fn spawn(root: &std::path::Path, args: &[&str]) -> (Child, Receiver<Value>) {
    let mut child = Command::new(bin())
        .args(["serve", "--no-watch", "--root"])
        .arg(root)
        .args(args)
        .env("LAYEROPS_API_BASE_URL", "http://127.0.0.1:9")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the server");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let (tx, lines) = channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let value = serde_json::from_str(&line).expect("the server writes JSON lines");
            if tx.send(value).is_err() {
                break;
            }
        }
    });
    (child, lines)
}

/// Writes these lines at once, as a client that does not wait between them.
fn send(child: &mut Child, lines: &[&str]) {
    let stdin = child.stdin.as_mut().expect("stdin");
    stdin
        .write_all(format!("{}\n", lines.join("\n")).as_bytes())
        .expect("write");
    stdin.flush().expect("flush");
}

/// The answer with this id, from the messages already read or the next ones; requests
/// are answered in any order, so every other message read is kept in `notes`.
fn answer(lines: &Receiver<Value>, id: u64, notes: &mut Vec<Value>) -> Value {
    if let Some(at) = notes.iter().position(|m| m["id"] == json!(id)) {
        return notes.remove(at);
    }
    loop {
        let message = lines
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("no answer {id} in time; before it: {notes:?}"));
        if message["id"] == json!(id) {
            return message;
        }
        notes.push(message);
    }
}

#[test]
fn a_refused_selection_stops_the_server_after_initialize_and_the_requests_held_get_no_answer() {
    let (mut child, lines) = spawn(&repo_root(), &["--toolsets", "nope"]);
    send(
        &mut child,
        &[
            INITIALIZE,
            INITIALIZED,
            r#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}"#,
        ],
    );
    // `initialize` is answered from `_server.yaml` before the content is loaded and found
    // to lack the toolset; a start that loaded first would have exited without a word.
    let first = lines.recv_timeout(WAIT).expect("the initialize answer");
    assert_eq!(first["id"], json!(1), "{first}");
    assert_eq!(
        first["result"]["serverInfo"]["name"],
        json!("layerops-mcp"),
        "{first}"
    );
    // The tools/list waited for the content, which may not be served: never answered.
    let rest: Vec<Value> = lines.iter().collect();
    assert!(rest.iter().all(|m| m.get("id").is_none()), "{rest:?}");
    let status = child.wait().expect("exit");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`nope`, which is not a toolset"),
        "{stderr}"
    );
}

#[test]
fn requests_sent_with_initialize_are_answered_from_the_loaded_content() {
    let expected = {
        let out = Command::new(bin())
            .args(["list", "--format", "json", "--root"])
            .arg(repo_root())
            .output()
            .expect("list");
        let listed: Value = serde_json::from_slice(&out.stdout).expect("list --format json");
        listed["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .filter(|t| t["served"] == json!(true))
            .count()
    };
    assert!(expected > 10, "{expected}");
    let (mut child, lines) = spawn(&repo_root(), &[]);
    send(
        &mut child,
        &[
            INITIALIZE,
            INITIALIZED,
            r#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}"#,
            r#"{"jsonrpc":"2.0","id":3,"method":"resources/list","params":{}}"#,
            r#"{"jsonrpc":"2.0","id":4,"method":"prompts/list","params":{}}"#,
        ],
    );
    let mut notes = Vec::new();
    let init = answer(&lines, 1, &mut notes);
    assert!(
        init["result"]["instructions"]
            .as_str()
            .is_some_and(|i| !i.contains("serves no tools")),
        "{init}"
    );
    let tools = answer(&lines, 2, &mut notes);
    assert_eq!(
        tools["result"]["tools"].as_array().map(Vec::len),
        Some(expected),
        "{tools}"
    );
    let resources = answer(&lines, 3, &mut notes);
    assert!(
        resources["result"]["resources"]
            .as_array()
            .is_some_and(|r| !r.is_empty()),
        "{resources}"
    );
    let prompts = answer(&lines, 4, &mut notes);
    assert!(
        prompts["result"]["prompts"]
            .as_array()
            .is_some_and(|p| !p.is_empty()),
        "{prompts}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_root_where_no_tool_loads_is_said_to_the_client_once() {
    let root = TempRoot::standard();
    root.write(
        "registry/items/broken.yaml",
        "name: broken\ndescription: Not a tool, it has no request.\n",
    );
    let (mut child, lines) = spawn(root.path(), &[]);
    send(
        &mut child,
        &[
            INITIALIZE,
            INITIALIZED,
            r#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}"#,
        ],
    );
    let mut notes = Vec::new();
    let init = answer(&lines, 1, &mut notes);
    let in_instructions = init["result"]["instructions"]
        .as_str()
        .is_some_and(|i| i.contains("serves no tools now"));
    let tools = answer(&lines, 2, &mut notes);
    assert_eq!(tools["result"]["tools"], json!([]), "{tools}");
    let is_warning = |m: &Value| {
        m["method"] == json!("notifications/message")
            && m["params"]["level"] == json!("warning")
            && m["params"]["data"]
                .as_str()
                .is_some_and(|d| d.contains("serves no tools now"))
    };
    if !in_instructions {
        // Answered before the content loaded: the client is told in its log instead.
        while !notes.iter().any(is_warning) {
            notes.push(lines.recv_timeout(WAIT).expect("the warning in time"));
        }
    }
    // Told once: a ping answered after the content loaded comes after any warning.
    send(
        &mut child,
        &[r#"{"jsonrpc":"2.0","id":3,"method":"ping","params":{}}"#],
    );
    answer(&lines, 3, &mut notes);
    assert_eq!(
        notes.iter().filter(|m| is_warning(m)).count(),
        usize::from(!in_instructions),
        "{notes:?}"
    );
    let _ = child.kill();
    let _ = child.wait();
}
