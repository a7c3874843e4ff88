//! completion/complete for prompt arguments that declare `enum` values.

use crate::catalog::PromptEntry;

/// At most 100 values per answer (an MCP limit).
const MAX_VALUES: usize = 100;

/// Values of `argument` starting with `typed` (case-insensitive), in declared order.
pub(super) fn complete(prompt: &PromptEntry, argument: &str, typed: &str) -> (Vec<String>, usize) {
    let Some(allowed) = prompt
        .arguments
        .iter()
        .find(|a| a.name == argument)
        .and_then(|a| a.allowed.as_ref())
    else {
        return (Vec::new(), 0);
    };
    let typed = typed.to_lowercase();
    let matching: Vec<String> = allowed
        .iter()
        .filter(|v| v.to_lowercase().starts_with(&typed))
        .cloned()
        .collect();
    let total = matching.len();
    (matching.into_iter().take(MAX_VALUES).collect(), total)
}
