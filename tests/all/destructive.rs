//! Destructive calls confirmed by the user through MCP elicitation, and the audit log.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::http::{MockApi, Reply};
use crate::common::{ENVIRONMENT, KEY_SECRET, Launch, TempRoot, call, is_error, text};
use rmcp::model::{
    CallToolResult, ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult,
    ElicitationAction, Implementation,
};
use rmcp::service::{Peer, RequestContext};
use rmcp::{ClientHandler, ErrorData, RoleClient};
use serde_json::{Value, json};

const SERVICE: &str = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

/// How the simulated user answers a confirmation.
#[derive(Clone, Copy)]
enum Answer {
    Yes,
    Unchecked,
    Decline,
    Dismiss,
    Fail,
}

/// A client that can ask its user, and records what it was asked.
#[derive(Clone)]
struct User {
    answer: Answer,
    asked: Arc<Mutex<Vec<Value>>>,
}

impl User {
    fn answering(answer: Answer) -> Self {
        Self {
            answer,
            asked: Arc::default(),
        }
    }

    fn questions(&self) -> Vec<Value> {
        self.asked.lock().expect("lock").clone()
    }
}

impl ClientHandler for User {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::builder().enable_elicitation().build(),
            Implementation::new("test-user", "1.0.0"),
        )
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.asked
            .lock()
            .expect("lock")
            .push(serde_json::to_value(&request).expect("serialisable"));
        Ok(match self.answer {
            Answer::Yes => {
                ElicitResult::new(ElicitationAction::Accept).with_content(json!({"confirm": true}))
            }
            Answer::Unchecked => {
                ElicitResult::new(ElicitationAction::Accept).with_content(json!({"confirm": false}))
            }
            Answer::Decline => ElicitResult::new(ElicitationAction::Decline),
            Answer::Dismiss => ElicitResult::new(ElicitationAction::Cancel),
            Answer::Fail => return Err(ErrorData::internal_error("the dialog crashed", None)),
        })
    }
}

/// The destructive call of these tests: `fixture_delete_service` of one service.
async fn delete_service(client: &Peer<RoleClient>) -> CallToolResult {
    call(
        client,
        "fixture_delete_service",
        json!({"serviceId": SERVICE}),
    )
    .await
}

async fn api() -> MockApi {
    MockApi::start(|_, _| Reply::text(204, "application/json", "")).await
}

#[tokio::test]
async fn a_confirmed_destructive_call_is_sent_after_the_user_saw_what_it_does() {
    let api = api().await;
    let user = User::answering(Answer::Yes);
    let client = Launch::new(&api.base_url).start_with(user.clone()).await;

    let result = delete_service(&client).await;
    assert!(!is_error(&result), "{}", text(&result));
    let sent = api.only_request();
    assert_eq!(sent.method, "DELETE");
    assert_eq!(sent.target, format!("/v1/services/{SERVICE}"));

    let questions = user.questions();
    assert_eq!(questions.len(), 1, "{questions:#?}");
    let message = questions[0]["message"].as_str().expect("a message");
    assert!(message.contains("fixture_delete_service"), "{message}");
    assert!(
        message.contains(&format!("DELETE {}/v1/services/{SERVICE}", api.base_url)),
        "{message}"
    );
    assert!(message.contains("cannot be undone"), "{message}");
    assert!(!message.contains(KEY_SECRET), "{message}");
    let schema = &questions[0]["requestedSchema"];
    assert_eq!(
        schema["properties"]["confirm"]["type"], "boolean",
        "{schema}"
    );
    assert_eq!(schema["required"], json!(["confirm"]), "{schema}");
    client.cancel().await.ok();
}

#[tokio::test]
async fn nothing_is_sent_unless_the_user_says_yes() {
    for (answer, reason) in [
        (Answer::Decline, "the user declined"),
        (Answer::Dismiss, "dismissed"),
        (Answer::Unchecked, "did not check"),
        (Answer::Fail, "could not be asked"),
    ] {
        let api = api().await;
        let user = User::answering(answer);
        let client = Launch::new(&api.base_url).start_with(user.clone()).await;

        let result = delete_service(&client).await;
        assert!(is_error(&result), "{}", text(&result));
        let said = text(&result);
        assert!(said.contains(reason), "{said}");
        assert!(said.contains("Nothing was sent"), "{said}");
        assert!(
            said.contains("Do not call fixture_delete_service again unless the user asks"),
            "{said}"
        );
        assert!(api.requests().is_empty(), "{:#?}", api.requests());
        assert_eq!(user.questions().len(), 1);
        client.cancel().await.ok();
    }
}

