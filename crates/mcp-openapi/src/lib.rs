//! OpenAPI documents and tool files, side by side.
//!
//! [`Spec::parse`] reads an OpenAPI 3.0 or 3.1 document (JSON or YAML), a Swagger 2.0
//! document, or the `swagger-ui-init.js` a NestJS or swagger-ui server publishes (the
//! document embedded in JavaScript), and resolves what tools need: local `$ref`s, `allOf`,
//! `nullable`, parameters declared on the path. [`import`] writes tool files from its
//! operations; [`diff`] compares the tools of a content root with it.
#![deny(missing_docs, unreachable_pub)]

mod diff;
mod document;
mod import;
mod name;
mod schema;
mod spec;

pub use diff::{Finding, FindingKind, Report, ToolReport, diff};
pub use import::{Filters, GeneratedTool, import};
pub use spec::{Operation, Parameter, Spec, SpecError};
