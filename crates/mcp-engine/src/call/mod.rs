//! One tool call from arguments to result: validate, render, send (or show, in dry-run),
//! shape the answer. Shared by the MCP server and the `call` command.

pub(crate) mod audit;
mod pretty;
mod result;
mod shape_stream;
mod validate;

use rmcp::model::{CallToolResult, ContentBlock, JsonObject};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use self::audit::{AuditLog, AuditRecord, CallSecrets, Outcome};
use crate::catalog::{Catalog, ToolEntry, Upstream};
use crate::observe::Metrics;
use crate::observe::metrics::CallOutcome;
use crate::observe::trace;
use crate::request::render::render;
use crate::request::{RenderedRequest, Templates};
use crate::transport::auth::CallerCredentials;
use crate::upstream::HttpClient;
use tracing::Instrument;

pub(crate) use validate::validation_errors;

/// For the fuzz target `answers`: see [`crate::fuzzing::shape_answer`].
#[cfg(feature = "fuzzing")]
pub(crate) fn compare_shaping(body: &[u8], choice: u8) {
    shape_stream::compare_with_tree(body, choice);
}

/// Refusals that are protocol errors rather than tool results.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)] // The fields are named for what they hold; the messages say the rest.
pub enum CallError {
    /// No tool has this name; `hint` names close ones.
    #[error("unknown tool `{name}`{hint}")]
    UnknownTool { name: String, hint: String },
    /// The tool exists but this mode leaves it out, for `reason`.
    #[error("tool `{name}` is not served: {reason}")]
    NotServed { name: String, reason: String },
    /// The tool's file failed to load and has no good version to serve.
    #[error(
        "tool `{name}` is not available: its file {file} failed to load ({problems}). Fix the file; `{program} check` lists every problem"
    )]
    FailedToLoad {
        name: String,
        file: String,
        problems: String,
        program: String,
    },
}

#[derive(Clone)]
pub(crate) struct Caller {
    http: HttpClient,
    dry_run: bool,
    audit: Option<AuditLog>,
    metrics: Arc<Metrics>,
    /// Answers indented for people rather than compact for models.
    pretty: bool,
}

/// What [`Caller::prepare`] made of a call: answered already (invalid arguments, dry run,
/// missing credentials), or a request ready to send.
pub(crate) enum Step<'c> {
    Done(CallToolResult),
    Send(Box<Pending<'c>>),
}

/// A validated call with its request rendered, not sent yet.
pub(crate) struct Pending<'c> {
    entry: &'c ToolEntry,
    upstream: Cow<'c, Upstream>,
    /// The key id of a caller who sent their own key: the audit log names it.
    caller: Option<String>,
    templates: &'c Templates,
    request: RenderedRequest,
    args: Map<String, Value>,
    secrets: CallSecrets,
}

impl Pending<'_> {
    pub(crate) fn tool(&self) -> &str {
        self.entry.name()
    }

    /// Whether the tool says it may destroy something (and is not read-only).
    pub(crate) fn destructive(&self) -> bool {
        self.entry.destructive && !self.entry.read_only
    }

    /// `METHOD URL`, with every secret masked: what a user is asked to confirm.
    pub(crate) fn request_line(&self) -> String {
        self.secrets.scrub(
            &self.upstream,
            &format!("{} {}", self.request.method.as_str(), self.request.url),
        )
    }

    /// The tool and its exact arguments: what a confirmation is for.
    /// The key id of a caller who sent their own key.
    pub(crate) fn caller(&self) -> Option<&str> {
        self.caller.as_deref()
    }

    pub(crate) fn fingerprint(&self) -> String {
        format!(
            "{}\n{}",
            self.entry.name(),
            Value::Object(self.args.clone())
        )
    }

    /// The arguments as the user may see them: secret-sounding names and secrets masked.
    pub(crate) fn shown_arguments(&self) -> Value {
        audit::masked_arguments(&self.args, &self.secrets, &self.upstream)
    }
}

impl Caller {
    pub(crate) fn new(http: HttpClient, dry_run: bool) -> Self {
        let metrics = Arc::new(Metrics::default());
        Self {
            http: http.with_metrics(metrics.clone()),
            dry_run,
            audit: None,
            metrics,
            pretty: false,
        }
    }

    /// Lays out JSON answers indented instead of compact.
    pub(crate) fn with_pretty_answers(mut self, pretty: bool) -> Self {
        self.pretty = pretty;
        self
    }

    /// What the calls of this caller are counted in.
    pub(crate) fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Writes a line to `log` for every call of a tool that is not read-only.
    pub(crate) fn with_audit_log(mut self, log: AuditLog) -> Self {
        self.audit = Some(log);
        self
    }

    /// Validates, renders and sends one call. Cancellation is the caller's: drop the future
    /// to stop the HTTP call.
    pub(crate) async fn call(
        &self,
        catalog: &Catalog,
        name: &str,
        arguments: Option<JsonObject>,
    ) -> Result<CallToolResult, CallError> {
        Ok(match self.prepare(catalog, name, arguments, None)? {
            Step::Done(result) => result,
            Step::Send(pending) => self.send(*pending).await,
        })
    }

