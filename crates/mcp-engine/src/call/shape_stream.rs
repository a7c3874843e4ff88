//! `response.keep`, `drop`, `drop_nulls` and `max_items` applied while an answer is read,
//! written straight out as compact JSON. Building a `serde_json::Value` tree of the answer
//! only to leave fields out and write it again was most of a shaped call's own time
//! (docs/performance.md). The text is the same as the tree's, byte for byte
//! (`tests::the_same_text_as_the_tree`, and the fuzz target `answers`), with one exception:
//! an object that gives a key twice keeps both, as the API wrote it, where a tree kept the
//! last value.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::catalog::tool::Shaping;

/// The shaped answer as compact JSON, and the note on items left out; `None` when the body
/// is not one JSON value (the caller then handles it as before).
pub(super) fn shape_compact(body: &[u8], shaping: &Shaping) -> Option<(String, Option<String>)> {
    // Checked as UTF-8 once, whole: read from bytes, serde_json checks each string on its
    // own, and a call's answer holds hundreds of short ones. Bytes that are not UTF-8 are
    // not JSON either way.
    let body = std::str::from_utf8(body).ok()?;
    let mut out = Vec::with_capacity(body.len());
    let mut left_out = 0;
    let mut reader = serde_json::Deserializer::from_str(body);
    Node {
        out: &mut out,
        shaping,
        depth: 0,
        left_out: &mut left_out,
    }
    .deserialize(&mut reader)
    .ok()?;
    reader.end().ok()?;
    // Only what serde_json wrote went in: keys and strings escaped by it, the rest ASCII.
    let text = String::from_utf8(out).ok()?;
    let note = (left_out > 0).then(|| match &shaping.narrow_with {
        Some(how) => format!("\n[{left_out} more not shown; narrow with {how}.]"),
        None => format!("\n[{left_out} more not shown.]"),
    });
    Some((text, note))
}

/// One value of the answer; `depth` 0 is the answer itself, 1 an item of a top-level list.
struct Node<'a> {
    out: &'a mut Vec<u8>,
    shaping: &'a Shaping,
    depth: usize,
    /// Items of the top-level list past `max_items`.
    left_out: &'a mut usize,
}

