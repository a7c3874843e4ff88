//! Hiding secrets in text shown to anyone: tool results, errors, dry runs, confirmations,
//! the audit log and log lines. A secret is hidden as written, JSON-escaped and
//! percent-encoded, and a text cut short also loses a trailing beginning of a secret.

use std::sync::{Arc, RwLock};

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

pub(crate) const MASK: &str = "****";

/// Secrets shorter than this are not scrubbed: they would mask ordinary words.
const MIN_SECRET: usize = 4;

/// A trailing piece of text this long that begins a secret is masked too.
const MIN_PREFIX: usize = 3;

/// The forms a secret can take in text we show: as written, inside a JSON string, and
/// percent-encoded in a URL.
fn forms(secret: &str) -> impl Iterator<Item = String> {
    let json = serde_json::to_string(secret)
        .map(|q| q[1..q.len() - 1].to_owned())
        .unwrap_or_default();
    let json_ascii = ascii_json_escape(secret);
    let percent = utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string();
    let form = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>();
    [secret.to_owned(), json, json_ascii, percent, form].into_iter()
}

/// `\u00XX` escapes for every character that is not a letter or a digit: the form an API
/// may use to write a secret inside a JSON string.
fn ascii_json_escape(secret: &str) -> String {
    let mut out = String::new();
    for c in secret.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// Secrets with every form of them to hide, worked out once (a call's answer is scrubbed
/// with them, so the forms are not recomputed per call).
#[derive(Debug, Clone, Default)]
pub(crate) struct SecretForms {
    /// Longest first, so that a form is replaced before a shorter one inside it.
    forms: Vec<Form>,
}

/// One form of a secret, with its searcher built once: `str::contains` built one per form
/// at every call, most of what scrubbing an answer cost (docs/performance.md).
#[derive(Debug, Clone)]
struct Form {
    text: String,
    finder: memchr::memmem::Finder<'static>,
}

impl SecretForms {
    pub(crate) fn new(secrets: &[String]) -> Self {
        let mut out = Self::default();
        out.add(secrets);
        out
    }

    /// Adds these secrets' forms (a reload may bring new credentials).
    pub(crate) fn add(&mut self, secrets: &[String]) {
        for secret in secrets.iter().filter(|s| s.len() >= MIN_SECRET) {
            for form in forms(secret) {
                // JSON escapes are case-insensitive hex: `\u002D` is `\u002d`.
                let upper = form.contains("\\u").then(|| upper_hex_escapes(&form));
                for f in std::iter::once(form).chain(upper) {
                    if f.len() >= MIN_SECRET && !self.forms.iter().any(|known| known.text == f) {
                        let finder = memchr::memmem::Finder::new(f.as_bytes()).into_owned();
                        self.forms.push(Form { text: f, finder });
                    }
                }
            }
        }
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.text.len()));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// `text` with every form of every secret replaced by the mask.
    pub(crate) fn scrub(&self, text: String) -> String {
        let mut out = text;
        for form in &self.forms {
            if form.finder.find(out.as_bytes()).is_some() {
                out = out.replace(form.text.as_str(), MASK);
            }
        }
        out
    }

    /// [`Self::scrub`] of JSON text, where an API may write a secret with escapes
    /// (`\u002d`, `\/`) in any mix: each string that holds an escape is decoded, and
    /// written anew, scrubbed, when it holds a secret.
    pub(crate) fn scrub_json(&self, text: String) -> String {
        let text = self.scrub(text);
        if self.is_empty() || !text.contains('\\') {
            return text;
        }
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'"' {
                i += 1;
                continue;
            }
            let start = i;
            i += 1;
            let mut escaped = false;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' {
                    escaped = true;
                    i += 1;
                }
                i += 1;
            }
            let end = i.min(bytes.len());
            if escaped
                && let Some(token) = text.get(start..(end + 1).min(bytes.len()))
                && let Ok(decoded) = serde_json::from_str::<String>(token)
            {
                let scrubbed = self.scrub(decoded.clone());
                if scrubbed != decoded {
                    out.push_str(&text[copied..start]);
                    out.push_str(&serde_json::Value::String(scrubbed).to_string());
                    copied = end + 1;
                }
            }
            i = end + 1;
        }
        if copied == 0 {
            return text;
        }
        if copied < text.len() {
            out.push_str(&text[copied..]);
        }
        out
    }

    /// [`Self::scrub_json`] of a text that was cut short: a secret cut in two loses its
    /// beginning too.
    pub(crate) fn scrub_cut(&self, text: String) -> String {
        let mut out = self.scrub_json(text);
        for Form { text: form, .. } in &self.forms {
            let longest = (MIN_PREFIX..form.len())
                .rev()
                .filter(|n| form.is_char_boundary(*n))
                .find(|n| out.ends_with(&form[..*n]));
            if let Some(n) = longest {
                out.truncate(out.len() - n);
                out.push_str(MASK);
            }
        }
        out
    }
}

