//! The MCP face of the catalog: an rmcp `ServerHandler` that lists and serves the current
//! snapshot, and runs tool calls through the shared `Caller`.

mod completion;
mod server;

pub use server::McpServer;
