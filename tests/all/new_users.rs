//! Traps a new user fell into: the folder a client starts the server in, toolset names,
//! selections that select nothing, errors that must say what to do, and schema slips that
//! `check` must catch.

use std::process::{Command, Output, Stdio};

use crate::common::http::{MockApi, Reply};
use crate::common::*;
use rmcp::model::CallToolRequestParams;
use serde_json::json;

pub(crate) fn run(args: &[&str], cwd: &std::path::Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(bin());
    command
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .env_remove("LAYEROPS_API_BASE_URL")
        .env_remove("LAYEROPS_API_KEY_ID")
        .env_remove("LAYEROPS_API_KEY_SECRET")
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run the binary")
}

fn all_output(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `check --root` of `root`: its output, and stdout and stderr as one text.
fn check(root: &TempRoot) -> (Output, String) {
    let out = run(
        &["check", "--root", &root.path().display().to_string()],
        &std::env::temp_dir(),
        &[],
    );
    let text = all_output(&out);
    (out, text)
}

/// A launch without `--root`, from `cwd`.
fn from_folder(cwd: &std::path::Path, base_url: &str) -> Launch {
    let mut launch = Launch::shipped(base_url).cwd(cwd);
    launch.args = vec!["serve".into(), "--no-watch".into()];
    launch
}

#[tokio::test]
async fn a_project_folder_with_resources_or_prompts_is_not_taken_for_a_content_root() {
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(project.path().join("resources")).expect("mkdir");
    std::fs::create_dir_all(project.path().join("prompts")).expect("mkdir");
    std::fs::write(project.path().join("resources/notes.md"), "# my notes\n").expect("write");
    let client = from_folder(project.path(), "http://127.0.0.1:9")
        .start()
        .await;
    let names = tool_names(&client).await;
    assert!(
        names.contains(&"layerops_list_projects".to_owned()),
        "{names:?}"
    );
    client.cancel().await.ok();

    // A folder that really is a content root is served from disk.
    let root = TempRoot::standard();
    root.write(
        "registry/a.yaml",
        "name: alpha\ndescription: Alpha.\ninput: { type: object }\nrequest: { method: GET, path: /alpha }\n",
    );
    let client = from_folder(root.path(), "http://127.0.0.1:9").start().await;
    assert_eq!(tool_names(&client).await, vec!["alpha"]);
    client.cancel().await.ok();
}

#[test]
fn toolset_names_default_and_all_and_selections_that_select_nothing() {
    let cwd = std::env::temp_dir();
    let root = repo_root().display().to_string();
    let serve = |extra: &[&str]| {
        let mut args = vec!["serve", "--no-watch", "--root", root.as_str()];
        args.extend_from_slice(extra);
        run(&args, &cwd, &[])
    };
    let list = |extra: &[&str]| {
        let mut args = vec!["list", "--root", root.as_str()];
        args.extend_from_slice(extra);
        let out = run(&args, &cwd, &[]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // `default` plus one toolset: the unconfirmed tools join the usual ones.
    let listed = list(&["--toolsets", "default,unconfirmed"]);
    assert!(!listed.contains("NOT SERVED"), "{listed}");
    let listed = list(&["--toolsets", "all"]);
    assert!(!listed.contains("NOT SERVED"), "{listed}");
    let listed = list(&[]);
    assert!(listed.contains("NOT SERVED"), "{listed}");

    let out = serve(&["--toolsets", "nope"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let text = all_output(&out);
    assert!(text.contains("`nope`, which is not a toolset"), "{text}");
    assert!(
        text.contains("default (the toolsets on by default)"),
        "{text}"
    );
    assert!(text.contains("unconfirmed (off by default)"), "{text}");

    let out = serve(&["--tools", "layerops_nothing*"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        all_output(&out).contains("matches no tool; the tools are: layerops_"),
        "{}",
        all_output(&out)
    );

    // Naming a tool of a toolset that is off does not switch the toolset on silently.
    let out = serve(&["--tools", "layerops_get_instance"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        all_output(&out).contains("--toolsets default,unconfirmed"),
        "{}",
        all_output(&out)
    );

    // A selection that leaves nothing at all.
    let only_posts = TempRoot::standard();
    only_posts.write(
        "registry/p.yaml",
        "name: create\ndescription: Creates.\ninput: { type: object }\nrequest: { method: POST, path: /x }\n",
    );
    let p = only_posts.path().display().to_string();
    let out = run(
        &["serve", "--no-watch", "--root", &p, "--read-only"],
        &cwd,
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        all_output(&out).contains("no tool would be served"),
        "{}",
        all_output(&out)
    );

    // `call` of a tool in a toolset that is off: done, and said.
    let out = run(
        &[
            "call",
            "layerops_get_instance",
            "--root",
            &root,
            "--dry-run",
            "--args",
            r#"{"instancePoolId": "9b2f1c3e-5d4a-4f6b-8c7d-1e2f3a4b5c6d", "instanceId": "9b2f1c3e-5d4a-4f6b-8c7d-1e2f3a4b5c6d"}"#,
        ],
        &cwd,
        &[],
    );
    let text = all_output(&out);
    assert!(text.contains("\"dryRun\": true"), "{text}");
    assert!(
        text.contains(
            "note: layerops_get_instance is in the toolset `unconfirmed`, which is off by default"
        ),
        "{text}"
    );
}

#[test]
fn a_wrong_api_address_is_blamed_on_the_variable_that_holds_it() {
    let cwd = tempfile::tempdir().expect("temp dir");
    let out = run(
        &["call", "layerops_list_projects"],
        cwd.path(),
        &[
            ("LAYEROPS_API_BASE_URL", "api.layerops.io"),
            ("LAYEROPS_API_KEY_ID", KEY_ID),
            ("LAYEROPS_API_KEY_SECRET", KEY_SECRET),
        ],
    );
    let text = all_output(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("environment variable LAYEROPS_API_BASE_URL"),
        "{text}"
    );
    assert!(text.contains("such as https://"), "{text}");
    assert!(
        !text.contains("_server.yaml:"),
        "a file the user does not have: {text}"
    );

    let out = run(&["serve", "--http", "localhost"], cwd.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        all_output(&out).contains("has no port; give an address and a port"),
        "{}",
        all_output(&out)
    );
}

#[tokio::test]
async fn a_tool_whose_file_failed_to_load_is_not_called_unknown() {
    let root = TempRoot::standard();
    root.write(
        "registry/ok.yaml",
        "name: fine\ndescription: Fine.\ninput: { type: object }\nrequest: { method: GET, path: /fine }\n",
    );
    root.write(
        "registry/broken.yaml",
        "name: broken_tool\ndescription: Broken.\ninput: { type: object }\nrequest: { method: GET, path: \"/x/{{ nothing }}\" }\n",
    );
    root.write(
        "registry/syntax.yaml",
        "name: bad_syntax\ndescription: \"open\n",
    );
    let client = Launch::shipped("http://127.0.0.1:9")
        .root(root.path())
        .start()
        .await;
    for (tool, file) in [
        ("broken_tool", "registry/broken.yaml:4:"),
        ("bad_syntax", "registry/syntax.yaml:"),
    ] {
        let err = client
            .call_tool(CallToolRequestParams::new(tool))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("failed to load") && err.contains(file),
            "{err}"
        );
    }
    client.cancel().await.ok();
}

#[test]
fn check_catches_schema_slips_at_any_depth_and_names_of_missing_tools() {
    let root = TempRoot::standard();
    // The slip shipped in update_instance_pool.yaml: an unquoted comma in a flow mapping.
    root.write(
        "registry/pool.yaml",
        "name: update_pool\ndescription: Updates a pool.\ninput:\n  type: object\n  properties:\n    instanceTypeUuid: { type: string, format: uuid, description: New machine type, from list_types for the pool's provider. }\nrequest: { method: PUT, path: /pool, body: args }\n",
    );
    root.write(
        "registry/deep.yaml",
        "name: deep\ndescription: Deep.\ninput:\n  type: object\n  properties:\n    items:\n      type: array\n      items:\n        type: object\n        propertiez: { a: { type: string } }\n        properties:\n          n: { type: integer, minimum: }\n  x-note: extensions are fine\nrequest: { method: POST, path: /deep, body: args }\n",
    );
    root.write(
        "registry/mention.yaml",
        "name: acme_mention\ndescription: Then call acme_mention_other.\ninput: { type: object }\nrequest: { method: GET, path: /m }\n",
    );
    let (out, text) = check(&root);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("registry/pool.yaml:6:") && text.contains("`from list_types for the pool's provider.` is not a JSON Schema keyword (in YAML, an unquoted comma"),
        "{text}"
    );
    assert!(
        text.contains("registry/deep.yaml:10:9: `propertiez` is not a JSON Schema keyword"),
        "{text}"
    );
    assert!(
        text.contains("registry/deep.yaml:12:") && text.contains("`minimum` has no value"),
        "{text}"
    );
    assert!(!text.contains("x-note"), "{text}");
    assert!(
        text.contains("registry/mention.yaml:2:") && text.contains("`acme_mention_other`"),
        "{text}"
    );

    // The mention is advisory: the tool is still served.
    let out = run(
        &["list", "--root", &root.path().display().to_string()],
        &std::env::temp_dir(),
        &[],
    );
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("acme_mention") && !listed.contains("update_pool"),
        "{listed}"
    );
}

#[tokio::test]
async fn events_take_the_singular_resource_type_an_event_gives() {
    let api = MockApi::start(|_, _| Reply::json(200, json!([]))).await;
    let client = Launch::shipped(&api.base_url).start().await;
    for (kind, path) in [
        ("instancePool", "instancePools"),
        ("service", "services"),
        ("environments", "environments"),
    ] {
        let result = call(
            &client,
            "layerops_list_events",
            json!({"resourceType": kind, "resourceId": ENVIRONMENT}),
        )
        .await;
        assert!(!is_error(&result), "{}", text(&result));
        let last = api.requests().pop().expect("a request");
        assert_eq!(last.target, format!("/v1/{path}/{ENVIRONMENT}/events"));
    }
    client.cancel().await.ok();
}

#[tokio::test]
async fn a_get_answer_fed_back_into_update_is_refused_with_what_to_drop() {
    let client = Launch::shipped("http://127.0.0.1:9")
        .arg("--sandbox")
        .start()
        .await;
    let projects: serde_json::Value = serde_json::from_str(&text(
        &call(
            &client,
            "layerops_list_projects",
            json!({"includeEnvironments": true}),
        )
        .await,
    ))
    .expect("JSON");
    let mut service = None;
    for env in projects["workspaces"]
        .as_array()
        .expect("workspaces")
        .iter()
        .flat_map(|p| p["environments"].as_array().cloned().unwrap_or_default())
    {
        let listed = text(
            &call(
                &client,
                "layerops_list_services",
                json!({"environmentId": env["uuid"]}),
            )
            .await,
        );
        let services: serde_json::Value = serde_json::from_str(&listed).expect("JSON");
        // The list summarises: variables are in each service's own answer.
        for listed in services.as_array().into_iter().flatten() {
            let got: serde_json::Value = serde_json::from_str(&text(
                &call(
                    &client,
                    "layerops_get_service",
                    json!({"serviceId": listed["uuid"]}),
                )
                .await,
            ))
            .expect("JSON");
            if got["environmentVariables"]
                .as_array()
                .is_some_and(|vars| vars.iter().any(|v| v["isSensitive"] == json!(true)))
            {
                service = Some(listed["uuid"].as_str().expect("uuid").to_owned());
                break;
            }
        }
        if service.is_some() {
            break;
        }
    }
    let service = service.expect("the demo has a service with a sensitive variable");
    let got: serde_json::Value = serde_json::from_str(&text(
        &call(
            &client,
            "layerops_get_service",
            json!({"serviceId": service}),
        )
        .await,
    ))
    .expect("JSON");
    let mut update = got.as_object().expect("an object").clone();
    update.insert("serviceId".into(), json!(service));
    let result = call(
        &client,
        "layerops_update_service",
        serde_json::Value::Object(update.clone()),
    )
    .await;
    assert!(is_error(&result));
    let said = text(&result);
    assert!(
        said.contains("this tool does not take") && said.contains("`uuid`"),
        "{said}"
    );

    // Only the fields the update takes: the masked secret is what is refused now.
    let schema = client
        .list_all_tools()
        .await
        .expect("tools")
        .into_iter()
        .find(|t| t.name == "layerops_update_service")
        .expect("the update tool");
    let known = schema.input_schema["properties"]
        .as_object()
        .expect("properties")
        .clone();
    update.retain(|k, _| known.contains_key(k));
    let result = call(
        &client,
        "layerops_update_service",
        serde_json::Value::Object(update),
    )
    .await;
    assert!(is_error(&result));
    assert!(
        text(&result).contains("only holds a mask"),
        "{}",
        text(&result)
    );
    client.cancel().await.ok();
}

#[test]
fn a_catalogue_parsed_on_several_threads_reports_every_broken_file_at_its_line() {
    // Enough files that they are parsed on several threads (16 or more, on 2 cores or more).
    let root = TempRoot::standard();
    for i in 0..40 {
        let text = if i % 13 == 5 {
            format!(
                "name: tool_{i}\ndescription: Broken.\ninput: {{ type: object }}\nrequest:\n  method: GRAB\n  path: /t/{i}\n"
            )
        } else {
            format!(
                "name: tool_{i}\ndescription: Reads {i}.\ninput: {{ type: object }}\nrequest: {{ method: GET, path: /t/{i} }}\n"
            )
        };
        root.write(&format!("registry/many/t{i:02}.yaml"), &text);
    }
    let (out, text) = check(&root);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for broken in [5, 18, 31] {
        assert!(
            text.contains(&format!("registry/many/t{broken:02}.yaml:5:")),
            "{text}"
        );
    }
    let out = run(
        &["list", "--root", &root.path().display().to_string()],
        &std::env::temp_dir(),
        &[],
    );
    let listed = all_output(&out);
    assert!(
        listed.contains("tool_39") && listed.contains("tool_0 "),
        "{listed}"
    );
    assert!(!listed.contains("tool_18 "), "{listed}");
}
