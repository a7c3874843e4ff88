//! From validated arguments to an HTTP request: templates compiled at load time, rendered
//! per call under the safety rules of the design (typed single expressions, omitted nulls,
//! one percent-encoded segment per path value, no CR/LF in headers, fixed host).

pub(crate) mod render;
pub(crate) mod template;

pub(crate) use render::RenderedRequest;
pub(crate) use template::{Template, Templates};
