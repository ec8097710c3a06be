//! The command language: parsing, expectations, and headless runs.
//!
//! One language serves the TUI's command line, script files and lessons.

pub mod error;
pub mod expect;
pub mod figures;
pub mod help;
pub mod lexer;
pub mod packet_expect;
pub mod parse;
pub mod player;
pub mod program;
pub mod python;
pub mod quote;
pub mod source;
pub mod units;

pub use error::{ParseError, ScriptError};
pub use expect::Expectation;
pub use parse::{Facing, Line, ShowAt, Statement, WireView, parse_line, parse_script};
pub mod commonmark;
pub mod handout;
pub mod json;
pub mod lessons;
pub mod markdown;
mod on_page;
pub mod repeats;
pub mod runner;
pub mod show;
pub mod sink;
pub mod stated;
pub mod transcript;
pub mod watch;
pub mod wire_text;

pub use player::{Player, Progress, RunStatus};
pub use runner::Runner;
pub use sink::Sink;
