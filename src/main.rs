//! The `layerops-mcp` command: serve over stdio (the default), check, list or call.

mod cli;

/// The LayerOps content (registry/, resources/, prompts/), embedded by build.rs.
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "layerops-mcp",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("LAYEROPS_MCP_COMMIT"), ")"),
    about = "An MCP server for the LayerOps API, driven by YAML, markdown and template files"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
    /// Logs (on stderr) at this level and above: error, warn, info, debug or trace. Without
    /// it, RUST_LOG decides (any tracing filter), else info.
    #[arg(long, global = true, value_name = "LEVEL", value_parser = ["error", "warn", "info", "debug", "trace"])]
    log_level: Option<String>,
    /// Logs as text lines, or as one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = cli::LogFormat::Text)]
    log_format: cli::LogFormat,
    /// Send OpenTelemetry traces to this OTLP/HTTP collector (e.g. http://127.0.0.1:4318):
    /// a span per MCP request and per upstream call, continuing the client's traceparent.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "OTEL_EXPORTER_OTLP_ENDPOINT"
    )]
    otlp_endpoint: Option<String>,
    /// The OTLP encoding.
    #[arg(long, global = true, value_enum, default_value_t = cli::telemetry::OtlpProtocol::HttpProtobuf)]
    otlp_protocol: cli::telemetry::OtlpProtocol,
}

#[derive(Subcommand)]
enum Command {
    /// Serve over MCP on stdio (the default when no command is given).
    Serve(Box<ServeArgs>),
    /// Load every file and print each problem as file:line:column: message; exit 1 if any.
    Check(CheckArgs),
    /// Print the tools, resources and prompts in tables (or as JSON).
    List(ListArgs),
    /// Run one tool and print its result.
    Call(CallArgs),
    /// Serve a LayerOps-compatible API with demo data on loopback (nothing real).
    Sandbox(SandboxArgs),
    /// With your key, report which read tools work on your account (only GET requests).
    Doctor(DoctorArgs),
    /// Tokens for `serve --http --auth-tokens FILE`.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Compare the tools with an OpenAPI document, or write tool files from one.
    #[command(subcommand)]
    Openapi(OpenapiCommand),
    /// Make a content root in DIR: _server.yaml, one tool, one resource, one prompt.
    Init(InitArgs),
    /// Write a new content file (a commented skeleton).
    #[command(subcommand)]
    New(NewCommand),
    /// Print the shell completion script for bash, zsh, fish or powershell.
    Completions(CompletionsArgs),
    /// Add this server to an MCP client's configuration (merged, with a backup).
    Install(InstallArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Client {
    ClaudeDesktop,
    ClaudeCode,
    Cursor,
    Vscode,
}

impl Client {
    pub fn name(self) -> &'static str {
        match self {
            Self::ClaudeDesktop => "Claude Desktop",
            Self::ClaudeCode => "Claude Code",
            Self::Cursor => "Cursor",
            Self::Vscode => "VS Code",
        }
    }
}

#[derive(Args, Clone)]
pub struct InstallArgs {
    /// The client whose configuration gets the server.
    pub client: Client,
    /// Print the configuration instead of writing it.
    #[arg(long)]
    pub print: bool,
    /// The configuration file (default: where the client keeps it; docs/clients.md).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The server's name in the client.
    #[arg(long, default_value = "layerops")]
    pub name: String,
    /// Serve the built-in sandbox (no account needed).
    #[arg(long)]
    pub sandbox: bool,
    /// Serve only read-only tools.
    #[arg(long)]
    pub read_only: bool,
    /// Serve these toolsets (comma-separated).
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub toolsets: Option<Vec<String>>,
    /// Serve this content root (default: the current directory when it holds
    /// registry/_server.yaml, as `serve` does, else the copy embedded in the binary).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// A variable for the server, NAME=VALUE (not a secret the content reads, such as the API
    /// key: see --env-from-dotenv). Repeatable.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Copy the secrets the served content reads (LAYEROPS_API_KEY_ID and
    /// LAYEROPS_API_KEY_SECRET for the shipped content) from ./.env into the file (they are
    /// then stored in it, in clear).
    #[arg(long)]
    pub env_from_dotenv: bool,
}

#[derive(Args, Clone)]
pub struct InitArgs {
    /// The folder to make the content root in (made if missing).
    pub dir: PathBuf,
    /// Write the example files over existing ones.
    #[arg(long)]
    pub force: bool,
}

#[derive(Subcommand)]
pub enum NewCommand {
    /// A tool file, registry/<toolset>/<NAME>.yaml, with the path's parameters as arguments.
    Tool(NewToolArgs),
}

#[derive(Args, Clone)]
pub struct NewToolArgs {
    /// The tool's name (letters, digits, `_`, `-`).
    pub name: String,
    /// The HTTP method.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// The request path; `{id}` or `{{ id }}` parameters become required arguments.
    #[arg(long)]
    pub path: String,
    /// The toolset (folder of registry/) to put it in.
    #[arg(long, default_value = "default")]
    pub toolset: String,
    #[command(flatten)]
    pub root: RootArg,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Clone)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Print a new random token, and the line that accepts it in a tokens file.
    Mint,
}

