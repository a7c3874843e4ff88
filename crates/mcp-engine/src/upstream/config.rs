//! The upstream API of `_server.yaml`, with `env()` and `secret()` resolved once at load.
//! Secret values are kept apart from what may be shown: every header has a masked twin,
//! rendered with each `secret()` replaced by `****`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use minijinja::{Environment, UndefinedBehavior};
use url::Url;

use crate::definition::server::UpstreamDef;
use crate::diagnostic::FileReporter;

pub(crate) use crate::secret::MASK;

#[derive(Clone)]
pub(crate) struct UpstreamHeader {
    pub name: String,
    pub value: String,
    /// The value with every secret masked: safe for dry-run output and logs.
    pub shown: String,
}

#[derive(Clone)]
pub(crate) struct Upstream {
    pub base_url: Url,
    pub headers: Vec<UpstreamHeader>,
    /// Variables named by `secret()` that are unset or empty.
    pub missing_secrets: Vec<String>,
    /// Every variable named by `secret()`, set or not, in the order first read.
    pub secret_variables: Vec<String>,
    /// Every secret value, to scrub from anything shown.
    pub secrets: Vec<String>,
    /// The forms of those secrets to hide, worked out once.
    pub secret_forms: crate::secret::SecretForms,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_in_flight: usize,
    pub max_response_bytes: usize,
    pub retries: u32,
    pub credentials_help: Option<String>,
    /// What it was resolved from: a caller's own credentials resolve it again.
    source: Arc<(UpstreamDef, EnvOverrides)>,
}

impl Upstream {
    /// This upstream with `credentials` (variable name to value) in place of the server's
    /// own: what a call made with a user's key sends. Built per call, never kept.
    pub(crate) fn for_caller(&self, credentials: &BTreeMap<String, String>) -> Option<Upstream> {
        let (def, overrides) = &*self.source;
        let mut merged = (**overrides).clone();
        merged.extend(credentials.iter().map(|(k, v)| (k.clone(), v.clone())));
        let mut reporter = FileReporter::new("registry/_server.yaml", "", 1);
        let mut upstream = resolve(def, &Arc::new(merged), &mut reporter)?;
        upstream.max_response_bytes = self.max_response_bytes;
        Some(upstream)
    }
}

