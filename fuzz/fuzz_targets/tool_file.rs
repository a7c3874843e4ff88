//! A tool file as written by hand (YAML, JSON Schema, request templates), then a call of it
//! with arbitrary arguments: loading, argument validation and request rendering.
#![no_main]

#[path = "common.rs"]
mod common;

use mcp_engine::call::validation_errors;
use mcp_engine::request::render::render;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let [yaml, args]: [String; 2] = common::parts(data, 2).try_into().expect("two parts");
    let catalog = common::catalog(&[common::file("registry/fuzz/tool.yaml", &yaml)]);
    // Every diagnostic must be printable.
    for d in &catalog.diagnostics {
        let _ = d.to_string();
    }
    let args: Map<String, Value> = match serde_json::from_str(&args) {
        Ok(Value::Object(map)) => map,
        _ => return,
    };
    let Some(upstream) = catalog.upstream.as_ref() else {
        return;
    };
    for entry in catalog.tools.values() {
        let _ = validation_errors(&entry.validator, &Value::Object(args.clone()));
        // Rendered whether the arguments are valid or not: the renderer trusts nothing.
        if let Ok(request) = render(
            &catalog.templates,
            &entry.request,
            &upstream.base_url,
            &args,
        ) {
            // The host never changes, whatever the arguments.
            assert_eq!(request.url.host_str(), Some("127.0.0.1"), "{request:?}");
            assert_eq!(request.url.port(), Some(9), "{request:?}");
        }
    }
});
