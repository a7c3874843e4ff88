//! The MCP face of the catalog: an rmcp `ServerHandler` that lists and serves the current
//! snapshot, runs tool calls through the shared `Caller`, and tells sessions what changed.

mod completion;
pub(crate) mod confirm;
mod refusal;
mod server;
mod session;
mod status;

pub(crate) use confirm::ConfirmMode;
pub(crate) use server::McpServer;
pub(crate) use session::Sessions;