#[tokio::test]
async fn only_destructive_calls_are_confirmed() {
    let api = MockApi::json(200, json!({"uuid": SERVICE})).await;
    let user = User::answering(Answer::Decline);
    let client = Launch::new(&api.base_url).start_with(user.clone()).await;

    // Read-only, and a write the tool does not call destructive: no question.
    let listed = call(
        &client,
        "fixture_list_services",
        json!({"environmentId": ENVIRONMENT}),
    )
    .await;
    assert!(!is_error(&listed), "{}", text(&listed));
    let scaled = call(
        &client,
        "fixture_scale_service",
        json!({"serviceId": SERVICE, "countMin": 2, "countMax": 3}),
    )
    .await;
    assert!(!is_error(&scaled), "{}", text(&scaled));
    assert!(user.questions().is_empty(), "{:#?}", user.questions());
    assert_eq!(api.requests().len(), 2);

    // Invalid arguments are refused before anyone is asked.
    let invalid = call(&client, "fixture_delete_service", json!({"serviceId": 5})).await;
    assert!(is_error(&invalid));
    assert!(user.questions().is_empty());
    client.cancel().await.ok();
}

#[tokio::test]
async fn without_elicitation_or_with_the_option_off_the_call_proceeds() {
    // A client that declares no elicitation capability.
    let api = api().await;
    let client = Launch::new(&api.base_url).start().await;
    let result = delete_service(&client).await;
    assert!(!is_error(&result), "{}", text(&result));
    assert_eq!(api.requests().len(), 1);
    client.cancel().await.ok();

    // The same on the 2026-07-28 protocol.
    let api = self::api().await;
    let client = Launch::new(&api.base_url)
        .start_2026(common::recorder::Recorder::default())
        .await;
    let result = delete_service(&client).await;
    assert!(!is_error(&result), "{}", text(&result));
    assert_eq!(api.requests().len(), 1);
    client.cancel().await.ok();

    // A client that could ask, with --confirm-destructive false.
    let api = self::api().await;
    let user = User::answering(Answer::Decline);
    let client = Launch::new(&api.base_url)
        .arg("--confirm-destructive")
        .arg("false")
        .start_with(user.clone())
        .await;
    let result = delete_service(&client).await;
    assert!(!is_error(&result), "{}", text(&result));
    assert_eq!(api.requests().len(), 1);
    assert!(user.questions().is_empty());
    client.cancel().await.ok();

    // A dry run sends nothing, so there is nothing to confirm.
    let api = self::api().await;
    let user = User::answering(Answer::Decline);
    let client = Launch::new(&api.base_url)
        .arg("--dry-run")
        .start_with(user.clone())
        .await;
    let result = delete_service(&client).await;
    assert!(!is_error(&result), "{}", text(&result));
    assert!(user.questions().is_empty());
    assert!(api.requests().is_empty());
    client.cancel().await.ok();
}

