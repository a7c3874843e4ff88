//! Resource and prompt files: front matter, markdown, minijinja and handlebars templates,
//! then prompts/get with arbitrary arguments.
#![no_main]

#[path = "common.rs"]
mod common;

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [resource, jinja, hbs, args]: [String; 4] =
        common::parts(data, 4).try_into().expect("four parts");
    let catalog = common::catalog(&[
        ("resources/fuzz.md", &resource),
        ("prompts/fuzz.j2", &jinja),
        ("prompts/fuzz.hbs", &hbs),
    ]);
    for d in catalog.diagnostics() {
        let _ = d.to_string();
    }
    // Arguments as `name=value` lines.
    let given: BTreeMap<String, String> = args
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    mcp_engine::fuzzing::render_prompts(&catalog, &given);
});
