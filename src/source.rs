//! Where content files come from: the copy embedded at build time, or a directory on disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The three content folders, relative to a root.
pub const CONTENT_FOLDERS: [&str; 3] = ["registry", "resources", "prompts"];

/// A content file: its path relative to the root, always with `/` separators, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: String,
    /// Shared: a reload keeps the texts of unchanged files without copying them.
    pub text: Arc<str>,
}

/// What one content path holds now, read after the watcher saw it change.
#[derive(Debug)]
pub enum PathState {
    File(Arc<str>),
    /// Not there any more, or not a content file.
    Gone,
    /// A directory: its files are not known one by one, so everything is read again.
    Directory,
    Unreadable(String),
}

/// The origin of the content folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentSource {
    Embedded,
    Directory(PathBuf),
}

impl ContentSource {
    /// `--root DIR` when given; otherwise the current directory when it is a content root
    /// (it holds `registry/_server.yaml`); otherwise the embedded copy. Clients start
    /// servers in any project folder, and one that happens to hold `resources/` or
    /// `prompts/` is not a content root.
    pub fn resolve(root: Option<&Path>) -> Self {
        if let Some(root) = root {
            return Self::Directory(root.to_path_buf());
        }
        match std::env::current_dir() {
            Ok(cwd) if is_content_root(&cwd) => Self::Directory(cwd),
            _ => Self::Embedded,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Embedded => "the copy embedded in the binary".to_owned(),
            Self::Directory(dir) => dir.display().to_string(),
        }
    }

    /// Reads every content file. Files that cannot be read as UTF-8 text are returned as
    /// errors beside the files that could.
    pub fn read_all(&self) -> (Vec<SourceFile>, Vec<(String, String)>) {
        match self {
            Self::Embedded => {
                let files = embedded::FILES
                    .iter()
                    .map(|(path, text)| SourceFile {
                        path: (*path).to_owned(),
                        text: Arc::from(*text),
                    })
                    .filter(|f| is_content_file(&f.path))
                    .collect();
                (files, Vec::new())
            }
            Self::Directory(root) => {
                let mut files = Vec::new();
                let mut errors = Vec::new();
                for folder in CONTENT_FOLDERS {
                    walk(root, &root.join(folder), &mut files, &mut errors);
                }
                files.sort_by(|a, b| a.path.cmp(&b.path));
                (files, errors)
            }
        }
    }
}

/// Whether `dir` holds `registry/_server.yaml` (or `.yml`).
pub fn is_content_root(dir: &Path) -> bool {
    ["_server.yaml", "_server.yml"]
        .iter()
        .any(|name| dir.join("registry").join(name).is_file())
}

const NOT_UTF8: &str = "the file is not valid UTF-8 text; save it as UTF-8";

impl ContentSource {
    /// Reads one root-relative path again, as [`Self::read_all`] would have read it.
    pub fn read_path(&self, relative: &str) -> PathState {
        let Self::Directory(root) = self else {
            return PathState::Gone;
        };
        if relative.split('/').any(is_ignored_name) {
            return PathState::Gone;
        }
        let path = root.join(relative);
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => return PathState::Directory,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return PathState::Gone,
            Err(e) => return PathState::Unreadable(format!("cannot read the file: {e}")),
        }
        if !is_content_file(relative) {
            return PathState::Gone;
        }
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => PathState::File(text.into()),
                Err(_) => PathState::Unreadable(NOT_UTF8.to_owned()),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => PathState::Gone,
            Err(e) => PathState::Unreadable(format!("cannot read the file: {e}")),
        }
    }
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<SourceFile>, errors: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let relative = relative_path(root, &path);
        if is_ignored_name(&entry.file_name().to_string_lossy()) {
            continue;
        }
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(root, &path, files, errors),
            Ok(_) if is_content_file(&relative) => match std::fs::read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => files.push(SourceFile {
                        path: relative,
                        text: text.into(),
                    }),
                    Err(_) => errors.push((relative, NOT_UTF8.to_owned())),
                },
                // A file removed between listing and reading is simply gone.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => errors.push((relative, format!("cannot read the file: {e}"))),
            },
            _ => {}
        }
    }
}

/// `root`-relative path with `/` separators, as shown in diagnostics.
pub fn relative_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Editor temp files and hidden files, never content.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.ends_with(".bak")
        || name == "4913"
}

/// The kind of content a root-relative path holds, by folder and extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    Server,
    Toolset,
    Tool,
    Resource,
    Prompt,
}

pub fn content_kind(path: &str) -> Option<ContentKind> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if is_ignored_name(name) {
        return None;
    }
    if let Some(rest) = path.strip_prefix("registry/") {
        if !(rest.ends_with(".yaml") || rest.ends_with(".yml")) {
            return None;
        }
        return Some(match name {
            "_server.yaml" | "_server.yml" if !rest.contains('/') => ContentKind::Server,
            "_toolset.yaml" | "_toolset.yml" => ContentKind::Toolset,
            _ => ContentKind::Tool,
        });
    }
    if path.starts_with("resources/") && name.ends_with(".md") {
        return Some(ContentKind::Resource);
    }
    if path.starts_with("prompts/")
        && (name.ends_with(".j2") || name.ends_with(".jinja") || name.ends_with(".hbs"))
    {
        return Some(ContentKind::Prompt);
    }
    None
}

fn is_content_file(path: &str) -> bool {
    content_kind(path).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_folder_and_extension() {
        assert_eq!(
            content_kind("registry/_server.yaml"),
            Some(ContentKind::Server)
        );
        assert_eq!(
            content_kind("registry/a/_server.yaml"),
            Some(ContentKind::Tool)
        );
        assert_eq!(
            content_kind("registry/a/_toolset.yaml"),
            Some(ContentKind::Toolset)
        );
        assert_eq!(content_kind("registry/a/x.yml"), Some(ContentKind::Tool));
        assert_eq!(content_kind("registry/a/README.md"), None);
        assert_eq!(content_kind("registry/a/.x.yaml.swp"), None);
        assert_eq!(
            content_kind("resources/x/y.md"),
            Some(ContentKind::Resource)
        );
        assert_eq!(content_kind("prompts/p.hbs"), Some(ContentKind::Prompt));
        assert_eq!(content_kind("prompts/p.jinja"), Some(ContentKind::Prompt));
        assert_eq!(content_kind("prompts/p.txt"), None);
    }

    #[test]
    fn embedded_copy_holds_the_server_file() {
        let (files, errors) = ContentSource::Embedded.read_all();
        assert!(errors.is_empty());
        assert!(files.iter().any(|f| f.path == "registry/_server.yaml"));
    }
}
