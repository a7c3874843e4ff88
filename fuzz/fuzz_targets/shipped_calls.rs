//! Every shipped tool called with arbitrary JSON arguments: validation, then rendering of
//! its real templates.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mcp_engine::{Catalog, fuzzing};
use serde_json::Value;

fn shipped() -> &'static (Catalog, Vec<String>) {
    static CATALOG: OnceLock<(Catalog, Vec<String>)> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // The shipped content, read from the repository beside this crate.
        let catalog = fuzzing::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        assert!(
            catalog.diagnostics().is_empty(),
            "{:?}",
            catalog.diagnostics()
        );
        let names = fuzzing::tool_names(&catalog);
        (catalog, names)
    })
}

/// What a valid call may still be refused for: a value the URL or a header cannot carry.
const REFUSALS_OF_VALID_CALLS: [&str; 4] = [
    "beyond what can be sent exactly",
    "may have at most",
    "the URL would be",
    "bytes long, more than",
];

fuzz_target!(|data: &[u8]| {
    let (catalog, names) = shipped();
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let Ok(Value::Object(args)) = serde_json::from_slice::<Value>(json) else {
        return;
    };
    let tool = &names[usize::from(pick) % names.len()];
    let Some((valid, rendered)) = fuzzing::validate_and_render(catalog, tool, &args) else {
        return;
    };
    match rendered {
        Ok(address) => assert_eq!(Some(address), fuzzing::upstream_address(catalog)),
        // Valid arguments always make a request, unless a value cannot be carried at all.
        Err(e) => assert!(
            !valid || REFUSALS_OF_VALID_CALLS.iter().any(|r| e.contains(r)),
            "{tool}: valid arguments {args:?} were refused: {e}"
        ),
    }
});
