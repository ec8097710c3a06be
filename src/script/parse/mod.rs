//! Parsing lines of the command language (docs/reference.md) into statements.
//!
//! This file holds the statements and the dispatch on the command word.
//! Each family of commands is read in a file of its own: `sockets.rs`
//! (listen, connect, accept, set, shutdown, close, udp), `data.rs` (send,
//! sendall, recv, recvall, drain, sendto, recvfrom), `checks.rs` (expect,
//! show, sleep, wait, note, step, help, pause, select) and `system.rs` (syn,
//! sysctl); `args.rs` reads the words they share.

mod args;
mod checks;
mod data;
pub mod link;
mod sockets;
mod system;

use std::time::Duration;

use self::args::Args;
use super::error::{ParseError, ScriptError};
use super::expect::Expectation;
use super::help;
use super::lexer::tokenize;
use crate::lab::{Command, SockName};

/// The largest `xN` for `connect` and `accept`.
pub const MAX_COUNT: u32 = 100_000;
/// The largest buffer size `rcvbuf=`/`sndbuf=` may ask for.
pub const MAX_BUFFER: u64 = 1 << 30;
/// The most `sendall` may send.
pub const MAX_SENDALL: u64 = 1 << 40;
/// The fastest slow motion (`rate=`), in bytes a second.
pub const MAX_RATE: u64 = 1 << 30;
/// The longest TCP_DEFER_ACCEPT `listen … defer_accept=` takes.
pub const MAX_DEFER_ACCEPT: Duration = Duration::from_secs(3600);
/// The largest datagram `sendto` may ask for: more than UDP carries, so
/// that the kernel's EMSGSIZE can be seen.
pub const MAX_DATAGRAM: u64 = 1 << 20;
/// How long `wait` waits unless told.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// The `key=value` options a command takes, keys without the `=`, in the
/// order its usage lists them: what the parser accepts and Tab offers.
pub fn options_of(cmd: &str) -> &'static [&'static str] {
    match cmd {
        "listen" => sockets::LISTEN_OPTIONS,
        "connect" | "set" => sockets::CONNECTED_OPTIONS,
        "udp" => sockets::UDP_OPTIONS,
        "link" => link::LINK_OPTIONS,
        _ => &[],
    }
}

/// One line of the command language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// A command for the lab.
    Lab(Command),
    /// Print the kernel view (of the sockets named, or of every one when
    /// none is), opened at a part of it.
    Show(Vec<SockName>, ShowAt),
    /// Let time pass.
    Sleep(Duration),
    /// Wait until a socket's pending calls finish.
    Wait {
        /// The socket.
        sock: SockName,
        /// At most this long.
        limit: Duration,
    },
    /// Check a field.
    Expect(Expectation),
    /// Narration.
    Note(String),
    /// The start of a lesson step.
    Step(String),
    /// Usage of all commands, or one.
    Help(Option<String>),
    /// A lesson stops here until the reader presses space (predict, then see).
    Pause,
    /// Put a socket in the selected pane (lessons point at what they talk
    /// about), showing first the way its bytes go that the step is about,
    /// and whether the wire pane opens on its connection until the step
    /// ends, for notes about its segments.
    Select(SockName, Facing, WireView),
    /// Check that a segment went by on the wire.
    ExpectPacket(super::packet_expect::PacketExpect),
    /// Read a kernel setting, or change it in a lab of its own.
    Sysctl {
        /// The setting, as written (`somaxconn`, `net.core.somaxconn`).
        name: String,
        /// The value to set; `None` reads.
        value: Option<String>,
    },
    /// Make, change, pull or plug the lab's own link.
    Link(crate::link::LinkCommand),
}

/// Where `show` opens the kernel view on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShowAt {
    /// At its top.
    #[default]
    Top,
    /// At the counters (`show L1 counters`): overflows, drops, cookies.
    Counters,
}

/// Which way of a connection `select S` shows first in the path of a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Facing {
    /// The bytes S sends (`select S`, `select S send`).
    #[default]
    Sending,
    /// The bytes S receives (`select S recv`).
    Receiving,
}

