//! The MCP surface of the real binary: handshake, lists, resources, prompts, completion,
//! logging, and a stdout that carries nothing but protocol.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use crate::common::*;
use rmcp::model::{
    ArgumentInfo, CompleteRequestParams, ContentBlock, GetPromptRequestParams, PromptReference,
    ProtocolVersion, ReadResourceRequestParams, Reference, ResourceContents,
};
use serde_json::{Value, json};

#[tokio::test]
async fn initialize_names_this_server_and_gives_its_instructions() {
    let client = Launch::new("http://127.0.0.1:9").start().await;
    let info = client.peer().peer_info().expect("server info");
    let implementation = info.server_info.as_ref().expect("implementation");
    assert_eq!(implementation.name, "fixture-api");
    assert_eq!(implementation.version, env!("CARGO_PKG_VERSION"));
    assert!(
        info.instructions
            .as_deref()
            .unwrap_or("")
            .contains("Test content"),
        "{:?}",
        info.instructions
    );
    let caps = &info.capabilities;
    assert!(caps.tools.as_ref().and_then(|t| t.list_changed) == Some(true));
    assert!(caps.prompts.is_some() && caps.resources.is_some() && caps.completions.is_some());
    client.cancel().await.ok();
}

#[tokio::test]
async fn every_protocol_version_from_2024_11_05_to_2025_11_25_is_spoken() {
    for version in [
        ProtocolVersion::V_2024_11_05,
        ProtocolVersion::V_2025_03_26,
        ProtocolVersion::V_2025_06_18,
        ProtocolVersion::V_2025_11_25,
    ] {
        let client = Launch::new("http://127.0.0.1:9")
            .protocol(version.clone())
            .start()
            .await;
        let info = client.peer().peer_info().expect("server info");
        assert_eq!(info.protocol_version, version);
        let tools = client.list_all_tools().await.expect("tools/list");
        assert!(!tools.is_empty());
        client.cancel().await.ok();
    }
}

