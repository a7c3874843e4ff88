//! `layerops-mcp init DIR` and `layerops-mcp new tool NAME`: a content root, and tool files,
//! that `check` and `serve --root` accept as written, each naming its JSON Schema so that
//! editors (through the YAML language server) check it as it is typed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::{InitArgs, NewToolArgs};

/// The file formats' schemas, copied into the new root so that the files' `$schema` lines
/// work offline and outside this repository.
const SCHEMAS: [(&str, &str); 5] = [
    (
        "tool.schema.json",
        include_str!("../../docs/schema/tool.schema.json"),
    ),
    (
        "server.schema.json",
        include_str!("../../docs/schema/server.schema.json"),
    ),
    (
        "toolset.schema.json",
        include_str!("../../docs/schema/toolset.schema.json"),
    ),
    (
        "resource.schema.json",
        include_str!("../../docs/schema/resource.schema.json"),
    ),
    (
        "prompt.schema.json",
        include_str!("../../docs/schema/prompt.schema.json"),
    ),
];

const SERVER: &str = r#"# yaml-language-server: $schema=../.schema/server.schema.json
# How this server introduces itself, and the API its tools call.
# Reference: https://github.com/layerops/layerops-mcp/blob/main/docs/file-formats.md
name: my-api-mcp
title: My API
instructions: |
  Tools for My API. Told to the client when it connects: say what the tools are for and in
  which order to use them (list before get, ids come from lists).
upstream:
  # Templates: env('NAME', 'default') reads a variable; secret('NAME') reads one that is
  # never shown in a log line, an error or a dry run.
  base_url: "{{ env('MY_API_BASE_URL', 'https://api.example.com') }}"
  headers:
    Authorization: "Bearer {{ secret('MY_API_TOKEN') }}"
    Accept: application/json
  timeout_seconds: 30          # per call; a toolset or a tool may override it
  max_response_bytes: 102400   # longer answers are cut, with a note
  retries: 2                   # for idempotent tools only
  credentials_help: Put your token in MY_API_TOKEN (an environment variable or a .env file).
"#;

const TOOLSET: &str = r#"# yaml-language-server: $schema=../../.schema/toolset.schema.json
# A toolset is a folder of registry/: `serve --toolsets items` serves only it.
description: Items of My API.
default: true   # served unless --toolsets says otherwise
"#;

const RESOURCE: &str = r#"---
# A resource: markdown a client may show its model. The front matter says where it lives.
uri: myapi://docs/guide
name: guide
title: Guide to My API
description: What the API's objects are and how the tools fit together.
mimeType: text/markdown
---
# Guide to My API

Items have an `id`; `example_get_item` reads one. Edit this file and a connected client sees
the change at once.
"#;

const PROMPT: &str = r#"---
# A prompt: a Jinja template (or Handlebars, in a .hbs file) of a message for the model.
name: describe-item
title: Describe an item
description: Reads an item and explains it in plain words.
arguments:
  - name: itemId
    description: The item's id
    required: true
---
Read the item {{ itemId }} with example_get_item, then explain what it is in two sentences.
"#;

pub fn init(args: InitArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.dir;
    if dir.join("registry").exists() && !args.force {
        bail!(
            "{} already holds a registry/ folder; choose an empty folder, or add --force to write the example files over it",
            dir.display()
        );
    }
    for (name, text) in SCHEMAS {
        write(&dir.join(".schema").join(name), text, true)?;
    }
    write(&dir.join("registry/_server.yaml"), SERVER, args.force)?;
    write(
        &dir.join("registry/items/_toolset.yaml"),
        TOOLSET,
        args.force,
    )?;
    let tool = tool_file("example_get_item", "GET", "/items/{id}", "../../.schema")?;
    write(
        &dir.join("registry/items/example_get_item.yaml"),
        &tool,
        args.force,
    )?;
    write(&dir.join("resources/guide.md"), RESOURCE, args.force)?;
    write(&dir.join("prompts/describe-item.j2"), PROMPT, args.force)?;
    let shown = dir.display();
    println!("A content root is ready in {shown}:");
    println!("  registry/_server.yaml               the API: base URL, headers, credentials");
    println!("  registry/items/example_get_item.yaml a tool (GET /items/{{id}})");
    println!("  resources/guide.md                   a document for the model");
    println!("  prompts/describe-item.j2             a prompt template");
    println!("Next:");
    println!("  layerops-mcp check --root {shown}");
    println!("  layerops-mcp new tool list_items --method GET --path /items --root {shown}");
    println!("  layerops-mcp serve --root {shown}   (edits show up without a restart)");
    Ok(ExitCode::SUCCESS)
}