#[derive(Args, Clone)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub mode: ModeArgs,
    /// `table` for people, `json` to attach to a bug report (no secret in it).
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: OutputFormat,
}

#[derive(Subcommand)]
pub enum OpenapiCommand {
    /// Compare every tool of a content root with the document; exit 1 on a mismatch.
    Diff(OpenapiDiffArgs),
    /// Write a tool file for each operation of the document (filters narrow it down).
    Import(OpenapiImportArgs),
}

#[derive(Args, Clone)]
pub struct OpenapiDiffArgs {
    /// The document: a file or an https URL of OpenAPI 3.x or Swagger 2.0 (JSON or YAML), or
    /// a swagger-ui-init.js that embeds one.
    pub spec: String,
    #[command(flatten)]
    pub root: RootArg,
    /// `table` for people, `json` for scripts and bug reports.
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: OutputFormat,
}

#[derive(Args, Clone)]
pub struct OpenapiImportArgs {
    /// The document (as for `openapi diff`).
    pub spec: String,
    /// The folder to write the tool files into (a toolset folder under registry/).
    #[arg(long, value_name = "DIR")]
    pub into: PathBuf,
    /// Only operations with this tag (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Only this operation, by operationId or tool name (repeatable).
    #[arg(long = "operation", value_name = "ID")]
    pub operations: Vec<String>,
    /// Only operations whose path starts with this (repeatable).
    #[arg(long = "path", value_name = "PREFIX")]
    pub paths: Vec<String>,
    /// Put this in front of every tool name.
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub prefix: String,
    /// Replace files that exist.
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Args, Clone)]
pub struct SandboxArgs {
    /// Loopback address and port to listen on (port 0 picks a free one).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4010")]
    pub listen: std::net::SocketAddr,
}

#[derive(Args, Clone, Default)]
pub struct RootArg {
    /// Directory holding registry/, resources/ and prompts/ (default: the current directory
    /// when it holds registry/_server.yaml, else the copy embedded in the binary).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

#[derive(Args, Clone)]
pub struct CheckArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// Also report what these providers' schema dialects refuse in each tool's input
    /// (openai-strict, gemini; comma-separated). `serve --schema-profile` rewrites them.
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub profile: Vec<mcp_engine::SchemaProfile>,
    /// `table`: file:line:column: message lines; `json`: {"problems": [{file, line,
    /// column, message, advisory, profile}]}, for scripts and CI.
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: OutputFormat,
}

#[derive(Args, Clone)]
pub struct ListArgs {
    #[command(flatten)]
    pub mode: ModeArgs,
    /// `table` for people; `json` for scripts (tools with their request, toolset,
    /// annotations and file; resources; prompts).
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: OutputFormat,
}

