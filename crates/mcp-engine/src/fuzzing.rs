//! What the fuzz targets (fuzz/) drive, behind the `fuzzing` feature: loading files from
//! memory, and validating and rendering calls without sending them.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::call::validation_errors;
use crate::catalog::{Catalog, LoadOptions, Selection, build};
use crate::request::render::render;
use crate::source::{ContentSource, SourceFile};

/// A catalog of these (path, text) files, every toolset served.
pub fn load(files: &[(&str, &str)]) -> Catalog {
    let files: Vec<SourceFile> = files
        .iter()
        .map(|(path, text)| SourceFile {
            path: Arc::from(*path),
            text: Arc::from(*text),
        })
        .collect();
    build(ContentSource::Embedded(&[]), &files, &[], &all_toolsets())
}

/// A catalog of the content root `dir`, every toolset served.
pub fn load_dir(dir: &str) -> Catalog {
    let source = ContentSource::Directory(dir.into());
    let (files, errors) = source.read_all();
    build(source, &files, &errors, &all_toolsets())
}

fn all_toolsets() -> LoadOptions {
    LoadOptions {
        matcher: Selection {
            toolsets: Some(vec!["all".to_owned()]),
            ..Default::default()
        }
        .matcher()
        .expect("the selection of every toolset"),
        ..Default::default()
    }
}

/// The served tool names, sorted.
pub fn tool_names(catalog: &Catalog) -> Vec<String> {
    let mut names: Vec<String> = catalog.tools.keys().map(str::to_owned).collect();
    names.sort();
    names
}

/// One call of `tool` with `args`: whether the arguments are valid, and the request's
/// (host, port), or why it could not be rendered. Rendered whether valid or not.
pub fn validate_and_render(
    catalog: &Catalog,
    tool: &str,
    args: &Map<String, Value>,
) -> Option<(bool, Result<(Option<String>, Option<u16>), String>)> {
    let entry = catalog.tools.get(tool)?;
    let upstream = catalog.upstream.as_ref()?;
    let valid = entry
        .validator
        .get(&entry.listed)
        .is_some_and(|v| validation_errors(v, &Value::Object(args.clone())).is_empty());
    let rendered = render(&catalog.templates, &entry.request, &upstream.base_url, args)
        .map(|r| (r.url.host_str().map(str::to_owned), r.url.port()))
        .map_err(|e| e.to_string());
    Some((valid, rendered))
}

/// What a dialect still refuses in `tool`'s input schema once rewritten into it, for each
/// dialect: nothing, whatever the file says.
pub fn profiled_schema_problems(catalog: &Catalog, tool: &str) -> Vec<(String, String)> {
    use crate::catalog::schema_profile::{SchemaProfile, problems, rewrite};
    let Some(entry) = catalog.tools.get(tool) else {
        return Vec::new();
    };
    let schema = Value::Object(entry.listed.input_schema());
    [SchemaProfile::OpenAiStrict, SchemaProfile::Gemini]
        .into_iter()
        .flat_map(|profile| problems(profile, &rewrite(profile, &schema)))
        .collect()
}

/// The upstream's (host, port).
pub fn upstream_address(catalog: &Catalog) -> Option<(Option<String>, Option<u16>)> {
    let upstream = catalog.upstream.as_ref()?;
    Some((
        upstream.base_url.host_str().map(str::to_owned),
        upstream.base_url.port(),
    ))
}

/// Renders every prompt with `given`, ignoring the results.
pub fn render_prompts(catalog: &Catalog, given: &BTreeMap<String, String>) {
    for entry in catalog.prompts.values() {
        let _ = catalog.prompt_templates.render(entry, given);
    }
}

/// Shapes `body` as an answer both ways, written as it is read and through a tree, under
/// shapings drawn from `choice`; panics when the texts differ. Bodies with a key given twice
/// in one object are skipped: a tree keeps the last, the stream both.
pub fn shape_answer(body: &[u8], choice: u8) {
    crate::call::compare_shaping(body, choice);
}
