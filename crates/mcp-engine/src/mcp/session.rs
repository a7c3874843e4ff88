// Logging is deprecated only from the 2026-07-28 protocol on; earlier clients use it.
#![allow(deprecated)]

//! Connected sessions and what to tell them when the catalog changes: legacy sessions get
//! notifications on their peer (resources/updated only for URIs they subscribed to, log
//! messages at or above the level they set); 2026-07-28 sessions get them on the streams
//! they opened with subscriptions/listen.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use rmcp::RoleServer;
use rmcp::model::{
    LoggingLevel, LoggingMessageNotificationParam, ResourceUpdatedNotificationParam,
};
use rmcp::service::{Peer, SubscriptionSink};

use crate::reload::Changes;

/// One client connection.
pub(crate) struct Session {
    peer: OnceLock<Peer<RoleServer>>,
    subscriptions: Mutex<BTreeSet<String>>,
    log_level: Mutex<LoggingLevel>,
    sinks: Mutex<Vec<SubscriptionSink>>,
    /// Where the session is listed, so that it leaves the list as it ends.
    registry: Weak<Mutex<Registry>>,
    /// `initialize` was answered while the content loaded, so its instructions could not
    /// say that no tool loaded; and whether the client has been told since.
    answered_before_load: AtomicBool,
    told_no_tools: AtomicBool,
}