/// Options that decide what is served and how calls behave.
#[derive(Args, Clone, Default)]
pub struct ModeArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// Return the request each tool would send (secrets masked) instead of sending it.
    #[arg(long)]
    pub dry_run: bool,
    /// Serve only the tools whose annotations say they are read-only.
    #[arg(long)]
    pub read_only: bool,
    /// Serve only the tools whose names match these globs (comma-separated), among the
    /// toolsets served (a tool of a toolset that is off needs --toolsets too).
    #[arg(long, value_name = "GLOB,...", value_delimiter = ',')]
    pub tools: Option<Vec<String>>,
    /// Serve these toolsets (folders of registry/): `default` is the toolsets on by
    /// default, `all` every toolset; e.g. `--toolsets default,unconfirmed` adds one.
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub toolsets: Option<Vec<String>>,
    /// Cut upstream answers longer than this many bytes (default: _server.yaml, else 102400).
    #[arg(long, value_name = "BYTES")]
    pub max_response_bytes: Option<usize>,
    /// Indent JSON answers for people. By default they are compact: a model reads about a
    /// third fewer tokens.
    #[arg(long)]
    pub pretty_answers: bool,
    /// Start the built-in sandbox (demo data, nothing real) and send every call to it.
    #[arg(long)]
    pub sandbox: bool,
    /// The secrets every log line is scrubbed of; the loader adds the upstream's.
    #[arg(skip)]
    pub log_secrets: mcp_engine::LogSecrets,
}

#[derive(Args, Clone, Default)]
pub struct ServeArgs {
    #[command(flatten)]
    pub mode: ModeArgs,
    /// Do not watch the content folders for changes (no hot reload).
    #[arg(long)]
    pub no_watch: bool,
    /// Serve MCP over Streamable HTTP on this address and port (path /mcp) instead of
    /// stdio, e.g. 127.0.0.1:8080 or localhost:8080.
    #[arg(long, value_name = "ADDR:PORT", value_parser = mcp_engine::parse_listen_address)]
    pub http: Option<std::net::SocketAddr>,
    /// Ask the user to confirm each destructive call through MCP elicitation: `ask` (the
    /// default; clients that cannot ask proceed), `require` (refuse destructive calls the
    /// user cannot be asked about) or `false`.
    #[arg(
        long,
        value_name = "ask|require|false",
        default_value = "ask",
        num_args = 0..=1,
        default_missing_value = "ask"
    )]
    pub confirm_destructive: mcp_engine::ConfirmMode,
    /// A file of at least 32 secret bytes, the same for every replica: it signs the state
    /// of 2026-07-28 confirmations, so that the user's answer may reach any replica.
    #[arg(long, value_name = "FILE")]
    pub confirmation_key_file: Option<PathBuf>,
    /// A Redis or Valkey that every replica shares, redis://[user:password@]host:port[/db]:
    /// each confirmation is then used once across all replicas (without it, once per
    /// replica). Best given in the environment, which `ps` does not show.
    #[arg(
        long,
        value_name = "URL",
        env = "LAYEROPS_CONFIRMATION_STORE",
        hide_env_values = true
    )]
    pub confirmation_store: Option<String>,
    /// Append one JSON line per call of a tool that is not read-only to FILE (tool, masked
    /// arguments, method, URL, outcome, status, duration).
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// With --http: also accept this Host header (loopback names always are). Repeatable.
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_hosts: Vec<String>,
    /// With --http: also accept browser requests from this Origin, e.g. https://app.example.com. Repeatable.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,
    /// With --http: accept only `Authorization: Bearer <token>` whose SHA-256 is in FILE
    /// (lines `sha256:<hex>`, made by `token mint`); calls use the server's own key.
    #[arg(long, value_name = "FILE", conflicts_with = "user_keys")]
    pub auth_tokens: Option<PathBuf>,
    /// With --http: each user sends their own LayerOps key as `Authorization: Bearer <key
    /// id>:<secret>`, and their calls use it; the server holds no key of its own.
    #[arg(long)]
    pub user_keys: bool,
    /// With --http on an address other machines can reach: serve without authentication,
    /// because a proxy in front authenticates every request. Anyone who reaches the port
    /// directly can call the API with the server's key.
    #[arg(long)]
    pub unsafe_no_auth_behind_proxy: bool,
    /// With --http: accept OAuth 2.1 access tokens (JWTs) of this issuer, checked against
    /// its keys; calls use the server's own key (tokens are never passed upstream).
    #[arg(long, value_name = "URL", requires = "oauth_resource", conflicts_with_all = ["auth_tokens", "user_keys"])]
    pub oauth_issuer: Option<String>,
    /// The issuer's key set (JWKS); default: <issuer>/.well-known/jwks.json.
    #[arg(long, value_name = "URL", requires = "oauth_issuer")]
    pub oauth_jwks_url: Option<String>,
    /// This server's public URL (https://host/mcp): the audience tokens must name.
    #[arg(long, value_name = "URL", requires = "oauth_issuer")]
    pub oauth_resource: Option<String>,
    /// The scope that serves only the read-only tools.
    #[arg(long, value_name = "SCOPE", default_value = "layerops:read")]
    pub oauth_read_scope: String,
    /// The scope that serves every tool.
    #[arg(long, value_name = "SCOPE", default_value = "layerops:write")]
    pub oauth_write_scope: String,
    /// With --http: sessions open at once; past it, new ones get 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_sessions: usize,
    /// With --http: on SIGTERM, answer /readyz with 503 for this many seconds before refusing
    /// new connections (in-flight requests then get up to 10 s more).
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub drain_delay_seconds: u64,
    /// With --http: sessions one user (a key id, a token, an OAuth subject) may hold.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_sessions_per_user: usize,
    /// With --http: close a session after this many seconds without a request.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub session_idle_seconds: u64,
    /// With --http: a client must send a request's headers within this many seconds (and
    /// an idle keep-alive connection is closed after it).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub header_read_timeout_seconds: u64,
    /// With --http: connections served at once; more wait to be accepted.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_connections: usize,
    /// With --http: largest request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// List tool schemas rewritten into a provider's dialect: openai-strict (OpenAI
    /// Structured Outputs) or gemini. Arguments are still checked against the files' schemas.
    #[arg(long, value_name = "NAME")]
    pub schema_profile: Option<mcp_engine::SchemaProfile>,
    /// Search mode, for large catalogues: tools/list holds three tools (search_tools,
    /// describe_tool, call_tool) instead of every tool, whatever the catalogue's size.
    #[arg(long)]
    pub tool_search: bool,
    /// Serve Prometheus metrics at http://ADDR:PORT/metrics, an address apart from MCP (calls
    /// by tool and outcome, latencies, upstream statuses, retries, sessions, reloads, the
    /// content's version). Off unless given.
    #[arg(long, value_name = "ADDR:PORT", value_parser = mcp_engine::parse_listen_address)]
    pub metrics: Option<std::net::SocketAddr>,
}

