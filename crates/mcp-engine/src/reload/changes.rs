// Logging levels are deprecated only from the 2026-07-28 protocol on; earlier clients use them.
#![allow(deprecated)]

//! What a reload changed, as clients see it: the reload computes it, the MCP layer tells
//! its sessions.

use rmcp::model::LoggingLevel;

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
    /// Whether a file failed in this reload.
    pub(crate) fn has_problems(&self) -> bool {
        self.messages
            .iter()
            .any(|(level, _)| matches!(level, LoggingLevel::Warning | LoggingLevel::Error))
    }

    pub(crate) fn is_empty(&self) -> bool {
        !self.tools
            && !self.prompts
            && !self.resources
            && self.updated.is_empty()
            && self.messages.is_empty()
    }
}
