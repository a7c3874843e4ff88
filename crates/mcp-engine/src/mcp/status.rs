//! The status resource, as listed: its text is the catalog's report (`catalog::status`).

use rmcp::model::Resource;

use crate::catalog::Catalog;

pub(super) fn resource(catalog: &Catalog) -> Resource {
    Resource::new(catalog.status_uri(), "status")
        .with_title("Server status")
        .with_description("What this server loaded, from where, and which files failed to load and why. Updated on every reload.")
        .with_mime_type("text/markdown")
}