fn upper_hex_escapes(form: &str) -> String {
    let mut out = String::with_capacity(form.len());
    let mut rest = form;
    while let Some(i) = rest.find("\\u") {
        out.push_str(&rest[..i + 2]);
        let hex_end = (i + 6).min(rest.len());
        out.push_str(&rest[i + 2..hex_end].to_ascii_uppercase());
        rest = &rest[hex_end..];
    }
    out.push_str(rest);
    out
}

/// A value that only masks a secret (`********`): what `get` answers show in its place.
pub(crate) fn is_mask(value: &str) -> bool {
    value.len() >= 3 && value.bytes().all(|b| b == b'*')
}

/// The secrets every log line is scrubbed of, shared by the log writer and the loader,
/// which adds the upstream's credentials each time it resolves them.
#[derive(Clone, Default)]
pub struct LogSecrets(Arc<RwLock<SecretForms>>);

impl std::fmt::Debug for LogSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogSecrets")
    }
}

impl LogSecrets {
    /// Adds secrets to hide from now on; a secret replaced by a reload stays hidden.
    pub fn extend(&self, secrets: &[String]) {
        self.0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .add(secrets);
    }

    /// `text` without any secret known so far.
    pub fn scrub(&self, text: String) -> String {
        self.0.read().unwrap_or_else(|p| p.into_inner()).scrub(text)
    }
}

/// A log writer that scrubs every line before it reaches stderr. tracing's formatter
/// writes each event in one call, so a secret is never split across two writes.
pub struct ScrubbingWriter<W> {
    secrets: LogSecrets,
    inner: W,
}

impl<W> ScrubbingWriter<W> {
    /// Writes to `inner` what it is given, scrubbed of `secrets`.
    pub fn new(secrets: LogSecrets, inner: W) -> Self {
        Self { secrets, inner }
    }
}

impl<W: std::io::Write> std::io::Write for ScrubbingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = self
            .secrets
            .scrub(String::from_utf8_lossy(buf).into_owned());
        self.inner.write_all(text.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "5b1c-9d2e/7f3a";

    #[test]
    fn every_form_of_a_secret_is_hidden() {
        let secrets = vec![SECRET.to_owned()];
        for shown in [
            SECRET.to_owned(),
            "5b1c\\u002d9d2e\\u002f7f3a".to_owned(),
            "5b1c\\u002D9d2e\\u002F7f3a".to_owned(),
            "5b1c-9d2e%2F7f3a".to_owned(),
        ] {
            let text = format!("before {shown} after");
            let out = SecretForms::new(&secrets).scrub(text.clone());
            assert!(!out.contains("9d2e"), "{text} -> {out}");
        }
    }

    /// A reload adds credentials to the log's secrets: every form of the new one is hidden
    /// from then on, the longer first, and the ones added before stay hidden.
    #[test]
    fn secrets_added_later_are_hidden_in_every_form_beside_the_earlier_ones() {
        let log = LogSecrets::default();
        log.extend(&[SECRET.to_owned()]);
        let later = "token-AAAA/BBBB-5b1c-9d2e/7f3a";
        log.extend(&[later.to_owned()]);
        for shown in [
            SECRET.to_owned(),
            later.to_owned(),
            r"token\u002dAAAA\u002fBBBB\u002d5b1c\u002d9d2e\u002f7f3a".to_owned(),
            "token-AAAA%2FBBBB-5b1c-9d2e%2F7f3a".to_owned(),
        ] {
            let text = format!("before {shown} after");
            let out = log.scrub(text.clone());
            assert!(
                !out.contains("9d2e") && !out.contains("BBBB"),
                "{text} -> {out}"
            );
        }
        let out = log.scrub(format!("a {later} b"));
        assert_eq!(
            out,
            format!("a {MASK} b"),
            "the longer secret is masked whole"
        );
    }

    #[test]
    fn json_strings_are_scrubbed_in_any_mix_of_escapes() {
        let secrets = vec![SECRET.to_owned()];
        let text = r#"{"a": "x 5b1c\u002d9d2e\/7f3a y", "b": "plain \n", "c": 1}"#.to_owned();
        let out = SecretForms::new(&secrets).scrub_json(text);
        assert_eq!(out, r#"{"a": "x **** y", "b": "plain \n", "c": 1}"#);
    }

    #[test]
    fn a_cut_secret_loses_its_beginning() {
        let secrets = vec![SECRET.to_owned()];
        assert_eq!(
            SecretForms::new(&secrets).scrub_cut("value: 5b1c-9d".to_owned()),
            "value: ****"
        );
        assert_eq!(
            SecretForms::new(&secrets).scrub_cut("value: 5b".to_owned()),
            "value: 5b"
        );
    }

    #[test]
    fn masks_are_recognised() {
        assert!(is_mask("********"));
        assert!(is_mask("***"));
        assert!(!is_mask("**"));
        assert!(!is_mask("pa**word"));
    }
}
