//! Text shown to people and models, kept to a readable length.

/// `s` cut to at most `max` bytes (on a character boundary), with `…` when it was cut:
/// a value echoed in a message must not make the message as long as the value.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