impl Node<'_> {
    fn child(&mut self) -> Node<'_> {
        Node {
            out: self.out,
            shaping: self.shaping,
            depth: self.depth + 1,
            left_out: self.left_out,
        }
    }

    fn write<T: serde::Serialize + ?Sized>(&mut self, value: &T) {
        // Writing into a Vec of a string or number cannot fail.
        let _ = serde_json::to_writer(&mut *self.out, value);
    }

    /// `keep` applies to the answer when it is an object, else to each item of its list.
    fn keeps_only(&self) -> bool {
        !self.shaping.keep.is_empty() && self.depth <= 1
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(mut self, v: bool) -> Result<(), E> {
        self.write(&v);
        Ok(())
    }

    fn visit_i64<E>(mut self, v: i64) -> Result<(), E> {
        self.write(&v);
        Ok(())
    }

    fn visit_u64<E>(mut self, v: u64) -> Result<(), E> {
        self.write(&v);
        Ok(())
    }

    fn visit_f64<E>(mut self, v: f64) -> Result<(), E> {
        // As a tree would hold it: a number that is not finite cannot come from JSON text.
        match serde_json::Number::from_f64(v) {
            Some(n) => self.write(&n),
            None => self.out.extend_from_slice(b"null"),
        }
        Ok(())
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        write_unescaped(self.out, v);
        Ok(())
    }

    fn visit_str<E>(mut self, v: &str) -> Result<(), E> {
        self.write(v);
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut items: A) -> Result<(), A::Error> {
        let max = (self.depth == 0)
            .then_some(self.shaping.max_items)
            .flatten();
        self.out.push(b'[');
        let mut count = 0usize;
        loop {
            if max.is_some_and(|max| count >= max) {
                while items.next_element_seed(Skip)?.is_some() {
                    *self.left_out += 1;
                }
                break;
            }
            let start = self.out.len();
            if count > 0 {
                self.out.push(b',');
            }
            if items.next_element_seed(self.child())?.is_none() {
                self.out.truncate(start);
                break;
            }
            count += 1;
        }
        self.out.push(b']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.out.push(b'{');
        let mut written = 0usize;
        while let Some(key) = map.next_key_seed(Key)? {
            let name = key.as_str();
            let left_out = (self.keeps_only() && !self.shaping.keep.iter().any(|k| k == name))
                || self.shaping.drop.iter().any(|k| k == name);
            if left_out {
                map.next_value_seed(Skip)?;
                continue;
            }
            let start = self.out.len();
            if written > 0 {
                self.out.push(b',');
            }
            match key {
                KeyText::Borrowed(key) => write_unescaped(self.out, key),
                KeyText::Owned(key) => self.write(&key),
            }
            self.out.push(b':');
            let value_at = self.out.len();
            // An object inside the answer is never an item of its top-level list.
            let depth = self.depth.max(1) + 1;
            let mut child = self.child();
            child.depth = depth;
            map.next_value_seed(child)?;
            if self.shaping.drop_nulls && &self.out[value_at..] == b"null" {
                self.out.truncate(start);
                continue;
            }
            written += 1;
        }
        self.out.push(b'}');
        Ok(())
    }
}

/// A string that serde_json lent from the answer: it lends only strings written without an
/// escape, which therefore hold no quote, backslash or control character, and are written
/// as serde_json would write them by copying them between quotes.
fn write_unescaped(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// A value left out, read as strictly as a tree would read it (serde's `IgnoredAny` lets
/// through what a tree refuses: bytes that are not UTF-8, lone surrogates), so that an answer
/// is shaped exactly when it is JSON.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        while items.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

/// A key, borrowed from the answer when it holds no escape.
struct Key;

enum KeyText<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl KeyText<'_> {
    fn as_str(&self) -> &str {
        match self {
            KeyText::Borrowed(s) => s,
            KeyText::Owned(s) => s,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Key {
    type Value = KeyText<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = KeyText<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(KeyText::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(KeyText::Owned(v.to_owned()))
    }
}

/// The fuzz target's check (`fuzzing::shape_answer`).
#[cfg(feature = "fuzzing")]
pub(super) fn compare_with_tree(body: &[u8], choice: u8) {
    let names = ["a", "b", "name", "uuid", ""];
    let pick = |bits: u8| -> Vec<String> {
        names
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, n)| (*n).to_owned())
            .collect()
    };
    let shaping = Shaping {
        keep: if choice & 0x80 != 0 {
            pick(choice)
        } else {
            Vec::new()
        },
        drop: pick(choice.rotate_left(3)),
        drop_nulls: choice & 0x40 != 0,
        max_items: (choice & 0x20 != 0).then_some(usize::from(choice & 0x3)),
        narrow_with: None,
    };
    let streamed = shape_compact(body, &shaping);
    let Ok(mut tree) = serde_json::from_slice::<serde_json::Value>(body) else {
        assert!(streamed.is_none(), "the stream took what a tree refuses");
        return;
    };
    if has_twice_named_key(body) {
        return;
    }
    let note = super::result::shape_value(&mut tree, &shaping);
    let text = serde_json::to_string(&tree).expect("a tree is written");
    // `--pretty-answers` indents the streamed text.
    let indented = streamed
        .as_ref()
        .and_then(|(text, _)| super::pretty::pretty_json(text.as_bytes()));
    assert_eq!(
        indented.as_deref(),
        serde_json::to_string_pretty(&tree).ok().as_deref()
    );
    assert_eq!(streamed, Some((text, note)));
}

/// Whether an object of `body` (valid JSON) gives a key twice.
#[cfg(feature = "fuzzing")]
fn has_twice_named_key(body: &[u8]) -> bool {
    struct Check;
    impl<'de> Visitor<'de> for Check {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_str<E>(self, _: &str) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_unit<E>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<bool, A::Error> {
            let mut twice = false;
            while let Some(t) = items.next_element_seed(CheckSeed)? {
                twice |= t;
            }
            Ok(twice)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            let mut seen = std::collections::HashSet::new();
            let mut twice = false;
            while let Some(key) = map.next_key::<String>()? {
                twice |= !seen.insert(key);
                twice |= map.next_value_seed(CheckSeed)?;
            }
            Ok(twice)
        }
    }
    struct CheckSeed;
    impl<'de> DeserializeSeed<'de> for CheckSeed {
        type Value = bool;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
            d.deserialize_any(Check)
        }
    }
    let mut reader = serde_json::Deserializer::from_slice(body);
    CheckSeed.deserialize(&mut reader).unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn shaping(keep: &[&str], drop: &[&str], drop_nulls: bool, max: Option<usize>) -> Shaping {
        Shaping {
            keep: keep.iter().map(|s| s.to_string()).collect(),
            drop: drop.iter().map(|s| s.to_string()).collect(),
            drop_nulls,
            max_items: max,
            narrow_with: Some("a filter".to_owned()),
        }
    }

    /// What the tree-building path gives for the same answer.
    fn through_a_tree(body: &str, shaping: &Shaping) -> (String, Option<String>) {
        let mut value: Value = serde_json::from_str(body).expect("test JSON");
        let note = super::super::result::shape_value(&mut value, shaping);
        (serde_json::to_string(&value).expect("text"), note)
    }

    #[test]
    fn the_same_text_as_the_tree() {
        let answers = [
            json!([
                {"uuid": "a", "name": "web", "status": null, "ports": [{"p": 80, "healthCheck": null}],
                 "environmentVariables": [{"key": "K", "value": "v"}], "n": -3, "f": 1.5e300,
                 "nested": {"name": "inner", "drop_me": 1, "z": null}},
                {"uuid": "b", "name": "db\u{e9}\"\\\n", "status": "up", "list": [null, 1, true, false, "x"]},
                {"uuid": "c"}, 7, "text", null, [], {}
            ]),
            json!({"name": "one", "status": null, "drop_me": {"a": 1}, "deep": {"deeper": {"drop_me": 2, "keep": [1, {"drop_me": 3}]}}}),
            json!([]),
            json!({}),
            json!("a string"),
            json!(12345678901234567u64),
            json!(null),
        ];
        let shapings = [
            shaping(&[], &[], false, None),
            shaping(
                &[],
                &["drop_me", "environmentVariables", "healthCheck"],
                false,
                None,
            ),
            shaping(&[], &[], true, None),
            shaping(&["uuid", "name", "nested", "deep"], &[], false, None),
            shaping(&["uuid", "name", "drop_me"], &["drop_me"], true, Some(2)),
            shaping(&[], &[], false, Some(0)),
            shaping(&[], &["name"], true, Some(1)),
        ];
        for answer in &answers {
            let body = answer.to_string();
            // Escapes and white space as an API may write them.
            let spaced = serde_json::to_string_pretty(answer).expect("text");
            for shaping in &shapings {
                let expected = through_a_tree(&body, shaping);
                for text in [&body, &spaced] {
                    let got = shape_compact(text.as_bytes(), shaping).expect("shaped");
                    assert_eq!(got, expected, "{text} with {shaping:?}");
                    // `--pretty-answers`: the streamed text indented, as a tree would be.
                    let mut tree: Value = serde_json::from_str(text).expect("test JSON");
                    super::super::result::shape_value(&mut tree, shaping);
                    assert_eq!(
                        super::super::pretty::pretty_json(got.0.as_bytes()),
                        serde_json::to_string_pretty(&tree).ok()
                    );
                }
            }
        }
        let escaped_key = r#"[{"na\u006De": 1, "drop_\u006De": 2, "k\"q": null}]"#;
        for shaping in &shapings {
            assert_eq!(
                shape_compact(escaped_key.as_bytes(), shaping),
                Some(through_a_tree(escaped_key, shaping))
            );
        }
    }

    #[test]
    fn what_is_not_one_json_value_is_left_to_the_caller() {
        let some = shaping(&[], &["x"], true, Some(1));
        for body in ["", "{", "[1,]", "{\"a\":1} {}", "nope", "[1] x"] {
            assert_eq!(shape_compact(body.as_bytes(), &some), None, "{body}");
        }
        // What is left out is read as strictly as the rest: text that is not UTF-8, a
        // lone surrogate (found by the fuzz target `answers`).
        let mut not_utf8 = br#"[{"uuid": "u"#.to_vec();
        not_utf8.extend_from_slice(b"\xcd2\"}]");
        assert_eq!(
            shape_compact(&not_utf8, &shaping(&[], &["uuid"], false, None)),
            None
        );
        let surrogate = br#"[{"x": "\ud800"}, 1]"#;
        assert_eq!(shape_compact(surrogate, &some), None);
        assert_eq!(
            shape_compact(surrogate, &shaping(&[], &[], false, Some(0))),
            None
        );
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(shape_compact(deep.as_bytes(), &some), None);
    }
}
