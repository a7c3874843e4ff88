//! Where content files come from: the copy embedded at build time, or a directory on disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The three content folders, relative to a root.
pub(crate) const CONTENT_FOLDERS: [&str; 3] = ["registry", "resources", "prompts"];

/// A content file: its path relative to the root, always with `/` separators, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Shared: the compiled tool, the build cache and hot reload each keep a tool file's
    /// path, one copy for 100,000 tools (docs/performance.md).
    pub path: Arc<str>,
    /// Shared: a reload keeps the texts of unchanged files without copying them.
    pub text: Arc<str>,
}

/// A text's identity: the first 16 bytes of its SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Digest([u8; 16]);

impl Digest {
    pub(crate) fn of(text: &str) -> Self {
        use sha2::{Digest as _, Sha256};
        let full = Sha256::digest(text.as_bytes());
        let mut short = [0; 16];
        short.copy_from_slice(&full[..16]);
        Self(short)
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A tool file whose text hot reload let go once it was compiled: the build cache holds the
/// compiled form of this digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReleasedFile {
    pub path: Arc<str>,
    pub digest: Digest,
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

/// Content files built into the embedding program: (path relative to the root, text).
pub type EmbeddedFiles = &'static [(&'static str, &'static str)];

/// The origin of the content folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentSource {
    /// Files the embedding program carries (for example with `include_str!`).
    Embedded(EmbeddedFiles),
    /// A content root on disk, watched for changes.
    Directory(PathBuf),
}

impl ContentSource {
    /// `--root DIR` when given; otherwise the current directory when it is a content root
    /// (it holds `registry/_server.yaml`); otherwise the embedded copy. Clients start
    /// servers in any project folder, and one that happens to hold `resources/` or
    /// `prompts/` is not a content root.
    pub fn resolve(root: Option<&Path>, embedded: EmbeddedFiles) -> Self {
        if let Some(root) = root {
            return Self::Directory(root.to_path_buf());
        }
        match std::env::current_dir() {
            Ok(cwd) if is_content_root(&cwd) => Self::Directory(cwd),
            _ => Self::Embedded(embedded),
        }
    }

    /// Where the content comes from, for people.
    pub fn describe(&self) -> String {
        match self {
            Self::Embedded(_) => "the copy embedded in the binary".to_owned(),
            Self::Directory(dir) => dir.display().to_string(),
        }
    }

    /// The text of `registry/_server.yaml` (or `.yml`), read as [`Self::read_all`] reads it.
    pub(crate) fn server_text(&self) -> Option<Arc<str>> {
        match self {
            Self::Embedded(embedded) => embedded
                .iter()
                .find(|(path, _)| content_kind(path) == Some(ContentKind::Server))
                .map(|(_, text)| Arc::from(*text)),
            Self::Directory(_) => ["registry/_server.yaml", "registry/_server.yml"]
                .into_iter()
                .find_map(|path| match self.read_path(path) {
                    PathState::File(text) => Some(text),
                    _ => None,
                }),
        }
    }

    /// Reads every content file. Files that cannot be read as UTF-8 text are returned as
    /// errors beside the files that could.
    pub fn read_all(&self) -> (Vec<SourceFile>, Vec<(String, String)>) {
        let (files, unread, errors) = self.read(usize::MAX);
        debug_assert!(unread.is_empty());
        (files, errors)
    }

    /// Like [`Self::read_all`], but a root with [`DEFER_TOOL_TEXTS_FROM`] tool files or more
    /// has its tool files listed, not read: the threads that parse them read them, so that
    /// only the texts being parsed are held at once (100,000 tools' texts are 175 MB).
    pub(crate) fn read_deferring_tools(
        &self,
    ) -> (Vec<SourceFile>, Vec<UnreadFile>, Vec<(String, String)>) {
        self.read(DEFER_TOOL_TEXTS_FROM)
    }

