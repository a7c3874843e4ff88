//! mcp-engine: a declarative MCP server. Tools are YAML files (an HTTP request and the JSON
//! Schema of its arguments), resources are markdown files, prompts are templates; the engine
//! validates, renders, sends and serves them over MCP, knowing nothing of the API behind.

pub mod call;
pub mod catalog;
pub mod definition;
pub mod diagnostic;
mod engine;
pub mod http_transport;
pub mod mcp;
pub mod reload;
pub mod request;
pub mod secret;
pub mod source;
pub mod upstream;
pub mod yaml_locate;

pub use catalog::{Catalog, Selection};
pub use engine::{Engine, EngineBuilder, EngineError};
pub use http_transport::{Access, exposure_warning, parse_listen_address};
pub use mcp::ConfirmMode;
pub use secret::{LogSecrets, ScrubbingWriter};
pub use source::{ContentSource, EmbeddedFiles};