    /// Everything before the request goes out: a place to ask the user first.
    pub(crate) fn prepare<'c>(
        &self,
        catalog: &'c Catalog,
        name: &str,
        arguments: Option<JsonObject>,
        credentials: Option<&CallerCredentials>,
    ) -> Result<Step<'c>, CallError> {
        let entry = match catalog.tools.get(name) {
            Some(entry) => entry,
            None => return Err(refusal(catalog, name)),
        };
        let mut args_value = Value::Object(arguments.unwrap_or_default());
        // A strict-mode client sends null for each optional field it leaves out.
        if catalog.schema_profile == Some(crate::SchemaProfile::OpenAiStrict) {
            let schema = entry.listed.input_schema_kept();
            crate::catalog::schema_profile::without_nulls(&mut args_value, &schema);
        }
        let problems = match entry.validator.get(&entry.listed) {
            Some(validator) => validation_errors(validator, &args_value),
            None => vec![format!(
                "- the input schema of {} cannot be compiled; run `check`",
                entry.file
            )],
        };
        if !problems.is_empty() {
            // A secret the model sent is not echoed back in the explanation.
            let sent_secrets = crate::secret::SecretForms::new(&entry.secrets.texts(&args_value));
            let text = sent_secrets.scrub(format!(
                "Invalid arguments for {}:\n{}\nFix the arguments and call again.",
                entry.name(),
                problems.join("\n")
            ));
            return Ok(Step::Done(error_text(text)));
        }
        let masked = entry.secrets.masked_values(&args_value);
        if !masked.is_empty() {
            return Ok(Step::Done(error_text(format!(
                "Not sent: {} of {} only holds a mask (`********`), which is how answers show a secret. Sent back, it would replace the real secret with the mask. To keep the current secret, leave that field out of the call (for a list such as environmentVariables, leave the whole list out); to change it, give its real value, asked of the user.",
                masked.join(", "),
                entry.name()
            ))));
        }
        let secrets = CallSecrets::of(&entry.secrets, &args_value);
        let Value::Object(args) = args_value else {
            unreachable!("built from an object above")
        };
        let Some(shared) = catalog.upstream.as_deref() else {
            return Ok(Step::Done(error_text(format!(
                "The server cannot call the API, because its settings (registry/_server.yaml) are wrong: {}. Fix them and restart the server.",
                catalog.problems_of("registry/_server.yaml")
            ))));
        };
        // A caller's own key: the upstream resolved again with it, for this call only.
        let upstream: Cow<'c, Upstream> = match credentials {
            None => Cow::Borrowed(shared),
            Some(credentials) => match shared.for_caller(&credentials.values) {
                Some(own) => Cow::Owned(own),
                None => {
                    return Ok(Step::Done(error_text(
                        "The server cannot use the credentials this request carries; check the key sent in the Authorization header.".to_owned(),
                    )));
                }
            },
        };
        let request = match render(
            &catalog.templates,
            &entry.request,
            &upstream.base_url,
            &args,
        ) {
            Ok(r) => r,
            Err(e) => {
                return Ok(Step::Done(error_text(format!(
                    "Cannot build the request for {}: {e}.",
                    entry.name()
                ))));
            }
        };
        if self.dry_run {
            let caller = credentials.map(|c| c.key_id.as_str());
            if let Some(record) =
                self.audit_record(entry, &upstream, &request, &args, &secrets, caller)
            {
                record.finish(Outcome::DryRun, &upstream);
            }
            return Ok(Step::Done(result::dry_run(&upstream, &request, &secrets)));
        }
        if let Some(message) = upstream.missing_credentials_message() {
            return Ok(Step::Done(error_text(message)));
        }
        Ok(Step::Send(Box::new(Pending {
            entry,
            upstream,
            caller: credentials.map(|c| c.key_id.clone()),
            templates: &catalog.templates,
            request,
            args,
            secrets,
        })))
    }

    /// Sends a prepared call and shapes the answer.
    pub(crate) async fn send(&self, pending: Pending<'_>) -> CallToolResult {
        let Pending {
            entry,
            upstream,
            caller,
            templates,
            mut request,
            args,
            secrets,
        } = pending;
        let upstream: &Upstream = &upstream;
        let started = Instant::now();
        let _in_flight = self.metrics.call_started();
        // Written even if this future is dropped: a cancelled call may have reached the API.
        let record = self.audit_record(
            entry,
            upstream,
            &request,
            &args,
            &secrets,
            caller.as_deref(),
        );
        let timeout = entry.request.timeout.unwrap_or(upstream.timeout);
        let span = trace::upstream_span(request.method.as_str(), &entry.request.path_source);
        // The API sees this call as a child of the client's trace.
        if let Some((parent, state)) = span.in_scope(trace::current_traceparent) {
            request.headers.push(("traceparent".to_owned(), parent));
            if let Some(state) = state {
                request.headers.push(("tracestate".to_owned(), state));
            }
        }
        let sent = self
            .http
            .send(
                upstream,
                &request,
                timeout,
                entry.idempotent,
                entry.read_limit(upstream.max_response_bytes),
            )
            .instrument(span.clone())
            .await;
        if let Ok(response) = &sent {
            span.record("http.response.status_code", response.status.as_u16());
        }
        let status = sent.as_ref().ok().map(|r| r.status.as_u16());
        let took = started.elapsed();
        self.metrics
            .upstream_answered(request.method.as_str(), status, took);
        let outcome = match status {
            Some(s) if s < 400 => CallOutcome::Ok,
            Some(_) => CallOutcome::ApiError,
            None => CallOutcome::Failed,
        };
        self.metrics.call_ended(entry.name(), outcome, Some(took));
        // No argument values: the route is the path as written in the tool file.
        tracing::info!(
            tool = %entry.name(),
            method = request.method.as_str(),
            route = %entry.request.path_source,
            status = status.map(i64::from).unwrap_or(-1),
            duration_ms = took.as_secs_f64() * 1000.0,
            "call"
        );
        match sent {
            Ok(response) => {
                if let Some(record) = record {
                    record.finish(Outcome::Answered(response.status.as_u16()), upstream);
                }
                result::shape(
                    entry,
                    upstream,
                    &request,
                    response,
                    templates,
                    &args,
                    self.pretty,
                )
            }
            Err(e) => {
                let text = secrets.scrub(
                    upstream,
                    &format!("{} failed: {e}.", result::request_shown(&request)),
                );
                if let Some(record) = record {
                    record.finish(Outcome::Failed(&e.to_string()), upstream);
                }
                error_text(text)
            }
        }
    }

    /// The user said no: nothing is sent, and the model is told not to insist.
    pub(crate) fn decline(&self, pending: Pending<'_>, why: &str) -> CallToolResult {
        self.metrics
            .call_ended(pending.tool(), CallOutcome::Declined, None);
        tracing::info!(tool = pending.tool(), "call declined: nothing sent");
        if let Some(record) = self.audit_record(
            pending.entry,
            &pending.upstream,
            &pending.request,
            &pending.args,
            &pending.secrets,
            pending.caller.as_deref(),
        ) {
            record.finish(Outcome::Declined(why), &pending.upstream);
        }
        error_text(format!(
            "Not done: {why}. Nothing was sent ({}). Do not call {} again unless the user asks for it.",
            pending.request_line(),
            pending.tool()
        ))
    }

    fn audit_record(
        &self,
        entry: &ToolEntry,
        upstream: &Upstream,
        request: &RenderedRequest,
        args: &Map<String, Value>,
        secrets: &CallSecrets,
        caller: Option<&str>,
    ) -> Option<AuditRecord> {
        let log = self.audit.as_ref().filter(|_| !entry.read_only)?;
        let mut record = AuditRecord::begin(log, entry.name(), upstream, request, args, secrets);
        if let Some(key_id) = caller {
            record.caller(key_id);
        }
        Some(record)
    }
}

