//! From validated arguments to an HTTP request: templates compiled at load time, rendered
//! per call under the safety rules of the design (typed single expressions, omitted nulls,
//! one percent-encoded segment per path value, no CR/LF in headers, fixed host).

pub mod render;
pub mod template;

pub use render::{RenderError, RenderedRequest};
pub use template::{CompileError, Template, Templates};