pub fn new_tool(args: NewToolArgs) -> anyhow::Result<ExitCode> {
    let root = args.root.root.clone().unwrap_or_else(|| PathBuf::from("."));
    if !root.join("registry").is_dir() {
        bail!(
            "{} has no registry/ folder; give --root DIR of a content root (`layerops-mcp init DIR` makes one)",
            root.display()
        );
    }
    let folder = root.join("registry").join(&args.toolset);
    let path = folder.join(format!("{}.yaml", args.name));
    // The schema line is relative to the file: the root's own copy when it has one.
    let schema_dir = if root.join(".schema").is_dir() {
        "../../.schema"
    } else {
        "../../docs/schema"
    };
    let text = tool_file(&args.name, &args.method, &args.path, schema_dir)?;
    write(&path, &text, args.force)?;
    println!("{}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// A commented tool file; the path's `{name}` or `{{ name }}` parameters become required
/// string arguments.
pub fn tool_file(name: &str, method: &str, path: &str, schema_dir: &str) -> anyhow::Result<String> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        bail!("the tool name `{name}` must have 1 to 64 letters, digits, `_` or `-`");
    }
    let method = method.to_ascii_uppercase();
    if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
        bail!("--method {method}: use GET, POST, PUT, PATCH or DELETE");
    }
    if !path.starts_with('/') {
        bail!(
            "--path {path}: the path starts with / (the base URL is in _server.yaml), e.g. /v1/items/{{id}}"
        );
    }
    let (template, parameters) = path_template(path)?;
    let mut properties = String::new();
    for p in &parameters {
        properties.push_str(&format!(
            "    {p}:\n      type: string\n      description: \"TODO: what {p} is, and which tool gives it.\"\n"
        ));
    }
    let has_body = matches!(method.as_str(), "POST" | "PUT" | "PATCH");
    if has_body {
        properties.push_str(
            "    # The body's fields: with `body: args`, every argument not in the path is sent.\n    name:\n      type: string\n      description: \"TODO: a field of the body.\"\n",
        );
    }
    let required = if parameters.is_empty() {
        String::new()
    } else {
        format!("  required: [{}]\n", parameters.join(", "))
    };
    let properties = if properties.is_empty() {
        "  properties: {}\n".to_owned()
    } else {
        format!("  properties:\n{properties}")
    };
    let body = if has_body { "  body: args\n" } else { "" };
    let verb = match method.as_str() {
        "GET" => "Reads",
        "DELETE" => "Deletes",
        "POST" => "Creates",
        _ => "Changes",
    };
    Ok(format!(
        "# yaml-language-server: $schema={schema_dir}/tool.schema.json
# One MCP tool: its name, what a model reads about it, its arguments (JSON Schema) and the
# HTTP request it sends. Reference: docs/file-formats.md
name: {name}
description: >-
  TODO: {verb} ... Say what it returns, when to use it, and where its ids come from.
input:
  type: object
{properties}{required}  additionalProperties: false
request:
  method: {method}
  path: {template}
{body}# response:            # optional: shape what the model reads
#   select: /items      # a JSON pointer into the answer
#   drop: [internalId]  # fields left out, at any depth
#   max_items: 50       # longer lists end with a count of the rest
"
    ))
}

/// `/items/{id}` or `/items/{{ id }}` as a template, and its parameters in order.
fn path_template(path: &str) -> anyhow::Result<(String, Vec<String>)> {
    let mut template = String::new();
    let mut parameters = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        template.push_str(&rest[..open]);
        let after = &rest[open..];
        let (inner, consumed) = if let Some(inner) = after.strip_prefix("{{") {
            let close = inner
                .find("}}")
                .with_context(|| format!("--path {path}: a `{{{{` is not closed"))?;
            (&inner[..close], close + 4)
        } else {
            let close = after[1..]
                .find('}')
                .with_context(|| format!("--path {path}: a `{{` is not closed"))?;
            (&after[1..1 + close], close + 2)
        };
        let name = inner.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            bail!("--path {path}: `{name}` is not a parameter name (letters, digits, _)");
        }
        if !parameters.iter().any(|p| p == name) {
            parameters.push(name.to_owned());
        }
        template.push_str(&format!("{{{{ {name} }}}}"));
        rest = &after[consumed..];
    }
    template.push_str(rest);
    Ok((template, parameters))
}

fn write(path: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    if path.exists() && !force {
        bail!("{} exists; add --force to replace it", path.display());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_become_arguments_in_either_spelling() {
        let (template, parameters) =
            path_template("/v1/projects/{projectId}/items/{{ itemId }}").expect("parsed");
        assert_eq!(template, "/v1/projects/{{ projectId }}/items/{{ itemId }}");
        assert_eq!(parameters, ["projectId", "itemId"]);
        assert!(path_template("/x/{a-b}").is_err());
        assert!(path_template("/x/{open").is_err());
    }
}
