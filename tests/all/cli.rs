//! The commands for people editing the content: check, list, call.

use std::process::{Command, Output};

use crate::common::http::MockApi;
use crate::common::*;
use serde_json::json;

fn run(args: &[&str], cwd: &std::path::Path) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env_remove("LAYEROPS_API_BASE_URL")
        .env_remove("LAYEROPS_API_KEY_ID")
        .env_remove("LAYEROPS_API_KEY_SECRET")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the binary")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn check_passes_on_the_shipped_content() {
    let out = run(
        &["check", "--root", &repo_root().display().to_string()],
        &std::env::temp_dir(),
    );
    assert!(
        out.status.success(),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn check_reports_every_problem_with_file_line_and_column() {
    let root = TempRoot::standard();
    let good = "name: good\ndescription: Good.\ninput:\n  type: object\n  properties:\n    id: { type: string }\n  required: [id]\nrequest:\n  method: GET\n  path: /v1/items/{{ id }}\n";
    root.write("registry/a/good.yaml", good);
    root.write("registry/a/dup.yaml", good);
    root.write(
        "registry/a/syntax.yaml",
        "name: syntax\n  description: : bad\n",
    );
    root.write(
        "registry/a/unknown.yaml",
        &good.replace("name: good", "name: unknown\ncolour: red"),
    );
    root.write(
        "registry/a/missing.yaml",
        "name: missing\ndescription: No request.\ninput: { type: object }\n",
    );
    root.write(
        "registry/a/schema.yaml",
        &good
            .replace("name: good", "name: schema")
            .replace("type: string", "type: text"),
    );
    root.write(
        "registry/a/template.yaml",
        &good
            .replace("name: good", "name: template")
            .replace("/v1/items/{{ id }}", "/v1/items/{{ id }"),
    );
    root.write(
        "registry/a/undeclared.yaml",
        &good
            .replace("name: good", "name: undeclared")
            .replace("/v1/items/{{ id }}", "/v1/items/{{ uuid }}"),
    );
    root.write(
        "registry/a/query.yaml",
        &good.replace("name: good", "name: query").replace(
            "  path: /v1/items/{{ id }}",
            "  path: /v1/items/{{ id }}\n  query:\n    q: \"{{ search }}\"",
        ),
    );
    root.write(
        "registry/a/badname.yaml",
        &good.replace("name: good", &format!("name: {}", "x".repeat(65))),
    );
    root.write(
        "registry/a/dots.yaml",
        &good.replace("name: good", "name: has.dot"),
    );
    root.write(
        "resources/r1.md",
        "---\nuri: test://r\nname: r\n---\nbody\n",
    );
    root.write(
        "resources/r2.md",
        "---\nuri: test://r\nname: r2\n---\nbody\n",
    );
    root.write("prompts/p.j2", "---\nname: p\narguments:\n  - { name: env, required: true }\n---\nUse {{ env }} and {{ region }}.\n");
    root.write("prompts/syntax.j2", "---\nname: s\n---\n{% if %}\n");
    let out = run(
        &["check", "--root", &root.path().display().to_string()],
        &std::env::temp_dir(),
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let prefix = root.path().display().to_string();
    let expected = [
        "registry/a/badname.yaml:1:1: tool name `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx` must have 1 to 64 characters",
        "registry/a/dots.yaml:1:1: tool name `has.dot` may only hold letters, digits, `_` and `-`",
        "registry/a/good.yaml:1:1: tool name `good` is already used by registry/a/dup.yaml",
        "registry/a/missing.yaml:1:1: missing field `request`",
        "registry/a/query.yaml:12:5: request.query.q uses `search`, which `input.properties` does not declare",
        "registry/a/schema.yaml:6:11: invalid JSON Schema at /properties/id/type",
        "registry/a/syntax.yaml:2:",
        "registry/a/template.yaml:10:3: template error in request.path: syntax error",
        "registry/a/undeclared.yaml:10:3: request.path uses `uuid`, which `input.properties` does not declare",
        "registry/a/unknown.yaml:2:1: unknown field `colour`",
        "resources/r2.md:2:1: uri `test://r` is already used by resources/r1.md",
        "prompts/p.j2:6:1: the template reads `region`, which is not a declared argument",
        "prompts/syntax.j2:4:1: template error: syntax error",
    ];
    for e in expected {
        let line = format!("{prefix}/{e}");
        assert!(
            text.lines().any(|l| l.starts_with(&line)),
            "missing `{line}` in:\n{text}"
        );
    }
    assert_eq!(
        text.lines().count(),
        expected.len(),
        "one line per problem:\n{text}"
    );
}

#[test]
fn list_prints_tables_from_the_embedded_copy() {
    // A directory without content folders: the embedded copy is used.
    let cwd = tempfile::tempdir().expect("dir");
    let out = run(&["list"], cwd.path());
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.lines().next().unwrap_or("").starts_with("TOOL"),
        "{text}"
    );
    let rows: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for expected in [
        "layerops_list_environments environments GET /v1/workspaces/{{ projectId }}/environments read-only,idempotent",
        "layerops://docs/api/introduction api-introduction The LayerOps API",
        "layerops-deploy-service environmentId image [port] [exposure] [domain] prompts/deploy-service.j2",
    ] {
        assert!(
            rows.iter().any(|r| r == expected),
            "`{expected}` missing from:\n{text}"
        );
    }
}

#[tokio::test]
async fn call_runs_one_tool_and_prints_its_result() {
    let api = MockApi::json(200, json!({"workspaces": [{"name": "Client A"}]})).await;
    let base = api.base_url.clone();
    let cwd = tempfile::tempdir().expect("dir");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(bin())
            .args([
                "call",
                "layerops_list_projects",
                "--args",
                "{\"includeEnvironments\": true}",
            ])
            .current_dir(cwd.path())
            .env("LAYEROPS_API_BASE_URL", &base)
            .env("LAYEROPS_API_KEY_ID", KEY_ID)
            .env("LAYEROPS_API_KEY_SECRET", KEY_SECRET)
            .output()
            .expect("run")
    })
    .await
    .expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout(&out).contains("\"Client A\""));
    assert_eq!(
        api.only_request().target,
        "/v1/workspaces?includeEnvironmentAndProviders=true"
    );
}

