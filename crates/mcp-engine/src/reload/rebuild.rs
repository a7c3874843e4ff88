// Logging levels are deprecated only from the 2026-07-28 protocol on.
#![allow(deprecated)]

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use arc_swap::ArcSwap;
use rmcp::model::LoggingLevel;

use super::Changes;
use crate::catalog::status::status_key;
use crate::catalog::{
    BuildCache, Built, Catalog, ClientLimits, LoadOptions, OwnedTools, build_consuming, build_with,
};
use crate::diagnostic::Diagnostic;
use crate::source::{
    ContentKind, ContentSource, Digest, PathState, ReleasedFile, SourceFile, content_kind,
};

/// Owns the served snapshot's history: the files as last read, the last good version of
/// every file, and the compiled tools a rebuild may reuse.
pub(crate) struct Reloader {
    source: ContentSource,
    options: LoadOptions,
    catalog: Arc<ArcSwap<Catalog>>,
    /// The content files as last read, sorted by path, and those that could not be read.
    files: Vec<SourceFile>,
    /// Tool files compiled from the text last read, which is let go: a large catalogue's
    /// texts were a fifth of its memory. Sorted by path.
    released: Vec<ReleasedFile>,
    read_errors: Vec<(String, String)>,
    last_good: HashMap<Arc<str>, Version>,
    cache: BuildCache,
}

/// A file's last good version: a tool file's is compiled in the build cache.
#[derive(Clone)]
enum Version {
    Text(Arc<str>),
    Compiled(Digest),
}

impl Reloader {
    /// Loads the first snapshot. A file that fails at start has no earlier version: it is
    /// left out and reported.
    pub(crate) fn start(source: ContentSource, options: LoadOptions) -> Self {
        let (mut reloader, _) = Self::opening(source, options);
        reloader.load();
        reloader
    }

    /// Serves the stand-in of [`crate::catalog::opening`] until [`Self::load`] runs; the
    /// HTTP client's limits as `_server.yaml` gives them.
    pub(crate) fn opening(source: ContentSource, options: LoadOptions) -> (Self, ClientLimits) {
        let (opening, limits) = crate::catalog::opening(source.clone(), &options);
        let reloader = Self {
            source,
            options,
            catalog: Arc::new(ArcSwap::from_pointee(opening)),
            files: Vec::new(),
            released: Vec::new(),
            read_errors: Vec::new(),
            last_good: HashMap::new(),
            cache: BuildCache::inert(),
        };
        (reloader, limits)
    }

    /// Reads every file and serves the first snapshot built from them.
    pub(crate) fn load(&mut self) {
        if self.catalog.load().opening {
            self.cache = BuildCache::default();
        }
        // A large root's tool files are read as they are parsed, not all at once first.
        let (files, unread, read_errors) = self.source.read_deferring_tools();
        self.read_errors = read_errors;
        let read = self.hand_over(files);
        let catalog = self.build(OwnedTools { read, unread });
        self.catalog.store(Arc::new(catalog));
        crate::transport::memory::release_freed();
    }

    pub(crate) fn catalog(&self) -> Arc<ArcSwap<Catalog>> {
        self.catalog.clone()
    }

    /// Reads every file again, rebuilds, swaps the snapshot in, and says what changed.
    pub(crate) fn reload(&mut self) -> Changes {
        let (files, read_errors) = self.source.read_all();
        self.read_errors = read_errors;
        self.released.clear();
        let read = self.hand_over(files);
        self.swap(OwnedTools {
            read,
            unread: Vec::new(),
        })
    }

    /// Keeps the files read but the tool files, which the build is given to own when the
    /// root is on disk: each text is let go once its file compiles (and read again from
    /// there should a message need to point into it).
    fn hand_over(&mut self, files: Vec<SourceFile>) -> Vec<SourceFile> {
        if !matches!(self.source, ContentSource::Directory(_)) {
            self.files = files;
            return Vec::new();
        }
        let (fresh, others) = files
            .into_iter()
            .partition(|f| content_kind(&f.path) == Some(ContentKind::Tool));
        self.files = others;
        fresh
    }

