//! mcp-engine: a declarative MCP server. Tools are YAML files (an HTTP request and the JSON
//! Schema of its arguments), resources are markdown files, prompts are templates; the engine
//! validates, renders, sends and serves them over MCP, knowing nothing of the API behind.

#![deny(missing_docs, unreachable_pub)]

mod call;
mod catalog;
mod definition;
mod diagnostic;
mod engine;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod http_transport;
mod mcp;
mod reload;
mod request;
mod secret;
mod source;
mod upstream;
mod yaml_locate;

pub use call::CallError;
pub use catalog::selection::{Selection, SelectionError};
pub use catalog::{Catalog, PromptSummary, ResourceSummary, ToolSummary};
pub use diagnostic::Diagnostic;
pub use engine::{Engine, EngineBuilder, EngineError};
pub use http_transport::{Access, exposure_warning, parse_listen_address};
pub use mcp::confirm::ConfirmMode;
pub use rmcp::model::{CallToolResult, JsonObject};
pub use secret::{LogSecrets, ScrubbingWriter};
pub use source::{ContentSource, EmbeddedFiles};