#[derive(Args, Clone)]
pub struct CallArgs {
    /// The tool's name.
    pub tool: String,
    /// The arguments: a JSON object, @FILE.json, or - to read them from standard input.
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub args: Option<String>,
    /// One argument, over --args: key=value (JSON where the value parses as JSON, else a
    /// string) or key:=json (always JSON). Repeatable.
    #[arg(long = "arg", value_name = "KEY=VALUE")]
    pub arg: Vec<String>,
    /// `text`: the result's text; `json`: the whole MCP tool result, for scripts.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
    #[command(flatten)]
    pub mode: ModeArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

/// The options of `serve` also stand alone (`layerops-mcp --sandbox`); given before another
/// command they would be ignored, so they are refused. The global options (`--log-level`,
/// `--otlp-endpoint`...) may come before or after any command: clap's
/// `args_conflicts_with_subcommands` refused those too when they came first.
fn refuse_serve_options_before_a_command(command: &mut clap::Command, matches: &ArgMatches) {
    let Some((name, _)) = matches.subcommand() else {
        return;
    };
    let misplaced = command.get_arguments().find(|arg| {
        !arg.is_global_set()
            && matches.value_source(arg.get_id().as_str())
                == Some(clap::parser::ValueSource::CommandLine)
    });
    if let Some(arg) = misplaced {
        let shown = arg
            .get_long()
            .map_or_else(|| arg.get_id().to_string(), |long| format!("--{long}"));
        command
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                format!("{shown} is an option of `serve`, not of `{name}`; put it after `{name}` if `{name}` takes it (see `layerops-mcp {name} --help`)"),
            )
            .exit();
    }
}

