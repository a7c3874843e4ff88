//! When build.rs hands link/hot-text.txt to the linker: only where the linker is rustc's own
//! LLD, which knows `--symbol-ordering-file`; any other linker would fail the link.

mod ordering {
    include!("../../link/ordering.rs");
}
use ordering::{ordering_file, orders_symbols};

const TARGET: &str = "x86_64-unknown-linux-gnu";
const RUSTC: &str = "rustc 1.95.0 (59807616e 2026-04-14)";

#[test]
fn an_optimised_build_linked_by_rustcs_lld_is_ordered() {
    assert!(orders_symbols(TARGET, "s", false, "", false, RUSTC));
    assert!(orders_symbols(
        TARGET,
        "3",
        false,
        "-Ctarget-cpu=native",
        false,
        RUSTC
    ));
    assert!(orders_symbols(
        TARGET,
        "s",
        false,
        "-Clink-arg=-fuse-ld=lld",
        false,
        RUSTC
    ));
    assert!(orders_symbols(
        TARGET,
        "s",
        false,
        "",
        false,
        "rustc 1.90.0 (1159e78c4 2025-09-14)"
    ));
}

#[test]
fn any_other_linker_toolchain_target_or_debug_build_is_left_alone() {
    let other_flags = [
        "-Clink-arg=-fuse-ld=gold",
        "-Clink-arg=-fuse-ld=mold",
        "-Clink-arg=-fuse-ld=bfd",
        "-C\x1flinker=clang",
        "-Clinker-features=-lld",
        "-Clink-self-contained=-linker",
    ];
    for flags in other_flags {
        assert!(
            !orders_symbols(TARGET, "s", false, flags, false, RUSTC),
            "{flags}"
        );
    }
    // A linker named in CARGO_TARGET_..._LINKER.
    assert!(!orders_symbols(TARGET, "s", false, "", true, RUSTC));
    // Before 1.90 rustc linked with the system's cc and GNU ld; an unreadable version too.
    assert!(!orders_symbols(
        TARGET,
        "s",
        false,
        "",
        false,
        "rustc 1.89.0 (29483883e 2025-08-04)"
    ));
    assert!(!orders_symbols(TARGET, "s", false, "", false, ""));
    for target in [
        "aarch64-unknown-linux-gnu",
        "x86_64-pc-windows-gnu",
        "x86_64-apple-darwin",
        "x86_64-unknown-linux-musl",
    ] {
        assert!(
            !orders_symbols(target, "s", false, "", false, RUSTC),
            "{target}"
        );
    }
    assert!(!orders_symbols(TARGET, "0", false, "", false, RUSTC));
    assert!(!orders_symbols(TARGET, "s", true, "", false, RUSTC));
}

#[test]
fn the_linker_reads_symbols_only_those_run_at_rest_first() {
    let rest = "# Functions run from start to rest\n# Written by ...\n_ZN3foo17h0123456789abcdefE\n\n  main  \n";
    let load = "# Functions run under load\n_ZN3bar17h0123456789abcdefE\nmain\n";
    assert_eq!(
        ordering_file(rest, load),
        "_ZN3foo17h0123456789abcdefE\nmain\n_ZN3bar17h0123456789abcdefE\n"
    );
    assert_eq!(
        ordering_file(rest, ""),
        "_ZN3foo17h0123456789abcdefE\nmain\n"
    );
    // The shipped lists hold symbols only once their comments are left out, and what runs
    // under load is placed after what runs at rest.
    let read = |name: &str| {
        std::fs::read_to_string(format!("{}/link/{name}", env!("CARGO_MANIFEST_DIR")))
            .unwrap_or_else(|e| panic!("link/{name}: {e}"))
    };
    let (shipped_rest, shipped_load) = (read("hot-text.txt"), read("load-text.txt"));
    let order = ordering_file(&shipped_rest, &shipped_load);
    let at_rest = ordering_file(&shipped_rest, "");
    assert!(at_rest.lines().count() > 2000);
    assert!(order.starts_with(&at_rest));
    assert!(order.lines().count() > at_rest.lines().count() + 100);
    assert!(
        order
            .lines()
            .all(|l| !l.is_empty() && !l.contains(char::is_whitespace))
    );
}