fn audit_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[tokio::test]
async fn the_audit_log_has_a_line_per_mutating_call_with_secrets_masked() {
    let api = MockApi::start(|req, _| {
        if req.method == "DELETE" {
            Reply::Json(
                404,
                json!({"statusCode": 404, "message": "no such service"}),
            )
        } else {
            Reply::Json(201, json!({"ok": true}))
        }
    })
    .await;
    let root = TempRoot::standard();
    root.write(
        "registry/users/set_password.yaml",
        "name: set_password\ndescription: Sets a password.\ninput:\n  type: object\n  properties:\n    user: {type: string}\n    password: {type: string}\n    note: {type: string}\n  required: [user, password]\nrequest:\n  method: POST\n  path: /v1/users/{{ user }}/password\n  body: args\n",
    );
    root.write(
        "registry/users/delete_user.yaml",
        "name: delete_user\ndescription: Deletes a user.\ninput:\n  type: object\n  properties:\n    user: {type: string}\n  required: [user]\nrequest:\n  method: DELETE\n  path: /v1/users/{{ user }}\n",
    );
    root.write(
        "registry/users/list_users.yaml",
        "name: list_users\ndescription: Lists users.\ninput: {type: object}\nrequest:\n  method: GET\n  path: /v1/users\n",
    );
    let log_dir = tempfile::tempdir().expect("temp dir");
    let log = log_dir.path().join("audit.jsonl");
    let user = User::answering(Answer::Decline);
    let client = Launch::new(&api.base_url)
        .root(root.path())
        .arg("--audit-log")
        .arg(&log.display().to_string())
        .start_with(user.clone())
        .await;

    let listed = call(&client, "list_users", json!({})).await;
    assert!(!is_error(&listed), "{}", text(&listed));
    // The secret in a value is masked too, wherever the model put it.
    let set = call(
        &client,
        "set_password",
        json!({"user": "ada", "password": "hunter2", "note": format!("key {KEY_SECRET}")}),
    )
    .await;
    assert!(!is_error(&set), "{}", text(&set));
    let declined = call(&client, "delete_user", json!({"user": "bob"})).await;
    assert!(is_error(&declined));
    client.cancel().await.ok();

    let lines = audit_lines(&log);
    assert_eq!(
        lines.len(),
        2,
        "read-only calls are not audited: {lines:#?}"
    );
    let set = &lines[0];
    assert_eq!(set["tool"], "set_password");
    assert_eq!(set["method"], "POST");
    assert_eq!(
        set["url"],
        format!("{}/v1/users/ada/password", api.base_url)
    );
    assert_eq!(set["outcome"], "answered");
    assert_eq!(set["status"], 201);
    assert_eq!(set["arguments"]["user"], "ada");
    assert_eq!(set["arguments"]["password"], "****");
    assert_eq!(set["arguments"]["note"], "key ****");
    assert!(set["durationMs"].as_f64().is_some(), "{set}");
    assert!(
        set["time"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{set}"
    );
    let declined = &lines[1];
    assert_eq!(declined["tool"], "delete_user");
    assert_eq!(declined["outcome"], "declined");
    assert_eq!(declined["status"], Value::Null);
    assert_eq!(api.requests().len(), 2, "the declined call was not sent");

    let raw = std::fs::read_to_string(&log).expect("audit log");
    assert!(
        !raw.contains("hunter2") && !raw.contains(KEY_SECRET),
        "{raw}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only its owner may read the audit log");
    }
}

