//! Commands that make, join and end sockets: `listen`, `connect`,
//! `accept`, `set`, `shutdown`, `close` and `udp` (with `listen U1` and
//! `connect U1 TARGET` for datagram sockets).

use std::time::Duration;

use super::args::{Args, is_count, parse_count};
use super::{MAX_DEFER_ACCEPT, Statement};
use crate::lab::{AcceptCount, Command, Endpoint, Role, ShutdownHow, SockName, Target};
use crate::script::error::ParseError;
use crate::script::lexer::Token;
use crate::script::units;

/// The options `listen` takes.
pub(super) const LISTEN_OPTIONS: &[&str] = &[
    "backlog",
    "rcvbuf",
    "sndbuf",
    "timeout",
    "reuseaddr",
    "rcvtimeo",
    "sndtimeo",
    "defer_accept",
    "nodelay",
    "keepalive",
    "keepidle",
    "keepintvl",
    "keepcnt",
    "user_timeout",
    "quickack",
    "cork",
    "congestion",
];

/// The options `connect` and `set` take.
pub(super) const CONNECTED_OPTIONS: &[&str] = &[
    "rcvbuf",
    "sndbuf",
    "timeout",
    "nodelay",
    "rcvtimeo",
    "sndtimeo",
    "keepalive",
    "keepidle",
    "keepintvl",
    "keepcnt",
    "user_timeout",
    "quickack",
    "cork",
    "congestion",
];

/// The options `udp` takes.
pub(super) const UDP_OPTIONS: &[&str] = &["rcvbuf", "sndbuf", "timeout", "rcvtimeo", "sndtimeo"];

/// `listen [HOST:PORT] [backlog=N] [OPTION=VALUE…]`, or `listen U1 [N]`.
pub(super) fn listen(args: &Args<'_>) -> Result<Statement, ParseError> {
    if first_is_socket(args) {
        return listen_on(args);
    }
    let addr = leading_addr(args)?;
    let port_alone = addr.is_some()
        && args
            .tokens
            .first()
            .is_some_and(|t| t.text.bytes().all(|b| b.is_ascii_digit()));
    let from = usize::from(addr.is_some());
    let (_, opts) = args.options(from, LISTEN_OPTIONS)?;
    let backlog = match args.value(from, "backlog") {
        None => 5,
        Some((t, v)) => parse_backlog(t, &v)?,
    };
    let reuseaddr = args
        .value(from, "reuseaddr")
        .map(|(t, v)| units::on_off(&v).map_err(|e| args.err(t, e)))
        .transpose()?;
    let defer_accept = args
        .value(from, "defer_accept")
        .map(|(t, v)| match v.as_str() {
            "off" | "0" => Ok(Duration::ZERO),
            _ => units::duration(&v)
                .map_err(|e| args.err(t, e))
                .and_then(|d| {
                    if d > MAX_DEFER_ACCEPT {
                        Err(args.err(
                            t,
                            format!("defer_accept {v} is out of range: expected off or up to 1h"),
                        ))
                    } else {
                        Ok(d)
                    }
                }),
        })
        .transpose()?;
    Ok(Statement::Lab(Command::Listen {
        addr,
        backlog,
        reuseaddr,
        opts,
        defer_accept,
        port_alone,
    }))
}

/// `listen U1 [N]`: `listen()` on a UDP socket, which the kernel refuses.
fn listen_on(args: &Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let backlog = match args.tokens.get(1) {
        None => 5,
        Some(t) => parse_backlog(t, t.text.trim_start_matches("backlog="))?,
    };
    args.done(2)?;
    Ok(Statement::Lab(Command::ListenOn { sock, backlog }))
}

fn parse_backlog(t: &Token, v: &str) -> Result<i32, ParseError> {
    let n: i64 = v.parse().map_err(|_| {
        ParseError::new(
            t.col,
            format!("bad backlog '{v}': expected a whole number (5)"),
        )
    })?;
    if !(-1..=i64::from(i32::MAX)).contains(&n) {
        return Err(ParseError::new(
            t.col,
            format!("backlog {n} is out of range: expected -1 to {}", i32::MAX),
        ));
    }
    Ok(n as i32)
}

/// The address a socket binds to, when the first word is one rather than
/// an option (`listen 127.0.0.1:8080 backlog=2`, `udp 9000`).
fn leading_addr(args: &Args<'_>) -> Result<Option<Endpoint>, ParseError> {
    match args.tokens.first() {
        Some(t) if !t.text.contains('=') => units::endpoint(&t.text)
            .map(Some)
            .map_err(|e| args.err(t, e)),
        _ => Ok(None),
    }
}

/// Whether the first word names a lab socket (`listen U1`, `connect U1 U2`)
/// rather than an address or a listener to connect to.
fn first_is_socket(args: &Args<'_>) -> bool {
    args.tokens
        .first()
        .and_then(|t| t.text.parse::<SockName>().ok())
        .is_some_and(|n| n.role == Role::Udp)
}