#[tokio::test]
async fn tools_list_carries_full_schemas_and_method_annotations() {
    let client = Launch::new("http://127.0.0.1:9").start().await;
    let tools = client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for expected in [
        "fixture_list_projects",
        "fixture_list_environments",
        "fixture_create_service",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    let envs = tools
        .iter()
        .find(|t| t.name == "fixture_list_environments")
        .expect("tool");
    let schema = Value::Object((*envs.input_schema).clone());
    assert_eq!(schema["properties"]["projectId"]["format"], "uuid");
    assert_eq!(schema["required"], json!(["projectId"]));
    // Served as declared (the conformance suite's json-schema-2020-12 checks it), and
    // enforced: the refusal below names the unknown argument.
    assert_eq!(schema["additionalProperties"], false);
    // Only what differs from the MCP defaults is listed: a read-only tool says just that.
    let a = envs.annotations.as_ref().expect("annotations");
    assert_eq!(
        (
            a.read_only_hint,
            a.destructive_hint,
            a.idempotent_hint,
            a.open_world_hint,
            a.title.as_deref()
        ),
        (Some(true), None, None, None, None)
    );
    let create = tools
        .iter()
        .find(|t| t.name == "fixture_create_service")
        .expect("tool");
    // Not read-only (the default), not idempotent (the default), and not destructive: said.
    let a = create.annotations.as_ref().expect("annotations");
    assert_eq!(
        (a.read_only_hint, a.idempotent_hint, a.destructive_hint),
        (None, None, Some(false))
    );
    assert_eq!(create.title.as_deref(), Some("Create a service"));
    // An argument the schema does not declare is refused, by name (nothing is sent: the
    // API at port 9 would not answer).
    let refused = call(
        &client,
        "fixture_list_environments",
        json!({"projectId": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "bogus": 1}),
    )
    .await;
    assert!(is_error(&refused));
    assert!(text(&refused).contains("bogus"), "{}", text(&refused));
    client.cancel().await.ok();
}

#[tokio::test]
async fn resources_are_listed_and_read() {
    let client = Launch::new("http://127.0.0.1:9").start().await;
    let resources = client.list_all_resources().await.expect("resources/list");
    let intro = resources
        .iter()
        .find(|r| r.uri == "fixture://docs/guide")
        .expect("listed");
    assert_eq!(intro.mime_type.as_deref(), Some("text/markdown"));
    let read = client
        .read_resource(ReadResourceRequestParams::new("fixture://docs/guide"))
        .await
        .expect("read");
    match &read.contents[0] {
        ResourceContents::TextResourceContents {
            text,
            uri,
            mime_type,
            ..
        } => {
            assert!(text.starts_with("# The fixture API"), "{text}");
            assert_eq!(uri, "fixture://docs/guide");
            assert_eq!(mime_type.as_deref(), Some("text/markdown"));
        }
        other => panic!("unexpected contents {other:?}"),
    }
    let missing = client
        .read_resource(ReadResourceRequestParams::new("fixture://docs/nope"))
        .await;
    assert!(
        missing
            .unwrap_err()
            .to_string()
            .contains("no resource has the URI")
    );
    client.cancel().await.ok();
}

#[tokio::test]
async fn prompts_render_with_arguments_defaults_and_enums() {
    let client = Launch::new("http://127.0.0.1:9").start().await;
    let prompts = client.list_all_prompts().await.expect("prompts/list");
    let deploy = prompts
        .iter()
        .find(|p| p.name == "fixture-deploy")
        .expect("listed");
    let arguments = deploy.arguments.as_ref().expect("arguments");
    assert!(
        arguments
            .iter()
            .any(|a| a.name == "environmentId" && a.required == Some(true))
    );

    let get = |args: Value| {
        let client = &client;
        async move {
            client
                .get_prompt(
                    GetPromptRequestParams::new("fixture-deploy")
                        .with_arguments(common::args(args)),
                )
                .await
        }
    };
    let result =
        get(json!({"environmentId": ENVIRONMENT, "image": "nginx:1.27", "exposure": "public"}))
            .await
            .expect("rendered");
    let ContentBlock::Text(t) = &result.messages[0].content else {
        panic!("text message")
    };
    let text = &t.text;
    assert!(
        text.contains("`nginx:1.27`")
            && text.contains(ENVIRONMENT)
            && text.contains("publicPort: 443"),
        "{text}"
    );
    let default = get(json!({"environmentId": ENVIRONMENT, "image": "redis:7"}))
        .await
        .expect("rendered with the default");
    let ContentBlock::Text(t) = &default.messages[0].content else {
        panic!("text message")
    };
    let text = &t.text;
    assert!(text.contains("stays internal"), "{text}");

    let missing = get(json!({"image": "nginx"}))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("missing required argument `environmentId`"),
        "{missing}"
    );
    let bad_enum =
        get(json!({"environmentId": ENVIRONMENT, "image": "nginx", "exposure": "everywhere"}))
            .await
            .unwrap_err()
            .to_string();
    assert!(
        bad_enum.contains("must be one of public, internal"),
        "{bad_enum}"
    );
    let unknown = client
        .get_prompt(GetPromptRequestParams::new("nope"))
        .await
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("unknown prompt"), "{unknown}");
    client.cancel().await.ok();
}

#[tokio::test]
async fn completion_offers_enum_values_of_prompt_arguments() {
    let client = Launch::new("http://127.0.0.1:9").start().await;
    let complete = |argument: &str, value: &str| {
        let params = CompleteRequestParams::new(
            Reference::Prompt(PromptReference::new("fixture-deploy")),
            ArgumentInfo::new(argument.to_owned(), value.to_owned()),
        );
        let client = &client;
        async move { client.complete(params).await.expect("completion/complete") }
    };
    assert_eq!(
        complete("exposure", "").await.completion.values,
        vec!["public", "internal"]
    );
    assert_eq!(
        complete("exposure", "PU").await.completion.values,
        vec!["public"]
    );
    assert!(complete("image", "ng").await.completion.values.is_empty());
    client.cancel().await.ok();
}

#[tokio::test]
async fn logging_set_level_is_accepted() {
    let client = Launch::new("http://127.0.0.1:9").start().await;
    #[allow(deprecated)]
    let result = client
        .set_level(rmcp::model::SetLevelRequestParams::new(
            rmcp::model::LoggingLevel::Debug,
        ))
        .await;
    assert!(result.is_ok(), "{result:?}");
    client.cancel().await.ok();
}

