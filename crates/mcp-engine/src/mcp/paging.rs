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