    /// Tool files are left unread when there are `defer_from` of them or more.
    fn read(&self, defer_from: usize) -> (Vec<SourceFile>, Vec<UnreadFile>, Vec<(String, String)>) {
        match self {
            Self::Embedded(embedded) => {
                let files = embedded
                    .iter()
                    .map(|(path, text)| SourceFile {
                        path: Arc::from(*path),
                        text: Arc::from(*text),
                    })
                    .filter(|f| is_content_file(&f.path))
                    .collect();
                (files, Vec::new(), Vec::new())
            }
            Self::Directory(root) => {
                let mut files = Vec::new();
                let mut errors = Vec::new();
                let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
                let walker = Walker {
                    root,
                    real_root: &real_root,
                };
                let mut found = Vec::new();
                for folder in CONTENT_FOLDERS {
                    let dir = root.join(folder);
                    // A content folder that is a link out of the root still has its files
                    // listed, each refused with what it links to when read.
                    let inside =
                        std::fs::canonicalize(&dir).is_ok_and(|r| r.starts_with(&real_root));
                    walker.walk(&dir, inside, &mut found, 0);
                }
                let is_tool = |f: &Found| content_kind(&f.relative) == Some(ContentKind::Tool);
                let mut unread = Vec::new();
                if found.iter().filter(|f| is_tool(f)).count() >= defer_from {
                    let (tools, others): (Vec<Found>, Vec<Found>) =
                        found.into_iter().partition(is_tool);
                    found = others;
                    let roots = Arc::new(Roots {
                        root: root.clone(),
                        real_root: real_root.clone(),
                    });
                    unread = tools
                        .into_iter()
                        .map(|f| UnreadFile {
                            path: f.relative.as_str().into(),
                            listed_regular: f.listed_regular,
                            roots: roots.clone(),
                        })
                        .collect();
                    unread.sort_unstable_by(|a: &UnreadFile, b| a.path.cmp(&b.path));
                }
                // Each text is made shared here as it arrives, so the texts lie together
                // on this thread's heap and only a few read buffers are alive at once
                // (reading them all before copying held 175 MB twice for 100,000 tools,
                // the peak of the whole load). Once hot reload lets go of the tool files'
                // texts, their pages go back to the system instead of staying half used
                // among what was compiled in the buffers' place.
                files.reserve_exact(found.len());
                read_found(&real_root, &found, |found, outcome| match outcome {
                    Ok(Some(text)) => files.push(SourceFile {
                        path: found.relative.as_str().into(),
                        text: Arc::from(text.as_str()),
                    }),
                    // A file removed between listing and reading is simply gone.
                    Ok(None) => {}
                    Err(why) => errors.push((found.relative.clone(), why)),
                });
                files.sort_by(|a, b| a.path.cmp(&b.path));
                (files, unread, errors)
            }
        }
    }
}

/// From this many tool files on, [`ContentSource::read_deferring_tools`] leaves them unread.
pub(crate) const DEFER_TOOL_TEXTS_FROM: usize = 256;

/// A tool file listed in the root but not read yet: whoever parses it reads it. Small,
/// with its full path made when it is read: 100,000 of them are held at once.
#[derive(Debug)]
pub(crate) struct UnreadFile {
    /// Relative to the root, as [`SourceFile::path`].
    pub path: Arc<str>,
    listed_regular: bool,
    roots: Arc<Roots>,
}

/// A content root as given, and its real path.
#[derive(Debug)]
struct Roots {
    root: PathBuf,
    real_root: PathBuf,
}

impl UnreadFile {
    /// Reads it as [`ContentSource::read_all`] would have. `Ok(None)`: it is gone.
    pub(crate) fn read(&self) -> Result<Option<SourceFile>, String> {
        let file = self.roots.root.join(&*self.path);
        let text = if self.listed_regular {
            read_regular(&file)
        } else {
            read_content(&self.roots.real_root, &file)
        }?;
        Ok(text.map(|text| SourceFile {
            path: self.path.clone(),
            text: Arc::from(text.as_str()),
        }))
    }
}

/// Whether `dir` holds `registry/_server.yaml` (or `.yml`).
pub(crate) fn is_content_root(dir: &Path) -> bool {
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
        let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        match read_content(&real_root, &path) {
            Ok(Some(text)) => PathState::File(text.into()),
            Ok(None) => PathState::Gone,
            Err(why) => PathState::Unreadable(why),
        }
    }
}

