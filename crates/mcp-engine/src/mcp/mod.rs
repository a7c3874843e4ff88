//! The MCP face of the catalog: an rmcp `ServerHandler` that lists and serves the current
//! snapshot, runs tool calls through the shared `Caller`, and tells sessions what changed.

mod completion;
mod confirm;
mod refusal;
mod server;
mod session;
mod status;
pub mod stdio;

pub use confirm::ConfirmMode;
pub use server::McpServer;
pub use session::{Changes, Sessions};
pub use status::{status_key, status_uri};
