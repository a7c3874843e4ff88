//! Test harness: the real binary, spoken to by rmcp's client over a child process, and a
//! recording HTTP server on 127.0.0.1 standing in for the upstream API.
#![allow(dead_code)]

pub mod http;
pub mod recorder;

use std::path::{Path, PathBuf};

use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientConfig, ContentBlock, ProtocolVersion,
};
use rmcp::service::{Peer, RunningService};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value};

pub const KEY_ID: &str = "LYPTESTKEY000000000000000";
pub const KEY_SECRET: &str = "5b1c9d2e-7f3a-4c8b-9e6d-0a1b2c3d4e5f";
pub const PROJECT: &str = "3f2c9a8e-1b4d-4e6f-9a7b-2c8d5e1f0a3b";
pub const ENVIRONMENT: &str = "9b2f1c3e-5d4a-4f6b-8c7d-1e2f3a4b5c6d";

pub type Client = RunningService<RoleClient, ClientConfig>;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_layerops-mcp")
}

/// The repository root: the shipped content folders.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The engine tests' own content: a small made-up API (tests/engine-root), so that editing
/// a shipped LayerOps file can never break a test of the engine's behaviour.
pub fn engine_root() -> PathBuf {
    repo_root().join("tests/engine-root")
}

/// How to start the server.
pub struct Launch {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub cwd: Option<PathBuf>,
    pub protocol: Option<ProtocolVersion>,
}

impl Launch {
    /// The engine tests' fixture content, pointed at `base_url`, with test credentials.
    pub fn new(base_url: &str) -> Self {
        Self::shipped(base_url).root(&engine_root())
    }

    /// The shipped LayerOps content, for the tests of that content.
    pub fn shipped(base_url: &str) -> Self {
        Self {
            args: vec![
                "serve".into(),
                "--root".into(),
                repo_root().display().to_string(),
            ],
            env: vec![
                ("LAYEROPS_API_BASE_URL".into(), base_url.into()),
                ("LAYEROPS_API_KEY_ID".into(), KEY_ID.into()),
                ("LAYEROPS_API_KEY_SECRET".into(), KEY_SECRET.into()),
            ],
            cwd: None,
            protocol: None,
        }
    }

    pub fn root(mut self, root: &Path) -> Self {
        self.args[2] = root.display().to_string();
        self
    }

    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn without_env(mut self, name: &str) -> Self {
        self.env.retain(|(k, _)| k != name);
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.into(), value.into()));
        self
    }

    pub fn cwd(mut self, dir: &Path) -> Self {
        self.cwd = Some(dir.to_path_buf());
        self
    }

    pub fn protocol(mut self, version: ProtocolVersion) -> Self {
        self.protocol = Some(version);
        self
    }

    pub async fn start(self) -> Client {
        let protocol = self.protocol.clone();
        let mut config = ClientConfig::default();
        if let Some(v) = protocol {
            config = config.with_protocol_version(v);
        }
        self.start_with(config).await
    }

    /// Starts the server with `handler` as the client side (to record notifications).
    pub async fn start_with<H: rmcp::ClientHandler>(
        self,
        handler: H,
    ) -> RunningService<RoleClient, H> {
        handler
            .serve(self.transport())
            .await
            .expect("MCP handshake with the server")
    }

    /// Starts the server and speaks the 2026-07-28 protocol (no initialize handshake).
    pub async fn start_2026<H: rmcp::ClientHandler>(
        self,
        handler: H,
    ) -> RunningService<RoleClient, H> {
        use rmcp::ClientServiceExt;
        handler
            .serve_with_lifecycle(
                self.transport(),
                rmcp::ClientLifecycleMode::Discover {
                    preferred_versions: vec![ProtocolVersion::V_2026_07_28],
                },
            )
            .await
            .expect("2026-07-28 discovery with the server")
    }

    fn transport(&self) -> TokioChildProcess {
        let cwd = self.cwd.clone().unwrap_or_else(std::env::temp_dir);
        let command = tokio::process::Command::new(bin()).configure(|c| {
            c.args(&self.args)
                .current_dir(&cwd)
                .env_remove("LAYEROPS_API_BASE_URL")
                .env_remove("LAYEROPS_API_KEY_ID")
                .env_remove("LAYEROPS_API_KEY_SECRET")
                .env("RUST_LOG", "layerops_mcp=warn,mcp_engine=warn");
            for (k, v) in &self.env {
                c.env(k, v);
            }
        });
        TokioChildProcess::new(command).expect("spawn the server")
    }
}

