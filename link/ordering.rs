// When and how build.rs hands link/hot-text.txt to the linker. Included by build.rs and by
// tests/all/link_order.rs (`include!`), so that the decision is tested without a build.

/// Whether a build gets the symbol ordering file: optimised builds of
/// `x86_64-unknown-linux-gnu` that rustc links with its own LLD (since Rust 1.90), unless the
/// flags or the environment name another linker or `LAYEROPS_MCP_PLAIN_LINK` is set. GNU ld,
/// gold and others do not know `--symbol-ordering-file` and would fail the link.
/// `rustflags` is `CARGO_ENCODED_RUSTFLAGS` (flags separated by 0x1f); `rustc_version` is
/// what `rustc --version` printed.
pub fn orders_symbols(
    target: &str,
    opt_level: &str,
    plain_link: bool,
    rustflags: &str,
    linker_in_environment: bool,
    rustc_version: &str,
) -> bool {
    let other_linker = rustflags.split('\x1f').any(|flag| {
        (flag.contains("fuse-ld=") && !flag.contains("fuse-ld=lld"))
            || flag.contains("linker=")
            || flag.contains("linker-features")
            || flag.contains("link-self-contained")
    });
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let minor = rustc_version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.strip_prefix("1."))
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    target == "x86_64-unknown-linux-gnu"
        && opt_level != "0"
        && !plain_link
        && !other_linker
        && !linker_in_environment
        && minor.is_some_and(|m| m >= 90)
}

/// The list as the linker reads it: one symbol a line, without the comments.
pub fn ordering_file(list: &str) -> String {
    let mut order = String::with_capacity(list.len());
    for name in list.lines().map(str::trim) {
        if !name.is_empty() && !name.starts_with('#') {
            order.push_str(name);
            order.push('\n');
        }
    }
    order
}