/// Raw JSON-RPC over pipes, with trace logging on: every stdout line must be a JSON-RPC
/// message, and logs must all go to stderr.
#[test]
fn stdout_carries_only_protocol_messages() {
    let mut child = Command::new(bin())
        .args(["--root", &engine_root().display().to_string()])
        .current_dir(std::env::temp_dir())
        .env("RUST_LOG", "trace")
        .env_remove("LAYEROPS_API_KEY_ID")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Drain stderr as it comes: trace logs would fill the pipe and block the server.
    let mut stderr = child.stderr.take().expect("stderr");
    let logs = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).ok();
        text
    });
    let mut stdin = child.stdin.take().expect("stdin");
    let messages = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "fixture_list_projects", "arguments": {}}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "no/such/method"}),
    ];
    for m in &messages {
        writeln!(stdin, "{m}").expect("write");
    }
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut answered = Vec::new();
    let mut line = String::new();
    while answered.len() < 4 {
        line.clear();
        assert!(
            stdout.read_line(&mut line).expect("read") > 0,
            "stdout closed early"
        );
        let message: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
        assert_eq!(message["jsonrpc"], "2.0", "{line}");
        if let Some(id) = message.get("id") {
            answered.push(id.as_i64().expect("numeric id"));
        }
    }
    drop(stdin);
    let output = child.wait_with_output().expect("exit");
    assert!(
        output.stdout.iter().all(|b| b.is_ascii_whitespace())
            || String::from_utf8_lossy(&output.stdout)
                .lines()
                .all(|l| serde_json::from_str::<Value>(l).is_ok())
    );
    let stderr = logs.join().expect("stderr reader");
    assert!(
        stderr.contains("serving fixture-api"),
        "logs go to stderr: {stderr}"
    );
    answered.sort();
    assert_eq!(answered, vec![1, 2, 3, 4]);
}

#[tokio::test]
async fn resource_templates_binary_resources_and_prompt_attachments_are_served() {
    use rmcp::model::{GetPromptRequestParams, ReadResourceRequestParams, ResourceContents};
    let root = repo_root().join("tests/conformance-root");
    let client = Launch::new("http://127.0.0.1:9").root(&root).start().await;
    let templates = client
        .list_all_resource_templates()
        .await
        .expect("templates");
    assert_eq!(templates.len(), 1);
    assert_eq!(templates[0].uri_template, "test://template/{id}/data");
    let read = client
        .read_resource(ReadResourceRequestParams::new("test://template/123/data"))
        .await
        .expect("a templated resource");
    let ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else {
        panic!("text: {read:?}")
    };
    assert!(text.contains("Data for ID: 123"), "{text}");
    let read = client
        .read_resource(ReadResourceRequestParams::new("test://static-binary"))
        .await
        .expect("a binary resource");
    assert!(
        matches!(&read.contents[0], ResourceContents::BlobResourceContents { blob, .. } if blob.starts_with("iVBOR")),
        "{read:?}"
    );
    let mut arguments = serde_json::Map::new();
    arguments.insert("resourceUri".into(), "test://example-resource".into());
    let prompt = client
        .get_prompt(
            GetPromptRequestParams::new("test_prompt_with_embedded_resource")
                .with_arguments(arguments),
        )
        .await
        .expect("prompt");
    let embedded = format!("{:?}", prompt.messages[1].content);
    assert!(
        embedded.contains("This is an example resource content."),
        "{embedded}"
    );
    let prompt = client
        .get_prompt(GetPromptRequestParams::new("test_prompt_with_image"))
        .await
        .expect("prompt");
    assert!(
        prompt
            .messages
            .iter()
            .any(|m| format!("{:?}", m.content).contains("image/png")),
        "{prompt:?}"
    );
    client.cancel().await.ok();
}

