//! The Python 3 equivalent of each call: what a student would write with
//! the `socket` module to make the same call on the same kernel.
//!
//! [`result`] gives one finished call as a Python expression, for showing
//! beside its result (`c1.send(b'a' * 1048576)` → 23120); [`statement`]
//! gives a whole line of a script as Python, for handouts and for
//! `sockplay run --python` (see [`super::program`]).

//!
//! The shared pieces (names, literals, options) are here; [`result`] is in
//! `finished.rs`, [`statement`] and the names it follows in `calls.rs`,
//! and [`lines`], the Python a student writes, in `plain.rs`.

mod calls;
mod finished;
mod plain;

pub use calls::{Namer, Py, PyCall, Side, statement};
pub use finished::result;
pub use plain::{for_handouts, lines};

use std::time::Duration;

use crate::lab::SockName;
use crate::lab::command::{Endpoint, Payload, ShutdownHow, SockOpts, TimeoutMode};

/// A socket's name as a Python variable: `C1` → `c1`.
pub fn var(name: SockName) -> String {
    name.to_string().to_ascii_lowercase()
}

/// A byte string as a Python literal: `b'Hi\n'`.
pub fn bytes_literal(bytes: &[u8]) -> String {
    let mut s = String::from("b'");
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'\'' => s.push_str("\\'"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('\'');
    s
}

/// A text as a Python `str` literal, all printable ASCII (so the program
/// prints safely too): quotes and backslashes escaped, anything else
/// outside printable ASCII as `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
/// `eval` of it gives back the same text, whatever it held.
pub fn str_literal(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('\'');
    for c in text.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '\'' => s.push_str("\\'"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            ' '..='~' => s.push(c),
            c if (c as u32) < 0x100 => s.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    s.push('\'');
    s
}

/// A text for a Python comment: one line, nothing a terminal or Python's
/// reader acts on (line breaks, NUL, escapes, bidirectional marks are
/// written as `\xNN`), as sockplay escapes text for a terminal.
pub fn comment(text: &str) -> String {
    crate::lab::preview::escape_text(text).into_owned()
}

/// Seconds as Python writes them: `0.5`, `2.0`.
fn seconds(d: Duration) -> String {
    format!("{:?}", d.as_secs_f64())
}

/// What a payload is in Python: the text, or `b'a' * N` (the count is what
/// the kernel sees; sockplay's pattern is abc…z).
fn payload(p: &Payload) -> String {
    match p {
        Payload::Text(t) => bytes_literal(t),
        Payload::Pattern(n) => format!("b'a' * {n}"),
    }
}

/// A host and port as a Python address tuple.
fn address(ep: &Endpoint) -> String {
    format!("({}, {})", str_literal(&ep.host), ep.port)
}

/// The address family a host needs.
fn family(host: &str) -> &'static str {
    if host.contains(':') {
        "socket.AF_INET6"
    } else {
        "socket.AF_INET"
    }
}

/// The timeout mode as `settimeout`'s argument.
fn settimeout(mode: TimeoutMode) -> String {
    match mode {
        TimeoutMode::Blocking => "None".into(),
        TimeoutMode::NonBlocking => "0".into(),
        TimeoutMode::Timeout(d) => seconds(d),
    }
}

/// `setsockopt`/`settimeout` lines for the options asked.
pub fn options(v: &str, opts: &SockOpts) -> Vec<String> {
    labeled_options(v, opts)
        .into_iter()
        .map(|(_, l)| l)
        .collect()
}

/// Each option asked, as the lab writes it (`keepidle=1s`) and as the
/// Python line that sets it.
pub fn labeled_options(v: &str, opts: &SockOpts) -> Vec<(String, String)> {
    let mut lines = Vec::new();
    let sockopt = |level: &str, name: &str, value: String| {
        format!("{v}.setsockopt(socket.{level}, socket.{name}, {value})")
    };
    let on = |b: bool| if b { "on" } else { "off" };
    if let Some(n) = opts.rcvbuf {
        lines.push((
            format!("rcvbuf={n}"),
            sockopt("SOL_SOCKET", "SO_RCVBUF", n.to_string()),
        ));
    }
    if let Some(n) = opts.sndbuf {
        lines.push((
            format!("sndbuf={n}"),
            sockopt("SOL_SOCKET", "SO_SNDBUF", n.to_string()),
        ));
    }
    if let Some(b) = opts.nodelay {
        lines.push((
            format!("nodelay={}", on(b)),
            sockopt("IPPROTO_TCP", "TCP_NODELAY", u8::from(b).to_string()),
        ));
    }
    for (word, name, d) in [
        ("keepidle", "TCP_KEEPIDLE", opts.keepidle),
        ("keepintvl", "TCP_KEEPINTVL", opts.keepintvl),
    ] {
        if let Some(d) = d {
            lines.push((
                format!("{word}={}s", d.as_secs()),
                sockopt("IPPROTO_TCP", name, d.as_secs().to_string()),
            ));
        }
    }
    if let Some(n) = opts.keepcnt {
        lines.push((
            format!("keepcnt={n}"),
            sockopt("IPPROTO_TCP", "TCP_KEEPCNT", n.to_string()),
        ));
    }
    if let Some(b) = opts.keepalive {
        lines.push((
            format!("keepalive={}", on(b)),
            sockopt("SOL_SOCKET", "SO_KEEPALIVE", u8::from(b).to_string()),
        ));
    }
    if let Some(d) = opts.user_timeout {
        lines.push((
            format!("user_timeout={}ms", d.as_millis()),
            sockopt("IPPROTO_TCP", "TCP_USER_TIMEOUT", d.as_millis().to_string()),
        ));
    }
    if let Some(b) = opts.cork {
        lines.push((
            format!("cork={}", on(b)),
            sockopt("IPPROTO_TCP", "TCP_CORK", u8::from(b).to_string()),
        ));
    }
    if let Some(cc) = opts.congestion {
        lines.push((
            format!("congestion={cc}"),
            sockopt("IPPROTO_TCP", "TCP_CONGESTION", format!("b\"{cc}\"")),
        ));
    }
    if let Some(b) = opts.quickack {
        lines.push((
            format!("quickack={}", on(b)),
            sockopt("IPPROTO_TCP", "TCP_QUICKACK", u8::from(b).to_string()),
        ));
    }
    if let Some(d) = opts.rcvtimeo {
        lines.push((
            format!("rcvtimeo={}ms", d.as_millis()),
            sockopt("SOL_SOCKET", "SO_RCVTIMEO", timeval(d)),
        ));
    }
    if let Some(d) = opts.sndtimeo {
        lines.push((
            format!("sndtimeo={}ms", d.as_millis()),
            sockopt("SOL_SOCKET", "SO_SNDTIMEO", timeval(d)),
        ));
    }
    if let Some(mode) = opts.timeout {
        let word = match mode {
            TimeoutMode::Blocking => "none".to_string(),
            TimeoutMode::NonBlocking => "0".to_string(),
            TimeoutMode::Timeout(d) => format!("{}ms", d.as_millis()),
        };
        lines.push((
            format!("timeout={word}"),
            format!("{v}.settimeout({})", settimeout(mode)),
        ));
    }
    lines
}

/// `struct.pack('ll', s, us)`: a `struct timeval`.
fn timeval(d: Duration) -> String {
    format!("struct.pack('ll', {}, {})", d.as_secs(), d.subsec_micros())
}

/// How `shutdown` names its direction.
fn how(how: ShutdownHow) -> &'static str {
    match how {
        ShutdownHow::Read => "socket.SHUT_RD",
        ShutdownHow::Write => "socket.SHUT_WR",
        ShutdownHow::Both => "socket.SHUT_RDWR",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_escaped_for_python() {
        assert_eq!(bytes_literal(b"a'b\\\x1b"), "b'a\\'b\\\\\\x1b'");
    }
}
