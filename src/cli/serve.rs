//! `layerops-mcp serve`: MCP over stdio, with hot reload of a content root on disk.

use std::process::ExitCode;

use anyhow::Context;
use std::time::Duration;

use mcp_engine::{Access, Auth, Catalog, Engine, HttpLimits, OAuthSettings, TokenHashes};

use crate::ServeArgs;

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let runtime = super::runtime()?;
    let served = runtime.block_on(serve(args));
    if served.is_err() {
        // A refusal may come while standard input is still open: a read of it blocked
        // on a thread must not keep the process from exiting with its message.
        runtime.shutdown_background();
    }
    served
}

/// The variables a user's key fills, in `Authorization: Bearer <key id>:<secret>`.
const USER_KEY_VARIABLES: (&str, &str) = ("LAYEROPS_API_KEY_ID", "LAYEROPS_API_KEY_SECRET");

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
                return;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM ({e}); Ctrl-C still stops the server")
            }
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// The authentication `serve --http` uses; refuses to expose the server without one.
fn http_auth(args: &ServeArgs, addr: std::net::SocketAddr) -> anyhow::Result<Auth> {
    let auth = if let Some(path) = &args.auth_tokens {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the tokens file {}", path.display()))?;
        Auth::Tokens(
            TokenHashes::parse(&text)
                .with_context(|| format!("{} is not usable", path.display()))?,
        )
    } else if let (Some(issuer), Some(resource)) = (&args.oauth_issuer, &args.oauth_resource) {
        let issuer = issuer.trim_end_matches('/').to_owned();
        Auth::OAuth(OAuthSettings {
            jwks_url: args
                .oauth_jwks_url
                .clone()
                .unwrap_or_else(|| format!("{issuer}/.well-known/jwks.json")),
            issuer,
            resource: resource.clone(),
            read_scope: args.oauth_read_scope.clone(),
            write_scope: args.oauth_write_scope.clone(),
        })
    } else if args.user_keys {
        Auth::UserKey {
            id_variable: USER_KEY_VARIABLES.0.to_owned(),
            secret_variable: USER_KEY_VARIABLES.1.to_owned(),
        }
    } else {
        Auth::None
    };
    if !auth.is_enabled() && !addr.ip().is_loopback() && !args.unsafe_no_auth_behind_proxy {
        anyhow::bail!(
            "refusing to serve on {addr} without authentication: anyone who reaches it could call the API with this server's key. Use --user-keys (each user sends their own key), --auth-tokens FILE (tokens from `layerops-mcp token mint`), a loopback address such as 127.0.0.1, or, behind a proxy that authenticates every request, --unsafe-no-auth-behind-proxy"
        );
    }
    Ok(auth)
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    if args.http.is_none()
        && (args.auth_tokens.is_some() || args.user_keys || args.oauth_issuer.is_some())
    {
        anyhow::bail!("--auth-tokens, --user-keys and --oauth-issuer apply to --http only");
    }
    let mut upstream_env = super::start_sandbox(&args.mode).await?;
    if args.user_keys {
        // The server holds no key of its own: only the callers' keys are ever sent.
        upstream_env.insert(USER_KEY_VARIABLES.0.to_owned(), String::new());
        upstream_env.insert(USER_KEY_VARIABLES.1.to_owned(), String::new());
    }
    let mut builder = super::builder(&args.mode, false, upstream_env)?;
    if let Some(path) = &args.confirmation_key_file {
        let secret = std::fs::read(path)
            .with_context(|| format!("cannot read the confirmation key file {}", path.display()))?;
        builder = builder
            .confirmation_secret(&secret)
            .with_context(|| format!("{} is not usable", path.display()))?;
    }
    // The store's password (in its URL) is a secret: no log line may show it, whatever a
    // client library's error says.
    if let Some(password) = args
        .confirmation_store
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.password().map(str::to_owned))
    {
        args.mode.log_secrets.extend(&[password]);
    }
    let engine = builder
        .confirm_destructive(args.confirm_destructive)
        .confirmation_store(args.confirmation_store.clone())
        .metrics_address(args.metrics)
        .tool_search(args.tool_search)
        .schema_profile(args.schema_profile)
        .audit_log(args.audit_log.clone())
        .watch(!args.no_watch)
        // Over stdio, `initialize` is answered while the content loads.
        .load_in_background(args.http.is_none())
        .build()?;
    if let Some(path) = &args.audit_log {
        tracing::info!(path = %path.display(), "calls of tools that are not read-only are written to the audit log");
    }
    let (dry_run, user_keys) = (args.mode.dry_run, args.user_keys);
    match args.http {
        Some(addr) => {
            check_loaded(&engine.catalog(), dry_run, user_keys).map_err(anyhow::Error::msg)?;
            serve_http(addr, &args, engine).await
        }
        None => {
            engine
                .serve_stdio_once_loaded(move |catalog| check_loaded(catalog, dry_run, user_keys))
                .await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Says what the loaded catalog serves, and refuses to serve a selection that names what
/// does not exist or leaves every tool out.
fn check_loaded(catalog: &Catalog, dry_run: bool, user_keys: bool) -> Result<(), String> {
    for d in catalog.diagnostics() {
        tracing::warn!("{}", catalog.shown(d));
    }
    if !catalog.selection_problems().is_empty() {
        return Err(catalog.selection_problems().join("\n"));
    }
    let (served, left_out) = catalog.tool_counts();
    if served == 0 {
        if left_out > 0 {
            let reasons: std::collections::BTreeSet<String> = catalog
                .tool_summaries()
                .into_iter()
                .filter_map(|t| t.not_served)
                .collect();
            return Err(format!(
                "no tool would be served: all {left_out} tools are left out ({}). Change --read-only, --tools or --toolsets.",
                reasons.into_iter().collect::<Vec<_>>().join("; ")
            ));
        }
        tracing::warn!(
            "no tool is served: {} holds no tool file that loads ({} problem(s); `layerops-mcp check` lists them). Clients are told so.",
            catalog.source_description(),
            catalog.diagnostics().len()
        );
    }
    let (resources, prompts) = catalog.document_counts();
    tracing::info!(
        tools = served,
        resources,
        prompts,
        "serving {} from {}{}",
        catalog.name(),
        catalog.source_description(),
        if dry_run {
            " (dry run: no request is sent)"
        } else {
            ""
        }
    );
    if let Some(message) = catalog.missing_credentials_warning()
        && !dry_run
        && !user_keys
    {
        tracing::warn!("{message}");
    }
    Ok(())
}

async fn serve_http(
    addr: std::net::SocketAddr,
    args: &ServeArgs,
    engine: Engine,
) -> anyhow::Result<ExitCode> {
    let auth = http_auth(args, addr)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    if let Some(warning) = mcp_engine::exposure_warning(&bound)
        && !auth.is_enabled()
    {
        tracing::warn!("{warning}");
    }
    tracing::info!("MCP over HTTP on http://{bound}/mcp");
    let shutdown = tokio_util::sync::CancellationToken::new();
    let draining = tokio_util::sync::CancellationToken::new();
    let (stop, drain) = (shutdown.clone(), draining.clone());
    let delay = Duration::from_secs(args.drain_delay_seconds);
    // SIGTERM (what Kubernetes and systemd send) or Ctrl-C: readiness turns false first, so
    // that load balancers stop sending new clients; then accepting stops and in-flight
    // requests finish (at most 10 s).
    tokio::spawn(async move {
        stop_signal().await;
        tracing::info!(
            "stopping: /readyz answers 503 now; new connections are refused in {}s",
            delay.as_secs()
        );
        drain.cancel();
        tokio::time::sleep(delay).await;
        stop.cancel();
    });
    let limits = HttpLimits {
        max_sessions: args.max_sessions,
        max_sessions_per_user: args.max_sessions_per_user.max(1),
        session_idle: Duration::from_secs(args.session_idle_seconds.max(1)),
        header_read_timeout: Duration::from_secs(args.header_read_timeout_seconds.max(1)),
        max_connections: args.max_connections.max(1),
        max_body_bytes: args.max_body_bytes,
    };
    let access = Access::loopback_and(&args.allow_hosts, &args.allow_origins)
        .with_auth(auth)
        .with_limits(limits);
    let access = Access { draining, ..access };
    engine.serve_http(listener, access, shutdown).await?;
    Ok(ExitCode::SUCCESS)
}