// Debug output shows only masked values: a `{:?}` in a log line must not leak a secret.
impl std::fmt::Debug for UpstreamHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamHeader")
            .field("name", &self.name)
            .field("value", &self.shown)
            .finish()
    }
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("base_url", &self.base_url.as_str())
            .field("headers", &self.headers)
            .field("missing_secrets", &self.missing_secrets)
            .field("secrets", &format_args!("[{} masked]", self.secrets.len()))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Upstream {
    /// Replaces every secret value found in `text` by the mask.
    pub(crate) fn scrub(&self, text: &str) -> String {
        self.scrub_owned(text.to_owned())
    }

    /// [`Self::scrub`] of a text the caller gives up: not copied when it holds no secret.
    pub(crate) fn scrub_owned(&self, text: String) -> String {
        self.secret_forms.scrub(text)
    }

    /// [`Self::scrub`] of JSON text, whose strings may write a secret with escapes.
    pub(crate) fn scrub_json(&self, text: String) -> String {
        self.secret_forms.scrub_json(text)
    }

    /// [`Self::scrub`] of a text cut short, which may end with the beginning of a secret.
    pub(crate) fn scrub_cut(&self, text: String) -> String {
        self.secret_forms.scrub_cut(text)
    }

    /// What a user must do before a call can be sent, if anything.
    pub(crate) fn missing_credentials_message(&self) -> Option<String> {
        self.credentials_message("This call needs credentials that are not set")
    }

    /// The same, said once at startup.
    pub(crate) fn missing_credentials_warning(&self) -> Option<String> {
        self.credentials_message(
            "No credentials: tools are listed, but calls fail until they are set",
        )
    }

    fn credentials_message(&self, opening: &str) -> Option<String> {
        if self.missing_secrets.is_empty() {
            return None;
        }
        let names = self.missing_secrets.join(" and ");
        let mut msg = format!(
            "{opening}: set {names} in the environment of the server (or in a .env file in its working directory), then restart it. Without credentials, --dry-run shows the request that would be sent."
        );
        if let Some(help) = &self.credentials_help {
            msg.push(' ');
            msg.push_str(help.trim());
        }
        Some(msg)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum SecretMode {
    Reveal,
    Mask,
}

/// Variables set by the program itself (the built-in sandbox) win over the process environment.
pub(crate) type EnvOverrides = Arc<BTreeMap<String, String>>;

fn lookup(overrides: &EnvOverrides, name: &str) -> Option<String> {
    overrides
        .get(name)
        .cloned()
        .or_else(|| std::env::var(name).ok())
}

/// What one resolution read: variables named by `secret()` that are unset, secret values,
/// and the variables `env()` found set (to name them when their value is wrong).
#[derive(Default, Clone)]
struct Reads {
    missing: Arc<Mutex<Vec<String>>>,
    named: Arc<Mutex<Vec<String>>>,
    secrets: Arc<Mutex<Vec<String>>>,
    set: Arc<Mutex<Vec<(String, String)>>>,
}

fn environment(mode: SecretMode, overrides: EnvOverrides, reads: Reads) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    let env_overrides = overrides.clone();
    let set = reads.set.clone();
    env.add_function(
        "env",
        move |name: String, default: Option<String>| -> String {
            match lookup(&env_overrides, &name) {
                Some(v) if !v.is_empty() => {
                    if let Ok(mut set) = set.lock()
                        && !set.iter().any(|(n, _)| *n == name)
                    {
                        set.push((name, v.clone()));
                    }
                    v
                }
                _ => default.unwrap_or_default(),
            }
        },
    );
    let Reads {
        missing,
        secrets,
        named,
        ..
    } = reads;
    env.add_function("secret", move |name: String| -> String {
        if mode == SecretMode::Mask {
            return MASK.to_owned();
        }
        if let Ok(mut named) = named.lock()
            && !named.contains(&name)
        {
            named.push(name.clone());
        }
        match lookup(&overrides, &name) {
            Some(v) if !v.trim().is_empty() => {
                if let Ok(mut s) = secrets.lock() {
                    s.push(v.clone());
                }
                v
            }
            _ => {
                if let Ok(mut m) = missing.lock()
                    && !m.contains(&name)
                {
                    m.push(name);
                }
                String::new()
            }
        }
    });
    env
}

/// Resolves `upstream`; problems go to `reporter` (for `_server.yaml`).
pub(crate) fn resolve(
    def: &UpstreamDef,
    overrides: &EnvOverrides,
    reporter: &mut FileReporter<'_>,
) -> Option<Upstream> {
    let reads = Reads::default();
    let reveal = environment(SecretMode::Reveal, overrides.clone(), reads.clone());
    let mask = environment(SecretMode::Mask, overrides.clone(), Reads::default());
    let Reads {
        missing,
        secrets,
        set,
        named,
    } = reads;
    let before = reporter.diagnostics.len();

    let base = match reveal.render_str(&def.base_url, ()) {
        Ok(text) => match Url::parse(text.trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                Some(url)
            }
            _ => {
                let shown = mask.render_str(&def.base_url, ()).unwrap_or_default();
                let shown = crate::text::truncate(&shown, 200);
                let from_env = set.lock().map(|s| s.clone()).unwrap_or_default();
                let message = match from_env.as_slice() {
                    [] => format!(
                        "base_url must be an absolute http(s) URL, not `{shown}`; write one such as https://api.example.com"
                    ),
                    vars => format!(
                        "the API address `{shown}` is not an absolute http(s) URL; it comes from {}: set it to a URL such as https://api.example.com, or unset it to use the default",
                        vars.iter()
                            .map(|(n, _)| format!("the environment variable {n}"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                };
                reporter.at(&["upstream", "base_url"], message);
                None
            }
        },
        Err(e) => {
            reporter.at(
                &["upstream", "base_url"],
                format!(
                    "template error in base_url: {}",
                    crate::request::template::describe_jinja_error(&e)
                ),
            );
            None
        }
    };

    let mut headers = Vec::new();
    for (name, value) in &def.headers {
        let Some(source) = value
            .as_str()
            .map(str::to_owned)
            .or_else(|| (!value.is_null()).then(|| value.to_string()))
        else {
            continue;
        };
        // The name's rule is the file format's (docs/schema/); the value is known only now.
        match (reveal.render_str(&source, ()), mask.render_str(&source, ())) {
            (Ok(value), Ok(shown)) => {
                if value.chars().any(|c| c.is_control() && c != '\t') {
                    reporter.at(&["upstream", "headers", name], format!("header `{name}` would contain a line break or a control character; check the variables it reads"));
                    continue;
                }
                headers.push(UpstreamHeader {
                    name: name.clone(),
                    value,
                    shown,
                });
            }
            (Err(e), _) | (_, Err(e)) => reporter.at(
                &["upstream", "headers", name],
                format!(
                    "template error in header `{name}`: {}",
                    crate::request::template::describe_jinja_error(&e)
                ),
            ),
        }
    }

    // Bounds of numbers are the file format's rules (docs/schema/), checked before this.
    let seconds = |value: f64| Duration::try_from_secs_f64(value).unwrap_or(Duration::from_secs(1));
    let timeout = seconds(def.timeout_seconds);
    let connect_timeout = seconds(def.connect_timeout_seconds);
    if reporter.diagnostics.len() > before {
        return None;
    }
    let missing_secrets = missing.lock().map(|m| m.clone()).unwrap_or_default();
    let secret_variables = named.lock().map(|n| n.clone()).unwrap_or_default();
    let secrets = secrets.lock().map(|s| s.clone()).unwrap_or_default();
    Some(Upstream {
        base_url: base?,
        headers,
        missing_secrets,
        secret_variables,
        secret_forms: crate::secret::SecretForms::new(&secrets),
        secrets,
        timeout,
        connect_timeout,
        max_in_flight: def.max_in_flight,
        max_response_bytes: def.max_response_bytes,
        retries: def.retries,
        credentials_help: def.credentials_help.clone(),
        source: Arc::new((def.clone(), overrides.clone())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_secret() {
        let upstream = Upstream {
            base_url: Url::parse("https://api.example.com").unwrap(),
            headers: vec![UpstreamHeader {
                name: "X-API-KEY".into(),
                value: "id:s3cr3t-value".into(),
                shown: "****:****".into(),
            }],
            missing_secrets: vec![],
            secret_variables: vec!["KEY".into()],
            secrets: vec!["s3cr3t-value".into()],
            secret_forms: crate::secret::SecretForms::new(&["s3cr3t-value".into()]),
            timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(1),
            max_in_flight: 1,
            max_response_bytes: 1024,
            retries: 0,
            credentials_help: None,
            source: Arc::new((
                serde_yaml::from_str("base_url: https://api.example.com\n").unwrap(),
                EnvOverrides::default(),
            )),
        };
        let shown = format!("{upstream:?}");
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(shown.contains("****:****"));
        assert_eq!(upstream.scrub("token s3cr3t-value here"), "token **** here");
    }
}
