//! Splits a `---` delimited YAML front matter from the body of a markdown or template file.

/// A file split into its front matter and body. `yaml_line_offset` is the number of lines
/// before the YAML (the opening `---`), `body_first_line` the 1-based line where the body starts.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Split<'a> {
    pub yaml: &'a str,
    pub body: &'a str,
    pub yaml_line_offset: usize,
    pub body_first_line: usize,
}

/// Returns `None` when the file does not open with a `---` line or never closes it.
pub(crate) fn split(text: &str) -> Option<Split<'_>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_end = text.find('\n')?;
    if text[..first_end].trim_end() != "---" {
        return None;
    }
    let yaml_start = first_end + 1;
    let mut offset = yaml_start;
    for (line, raw) in (2..).zip(text[yaml_start..].split_inclusive('\n')) {
        if raw.trim_end() == "---" {
            return Some(Split {
                yaml: &text[yaml_start..offset],
                body: &text[offset + raw.len()..],
                yaml_line_offset: 1,
                body_first_line: line + 1,
            });
        }
        offset += raw.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter() {
        let s = split("---\nname: a\n---\n# Title\n").unwrap();
        assert_eq!(s.yaml, "name: a\n");
        assert_eq!(s.body, "# Title\n");
        assert_eq!(s.body_first_line, 4);
    }

    #[test]
    fn handles_crlf_and_bom() {
        let s = split("\u{feff}---\r\nname: a\r\n---\r\nbody").unwrap();
        assert_eq!(s.yaml, "name: a\r\n");
        assert_eq!(s.body, "body");
    }

    #[test]
    fn refuses_missing_or_unclosed() {
        assert!(split("# no front matter\n").is_none());
        assert!(split("---\nname: a\n").is_none());
        assert!(split("").is_none());
    }
}