    /// Like [`Self::reload`], reading again only the root-relative `paths` the watcher saw
    /// change (everything when one of them is a directory).
    pub(crate) fn reload_paths(&mut self, paths: &BTreeSet<String>) -> Changes {
        for path in paths {
            self.read_errors.retain(|(p, _)| p != path);
            if let Ok(i) = self
                .released
                .binary_search_by(|f| (*f.path).cmp(path.as_str()))
            {
                self.released.remove(i);
            }
            let at = self
                .files
                .binary_search_by(|f| (*f.path).cmp(path.as_str()));
            match (self.source.read_path(path), at) {
                (PathState::Directory, _) => return self.reload(),
                (PathState::File(text), Ok(i)) => self.files[i].text = text,
                (PathState::File(text), Err(i)) => self.files.insert(
                    i,
                    SourceFile {
                        path: path.as_str().into(),
                        text,
                    },
                ),
                (PathState::Gone, Ok(i)) => {
                    self.files.remove(i);
                }
                (PathState::Gone, Err(_)) => {
                    // A folder that went away: its files are not known one by one.
                    let inside = format!("{path}/");
                    let held = self.files.iter().map(|f| &f.path);
                    let released = self.released.iter().map(|f| &f.path);
                    if held.chain(released).any(|p| p.starts_with(&inside)) {
                        return self.reload();
                    }
                }
                (PathState::Unreadable(message), at) => {
                    if let Ok(i) = at {
                        self.files.remove(i);
                    }
                    self.read_errors.push((path.clone(), message));
                }
            }
        }
        self.swap(OwnedTools::default())
    }

    fn swap(&mut self, owned: OwnedTools) -> Changes {
        let new = self.build(owned);
        let old = self.catalog.load_full();
        let changes = diff(&old, &new);
        self.catalog.store(Arc::new(new));
        drop(old);
        crate::transport::memory::release_freed();
        changes
    }

    /// Builds a catalog from the files and the `fresh` tool files (given to the build to
    /// own); a file with problems is replaced by its last good version when there is one,
    /// or left out. Its problems stay in the diagnostics either way.
    fn build(&mut self, owned: OwnedTools) -> Catalog {
        let source = self.source.clone();
        let Built {
            catalog: first,
            kept,
            let_go,
            unreadable,
        } = build_consuming(
            source.clone(),
            &self.files,
            owned,
            &self.released,
            &self.read_errors,
            &self.options,
            &mut self.cache,
        );
        // Kept so that the next rebuild reports them too, until they change.
        self.read_errors.extend(unreadable);
        if !kept.is_empty() {
            self.files.extend(kept);
            self.files.sort_by(|a, b| a.path.cmp(&b.path));
        }
        if !let_go.is_empty() {
            self.released.extend(let_go);
            self.released.sort_by(|a, b| a.path.cmp(&b.path));
        }
        let failed: BTreeSet<&str> = first
            .diagnostics
            .iter()
            .filter(|d| !d.advisory)
            .map(|d| d.file.as_str())
            .collect();
        if failed.is_empty() {
            self.last_good = self.versions(&self.files, &self.released, &BTreeSet::new());
            self.release_texts(&BTreeSet::new());
            return first;
        }
        let mut kept = BTreeSet::new();
        let mut files: Vec<SourceFile> = Vec::with_capacity(self.files.len());
        let mut released: Vec<ReleasedFile> = Vec::with_capacity(self.released.len());
        let mut fall_back =
            |path: &str, files: &mut Vec<SourceFile>| match self.last_good.get_key_value(path) {
                Some((path, Version::Text(text))) => {
                    kept.insert(path.to_string());
                    files.push(SourceFile {
                        path: path.clone(),
                        text: text.clone(),
                    });
                }
                Some((path, Version::Compiled(digest))) => {
                    kept.insert(path.to_string());
                    released.push(ReleasedFile {
                        path: path.clone(),
                        digest: *digest,
                    });
                }
                None => {}
            };
        for file in &self.files {
            if failed.contains(&*file.path) {
                fall_back(&file.path, &mut files);
            } else {
                files.push(file.clone());
            }
        }
        for file in &self.released {
            if failed.contains(&*file.path) {
                fall_back(&file.path, &mut files);
            }
        }
        // Read errors hide the file from `files`: serve its last good version too.
        for (path, _) in &self.read_errors {
            fall_back(path, &mut files);
        }
        released.extend(
            self.released
                .iter()
                .filter(|f| !failed.contains(&*f.path))
                .cloned(),
        );
        files.sort_by(|a, b| a.path.cmp(&b.path));
        released.sort_by(|a, b| a.path.cmp(&b.path));
        let mut served = build_with(
            source,
            &files,
            &released,
            &[],
            &self.options,
            &mut self.cache,
        );
        // The fallback can still clash (a last good version against a newer file): keep what
        // loads.
        let still_failing: BTreeSet<String> = served
            .diagnostics
            .iter()
            .filter(|d| !d.advisory)
            .map(|d| d.file.clone())
            .collect();
        self.last_good = self.versions(&files, &released, &still_failing);
        let failed: BTreeSet<String> = failed.into_iter().map(str::to_owned).collect();
        self.release_texts(&failed);
        let mut diagnostics = first.diagnostics;
        for d in served.diagnostics.drain(..) {
            if !diagnostics.contains(&d) {
                diagnostics.push(d);
            }
        }
        served.diagnostics = diagnostics;
        served.kept_previous = kept;
        served.failed_tools = first.failed_tools;
        served
    }

