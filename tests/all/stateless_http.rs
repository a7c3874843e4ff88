//! Protocol 2026-07-28 over Streamable HTTP, request by request as the official conformance
//! suite sends them: methods the protocol removed, capabilities the client did not declare,
//! SEP-2243 headers, and list changes heard on `subscriptions/listen` streams.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::TempRoot;
use crate::common::http::MockApi;
use crate::http_transport::start;

const VERSION: &str = "2026-07-28";

/// A root with a read tool whose `region` also travels as the `Mcp-Param-Region` header, a
/// destructive tool, and a prompt.
fn root(base_url: &str) -> TempRoot {
    let root = TempRoot::new(&format!(
        "name: stateless\nupstream:\n  base_url: {base_url}\n  retries: 0\n"
    ));
    root.write(
        "registry/regions/read_region.yaml",
        "name: read_region\ndescription: Reads a region.\ninput:\n  type: object\n  properties:\n    region: { type: string, x-mcp-header: Region }\n  additionalProperties: false\nrequest:\n  method: GET\n  path: /regions\n  query:\n    region: \"{{ region }}\"\n",
    );
    root.write(
        "registry/regions/delete_region.yaml",
        "name: delete_region\ndescription: Deletes a region.\ninput:\n  type: object\n  additionalProperties: false\nrequest:\n  method: DELETE\n  path: /regions/r1\n",
    );
    root.write(
        "prompts/hello.j2",
        "---\nname: hello\ndescription: Says hello.\n---\nHello.\n",
    );
    root
}

fn meta(capabilities: Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": VERSION,
        "io.modelcontextprotocol/clientCapabilities": capabilities,
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
    })
}

/// POSTs one 2026-07-28 request; the status and the JSON-RPC answer (from JSON or SSE).
async fn post(url: &str, method: &str, params: Value, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", VERSION)
        .header("mcp-method", method)
        .body(json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params}).to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let answer = request.send().await.expect("answered");
    let status = answer.status().as_u16();
    let text = answer.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or_else(|_| {
        text.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
            .find(|m| m.get("id").is_some())
            .unwrap_or(Value::Null)
    });
    (status, json)
}

/// A 2025-11-25 client's `initialize`, which opens a session.
async fn legacy_initialize(url: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}"#)
        .send()
        .await
        .expect("answered")
}

#[tokio::test]
async fn removed_methods_are_404_and_legacy_sessions_still_start() {
    let root = root("http://127.0.0.1:9");
    let server = start(root.path(), "127.0.0.1:0", &[]);
    for method in [
        "initialize",
        "logging/setLevel",
        "resources/subscribe",
        "resources/unsubscribe",
    ] {
        // Params as the conformance suite sends them: only `_meta`.
        let (status, answer) =
            post(&server.url, method, json!({"_meta": meta(json!({}))}), &[]).await;
        assert_eq!(status, 404, "{method}: {answer}");
        assert_eq!(answer["error"]["code"], -32601, "{method}: {answer}");
        assert_eq!(answer["id"], 7, "{method}: {answer}");
    }
    // A client of 2025-11-25 still opens a session with initialize.
    let answer = legacy_initialize(&server.url).await;
    assert_eq!(answer.status(), 200);
    assert!(answer.headers().contains_key("mcp-session-id"));
}

/// A 2026-07-28 answer that is one message comes as JSON, without an event stream (and the
/// task and channel the server would keep for it); a 2025 session still answers in one.
#[tokio::test]
async fn a_single_answer_is_json_and_a_legacy_session_still_streams() {
    let root = root("http://127.0.0.1:9");
    let server = start(root.path(), "127.0.0.1:0", &[]);
    let client = reqwest::Client::new();
    let answer = client
        .post(&server.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", VERSION)
        .header("mcp-method", "tools/list")
        .body(
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": {"_meta": meta(json!({}))}})
                .to_string(),
        )
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), 200);
    let kind = |a: &reqwest::Response| {
        a.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(kind(&answer), "application/json");
    let listed: Value = answer.json().await.expect("a JSON answer");
    assert_eq!(listed["id"], 3, "{listed}");
    assert!(
        listed["result"]["tools"]
            .as_array()
            .is_some_and(|t| t.len() == 2)
    );
    assert_eq!(
        kind(&legacy_initialize(&server.url).await),
        "text/event-stream"
    );
}