fn main() -> ExitCode {
    // Before anything reads the environment, and before threads exist.
    // Only a regular, small file: a FIFO or a device named .env must not hang the start.
    if std::fs::metadata(".env").is_ok_and(|m| m.is_file() && m.len() <= 64 * 1024) {
        let _ = dotenvy::from_path(".env");
    }
    // Every HTTP client (the upstream's, the OAuth keys', OpenAPI documents', the OTLP
    // exporter's) finds its TLS provider installed.
    mcp_engine::crypto::install();
    let mut command = <Cli as clap::CommandFactory>::command();
    let matches = command.get_matches_mut();
    refuse_serve_options_before_a_command(&mut command, &matches);
    let mut cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let log_secrets = mcp_engine::LogSecrets::default();
    // An endpoint set for every program in the environment does not stop a build without
    // an exporter; one asked for on the command line does.
    let otlp_from_env =
        matches.value_source("otlp_endpoint") == Some(clap::parser::ValueSource::EnvVariable);
    let mut traces_warning = None;
    let traces = match cli
        .otlp_endpoint
        .as_deref()
        .map(|endpoint| cli::telemetry::provider(endpoint, cli.otlp_protocol))
    {
        None => None,
        Some(Ok(provider)) => Some(provider),
        Some(Err(_)) if otlp_from_env && !cfg!(feature = "otlp") => {
            traces_warning = Some(format!(
                "OTEL_EXPORTER_OTLP_ENDPOINT is set, but no traces are sent: {}",
                cli::telemetry::NOT_BUILT_IN
            ));
            None
        }
        Some(Err(e)) => {
            eprintln!("layerops-mcp: cannot send traces: {e:#}");
            return ExitCode::from(2);
        }
    };
    // Flushes the traces when main returns.
    let _telemetry = cli::init_tracing(
        log_secrets.clone(),
        cli.log_level.as_deref(),
        cli.log_format,
        traces,
    );
    if let Some(warning) = traces_warning {
        tracing::warn!("{warning}");
    }
    match &mut cli.command {
        None => cli.serve.mode.log_secrets = log_secrets,
        Some(Command::Serve(args)) => args.mode.log_secrets = log_secrets,
        Some(Command::List(args)) => args.mode.log_secrets = log_secrets,
        Some(Command::Call(args)) => args.mode.log_secrets = log_secrets,
        Some(Command::Doctor(args)) => args.mode.log_secrets = log_secrets,
        Some(
            Command::Check(_)
            | Command::Sandbox(_)
            | Command::Openapi(_)
            | Command::Token(_)
            | Command::Init(_)
            | Command::New(_)
            | Command::Completions(_)
            | Command::Install(_),
        ) => {}
    }
    let result = match cli.command {
        None => cli::serve::run(cli.serve),
        Some(Command::Serve(args)) => cli::serve::run(*args),
        Some(Command::Check(args)) => cli::check::run(args),
        Some(Command::List(args)) => cli::list::run(args),
        Some(Command::Call(args)) => cli::call::run(args),
        Some(Command::Sandbox(args)) => cli::sandbox::run(args),
        Some(Command::Openapi(command)) => cli::openapi::run(command),
        Some(Command::Doctor(args)) => cli::doctor::run(args),
        Some(Command::Token(TokenCommand::Mint)) => cli::token::mint(),
        Some(Command::Init(args)) => cli::scaffold::init(args),
        Some(Command::Install(args)) => cli::install::run(args),
        Some(Command::New(NewCommand::Tool(args))) => cli::scaffold::new_tool(args),
        Some(Command::Completions(args)) => {
            use clap::CommandFactory;
            clap_complete::generate(
                args.shell,
                &mut Cli::command(),
                "layerops-mcp",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        // `layerops-mcp list | head` closes stdout early: that is not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("layerops-mcp: {e:#}");
            ExitCode::from(2)
        }
    }
}