/// The live sessions, by the address of each. A session removes its own entry when it
/// ends: an entry left behind (a `Weak`) would keep the session's memory allocated, and
/// thousands of those, scattered over the heap, keep the allocator from giving any back.
#[derive(Default)]
struct Registry {
    live: HashMap<usize, Weak<Session>>,
    /// Sessions ended since [`Sessions::take_ended`] last asked.
    ended: usize,
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            let mut registry = lock(&registry);
            registry.live.remove(&(self as *const Session as usize));
            registry.ended += 1;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn severity(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

impl Session {
    fn new(registry: Weak<Mutex<Registry>>) -> Self {
        Self {
            peer: OnceLock::new(),
            subscriptions: Mutex::default(),
            log_level: Mutex::new(LoggingLevel::Info),
            sinks: Mutex::default(),
            registry,
            answered_before_load: AtomicBool::new(false),
            told_no_tools: AtomicBool::new(false),
        }
    }

    pub(crate) fn answered_before_load(&self) {
        self.answered_before_load.store(true, Ordering::Relaxed);
    }

    /// Warns the client, once, that no tool loaded, when its `initialize` answer was given
    /// before the content loaded and the client can be written to.
    pub(crate) fn tell_no_tools(&self, logger: &str, text: String) {
        if !self.answered_before_load.load(Ordering::Relaxed) {
            return;
        }
        let Some(peer) = self
            .peer
            .get()
            .filter(|p| !p.is_transport_closed())
            .cloned()
        else {
            return;
        };
        if self.told_no_tools.swap(true, Ordering::Relaxed) {
            return;
        }
        let param = LoggingMessageNotificationParam::new(
            LoggingLevel::Warning,
            serde_json::Value::String(text),
        )
        .with_logger(logger.to_owned());
        tokio::spawn(async move {
            // A client that went away makes this fail; there is nothing more to tell it.
            let _ = peer.notify_logging_message(param).await;
        });
    }

    pub(crate) fn set_peer(&self, peer: Peer<RoleServer>) {
        let _ = self.peer.set(peer);
    }

    pub(crate) fn subscribe(&self, uri: String) {
        lock(&self.subscriptions).insert(uri);
    }

    pub(crate) fn unsubscribe(&self, uri: &str) {
        lock(&self.subscriptions).remove(uri);
    }

    pub(crate) fn set_log_level(&self, level: LoggingLevel) {
        *lock(&self.log_level) = level;
    }

    pub(crate) fn add_sink(&self, sink: SubscriptionSink) {
        lock(&self.sinks).push(sink);
    }

    pub(crate) fn remove_sink(&self, id: &rmcp::model::RequestId) {
        lock(&self.sinks).retain(|s| s.id() != id);
    }

    async fn notify(&self, changes: &Changes) {
        if let Some(peer) = self.peer.get().filter(|p| !p.is_transport_closed()) {
            // A client that went away makes these fail; there is nothing more to tell it.
            if changes.tools {
                let _ = peer.notify_tool_list_changed().await;
            }
            if changes.prompts {
                let _ = peer.notify_prompt_list_changed().await;
            }
            if changes.resources {
                let _ = peer.notify_resource_list_changed().await;
            }
            let subscribed: Vec<String> = {
                let subs = lock(&self.subscriptions);
                changes
                    .updated
                    .iter()
                    .filter(|u| subs.contains(*u))
                    .cloned()
                    .collect()
            };
            for uri in subscribed {
                let _ = peer
                    .notify_resource_updated(ResourceUpdatedNotificationParam::new(uri))
                    .await;
            }
            let threshold = severity(*lock(&self.log_level));
            for (level, text) in changes
                .messages
                .iter()
                .filter(|(l, _)| severity(*l) >= threshold)
            {
                let param = LoggingMessageNotificationParam::new(
                    *level,
                    serde_json::Value::String(text.clone()),
                )
                .with_logger(changes.logger.clone());
                let _ = peer.notify_logging_message(param).await;
            }
        }
        let sinks: Vec<SubscriptionSink> = lock(&self.sinks).clone();
        for sink in sinks {
            let accepted = sink.accepted().clone();
            let mut results = Vec::new();
            if changes.tools && accepted.tools_list_changed == Some(true) {
                results.push(sink.notify_tool_list_changed().await);
            }
            if changes.prompts && accepted.prompts_list_changed == Some(true) {
                results.push(sink.notify_prompt_list_changed().await);
            }
            if changes.resources && accepted.resources_list_changed == Some(true) {
                results.push(sink.notify_resource_list_changed().await);
            }
            for uri in changes.updated.iter().filter(|u| {
                accepted
                    .resource_subscriptions
                    .as_ref()
                    .is_some_and(|s| s.contains(*u))
            }) {
                results.push(sink.notify_resource_updated(uri.clone()).await);
            }
            if results.iter().any(|r| r.is_err()) {
                self.remove_sink(sink.id());
            }
        }
    }
}

/// How long a client has to take one round of notifications. A client that does not read
/// (its pipe or stream full) is given up on, instead of holding back everyone after it.
const NOTIFY_WITHIN: Duration = Duration::from_secs(5);

/// Every live session of the process, to broadcast changes to.
#[derive(Clone)]
pub(crate) struct Sessions {
    all: Arc<Mutex<Registry>>,
    notify_within: Duration,
}

impl Default for Sessions {
    fn default() -> Self {
        Self::with_timeout(NOTIFY_WITHIN)
    }
}

impl Sessions {
    pub(crate) fn with_timeout(notify_within: Duration) -> Self {
        Self {
            all: Arc::default(),
            notify_within,
        }
    }

    pub(crate) fn open(&self) -> Arc<Session> {
        let session = Arc::new(Session::new(Arc::downgrade(&self.all)));
        lock(&self.all)
            .live
            .insert(Arc::as_ptr(&session) as usize, Arc::downgrade(&session));
        session
    }

    /// Sessions open now.
    pub(crate) fn open_count(&self) -> usize {
        lock(&self.all).live.len()
    }

    /// How many sessions ended since the last time this was asked.
    pub(crate) fn take_ended(&self) -> usize {
        std::mem::take(&mut lock(&self.all).ended)
    }

    /// Tells every session, all at once, each within the time allowed; a session that
    /// does not take its notifications in time is told nothing more.
    pub(crate) async fn broadcast(&self, changes: &Changes) {
        if changes.is_empty() {
            return;
        }
        // Upgraded under the lock but dropped after it: a session that ends here takes the
        // lock in its `drop`.
        let live: Vec<Arc<Session>> = lock(&self.all)
            .live
            .values()
            .filter_map(Weak::upgrade)
            .collect();
        let changes = Arc::new(changes.clone());
        let mut rounds = tokio::task::JoinSet::new();
        for session in live {
            let (changes, within) = (changes.clone(), self.notify_within);
            rounds.spawn(async move {
                let taken = tokio::time::timeout(within, session.notify(&changes))
                    .await
                    .is_ok();
                (session, taken)
            });
        }
        let mut dead = Vec::new();
        while let Some(round) = rounds.join_next().await {
            if let Ok((session, false)) = round {
                tracing::warn!(
                    "a client did not take its notifications within {:?}; it is told no more changes",
                    self.notify_within
                );
                dead.push(session);
            }
        }
        // Held until they are unlisted, so that no new session can take one's address.
        if !dead.is_empty() {
            let mut all = lock(&self.all);
            for session in &dead {
                all.live.remove(&(Arc::as_ptr(session) as usize));
            }
        }
        drop(dead);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::Caller;
    use crate::catalog::{LoadOptions, build};
    use crate::mcp::{ConfirmMode, McpServer};
    use crate::source::{ContentSource, SourceFile};
    use crate::transport::stdio::{MAX_LINE, StdioTransport};
    use rmcp::ServiceExt;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    /// A client on an in-memory pipe of 256 bytes: it says hello, then reads (or not).
    async fn connect(server: McpServer, reads: bool) -> Arc<Mutex<Vec<String>>> {
        let (client, server_end) = tokio::io::duplex(256);
        let (read, write) = tokio::io::split(server_end);
        tokio::spawn(async move {
            if let Ok(running) = server
                .serve(StdioTransport::new(read, write, MAX_LINE))
                .await
            {
                let _ = running.waiting().await;
            }
        });
        let (client_read, mut client_write) = tokio::io::split(client);
        let mut lines = BufReader::new(client_read).lines();
        let hello = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}"#;
        client_write
            .write_all(format!("{hello}\n").as_bytes())
            .await
            .unwrap();
        lines
            .next_line()
            .await
            .unwrap()
            .expect("the initialize answer");
        client_write
            .write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n")
            .await
            .unwrap();
        lines.next_line().await.unwrap().expect("the ping answer");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        tokio::spawn(async move {
            let _keep = client_write;
            if reads {
                while let Ok(Some(line)) = lines.next_line().await {
                    lock(&sink).push(line);
                }
            } else {
                std::future::pending::<()>().await;
            }
        });
        seen
    }

    #[test]
    fn an_ended_session_leaves_nothing_behind() {
        let sessions = Sessions::default();
        let open: Vec<Arc<Session>> = (0..3).map(|_| sessions.open()).collect();
        let kept = open[1].clone();
        drop(open);
        // Not even a `Weak`: one would keep the session's memory allocated.
        let registry = lock(&sessions.all);
        assert_eq!(registry.live.len(), 1);
        assert!(registry.live.values().all(|s| s.weak_count() == 1));
        drop(registry);
        assert_eq!(sessions.take_ended(), 2);
        assert_eq!(sessions.take_ended(), 0, "counted once");
        drop(kept);
        assert!(lock(&sessions.all).live.is_empty());
        assert_eq!(sessions.take_ended(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_that_does_not_read_holds_back_no_one() {
        let files = [SourceFile {
            path: "registry/_server.yaml".into(),
            text: "name: t\nupstream:\n  base_url: http://127.0.0.1:9\n".into(),
        }];
        let catalog = build(
            ContentSource::Embedded(&[]),
            &files,
            &[],
            &LoadOptions::default(),
        );
        let http =
            crate::upstream::HttpClient::new(Duration::from_secs(1), 4, "t/0", None).unwrap();
        let sessions = Sessions::with_timeout(Duration::from_millis(300));
        let server = McpServer::new(
            Arc::new(arc_swap::ArcSwap::from_pointee(catalog)),
            Caller::new(http, true),
            sessions.clone(),
            ConfirmMode::Off,
            None,
            crate::mcp::UsedStates::local(),
        );
        let _stuck = connect(server.new_session(), false).await;
        let healthy = connect(server.new_session(), true).await;
        let changes = Changes {
            tools: true,
            messages: (0..8)
                .map(|i| (LoggingLevel::Warning, format!("{i}: {}", "x".repeat(1000))))
                .collect(),
            logger: "t".into(),
            ..Default::default()
        };
        tokio::time::timeout(Duration::from_secs(10), sessions.broadcast(&changes))
            .await
            .expect("the broadcast ends despite the client that does not read");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while lock(&healthy).len() < 9 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let seen = lock(&healthy).clone();
        assert!(
            seen.iter()
                .any(|l| l.contains("notifications/tools/list_changed")),
            "{seen:?}"
        );
        assert_eq!(
            seen.iter()
                .filter(|l| l.contains("notifications/message"))
                .count(),
            8
        );
        // The client that does not read is told no more: the next broadcast is not held.
        let live = lock(&sessions.all)
            .live
            .values()
            .filter(|s| s.strong_count() > 0)
            .count();
        assert_eq!(live, 2, "the first session and the healthy one");
    }
}
