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

/// The lists as the linker reads them: one symbol a line, without the comments; the functions
/// run at rest (`rest`, link/hot-text.txt) first, then those run only under HTTP load
/// (`load`, link/load-text.txt) that the first list does not name.
pub fn ordering_file(rest: &str, load: &str) -> String {
    fn symbols(list: &str) -> impl Iterator<Item = &str> {
        list.lines()
            .map(str::trim)
            .filter(|name| !name.is_empty() && !name.starts_with('#'))
    }
    let first: std::collections::HashSet<&str> = symbols(rest).collect();
    let mut order = String::with_capacity(rest.len() + load.len());
    for name in symbols(rest).chain(symbols(load).filter(|name| !first.contains(name))) {
        order.push_str(name);
        order.push('\n');
    }
    order
}
