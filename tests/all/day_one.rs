//! What a new user reaches for in the first hour: call with --arg, JSON output of list and
//! check, init and new tool, shell completions, --version, install into clients.

use std::process::{Command, Output, Stdio};

use crate::common::*;
use serde_json::{Value, json};

/// The binary in `cwd`, without the LayerOps variables of the environment.
fn run_in(args: &[&str], cwd: &std::path::Path, env: &[(&str, &str)]) -> Output {
    crate::new_users::run(args, cwd, env)
}

fn run(args: &[&str]) -> Output {
    run_in(args, &std::env::temp_dir(), &[])
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", out(o), err(o)))
}

#[test]
fn call_takes_arg_pairs_a_file_or_stdin_and_prints_the_raw_result_as_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    // key=value typed as JSON where it parses: `true` is a boolean.
    let o = run(&[
        "call",
        "layerops_list_projects",
        "--sandbox",
        "--arg",
        "includeEnvironments=true",
    ]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("\"environments\""), "{}", out(&o));
    // The same from a file, with the whole MCP result.
    let file = dir.path().join("args.json");
    std::fs::write(&file, r#"{"includeEnvironments": false}"#).expect("write");
    let at = format!("@{}", file.display());
    let o = run(&[
        "call",
        "layerops_list_projects",
        "--sandbox",
        "--args",
        &at,
        "--arg",
        "includeEnvironments:=true",
        "--format",
        "json",
    ]);
    let result = json_of(&o);
    assert_eq!(result["isError"], false, "{result}");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .expect("text")
            .contains("environments")
    );
    // From standard input; a wrong type is a tool error, exit 1.
    let mut child = Command::new(bin())
        .args([
            "call",
            "layerops_list_projects",
            "--sandbox",
            "--args",
            "-",
            "--format",
            "json",
        ])
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(br#"{"includeEnvironments": "yes please"}"#)
            .expect("write");
    }
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert_eq!(json_of(&o)["isError"], true);
    // A pair without `=` says what to write.
    let o = run(&[
        "call",
        "layerops_list_projects",
        "--sandbox",
        "--arg",
        "includeEnvironments",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("key=value"), "{}", err(&o));
}

