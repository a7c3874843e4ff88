//! `layerops-mcp install CLIENT`: this binary in an MCP client's configuration file, merged
//! into what is there (other servers kept, a backup made), or printed with `--print`.
//!
//! The API key is never written unless asked: `--env-from-dotenv` copies it from `.env`;
//! VS Code, which has secret inputs, asks the user for it when it starts the server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::{Map, Value, json};

use crate::{Client, InstallArgs};

/// The variables that hold the LayerOps key: secrets, never written unless asked.
const KEY_VARIABLES: [&str; 2] = ["LAYEROPS_API_KEY_ID", "LAYEROPS_API_KEY_SECRET"];

pub fn run(args: InstallArgs) -> anyhow::Result<ExitCode> {
    let path = match &args.config {
        Some(path) => path.clone(),
        None => default_path(args.client)?,
    };
    let entry = server_entry(&args)?;
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().is_empty() => None,
        Ok(text) => Some(serde_json::from_str::<Value>(&text).with_context(|| {
            format!(
                "{} is not valid JSON, so it was left as it is; fix it (or move it away) and run install again",
                path.display()
            )
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let merged = merge(args.client, existing.clone(), &args.name, entry)?;
    let text = serde_json::to_string_pretty(&merged)? + "\n";
    if args.print {
        print!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    if existing.is_some() {
        let backup = backup_path(&path);
        std::fs::copy(&path, &backup).with_context(|| {
            format!("cannot back {} up to {}", path.display(), backup.display())
        })?;
        eprintln!("backup: {}", backup.display());
    }
    // Written beside, then moved over: a crash never leaves half a file.
    let temporary = path.with_extension("json.layerops-mcp-tmp");
    std::fs::write(&temporary, &text)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, &path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    eprintln!(
        "{}: the server `{}` is in {}; restart the client to load it.",
        args.client.name(),
        args.name,
        path.display()
    );
    if !args.sandbox && !args.env_from_dotenv && args.client != Client::Vscode {
        eprintln!(
            "note: the API key is not in the file. Give the client {} in its environment, or run install again with --env-from-dotenv (copies them from .env into the file), or use --sandbox to try it without an account.",
            KEY_VARIABLES.join(" and ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Where each client keeps its MCP servers by default.
fn default_path(client: Client) -> anyhow::Result<PathBuf> {
    let home = || -> anyhow::Result<PathBuf> {
        std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .map(PathBuf::from)
            .context("neither HOME nor USERPROFILE is set; give the file with --config FILE")
    };
    Ok(match client {
        Client::ClaudeDesktop => {
            if cfg!(target_os = "macos") {
                home()?.join("Library/Application Support/Claude/claude_desktop_config.json")
            } else if cfg!(windows) {
                PathBuf::from(
                    std::env::var_os("APPDATA")
                        .context("APPDATA is not set; give the file with --config FILE")?,
                )
                .join("Claude")
                .join("claude_desktop_config.json")
            } else {
                home()?.join(".config/Claude/claude_desktop_config.json")
            }
        }
        Client::ClaudeCode => home()?.join(".claude.json"),
        Client::Cursor => home()?.join(".cursor").join("mcp.json"),
        Client::Vscode => PathBuf::from(".vscode").join("mcp.json"),
    })
}

/// This binary with the options asked for.
fn server_entry(args: &InstallArgs) -> anyhow::Result<ServerEntry> {
    let command = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .context("cannot tell where this binary is")?;
    let mut argv = vec!["serve".to_owned()];
    if args.sandbox {
        argv.push("--sandbox".into());
    }
    if args.read_only {
        argv.push("--read-only".into());
    }
    if let Some(toolsets) = &args.toolsets {
        argv.push("--toolsets".into());
        argv.push(toolsets.join(","));
    }
    if let Some(root) = &args.root {
        let root = root
            .canonicalize()
            .with_context(|| format!("--root {}: no such folder", root.display()))?;
        argv.push("--root".into());
        argv.push(root.display().to_string());
    }
    let mut env = BTreeMap::new();
    for pair in &args.env {
        let (key, value) = pair
            .split_once('=')
            .with_context(|| format!("--env {pair}: write NAME=VALUE"))?;
        if KEY_VARIABLES.contains(&key) {
            bail!(
                "--env {key}=...: the key is a secret and would be saved in the client's file and the shell's history; use --env-from-dotenv to copy it from .env on purpose"
            );
        }
        env.insert(key.to_owned(), value.to_owned());
    }
    if args.env_from_dotenv {
        let found = dotenv_keys(Path::new(".env"))?;
        env.extend(found);
    }
    Ok(ServerEntry {
        command: command.display().to_string(),
        args: argv,
        env,
        ask_for_key: args.client == Client::Vscode && !args.sandbox && !args.env_from_dotenv,
    })
}

struct ServerEntry {
    command: String,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    /// VS Code: the key comes from the client's own secret prompt.
    ask_for_key: bool,
}

/// The key's variables from a .env file.
fn dotenv_keys(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let mut found = BTreeMap::new();
    let entries = dotenvy::from_path_iter(path).with_context(|| {
        format!(
            "--env-from-dotenv: cannot read {} (it should hold {})",
            path.display(),
            KEY_VARIABLES.join(" and ")
        )
    })?;
    for entry in entries {
        // dotenvy's own message quotes the line, which may hold the secret: not shown.
        let Ok((key, value)) = entry else {
            bail!(
                "{} has a line that is not NAME=VALUE; fix it (its text is not shown: it may hold the key)",
                path.display()
            );
        };
        if KEY_VARIABLES.contains(&key.as_str()) {
            found.insert(key, value);
        }
    }
    if found.len() != KEY_VARIABLES.len() {
        bail!(
            "--env-from-dotenv: {} should hold {}",
            path.display(),
            KEY_VARIABLES.join(" and ")
        );
    }
    Ok(found)
}

/// `existing` with the server `name` set to `entry`, in the client's own layout.
fn merge(
    client: Client,
    existing: Option<Value>,
    name: &str,
    entry: ServerEntry,
) -> anyhow::Result<Value> {
    let mut root = match existing {
        None => Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => bail!(
            "the configuration file does not hold a JSON object; fix it or give another with --config"
        ),
    };
    let mut env: Map<String, Value> = entry
        .env
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let (servers_key, mut server) = if client == Client::Vscode {
        (
            "servers",
            json!({"type": "stdio", "command": entry.command, "args": entry.args}),
        )
    } else {
        (
            "mcpServers",
            json!({"command": entry.command, "args": entry.args}),
        )
    };
    if entry.ask_for_key {
        let inputs = root
            .entry("inputs")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(inputs) = inputs else {
            bail!(
                "`inputs` in the configuration file is not a list; fix it or give another file with --config"
            );
        };
        for (variable, id, description, password) in [
            (
                "LAYEROPS_API_KEY_ID",
                "layerops-key-id",
                "LayerOps API key ID",
                false,
            ),
            (
                "LAYEROPS_API_KEY_SECRET",
                "layerops-key-secret",
                "LayerOps API key secret",
                true,
            ),
        ] {
            if !inputs.iter().any(|i| i["id"] == id) {
                inputs.push(json!({"type": "promptString", "id": id, "description": description, "password": password}));
            }
            env.insert(
                variable.to_owned(),
                Value::String(format!("${{input:{id}}}")),
            );
        }
    }
    if !env.is_empty() {
        server["env"] = Value::Object(env);
    }
    let servers = root
        .entry(servers_key)
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(servers) = servers else {
        bail!(
            "`{servers_key}` in the configuration file is not an object; fix it or give another file with --config"
        );
    };
    servers.insert(name.to_owned(), server);
    Ok(Value::Object(root))
}

/// `file.json` -> `file.json.bak`, or `.bak2`, ... when that exists: no backup is lost.
fn backup_path(path: &Path) -> PathBuf {
    let base = path.as_os_str().to_owned();
    let mut n = 1;
    loop {
        let mut candidate = base.clone();
        candidate.push(if n == 1 {
            ".bak".to_owned()
        } else {
            format!(".bak{n}")
        });
        let candidate = PathBuf::from(candidate);
        if !candidate.exists() {
            return candidate;
        }
        n += 1;
    }
}
