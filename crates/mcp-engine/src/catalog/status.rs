//! The catalog's report of itself: what is served, from where, and which files failed and
//! why. The MCP layer serves it as the status resource; a reload compares it to tell.

use super::Catalog;

impl Catalog {
    /// The URI of the status resource: `<program>://status`.
    pub(crate) fn status_uri(&self) -> String {
        format!("{}://status", self.program)
    }
}

pub(crate) fn render(catalog: &Catalog) -> String {
    let mut out = format!(
        "# {} status\n\n- Content: {}\n- Loaded: {}\n- Tools served: {} (of {} defined)\n- Resources: {}\n- Prompts: {}\n",
        catalog.name,
        catalog.source.describe(),
        catalog.loaded_at,
        catalog.tools.len(),
        catalog.tools.len() + catalog.unserved.len(),
        catalog.resources.len(),
        catalog.prompts.len(),
    );
    if catalog.diagnostics.is_empty() {
        out.push_str("\nEvery file loaded without error.\n");
        return out;
    }
    out.push_str(&format!(
        "\n## Problems ({})\n\n",
        catalog.diagnostics.len()
    ));
    for d in &catalog.diagnostics {
        let served = if catalog.kept_previous.contains(&d.file) {
            "its last good version is served"
        } else {
            "not served"
        };
        out.push_str(&format!(
            "- `{}:{}:{}`: {} ({served})\n",
            d.file, d.line, d.column, d.message
        ));
    }
    out
}

/// The status without its load time: what decides whether it changed.
pub(crate) fn status_key(catalog: &Catalog) -> String {
    render(catalog).replace(&catalog.loaded_at, "")
}
