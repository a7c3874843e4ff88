// Logging levels are deprecated only from the 2026-07-28 protocol on.
#![allow(deprecated)]

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use arc_swap::ArcSwap;
use rmcp::model::LoggingLevel;

use crate::catalog::{Catalog, LoadOptions, build};
use crate::diagnostic::Diagnostic;
use crate::mcp::{Changes, status_key};
use crate::source::{ContentSource, SourceFile};

/// Owns the served snapshot's history: the last good text of every file.
pub struct Reloader {
    source: ContentSource,
    options: LoadOptions,
    catalog: Arc<ArcSwap<Catalog>>,
    last_good: HashMap<String, String>,
}

impl Reloader {
    /// Loads the first snapshot. A file that fails at start has no earlier version: it is
    /// left out and reported.
    pub fn start(source: ContentSource, options: LoadOptions) -> Self {
        let mut last_good = HashMap::new();
        let catalog = load(&source, &options, &mut last_good);
        Self {
            source,
            options,
            catalog: Arc::new(ArcSwap::from_pointee(catalog)),
            last_good,
        }
    }

    pub fn catalog(&self) -> Arc<ArcSwap<Catalog>> {
        self.catalog.clone()
    }

    /// Rebuilds from the files as they are now, swaps the snapshot in, and says what changed.
    pub fn reload(&mut self) -> Changes {
        let new = load(&self.source, &self.options, &mut self.last_good);
        let old = self.catalog.load_full();
        let changes = diff(&old, &new);
        self.catalog.store(Arc::new(new));
        changes
    }
}

/// Builds a catalog from the files on disk; a file with problems is replaced by its last good
/// text when there is one, or left out. Its problems stay in the diagnostics either way.
fn load(
    source: &ContentSource,
    options: &LoadOptions,
    last_good: &mut HashMap<String, String>,
) -> Catalog {
    let (files, read_errors) = source.read_all();
    let first = build(source.clone(), &files, &read_errors, options);
    let failed: BTreeSet<String> = first.diagnostics.iter().map(|d| d.file.clone()).collect();
    if failed.is_empty() {
        *last_good = files.into_iter().map(|f| (f.path, f.text)).collect();
        return first;
    }
    let mut kept = BTreeSet::new();
    let mut fallback: Vec<SourceFile> = Vec::with_capacity(files.len());
    for file in &files {
        if !failed.contains(&file.path) {
            fallback.push(file.clone());
        } else if let Some(text) = last_good.get(&file.path) {
            kept.insert(file.path.clone());
            fallback.push(SourceFile {
                path: file.path.clone(),
                text: text.clone(),
            });
        }
    }
    // Read errors hide the file from `files`: serve its last good text too.
    for (path, _) in &read_errors {
        if let Some(text) = last_good.get(path) {
            kept.insert(path.clone());
            fallback.push(SourceFile {
                path: path.clone(),
                text: text.clone(),
            });
        }
    }
    fallback.sort_by(|a, b| a.path.cmp(&b.path));
    let mut served = build(source.clone(), &fallback, &[], options);
    // The fallback can still clash (a last good version against a newer file): keep what loads.
    let still_failing: BTreeSet<&String> = served.diagnostics.iter().map(|d| &d.file).collect();
    *last_good = fallback
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
    served
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
        updated.push(crate::mcp::STATUS_URI.to_owned());
    }
    Changes {
        tools: old.tool_list != new.tool_list,
        prompts: prompts(old) != prompts(new),
        resources: resources(old) != resources(new),
        updated,
        messages: messages(old, new),
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
