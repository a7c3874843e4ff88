//! A tool file as written by hand (YAML, JSON Schema, request templates), then a call of it
//! with arbitrary arguments: loading, the schema rewritten for each dialect, argument
//! validation and request rendering.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use mcp_engine::fuzzing;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let [yaml, args]: [String; 2] = common::parts(data, 2).try_into().expect("two parts");
    let catalog = common::catalog(&[("registry/fuzz/tool.yaml", &yaml)]);
    // Every diagnostic must be printable.
    for d in catalog.diagnostics() {
        let _ = d.to_string();
    }
    // Whatever the schema, each dialect is served one it takes.
    for tool in fuzzing::tool_names(&catalog) {
        let left = fuzzing::profiled_schema_problems(&catalog, &tool);
        assert!(left.is_empty(), "{tool}: {left:?}");
    }
    let args: Map<String, Value> = match serde_json::from_str(&args) {
        Ok(Value::Object(map)) => map,
        _ => return,
    };
    for tool in fuzzing::tool_names(&catalog) {
        // Rendered whether the arguments are valid or not: the renderer trusts nothing.
        if let Some((_, Ok((host, port)))) = fuzzing::validate_and_render(&catalog, &tool, &args) {
            // The host never changes, whatever the arguments.
            assert_eq!(host.as_deref(), Some("127.0.0.1"));
            assert_eq!(port, Some(9));
        }
    }
});
