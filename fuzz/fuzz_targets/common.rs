// Shared by the fuzz targets: a catalog built in memory from a few files.

use std::sync::Arc;

use mcp_engine::catalog::{Catalog, LoadOptions, build};
use mcp_engine::source::{ContentSource, SourceFile};

pub const SERVER: &str = "name: fuzz\nupstream:\n  base_url: http://127.0.0.1:9/api\n  headers:\n    X-API-KEY: \"{{ secret('FUZZ_KEY') }}\"\n";

pub fn file(path: &str, text: &str) -> SourceFile {
    SourceFile {
        path: path.to_owned(),
        text: Arc::from(text),
    }
}

pub fn catalog(files: &[SourceFile]) -> Catalog {
    let mut all = vec![file("registry/_server.yaml", SERVER)];
    all.extend_from_slice(files);
    build(ContentSource::Embedded(&[]), &all, &[], &LoadOptions::default())
}

/// Splits fuzz input in `n` texts at 0xFF bytes (never part of UTF-8).
pub fn parts(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data
        .splitn(n, |b| *b == 0xFF)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    out.resize(n, String::new());
    out
}
