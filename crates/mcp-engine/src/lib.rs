//! mcp-engine: a declarative MCP server. Tools are YAML files (an HTTP request and the JSON
//! Schema of its arguments), resources are markdown files, prompts are templates; the engine
//! validates, renders, sends and serves them over MCP, knowing nothing of the API behind.
//!
//! A program embeds it in three steps: say where the content is, build, serve. Here, a
//! made-up weather API with one tool, from a temporary folder:
//!
//! ```
//! use mcp_engine::{Access, Engine};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let root = tempfile::tempdir()?;
//! std::fs::create_dir_all(root.path().join("registry"))?;
//! std::fs::write(
//!     root.path().join("registry/_server.yaml"),
//!     "name: weather\nupstream:\n  base_url: https://api.weather.example\n",
//! )?;
//! std::fs::write(
//!     root.path().join("registry/forecast.yaml"),
//!     "name: get_forecast
//! description: The forecast for a city.
//! input:
//!   type: object
//!   properties:
//!     city: { type: string, description: \"City name. Example: Lyon\" }
//!   required: [city]
//! request:
//!   method: GET
//!   path: /v1/forecast/{{ city }}
//! ",
//! )?;
//!
//! let engine = Engine::builder("weather-mcp", "1.0.0")
//!     .content_root(root.path())
//!     .watch(false)
//!     .dry_run(true) // show each request instead of sending it
//!     .build()?;
//! assert!(engine.catalog().diagnostics().is_empty());
//!
//! // A call, as a client would make it.
//! let arguments = serde_json::json!({ "city": "Lyon" });
//! let result = engine
//!     .call("get_forecast", arguments.as_object().cloned().unwrap_or_default())
//!     .await?;
//! let shown = serde_json::to_string(&result)?;
//! assert!(shown.contains("https://api.weather.example/v1/forecast/Lyon"));
//!
//! // Serve it: `engine.serve_stdio().await` for a client that spawns the program, or
//! // Streamable HTTP on a listener until the token is cancelled (here at once).
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let stop = tokio_util::sync::CancellationToken::new();
//! stop.cancel();
//! engine
//!     .serve_http(listener, Access::loopback_and(&[], &[]), stop)
//!     .await?;
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs, unreachable_pub)]

mod call;
mod catalog;
pub mod crypto;
mod definition;
mod diagnostic;
mod engine;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod mcp;
mod observe;
mod reload;
mod request;
mod secret;
mod source;
mod text;
mod transport;
mod upstream;
mod yaml_locate;

pub use call::CallError;
pub use catalog::schema_profile::{SchemaProfile, profile_report};
pub use catalog::selection::{Selection, SelectionError};
pub use catalog::{BodyShape, Catalog, PromptSummary, RequestShape, ResourceSummary, ToolSummary};
pub use diagnostic::Diagnostic;
pub use engine::{Engine, EngineBuilder, EngineError};
pub use mcp::confirm::ConfirmMode;
pub use rmcp::model::{CallToolResult, JsonObject};
pub use secret::{LogSecrets, ScrubbingWriter};
pub use source::{ContentSource, EmbeddedFiles};
pub use transport::auth::{Auth, MintedToken, TokenFileError, TokenHashes, mint_token};
pub use transport::http::{Access, HttpLimits, exposure_warning, parse_listen_address};
pub use transport::oauth::OAuthSettings;
