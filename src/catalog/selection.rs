//! Which tools a server serves: `--read-only`, `--tools GLOB,...`, `--toolsets NAME,...` and
//! the toolsets' own `default: false`.

use globset::{Glob, GlobSet, GlobSetBuilder};

#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub read_only: bool,
    pub tools: Option<Vec<String>>,
    /// `None`: the default toolsets; `all`: every toolset.
    pub toolsets: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
#[error("--tools pattern `{pattern}` is not a valid glob: {reason}")]
pub struct SelectionError {
    pub pattern: String,
    pub reason: String,
}

/// A selection ready to match tools.
#[derive(Debug, Clone)]
pub struct Matcher {
    read_only: bool,
    tools: Option<GlobSet>,
    toolsets: Option<Vec<String>>,
    all_toolsets: bool,
}

impl Selection {
    pub fn matcher(&self) -> Result<Matcher, SelectionError> {
        let tools = match &self.tools {
            None => None,
            Some(patterns) => {
                let mut builder = GlobSetBuilder::new();
                for p in patterns {
                    builder.add(Glob::new(p).map_err(|e| SelectionError {
                        pattern: p.clone(),
                        reason: e.kind().to_string(),
                    })?);
                }
                Some(builder.build().map_err(|e| SelectionError {
                    pattern: patterns.join(","),
                    reason: e.to_string(),
                })?)
            }
        };
        let all_toolsets = self
            .toolsets
            .as_ref()
            .is_some_and(|t| t.iter().any(|n| n == "all"));
        Ok(Matcher {
            read_only: self.read_only,
            tools,
            toolsets: self.toolsets.clone(),
            all_toolsets,
        })
    }
}

impl Matcher {
    /// Why a tool is not served, or `None` when it is.
    pub fn refuse(
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
        match &self.toolsets {
            Some(_) if self.all_toolsets => None,
            Some(names) if !names.iter().any(|n| n == toolset) => Some(format!(
                "its toolset `{toolset}` is not among the --toolsets the server was started with"
            )),
            Some(_) => None,
            // Naming tools picks them from any toolset.
            None if self.tools.is_some() => None,
            None if !toolset_default => Some(format!(
                "its toolset `{toolset}` is off by default; start the server with --toolsets {toolset} (or --toolsets all)"
            )),
            None => None,
        }
    }

    pub fn named_toolsets(&self) -> &[String] {
        self.toolsets.as_deref().unwrap_or(&[])
    }
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
        let m = Selection {
            tools: Some(vec!["x_*".into()]),
            ..Default::default()
        }
        .matcher()
        .unwrap();
        assert!(m.refuse("x_list", "extra", false, true).is_none());
        assert!(m.refuse("y_list", "core", true, true).is_some());
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
