//! `openapi diff` and `openapi import`: the API's own description against the tool files,
//! on a NestJS-shaped swagger-ui-init.js fixture and on GitHub's published document.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::*;
use serde_json::{Value, json};

fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(std::env::temp_dir())
        .env_remove("LAYEROPS_API_BASE_URL")
        .env_remove("LAYEROPS_API_KEY_ID")
        .env_remove("LAYEROPS_API_KEY_SECRET")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the binary")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn fixture() -> String {
    repo_root()
        .join("tests/fixtures/openapi/swagger-ui-init.js")
        .display()
        .to_string()
}

fn findings<'a>(report: &'a Value, tool: &str) -> Vec<(&'a str, &'a str)> {
    report["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .find(|t| t["tool"] == tool)
        .unwrap_or_else(|| panic!("{tool} is in the report"))["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

#[test]
fn diff_names_what_the_shipped_tools_get_wrong_against_a_nestjs_document() {
    let root = repo_root().display().to_string();
    let out = run(&[
        "openapi",
        "diff",
        &fixture(),
        "--root",
        &root,
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a mismatch exits 1: {}",
        text(&out)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    // Paths match whatever the path parameters are called ({uuid} against {{ projectId }}).
    assert_eq!(findings(&report, "layerops_list_environments"), vec![]);
    assert_eq!(findings(&report, "layerops_list_projects"), vec![]);
    // Body fields the document does not have, required fields the tool never sends.
    let pool = findings(&report, "layerops_create_instance_pool");
    assert!(
        pool.contains(&(
            "unknown_body_field",
            "body field `countMin` is not in the operation's schema"
        )),
        "{pool:?}"
    );
    assert!(
        pool.contains(&(
            "missing_required",
            "the document requires the body field `minInstances`, which the tool never sends"
        )),
        "{pool:?}"
    );
    // A route the document lacks, and a guessed tool the document confirms.
    assert_eq!(
        findings(&report, "layerops_delete_instance")[0].0,
        "path_not_in_spec"
    );
    let roles = findings(&report, "layerops_list_roles");
    assert_eq!(roles.len(), 1, "{roles:?}");
    assert_eq!(roles[0].0, "confirmed_by_the_spec");
    assert!(roles[0].1.contains("move the tool out of `unconfirmed`"));
    // Operations no tool covers.
    assert_eq!(
        report["uncovered"],
        json!(["GET /v1/environments/{uuid}/logs"])
    );

    let table = run(&["openapi", "diff", &fixture(), "--root", &root]);
    let table = text(&table);
    assert!(
        table.contains("layerops_list_roles") && table.contains("suggestion"),
        "{table}"
    );
    assert!(table.contains("MISMATCH"), "{table}");
}

#[test]
fn diff_finds_enum_type_and_requirement_mismatches() {
    let root = TempRoot::standard();
    root.write(
        "registry/logs/read_logs.yaml",
        "name: read_logs\ndescription: Reads logs.\ninput:\n  type: object\n  properties:\n    environmentId: { type: string }\n    since: { type: integer }\n    level: { type: string, enum: [info, debug] }\n    tail: { type: boolean }\n  required: [environmentId, since]\n  additionalProperties: false\nrequest:\n  method: GET\n  path: /v1/environments/{{ environmentId }}/logs\n  query:\n    since: \"{{ since }}\"\n    level: \"{{ level }}\"\n    tail: \"{{ tail }}\"\n  headers:\n    X-Trace: \"1\"\n",
    );
    let out = run(&[
        "openapi",
        "diff",
        &fixture(),
        "--root",
        &root.path().display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let kinds: Vec<&str> = findings(&report, "read_logs").iter().map(|f| f.0).collect();
    assert_eq!(
        kinds,
        vec![
            "type_mismatch",
            "required_but_optional",
            "enum_mismatch",
            "unknown_query_parameter",
            "unknown_header"
        ],
        "{report}"
    );
}

#[test]
fn import_writes_tools_that_check_serve_and_agree_with_their_document() {
    let root = TempRoot::new("name: fixture\nupstream:\n  base_url: https://api.example.test\n");
    let into = root.path().join("registry/fixture");
    let into_arg = into.display().to_string();
    let out = run(&[
        "openapi",
        "import",
        &fixture(),
        "--into",
        &into_arg,
        "--tag",
        "Services",
        "--tag",
        "Workspaces",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let mut files: Vec<String> = std::fs::read_dir(&into)
        .expect("written")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 7, "{files:?}");
    let create =
        std::fs::read_to_string(into.join("services_controller_create.yaml")).expect("file");
    assert!(create.starts_with("# Imported from"), "{create}");
    // allOf, $ref, nullable and readOnly are resolved into plain JSON Schema.
    assert!(
        create.contains("path: /v1/environments/{{ uuid }}/services"),
        "{create}"
    );
    assert!(
        create.contains("- 'null'") && !create.contains("readOnly"),
        "{create}"
    );

    let root_arg = root.path().display().to_string();
    let check = run(&["check", "--root", &root_arg]);
    assert!(check.status.success(), "{}", text(&check));
    let called = run(&[
        "call",
        "services_controller_create",
        "--root",
        &root_arg,
        "--dry-run",
        "--args",
        r#"{"uuid": "e1", "name": "web", "dockerConfiguration": {"image": "nginx"}, "isPaused": null}"#,
    ]);
    assert!(called.status.success(), "{}", text(&called));
    let shown: Value = serde_json::from_slice(&called.stdout).expect("dry run");
    assert_eq!(
        shown["url"],
        "https://api.example.test/v1/environments/e1/services"
    );
    assert_eq!(
        shown["body"],
        json!({"name": "web", "dockerConfiguration": {"image": "nginx"}}),
        "null (allowed by `nullable`) means absent"
    );

    // Imported whole, the tools agree with their document: nothing to report. An answer
    // that wraps its content in one field is selected.
    std::fs::remove_dir_all(&into).expect("clean");
    assert!(
        run(&["openapi", "import", &fixture(), "--into", &into_arg])
            .status
            .success()
    );
    let logs = std::fs::read_to_string(into.join("logs_controller_find_all.yaml")).expect("file");
    assert!(logs.contains("response:\n  select: /lines"), "{logs}");

    std::fs::remove_dir_all(&into).expect("clean");
    assert!(
        run(&["openapi", "import", &fixture(), "--into", &into_arg])
            .status
            .success()
    );
    let diff = run(&[
        "openapi",
        "diff",
        &fixture(),
        "--root",
        &root_arg,
        "--format",
        "json",
    ]);
    assert!(diff.status.success(), "{}", text(&diff));
    let report: Value = serde_json::from_slice(&diff.stdout).expect("JSON");
    assert_eq!(report["uncovered"], json!([]));
    assert!(
        report["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .all(|t| t["findings"] == json!([])),
        "{report}"
    );

    // Files are never replaced without --force.
    let again = run(&["openapi", "import", &fixture(), "--into", &into_arg]);
    assert!(!again.status.success());
    assert!(text(&again).contains("Add --force"), "{}", text(&again));
    assert!(
        run(&[
            "openapi",
            "import",
            &fixture(),
            "--into",
            &into_arg,
            "--force"
        ])
        .status
        .success()
    );
}

#[test]
fn documents_that_are_not_api_descriptions_are_refused_clearly() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("notes.yaml");
    std::fs::write(&path, "title: just notes\n").expect("write");
    let out = run(&["openapi", "diff", &path.display().to_string()]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("not an OpenAPI 3.x or Swagger 2.0 document"),
        "{}",
        text(&out)
    );
    let http = run(&["openapi", "diff", "http://example.com/openapi.json"]);
    assert!(text(&http).contains("over https only"), "{}", text(&http));
}

/// GitHub's published OpenAPI document (1,200+ operations), from the npm package
/// `@octokit/openapi` that `.ci/run` installs: imported whole, checked, served, compared.
#[test]
#[ignore = "needs @octokit/openapi; `bash .ci/run` installs it and runs this test"]
fn a_large_real_document_imports_whole_and_agrees_with_itself() {
    let spec = large_spec();
    let spec = spec.display().to_string();
    let root = TempRoot::new("name: github\nupstream:\n  base_url: https://api.github.com\n");
    let into = root.path().join("registry/github").display().to_string();
    let out = run(&[
        "openapi", "import", &spec, "--into", &into, "--prefix", "ghrest_",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let root_arg = root.path().display().to_string();
    let check = run(&["check", "--root", &root_arg]);
    assert!(check.status.success(), "{}", text(&check));
    assert!(text(&check).contains("ok: 1"), "{}", text(&check));
    let called = run(&[
        "call",
        "ghrest_repos_get",
        "--root",
        &root_arg,
        "--dry-run",
        "--args",
        r#"{"owner": "octocat", "repo": "hello-world"}"#,
    ]);
    assert!(called.status.success(), "{}", text(&called));
    let shown: Value = serde_json::from_slice(&called.stdout).expect("dry run");
    assert_eq!(
        shown["url"],
        "https://api.github.com/repos/octocat/hello-world"
    );
    let diff = run(&[
        "openapi", "diff", &spec, "--root", &root_arg, "--format", "json",
    ]);
    assert!(diff.status.success(), "{}", text(&diff));
    let report: Value = serde_json::from_slice(&diff.stdout).expect("JSON");
    assert_eq!(report["uncovered"], json!([]));
    assert!(report["tools"].as_array().expect("tools").len() > 1000);
}

fn large_spec() -> PathBuf {
    let path = std::env::var_os("LARGE_OPENAPI_DOCUMENT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            repo_root()
                .join("target/ci-node/node_modules/@octokit/openapi/generated/api.github.com.json")
        });
    assert!(
        Path::new(&path).is_file(),
        "{} is missing: `bash .ci/run` fetches it (npm pack @octokit/openapi@23.0.2), or set LARGE_OPENAPI_DOCUMENT",
        path.display()
    );
    path
}

/// A running server serves what `openapi import` writes, without a restart.
#[tokio::test(flavor = "multi_thread")]
async fn imported_tools_are_served_at_once_by_a_running_server() {
    let root = TempRoot::new("name: fixture\nupstream:\n  base_url: https://api.example.test\n");
    let into = root.path().join("registry/fixture").display().to_string();
    let client = Launch::new("http://127.0.0.1:9")
        .root(root.path())
        .start()
        .await;
    assert!(tool_names(&client).await.is_empty());
    let out = tokio::task::spawn_blocking(move || {
        run(&[
            "openapi",
            "import",
            &fixture(),
            "--into",
            &into,
            "--tag",
            "Workspaces",
        ])
    })
    .await
    .expect("import");
    assert!(out.status.success(), "{}", text(&out));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let names = tool_names(&client).await;
        if names.len() == 2 {
            assert_eq!(
                names,
                vec![
                    "workspaces_controller_create",
                    "workspaces_controller_find_all"
                ]
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the imported tools were not served: {names:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    client.cancel().await.ok();
}