#[test]
fn call_dry_run_needs_no_credentials_and_invalid_calls_exit_1() {
    let cwd = tempfile::tempdir().expect("dir");
    let out = run(
        &[
            "call",
            "layerops_list_environments",
            "--args",
            &format!("{{\"projectId\": \"{PROJECT}\"}}"),
            "--dry-run",
        ],
        cwd.path(),
    );
    assert!(out.status.success());
    let shown: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(
        shown["url"],
        format!("https://api.layerops.io/v1/workspaces/{PROJECT}/environments")
    );
    assert_eq!(shown["headers"]["X-API-KEY"], "****:****");

    let out = run(
        &[
            "call",
            "layerops_list_environments",
            "--args",
            "{\"projectId\": 1}",
        ],
        cwd.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("/projectId"));

    let out = run(
        &["call", "layerops_list_environments", "--args", "[1]"],
        cwd.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--args must be a JSON object"));
}

#[test]
fn the_sandbox_command_says_nothing_is_real_and_listens_on_loopback_only() {
    let mut child = Command::new(bin())
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn the sandbox");
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut said = String::new();
    while !said.contains("Listening on http://127.0.0.1:") {
        let mut line = String::new();
        let read = std::io::BufRead::read_line(&mut stderr, &mut line).expect("read");
        assert!(read > 0, "the sandbox exited: {said}");
        said.push_str(&line);
    }
    assert!(said.contains("Nothing is real"), "{said}");
    let _ = child.kill();
    let _ = child.wait();
    let out = run(&["sandbox", "--listen", "0.0.0.0:0"], &std::env::temp_dir());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only listens on loopback"));
}

#[cfg(unix)]
#[test]
fn a_dot_env_that_is_not_a_regular_file_is_not_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let made = Command::new("mkfifo")
        .arg(dir.path().join(".env"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    // Reading a FIFO with no writer would block for ever; `list` must simply run.
    let mut child = Command::new(bin())
        .arg("list")
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(
        status.is_some_and(|s| s.success()),
        "`list` hung on a FIFO named .env"
    );
}
