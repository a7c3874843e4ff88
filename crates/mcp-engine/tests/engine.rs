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
