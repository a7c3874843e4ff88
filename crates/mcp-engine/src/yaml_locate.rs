//! Finds where a key sits in a YAML text, so that a problem found after parsing (an invalid
//! schema, an undeclared template variable) can still be reported with its line and column.
//! YAML parsers lose positions once a value is deserialized; a scan over the indentation is
//! enough for the block style our files use, and falls back to the nearest parent otherwise.

/// 1-based (line, column) of the deepest key of `keys` that can be found, starting at
/// `first_line` (1-based; front matter starts after the opening `---`).
pub(crate) fn locate(text: &str, keys: &[&str], first_line: usize) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = (first_line.max(1), 1);
    let mut start = first_line.saturating_sub(1);
    let mut parent_indent: Option<usize> = None;
    for key in keys {
        if key.is_empty() || key.parse::<usize>().is_ok() {
            continue;
        }
        match find_key(&lines, key, start, parent_indent) {
            Some((index, indent, column)) => {
                found = (index + 1, column + 1);
                start = index + 1;
                parent_indent = Some(indent);
            }
            None => {
                // Flow style (`query: { a: x }`): look on the parent's own line.
                if let Some(parent) = start.checked_sub(1).and_then(|i| lines.get(i))
                    && let Some(col) = find_in_flow(parent, key)
                {
                    found = (start, col + 1);
                }
                break;
            }
        }
    }
    found
}

fn find_key(
    lines: &[&str],
    key: &str,
    start: usize,
    parent_indent: Option<usize>,
) -> Option<(usize, usize, usize)> {
    for (index, line) in lines.iter().enumerate().skip(start) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if let Some(parent) = parent_indent
            && indent <= parent
            && !trimmed.starts_with("- ")
        {
            return None;
        }
        let (item_offset, body) = match trimmed.strip_prefix("- ") {
            Some(rest) => (2 + rest.len() - rest.trim_start().len(), rest.trim_start()),
            None => (0, trimmed),
        };
        if starts_with_key(body, key) {
            return Some((index, indent + item_offset, indent + item_offset));
        }
    }
    None
}

fn starts_with_key(body: &str, key: &str) -> bool {
    for quoted in [key.to_owned(), format!("\"{key}\""), format!("'{key}'")] {
        if let Some(rest) = body.strip_prefix(quoted.as_str())
            && rest.trim_start().starts_with(':')
        {
            return true;
        }
    }
    false
}

fn find_in_flow(line: &str, key: &str) -> Option<usize> {
    let open = line.find('{')?;
    let mut search = open;
    while let Some(pos) = line[search..].find(key) {
        let at = search + pos;
        let before = line[..at].trim_end().chars().last();
        let after = line[at + key.len()..].trim_start();
        if matches!(before, Some('{') | Some(',') | Some('"') | Some('\''))
            && (after.starts_with(':') || after.starts_with("\":") || after.starts_with("':"))
        {
            return Some(at);
        }
        search = at + key.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::locate;

    const TOOL: &str = "name: x\ninput:\n  type: object\n  properties:\n    id: { type: string }\nrequest:\n  method: GET\n  path: /v1/{{ id }}\n  query: { q: \"{{ q }}\" }\n";

    #[test]
    fn finds_nested_keys() {
        assert_eq!(locate(TOOL, &["request", "path"], 1), (8, 3));
        assert_eq!(locate(TOOL, &["input", "properties", "id"], 1), (5, 5));
        assert_eq!(locate(TOOL, &["name"], 1), (1, 1));
    }

    #[test]
    fn falls_back_to_parent_or_flow() {
        assert_eq!(locate(TOOL, &["request", "query", "q"], 1), (9, 12));
        assert_eq!(locate(TOOL, &["request", "body"], 1), (6, 1));
        assert_eq!(locate(TOOL, &["missing"], 1), (1, 1));
    }

    #[test]
    fn list_items_and_offsets() {
        let text = "---\narguments:\n  - name: a\n    required: true\n---\n";
        assert_eq!(locate(text, &["arguments", "0", "required"], 2), (4, 5));
    }
}
