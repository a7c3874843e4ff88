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
}

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
