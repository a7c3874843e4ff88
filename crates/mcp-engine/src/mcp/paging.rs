//! Cursors of paginated lists: the offset of the next page and the content version it
//! belongs to, so that a cursor of a list that has changed since (a reload) is refused
//! rather than skipping or repeating items.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub(crate) fn cursor(offset: usize, version: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}:{version}"))
}

/// The offset a cursor names, if it belongs to the list of `version`.
pub(crate) fn offset(cursor: &str, version: &str) -> Option<usize> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (offset, of) = text.split_once(':')?;
    (of == version).then(|| offset.parse().ok()).flatten()
}

/// A list answered in one page has no cursor to give: one sent back is stale (from before a
/// reload that turned paging off) or made up, and is refused as the specification asks
/// (-32602) rather than silently answered with the first page.
pub(crate) fn single_page(
    page: Option<&rmcp::model::PaginatedRequestParams>,
    list: &str,
) -> Result<(), rmcp::ErrorData> {
    match page.and_then(|p| p.cursor.as_ref()) {
        None => Ok(()),
        Some(_) => Err(rmcp::ErrorData::invalid_params(
            format!(
                "this cursor is not one of this {list}, which comes in one page; list again without a cursor"
            ),
            None,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_name_their_list() {
        let c = cursor(40, "v1");
        assert_eq!(offset(&c, "v1"), Some(40));
        assert_eq!(offset(&c, "v2"), None);
        assert_eq!(offset("not a cursor", "v1"), None);
    }
}
