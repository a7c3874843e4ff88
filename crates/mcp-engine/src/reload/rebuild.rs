// Logging levels are deprecated only from the 2026-07-28 protocol on.
#![allow(deprecated)]

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use arc_swap::ArcSwap;
use rmcp::model::LoggingLevel;

use super::Changes;
use crate::catalog::status::status_key;
use crate::catalog::{BuildCache, Catalog, LoadOptions, build_with};
use crate::diagnostic::Diagnostic;
use crate::source::{ContentSource, PathState, SourceFile};

/// Owns the served snapshot's history: the files as last read, the last good text of every
/// file, and the compiled tools a rebuild may reuse.
pub(crate) struct Reloader {
    source: ContentSource,
    options: LoadOptions,
    catalog: Arc<ArcSwap<Catalog>>,
    /// The content files as last read, sorted by path, and those that could not be read.
    files: Vec<SourceFile>,
    read_errors: Vec<(String, String)>,
    last_good: HashMap<String, Arc<str>>,
    cache: BuildCache,
}

impl Reloader {
    /// Loads the first snapshot. A file that fails at start has no earlier version: it is
    /// left out and reported.
    pub(crate) fn start(source: ContentSource, options: LoadOptions) -> Self {
        let (files, read_errors) = source.read_all();
        // A stand-in until the first build is stored below.
        let empty = crate::catalog::build(source.clone(), &[], &[], &options);
        let mut reloader = Self {
            source,
            options,
            catalog: Arc::new(ArcSwap::from_pointee(empty)),
            files,
            read_errors,
            last_good: HashMap::new(),
            cache: BuildCache::default(),
        };
        let catalog = reloader.build();
        reloader.catalog.store(Arc::new(catalog));
        crate::transport::memory::release_freed();
        reloader
    }

    pub(crate) fn catalog(&self) -> Arc<ArcSwap<Catalog>> {
        self.catalog.clone()
    }

    /// Reads every file again, rebuilds, swaps the snapshot in, and says what changed.
    pub(crate) fn reload(&mut self) -> Changes {
        (self.files, self.read_errors) = self.source.read_all();
        self.swap()
    }

    /// Like [`Self::reload`], reading again only the root-relative `paths` the watcher saw
    /// change (everything when one of them is a directory).
    pub(crate) fn reload_paths(&mut self, paths: &BTreeSet<String>) -> Changes {
        for path in paths {
            self.read_errors.retain(|(p, _)| p != path);
            let at = self.files.binary_search_by(|f| f.path.as_str().cmp(path));
            match (self.source.read_path(path), at) {
                (PathState::Directory, _) => return self.reload(),
                (PathState::File(text), Ok(i)) => self.files[i].text = text,
                (PathState::File(text), Err(i)) => self.files.insert(
                    i,
                    SourceFile {
                        path: path.clone(),
                        text,
                    },
                ),
                (PathState::Gone, Ok(i)) => {
                    self.files.remove(i);
                }
                (PathState::Gone, Err(_)) => {
                    // A folder that went away: its files are not known one by one.
                    let inside = format!("{path}/");
                    if self.files.iter().any(|f| f.path.starts_with(&inside)) {
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
        self.swap()
    }

    fn swap(&mut self) -> Changes {
        let new = self.build();
        let old = self.catalog.load_full();
        let changes = diff(&old, &new);
        self.catalog.store(Arc::new(new));
        drop(old);
        crate::transport::memory::release_freed();
        changes
    }

    /// Builds a catalog from the files; a file with problems is replaced by its last good
    /// text when there is one, or left out. Its problems stay in the diagnostics either way.
    fn build(&mut self) -> Catalog {
        let source = self.source.clone();
        let first = build_with(
            source.clone(),
            &self.files,
            &self.read_errors,
            &self.options,
            &mut self.cache,
        );
        let failed: BTreeSet<&String> = first
            .diagnostics
            .iter()
            .filter(|d| !d.advisory)
            .map(|d| &d.file)
            .collect();
        if failed.is_empty() {
            self.last_good = self
                .files
                .iter()
                .map(|f| (f.path.clone(), f.text.clone()))
                .collect();
            return first;
        }
        let mut kept = BTreeSet::new();
        let mut fallback: Vec<SourceFile> = Vec::with_capacity(self.files.len());
        for file in &self.files {
            if !failed.contains(&file.path) {
                fallback.push(file.clone());
            } else if let Some(text) = self.last_good.get(&file.path) {
                kept.insert(file.path.clone());
                fallback.push(SourceFile {
                    path: file.path.clone(),
                    text: text.clone(),
                });
            }
        }
        // Read errors hide the file from `files`: serve its last good text too.
        for (path, _) in &self.read_errors {
            if let Some(text) = self.last_good.get(path) {
                kept.insert(path.clone());
                fallback.push(SourceFile {
                    path: path.clone(),
                    text: text.clone(),
                });
            }
        }
        fallback.sort_by(|a, b| a.path.cmp(&b.path));
        let mut served = build_with(source, &fallback, &[], &self.options, &mut self.cache);
        // The fallback can still clash (a last good version against a newer file): keep what
        // loads.
        let still_failing: BTreeSet<&String> = served
            .diagnostics
            .iter()
            .filter(|d| !d.advisory)
            .map(|d| &d.file)
            .collect();
        self.last_good = fallback
            .iter()
            .filter(|f| !still_failing.contains(&f.path))
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect();
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
