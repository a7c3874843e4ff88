//! Watches the content folders and triggers a reload once a burst of changes settles.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use tokio::sync::mpsc;

use super::Reloader;
use crate::source::{CONTENT_FOLDERS, is_ignored_name, relative_path};

/// The debouncer groups the events of one file; this quiet time after the last batch groups
/// a burst across many files into one reload.
const DEBOUNCE: Duration = Duration::from_millis(100);
const SETTLE: Duration = Duration::from_millis(60);

enum Signal {
    /// A content path changed (root-relative, `/` separators): only it is read again.
    Changed(String),
    /// Something the events do not pin down: every file is read again.
    Rescan,
    /// A content folder appeared at the root (created, or recreated by a checkout).
    FolderAppeared(PathBuf),
    /// What the content folders point at was swapped, as Kubernetes updates a ConfigMap
    /// volume: a new hidden `..<timestamp>` folder made current by renaming the `..data`
    /// symlink, the old folder then removed. The watches follow the old folder, so they are
    /// made again, and every file is read again.
    Swapped,
}

/// Keeps the watcher alive; dropping it stops watching (the task that owns the watcher
/// is aborted, and the watcher with it).
pub(crate) struct WatchHandle {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Watches `root`'s content folders and reloads into the reloader's snapshot, handing what
/// changed to `announce` (the MCP layer tells its sessions). Must be called inside a tokio
/// runtime.
pub(crate) fn spawn<F, A>(
    root: PathBuf,
    reloader: Reloader,
    announce: F,
) -> Result<WatchHandle, notify_debouncer_full::notify::Error>
where
    F: Fn(super::Changes) -> A + Send + 'static,
    A: std::future::Future<Output = ()> + Send,
{
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handler_root = root.clone();
    let mut debouncer =
        new_debouncer(
            DEBOUNCE,
            None,
            move |result: DebounceEventResult| match result {
                Ok(events) => {
                    let mut signals = Vec::new();
                    for event in &events {
                        classify(&handler_root, event, &mut signals);
                    }
                    for signal in signals {
                        let _ = tx.send(signal);
                    }
                }
                Err(errors) => {
                    errors
                        .iter()
                        .for_each(|e| tracing::warn!("file watcher: {e}"));
                    let _ = tx.send(Signal::Rescan);
                }
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
            let mut paths = BTreeSet::new();
            let mut everything = false;
            let mut swapped = false;
            for signal in signals {
                match signal {
                    Signal::Changed(path) => {
                        paths.insert(path);
                    }
                    Signal::Rescan => everything = true,
                    Signal::FolderAppeared(dir) => {
                        everything = true;
                        if let Err(e) = debouncer.watch(&dir, RecursiveMode::Recursive) {
                            tracing::warn!("cannot watch {}: {e}", dir.display());
                        }
                    }
                    Signal::Swapped => swapped = true,
                }
            }
            if swapped {
                everything = true;
                for folder in CONTENT_FOLDERS {
                    let dir = root.join(folder);
                    let _ = debouncer.unwatch(&dir);
                    if dir.is_dir()
                        && let Err(e) = debouncer.watch(&dir, RecursiveMode::Recursive)
                    {
                        tracing::warn!("cannot watch {}: {e}", dir.display());
                    }
                }
            }
            let reloader = reloader.clone();
            let started = Instant::now();
            let changes = match tokio::task::spawn_blocking(move || {
                let mut reloader = reloader.lock().unwrap_or_else(|e| e.into_inner());
                if everything {
                    reloader.reload()
                } else {
                    reloader.reload_paths(&paths)
                }
            })
            .await
            {
                Ok(changes) => changes,
                Err(e) => {
                    tracing::error!("the reload failed: {e}");
                    continue;
                }
            };
            // As after the first load (engine.rs): a second release once the rebuild's
            // memory has been freed.
            crate::transport::memory::ReleaseSoon::default().request();
            for (level, message) in &changes.messages {
                tracing::warn!(?level, "{message}");
            }
            let (tools, prompts, resources, updated) = (
                changes.tools,
                changes.prompts,
                changes.resources,
                changes.updated.len(),
            );
            announce(changes).await;
            // From the end of the debounce to the notifications sent (docs/performance.md).
            tracing::info!(
                tools,
                prompts,
                resources,
                updated,
                elapsed_us = started.elapsed().as_micros() as u64,
                "reloaded and announced"
            );
        }
    });
    Ok(WatchHandle { task })
}

fn classify(root: &Path, event: &notify_debouncer_full::DebouncedEvent, signals: &mut Vec<Signal>) {
    if matches!(event.kind, EventKind::Access(_)) {
        return;
    }
    if event.need_rescan() {
        signals.push(Signal::Rescan);
        return;
    }
    for path in &event.paths {
        let Ok(relative) = path.strip_prefix(root) else {
            continue;
        };
        let Some(folder) = relative.components().next() else {
            continue;
        };
        // Kubernetes' atomic writer names its entries `..data`, `..data_tmp`, `..<date>`, at
        // the root (the content folders are symlinks through `..data`) or inside a content
        // folder (a ConfigMap mounted as that folder: each file a symlink through `..data`,
        // so a changed file shows only as the swap).
        if relative
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with(".."))
        {
            signals.push(Signal::Swapped);
            continue;
        }
        if !CONTENT_FOLDERS.contains(&folder.as_os_str().to_string_lossy().as_ref()) {
            continue;
        }
        if relative.components().count() == 1 {
            if matches!(event.kind, EventKind::Create(_)) && path.is_dir() {
                signals.push(Signal::FolderAppeared(path.clone()));
            } else {
                signals.push(Signal::Rescan);
            }
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !is_ignored_name(&name) {
            signals.push(Signal::Changed(relative_path(root, path)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::LoadOptions;
    use crate::source::ContentSource;

    const SERVER: &str = "name: t\nupstream:\n  base_url: http://127.0.0.1:9\n";

    fn tool(name: &str) -> String {
        format!(
            "name: {name}\ndescription: A tool.\ninput: {{ type: object }}\nrequest: {{ method: GET, path: /x }}\n"
        )
    }

    async fn served_after_a_change(drop_handle: bool) -> Vec<String> {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(root.path().join("registry")).expect("mkdir");
        std::fs::write(root.path().join("registry/_server.yaml"), SERVER).expect("write");
        std::fs::write(root.path().join("registry/a.yaml"), tool("alpha")).expect("write");
        let reloader = Reloader::start(
            ContentSource::Directory(root.path().to_path_buf()),
            LoadOptions::default(),
        );
        let snapshot = reloader.catalog();
        let handle = spawn(root.path().to_path_buf(), reloader, |_| async {}).expect("watch");
        if drop_handle {
            drop(handle);
            tokio::task::yield_now().await;
        }
        std::fs::write(root.path().join("registry/b.yaml"), tool("beta")).expect("write");
        // Long enough for a watcher that still runs: debounce, settle and reload.
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if snapshot.load().tools.len() == 2 {
                break;
            }
        }
        let mut names: Vec<String> = snapshot.load().tools.keys().map(str::to_owned).collect();
        names.sort();
        names
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropping_the_handle_stops_watching() {
        assert_eq!(served_after_a_change(false).await, vec!["alpha", "beta"]);
        assert_eq!(served_after_a_change(true).await, vec!["alpha"]);
    }
}