#[tokio::test]
async fn a_required_confirmation_without_elicitation_is_error_32021_with_400() {
    let api = MockApi::json(200, json!({})).await;
    let root = root(&api.base_url);
    let server = start(
        root.path(),
        "127.0.0.1:0",
        &["--confirm-destructive", "require"],
    );
    let call = |capabilities: Value| json!({"name": "delete_region", "arguments": {}, "_meta": meta(capabilities)});
    let name = [("mcp-name", "delete_region")];
    let (status, answer) = post(&server.url, "tools/call", call(json!({})), &name).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["code"], -32021, "{answer}");
    assert!(
        answer["error"]["data"]["requiredCapabilities"]["elicitation"].is_object(),
        "{answer}"
    );
    // A client that declares elicitation is asked instead; nothing was sent either way.
    let (status, answer) = post(
        &server.url,
        "tools/call",
        call(json!({"elicitation": {}})),
        &name,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["resultType"], "input_required", "{answer}");
    // A tampered state is a request error (-32602), not a result.
    let state = answer["result"]["requestState"].as_str().expect("a state");
    let mut tampered = call(json!({"elicitation": {}}));
    tampered["requestState"] = json!(format!("{state}-TAMPERED"));
    tampered["inputResponses"] =
        json!({"confirm": {"action": "accept", "content": {"confirm": true}}});
    let (_, answer) = post(&server.url, "tools/call", tampered, &name).await;
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    assert!(api.requests().is_empty(), "{:?}", api.requests());
}

#[tokio::test]
async fn mcp_param_headers_must_match_the_arguments_they_carry() {
    let api = MockApi::json(200, json!({"region": "eu"})).await;
    let root = root(&api.base_url);
    let server = start(root.path(), "127.0.0.1:0", &[]);
    let call = json!({"name": "read_region", "arguments": {"region": "eu-west"}, "_meta": meta(json!({}))});
    let name = ("mcp-name", "read_region");
    let cases: [(&[(&str, &str)], bool); 5] = [
        (&[name, ("mcp-param-region", "eu-west")], true),
        // =?base64?ZXUtd2VzdA==?= is eu-west.
        (
            &[name, ("mcp-param-region", "=?base64?ZXUtd2VzdA==?=")],
            true,
        ),
        (&[name, ("mcp-param-region", "us-east")], false),
        (
            &[name, ("mcp-param-region", "=?base64?ZXUtd2VzdA?=")],
            false,
        ),
        (&[name], false),
    ];
    for (headers, accepted) in cases {
        let (status, answer) = post(&server.url, "tools/call", call.clone(), headers).await;
        if accepted {
            assert_eq!(status, 200, "{headers:?}: {answer}");
            assert!(answer.get("result").is_some(), "{headers:?}: {answer}");
        } else {
            assert_eq!(status, 400, "{headers:?}: {answer}");
            assert_eq!(answer["error"]["code"], -32020, "{headers:?}: {answer}");
        }
    }
    assert_eq!(api.requests().len(), 2, "only the accepted calls went out");
}

#[tokio::test]
async fn listen_streams_over_http_hear_tool_and_prompt_list_changes() {
    let root = root("http://127.0.0.1:9");
    let server = start(root.path(), "127.0.0.1:0", &[]);
    let mut stream = reqwest::Client::new()
        .post(&server.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", VERSION)
        .header("mcp-method", "subscriptions/listen")
        .body(
            json!({"jsonrpc": "2.0", "id": 9, "method": "subscriptions/listen", "params": {
                "_meta": meta(json!({})),
                "notifications": {"toolsListChanged": true, "promptsListChanged": true},
            }})
            .to_string(),
        )
        .send()
        .await
        .expect("listen");
    assert_eq!(stream.status(), 200);
    let mut seen = String::new();
    let mut next = async |seen: &mut String, wanted: &str| {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !seen.contains(wanted) {
            match tokio::time::timeout_at(deadline, stream.chunk()).await {
                Ok(Ok(Some(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
                other => panic!("no {wanted} on the stream ({other:?}): {seen}"),
            }
        }
    };
    next(&mut seen, "notifications/subscriptions/acknowledged").await;
    root.write(
        "registry/regions/list_regions.yaml",
        "name: list_regions\ndescription: Lists regions.\ninput:\n  type: object\nrequest:\n  method: GET\n  path: /regions\n",
    );
    next(&mut seen, "notifications/tools/list_changed").await;
    root.write(
        "prompts/bye.j2",
        "---\nname: bye\ndescription: Says goodbye.\n---\nBye.\n",
    );
    next(&mut seen, "notifications/prompts/list_changed").await;
}
