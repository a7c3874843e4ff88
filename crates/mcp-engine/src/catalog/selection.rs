//! Which tools a server serves: `--read-only`, `--tools GLOB,...`, `--toolsets NAME,...` and
//! the toolsets' own `default: false`.

use std::collections::BTreeMap;
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::{ToolEntry, ToolsetInfo};

/// Which tools are served (`--read-only`, `--tools`, `--toolsets`).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only GET tools.
    pub read_only: bool,
    /// Only the tools whose names match these globs, among the toolsets served.
    pub tools: Option<Vec<String>>,
    /// `None`: the default toolsets; `all`: every toolset.
    pub toolsets: Option<Vec<String>>,
}

/// A `--tools` pattern that is not a glob.
#[derive(Debug, thiserror::Error)]
#[error("--tools pattern `{pattern}` is not a valid glob: {reason}")]
pub struct SelectionError {
    /// The pattern as given.
    pub pattern: String,
    /// Why it is not a glob.
    pub reason: String,
}

/// A selection ready to match tools.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    read_only: bool,
    tools: Option<GlobSet>,
    /// Each `--tools` pattern on its own, to tell which one matches nothing.
    patterns: Vec<(String, globset::GlobMatcher)>,
    toolsets: Option<Vec<String>>,
    all_toolsets: bool,
    default_toolsets: bool,
}

/// `--toolsets all`: every toolset.
pub(crate) const ALL: &str = "all";
/// `--toolsets default`: the toolsets on by default (with others named beside it).
pub(crate) const DEFAULT: &str = "default";

impl Selection {
    /// Refuses a `--tools` pattern that is not a glob.
    pub fn check(&self) -> Result<(), SelectionError> {
        self.matcher().map(|_| ())
    }

    pub(crate) fn matcher(&self) -> Result<Matcher, SelectionError> {
        let mut patterns = Vec::new();
        let tools = match &self.tools {
            None => None,
            Some(list) => {
                let mut builder = GlobSetBuilder::new();
                for p in list {
                    let glob = Glob::new(p).map_err(|e| SelectionError {
                        pattern: p.clone(),
                        reason: e.kind().to_string(),
                    })?;
                    patterns.push((p.clone(), glob.compile_matcher()));
                    builder.add(glob);
                }
                Some(builder.build().map_err(|e| SelectionError {
                    pattern: list.join(","),
                    reason: e.to_string(),
                })?)
            }
        };
        let named = |name: &str| {
            self.toolsets
                .as_ref()
                .is_some_and(|t| t.iter().any(|n| n == name))
        };
        Ok(Matcher {
            read_only: self.read_only,
            tools,
            patterns,
            toolsets: self.toolsets.clone(),
            all_toolsets: named(ALL),
            default_toolsets: self.toolsets.is_none() || named(DEFAULT),
        })
    }
}

impl Matcher {
    /// Why a tool is not served, or `None` when it is.
    pub(crate) fn refuse(
        &self,
        name: &str,
        toolset: &str,
        toolset_default: bool,
        read_only: bool,
    ) -> Option<String> {
        if self.read_only && !read_only {
            return Some(
                "the server runs with --read-only and this tool changes things".to_owned(),
            );
        }
        if let Some(tools) = &self.tools
            && !tools.is_match(name)
        {
            return Some(
                "it does not match the --tools patterns the server was started with".to_owned(),
            );
        }
        let on = self.all_toolsets
            || (self.default_toolsets && toolset_default)
            || self
                .toolsets
                .as_ref()
                .is_some_and(|names| names.iter().any(|n| n == toolset));
        if on {
            return None;
        }
        Some(match &self.toolsets {
            None => format!(
                "its toolset `{toolset}` is off by default; start the server with --toolsets {DEFAULT},{toolset} to add it"
            ),
            Some(names) => format!(
                "its toolset `{toolset}` is not among the --toolsets the server was started with; start it with --toolsets {},{toolset} to add it",
                names.join(",")
            ),
        })
    }

    pub(crate) fn named_toolsets(&self) -> &[String] {
        self.toolsets.as_deref().unwrap_or(&[])
    }

    /// The `--tools` patterns, each with its matcher.
    pub(crate) fn patterns(&self) -> impl Iterator<Item = (&str, &globset::GlobMatcher)> {
        self.patterns.iter().map(|(p, m)| (p.as_str(), m))
    }
}

