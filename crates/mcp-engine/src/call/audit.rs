//! `--audit-log FILE`: one JSON line per call of a tool that is not read-only, written
//! whatever became of it (sent, failed, declined by the user, cancelled, dry run).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Map, Value, json};

use crate::catalog::Upstream;
use crate::catalog::secret_fields::SecretFields;
use crate::request::RenderedRequest;
use crate::secret::MASK;

#[derive(Debug, thiserror::Error)]
#[error(
    "cannot open the audit log {path}: {source}; give --audit-log a file in a folder that exists and that the server may write to"
)]
pub struct AuditOpenError {
    path: PathBuf,
    source: std::io::Error,
}

/// The audit log file, shared by every call of the process.
#[derive(Clone)]
pub(crate) struct AuditLog {
    path: Arc<PathBuf>,
    file: Arc<Mutex<File>>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.path)
            .finish()
    }
}

impl AuditLog {
    /// Opens `path` for appending, creating it readable by its owner only (it holds the
    /// arguments of calls).
    pub(crate) fn open(path: &Path) -> Result<Self, AuditOpenError> {
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|source| AuditOpenError {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            path: Arc::new(path.to_owned()),
            file: Arc::new(Mutex::new(file)),
        })
    }

    fn write(&self, line: &Value) {
        let mut text = line.to_string();
        text.push('\n');
        // A poisoned lock only means another writer panicked mid-line; the file is still good.
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        // One write of the whole line: with O_APPEND, lines of concurrent calls never mix.
        if let Err(e) = file.write_all(text.as_bytes()) {
            tracing::error!(path = %self.path.display(), "cannot write to the audit log: {e}");
        }
    }
}

/// What happened to an audited call.
pub(crate) enum Outcome<'a> {
    /// The API answered, with this HTTP status.
    Answered(u16),
    /// No answer: the connection failed or timed out.
    Failed(&'a str),
    /// The user said no when asked to confirm.
    Declined(&'a str),
    /// Dry run: nothing was sent.
    DryRun,
}

/// One call being audited. Dropped before [`Self::finish`] (the client cancelled the
/// call, and the request may have been sent), it still writes its line, as `cancelled`.
pub(crate) struct AuditRecord {
    log: AuditLog,
    start: Instant,
    line: Map<String, Value>,
    finished: bool,
}

impl AuditRecord {
    pub(crate) fn begin(
        log: &AuditLog,
        tool: &str,
        upstream: &Upstream,
        request: &RenderedRequest,
        args: &Map<String, Value>,
        secrets: &CallSecrets,
    ) -> Self {
        let mut line = Map::new();
        line.insert(
            "time".into(),
            chrono::Utc::now()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                .into(),
        );
        line.insert("tool".into(), tool.into());
        line.insert(
            "arguments".into(),
            masked_arguments(args, secrets, upstream),
        );
        line.insert("method".into(), request.method.as_str().into());
        line.insert(
            "url".into(),
            secrets.scrub(upstream, request.url.as_str()).into(),
        );
        Self {
            log: log.clone(),
            start: Instant::now(),
            line,
            finished: false,
        }
    }

    /// The key id of the caller who sent their own key (never the secret).
    pub(crate) fn caller(&mut self, key_id: &str) {
        self.line.insert("caller".into(), key_id.into());
    }

    pub(crate) fn finish(mut self, outcome: Outcome<'_>, upstream: &Upstream) {
        let (name, status, detail) = match outcome {
            Outcome::Answered(status) => ("answered", json!(status), None),
            Outcome::Failed(why) => ("failed", Value::Null, Some(upstream.scrub(why))),
            Outcome::Declined(why) => ("declined", Value::Null, Some(upstream.scrub(why))),
            Outcome::DryRun => ("dry-run", Value::Null, None),
        };
        self.write(name, status, detail);
    }

    fn write(&mut self, outcome: &str, status: Value, detail: Option<String>) {
        self.finished = true;
        self.line.insert("outcome".into(), outcome.into());
        self.line.insert("status".into(), status);
        if let Some(detail) = detail {
            self.line.insert("detail".into(), detail.into());
        }
        let ms = self.start.elapsed().as_secs_f64() * 1000.0;
        self.line
            .insert("durationMs".into(), json!((ms * 1000.0).round() / 1000.0));
        self.log
            .write(&Value::Object(std::mem::take(&mut self.line)));
    }
}

impl Drop for AuditRecord {
    fn drop(&mut self) {
        if !self.finished {
            self.write("cancelled", Value::Null, None);
        }
    }
}

/// Argument names whose values are masked whatever they hold.
const SECRET_NAMES: [&str; 8] = [
    "secret",
    "password",
    "passwd",
    "token",
    "apikey",
    "privatekey",
    "credential",
    "authorization",
];

fn secret_name(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SECRET_NAMES.iter().any(|s| folded.contains(s))
}

/// The secret values of one call's arguments, as the tool's schema marks them.
#[derive(Default)]
pub(crate) struct CallSecrets {
    fields: SecretFields,
    forms: crate::secret::SecretForms,
}

impl CallSecrets {
    pub(crate) fn of(fields: &SecretFields, args: &Value) -> Self {
        Self {
            fields: fields.clone(),
            forms: crate::secret::SecretForms::new(&fields.texts(args)),
        }
    }

    /// `text` without the upstream's secrets nor this call's.
    pub(crate) fn scrub(&self, upstream: &Upstream, text: &str) -> String {
        self.forms.scrub(upstream.scrub(text))
    }
}

/// The arguments with the values the schema marks secret and every value under a
/// secret-sounding name masked, and every configured secret scrubbed from the rest.
pub(crate) fn masked_arguments(
    args: &Map<String, Value>,
    secrets: &CallSecrets,
    upstream: &Upstream,
) -> Value {
    let marked = if secrets.fields.is_empty() {
        Value::Object(args.clone())
    } else {
        secrets.fields.mask(&Value::Object(args.clone()))
    };
    let Value::Object(marked) = marked else {
        return Value::Null;
    };
    Value::Object(
        marked
            .iter()
            .map(|(k, v)| (k.clone(), mask_value(k, v, secrets, upstream)))
            .collect(),
    )
}

fn mask_value(name: &str, value: &Value, secrets: &CallSecrets, upstream: &Upstream) -> Value {
    if secret_name(name) && !value.is_null() {
        return MASK.into();
    }
    match value {
        Value::String(s) => secrets.scrub(upstream, s).into(),
        Value::Array(items) => items
            .iter()
            .map(|v| mask_value("", v, secrets, upstream))
            .collect(),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), mask_value(k, v, secrets, upstream)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_sound_secret_are_masked_at_any_depth() {
        for name in [
            "password",
            "apiKey",
            "api_key",
            "X-Auth-Token",
            "clientSecret",
        ] {
            assert!(secret_name(name), "{name}");
        }
        for name in ["name", "projectId", "environmentId", "replicas"] {
            assert!(!secret_name(name), "{name}");
        }
    }
}
