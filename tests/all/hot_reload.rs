//! Hot reload with the real binary and rmcp's client: edits of every kind reach the client,
//! a broken file never takes anything down, and only real changes are announced.

// resources/subscribe is deprecated only from the 2026-07-28 protocol on; legacy sessions use it.
#![allow(deprecated)]

use std::time::Duration;

use crate::common::http::{MockApi, Reply};
use crate::common::recorder::{Note, Recorder};
use crate::common::*;
use rmcp::model::{
    ReadResourceRequestParams, ResourceContents, SubscribeRequestParams, SubscriptionFilter,
};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);
/// Long enough for a reload to have happened if one was going to.
const QUIET: Duration = Duration::from_millis(1500);

fn tool(name: &str, description: &str) -> String {
    format!(
        "name: {name}\ndescription: {description}\ninput: {{ type: object }}\nrequest: {{ method: GET, path: /{name} }}\n"
    )
}

fn root() -> TempRoot {
    let root = TempRoot::standard();
    root.write(
        "registry/items/alpha.yaml",
        &tool("alpha", "First version."),
    );
    root.write(
        "resources/guide.md",
        "---\nuri: test://guide\nname: guide\n---\n# Guide v1\n",
    );
    root.write(
        "resources/other.md",
        "---\nuri: test://other\nname: other\n---\n# Other v1\n",
    );
    root.write("prompts/hello.j2", "---\nname: hello\n---\nHello.\n");
    root
}

async fn start(
    root: &TempRoot,
) -> (
    rmcp::service::RunningService<rmcp::RoleClient, Recorder>,
    Recorder,
) {
    let recorder = Recorder::default();
    let client = Launch::new("http://127.0.0.1:9")
        .root(root.path())
        .start_with(recorder.clone())
        .await;
    // Let the watcher settle in before the first edit.
    tokio::time::sleep(Duration::from_millis(300)).await;
    (client, recorder)
}

async fn description(client: &rmcp::Peer<rmcp::RoleClient>, name: &str) -> Option<String> {
    client
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .find(|t| t.name == name)
        .and_then(|t| t.description.map(|d| d.to_string()))
}

