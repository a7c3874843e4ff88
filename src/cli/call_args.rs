//! The arguments of `call`, as `toolbox invoke` takes them: `--arg key=value` (repeatable;
//! the value is JSON when it parses as JSON, else a string), `--arg key:=json` (JSON, or an
//! error), and `--args` with a JSON object, `@file.json`, or `-` for standard input.

use std::io::Read;

use anyhow::{Context, bail};
use serde_json::{Map, Value};

/// The object the tool is called with: `--args` first, then each `--arg` over it.
pub fn arguments(args: Option<&str>, pairs: &[String]) -> anyhow::Result<Map<String, Value>> {
    let mut object = match args {
        None => Map::new(),
        Some(text) => parse_object(&read_args(text)?)?,
    };
    for pair in pairs {
        let (key, value) = pair_value(pair)?;
        object.insert(key, value);
    }
    Ok(object)
}

fn read_args(text: &str) -> anyhow::Result<String> {
    if text == "-" {
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .context("cannot read the arguments from standard input")?;
        return Ok(input);
    }
    if let Some(path) = text.strip_prefix('@') {
        return std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the arguments file {path}"));
    }
    Ok(text.to_owned())
}

fn parse_object(text: &str) -> anyhow::Result<Map<String, Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(other) => bail!(
            "--args must be a JSON object such as {{\"projectId\": \"...\"}}, not {}",
            kind(&other)
        ),
        Err(e) => bail!(
            "--args is not JSON ({e}); give a JSON object, @file.json, or - for standard input"
        ),
    }
}

/// `key=value` or `key:=json`.
fn pair_value(pair: &str) -> anyhow::Result<(String, Value)> {
    let (key, value, explicit) = match (pair.find(":="), pair.find('=')) {
        (Some(at), Some(eq)) if at < eq => (&pair[..at], &pair[at + 2..], true),
        (_, Some(eq)) => (&pair[..eq], &pair[eq + 1..], false),
        _ => bail!("--arg {pair}: write key=value, or key:=json for a JSON value"),
    };
    if key.is_empty() {
        bail!("--arg {pair}: the argument's name is missing before `=`");
    }
    let value = if explicit {
        // The value is not echoed: it may be a secret.
        serde_json::from_str(value).map_err(|e| {
            anyhow::anyhow!("--arg {key}:=...: the value after := is not JSON ({e})")
        })?
    } else {
        // Numbers, booleans, null, objects and lists as JSON; anything else is a string.
        serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()))
    };
    Ok((key.to_owned(), value))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pairs_are_json_where_they_parse_and_strings_elsewhere() {
        let got = arguments(
            Some(r#"{"a": 1, "b": "x"}"#),
            &[
                "b=hello world".into(),
                "n=3".into(),
                "flag=true".into(),
                "id=7c1d2e3f-4a5b".into(),
                "list:=[1,2]".into(),
                "text:=\"42\"".into(),
                "url=http://h/?q=1".into(),
            ],
        )
        .expect("parsed");
        assert_eq!(
            Value::Object(got),
            json!({"a": 1, "b": "hello world", "n": 3, "flag": true, "id": "7c1d2e3f-4a5b",
                   "list": [1, 2], "text": "42", "url": "http://h/?q=1"})
        );
    }

    #[test]
    fn mistakes_say_what_to_write() {
        let err = |args: Option<&str>, pairs: &[&str]| {
            let pairs: Vec<String> = pairs.iter().map(|p| p.to_string()).collect();
            arguments(args, &pairs).expect_err("refused").to_string()
        };
        assert!(err(None, &["novalue"]).contains("key=value"));
        assert!(err(None, &["=1"]).contains("name is missing"));
        let bad = err(None, &["token:=s3cr3t-value"]);
        assert!(bad.contains("not JSON") && !bad.contains("s3cr3t"), "{bad}");
        assert!(err(Some("[1]"), &[]).contains("not a list"));
        assert!(err(Some("@/nonexistent/args.json"), &[]).contains("cannot read"));
    }
}
