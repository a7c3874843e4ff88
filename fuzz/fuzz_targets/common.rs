// Shared by the fuzz targets: a catalog built in memory from a few files.

use mcp_engine::Catalog;

pub const SERVER: &str = "name: fuzz\nupstream:\n  base_url: http://127.0.0.1:9/api\n  headers:\n    X-API-KEY: \"{{ secret('FUZZ_KEY') }}\"\n";

pub fn catalog(files: &[(&str, &str)]) -> Catalog {
    let mut all = vec![("registry/_server.yaml", SERVER)];
    all.extend_from_slice(files);
    mcp_engine::fuzzing::load(&all)
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
