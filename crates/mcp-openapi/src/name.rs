//! Names: tool names within the 64 characters clients accept, argument names templates can
//! read.

use std::collections::BTreeSet;

/// Clients refuse tool names longer than this.
pub(crate) const MAX_TOOL_NAME: usize = 64;

/// `listItemsByOwner`, `Items_controller.find-all` → `list_items_by_owner`,
/// `items_controller_find_all`.
pub(crate) fn snake_case(text: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            let boundary = c.is_ascii_uppercase()
                && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
            if boundary && !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
        previous = Some(c);
    }
    out.trim_end_matches('_').to_owned()
}

/// The operation's name: its `operationId`, else its method and path.
pub(crate) fn tool_name(
    prefix: &str,
    operation_id: Option<&str>,
    method: &str,
    path: &str,
    taken: &mut BTreeSet<String>,
) -> String {
    let base = match operation_id {
        Some(id) if !snake_case(id).is_empty() => snake_case(id),
        _ => snake_case(&format!("{method} {}", path.replace(['{', '}'], ""))),
    };
    let mut name = fit(&format!("{prefix}{base}"));
    let mut n = 2;
    while taken.contains(&name) {
        name = fit(&format!("{prefix}{base}_{n}"));
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// Cuts a long name and adds a short hash of the whole, so that two long names stay apart.
fn fit(name: &str) -> String {
    if name.len() <= MAX_TOOL_NAME {
        return name.to_owned();
    }
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let suffix = format!("_{:08x}", hash as u32);
    let keep = MAX_TOOL_NAME - suffix.len();
    format!("{}{suffix}", name[..keep].trim_end_matches('_'))
}

/// An argument name a template can read as `{{ name }}`.
pub(crate) fn argument(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_snake_case_unique_and_short() {
        assert_eq!(
            snake_case("WorkspacesController_findAll"),
            "workspaces_controller_find_all"
        );
        assert_eq!(snake_case("repos/get-content"), "repos_get_content");
        let mut taken = BTreeSet::new();
        assert_eq!(
            tool_name("", None, "GET", "/v1/items/{id}", &mut taken),
            "get_v1_items_id"
        );
        assert_eq!(
            tool_name("", None, "GET", "/v1/items/{id}", &mut taken),
            "get_v1_items_id_2"
        );
        let long = "a".repeat(100);
        let one = tool_name("x_", Some(&long), "GET", "/", &mut taken);
        let two = tool_name("x_", Some(&format!("{long}b")), "GET", "/", &mut taken);
        assert!(one.len() <= 64 && two.len() <= 64 && one != two);
        assert_eq!(argument("X-Request-Id"), "X_Request_Id");
    }
}