/// What a `select` does with the wire pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WireView {
    /// Leaves it as it is (`select S`).
    #[default]
    Unchanged,
    /// Opens it on S's connection, following the newest segments
    /// (`select S wire`).
    Live,
    /// Opens it on S's connection as it is at the `select`: segments that
    /// come later wait until the step ends (`select S wire held`), so the
    /// ones a note cites stay in sight while it is read.
    Held,
}

impl WireView {
    /// Whether the wire pane opens.
    pub fn opens(self) -> bool {
        self != WireView::Unchanged
    }
}

/// A parsed line of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number.
    pub number: usize,
    /// The line as written.
    pub text: String,
    /// What it says.
    pub statement: Statement,
}

/// Parses a whole script; the first line that does not parse is the error.
pub fn parse_script(text: &str) -> Result<Vec<Line>, ScriptError> {
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        match parse_line(raw) {
            Ok(Some(statement)) => lines.push(Line {
                number,
                text: raw.trim().to_string(),
                statement,
            }),
            Ok(None) => {}
            Err(error) => {
                return Err(ScriptError {
                    line: number,
                    error,
                });
            }
        }
    }
    Ok(lines)
}

/// Parses one line; `None` for a blank line or a comment.
pub fn parse_line(line: &str) -> Result<Option<Statement>, ParseError> {
    let tokens = tokenize(line)?;
    let Some((first, rest)) = tokens.split_first() else {
        return Ok(None);
    };
    let args = Args {
        cmd: first.text.to_ascii_lowercase(),
        tokens: rest,
        end: line.chars().count() + 1,
    };
    let parse = match args.cmd.as_str() {
        "listen" => sockets::listen,
        "connect" => sockets::connect,
        "accept" => sockets::accept,
        "set" => sockets::set,
        "shutdown" => sockets::shutdown,
        "close" => sockets::close,
        "udp" => sockets::udp,
        "send" | "sendall" => data::send,
        "recv" => data::recv,
        "recvall" => data::recvall,
        "drain" => data::drain,
        "sendto" => data::sendto,
        "recvfrom" => data::recvfrom,
        "expect" => checks::expect,
        "show" => checks::show,
        "sleep" => checks::sleep,
        "wait" => checks::wait,
        "note" | "step" => checks::note_or_step,
        "help" => checks::help,
        "pause" => checks::pause,
        "select" => checks::select,
        "syn" => system::syn,
        "sysctl" => system::sysctl,
        "link" => link::link,
        _ => {
            if let Some(taught) = called_as_in_c(&first.text) {
                return Err(ParseError::new(first.col, taught));
            }
            return Err(ParseError::new(
                first.col,
                format!(
                    "unknown command '{}'; expected one of: {}",
                    first.text,
                    help::names()
                ),
            ));
        }
    };
    parse(&args).map(Some)
}

/// `listen(5)`, `connect(L1)`: a call written as C and Python write it.
/// The answer says how the lab writes it.
fn called_as_in_c(word: &str) -> Option<String> {
    let (name, rest) = word.split_once('(')?;
    let name = name.to_ascii_lowercase();
    let inner = rest.trim_end_matches(')').trim();
    if name == "listen" {
        let backlog = if inner.is_empty() { "5" } else { inner };
        return Some(format!(
            "{word} is how C and Python call it; here one command makes the socket, binds it and listens: listen backlog={backlog}"
        ));
    }
    help::names()
        .split(", ")
        .any(|n| n == name)
        .then(|| {
            format!(
                "{word} is how C and Python call it; here the words go after the command, without parentheses: {name} {} (help {name} shows its usage)",
                inner.replace(',', " ")
            )
        })
}

/// A word for the reader about a line that parsed but is likely not what
/// was meant: `listen 5` listens on port 5, not with a backlog of 5.
pub fn hint(line: &str) -> Option<String> {
    let tokens = tokenize(line).ok()?;
    let (first, rest) = tokens.split_first()?;
    if !first.text.eq_ignore_ascii_case("listen") {
        return None;
    }
    let port: u32 = rest.first()?.text.parse().ok()?;
    (port < 1024).then(|| {
        format!(
            "listen {port} listens on port {port}: a bare number is the port. For a backlog of {port}, write listen backlog={port}; a port below 1024 is almost never what is meant (and needs root)."
        )
    })
}