/// Waits until tool `name` is listed with `expected` as its description.
async fn wait_for_description(client: &rmcp::Peer<rmcp::RoleClient>, name: &str, expected: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while description(client, name).await.as_deref() != Some(expected) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "`{name}` is not served with the description {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The status resource, as text.
async fn status_text(client: &rmcp::Peer<rmcp::RoleClient>) -> String {
    let status = client
        .read_resource(ReadResourceRequestParams::new("layerops-mcp://status"))
        .await
        .expect("status");
    format!("{:?}", status.contents)
}

#[tokio::test]
async fn atomic_saves_in_place_writes_and_deletions_reach_the_client() {
    let root = root();
    let (client, recorder) = start(&root).await;

    // Editor-style atomic save: write a temp file, rename it over the original.
    let target = root.path().join("registry/items/alpha.yaml");
    let temp = root.path().join("registry/items/.alpha.yaml.tmp");
    std::fs::write(&temp, tool("alpha", "Second version.")).expect("write temp");
    std::fs::rename(&temp, &target).expect("rename");
    assert!(
        recorder.wait_for(WAIT, |n| *n == Note::Tools).await,
        "atomic save announced"
    );
    assert_eq!(
        description(&client, "alpha").await.as_deref(),
        Some("Second version.")
    );

    recorder.clear();
    std::fs::write(&target, tool("alpha", "Third version.")).expect("write in place");
    assert!(
        recorder.wait_for(WAIT, |n| *n == Note::Tools).await,
        "in-place write announced"
    );
    assert_eq!(
        description(&client, "alpha").await.as_deref(),
        Some("Third version.")
    );

    recorder.clear();
    std::fs::remove_file(&target).expect("delete");
    assert!(
        recorder.wait_for(WAIT, |n| *n == Note::Tools).await,
        "deletion announced"
    );
    assert!(tool_names(&client).await.is_empty());
    let err = client
        .call_tool(rmcp::model::CallToolRequestParams::new("alpha"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown tool `alpha`"), "{err}");
    client.cancel().await.ok();
}

#[tokio::test]
async fn new_subfolders_and_prompts_are_picked_up() {
    let root = root();
    let (client, recorder) = start(&root).await;
    root.write(
        "registry/newset/deep/beta.yaml",
        &tool("beta", "In a new folder."),
    );
    assert!(recorder.wait_for(WAIT, |n| *n == Note::Tools).await);
    assert_eq!(tool_names(&client).await, vec!["alpha", "beta"]);
    // A later write in the new folder is seen too: the watch covers it.
    root.write(
        "registry/newset/deep/beta.yaml",
        &tool("beta", "Edited in the new folder."),
    );
    assert!(
        recorder
            .wait_for(WAIT, |_| recorder.count(&Note::Tools) >= 2)
            .await
    );
    assert_eq!(
        description(&client, "beta").await.as_deref(),
        Some("Edited in the new folder.")
    );

    root.write("prompts/bye.j2", "---\nname: bye\n---\nBye.\n");
    assert!(recorder.wait_for(WAIT, |n| *n == Note::Prompts).await);
    let prompts: Vec<String> = client
        .list_all_prompts()
        .await
        .expect("prompts")
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(prompts, vec!["bye", "hello"]);
    client.cancel().await.ok();
}

/// A reload reads again only the paths the watcher names: folders moved or removed whole
/// must still take their tools with them.
#[tokio::test]
async fn folders_renamed_or_removed_whole_take_their_tools_along() {
    let root = root();
    root.write("registry/extra/gamma.yaml", &tool("gamma", "Extra."));
    root.write("registry/extra/deep/delta.yaml", &tool("delta", "Deeper."));
    let (client, recorder) = start(&root).await;
    assert_eq!(tool_names(&client).await, vec!["alpha", "delta", "gamma"]);

    std::fs::rename(
        root.path().join("registry/extra"),
        root.path().join("registry/moved"),
    )
    .expect("rename the folder");
    // The tools are the same, read from the new folder: editing them there is seen, and no
    // stale copy from the old folder clashes with them.
    root.write(
        "registry/moved/gamma.yaml",
        &tool("gamma", "Moved and edited."),
    );
    wait_for_description(&client, "gamma", "Moved and edited.").await;
    assert_eq!(tool_names(&client).await, vec!["alpha", "delta", "gamma"]);
    let text = status_text(&client).await;
    assert!(text.contains("Every file loaded without error."), "{text}");

    recorder.clear();
    std::fs::remove_dir_all(root.path().join("registry/moved")).expect("remove the folder");
    assert!(recorder.wait_for(WAIT, |n| *n == Note::Tools).await);
    let deadline = tokio::time::Instant::now() + WAIT;
    while tool_names(&client).await != vec!["alpha"] {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the removed folder's tools are still listed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client.cancel().await.ok();
}

#[tokio::test]
async fn a_broken_file_keeps_its_last_good_version_until_fixed() {
    let root = root();
    let (client, recorder) = start(&root).await;
    let status = || {
        let client = &client;
        async move {
            let read = client
                .read_resource(ReadResourceRequestParams::new("layerops-mcp://status"))
                .await
                .expect("status");
            let ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else {
                panic!("text")
            };
            text.clone()
        }
    };
    client
        .subscribe(SubscribeRequestParams::new("layerops-mcp://status"))
        .await
        .expect("subscribe");
    assert!(status().await.contains("Every file loaded without error"));

    root.write(
        "registry/items/alpha.yaml",
        "name: alpha\ndescription: \"unclosed\n",
    );
    assert!(
        recorder
            .wait_for(
                WAIT,
                |n| matches!(n, Note::Log(m) if m.contains("registry/items/alpha.yaml:3:1:"))
            )
            .await,
        "the error reaches the client's log: {:?}",
        recorder.notes()
    );
    assert!(
        recorder
            .wait_for(WAIT, |n| *n
                == Note::Updated("layerops-mcp://status".into()))
            .await
    );
    let text = status().await;
    assert!(
        text.contains("registry/items/alpha.yaml:3:1")
            && text.contains("its last good version is served"),
        "{text}"
    );
    assert_eq!(
        description(&client, "alpha").await.as_deref(),
        Some("First version."),
        "the last good version stays in service"
    );
    assert_eq!(
        recorder.count(&Note::Tools),
        0,
        "the served list did not change"
    );

    recorder.clear();
    root.write("registry/items/alpha.yaml", &tool("alpha", "Fixed."));
    assert!(recorder.wait_for(WAIT, |n| *n == Note::Tools).await);
    assert!(
        recorder
            .wait_for(
                WAIT,
                |n| matches!(n, Note::Log(m) if m.contains("loads again"))
            )
            .await,
        "{:?}",
        recorder.notes()
    );
    assert_eq!(
        description(&client, "alpha").await.as_deref(),
        Some("Fixed.")
    );
    assert!(status().await.contains("Every file loaded without error"));

    // A new file that is broken from the start is not served, and says why.
    root.write("registry/items/gamma.yaml", "name: gamma\n");
    assert!(recorder.wait_for(WAIT, |n| matches!(n, Note::Log(m) if m.contains("gamma.yaml") && m.contains("not served"))).await, "{:?}", recorder.notes());
    assert_eq!(tool_names(&client).await, vec!["alpha"]);
    client.cancel().await.ok();
}

#[tokio::test]
async fn identical_saves_announce_nothing() {
    let root = root();
    let (client, recorder) = start(&root).await;
    root.write(
        "registry/items/alpha.yaml",
        &tool("alpha", "First version."),
    );
    root.write(
        "resources/guide.md",
        "---\nuri: test://guide\nname: guide\n---\n# Guide v1\n",
    );
    tokio::time::sleep(QUIET).await;
    assert!(recorder.notes().is_empty(), "{:?}", recorder.notes());
    // The watcher is alive: a real change is announced.
    root.write("registry/items/alpha.yaml", &tool("alpha", "Changed."));
    assert!(recorder.wait_for(WAIT, |n| *n == Note::Tools).await);
    client.cancel().await.ok();
}

/// A root large enough that the server reads its tool files as it parses them
/// (`DEFER_TOOL_TEXTS_FROM`, 256): everything loads, a document may name any of them, an
/// unreadable one is reported, and edits reach the client as in a small root.
#[tokio::test]
async fn a_large_root_read_while_parsed_serves_every_tool_and_reports_what_it_cannot_read() {
    let root = root();
    for i in 0..300 {
        root.write(
            &format!("registry/many{}/tool_{i:03}.yaml", i % 3),
            &tool(&format!("many_{i:03}"), "One of many."),
        );
    }
    std::fs::write(root.path().join("registry/many1/bad.yaml"), [0xff, 0xfe]).expect("write");
    root.write(
        "resources/many.md",
        "---\nuri: test://many\nname: many\n---\nCall many_299 first, then many_999.\n",
    );
    let (client, recorder) = start(&root).await;
    assert_eq!(tool_names(&client).await.len(), 301);
    let text = status_text(&client).await;
    assert!(
        text.contains("registry/many1/bad.yaml") && text.contains("not valid UTF-8"),
        "{text}"
    );
    assert!(text.contains("many_999"), "{text}");
    assert!(!text.contains("`many_299`"), "{text}");

    root.write("registry/many2/tool_299.yaml", &tool("many_299", "Edited."));
    assert!(recorder.wait_for(WAIT, |n| *n == Note::Tools).await);
    wait_for_description(&client, "many_299", "Edited.").await;
    // Still reported after a rebuild that did not read it again.
    let text = status_text(&client).await;
    assert!(text.contains("registry/many1/bad.yaml"), "{text}");
    client.cancel().await.ok();
}

#[tokio::test]
async fn a_burst_of_500_writes_is_one_reload() {
    let root = root();
    let (client, recorder) = start(&root).await;
    for i in 0..500 {
        root.write(
            &format!("registry/burst/tool_{i:03}.yaml"),
            &tool(&format!("burst_{i:03}"), "One of many."),
        );
    }
    assert!(recorder.wait_for(WAIT, |n| *n == Note::Tools).await);
    tokio::time::sleep(QUIET).await;
    assert_eq!(recorder.count(&Note::Tools), 1, "{:?}", recorder.notes());
    assert_eq!(tool_names(&client).await.len(), 501);
    client.cancel().await.ok();
}

#[tokio::test]
async fn subscribed_resources_are_told_of_their_own_changes() {
    let root = root();
    let (client, recorder) = start(&root).await;
    client
        .subscribe(SubscribeRequestParams::new("test://guide"))
        .await
        .expect("subscribe");
    root.write(
        "resources/other.md",
        "---\nuri: test://other\nname: other\n---\n# Other v2\n",
    );
    root.write(
        "resources/guide.md",
        "---\nuri: test://guide\nname: guide\n---\n# Guide v2\n",
    );
    assert!(
        recorder
            .wait_for(WAIT, |n| *n == Note::Updated("test://guide".into()))
            .await
    );
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        recorder.count(&Note::Updated("test://other".into())),
        0,
        "not subscribed"
    );
    assert_eq!(
        recorder.count(&Note::Resources),
        0,
        "the list did not change"
    );
    let read = client
        .read_resource(ReadResourceRequestParams::new("test://guide"))
        .await
        .expect("read");
    let ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else {
        panic!("text")
    };
    assert_eq!(text, "# Guide v2\n");
    let err = client
        .subscribe(SubscribeRequestParams::new("not a uri"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("is not a URI"), "{err}");
    // A resource that does not exist yet can be subscribed to: its creation is announced.
    client
        .subscribe(SubscribeRequestParams::new("test://new"))
        .await
        .expect("subscribe ahead");

    recorder.clear();
    root.write(
        "resources/new.md",
        "---\nuri: test://new\nname: new\n---\n# New\n",
    );
    assert!(
        recorder
            .wait_for(WAIT, |n| *n == Note::Updated("test://new".into()))
            .await
    );
    assert!(recorder.wait_for(WAIT, |n| *n == Note::Resources).await);
    client.cancel().await.ok();
}

#[tokio::test]
async fn calls_in_flight_finish_on_the_definition_they_started_with() {
    let api = MockApi::start(|r, _| {
        let answer = Reply::json(
            200,
            json!({"old": "old definition", "new": "new definition"}),
        );
        if r.target == "/slow" {
            Reply::Delay(Duration::from_millis(1500), Box::new(answer))
        } else {
            answer
        }
    })
    .await;
    let root = root();
    let slow = |select: &str, description: &str| {
        format!(
            "name: slow\ndescription: {description}\ninput: {{ type: object }}\nrequest: {{ method: GET, path: /slow }}\nresponse: {{ select: {select} }}\n"
        )
    };
    root.write("registry/items/slow.yaml", &slow("/old", "Before."));
    let recorder = Recorder::default();
    let client = Launch::new(&api.base_url)
        .root(root.path())
        .start_with(recorder.clone())
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let in_flight = tokio::spawn({
        let peer = client.peer().clone();
        async move { call(&peer, "slow", json!({})).await }
    });
    while api.requests().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    root.write("registry/items/slow.yaml", &slow("/new", "After."));
    assert!(
        recorder.wait_for(WAIT, |n| *n == Note::Tools).await,
        "the reload happened during the call"
    );
    let first = in_flight.await.expect("join");
    assert_eq!(
        text(&first),
        "\"old definition\"",
        "the call finished on its own definition"
    );
    let second = call(&client, "slow", json!({})).await;
    assert_eq!(text(&second), "\"new definition\"");
    client.cancel().await.ok();
}

#[tokio::test]
async fn no_watch_serves_the_files_as_they_were() {
    let root = root();
    let recorder = Recorder::default();
    let client = Launch::new("http://127.0.0.1:9")
        .root(root.path())
        .arg("--no-watch")
        .start_with(recorder.clone())
        .await;
    // The content is read once, after `initialize` is answered: a list waits for it.
    assert_eq!(
        description(&client, "alpha").await.as_deref(),
        Some("First version.")
    );
    root.write("registry/items/alpha.yaml", &tool("alpha", "Changed."));
    tokio::time::sleep(QUIET).await;
    assert!(recorder.notes().is_empty());
    assert_eq!(
        description(&client, "alpha").await.as_deref(),
        Some("First version.")
    );
    client.cancel().await.ok();
}

#[tokio::test]
async fn clients_on_2026_07_28_hear_through_subscriptions_listen() {
    let root = root();
    let client = Launch::new("http://127.0.0.1:9")
        .root(root.path())
        .start_2026(Recorder::default())
        .await;
    assert_eq!(
        client.peer().peer_info().expect("info").protocol_version,
        rmcp::model::ProtocolVersion::V_2026_07_28
    );
    let filter = SubscriptionFilter::builder()
        .tools_list_changed()
        .resource_subscriptions(["test://guide"])
        .build();
    let mut subscription = client.listen(filter).await.expect("subscriptions/listen");
    tokio::time::sleep(Duration::from_millis(300)).await;
    root.write("registry/items/alpha.yaml", &tool("alpha", "Changed."));
    let first = tokio::time::timeout(WAIT, subscription.next())
        .await
        .expect("a notification")
        .expect("stream")
        .expect("open");
    assert!(
        matches!(
            first,
            rmcp::model::ServerNotification::ToolListChangedNotification(_)
        ),
        "{first:?}"
    );
    root.write(
        "resources/guide.md",
        "---\nuri: test://guide\nname: guide\n---\n# Guide v3\n",
    );
    let second = tokio::time::timeout(WAIT, subscription.next())
        .await
        .expect("a notification")
        .expect("stream")
        .expect("open");
    match second {
        rmcp::model::ServerNotification::ResourceUpdatedNotification(n) => {
            assert_eq!(n.params.uri, "test://guide")
        }
        other => panic!("{other:?}"),
    }
    client.cancel().await.ok();
}

#[tokio::test]
#[allow(deprecated)] // logging/setLevel: deprecated only from the 2026-07-28 protocol on.
async fn the_client_log_level_filters_what_reloads_tell_it() {
    use rmcp::model::{LoggingLevel, SetLevelRequestParams, SubscribeRequestParams};
    let root = root();
    let (client, recorder) = start(&root).await;
    client
        .subscribe(SubscribeRequestParams::new("test://guide"))
        .await
        .expect("subscribe");
    // At `error`, a file that fails (a warning) is not told; the change itself is.
    client
        .set_level(SetLevelRequestParams::new(LoggingLevel::Error))
        .await
        .expect("setLevel");
    root.write(
        "resources/guide.md",
        "---\nuri: test://guide\nname: guide\n---\n# Guide v2\n",
    );
    root.write("registry/items/broken.yaml", "name: broken\n");
    assert!(
        recorder
            .wait_for(WAIT, |n| *n == Note::Updated("test://guide".into()))
            .await
    );
    tokio::time::sleep(QUIET).await;
    assert!(
        !recorder.notes().iter().any(|n| matches!(n, Note::Log(_))),
        "{:?}",
        recorder.notes()
    );
    // At `warning`, it is.
    client
        .set_level(SetLevelRequestParams::new(LoggingLevel::Warning))
        .await
        .expect("setLevel");
    root.write("registry/items/broken2.yaml", "name: broken2\n");
    assert!(
        recorder
            .wait_for(
                WAIT,
                |n| matches!(n, Note::Log(m) if m.contains("broken2.yaml"))
            )
            .await,
        "{:?}",
        recorder.notes()
    );
    client.cancel().await.ok();
}

#[cfg(unix)]
const SERVER: &str = "name: test-api\nupstream:\n  base_url: http://127.0.0.1:9\n";

#[cfg(unix)]
#[tokio::test]
async fn a_configmap_style_swap_of_the_content_is_served() {
    let dir = tempfile::tempdir().expect("dir");
    configmap_version(
        dir.path(),
        1,
        SERVER,
        &[("alpha", &tool("alpha", "First version."))],
    );
    let recorder = Recorder::default();
    let client = Launch::new("http://127.0.0.1:9")
        .root(dir.path())
        .start_with(recorder.clone())
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(tool_names(&client).await, vec!["alpha"]);
    // Each swap replaces every file at once: a changed tool, a new one, a removed one.
    configmap_version(
        dir.path(),
        2,
        SERVER,
        &[
            ("alpha", &tool("alpha", "Second version.")),
            ("beta", &tool("beta", "New.")),
        ],
    );
    assert!(recorder.wait_for(WAIT, |n| *n == Note::Tools).await);
    assert_eq!(tool_names(&client).await, vec!["alpha", "beta"]);
    assert_eq!(
        description(&client, "alpha").await.as_deref(),
        Some("Second version.")
    );
    // And the next swap too: the watch follows the new folder, not the removed one.
    recorder.clear();
    configmap_version(
        dir.path(),
        3,
        SERVER,
        &[("gamma", &tool("gamma", "Third."))],
    );
    assert!(recorder.wait_for(WAIT, |n| *n == Note::Tools).await);
    assert_eq!(tool_names(&client).await, vec!["gamma"]);
    client.cancel().await.ok();
}

/// A ConfigMap mounted as the `registry/` folder itself: each file a symlink through the
/// folder's own `..data`, so a changed file shows only as the swap of `..data`.
#[cfg(unix)]
fn configmap_folder_version(folder: &std::path::Path, version: u32, files: &[(&str, String)]) {
    let dir = folder.join(format!("..2026_11_25_{version:02}"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
    }
    let old = std::fs::read_link(folder.join("..data")).ok();
    let temp = folder.join("..data_tmp");
    std::os::unix::fs::symlink(dir.file_name().expect("name"), &temp).expect("symlink");
    std::fs::rename(&temp, folder.join("..data")).expect("swap");
    for (name, _) in files {
        let link = folder.join(name);
        if std::fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(format!("..data/{name}"), &link).expect("symlink");
        }
    }
    if let Some(old) = old {
        std::fs::remove_dir_all(folder.join(old)).expect("remove the old version");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn a_configmap_mounted_as_a_content_folder_is_followed() {
    let dir = tempfile::tempdir().expect("dir");
    let registry = dir.path().join("registry");
    std::fs::create_dir_all(&registry).expect("mkdir");
    configmap_folder_version(
        &registry,
        1,
        &[
            ("_server.yaml", SERVER.to_owned()),
            ("alpha.yaml", tool("alpha", "First version.")),
        ],
    );
    let recorder = Recorder::default();
    let client = Launch::new("http://127.0.0.1:9")
        .root(dir.path())
        .start_with(recorder.clone())
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(tool_names(&client).await, vec!["alpha"]);
    configmap_folder_version(
        &registry,
        2,
        &[
            ("_server.yaml", SERVER.to_owned()),
            ("alpha.yaml", tool("alpha", "Second version.")),
        ],
    );
    assert!(recorder.wait_for(WAIT, |n| *n == Note::Tools).await);
    assert_eq!(
        description(&client, "alpha").await.as_deref(),
        Some("Second version.")
    );
    recorder.clear();
    configmap_folder_version(
        &registry,
        3,
        &[
            ("_server.yaml", SERVER.to_owned()),
            ("alpha.yaml", tool("alpha", "Third version.")),
            ("beta.yaml", tool("beta", "New.")),
        ],
    );
    assert!(recorder.wait_for(WAIT, |n| *n == Note::Tools).await);
    assert_eq!(tool_names(&client).await, vec!["alpha", "beta"]);
    client.cancel().await.ok();
}