/// Where a datagram goes: a UDP socket (U2) or HOST:PORT.
pub(super) fn datagram_target(args: &Args<'_>, i: usize) -> Result<Target, ParseError> {
    let t = args.get(i, "a target: a UDP socket (U2) or HOST:PORT")?;
    if t.text.contains(':') || t.text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Target::Endpoint(
            units::endpoint(&t.text).map_err(|e| args.err(t, e))?,
        ));
    }
    match t.text.parse::<SockName>() {
        Ok(n) if n.role == Role::Udp => Ok(Target::Socket(n)),
        _ => Err(args.err(
            t,
            format!(
                "bad target '{}': expected a UDP socket (U2) or HOST:PORT",
                t.text
            ),
        )),
    }
}

/// `udp [HOST:PORT] [OPTION=VALUE…]`.
pub(super) fn udp(args: &Args<'_>) -> Result<Statement, ParseError> {
    if let Some(t) = args
        .tokens
        .iter()
        .find(|t| t.text.to_ascii_lowercase().starts_with("backlog="))
    {
        return Err(args.err(
            t,
            "UDP has no backlog: a backlog is the length of a queue of connections, and UDP makes none. A bound UDP socket takes datagrams at once: try udp, udp again, then sendto U2 U1 \"hi\" and recvfrom U1 100; or listen U1 to see the kernel refuse (EOPNOTSUPP)".to_string(),
        ));
    }
    let addr = leading_addr(args)?;
    let (_, opts) = args.options(usize::from(addr.is_some()), UDP_OPTIONS)?;
    Ok(Statement::Lab(Command::Udp { addr, opts }))
}

/// `connect TARGET [xN] [OPTION=VALUE…]`, or `connect U1 TARGET`.
pub(super) fn connect(args: &Args<'_>) -> Result<Statement, ParseError> {
    if first_is_socket(args) {
        let sock = args.sock(0)?;
        let target = datagram_target(args, 1)?;
        args.done(2)?;
        return Ok(Statement::Lab(Command::UdpConnect { sock, target }));
    }
    let t = args.get(0, "a target: a listener (L1) or HOST:PORT")?;
    let target = if t.text.contains(':') || t.text.bytes().all(|b| b.is_ascii_digit()) {
        Target::Endpoint(units::endpoint(&t.text).map_err(|e| args.err(t, e))?)
    } else {
        let name: SockName = t.text.parse().map_err(|_| {
            args.err(
                t,
                format!(
                    "bad target '{}': expected a listener (L1) or HOST:PORT",
                    t.text
                ),
            )
        })?;
        Target::Listener(name)
    };
    let mut from = 1;
    let mut count = 1;
    if let Some(t) = args.tokens.get(1).filter(|t| is_count(&t.text)) {
        count = parse_count(t)?;
        from = 2;
    }
    let (_, opts) = args.options(from, CONNECTED_OPTIONS)?;
    Ok(Statement::Lab(Command::Connect {
        target,
        count,
        opts,
    }))
}

/// `accept L1 [xN|all]`.
pub(super) fn accept(args: &Args<'_>) -> Result<Statement, ParseError> {
    let listener = args.sock(0)?;
    let count = match args.tokens.get(1) {
        None => AcceptCount::Times(1),
        Some(t) if t.text.eq_ignore_ascii_case("all") => AcceptCount::All,
        Some(t) if is_count(&t.text) => AcceptCount::Times(parse_count(t)?),
        Some(t) => {
            return Err(args.err(t, format!("expected xN or all, found '{}'", t.text)));
        }
    };
    args.done(2)?;
    Ok(Statement::Lab(Command::Accept { listener, count }))
}

/// `set S OPTION=VALUE…`.
pub(super) fn set(args: &Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let (given, opts) = args.options(1, CONNECTED_OPTIONS)?;
    if !given {
        return Err(args.missing("an option to set"));
    }
    Ok(Statement::Lab(Command::Set { sock, opts }))
}

/// `shutdown S read|write|both`.
pub(super) fn shutdown(args: &Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let t = args.get(1, "read, write or both")?;
    let how = match t.text.to_ascii_lowercase().as_str() {
        "read" | "rd" => ShutdownHow::Read,
        "write" | "wr" => ShutdownHow::Write,
        "both" | "rdwr" => ShutdownHow::Both,
        _ => {
            return Err(args.err(
                t,
                format!("expected read, write or both, found '{}'", t.text),
            ));
        }
    };
    args.done(2)?;
    Ok(Statement::Lab(Command::Shutdown { sock, how }))
}

/// `close S [rst]`.
pub(super) fn close(args: &Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let rst = match args.tokens.get(1) {
        None => false,
        Some(t) if t.text.eq_ignore_ascii_case("rst") => true,
        Some(t) => return Err(args.err(t, format!("expected rst, found '{}'", t.text))),
    };
    args.done(2)?;
    Ok(Statement::Lab(Command::Close { sock, rst }))
}
