//! Embeds the content folders (registry/, resources/, prompts/) in the binary, so that
//! `cargo install` gives a working server anywhere. `include_str!` makes cargo rebuild when a
//! file changes; `rerun-if-changed` on the folders catches added and removed files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const FOLDERS: [&str; 3] = ["registry", "resources", "prompts"];

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for folder in FOLDERS {
        let dir = root.join(folder);
        println!("cargo:rerun-if-changed={}", dir.display());
        collect(&dir, &mut files);
    }
    files.sort();
    let mut out = String::from(
        "/// Content files embedded at build time: (path relative to the root, text).\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        let relative = file.strip_prefix(&root).expect("file under the root");
        let relative: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        writeln!(
            out,
            "    ({:?}, include_str!({:?})),",
            relative.join("/"),
            file.display().to_string()
        )
        .expect("write to string");
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    std::fs::write(dest, out).expect("write embedded.rs");
    commit(&root);
    hot_text(&root);
}

/// Places the functions of link/hot-text.txt (what a server runs from start to rest) first
/// in the binary's code, then those of link/load-text.txt (what it runs only under HTTP
/// load). The kernel maps a file's pages around each one touched, so that
/// code scattered over the binary kept nearly all of it resident; together, it keeps 4 to 5
/// MB less (docs/performance.md). LLD's symbol ordering file does it at no cost to the link
/// (a linker script naming each function's section made linking three minutes longer), so
/// only optimised builds linked by LLD get it: rustc's own LLD, which links
/// x86_64-unknown-linux-gnu since Rust 1.90 unless the flags or the environment name another
/// linker. `LAYEROPS_MCP_PLAIN_LINK=1` links without it.
fn hot_text(root: &Path) {
    let list = root.join("link").join("hot-text.txt");
    println!("cargo:rerun-if-changed={}", list.display());
    println!(
        "cargo:rerun-if-changed={}",
        root.join("link").join("ordering.rs").display()
    );
    println!("cargo:rerun-if-env-changed=LAYEROPS_MCP_PLAIN_LINK");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let rustc_version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    let applies = orders_symbols(
        &var("TARGET"),
        &var("OPT_LEVEL"),
        !var("LAYEROPS_MCP_PLAIN_LINK").is_empty(),
        &var("CARGO_ENCODED_RUSTFLAGS"),
        std::env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_some(),
        &rustc_version,
    );
    if !applies {
        return;
    }
    let Ok(names) = std::fs::read_to_string(&list) else {
        return;
    };
    // What only a server under HTTP load runs comes right after: its pages stay out of a
    // server at rest, and come in together under load.
    let load = root.join("link").join("load-text.txt");
    println!("cargo:rerun-if-changed={}", load.display());
    let load = std::fs::read_to_string(&load).unwrap_or_default();
    let dest = PathBuf::from(var("OUT_DIR")).join("hot-text.txt");
    std::fs::write(&dest, ordering_file(&names, &load)).expect("write hot-text.txt");
    println!(
        "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
        dest.display()
    );
    // Names of the other builds the list serves are not in this one.
    println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
}

include!("link/ordering.rs");

/// The commit the binary is built from, for `--version`: `LAYEROPS_MCP_COMMIT`, from the
/// environment (a build without .git, such as a container's, may pass it) or git.
fn commit(root: &Path) {
    println!("cargo:rerun-if-env-changed=LAYEROPS_MCP_COMMIT");
    let git = root.join(".git");
    // A new commit moves HEAD or the branch it names.
    println!("cargo:rerun-if-changed={}", git.join("HEAD").display());
    if let Ok(head) = std::fs::read_to_string(git.join("HEAD"))
        && let Some(branch) = head.trim().strip_prefix("ref: ")
    {
        println!("cargo:rerun-if-changed={}", git.join(branch).display());
        println!(
            "cargo:rerun-if-changed={}",
            git.join("packed-refs").display()
        );
    }
    let from_git = || {
        let output = std::process::Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .current_dir(root)
            .output()
            .ok()?;
        let hash = String::from_utf8(output.stdout).ok()?.trim().to_owned();
        (output.status.success() && !hash.is_empty()).then_some(hash)
    };
    let commit = std::env::var("LAYEROPS_MCP_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(from_git)
        .unwrap_or_else(|| "unknown commit".to_owned());
    println!("cargo:rustc-env=LAYEROPS_MCP_COMMIT={commit}");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        if path.is_dir() {
            collect(&path, files);
        } else if path.is_file() {
            files.push(path);
        }
    }
}