/// The most a content file may hold: a tool, a document or a prompt is text for people.
pub(crate) const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Reads one content file, refusing what is not a regular file inside the root (a FIFO
/// would hang the reader, `/dev/zero` never ends, a link may point anywhere) and what is
/// larger than [`MAX_FILE_BYTES`]. `Ok(None)`: the file is gone.
fn read_content(real_root: &Path, path: &Path) -> Result<Option<String>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read the file: {e}")),
    };
    if !meta.is_file() {
        return Err(NOT_REGULAR.to_owned());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let real = std::fs::canonicalize(path).map_err(|e| format!("cannot read the file: {e}"))?;
    if !real.starts_with(real_root) {
        return Err(format!(
            "it is a link to {}, outside the content root; content is read only from inside the root",
            real.display()
        ));
    }
    read_regular(&real)
}

const NOT_REGULAR: &str =
    "not a regular file (a FIFO, a device or a socket); content files must be regular files";

/// Reads a file that was listed as a regular file, not a link, in a folder known to be
/// inside the root. `Ok(None)`: the file is gone.
fn read_regular(path: &Path) -> Result<Option<String>, String> {
    use std::io::Read;
    // Looked at before it is opened: opening a FIFO put in its place would wait for a
    // writer. Then again on the open file, which is what is read.
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => return Err(NOT_REGULAR.to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read the file: {e}")),
    }
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read the file: {e}")),
    };
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if !meta.is_file() {
        return Err(NOT_REGULAR.to_owned());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| NOT_UTF8.to_owned())
}

/// Below this many files, reading them costs less than starting threads.
const READ_ON_THREADS_FROM: usize = 256;

/// Files a reader thread reads ahead of the thread that takes them.
const READ_AHEAD: usize = 64;

/// Each found file read and given to `each` on this thread, in the order found. A large
/// root is read on as many threads as there are cores (at most 4), each taking every
/// n-th file: reading 100,000 tool files one after the other took 2.3 s of a 12 s start
/// on two cores (docs/performance.md).
fn read_found(
    real_root: &Path,
    found: &[Found],
    mut each: impl FnMut(&Found, Result<Option<String>, String>),
) {
    let read = |f: &Found| {
        if f.listed_regular {
            read_regular(&f.path)
        } else {
            read_content(real_root, &f.path)
        }
    };
    let threads = if found.len() < READ_ON_THREADS_FROM {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4))
    };
    if threads == 1 {
        for f in found {
            each(f, read(f));
        }
        return;
    }
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..threads)
            .map(|first| {
                let (send, outcomes) = std::sync::mpsc::sync_channel(READ_AHEAD);
                scope.spawn(move || {
                    for f in found.iter().skip(first).step_by(threads) {
                        if send.send(read(f)).is_err() {
                            return;
                        }
                    }
                });
                outcomes
            })
            .collect();
        for (i, f) in found.iter().enumerate() {
            match readers[i % threads].recv() {
                Ok(outcome) => each(f, outcome),
                // Its reader panicked: the scope raises that panic again here.
                Err(_) => return,
            }
        }
    });
}

fn too_large(bytes: u64) -> String {
    format!(
        "the file holds {bytes} bytes, more than the {MAX_FILE_BYTES} a content file may hold; split it"
    )
}

/// Folders deeper than this under a content folder are not read (links may loop).
const MAX_DEPTH: usize = 32;

struct Walker<'a> {
    root: &'a Path,
    real_root: &'a Path,
}

/// A content file the walk found, to be read.
struct Found {
    relative: String,
    path: PathBuf,
    /// Listed as a regular file, not a link, in a folder whose real path is inside the
    /// root: nothing to resolve before reading it.
    listed_regular: bool,
}

