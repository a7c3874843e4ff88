//! Lays out a JSON answer for the model, compact (the default: every byte is context the
//! model pays for) or indented (`--pretty-answers`), without building a `serde_json::Value`:
//! parsing a large answer into a tree of maps was most of the cost of a call
//! (docs/performance.md).

use serde::de::IgnoredAny;

const INDENT: &[u8] = b"  ";

/// `body` laid out as `serde_json::to_string_pretty` would, or `None` when it is not JSON.
/// Strings and numbers are copied as the API wrote them, so large numbers keep their digits.
pub(super) fn pretty_json(body: &[u8]) -> Option<String> {
    // Validates the whole text first; the layout pass below may then assume valid JSON.
    serde_json::from_slice::<IgnoredAny>(body).ok()?;
    let mut out = Vec::with_capacity(body.len() + body.len() / 2);
    let mut depth = 0usize;
    let mut i = 0;
    while i < body.len() {
        let byte = body[i];
        match byte {
            b'"' => {
                let end = string_end(body, i);
                out.extend_from_slice(&body[i..end]);
                i = end;
                continue;
            }
            b'{' | b'[' => {
                let close = if byte == b'{' { b'}' } else { b']' };
                let next = next_significant(body, i + 1);
                out.push(byte);
                if body.get(next) == Some(&close) {
                    out.push(close);
                    i = next + 1;
                    continue;
                }
                depth += 1;
                new_line(&mut out, depth);
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                new_line(&mut out, depth);
                out.push(byte);
            }
            b',' => {
                out.push(b',');
                new_line(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `body` without insignificant whitespace, as `serde_json::to_string` would write it, or
/// `None` when it is not JSON. Strings and numbers are copied as the API wrote them.
pub(super) fn compact_json(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<IgnoredAny>(body).ok()?;
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'"' => {
                let end = string_end(body, i);
                out.extend_from_slice(&body[i..end]);
                i = end;
                continue;
            }
            b' ' | b'\t' | b'\n' | b'\r' => {}
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The index just past the string that opens at `start`.
fn string_end(body: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < body.len() {
        match body[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    body.len()
}

fn next_significant(body: &[u8], from: usize) -> usize {
    from + body[from..]
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .count()
}

fn new_line(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    for _ in 0..depth {
        out.extend_from_slice(INDENT);
    }
}

#[cfg(test)]
mod tests {
    use super::pretty_json;
    use serde_json::Value;

    fn as_serde(text: &str) -> String {
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(text).unwrap()).unwrap()
    }

    #[test]
    fn lays_out_json_as_serde_json_does() {
        for text in [
            r#"{"a":1,"b":[1,2,{"c":"d"}],"e":{},"f":[],"g":null,"h":true}"#,
            r#" [ { "x" : "y,z:{}[]" } , [ ] , { } , -1.5 ] "#,
            r#""just a string""#,
            "42",
            r#"{"quote":"a \" b \\ c","nested":{"deep":{"deeper":[[[]]]}}}"#,
            r#"{"é":"ü ✓","tab":"\t","bs":"\\"}"#,
            "[\n  {\n    \"already\": \"pretty\"\n  }\n]",
        ] {
            assert_eq!(
                pretty_json(text.as_bytes()).unwrap(),
                as_serde(text),
                "{text}"
            );
        }
    }

    #[test]
    fn compacts_json_as_serde_json_does() {
        for text in [
            r#" [ { "x" : "y, z: {} [] \" " } , [ ] , { } , -1.5 ] "#,
            "[\n  {\n    \"already\": \"pretty\"\n  }\n]",
            r#"{"a":1}"#,
        ] {
            let tree: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                super::compact_json(text.as_bytes()).unwrap(),
                serde_json::to_string(&tree).unwrap(),
                "{text}"
            );
        }
        assert!(super::compact_json(b"{not json").is_none());
    }

    #[test]
    fn keeps_what_a_tree_would_change() {
        assert_eq!(
            pretty_json(br#"{"n":12345678901234567890123}"#).unwrap(),
            "{\n  \"n\": 12345678901234567890123\n}"
        );
        assert_eq!(
            pretty_json(br#"["\u00e9"]"#).unwrap(),
            "[\n  \"\\u00e9\"\n]"
        );
    }

    #[test]
    fn refuses_what_is_not_json() {
        for text in ["", "{", "{\"a\":}", "[1,]", "nope", "{} {}", "\"open"] {
            assert!(pretty_json(text.as_bytes()).is_none(), "{text}");
        }
        assert!(pretty_json(b"[\"\xff\"]").is_none());
    }
}
