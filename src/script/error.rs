//! Errors of the command language: where, and what was expected.

use std::fmt;

/// A command that cannot be parsed: the column and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based column of the word at fault.
    pub col: usize,
    /// What is wrong and what was expected, in one line.
    pub message: String,
}

impl ParseError {
    /// An error at a column.
    pub fn new(col: usize, message: impl Into<String>) -> Self {
        ParseError {
            col,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.col, self.message)
    }
}

impl std::error::Error for ParseError {}

/// A script line that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    /// 1-based line number.
    pub line: usize,
    /// The error on that line.
    pub error: ParseError,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.error.col, self.error.message
        )
    }
}

impl std::error::Error for ScriptError {}