impl Walker<'_> {
    /// `inside`: `dir`'s real path is known to be inside the root.
    fn walk(&self, dir: &Path, inside: bool, found: &mut Vec<Found>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            if is_ignored_name(&entry.file_name().to_string_lossy()) {
                continue;
            }
            let path = entry.path();
            let file_type = entry.file_type().ok();
            // A link is followed to what it points at; read_content keeps it in the root.
            let is_dir = match file_type {
                Some(t) if t.is_symlink() => std::fs::metadata(&path).is_ok_and(|m| m.is_dir()),
                Some(t) => t.is_dir(),
                None => false,
            };
            if is_dir {
                let dir_inside =
                    std::fs::canonicalize(&path).is_ok_and(|r| r.starts_with(self.real_root));
                if dir_inside {
                    self.walk(&path, true, found, depth + 1);
                }
                continue;
            }
            let relative = relative_path(self.root, &path);
            if !is_content_file(&relative) {
                continue;
            }
            found.push(Found {
                relative,
                listed_regular: inside && file_type.is_some_and(|t| t.is_file()),
                path,
            });
        }
    }
}

/// `root`-relative path with `/` separators, as shown in diagnostics.
pub(crate) fn relative_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Editor temp files and hidden files, never content.
pub(crate) fn is_ignored_name(name: &str) -> bool {
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
pub(crate) enum ContentKind {
    Server,
    Toolset,
    Tool,
    Resource,
    Prompt,
}

pub(crate) fn content_kind(path: &str) -> Option<ContentKind> {
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
    fn embedded_files_are_read_as_content() {
        let (files, errors) = ContentSource::Embedded(&[
            ("registry/_server.yaml", "name: x\n"),
            ("registry/notes.txt", "not content"),
        ])
        .read_all();
        assert!(errors.is_empty());
        assert_eq!(files.len(), 1);
        assert_eq!(&*files[0].path, "registry/_server.yaml");
    }
}

#[cfg(all(test, unix))]
mod disk_tests {
    use super::*;

    fn write(root: &Path, relative: &str, text: &str) {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// Plants in `root`, at the three paths given, the files a root may hold to attack its
    /// reader: one that is not UTF-8, a link to a file outside the root, and a FIFO (which
    /// would hang a plain read). The folder outside is returned to keep it alive.
    fn plant_hostile_files(root: &Path, [bad, link, pipe]: [&str; 3]) -> tempfile::TempDir {
        std::fs::write(root.join(bad), [0xff, 0xfe]).expect("write");
        let outside = tempfile::tempdir().expect("temp dir");
        write(outside.path(), "secret.yaml", "name: secret\n");
        std::os::unix::fs::symlink(outside.path().join("secret.yaml"), root.join(link))
            .expect("link");
        let made = std::process::Command::new("mkfifo")
            .arg(root.join(pipe))
            .status()
            .expect("mkfifo");
        assert!(made.success());
        outside
    }

    #[test]
    fn a_large_root_has_its_tool_files_listed_unread_and_read_later_as_read_all_reads_them() {
        for count in [DEFER_TOOL_TEXTS_FROM - 1, DEFER_TOOL_TEXTS_FROM] {
            let root = tempfile::tempdir().expect("temp dir");
            write(root.path(), "registry/_server.yaml", "name: x\n");
            write(root.path(), "resources/a.md", "# A\n");
            // With the four problem files below, `count` tool files.
            for i in 0..count - 4 {
                write(
                    root.path(),
                    &format!("registry/s{:02}/t{i:05}.yaml", i % 7),
                    &format!("name: t{i:05}\n"),
                );
            }
            // The files a root may hold to attack its reader, read later as at once, and a
            // file too large.
            let _outside = plant_hostile_files(
                root.path(),
                [
                    "registry/s03/bad.yaml",
                    "registry/s01/link.yaml",
                    "registry/s02/pipe.yaml",
                ],
            );
            write(
                root.path(),
                "registry/s04/huge.yaml",
                &"#".repeat(MAX_FILE_BYTES as usize + 1),
            );
            let source = ContentSource::Directory(root.path().to_path_buf());
            let (all, all_errors) = source.read_all();
            let (files, unread, errors) = source.read_deferring_tools();
            if count < DEFER_TOOL_TEXTS_FROM {
                assert!(unread.is_empty(), "a small root is read whole");
                assert_eq!((files, errors), (all, all_errors));
                continue;
            }
            let read: Vec<&str> = files.iter().map(|f| &*f.path).collect();
            assert_eq!(read, ["registry/_server.yaml", "resources/a.md"]);
            assert!(
                errors.is_empty(),
                "the bad file is not read yet: {errors:?}"
            );
            assert_eq!(unread.len(), count);
            assert!(
                unread.windows(2).all(|w| w[0].path < w[1].path),
                "in path order"
            );
            // Read later, each gives what reading everything gave, in the same place.
            assert_eq!(all_errors.len(), 4, "{all_errors:?}");
            for file in &unread {
                match file.read() {
                    Ok(Some(got)) => assert!(all.contains(&got), "{}", got.path),
                    Ok(None) => panic!("{} is there", file.path),
                    Err(why) => assert!(
                        all_errors.contains(&(file.path.to_string(), why.clone())),
                        "{}: {why}",
                        file.path
                    ),
                }
            }
            std::fs::remove_file(root.path().join("registry/s00/t00000.yaml")).expect("rm");
            let gone = unread
                .iter()
                .find(|f| &*f.path == "registry/s00/t00000.yaml");
            assert!(matches!(gone.map(UnreadFile::read), Some(Ok(None))));
        }
    }

    #[test]
    fn a_large_root_is_read_on_threads_in_order_with_each_problem_in_its_place() {
        let root = tempfile::tempdir().expect("temp dir");
        let count = READ_ON_THREADS_FROM * 3 + 7;
        for i in 0..count {
            write(
                root.path(),
                &format!("registry/s{:02}/t{i:05}.yaml", i % 13),
                &format!("name: t{i:05}\n"),
            );
        }
        // Spread among them.
        let _outside = plant_hostile_files(
            root.path(),
            [
                "registry/s03/bad.yaml",
                "registry/s07/link.yaml",
                "registry/s11/pipe.yaml",
            ],
        );

        let (files, errors) = ContentSource::Directory(root.path().to_path_buf()).read_all();
        assert_eq!(files.len(), count);
        assert!(files.windows(2).all(|w| w[0].path < w[1].path));
        for file in &files {
            let name = file.path.rsplit('/').next().expect("a name");
            assert_eq!(
                &*file.text,
                format!("name: {}\n", &name[..6]),
                "{}",
                file.path
            );
        }
        let mut errors = errors;
        errors.sort();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(errors[0].0, "registry/s03/bad.yaml");
        assert_eq!(errors[0].1, NOT_UTF8);
        assert_eq!(errors[1].0, "registry/s07/link.yaml");
        assert!(
            errors[1].1.contains("outside the content root"),
            "{}",
            errors[1].1
        );
        assert_eq!(errors[2].0, "registry/s11/pipe.yaml");
        assert_eq!(errors[2].1, NOT_REGULAR);
    }

    #[test]
    fn a_content_folder_that_links_out_of_the_root_has_its_files_refused() {
        let root = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        write(root.path(), "registry/_server.yaml", "name: x\n");
        write(
            outside.path(),
            "docs/secret.md",
            "---\nuri: a://b\nname: b\n---\nsecret\n",
        );
        std::os::unix::fs::symlink(outside.path().join("docs"), root.path().join("resources"))
            .expect("link");
        let (files, errors) = ContentSource::Directory(root.path().to_path_buf()).read_all();
        assert!(
            files.iter().all(|f| !f.text.contains("secret")),
            "{files:?}"
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "resources/secret.md");
        assert!(
            errors[0].1.contains("outside the content root"),
            "{}",
            errors[0].1
        );
    }
}
