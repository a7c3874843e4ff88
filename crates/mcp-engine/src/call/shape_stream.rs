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
#[cfg(any(test, feature = "fuzzing"))]
pub(super) fn shape_compact(body: &[u8], shaping: &Shaping) -> Option<(String, Option<String>)> {
    shape_within(body, shaping, usize::MAX, false)
}

/// [`shape_compact`], with the items of a top-level list that would take the text past
/// `budget` bytes left out like those past `max_items` (counted in the note, not cut in
/// the middle). `cut`: the body is only the beginning of the answer (the read stopped at
/// its limit); the complete items of a top-level list are then shown, with a note.
pub(super) fn shape_within(
    body: &[u8],
    shaping: &Shaping,
    budget: usize,
    cut: bool,
) -> Option<(String, Option<String>)> {
    // Checked as UTF-8 once, whole: read from bytes, serde_json checks each string on its
    // own, and a call's answer holds hundreds of short ones. Bytes that are not UTF-8 are
    // not JSON either way, except where a cut split a character.
    let body = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(e) if cut && e.error_len().is_none() => {
            std::str::from_utf8(&body[..e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    let mut out = Vec::with_capacity(body.len().min(budget.saturating_add(64)));
    let mut progress = Progress {
        budget,
        ..Progress::default()
    };
    let mut reader = serde_json::Deserializer::from_str(body);
    let read = Node {
        out: &mut out,
        shaping,
        depth: 0,
        progress: &mut progress,
    }
    .deserialize(&mut reader)
    .and_then(|()| reader.end());
    let how = |what: String| note(shaping, &what);
    let note = match read {
        // A whole value in what was read is a value cut short (a number, or a list with
        // only blanks past it): told as a cut by the caller.
        Ok(()) if cut => return None,
        Ok(()) => (progress.left_out > 0).then(|| {
            let past_budget = if progress.over_budget {
                format!(" (answers are held to {budget} bytes)")
            } else {
                String::new()
            };
            how(format!("{} more not shown{past_budget}", progress.left_out))
        }),
        // The answer goes on past what was read: its list's complete items are shown.
        Err(e) if cut && progress.list && e.is_eof() => {
            out.truncate(progress.item_end);
            out.push(b']');
            Some(how(format!(
                "More not shown: the answer is longer than the {} bytes read",
                body.len()
            )))
        }
        Err(_) => return None,
    };
    // Only what serde_json wrote went in: keys and strings escaped by it, the rest ASCII.
    let text = String::from_utf8(out).ok()?;
    Some((text, note))
}

/// The note that says what was left out of an answer, and how to ask for less.
pub(super) fn note(shaping: &Shaping, what: &str) -> String {
    match &shaping.narrow_with {
        Some(how) => format!("\n[{what}; narrow with {how}.]"),
        None => format!("\n[{what}.]"),
    }
}

/// What the top-level list has come to, shared by the nodes of one answer.
#[derive(Debug, Default)]
struct Progress {
    /// The longest text the list's items may take.
    budget: usize,
    /// Items of the top-level list left out: past `max_items`, or past the budget.
    left_out: usize,
    over_budget: bool,
    /// The answer is a list, and its last complete item ends at `item_end` in the text.
    list: bool,
    item_end: usize,
}

/// One value of the answer; `depth` 0 is the answer itself, 1 an item of a top-level list.
struct Node<'a> {
    out: &'a mut Vec<u8>,
    shaping: &'a Shaping,
    depth: usize,
    progress: &'a mut Progress,
}

impl Node<'_> {
    fn child(&mut self) -> Node<'_> {
        Node {
            out: self.out,
            shaping: self.shaping,
            depth: self.depth + 1,
            progress: self.progress,
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
        let top = self.depth == 0;
        let max = top.then_some(self.shaping.max_items).flatten();
        self.out.push(b'[');
        if top {
            self.progress.list = true;
            self.progress.item_end = self.out.len();
        }
        let mut count = 0usize;
        loop {
            if max.is_some_and(|max| count >= max) || (top && self.progress.over_budget) {
                while items.next_element_seed(Skip)?.is_some() {
                    self.progress.left_out += 1;
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
            // One item past the budget (with the closing bracket) goes, unless it is the
            // first: then the caller's cut shows its beginning.
            if top && count > 0 && self.out.len() + 1 > self.progress.budget {
                self.out.truncate(start);
                self.progress.over_budget = true;
                self.progress.left_out += 1;
                continue;
            }
            count += 1;
            if top {
                self.progress.item_end = self.out.len();
            }
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
    // Read in part, or held to a few bytes: whatever is shown is whole JSON.
    let cut_at = body.len() * usize::from(choice.rotate_left(5) & 0x7) / 8;
    for (part, cut) in [(&body[..cut_at], true), (body, false)] {
        if let Some((text, _)) = shape_within(part, &shaping, usize::from(choice) * 4, cut) {
            assert!(
                serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                "not JSON: {text}"
            );
        }
    }
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

    #[test]
    fn a_list_past_the_budget_keeps_whole_items_and_counts_the_rest() {
        let none = shaping(&[], &[], false, None);
        let body = b"[\"aaaa\",\"bbbb\",\"cccc\",\"dddd\",\"eeee\"]";
        let (text, note) = shape_within(body, &none, 20, false).expect("shaped");
        assert_eq!(text, "[\"aaaa\",\"bbbb\"]");
        assert_eq!(
            note.as_deref(),
            Some("\n[3 more not shown (answers are held to 20 bytes); narrow with a filter.]")
        );
        // One item alone past the budget is kept (the caller's cut shows its beginning).
        let (text, note) = shape_within(body, &none, 3, false).expect("shaped");
        assert_eq!(text, "[\"aaaa\"]");
        assert!(note.is_some_and(|n| n.starts_with("\n[4 more")));
        // Within the budget, nothing changes.
        let (text, note) = shape_within(body, &none, 1_000, false).expect("shaped");
        assert_eq!(text.as_bytes(), body);
        assert_eq!(note, None);
    }

    #[test]
    fn a_list_read_in_part_shows_its_whole_items_and_says_there_is_more() {
        let how = Shaping {
            narrow_with: Some("a filter".to_owned()),
            ..shaping(&["id"], &[], false, None)
        };
        let (text, note) = shape_within(
            b"[{\"id\":1,\"x\":2},{\"id\":2},{\"id\":3",
            &how,
            1_000,
            true,
        )
        .expect("salvaged");
        assert_eq!(text, "[{\"id\":1},{\"id\":2}]");
        assert_eq!(
            note.as_deref(),
            Some(
                "\n[More not shown: the answer is longer than the 32 bytes read; narrow with a filter.]"
            )
        );
        // A character split by the cut, then nothing whole.
        let split = "[\"\u{e9}".as_bytes();
        let (text, _) =
            shape_within(&split[..split.len() - 1], &how, 1_000, true).expect("salvaged");
        assert_eq!(text, "[]");
        // Not a list, not JSON before the cut, or a value cut short: the caller cuts bytes.
        assert_eq!(shape_within(b"{\"items\":[1,2", &how, 1_000, true), None);
        assert_eq!(shape_within(b"[1,2,}3", &how, 1_000, true), None);
        assert_eq!(shape_within(b"12345", &how, 1_000, true), None);
        assert_eq!(shape_within(b"[1,2", &how, 1_000, false), None);
    }
}