    /// The versions of these files, but those `left_out`, as last good versions: a tool
    /// file by the digest the cache compiled it from, any other file by its text.
    fn versions(
        &self,
        files: &[SourceFile],
        released: &[ReleasedFile],
        left_out: &BTreeSet<String>,
    ) -> HashMap<Arc<str>, Version> {
        let compiled = |path: &str| self.cache.latest(path).map(|c| Version::Compiled(c.digest));
        files
            .iter()
            .filter(|f| !left_out.contains(&*f.path))
            .filter_map(|f| {
                let version = if content_kind(&f.path) == Some(ContentKind::Tool) {
                    compiled(&f.path)?
                } else {
                    Version::Text(f.text.clone())
                };
                Some((f.path.clone(), version))
            })
            .chain(
                released
                    .iter()
                    .filter(|f| !left_out.contains(&*f.path))
                    .map(|f| (f.path.clone(), Version::Compiled(f.digest))),
            )
            .collect()
    }

    /// Lets go of the texts of the tool files that loaded (the cache holds them compiled
    /// from that text), and of the compiled versions no last good version needs. Only a
    /// root on disk: a text let go is read again from there when a message must point into
    /// it.
    fn release_texts(&mut self, failed: &BTreeSet<String>) {
        let last_good = &self.last_good;
        self.cache.keep_others(|path| match last_good.get(path) {
            Some(Version::Compiled(digest)) => Some(*digest),
            _ => None,
        });
        if !matches!(self.source, ContentSource::Directory(_)) {
            return;
        }
        let cache = &self.cache;
        let mut let_go = Vec::new();
        self.files.retain(|f| {
            if content_kind(&f.path) != Some(ContentKind::Tool) || failed.contains(&*f.path) {
                return true;
            }
            // A file that did not fail was compiled from this very text.
            match cache.latest(&f.path) {
                Some(c) => {
                    let_go.push(ReleasedFile {
                        path: f.path.clone(),
                        digest: c.digest,
                    });
                    false
                }
                None => true,
            }
        });
        if !let_go.is_empty() {
            self.released.extend(let_go);
            self.released.sort_by(|a, b| a.path.cmp(&b.path));
        }
    }
}

