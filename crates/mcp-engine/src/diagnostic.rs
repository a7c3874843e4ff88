//! Problems found in content files, reported as `file:line:column: message`.

use std::fmt;

use crate::yaml_locate::locate;

/// One problem in one file. Lines and columns are 1-based; 0 means "the whole file".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, relative to the content root, with `/` separators.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong and what to do.
    pub message: String,
    /// A problem `check` reports that does not stop the file from being served (a tool
    /// name in a text that no tool has).
    pub advisory: bool,
}

impl Diagnostic {
    /// A problem at `(line, column)` of `file`.
    pub fn new(
        file: impl Into<String>,
        (line, column): (usize, usize),
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            line,
            column,
            message: message.into(),
            advisory: false,
        }
    }

    /// A problem that does not keep the file from being served.
    pub fn advisory(
        file: impl Into<String>,
        position: (usize, usize),
        message: impl Into<String>,
    ) -> Self {
        Self {
            advisory: true,
            ..Self::new(file, position, message)
        }
    }

    /// A problem that concerns the whole file rather than a place in it.
    pub fn whole_file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(file, (1, 1), message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Reports problems at key paths of one file.
pub(crate) struct FileReporter<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub first_line: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> FileReporter<'a> {
    pub(crate) fn new(file: &'a str, text: &'a str, first_line: usize) -> Self {
        Self {
            file,
            text,
            first_line,
            diagnostics: Vec::new(),
        }
    }

    pub(crate) fn at(&mut self, keys: &[&str], message: impl Into<String>) {
        let position = locate(self.text, keys, self.first_line);
        self.diagnostics
            .push(Diagnostic::new(self.file, position, message));
    }
}
