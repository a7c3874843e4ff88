#!/usr/bin/env bash
# Builds the published binary (`dist`, `--features full`) against the locked tokio with
# channel blocks of 4 messages instead of 32, to measure what HTTP load costs when tokio's
# blocks are not what holds the memory (docs/performance.md, "What holds the heap under
# HTTP load"). For measuring only: the shipped build uses tokio as released.
#
# usage: bash benches/small_blocks.sh [SLOTS]   (default 4; a power of two below 64)
#        bash benches/small_blocks.sh --check   (only checks that the locked tokio still has
#                                                the constant this changes; CI runs it)
# prints the path of the binary, target/small-blocks/dist/layerops-mcp; compare it with
#   BENCH_BIN=<binary> target/release/deps/mcp-* --bench http
# Its symbol names differ from the shipped build's, so link/hot-text.txt does not match it:
# write the lists for it first (python3 link/hot-text.py <binary>, in a scratch clone) to
# compare resident memory at equal code placement.
set -euo pipefail
check=false
if [ "${1:-}" = --check ]; then check=true; shift; fi
slots="${1:-4}"
case "$slots" in 1|2|4|8|16|32) ;; *) echo "SLOTS must be 1, 2, 4, 8, 16 or 32" >&2; exit 2 ;; esac
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# `cargo metadata` unpacks the locked tokio if no build has yet, and says where it is.
read -r version source_dir < <(cargo metadata --locked --format-version 1 | python3 -c '
import json, os, sys
for package in json.load(sys.stdin)["packages"]:
    if package["name"] == "tokio" and (package.get("source") or "").startswith("registry+"):
        print(package["version"], os.path.dirname(package["manifest_path"]))
        break') || true
[ -f "${source_dir:-}/src/sync/mpsc/mod.rs" ] || { echo "the locked tokio was not found (cargo metadata)" >&2; exit 1; }
# The 64-bit constant; the 32-bit and loom ones are left alone.
line='pub(crate) const BLOCK_CAP: usize = 32;'
grep -qxF "$line" "$source_dir/src/sync/mpsc/mod.rs" || {
    echo "tokio $version has no line '$line': see where its channel blocks are sized now" >&2
    exit 1
}
if $check; then echo "tokio $version: channel blocks of 32 messages (src/sync/mpsc/mod.rs)"; exit 0; fi
patched="$root/target/small-blocks/tokio-$version"
rm -rf "$patched"
mkdir -p "$(dirname "$patched")"
cp -r "$source_dir" "$patched"
sed -i "s/^$line\$/pub(crate) const BLOCK_CAP: usize = $slots;/" "$patched/src/sync/mpsc/mod.rs"
# The patch rewrites tokio's entry in Cargo.lock: the tree's own is put back afterwards.
cp Cargo.lock "$root/target/small-blocks/Cargo.lock.kept"
trap 'cp "$root/target/small-blocks/Cargo.lock.kept" "$root/Cargo.lock"' EXIT
CARGO_TARGET_DIR="$root/target/small-blocks" cargo build --profile dist --features full \
    --bin layerops-mcp --config "patch.crates-io.tokio.path=\"$patched\"" >&2
echo "$root/target/small-blocks/dist/layerops-mcp"