fn diff(old: &Catalog, new: &Catalog) -> Changes {
    let prompts = |c: &Catalog| {
        c.prompts
            .values()
            .map(|p| p.prompt.clone())
            .collect::<Vec<_>>()
    };
    let resources = |c: &Catalog| {
        c.resources
            .values()
            .map(|r| r.resource.clone())
            .collect::<Vec<_>>()
    };
    // A resource that appeared counts as updated too: a client may have subscribed ahead.
    let mut updated: Vec<String> = new
        .resources
        .iter()
        .filter(|(uri, r)| {
            old.resources
                .get(*uri)
                .is_none_or(|o| o.text != r.text || o.resource != r.resource)
        })
        .map(|(uri, _)| uri.clone())
        .collect();
    if status_key(old) != status_key(new) {
        updated.push(new.status_uri());
    }
    Changes {
        tools: old.tool_list != new.tool_list,
        prompts: prompts(old) != prompts(new),
        resources: resources(old) != resources(new),
        updated,
        messages: messages(old, new),
        logger: new.program.to_string(),
    }
}

/// New problems as warnings; files that failed before and load now as notices.
fn messages(old: &Catalog, new: &Catalog) -> Vec<(LoggingLevel, String)> {
    let fallback = |d: &Diagnostic| {
        if new.kept_previous.contains(&d.file) {
            "its last good version is still served"
        } else {
            "it is not served"
        }
    };
    let mut out: Vec<(LoggingLevel, String)> = new
        .diagnostics
        .iter()
        .filter(|d| !old.diagnostics.contains(d))
        .map(|d| (LoggingLevel::Warning, format!("{d} ({})", fallback(d))))
        .collect();
    let failing_now: BTreeSet<&String> = new.diagnostics.iter().map(|d| &d.file).collect();
    let fixed: BTreeSet<&String> = old
        .diagnostics
        .iter()
        .map(|d| &d.file)
        .filter(|f| !failing_now.contains(f))
        .collect();
    out.extend(fixed.into_iter().map(|f| {
        (
            LoggingLevel::Notice,
            format!("{f}: loads again without error"),
        )
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: &str = "name: t\nupstream:\n  base_url: http://127.0.0.1:9\n";

    fn tool(name: &str, description: &str) -> String {
        format!(
            "# A tool.\nname: {name}\ndescription: {description}\ninput: {{ type: object }}\nrequest: {{ method: GET, path: /x }}\n"
        )
    }

    struct Root(tempfile::TempDir);

    impl Root {
        fn write(&self, path: &str, text: &str) -> BTreeSet<String> {
            let full = self.0.path().join(path);
            std::fs::create_dir_all(full.parent().expect("a folder")).expect("mkdir");
            std::fs::write(full, text).expect("write");
            BTreeSet::from([path.to_owned()])
        }
    }

    fn description(reloader: &Reloader, tool: &str) -> String {
        let catalog = reloader.catalog.load_full();
        catalog.tools[tool].listed.description().unwrap_or_default()
    }

    #[test]
    fn a_large_root_read_while_parsed_loads_whole_and_keeps_reporting_what_could_not_be_read() {
        let root = Root(tempfile::tempdir().expect("temp dir"));
        root.write("registry/_server.yaml", SERVER);
        let count = crate::source::DEFER_TOOL_TEXTS_FROM + 40;
        for i in 0..count {
            root.write(
                &format!("registry/s{:02}/t{i:05}.yaml", i % 5),
                &tool(&format!("g_{i:05}"), "One of many."),
            );
        }
        std::fs::write(root.0.path().join("registry/s01/bad.yaml"), [0xff, 0xfe]).expect("write");
        // Names of tools only known once their files were read and parsed.
        root.write(
            "resources/guide.md",
            "---\nuri: docs://guide\nname: guide\n---\nCall g_00007, not g_99999.\n",
        );
        let mut reloader = Reloader::start(
            ContentSource::Directory(root.0.path().to_path_buf()),
            LoadOptions::default(),
        );
        let problems = |reloader: &Reloader| -> Vec<String> {
            let catalog = reloader.catalog.load_full();
            catalog.diagnostics.iter().map(|d| d.to_string()).collect()
        };
        let catalog = reloader.catalog.load_full();
        assert_eq!(catalog.tools.len(), count);
        assert!(
            reloader.files.iter().all(|f| !f.path.contains("/t")),
            "texts let go"
        );
        let found = problems(&reloader);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("registry/s01/bad.yaml:1:1: the file is not valid UTF-8"),
            "{found:?}"
        );
        assert!(found[1].starts_with("resources/guide.md:5:"), "{found:?}");
        assert!(found[1].contains("`g_99999`"), "{found:?}");
        // Another file's change rebuilds from what is held: the unreadable one is still
        // reported.
        let changed = root.write("registry/s02/t00002.yaml", &tool("g_00002", "Changed."));
        reloader.reload_paths(&changed);
        assert_eq!(problems(&reloader), found);
        assert_eq!(description(&reloader, "g_00002"), "Changed.");
    }

    #[test]
    fn a_load_keeps_only_the_texts_of_tool_files_that_failed() {
        let root = Root(tempfile::tempdir().expect("temp dir"));
        root.write("registry/_server.yaml", SERVER);
        root.write("registry/items/a.yaml", &tool("alpha", "First."));
        root.write(
            "registry/items/b.yaml",
            "name: broken\ndescription: [1, 2]\n",
        );
        root.write("registry/items/c.yaml", &tool("alpha", "Clash."));
        let mut reloader = Reloader::start(
            ContentSource::Directory(root.0.path().to_path_buf()),
            LoadOptions::default(),
        );
        for round in ["load", "reload"] {
            let held: Vec<&str> = reloader.files.iter().map(|f| &*f.path).collect();
            assert_eq!(
                held,
                ["registry/_server.yaml", "registry/items/b.yaml"],
                "{round}"
            );
            let released: Vec<&str> = reloader.released.iter().map(|f| &*f.path).collect();
            assert_eq!(
                released,
                ["registry/items/a.yaml", "registry/items/c.yaml"],
                "{round}"
            );
            assert_eq!(description(&reloader, "alpha"), "First.", "{round}");
            let catalog = reloader.catalog.load_full();
            let located: BTreeSet<(&str, usize)> = catalog
                .diagnostics
                .iter()
                .map(|d| (d.file.as_str(), d.line))
                .collect();
            // The clash points at its line though the text was let go: read again.
            assert_eq!(
                located,
                BTreeSet::from([
                    ("registry/items/b.yaml", 1),
                    ("registry/items/b.yaml", 2),
                    ("registry/items/c.yaml", 2)
                ]),
                "{round}: {:?}",
                catalog.diagnostics
            );
            reloader.reload();
        }
    }

    #[test]
    fn tool_texts_are_let_go_yet_recompiled_fallen_back_on_and_pointed_into() {
        let root = Root(tempfile::tempdir().expect("temp dir"));
        root.write("registry/_server.yaml", SERVER);
        root.write("registry/items/a.yaml", &tool("alpha", "First."));
        root.write("registry/items/b.yaml", &tool("beta", "Beta."));
        let mut reloader = Reloader::start(
            ContentSource::Directory(root.0.path().to_path_buf()),
            LoadOptions::default(),
        );
        // Only the server file's text is kept; the tools are held compiled.
        let held: Vec<&str> = reloader.files.iter().map(|f| &*f.path).collect();
        assert_eq!(held, ["registry/_server.yaml"]);
        assert_eq!(reloader.released.len(), 2);

        // A toolset's settings reach tools whose text was let go: it is read again.
        reloader.reload_paths(&root.write(
            "registry/items/_toolset.yaml",
            "annotations:\n  openWorldHint: false\n",
        ));
        let catalog = reloader.catalog.load_full();
        assert!(catalog.diagnostics.is_empty(), "{:?}", catalog.diagnostics);
        for name in ["alpha", "beta"] {
            let hint = catalog.tools[name]
                .listed
                .annotations()
                .map(|a| a.open_world_hint);
            assert_eq!(hint, Some(Some(false)), "{name}");
        }

        // A broken file falls back on its last good version, held compiled: its text is
        // gone from the disk and from memory.
        reloader.reload_paths(&root.write(
            "registry/items/a.yaml",
            "name: alpha\ndescription: \"unclosed\n",
        ));
        assert_eq!(description(&reloader, "alpha"), "First.");
        let kept = |r: &Reloader| r.catalog.load_full().kept_previous.clone();
        assert_eq!(
            kept(&reloader),
            BTreeSet::from(["registry/items/a.yaml".to_owned()])
        );
        // Still so after another file's change.
        reloader.reload_paths(&root.write("registry/items/b.yaml", &tool("beta", "Second.")));
        assert_eq!(description(&reloader, "alpha"), "First.");
        assert_eq!(description(&reloader, "beta"), "Second.");
        assert!(kept(&reloader).contains("registry/items/a.yaml"));

        // A clash reported in a file whose text was let go points at its line all the same.
        reloader.reload_paths(&root.write("registry/items/0.yaml", &tool("beta", "Clash.")));
        let catalog = reloader.catalog.load_full();
        let clash = catalog
            .diagnostics
            .iter()
            .find(|d| d.message.contains("already used"))
            .expect("the clash is reported");
        assert_eq!(
            (clash.file.as_str(), clash.line),
            ("registry/items/b.yaml", 2)
        );

        // Fixed: served again, and the version kept to fall back on is dropped.
        std::fs::remove_file(root.0.path().join("registry/items/0.yaml")).expect("remove");
        let mut changed = root.write("registry/items/a.yaml", &tool("alpha", "Fixed."));
        changed.insert("registry/items/0.yaml".to_owned());
        reloader.reload_paths(&changed);
        assert_eq!(description(&reloader, "alpha"), "Fixed.");
        assert!(kept(&reloader).is_empty());
        assert_eq!(reloader.cache.others_kept(), 0);
        assert!(reloader.files.iter().all(|f| !f.path.ends_with("a.yaml")));
    }

    #[cfg(unix)]
    #[test]
    fn a_tool_read_again_for_its_toolset_that_cannot_be_read_is_reported() {
        let root = Root(tempfile::tempdir().expect("temp dir"));
        root.write("registry/_server.yaml", SERVER);
        root.write("registry/items/a.yaml", &tool("alpha", "First."));
        let mut reloader = Reloader::start(
            ContentSource::Directory(root.0.path().to_path_buf()),
            LoadOptions::default(),
        );
        assert_eq!(reloader.released.len(), 1);
        // The file becomes a link out of the root; the watcher has not told yet.
        let outside = tempfile::tempdir().expect("temp dir");
        let target = outside.path().join("a.yaml");
        std::fs::write(&target, tool("alpha", "Outside.")).expect("write");
        let link = root.0.path().join("registry/items/a.yaml");
        std::fs::remove_file(&link).expect("remove");
        std::os::unix::fs::symlink(&target, &link).expect("link");
        reloader.reload_paths(&root.write(
            "registry/items/_toolset.yaml",
            "annotations:\n  openWorldHint: false\n",
        ));
        let catalog = reloader.catalog.load_full();
        let refused = catalog
            .diagnostics
            .iter()
            .find(|d| d.file == "registry/items/a.yaml")
            .expect("the refused file is reported");
        assert!(
            refused.message.contains("outside the content root"),
            "{refused}"
        );
        // Its last good version stays in service, as for any file that cannot be read.
        assert_eq!(description(&reloader, "alpha"), "First.");
        assert!(catalog.kept_previous.contains("registry/items/a.yaml"));
    }
}
