//! `layerops-mcp install CLIENT`: this binary in an MCP client's configuration file, merged
//! into what is there (other servers kept, a backup made), or printed with `--print`.
//!
//! The secrets the served content reads (`secret()` in its `_server.yaml`: the LayerOps key
//! for the shipped content) are never written unless asked: `--env-from-dotenv` copies them
//! from `.env`; VS Code, which has secret inputs, asks the user for them when it starts the
//! server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use mcp_engine::{ContentSource, Engine};
use serde_json::{Map, Value, json};

use crate::{Client, InstallArgs};

/// The variables that hold the LayerOps key: secrets, never written unless asked, whatever
/// the content served.
const KEY_VARIABLES: [&str; 2] = ["LAYEROPS_API_KEY_ID", "LAYEROPS_API_KEY_SECRET"];

pub fn run(args: InstallArgs) -> anyhow::Result<ExitCode> {
    if args.name.trim().is_empty() {
        bail!(
            "--name is empty; give the name the client shows for the server, e.g. --name layerops"
        );
    }
    let path = match &args.config {
        Some(path) => path.clone(),
        None => default_path(args.client)?,
    };
    let served = Served::find(args.root.as_deref())?;
    let entry = server_entry(&args, &served)?;
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
    if let (Some(root), None) = (&served.root, &args.root) {
        eprintln!(
            "note: it serves the content root in the current directory, {} (give --root to serve another).",
            root.display()
        );
    }
    if !args.sandbox
        && !args.env_from_dotenv
        && args.client != Client::Vscode
        && !served.secrets.is_empty()
    {
        eprintln!(
            "note: the secrets are not in the file. Give the client {} in its environment, or run install again with --env-from-dotenv (copies them from .env into the file){}.",
            served.secrets.join(" and "),
            if served.root.is_none() {
                ", or use --sandbox to try it without an account"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The content the client's server will serve, found as `serve` finds it, and the variables
/// that content reads as secrets.
struct Served {
    /// The content root, absolute; `None`: the copy embedded in the binary.
    root: Option<PathBuf>,
    /// What `secret()` reads in its `_server.yaml`.
    secrets: Vec<String>,
}

impl Served {
    /// `--root`, else the current directory when it is a content root (as `serve` does; the
    /// client starts the server elsewhere, so the folder is written out), else the embedded
    /// copy.
    fn find(root: Option<&Path>) -> anyhow::Result<Served> {
        let source = ContentSource::resolve(root, crate::embedded::FILES);
        let root = match &source {
            ContentSource::Directory(dir) => Some(
                for_client(dir)
                    .ok()
                    .filter(|d| d.is_dir())
                    .with_context(|| format!("--root {}: no such folder", dir.display()))?,
            ),
            ContentSource::Embedded(_) => None,
        };
        let catalog = Engine::builder(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .content(source)
            .load()?;
        Ok(Served {
            root,
            secrets: catalog.secret_variables(),
        })
    }

    /// A variable that must not be written unasked.
    fn is_secret(&self, name: &str) -> bool {
        KEY_VARIABLES.contains(&name) || self.secrets.iter().any(|s| s == name)
    }
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
fn server_entry(args: &InstallArgs, served: &Served) -> anyhow::Result<ServerEntry> {
    let command = std::env::current_exe()
        .and_then(|p| for_client(&p))
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
    if let Some(root) = &served.root {
        argv.push("--root".into());
        argv.push(root.display().to_string());
    }
    let mut env = BTreeMap::new();
    for pair in &args.env {
        let Some((key, value)) = pair.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
            bail!("--env {}: write NAME=VALUE", shown_name(pair));
        };
        if served.is_secret(key) {
            bail!(
                "--env {key}=...: {key} is a secret of the served content and would be saved in the client's file and the shell's history; use --env-from-dotenv to copy it from .env on purpose"
            );
        }
        env.insert(key.to_owned(), value.to_owned());
    }
    if args.env_from_dotenv {
        if served.secrets.is_empty() {
            bail!(
                "--env-from-dotenv: the served content reads no secret (no secret() in its registry/_server.yaml), so there is nothing to copy"
            );
        }
        let found = dotenv_secrets(Path::new(".env"), &served.secrets)?;
        env.extend(found);
    }
    Ok(ServerEntry {
        command: command.display().to_string(),
        args: argv,
        env,
        ask_for: if args.client == Client::Vscode && !args.sandbox && !args.env_from_dotenv {
            served.secrets.clone()
        } else {
            Vec::new()
        },
    })
}

/// What `--env` was given, up to its `=`: the value may be a secret typed in the wrong place.
fn shown_name(pair: &str) -> &str {
    pair.split_once('=').map_or(pair, |(k, _)| k)
}

struct ServerEntry {
    command: String,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    /// VS Code: secrets the client's own prompt asks the user for.
    ask_for: Vec<String>,
}

/// The secrets `names` from a .env file; all of them must be there.
fn dotenv_secrets(path: &Path, names: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut found = BTreeMap::new();
    // dotenvy's error repeats its cause as its source: said once.
    let entries = dotenvy::from_path_iter(path).map_err(|e| {
        anyhow::anyhow!(
            "--env-from-dotenv: cannot read {} (it should hold {}): {e}",
            path.display(),
            names.join(" and ")
        )
    })?;
    for entry in entries {
        // dotenvy's own message quotes the line, which may hold the secret: not shown.
        let Ok((key, value)) = entry else {
            bail!(
                "{} has a line that is not NAME=VALUE; fix it (its text is not shown: it may hold a secret)",
                path.display()
            );
        };
        if names.contains(&key) {
            found.insert(key, value);
        }
    }
    let missing: Vec<&str> = names
        .iter()
        .filter(|n| !found.contains_key(*n))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        bail!(
            "--env-from-dotenv: {} should hold {} (missing: {})",
            path.display(),
            names.join(" and "),
            missing.join(", ")
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
    if !entry.ask_for.is_empty() {
        let inputs = root
            .entry("inputs")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(inputs) = inputs else {
            bail!(
                "`inputs` in the configuration file is not a list; fix it or give another file with --config"
            );
        };
        for variable in &entry.ask_for {
            let (id, description, password) = secret_input(variable);
            if !inputs.iter().any(|i| i["id"] == id.as_str()) {
                inputs.push(json!({"type": "promptString", "id": id, "description": description, "password": password}));
            }
            env.insert(variable.clone(), Value::String(format!("${{input:{id}}}")));
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

/// VS Code's prompt for the secret `variable`: its id, what it asks, and whether the typing
/// is hidden. The LayerOps key keeps the ids earlier versions wrote; its ID is not hidden.
fn secret_input(variable: &str) -> (String, String, bool) {
    match variable {
        "LAYEROPS_API_KEY_ID" => (
            "layerops-key-id".into(),
            "LayerOps API key ID".into(),
            false,
        ),
        "LAYEROPS_API_KEY_SECRET" => (
            "layerops-key-secret".into(),
            "LayerOps API key secret".into(),
            true,
        ),
        other => (
            other.to_ascii_lowercase().replace('_', "-"),
            format!("{other} (a secret of the server)"),
            true,
        ),
    }
}

/// `path` as a client must be given it: absolute, with links resolved. On Windows,
/// `canonicalize` answers in the verbatim form (`\\?\C:\...`), which a client may fail to
/// start a program from; the plain form of the same path is written instead.
fn for_client(path: &Path) -> std::io::Result<PathBuf> {
    Ok(without_verbatim_prefix(path.canonicalize()?))
}

/// `\\?\C:\dir` -> `C:\dir`, `\\?\UNC\server\share` -> `\\server\share`; other paths
/// as they are.
fn without_verbatim_prefix(path: PathBuf) -> PathBuf {
    let Some(text) = path.to_str() else {
        return path;
    };
    if let Some(share) = text.strip_prefix(r"\\?\UNC\") {
        return PathBuf::from(format!(r"\\{share}"));
    }
    match text.strip_prefix(r"\\?\") {
        Some(rest) if rest.as_bytes().get(1) == Some(&b':') => PathBuf::from(rest),
        _ => path,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_verbatim_paths_are_written_in_their_plain_form() {
        let plain = |p: &str| {
            without_verbatim_prefix(PathBuf::from(p))
                .display()
                .to_string()
        };
        assert_eq!(
            plain(r"\\?\C:\Users\me\layerops-mcp.exe"),
            r"C:\Users\me\layerops-mcp.exe"
        );
        assert_eq!(plain(r"\\?\UNC\server\share\root"), r"\\server\share\root");
        // A verbatim path that has no plain form (a device, a volume GUID) stays as it is.
        assert_eq!(plain(r"\\?\Volume{1234}\x"), r"\\?\Volume{1234}\x");
        assert_eq!(
            plain("/usr/local/bin/layerops-mcp"),
            "/usr/local/bin/layerops-mcp"
        );
    }
}