#[tokio::test]
async fn the_audit_log_records_failures_and_cancelled_calls_and_dry_runs() {
    // One call the API never answers (cancelled by the client), then one it cannot reach.
    let api = MockApi::start(|_, _| Reply::Hang).await;
    let log_dir = tempfile::tempdir().expect("temp dir");
    let log = log_dir.path().join("audit.jsonl");
    let client = Launch::new(&api.base_url)
        .arg("--audit-log")
        .arg(&log.display().to_string())
        .start()
        .await;
    let pending = call(
        &client,
        "fixture_delete_service",
        json!({"serviceId": SERVICE}),
    );
    // Dropping the call makes rmcp's client send notifications/cancelled.
    assert!(
        tokio::time::timeout(Duration::from_millis(500), pending)
            .await
            .is_err(),
        "the call hangs upstream"
    );
    tokio::time::timeout(Duration::from_secs(10), api.hang_closed.notified())
        .await
        .expect("the server gave the call up");
    assert_eq!(api.requests().len(), 1);
    client.cancel().await.ok();

    let client = Launch::new("http://127.0.0.1:9")
        .arg("--audit-log")
        .arg(&log.display().to_string())
        .start()
        .await;
    let failed = delete_service(&client).await;
    assert!(is_error(&failed));
    client.cancel().await.ok();

    let client = Launch::new(&api.base_url)
        .arg("--dry-run")
        .arg("--audit-log")
        .arg(&log.display().to_string())
        .start()
        .await;
    let shown = delete_service(&client).await;
    assert!(!is_error(&shown));
    client.cancel().await.ok();

    let lines = audit_lines(&log);
    let outcomes: Vec<&str> = lines
        .iter()
        .map(|l| l["outcome"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(outcomes, ["cancelled", "failed", "dry-run"], "{lines:#?}");
    assert!(lines[1]["detail"].as_str().is_some(), "{:#?}", lines[1]);
}

#[test]
fn an_audit_log_that_cannot_be_opened_stops_the_server_with_a_clear_error() {
    let out = std::process::Command::new(common::bin())
        .args([
            "serve",
            "--no-watch",
            "--audit-log",
            "/nonexistent-dir/audit.jsonl",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot open the audit log /nonexistent-dir/audit.jsonl"),
        "{err}"
    );
}

#[tokio::test]
async fn on_the_2026_protocol_the_confirmation_is_a_round_trip() {
    use rmcp::model::{CallToolRequestParams, CallToolResponse};

    // Confirmed: rmcp's client answers `input_required` through its handler and calls again.
    let api = api().await;
    let user = User::answering(Answer::Yes);
    let client = Launch::new(&api.base_url).start_2026(user.clone()).await;
    let delete = || {
        CallToolRequestParams::new("fixture_delete_service")
            .with_arguments(common::args(json!({"serviceId": SERVICE})))
    };
    // RunningService::call_tool drives the rounds (Peer::call_tool does not).
    let result = client.call_tool(delete()).await.expect("answered");
    assert!(!is_error(&result), "{}", text(&result));
    assert_eq!(api.requests().len(), 1);
    let questions = user.questions();
    assert_eq!(questions.len(), 1, "{questions:#?}");
    let message = questions[0]["message"].as_str().expect("a message");
    assert!(message.contains("DELETE"), "{message}");

    // Declined: nothing sent.
    let declined = User::answering(Answer::Decline);
    let api = self::api().await;
    let other = Launch::new(&api.base_url)
        .start_2026(declined.clone())
        .await;
    let result = other.call_tool(delete()).await.expect("answered");
    assert!(
        is_error(&result) && text(&result).contains("declined"),
        "{}",
        text(&result)
    );
    assert!(api.requests().is_empty());

    // An answer with a state the server never handed out, or handed out for another call,
    // is refused: a confirmation cannot be forged or moved to another call.
    let first = other
        .peer()
        .call_tool_once(
            CallToolRequestParams::new("fixture_delete_service")
                .with_arguments(common::args(json!({"serviceId": SERVICE}))),
        )
        .await
        .expect("answered");
    let CallToolResponse::InputRequired(asked) = first else {
        panic!("expected input_required, got {first:?}");
    };
    let state = asked.request_state.clone().expect("a request state");
    let yes = json!({"action": "accept", "content": {"confirm": true}});
    for (arguments, state, why) in [
        (
            json!({"serviceId": SERVICE}),
            "made-up".to_owned(),
            "not a state this server issued",
        ),
        (
            json!({"serviceId": "00000000-0000-4000-8000-000000000000"}),
            state.clone(),
            "asked about another call",
        ),
        (
            json!({"serviceId": SERVICE}),
            altered(&state),
            "forged or altered",
        ),
    ] {
        let mut params = CallToolRequestParams::new("fixture_delete_service")
            .with_arguments(common::args(arguments));
        params.input_responses = Some([("confirm".to_owned(), yes.clone())].into());
        params.request_state = Some(state);
        // A request error (-32602), as the protocol asks of a state that fails its check.
        let refused = other
            .peer()
            .call_tool_once(params)
            .await
            .expect_err("a state that fails its check is a request error");
        let message = refused.to_string();
        assert!(
            message.contains("-32602") || message.contains("Invalid params"),
            "{message}"
        );
        assert!(message.contains(why), "{why}: {message}");
    }
    assert!(api.requests().is_empty(), "{:#?}", api.requests());
    client.cancel().await.ok();
    other.cancel().await.ok();
}

/// A client that declares URL-mode elicitation only: it cannot show a confirmation form.
#[derive(Clone, Default)]
struct UrlOnly;

impl ClientHandler for UrlOnly {
    fn get_info(&self) -> ClientConfig {
        let mut capabilities = ClientCapabilities::default();
        capabilities.elicitation = Some(
            rmcp::model::ElicitationCapability::new()
                .with_url(rmcp::model::UrlElicitationCapability::default()),
        );
        ClientConfig::new(capabilities, Implementation::new("url-only", "1.0.0"))
    }
}

#[tokio::test]
async fn require_refuses_destructive_calls_the_user_cannot_be_asked_about() {
    // No elicitation at all.
    let api = api().await;
    let client = Launch::new(&api.base_url)
        .arg("--confirm-destructive")
        .arg("require")
        .start()
        .await;
    let result = delete_service(&client).await;
    assert!(is_error(&result), "{}", text(&result));
    assert!(
        text(&result).contains("--confirm-destructive require"),
        "{}",
        text(&result)
    );
    assert!(api.requests().is_empty());
    // A read goes through.
    let list = call(&client, "fixture_list_projects", json!({})).await;
    assert!(!text(&list).contains("confirm"), "{}", text(&list));
    client.cancel().await.ok();

    // URL-mode elicitation only: on 2025-11-25 a result saying so; on 2026-07-28 the
    // protocol's MissingRequiredClientCapabilityError (-32021) naming form elicitation.
    let api = self::api().await;
    let launch = || {
        Launch::new(&api.base_url)
            .arg("--confirm-destructive")
            .arg("require")
    };
    let client = launch().start_with(UrlOnly).await;
    let result = delete_service(&client).await;
    client.cancel().await.ok();
    assert!(is_error(&result), "{}", text(&result));
    let client = launch().start_2026(UrlOnly).await;
    let refused = client
        .peer()
        .call_tool(
            rmcp::model::CallToolRequestParams::new("fixture_delete_service")
                .with_arguments(common::args(json!({"serviceId": SERVICE}))),
        )
        .await
        .expect_err("-32021");
    client.cancel().await.ok();
    match refused {
        rmcp::ServiceError::McpError(e) => {
            assert_eq!(e.code.0, -32021, "{e:?}");
            let needed = e.data.expect("the capabilities needed");
            assert!(
                needed["requiredCapabilities"]["elicitation"]["form"].is_object(),
                "{needed}"
            );
        }
        other => panic!("expected -32021, got {other:?}"),
    }
    assert!(api.requests().is_empty());

    // A client that can ask still gets asked, and the call goes out on yes.
    let api = self::api().await;
    let user = User::answering(Answer::Yes);
    let client = Launch::new(&api.base_url)
        .arg("--confirm-destructive")
        .arg("require")
        .start_with(user.clone())
        .await;
    let result = delete_service(&client).await;
    assert!(!is_error(&result), "{}", text(&result));
    assert_eq!(user.questions().len(), 1);
    assert_eq!(api.requests().len(), 1);
    client.cancel().await.ok();
}

const DELETE_TOOL: &str = "name: drop_item\ndescription: Deletes an item.\ninput:\n  type: object\n  properties:\n    id: { type: string }\n  required: [id]\nrequest:\n  method: DELETE\n  path: /v1/items/{{ id }}\n";

#[tokio::test]
async fn safety_follows_the_method_not_the_hints() {
    // A DELETE tool that claims to be read-only, directly or through its toolset, and one
    // that claims not to destroy: check refuses them, and they are not served.
    let root = TempRoot::standard();
    root.write(
        "registry/a/drop.yaml",
        &format!("{DELETE_TOOL}annotations:\n  readOnlyHint: true\n"),
    );
    root.write(
        "registry/b/_toolset.yaml",
        "annotations:\n  readOnlyHint: true\n",
    );
    root.write(
        "registry/b/drop.yaml",
        &DELETE_TOOL.replace("drop_item", "drop_b"),
    );
    root.write(
        "registry/c/drop.yaml",
        &format!(
            "{}annotations:\n  destructiveHint: false\n",
            DELETE_TOOL.replace("drop_item", "drop_c")
        ),
    );
    root.write(
        "registry/d/post.yaml",
        "name: post_item\ndescription: Creates.\ninput: {type: object}\nrequest: {method: POST, path: /v1/items}\nannotations: {readOnlyHint: true}\n",
    );
    let out = std::process::Command::new(common::bin())
        .args(["check", "--root"])
        .arg(root.path())
        .output()
        .expect("check runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("registry/a/drop.yaml:12:")
            && stdout.contains("contradicts the method DELETE"),
        "{stdout}"
    );
    assert!(
        stdout.contains("registry/b/drop.yaml:") && stdout.contains("_toolset.yaml"),
        "{stdout}"
    );
    assert!(stdout.contains("registry/c/drop.yaml:12:"), "{stdout}");
    assert!(
        stdout.contains("registry/d/post.yaml:") && stdout.contains("contradicts the method POST"),
        "{stdout}"
    );

    // Served with --read-only: none of them is, only the real read.
    root.write(
        "registry/e/get.yaml",
        &DELETE_TOOL
            .replace("drop_item", "get_e")
            .replace("DELETE", "GET"),
    );
    let api = api().await;
    let client = Launch::new(&api.base_url)
        .root(root.path())
        .arg("--read-only")
        .arg("--toolsets")
        .arg("all")
        .start()
        .await;
    assert_eq!(common::tool_names(&client).await, vec!["get_e"]);
    client.cancel().await.ok();

    // With the loud override, a POST that only searches may be read-only; a DELETE given the
    // same override and destructiveHint: false is no longer confirmed.
    let root = TempRoot::standard();
    root.write(
        "registry/search.yaml",
        "name: search_items\ndescription: Searches.\ninput: {type: object}\nrequest: {method: POST, path: /v1/search}\nannotations: {readOnlyHint: true}\nunsafe_trust_annotations: true\n",
    );
    let out = std::process::Command::new(common::bin())
        .args(["check", "--root"])
        .arg(root.path())
        .output()
        .expect("check runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let client = Launch::new(&api.base_url)
        .root(root.path())
        .arg("--read-only")
        .start()
        .await;
    assert_eq!(common::tool_names(&client).await, vec!["search_items"]);
    client.cancel().await.ok();
}

/// The state with one character of its signed part changed.
fn altered(state: &str) -> String {
    let mut chars: Vec<char> = state.chars().collect();
    chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

/// Replicas that share a confirmation key: the user's answer may come back to any of them,
/// once; a replica with another key refuses it.
#[tokio::test]
async fn a_confirmation_asked_by_one_replica_is_accepted_once_by_another() {
    use rmcp::model::{CallToolRequestParams, CallToolResponse};
    let api = api().await;
    let dir = tempfile::tempdir().expect("dir");
    let shared = dir.path().join("confirmation.key");
    std::fs::write(
        &shared,
        "a secret shared by every replica of this deployment, 48 bytes+",
    )
    .expect("key");
    let foreign = dir.path().join("other.key");
    std::fs::write(
        &foreign,
        "another deployment's secret, also long enough to be a key....",
    )
    .expect("key");
    let replica = |key: &std::path::Path| {
        Launch::new(&api.base_url)
            .arg("--confirmation-key-file")
            .arg(&key.display().to_string())
            .start_2026(User::answering(Answer::Yes))
    };
    let (a, b, c) = (
        replica(&shared).await,
        replica(&shared).await,
        replica(&foreign).await,
    );
    let delete = || {
        CallToolRequestParams::new("fixture_delete_service")
            .with_arguments(common::args(json!({"serviceId": SERVICE})))
    };
    let CallToolResponse::InputRequired(asked) =
        a.peer().call_tool_once(delete()).await.expect("answered")
    else {
        panic!("expected input_required");
    };
    let state = asked.request_state.clone().expect("a request state");
    let answer = |state: String| {
        let mut params = delete();
        params.input_responses = Some(
            [(
                "confirm".to_owned(),
                json!({"action": "accept", "content": {"confirm": true}}),
            )]
            .into(),
        );
        params.request_state = Some(state);
        params
    };
    let result = |response: CallToolResponse| match response {
        CallToolResponse::Complete(result) => result,
        other => panic!("expected a result, got {other:?}"),
    };
    let foreign_answer = c
        .peer()
        .call_tool_once(answer(state.clone()))
        .await
        .expect_err("another deployment's state is a request error");
    assert!(
        foreign_answer.to_string().contains("signature"),
        "{foreign_answer}"
    );
    assert!(api.requests().is_empty());
    let accepted = result(
        b.peer()
            .call_tool_once(answer(state.clone()))
            .await
            .expect("answered"),
    );
    assert!(!is_error(&accepted), "{}", text(&accepted));
    assert_eq!(api.requests().len(), 1);
    let replayed = b
        .peer()
        .call_tool_once(answer(state))
        .await
        .expect_err("a used state is a request error");
    assert!(replayed.to_string().contains("used already"), "{replayed}");
    assert_eq!(api.requests().len(), 1);
    for client in [a, b, c] {
        client.cancel().await.ok();
    }
}

/// A Redis on a free loopback port, stopped when dropped.
#[cfg(feature = "redis")]
struct Redis {
    child: std::process::Child,
    url: String,
}

#[cfg(feature = "redis")]
impl Redis {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (apt-get install redis-server) runs");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            url: format!("redis://127.0.0.1:{port}"),
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(feature = "redis")]
impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Needs `redis-server`, which `.ci/run` installs and runs this with `--ignored`.
#[cfg(feature = "redis")]
#[tokio::test]
#[ignore = "needs redis-server; .ci/run runs it"]
async fn with_a_shared_store_a_confirmation_is_used_once_across_replicas() {
    use rmcp::model::{CallToolRequestParams, CallToolResponse};
    let api = api().await;
    let mut redis = Redis::start();
    let dir = tempfile::tempdir().expect("dir");
    let shared = dir.path().join("confirmation.key");
    std::fs::write(
        &shared,
        "a secret shared by every replica of this deployment, 48 bytes+",
    )
    .expect("key");
    let replica = || {
        Launch::new(&api.base_url)
            .arg("--confirmation-key-file")
            .arg(&shared.display().to_string())
            .arg("--confirmation-store")
            .arg(&redis.url)
            .start_2026(User::answering(Answer::Yes))
    };
    let (a, b) = (replica().await, replica().await);
    let delete = || {
        CallToolRequestParams::new("fixture_delete_service")
            .with_arguments(common::args(json!({"serviceId": SERVICE})))
    };
    let ask = |peer: &Peer<RoleClient>| {
        let peer = peer.clone();
        async move {
            match peer.call_tool_once(delete()).await.expect("answered") {
                CallToolResponse::InputRequired(asked) => {
                    asked.request_state.clone().expect("a request state")
                }
                other => panic!("expected input_required, got {other:?}"),
            }
        }
    };
    // The answer, or the request error's text.
    let answer = |peer: &Peer<RoleClient>, state: String| {
        let peer = peer.clone();
        async move {
            let mut params = delete();
            params.input_responses = Some(
                [(
                    "confirm".to_owned(),
                    json!({"action": "accept", "content": {"confirm": true}}),
                )]
                .into(),
            );
            params.request_state = Some(state);
            match peer.call_tool_once(params).await {
                Ok(CallToolResponse::Complete(result)) => Ok(result),
                Ok(other) => panic!("expected a result, got {other:?}"),
                Err(e) => Err(e.to_string()),
            }
        }
    };
    let state = ask(a.peer()).await;
    let accepted = answer(b.peer(), state.clone()).await.expect("accepted");
    assert!(!is_error(&accepted), "{}", text(&accepted));
    assert_eq!(api.requests().len(), 1);
    // Replica a never saw it used: only the shared store knows.
    let replayed = answer(a.peer(), state).await.expect_err("refused");
    assert!(replayed.contains("used already"), "{replayed}");
    assert_eq!(api.requests().len(), 1);
    // Without its store, a replica refuses rather than risk a second use.
    let state = ask(a.peer()).await;
    redis.stop();
    let unsure = answer(b.peer(), state).await.expect_err("refused");
    assert!(unsure.contains("store of used confirmations"), "{unsure}");
    assert_eq!(api.requests().len(), 1);
    for client in [a, b] {
        client.cancel().await.ok();
    }
}

#[test]
fn a_confirmation_store_that_cannot_be_reached_stops_the_start_without_showing_its_password() {
    let root = common::engine_root();
    let out = std::process::Command::new(common::bin())
        .args(["serve", "--root", &root.display().to_string()])
        .args([
            "--confirmation-store",
            "redis://ops:hunter2-store-password@127.0.0.1:9",
        ])
        .env("LAYEROPS_API_KEY_ID", "k")
        .env("LAYEROPS_API_KEY_SECRET", KEY_SECRET)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    if cfg!(feature = "redis") {
        assert!(
            text.contains("cannot use the confirmation store at redis://ops:***@127.0.0.1:9")
                && text.contains("leave out --confirmation-store"),
            "{text}"
        );
    } else {
        // A build without the Redis client refuses too: each replica's own memory would let
        // a confirmation be used once per replica.
        assert!(
            text.contains(
                "this build cannot use the confirmation store at redis://ops:***@127.0.0.1:9"
            ) && text.contains("--features redis"),
            "{text}"
        );
    }
    assert!(!text.contains("hunter2"), "{text}");
}
