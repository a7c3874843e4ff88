//! completion/complete for prompt arguments: the `enum` values they declare, or values read
//! from the answer of a read-only tool (`complete:` in the prompt's front matter).

use serde_json::Value;

use crate::catalog::PromptEntry;
use crate::definition::prompt::CompleteFrom;

/// At most 100 values per answer (an MCP limit).
const MAX_VALUES: usize = 100;

/// Values of `argument` starting with `typed` (case-insensitive), in declared order.
pub(super) fn complete(prompt: &PromptEntry, argument: &str, typed: &str) -> (Vec<String>, usize) {
    let Some(allowed) = prompt
        .arguments
        .iter()
        .find(|a| a.name == argument)
        .and_then(|a| a.allowed.as_ref())
    else {
        return (Vec::new(), 0);
    };
    let typed = typed.to_lowercase();
    let matching: Vec<String> = allowed
        .iter()
        .filter(|v| v.to_lowercase().starts_with(&typed))
        .cloned()
        .collect();
    let total = matching.len();
    (matching.into_iter().take(MAX_VALUES).collect(), total)
}

/// The values (and labels) at `from.items` / `from.value` / `from.label` of a tool's answer.
pub(super) fn picked(from: &CompleteFrom, answer: &Value) -> Vec<(String, Option<String>)> {
    let mut items = Vec::new();
    all_at(answer, &from.items, &mut items);
    items
        .into_iter()
        .filter_map(|item| {
            let text = |v: &Value| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            let value = item.pointer(&from.value).and_then(text)?;
            let label = from
                .label
                .as_deref()
                .and_then(|l| item.pointer(l))
                .and_then(text);
            Some((value, label))
        })
        .collect()
}

/// Values whose value or label starts with, or whose label contains, what was typed
/// (case-insensitive); those whose label starts with it first.
pub(super) fn matching(picked: Vec<(String, Option<String>)>, typed: &str) -> (Vec<String>, usize) {
    let typed = typed.to_lowercase();
    let mut first = Vec::new();
    let mut then = Vec::new();
    for (value, label) in picked {
        let label = label.unwrap_or_default().to_lowercase();
        if label.starts_with(&typed) || value.to_lowercase().starts_with(&typed) {
            first.push(value);
        } else if label.contains(&typed) {
            then.push(value);
        }
    }
    first.extend(then);
    first.dedup();
    let total = first.len();
    first.truncate(MAX_VALUES);
    (first, total)
}

/// Every value at `pointer`, where a `*` segment stands for each element of a list (or
/// each value of an object).
fn all_at<'v>(value: &'v Value, pointer: &str, out: &mut Vec<&'v Value>) {
    let Some(rest) = pointer.strip_prefix('/') else {
        out.push(value);
        return;
    };
    let (segment, after) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    };
    if segment == "*" {
        match value {
            Value::Array(items) => items.iter().for_each(|v| all_at(v, after, out)),
            Value::Object(map) => map.values().for_each(|v| all_at(v, after, out)),
            _ => {}
        }
        return;
    }
    let key = segment.replace("~1", "/").replace("~0", "~");
    let next = match value {
        Value::Object(map) => map.get(&key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    };
    if let Some(next) = next {
        all_at(next, after, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_under_every_list_are_picked_and_matched_by_label_or_value() {
        let answer = json!({"workspaces": [
            {"environments": [{"uuid": "e1", "name": "production"}, {"uuid": "e2", "name": "staging"}]},
            {"environments": [{"uuid": "e3", "name": "pre-production"}]}
        ]});
        let from = CompleteFrom {
            tool: "t".into(),
            arguments: Default::default(),
            items: "/workspaces/*/environments/*".into(),
            value: "/uuid".into(),
            label: Some("/name".into()),
        };
        let picked = picked(&from, &answer);
        assert_eq!(picked.len(), 3);
        assert_eq!(
            matching(picked.clone(), "PROD"),
            (vec!["e1".to_owned(), "e3".to_owned()], 2)
        );
        assert_eq!(matching(picked.clone(), "e2"), (vec!["e2".to_owned()], 1));
        assert_eq!(matching(picked, "").1, 3);
    }
}
