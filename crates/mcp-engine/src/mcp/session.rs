// Logging is deprecated only from the 2026-07-28 protocol on; earlier clients use it.
#![allow(deprecated)]

//! Connected sessions and what to tell them when the catalog changes: legacy sessions get
//! notifications on their peer (resources/updated only for URIs they subscribed to, log
//! messages at or above the level they set); 2026-07-28 sessions get them on the streams
//! they opened with subscriptions/listen.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use rmcp::RoleServer;
use rmcp::model::{
    LoggingLevel, LoggingMessageNotificationParam, ResourceUpdatedNotificationParam,
};
use rmcp::service::{Peer, SubscriptionSink};

/// What a reload changed, as clients see it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Changes {
    pub tools: bool,
    pub prompts: bool,
    pub resources: bool,
    /// URIs of resources whose content changed.
    pub updated: Vec<String>,
    /// Messages for the clients' logs (a file that failed, a file fixed).
    pub messages: Vec<(LoggingLevel, String)>,
    /// The logger name the messages go out under: the program's name.
    pub logger: String,
}

impl Changes {
    pub(crate) fn is_empty(&self) -> bool {
        !self.tools
            && !self.prompts
            && !self.resources
            && self.updated.is_empty()
            && self.messages.is_empty()
    }
}

/// One client connection.
pub(crate) struct Session {
    peer: OnceLock<Peer<RoleServer>>,
    subscriptions: Mutex<BTreeSet<String>>,
    log_level: Mutex<LoggingLevel>,
    sinks: Mutex<Vec<SubscriptionSink>>,
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
    fn new() -> Self {
        Self {
            peer: OnceLock::new(),
            subscriptions: Mutex::default(),
            log_level: Mutex::new(LoggingLevel::Info),
            sinks: Mutex::default(),
        }
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

/// Every live session of the process, to broadcast changes to.
#[derive(Clone, Default)]
pub(crate) struct Sessions {
    all: Arc<Mutex<Vec<Weak<Session>>>>,
}

impl Sessions {
    pub(crate) fn open(&self) -> Arc<Session> {
        let session = Arc::new(Session::new());
        let mut all = lock(&self.all);
        all.retain(|s| s.strong_count() > 0);
        all.push(Arc::downgrade(&session));
        session
    }

    pub(crate) async fn broadcast(&self, changes: &Changes) {
        if changes.is_empty() {
            return;
        }
        let live: Vec<Arc<Session>> = lock(&self.all).iter().filter_map(Weak::upgrade).collect();
        for session in live {
            session.notify(changes).await;
        }
    }
}
