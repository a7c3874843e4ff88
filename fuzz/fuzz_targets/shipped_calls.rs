//! Every shipped tool called with arbitrary JSON arguments: validation, then rendering of
//! its real templates.
#![no_main]

use std::sync::OnceLock;

use mcp_engine::call::validation_errors;
use mcp_engine::catalog::{Catalog, LoadOptions, build};
use mcp_engine::request::render::render;
use mcp_engine::source::ContentSource;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn shipped() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // The shipped content, read from the repository beside this crate.
        let source = ContentSource::Directory(concat!(env!("CARGO_MANIFEST_DIR"), "/..").into());
        let (files, errors) = source.read_all();
        let options = LoadOptions {
            matcher: mcp_engine::catalog::selection::Selection {
                toolsets: Some(vec!["all".to_owned()]),
                ..Default::default()
            }
            .matcher()
            .expect("the selection of every toolset"),
            ..Default::default()
        };
        let catalog = build(source, &files, &errors, &options);
        assert!(catalog.diagnostics.is_empty(), "{:?}", catalog.diagnostics);
        catalog
    })
}

fuzz_target!(|data: &[u8]| {
    let catalog = shipped();
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let Ok(Value::Object(args)) = serde_json::from_slice::<Value>(json) else {
        return;
    };
    let mut names: Vec<&String> = catalog.tools.keys().collect();
    names.sort();
    let entry = &catalog.tools[names[usize::from(pick) % names.len()]];
    let upstream = catalog.upstream.as_ref().expect("the shipped upstream");
    let valid = validation_errors(&entry.validator, &Value::Object(args.clone())).is_empty();
    match render(
        &catalog.templates,
        &entry.request,
        &upstream.base_url,
        &args,
    ) {
        Ok(request) => assert_eq!(request.url.host_str(), upstream.base_url.host_str()),
        // Valid arguments always make a request.
        Err(e) => assert!(
            !valid,
            "{}: valid arguments {args:?} were refused: {e}",
            entry.tool.name
        ),
    }
});
