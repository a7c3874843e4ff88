//! A client side that records the notifications the server sends.
#![allow(deprecated)] // logging messages are deprecated only from the 2026-07-28 protocol on

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{
    ClientConfig, LoggingMessageNotificationParam, ResourceUpdatedNotificationParam,
};
use rmcp::service::NotificationContext;
use rmcp::{ClientHandler, RoleClient};

#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    Tools,
    Prompts,
    Resources,
    Updated(String),
    Log(String),
}

#[derive(Clone, Default)]
pub struct Recorder {
    notes: Arc<Mutex<Vec<Note>>>,
    arrived: Arc<tokio::sync::Notify>,
}

impl Recorder {
    fn push(&self, note: Note) {
        self.notes.lock().expect("lock").push(note);
        self.arrived.notify_waiters();
    }

    pub fn notes(&self) -> Vec<Note> {
        self.notes.lock().expect("lock").clone()
    }

    pub fn count(&self, wanted: &Note) -> usize {
        self.notes().iter().filter(|n| *n == wanted).count()
    }

    pub fn clear(&self) {
        self.notes.lock().expect("lock").clear();
    }

    /// Waits until a note matching `pred` arrived; false after `timeout`.
    pub async fn wait_for(&self, timeout: Duration, pred: impl Fn(&Note) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.arrived.notified();
            if self.notes().iter().any(&pred) {
                return true;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.notes().iter().any(&pred);
            }
        }
    }
}

impl ClientHandler for Recorder {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::default()
    }

    async fn on_tool_list_changed(&self, _: NotificationContext<RoleClient>) {
        self.push(Note::Tools);
    }

    async fn on_prompt_list_changed(&self, _: NotificationContext<RoleClient>) {
        self.push(Note::Prompts);
    }

    async fn on_resource_list_changed(&self, _: NotificationContext<RoleClient>) {
        self.push(Note::Resources);
    }

    async fn on_resource_updated(
        &self,
        params: ResourceUpdatedNotificationParam,
        _: NotificationContext<RoleClient>,
    ) {
        self.push(Note::Updated(params.uri));
    }

    async fn on_logging_message(
        &self,
        params: LoggingMessageNotificationParam,
        _: NotificationContext<RoleClient>,
    ) {
        self.push(Note::Log(
            params
                .data
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| params.data.to_string()),
        ));
    }
}