/// The names of the tools the server lists, in its order.
pub async fn tool_names(client: &Peer<RoleClient>) -> Vec<String> {
    client
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|t| t.name.to_string())
        .collect()
}

pub fn args(value: Value) -> Map<String, Value> {
    value.as_object().expect("arguments are an object").clone()
}

pub async fn call(client: &Peer<RoleClient>, tool: &str, arguments: Value) -> CallToolResult {
    client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(args(arguments)))
        .await
        .expect("tools/call answered")
}

/// The text of a tool result's content blocks.
pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|b| match b {
            ContentBlock::Text(t) => Some(t.text.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn is_error(result: &CallToolResult) -> bool {
    result.is_error == Some(true)
}

/// A GET tool written for these tests, so that call behaviour (errors, timeouts, retries)
/// never depends on the shipped content: editing a shipped file cannot break them.
pub const LIST_ENVIRONMENTS: &str = "name: fixture_list_environments\ndescription: Lists the environments of a project.\ninput:\n  type: object\n  properties:\n    projectId: { type: string, format: uuid }\n  required: [projectId]\n  additionalProperties: false\nrequest:\n  method: GET\n  path: /v1/workspaces/{{ projectId }}/environments\n";

/// A content root in a temp dir, with `_server.yaml` pointing at `base_url`.
pub struct TempRoot {
    pub dir: tempfile::TempDir,
}

impl TempRoot {
    pub fn new(server_yaml: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = Self { dir };
        root.write("registry/_server.yaml", server_yaml);
        root
    }

    /// A server file reading the base URL from the environment like the shipped one.
    pub fn standard() -> Self {
        Self::new(
            "name: test-api\nupstream:\n  base_url: \"{{ env('LAYEROPS_API_BASE_URL', 'http://127.0.0.1:9') }}\"\n  headers:\n    X-API-KEY: \"{{ secret('LAYEROPS_API_KEY_ID') }}:{{ secret('LAYEROPS_API_KEY_SECRET') }}\"\n  timeout_seconds: 2\n",
        )
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

/// Writes one version of a content root as Kubernetes does for a ConfigMap volume: a hidden
/// timestamped folder, made current by renaming a `..data` symlink over the old one, after
/// which the old folder is removed. `registry/` is a symlink through `..data`.
#[cfg(unix)]
pub fn configmap_version(root: &Path, version: u32, server_yaml: &str, tools: &[(&str, &str)]) {
    let dir = root.join(format!("..2026_11_25_{version:02}"));
    std::fs::create_dir_all(dir.join("registry")).expect("mkdir");
    std::fs::write(dir.join("registry/_server.yaml"), server_yaml).expect("write");
    for (name, yaml) in tools {
        std::fs::write(dir.join(format!("registry/{name}.yaml")), yaml).expect("write");
    }
    let temp = root.join("..data_tmp");
    std::os::unix::fs::symlink(dir.file_name().expect("name"), &temp).expect("symlink");
    let old = std::fs::read_link(root.join("..data")).ok();
    std::fs::rename(&temp, root.join("..data")).expect("swap");
    if !root.join("registry").exists() {
        std::os::unix::fs::symlink("..data/registry", root.join("registry")).expect("symlink");
    }
    if let Some(old) = old {
        std::fs::remove_dir_all(root.join(old)).expect("remove the old version");
    }
}
