//! The MCP face of the catalog: an rmcp `ServerHandler` that lists and serves the current
//! snapshot, runs tool calls through the shared `Caller`, and tells sessions what changed.

mod completion;
pub(crate) mod confirm;
mod confirm_state;
mod paging;
mod refusal;
mod server;
mod session;
mod status;
mod tool_search;
mod used_states;

pub(crate) use confirm::ConfirmMode;
pub(crate) use confirm_state::key_from_secret as confirmation_key_from_secret;
pub(crate) use server::McpServer;
pub(crate) use session::Sessions;
pub(crate) use used_states::UsedStates;