#[test]
fn list_and_check_speak_json_for_scripts() {
    let o = run(&["list", "--format", "json", "--toolsets", "all"]);
    assert!(o.status.success(), "{}", err(&o));
    let listed = json_of(&o);
    let tools = listed["tools"].as_array().expect("tools");
    let delete = tools
        .iter()
        .find(|t| t["name"] == "layerops_delete_service")
        .expect("listed");
    assert_eq!(delete["method"], "DELETE");
    assert_eq!(delete["path"], "/v1/services/{{ serviceId }}");
    assert_eq!(delete["toolset"], "services");
    assert_eq!(delete["file"], "registry/services/delete_service.yaml");
    assert_eq!(
        (delete["destructive"].clone(), delete["served"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(listed["resources"].as_array().map(Vec::len), Some(20));
    assert!(listed["prompts"][0]["arguments"].is_array());

    let root = TempRoot::standard();
    root.write("registry/a/bad.yaml", "name: bad\ndescription: Bad.\ninput: { type: object }\nrequest:\n  method: GRAB\n  path: /x\n");
    let o = run(&[
        "check",
        "--root",
        &root.path().display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let problems = json_of(&o)["problems"].clone();
    let bad = problems
        .as_array()
        .expect("problems")
        .iter()
        .find(|p| {
            p["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("registry/a/bad.yaml"))
        })
        .expect("the bad file is reported");
    assert_eq!(
        (bad["line"].clone(), bad["column"].clone()),
        (json!(5), json!(3)),
        "{bad}"
    );
    assert!(
        bad["message"].as_str().expect("message").contains("GRAB"),
        "{bad}"
    );
}

#[tokio::test]
async fn init_makes_a_root_that_check_and_serve_accept_and_new_tool_adds_to_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("my-api");
    let root_arg = root.display().to_string();
    let o = run(&["init", &root_arg]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    for file in [
        "registry/_server.yaml",
        "registry/items/example_get_item.yaml",
        "resources/guide.md",
        "prompts/describe-item.j2",
        ".schema/tool.schema.json",
    ] {
        assert!(root.join(file).is_file(), "{file}");
    }
    // Each file names its schema, and that schema is there.
    let tool =
        std::fs::read_to_string(root.join("registry/items/example_get_item.yaml")).expect("read");
    assert!(
        tool.starts_with("# yaml-language-server: $schema=../../.schema/tool.schema.json"),
        "{tool}"
    );
    let o = run(&["check", "--root", &root_arg]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    // A second init does not overwrite.
    let o = run(&["init", &root_arg]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("--force"), "{}", err(&o));

    let o = run(&[
        "new",
        "tool",
        "update_item",
        "--method",
        "put",
        "--path",
        "/projects/{projectId}/items/{{ itemId }}",
        "--toolset",
        "items",
        "--root",
        &root_arg,
    ]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let o = run(&["check", "--root", &root_arg]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let o = run(&["list", "--root", &root_arg, "--format", "json"]);
    let listed = json_of(&o);
    let update = listed["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .find(|t| t["name"] == "update_item")
        .expect("the new tool")
        .clone();
    assert_eq!(
        update["path"],
        "/projects/{{ projectId }}/items/{{ itemId }}"
    );
    assert_eq!(update["method"], "PUT");

    // serve --root takes it as it is: the tools are listed with their path parameters.
    let client = Launch::new("http://127.0.0.1:9").root(&root).start().await;
    let tools = client.list_all_tools().await.expect("tools/list");
    let update = tools
        .iter()
        .find(|t| t.name == "update_item")
        .expect("served");
    assert_eq!(
        update.input_schema.get("required"),
        Some(&json!(["projectId", "itemId"]))
    );
    assert!(tools.iter().any(|t| t.name == "example_get_item"));
    client.cancel().await.ok();
}

#[test]
fn completions_for_each_shell_and_a_version_with_its_commit() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = run(&["completions", shell]);
        assert!(o.status.success(), "{shell}: {}", err(&o));
        let script = out(&o);
        assert!(script.contains("layerops-mcp"), "{shell}");
        assert!(
            script.contains("install") && script.contains("openapi"),
            "{shell}"
        );
    }
    let o = run(&["--version"]);
    let version = out(&o);
    assert!(
        version.starts_with(&format!("layerops-mcp {} (", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo_root())
        .output();
    if let Ok(head) = head
        && head.status.success()
    {
        let head = String::from_utf8_lossy(&head.stdout).trim().to_owned();
        assert!(version.contains(&head), "{version} names {head}");
    }
}

#[test]
fn install_merges_into_a_clients_file_with_a_backup_and_never_writes_the_key_unasked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("mcp.json");
    let other =
        json!({"mcpServers": {"github": {"command": "gh-mcp", "args": []}}, "theme": "dark"});
    std::fs::write(&config, other.to_string()).expect("write");
    std::fs::write(
        dir.path().join(".env"),
        "LAYEROPS_API_KEY_ID=LYPIDINSTALL0000000000000\nLAYEROPS_API_KEY_SECRET=s3cr3t-install-value\n",
    )
    .expect("write .env");
    let config_arg = config.display().to_string();
    let install = |client: &str, extra: &[&str]| {
        let mut args = vec!["install", client, "--config", &config_arg];
        args.extend_from_slice(extra);
        run_in(&args, dir.path(), &[])
    };
    // --print writes nothing.
    let o = install(
        "cursor",
        &["--print", "--read-only", "--toolsets", "services,events"],
    );
    assert!(o.status.success(), "{}", err(&o));
    let printed = json_of(&o);
    assert_eq!(
        printed["mcpServers"]["layerops"]["args"],
        json!(["serve", "--read-only", "--toolsets", "services,events"])
    );
    assert_eq!(
        std::fs::read_to_string(&config).expect("read"),
        other.to_string()
    );

    let o = install(
        "cursor",
        &[
            "--sandbox",
            "--env",
            "LAYEROPS_API_BASE_URL=http://127.0.0.1:4010",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&config).expect("read")).expect("JSON");
    assert_eq!(
        written["mcpServers"]["github"],
        other["mcpServers"]["github"]
    );
    assert_eq!(written["theme"], "dark");
    let entry = &written["mcpServers"]["layerops"];
    assert!(
        entry["command"]
            .as_str()
            .expect("command")
            .ends_with("layerops-mcp")
    );
    assert_eq!(entry["args"], json!(["serve", "--sandbox"]));
    assert_eq!(
        entry["env"],
        json!({"LAYEROPS_API_BASE_URL": "http://127.0.0.1:4010"})
    );
    let backup: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("mcp.json.bak")).expect("a backup"),
    )
    .expect("JSON");
    assert_eq!(backup, other);
    assert!(
        !std::fs::read_to_string(&config)
            .expect("read")
            .contains("s3cr3t")
    );

    // The key on the command line is refused; from .env only when asked.
    let o = install(
        "claude-desktop",
        &["--env", "LAYEROPS_API_KEY_SECRET=s3cr3t-install-value"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("--env-from-dotenv") && !err(&o).contains("s3cr3t"),
        "{}",
        err(&o)
    );
    let o = install("claude-desktop", &["--env-from-dotenv"]);
    assert!(o.status.success(), "{}", err(&o));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&config).expect("read")).expect("JSON");
    assert_eq!(
        written["mcpServers"]["layerops"]["env"]["LAYEROPS_API_KEY_SECRET"],
        "s3cr3t-install-value"
    );
    assert!(
        dir.path().join("mcp.json.bak2").is_file(),
        "every backup is kept"
    );

    // A .env line that does not parse is reported without its text (it may hold the key).
    std::fs::write(
        dir.path().join(".env"),
        "LAYEROPS_API_KEY_ID=LYPIDINSTALL0000000000000\nLAYEROPS_API_KEY_SECRET='s3cr3t-unclosed\n",
    )
    .expect("write .env");
    let o = install("cursor", &["--env-from-dotenv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("not NAME=VALUE") && !err(&o).contains("s3cr3t"),
        "{}",
        err(&o)
    );

    // VS Code asks for the key with its own secret input.
    let vscode = dir.path().join("vscode.json");
    let o = run_in(
        &[
            "install",
            "vscode",
            "--config",
            &vscode.display().to_string(),
        ],
        dir.path(),
        &[],
    );
    assert!(o.status.success(), "{}", err(&o));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&vscode).expect("read")).expect("JSON");
    assert_eq!(written["servers"]["layerops"]["type"], "stdio");
    assert_eq!(
        written["servers"]["layerops"]["env"]["LAYEROPS_API_KEY_SECRET"],
        "${input:layerops-key-secret}"
    );
    assert!(
        written["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .any(|i| i["id"] == "layerops-key-secret" && i["password"] == true)
    );

    // A file that is not JSON is left alone.
    std::fs::write(&config, "{ not json").expect("write");
    let o = install("cursor", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("not valid JSON"), "{}", err(&o));
    assert_eq!(
        std::fs::read_to_string(&config).expect("read"),
        "{ not json"
    );
}

/// Another API's content names its own secrets with `secret()`: install treats those as it
/// treats the LayerOps key (refused on the command line, copied from .env only when asked,
/// prompted for by VS Code), and pins the content root `serve` would find in the folder.
#[test]
fn install_keeps_the_secrets_a_custom_root_reads_out_of_the_file_and_pins_the_root() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("acme");
    std::fs::create_dir_all(root.join("registry")).expect("mkdir");
    std::fs::write(
        root.join("registry/_server.yaml"),
        "name: acme\nupstream:\n  base_url: https://api.acme.example\n  headers:\n    Authorization: \"Bearer {{ secret('ACME_TOKEN') }}\"\n",
    )
    .expect("write _server.yaml");
    let config = dir.path().join("mcp.json");
    let config_arg = config.display().to_string();
    let root_arg = root.display().to_string();
    let install = |cwd: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["install", "cursor", "--config", &config_arg];
        args.extend_from_slice(extra);
        run_in(&args, cwd, &[])
    };

    let o = install(
        dir.path(),
        &["--root", &root_arg, "--env", "ACME_TOKEN=tok-s3cr3t"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("ACME_TOKEN") && !err(&o).contains("s3cr3t"),
        "{}",
        err(&o)
    );
    assert!(!config.exists(), "nothing written");
    let o = install(dir.path(), &["--root", &root_arg, "--env", "=x"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let o = install(dir.path(), &["--root", &root_arg, "--name", " "]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("--name"), "{}", err(&o));

    // Run in the root itself, without --root: the client gets that root, written out, and
    // is told which secret to give it.
    let o = install(&root, &[]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("ACME_TOKEN"), "{}", err(&o));
    assert!(!err(&o).contains("LAYEROPS_API_KEY"), "{}", err(&o));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&config).expect("read")).expect("JSON");
    let canonical = root
        .canonicalize()
        .expect("canonical")
        .display()
        .to_string();
    assert_eq!(
        written["mcpServers"]["layerops"]["args"],
        json!(["serve", "--root", canonical])
    );
    assert!(written["mcpServers"]["layerops"].get("env").is_none());

    // From .env only when asked, and only what the content reads.
    std::fs::write(
        root.join(".env"),
        "ACME_TOKEN=tok-s3cr3t\nLAYEROPS_API_KEY_SECRET=not-this-one\n",
    )
    .expect("write .env");
    let o = install(&root, &["--env-from-dotenv"]);
    assert!(o.status.success(), "{}", err(&o));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&config).expect("read")).expect("JSON");
    assert_eq!(
        written["mcpServers"]["layerops"]["env"],
        json!({"ACME_TOKEN": "tok-s3cr3t"})
    );

    // VS Code prompts for it, hidden.
    let vscode = dir.path().join("vscode.json");
    let o = run_in(
        &[
            "install",
            "vscode",
            "--config",
            &vscode.display().to_string(),
            "--root",
            &root_arg,
        ],
        dir.path(),
        &[],
    );
    assert!(o.status.success(), "{}", err(&o));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&vscode).expect("read")).expect("JSON");
    assert_eq!(
        written["servers"]["layerops"]["env"],
        json!({"ACME_TOKEN": "${input:acme-token}"})
    );
    assert_eq!(
        written["inputs"],
        json!([{"type": "promptString", "id": "acme-token", "description": "ACME_TOKEN (a secret of the server)", "password": true}])
    );
}

/// Global options (`--log-level`, `--log-format`...) go before or after the command, as in
/// most command lines; an option of `serve` given before another command is refused with
/// where it belongs, since that command would ignore it.
#[test]
fn global_options_go_before_or_after_the_command_and_serve_options_only_with_serve() {
    let root = repo_root();
    let root = root.display().to_string();
    for args in [
        vec!["--log-level", "debug", "list", "--root", &root],
        vec!["list", "--log-level", "debug", "--root", &root],
        vec!["--log-format", "json", "check", "--root", &root],
    ] {
        let o = run(&args);
        assert!(o.status.success(), "{args:?}: {}", err(&o));
    }
    // Where the option goes changes nothing: the sandbox's warning is a JSON line either way.
    for args in [
        vec![
            "--log-format",
            "json",
            "serve",
            "--sandbox",
            "--no-watch",
            "--root",
            &root,
        ],
        vec![
            "serve",
            "--log-format",
            "json",
            "--sandbox",
            "--no-watch",
            "--root",
            &root,
        ],
    ] {
        let o = run(&args);
        let first = err(&o).lines().next().unwrap_or_default().to_owned();
        let line: Value = serde_json::from_str(&first)
            .unwrap_or_else(|e| panic!("{args:?}: a JSON log line, not {first:?}: {e}"));
        assert_eq!(line["level"], "WARN", "{first}");
    }
    let o = run(&["--sandbox", "list", "--root", &root]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("--sandbox is an option of `serve`, not of `list`"),
        "{}",
        err(&o)
    );
}
