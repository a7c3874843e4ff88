//! Watches the content folders and triggers a reload once a burst of changes settles.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use tokio::sync::mpsc;

use super::Reloader;
use crate::mcp::Sessions;
use crate::source::{CONTENT_FOLDERS, is_ignored_name};

/// The debouncer groups the events of one file; this quiet time after the last batch groups
/// a burst across many files into one reload.
const DEBOUNCE: Duration = Duration::from_millis(100);
const SETTLE: Duration = Duration::from_millis(60);

enum Signal {
    Changed,
    /// A content folder appeared at the root (created, or recreated by a checkout).
    FolderAppeared(PathBuf),
}

/// Keeps the watcher alive; dropping it stops watching.
pub struct WatchHandle {
    _task: tokio::task::JoinHandle<()>,
}

/// Watches `root`'s content folders and reloads into the reloader's snapshot, telling
/// `sessions` what changed. Must be called inside a tokio runtime.
pub fn spawn(
    root: PathBuf,
    reloader: Reloader,
    sessions: Sessions,
) -> Result<WatchHandle, notify_debouncer_full::notify::Error> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handler_root = root.clone();
    let mut debouncer =
        new_debouncer(
            DEBOUNCE,
            None,
            move |result: DebounceEventResult| match result {
                Ok(events) => {
                    for signal in events.iter().filter_map(|e| classify(&handler_root, e)) {
                        let _ = tx.send(signal);
                    }
                }
                Err(errors) => errors
                    .iter()
                    .for_each(|e| tracing::warn!("file watcher: {e}")),
            },
        )?;
    // The root itself, not recursively: to see content folders come and go.
    debouncer.watch(&root, RecursiveMode::NonRecursive)?;
    for folder in CONTENT_FOLDERS {
        let dir = root.join(folder);
        if dir.is_dir() {
            debouncer.watch(&dir, RecursiveMode::Recursive)?;
        }
    }
    tracing::info!("watching {} for changes", root.display());
    let reloader = Arc::new(Mutex::new(reloader));
    let task = tokio::spawn(async move {
        let mut debouncer = debouncer;
        while let Some(signal) = rx.recv().await {
            let mut signals = vec![signal];
            // Let the burst settle.
            loop {
                tokio::select! {
                    next = rx.recv() => match next {
                        Some(s) => signals.push(s),
                        None => return,
                    },
                    _ = tokio::time::sleep(SETTLE) => break,
                }
            }
            for signal in &signals {
                if let Signal::FolderAppeared(dir) = signal
                    && let Err(e) = debouncer.watch(dir, RecursiveMode::Recursive)
                {
                    tracing::warn!("cannot watch {}: {e}", dir.display());
                }
            }
            let reloader = reloader.clone();
            let changes = match tokio::task::spawn_blocking(move || {
                reloader.lock().unwrap_or_else(|e| e.into_inner()).reload()
            })
            .await
            {
                Ok(changes) => changes,
                Err(e) => {
                    tracing::error!("the reload failed: {e}");
                    continue;
                }
            };
            for (level, message) in &changes.messages {
                tracing::warn!(?level, "{message}");
            }
            tracing::info!(
                tools = changes.tools,
                prompts = changes.prompts,
                resources = changes.resources,
                updated = changes.updated.len(),
                "reloaded"
            );
            sessions.broadcast(&changes).await;
        }
    });
    Ok(WatchHandle { _task: task })
}

fn classify(root: &Path, event: &notify_debouncer_full::DebouncedEvent) -> Option<Signal> {
    if matches!(event.kind, EventKind::Access(_)) {
        return None;
    }
    for path in &event.paths {
        let Ok(relative) = path.strip_prefix(root) else {
            continue;
        };
        let mut parts = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        let Some(folder) = parts.next() else { continue };
        if !CONTENT_FOLDERS.contains(&folder.as_str()) {
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if relative.components().count() == 1 {
            if matches!(event.kind, EventKind::Create(_)) && path.is_dir() {
                return Some(Signal::FolderAppeared(path.clone()));
            }
            return Some(Signal::Changed);
        }
        if !is_ignored_name(&name) {
            return Some(Signal::Changed);
        }
    }
    None
}
