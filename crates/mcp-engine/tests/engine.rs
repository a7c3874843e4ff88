//! The engine on its own: it knows no API. These tests use small fixture roots of their own,
//! never the content of a program that embeds the engine.

/// No product of an embedder is named inside the engine: not in code, comments or messages.
#[test]
fn the_engine_names_no_api_it_may_serve() {
    fn visit(dir: &std::path::Path, hits: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read the folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                visit(&path, hits);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "toml") {
                let text = std::fs::read_to_string(&path).expect("read the file");
                for (i, line) in text.lines().enumerate() {
                    if line.to_ascii_lowercase().contains(concat!("layer", "ops")) {
                        hits.push(format!("{}:{}: {line}", path.display(), i + 1));
                    }
                }
            }
        }
    }
    let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut hits = Vec::new();
    visit(&crate_dir.join("src"), &mut hits);
    visit(&crate_dir.join("tests"), &mut hits);
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).expect("manifest");
    assert!(
        !manifest
            .to_ascii_lowercase()
            .contains(concat!("layer", "ops"))
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

/// An engine built to load in the background, served over HTTP, loads before it answers:
/// HTTP clients are never held, so they must never see the stand-in.
#[tokio::test]
async fn a_background_engine_served_over_http_lists_its_tools() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let root = tempfile::tempdir().expect("temp dir");
    let registry = root.path().join("registry/items");
    std::fs::create_dir_all(&registry).expect("mkdir");
    std::fs::write(
        root.path().join("registry/_server.yaml"),
        "name: fixture\nupstream:\n  base_url: http://127.0.0.1:9\n",
    )
    .expect("write");
    std::fs::write(
        registry.join("read_item.yaml"),
        "name: read_item\ndescription: Reads the item.\ninput:\n  type: object\nrequest:\n  method: GET\n  path: /item\n",
    )
    .expect("write");
    let engine = mcp_engine::Engine::builder("fixture-mcp", "0.0.0")
        .content_root(root.path())
        .watch(false)
        .load_in_background(true)
        .build()
        .expect("built");
    assert!(
        engine.catalog().tool_counts().0 == 0,
        "a stand-in until served"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let stop = tokio_util::sync::CancellationToken::new();
    let serving = tokio::spawn(engine.serve_http(
        listener,
        mcp_engine::Access::loopback_and(&[], &[]),
        stop.clone(),
    ));
    let body = r#"{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"0"}}}}"#;
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/list\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let answer = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        // The port may be bound before the content has loaded: retry until it answers.
        loop {
            if let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await {
                stream.write_all(request.as_bytes()).await.expect("send");
                let mut answer = String::new();
                if stream.read_to_string(&mut answer).await.is_ok() && !answer.is_empty() {
                    return answer;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("answered in time");
    stop.cancel();
    let _ = serving.await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("read_item"), "{answer}");
}
