//! The two ways MCP reaches the server: newline-delimited JSON-RPC on the standard streams,
//! and Streamable HTTP.

pub(crate) mod auth;
pub(crate) mod http;
pub(crate) mod memory;
pub(crate) mod oauth;
mod removed_methods;
mod shared_service;
pub(crate) mod stdio;