/// Names in the selection that select nothing: each one a sentence that lists the valid
/// names. `serve` refuses to start with any; a reload only warns.
pub(crate) fn problems(
    matcher: &Matcher,
    toolsets: &BTreeMap<String, ToolsetInfo>,
    all_tools: &super::tools_by_name::ToolsInOrder,
    served: &super::tools_by_name::ToolsByName,
    program: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    let valid = || {
        let mut names = vec![
            format!("{DEFAULT} (the toolsets on by default)"),
            format!("{ALL} (every toolset)"),
        ];
        names.extend(toolsets.iter().map(|(name, info)| {
            if info.default {
                name.clone()
            } else {
                format!("{name} (off by default)")
            }
        }));
        names.join(", ")
    };
    for name in matcher.named_toolsets() {
        if name != ALL && name != DEFAULT && !toolsets.contains_key(name) {
            out.push(format!(
                "--toolsets names `{name}`, which is not a toolset; the toolsets are: {}",
                valid()
            ));
        }
    }
    for (pattern, glob) in matcher.patterns() {
        let matching: Vec<&Arc<ToolEntry>> = all_tools
            .values()
            .filter(|e| glob.is_match(e.name()))
            .collect();
        if matching.is_empty() {
            let names: Vec<&str> = all_tools.keys().take(60).collect();
            let more = if all_tools.len() > names.len() {
                format!(", ... (see `{program} list`)")
            } else {
                String::new()
            };
            out.push(format!(
                "--tools `{pattern}` matches no tool; the tools are: {}{more}",
                names.join(", ")
            ));
        } else if !matching.iter().any(|e| served.contains_key(e.name())) {
            let mut off: Vec<&str> = matching
                .iter()
                .map(|e| &*e.toolset)
                .filter(|t| {
                    let on = matcher.all_toolsets
                        || matcher.named_toolsets().iter().any(|n| n == t)
                        || (matcher.default_toolsets && toolsets.get(*t).is_none_or(|i| i.default));
                    !on
                })
                .collect();
            off.sort_unstable();
            off.dedup();
            out.push(if off.is_empty() {
                format!(
                    "--tools `{pattern}` matches only tools that are not served (with --read-only, only read-only tools are)"
                )
            } else {
                let mut wanted: Vec<String> = match matcher.named_toolsets() {
                    [] => vec![DEFAULT.to_owned()],
                    names => names.to_vec(),
                };
                wanted.extend(off.iter().map(|t| (*t).to_owned()));
                format!(
                    "--tools `{pattern}` matches only tools of the toolset(s) {}, which are off; add them: --toolsets {}",
                    off.join(", "),
                    wanted.join(",")
                )
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_toolsets_read_only_and_globs() {
        let m = Selection::default().matcher().unwrap();
        assert!(m.refuse("a", "core", true, false).is_none());
        assert!(m.refuse("a", "extra", false, true).is_some());
        let m = Selection {
            read_only: true,
            ..Default::default()
        }
        .matcher()
        .unwrap();
        assert!(m.refuse("a", "core", true, false).is_some());
        assert!(m.refuse("a", "core", true, true).is_none());
        // Naming tools does not switch on a toolset that is off by default.
        let m = Selection {
            tools: Some(vec!["x_*".into()]),
            ..Default::default()
        }
        .matcher()
        .unwrap();
        assert!(m.refuse("x_list", "core", true, true).is_none());
        assert!(
            m.refuse("x_list", "extra", false, true)
                .is_some_and(|why| why.contains("--toolsets default,extra"))
        );
        assert!(m.refuse("y_list", "core", true, true).is_some());
        let m = Selection {
            toolsets: Some(vec!["default".into(), "extra".into()]),
            ..Default::default()
        }
        .matcher()
        .unwrap();
        assert!(m.refuse("a", "extra", false, true).is_none());
        assert!(m.refuse("a", "core", true, true).is_none());
        assert!(m.refuse("a", "other", false, true).is_some());
        let m = Selection {
            toolsets: Some(vec!["extra".into()]),
            ..Default::default()
        }
        .matcher()
        .unwrap();
        assert!(m.refuse("a", "extra", false, true).is_none());
        assert!(m.refuse("a", "core", true, true).is_some());
        let m = Selection {
            toolsets: Some(vec!["all".into()]),
            ..Default::default()
        }
        .matcher()
        .unwrap();
        assert!(m.refuse("a", "extra", false, true).is_none());
    }
}