#[tokio::test]
async fn tools_list_is_paginated_by_the_page_size_of_server_yaml() {
    let root =
        TempRoot::new("name: paged\npage_size: 2\nupstream:\n  base_url: http://127.0.0.1:9\n");
    for name in ["a", "b", "c", "d", "e"] {
        root.write(
            &format!("registry/items/{name}.yaml"),
            &format!("name: tool_{name}\ndescription: Tool {name}.\ninput: {{ type: object }}\nrequest: {{ method: GET, path: /{name} }}\n"),
        );
    }
    let client = Launch::new("http://127.0.0.1:9")
        .root(root.path())
        .start()
        .await;
    let first = client
        .peer()
        .list_tools(None)
        .await
        .expect("the first page");
    assert_eq!(first.tools.len(), 2);
    let cursor = first.next_cursor.clone().expect("a next page");
    let all = client.list_all_tools().await.expect("every page");
    let mut names: Vec<String> = all.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(names, ["tool_a", "tool_b", "tool_c", "tool_d", "tool_e"]);
    let refused = client
        .peer()
        .list_tools(Some(
            rmcp::model::PaginatedRequestParams::default().with_cursor(Some(format!("{cursor}x"))),
        ))
        .await
        .expect_err("an altered cursor");
    assert!(
        refused.to_string().contains("list the tools again"),
        "{refused}"
    );
    client.cancel().await.ok();
}

/// Lists served in one page give no cursor; one sent anyway (stale, or made up) is refused
/// with -32602 instead of being answered with the whole list as if it were a next page.
#[tokio::test]
async fn a_cursor_sent_to_a_list_of_one_page_is_refused() {
    let client = Launch::new("http://127.0.0.1:9").start().await;
    let peer = client.peer();
    let cursor =
        || Some(rmcp::model::PaginatedRequestParams::default().with_cursor(Some("MTA6eA".into())));
    let unpaged = peer.list_tools(None).await.expect("the whole list");
    assert!(unpaged.next_cursor.is_none());
    let errors = [
        peer.list_tools(cursor())
            .await
            .map(|_| ())
            .expect_err("tools"),
        peer.list_resources(cursor())
            .await
            .map(|_| ())
            .expect_err("resources"),
        peer.list_resource_templates(cursor())
            .await
            .map(|_| ())
            .expect_err("resource templates"),
        peer.list_prompts(cursor())
            .await
            .map(|_| ())
            .expect_err("prompts"),
    ];
    for error in errors {
        let text = error.to_string();
        assert!(
            text.contains("-32602") || text.contains("Invalid params") || text.contains("one page"),
            "{text}"
        );
        assert!(text.contains("list again without a cursor"), "{text}");
    }
    assert!(peer.list_prompts(None).await.is_ok());
    client.cancel().await.ok();
}

#[tokio::test]
async fn a_resource_templates_variable_completes_from_a_read_tool_and_check_names_a_missing_one() {
    use crate::common::http::MockApi;
    let api = MockApi::json(
        200,
        json!({"items": [{"id": "i-101", "title": "Alpha"}, {"id": "i-202", "title": "Beta"}]}),
    )
    .await;
    let root = TempRoot::standard();
    root.write(
        "registry/items/list_items.yaml",
        "name: list_items\ndescription: Lists items.\ninput: { type: object }\nrequest: { method: GET, path: /items }\n",
    );
    root.write(
        "resources/item.md",
        "---\nuri_template: fixture://items/{itemId}\nname: item\ncomplete:\n  itemId: { tool: list_items, items: \"/items/*\", value: /id, label: /title }\n---\nItem {{ itemId }}.\n",
    );
    let client = Launch::new(&api.base_url).root(root.path()).start().await;
    let complete = |typed: &str| {
        let params = CompleteRequestParams::new(
            Reference::for_resource("fixture://items/{itemId}"),
            ArgumentInfo::new("itemId".to_owned(), typed.to_owned()),
        );
        let client = &client;
        async move {
            client
                .complete(params)
                .await
                .expect("completion/complete")
                .completion
                .values
        }
    };
    assert_eq!(complete("").await, vec!["i-101", "i-202"]);
    assert_eq!(complete("be").await, vec!["i-202"]);
    client.cancel().await.ok();

    root.write(
        "resources/item.md",
        "---\nuri_template: fixture://items/{itemId}\nname: item\ncomplete:\n  itemId: { tool: list_itemz, value: /id }\n  other: { tool: list_items, value: /id }\n---\nItem {{ itemId }}.\n",
    );
    let out = std::process::Command::new(bin())
        .args(["check", "--root", &root.path().display().to_string()])
        .output()
        .expect("check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("`list_itemz`, which does not exist"),
        "{text}"
    );
    assert!(text.contains("`other` is not a variable"), "{text}");
}