fn refusal(catalog: &Catalog, name: &str) -> CallError {
    // A name is echoed in the error: a huge one is cut.
    let shown = crate::text::truncate(name, 200);
    if let Some((_, reason)) = catalog.unserved.get(name) {
        return CallError::NotServed {
            name: name.to_owned(),
            reason: reason.clone(),
        };
    }
    if let Some(file) = catalog.failed_tools.get(name) {
        return CallError::FailedToLoad {
            name: name.to_owned(),
            file: file.clone(),
            problems: crate::text::truncate(&catalog.problems_of(file), 1_000),
            program: catalog.program.to_string(),
        };
    }
    let close: Vec<&str> = catalog
        .tools
        .keys()
        .filter(|k| similar(k, name))
        .take(3)
        .collect();
    let hint = if close.is_empty() {
        "; call tools/list to see the tools".to_owned()
    } else {
        format!("; did you mean {}?", close.join(", "))
    };
    CallError::UnknownTool { name: shown, hint }
}

fn similar(candidate: &str, name: &str) -> bool {
    let (a, b) = (candidate.to_ascii_lowercase(), name.to_ascii_lowercase());
    !b.is_empty()
        && (a.contains(&b) || b.contains(&a) || a.replace('-', "_") == b.replace('-', "_"))
}

pub(crate) fn error_text(text: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text)])
}

/// The JSON shown for a dry run and by the `call` command.
pub(crate) fn dry_run_json(
    method: &str,
    url: &str,
    headers: Vec<(String, String)>,
    body: Option<&Value>,
) -> Value {
    let headers: Map<String, Value> = headers
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    json!({ "dryRun": true, "method": method, "url": url, "headers": headers, "body": body })
}
