//! Parsing lines of the command language (docs/reference.md) into statements.

use std::time::Duration;

use super::error::{ParseError, ScriptError};
use super::expect::{DEFAULT_WITHIN, Expectation, RESULT_FIELDS};
use super::help;
use super::lexer::{Token, tokenize};
use super::units;
use crate::kernel::fields;
use crate::lab::{
    AcceptCount, Command, DrainMode, MAX_CALL_BYTES, Payload, ShutdownHow, SockName, SockOpts,
    Target,
};

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

/// One line of the command language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// A command for the lab.
    Lab(Command),
    /// Print the kernel view.
    Show(Option<SockName>),
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
    /// Put a socket in the selected pane (lessons point at what they talk about).
    Select(SockName),
    /// Check that a segment went by on the wire.
    ExpectPacket(super::packet_expect::PacketExpect),
    /// Read a kernel setting, or change it in a lab of its own.
    Sysctl {
        /// The setting, as written (`somaxconn`, `net.core.somaxconn`).
        name: String,
        /// The value to set; `None` reads.
        value: Option<String>,
    },
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
    let end = line.chars().count() + 1;
    let mut args = Args {
        cmd: first.text.to_ascii_lowercase(),
        tokens: rest,
        end,
    };
    let statement = match args.cmd.as_str() {
        "listen" if first_is_socket(&args) => {
            let sock = args.sock(0)?;
            let backlog = match args.tokens.get(1) {
                None => 5,
                Some(t) => parse_backlog(t, t.text.trim_start_matches("backlog="))?,
            };
            args.done(2)?;
            Statement::Lab(Command::ListenOn { sock, backlog })
        }
        "listen" => listen(&mut args)?,
        "connect" if first_is_socket(&args) => {
            let sock = args.sock(0)?;
            let target = datagram_target(&args, 1)?;
            args.done(2)?;
            Statement::Lab(Command::UdpConnect { sock, target })
        }
        "connect" => connect(&mut args)?,
        "accept" => accept(&mut args)?,
        "send" | "sendall" => send(&mut args)?,
        "recv" => recv(&mut args)?,
        "recvall" => {
            let sock = args.sock(0)?;
            let size = args.size(1, "N", 1, MAX_CALL_BYTES)?;
            args.done(2)?;
            Statement::Lab(Command::RecvAll { sock, size })
        }
        "drain" => drain(&mut args)?,
        "shutdown" => shutdown(&mut args)?,
        "close" => close(&mut args)?,
        "set" => {
            let sock = args.sock(0)?;
            let (given, opts) = args.options(
                1,
                &[
                    "rcvbuf", "sndbuf", "timeout", "nodelay", "rcvtimeo", "sndtimeo",
                ],
            )?;
            if !given {
                return Err(args.missing("an option to set"));
            }
            Statement::Lab(Command::Set { sock, opts })
        }
        "show" => {
            let sock = args.tokens.first().map(|_| args.sock(0)).transpose()?;
            args.done(1)?;
            Statement::Show(sock)
        }
        "sleep" => {
            let d = args.duration(0)?;
            args.done(1)?;
            Statement::Sleep(d)
        }
        "wait" => {
            let sock = args.sock(0)?;
            let limit = match args.tokens.get(1) {
                Some(_) => args.duration(1)?,
                None => DEFAULT_WAIT,
            };
            args.done(2)?;
            Statement::Wait { sock, limit }
        }
        "expect" => expect(&mut args)?,
        "syn" => {
            let listener = args.sock(0)?;
            let count = match args.tokens.get(1) {
                None => 1,
                Some(t) if is_count(&t.text) => parse_count(t)?,
                Some(t) => return Err(args.err(t, format!("expected xN, found '{}'", t.text))),
            };
            args.done(2)?;
            Statement::Lab(Command::Syn { listener, count })
        }
        "sysctl" => sysctl(&mut args)?,
        "note" | "step" => {
            let text = args.text(0)?;
            args.done(1)?;
            if args.cmd == "note" {
                Statement::Note(text)
            } else {
                Statement::Step(text)
            }
        }
        "udp" => udp(&mut args)?,
        "sendto" => sendto(&mut args)?,
        "recvfrom" => {
            let Statement::Lab(Command::Recv { sock, size, peek }) = recv(&mut args)? else {
                unreachable!("recv parses to a Recv command")
            };
            Statement::Lab(Command::RecvFrom { sock, size, peek })
        }
        "help" => {
            let topic = match args.tokens.first() {
                Some(t) if help::usage(&t.text).is_none() => {
                    return Err(ParseError::new(
                        t.col,
                        format!("no command '{}'; commands: {}", t.text, help::names()),
                    ));
                }
                Some(t) => Some(t.text.to_ascii_lowercase()),
                None => None,
            };
            args.done(1)?;
            Statement::Help(topic)
        }
        "pause" => {
            args.done(0)?;
            Statement::Pause
        }
        "select" => {
            let sock = args.sock(0)?;
            args.done(1)?;
            Statement::Select(sock)
        }
        _ => {
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
    Ok(Some(statement))
}

/// The words after the command, and how to read them.
struct Args<'a> {
    cmd: String,
    tokens: &'a [Token],
    end: usize,
}

impl Args<'_> {
    fn usage(&self) -> &'static str {
        help::usage(&self.cmd).map_or("", |u| u.usage)
    }

    fn missing(&self, what: &str) -> ParseError {
        ParseError::new(
            self.end,
            format!("{} needs {what}; usage: {}", self.cmd, self.usage()),
        )
    }

    fn get(&self, i: usize, what: &str) -> Result<&Token, ParseError> {
        self.tokens.get(i).ok_or_else(|| self.missing(what))
    }

    fn err(&self, t: &Token, message: String) -> ParseError {
        ParseError::new(t.col, message)
    }

    /// No words after position `i`.
    fn done(&self, i: usize) -> Result<(), ParseError> {
        match self.tokens.get(i) {
            None => Ok(()),
            Some(t) => Err(self.err(
                t,
                format!("unexpected '{}'; usage: {}", t.text, self.usage()),
            )),
        }
    }

    fn sock(&self, i: usize) -> Result<SockName, ParseError> {
        let t = self.get(i, "a socket name (L1, C1, A1)")?;
        t.text.parse().map_err(|e| self.err(t, format!("{e}")))
    }

    fn size(&self, i: usize, what: &str, min: u64, max: u64) -> Result<u64, ParseError> {
        let t = self.get(i, what)?;
        let n = units::size(&t.text).map_err(|e| self.err(t, e))?;
        // "a buffer size N" when missing; "N 0 is out of range" when wrong.
        let noun = what.rsplit(' ').next().unwrap_or(what);
        in_range(t, noun, n, min, max)
    }

    fn duration(&self, i: usize) -> Result<Duration, ParseError> {
        let t = self.get(i, "a duration (250ms, 2s)")?;
        units::duration(&t.text).map_err(|e| self.err(t, e))
    }

    fn text(&self, i: usize) -> Result<String, ParseError> {
        let t = self.get(i, "a quoted text")?;
        if !t.quoted {
            return Err(self.err(
                t,
                format!("expected a quoted text (\"…\"), found '{}'", t.text),
            ));
        }
        Ok(t.text.clone())
    }

    /// `key=value` options from position `i` on; returns whether any was
    /// given and the socket options among them.
    fn options(&self, i: usize, allowed: &[&str]) -> Result<(bool, SockOpts), ParseError> {
        let mut opts = SockOpts::default();
        let mut seen: Vec<String> = Vec::new();
        for t in self.tokens.iter().skip(i) {
            let Some((key, value)) = t.text.split_once('=') else {
                return Err(self.err(
                    t,
                    format!("unexpected '{}'; usage: {}", t.text, self.usage()),
                ));
            };
            let key = key.to_ascii_lowercase();
            if !allowed.contains(&key.as_str()) {
                return Err(self.err(
                    t,
                    format!(
                        "{} has no option '{key}'; options: {}",
                        self.cmd,
                        allowed.join(", ")
                    ),
                ));
            }
            if seen.contains(&key) {
                return Err(self.err(t, format!("{key} is given twice")));
            }
            let bad = |e: String| self.err(t, e);
            match key.as_str() {
                "rcvbuf" | "sndbuf" => {
                    let n = units::size(value).map_err(bad)?;
                    let n = in_range(t, &key, n, 1, MAX_BUFFER)?;
                    if key == "rcvbuf" {
                        opts.rcvbuf = Some(n);
                    } else {
                        opts.sndbuf = Some(n);
                    }
                }
                "timeout" => opts.timeout = Some(units::timeout_mode(value).map_err(bad)?),
                "nodelay" => opts.nodelay = Some(units::on_off(value).map_err(bad)?),
                "rcvtimeo" => opts.rcvtimeo = Some(units::kernel_timeout(value).map_err(bad)?),
                "sndtimeo" => opts.sndtimeo = Some(units::kernel_timeout(value).map_err(bad)?),
                // backlog and reuseaddr are read by `listen` itself.
                _ => {}
            }
            seen.push(key);
        }
        Ok((!seen.is_empty(), opts))
    }

    /// `rate=SIZE/s` at position `i`, if there is a word there.
    fn rate(&self, i: usize) -> Result<Option<u64>, ParseError> {
        let Some(t) = self.tokens.get(i) else {
            return Ok(None);
        };
        let Some(value) = t
            .text
            .split_once('=')
            .filter(|(k, _)| k.eq_ignore_ascii_case("rate"))
            .map(|(_, v)| v)
        else {
            return Err(self.err(
                t,
                format!("unexpected '{}'; usage: {}", t.text, self.usage()),
            ));
        };
        let n = units::rate(value).map_err(|e| self.err(t, e))?;
        Ok(Some(in_range(t, "rate", n, 1, MAX_RATE)?))
    }

    /// The value of `key=` among the words from `i` on.
    fn value(&self, i: usize, key: &str) -> Option<(&Token, String)> {
        self.tokens.iter().skip(i).find_map(|t| {
            let (k, v) = t.text.split_once('=')?;
            k.eq_ignore_ascii_case(key).then(|| (t, v.to_string()))
        })
    }
}

fn in_range(t: &Token, what: &str, n: u64, min: u64, max: u64) -> Result<u64, ParseError> {
    if n < min || n > max {
        return Err(ParseError::new(
            t.col,
            format!(
                "{what} {n} is out of range: expected {} to {}",
                human(min),
                human(max)
            ),
        ));
    }
    Ok(n)
}

/// 16777216 → "16m", for range messages.
fn human(n: u64) -> String {
    for (shift, unit) in [(30, "g"), (20, "m"), (10, "k")] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{}{unit}", n >> shift);
        }
    }
    n.to_string()
}

fn listen(args: &mut Args<'_>) -> Result<Statement, ParseError> {
    let has_addr = args.tokens.first().is_some_and(|t| !t.text.contains('='));
    let addr = if has_addr {
        let t = &args.tokens[0];
        Some(units::endpoint(&t.text).map_err(|e| args.err(t, e))?)
    } else {
        None
    };
    let from = usize::from(has_addr);
    let (_, opts) = args.options(
        from,
        &[
            "backlog",
            "rcvbuf",
            "sndbuf",
            "timeout",
            "reuseaddr",
            "rcvtimeo",
            "sndtimeo",
            "defer_accept",
        ],
    )?;
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
    }))
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

/// Whether the first word names a lab socket (`listen U1`, `connect U1 U2`)
/// rather than an address or a listener to connect to.
fn first_is_socket(args: &Args<'_>) -> bool {
    args.tokens
        .first()
        .and_then(|t| t.text.parse::<SockName>().ok())
        .is_some_and(|n| n.role == crate::lab::Role::Udp)
}

/// Where a datagram goes: a UDP socket (U2) or HOST:PORT.
fn datagram_target(args: &Args<'_>, i: usize) -> Result<Target, ParseError> {
    let t = args.get(i, "a target: a UDP socket (U2) or HOST:PORT")?;
    if t.text.contains(':') || t.text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Target::Endpoint(
            units::endpoint(&t.text).map_err(|e| args.err(t, e))?,
        ));
    }
    match t.text.parse::<SockName>() {
        Ok(n) if n.role == crate::lab::Role::Udp => Ok(Target::Socket(n)),
        _ => Err(args.err(
            t,
            format!(
                "bad target '{}': expected a UDP socket (U2) or HOST:PORT",
                t.text
            ),
        )),
    }
}

fn udp(args: &mut Args<'_>) -> Result<Statement, ParseError> {
    let has_addr = args.tokens.first().is_some_and(|t| !t.text.contains('='));
    let addr = if has_addr {
        let t = &args.tokens[0];
        Some(units::endpoint(&t.text).map_err(|e| args.err(t, e))?)
    } else {
        None
    };
    let (_, opts) = args.options(
        usize::from(has_addr),
        &["rcvbuf", "sndbuf", "timeout", "rcvtimeo", "sndtimeo"],
    )?;
    Ok(Statement::Lab(Command::Udp { addr, opts }))
}

fn sendto(args: &mut Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let target = datagram_target(args, 1)?;
    let t = args.get(2, "a SIZE or a quoted \"TEXT\"")?;
    let payload = if t.quoted {
        Payload::Text(t.bytes.clone())
    } else {
        let n = units::size(&t.text).map_err(|e| args.err(t, e))?;
        Payload::Pattern(in_range(t, "size", n, 0, MAX_DATAGRAM)?)
    };
    let mut count = 1;
    if let Some(t) = args.tokens.get(3) {
        if !is_count(&t.text) {
            return Err(args.err(t, format!("expected xN, found '{}'", t.text)));
        }
        count = parse_count(t)?;
    }
    args.done(4)?;
    Ok(Statement::Lab(Command::SendTo {
        sock,
        target,
        payload,
        count,
    }))
}

fn connect(args: &mut Args<'_>) -> Result<Statement, ParseError> {
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
    let (_, opts) = args.options(
        from,
        &[
            "rcvbuf", "sndbuf", "timeout", "nodelay", "rcvtimeo", "sndtimeo",
        ],
    )?;
    Ok(Statement::Lab(Command::Connect {
        target,
        count,
        opts,
    }))
}

fn is_count(word: &str) -> bool {
    word.len() > 1 && (word.starts_with('x') || word.starts_with('X'))
}

fn parse_count(t: &Token) -> Result<u32, ParseError> {
    let n: u64 = t.text[1..].parse().map_err(|_| {
        ParseError::new(
            t.col,
            format!("bad count '{}': expected x and a number (x10)", t.text),
        )
    })?;
    Ok(in_range(t, "count", n, 1, u64::from(MAX_COUNT))? as u32)
}

fn accept(args: &mut Args<'_>) -> Result<Statement, ParseError> {
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

fn send(args: &mut Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let all = args.cmd == "sendall";
    let t = args.get(1, "a SIZE or a quoted \"TEXT\"")?;
    let payload = if t.quoted {
        Payload::Text(t.bytes.clone())
    } else {
        let max = if all { MAX_SENDALL } else { MAX_CALL_BYTES };
        let n = units::size(&t.text).map_err(|e| args.err(t, e))?;
        if n > max && !all {
            return Err(args.err(
                t,
                format!(
                    "send takes at most {} in one call; sendall sends more",
                    human(max)
                ),
            ));
        }
        Payload::Pattern(in_range(t, "size", n, 0, max)?)
    };
    let rate = if all { args.rate(2)? } else { None };
    args.done(if rate.is_some() { 3 } else { 2 })?;
    Ok(Statement::Lab(if all {
        Command::SendAll {
            sock,
            payload,
            rate,
        }
    } else {
        Command::Send { sock, payload }
    }))
}

fn recv(args: &mut Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let size = args.size(1, "a buffer size N", 1, MAX_CALL_BYTES)?;
    let peek = match args.tokens.get(2) {
        None => false,
        Some(t) if t.text.eq_ignore_ascii_case("peek") => true,
        Some(t) => return Err(args.err(t, format!("expected peek, found '{}'", t.text))),
    };
    args.done(3)?;
    Ok(Statement::Lab(Command::Recv { sock, size, peek }))
}

fn drain(args: &mut Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let mode = match args.tokens.get(1) {
        None => DrainMode::Once,
        Some(t) => match units::on_off(&t.text).map_err(|e| args.err(t, e))? {
            true => DrainMode::On,
            false => DrainMode::Off,
        },
    };
    let rate = if mode == DrainMode::On {
        args.rate(2)?
    } else {
        None
    };
    args.done(if rate.is_some() { 3 } else { 2 })?;
    Ok(Statement::Lab(Command::Drain { sock, mode, rate }))
}

fn shutdown(args: &mut Args<'_>) -> Result<Statement, ParseError> {
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

fn close(args: &mut Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let rst = match args.tokens.get(1) {
        None => false,
        Some(t) if t.text.eq_ignore_ascii_case("rst") => true,
        Some(t) => return Err(args.err(t, format!("expected rst, found '{}'", t.text))),
    };
    args.done(2)?;
    Ok(Statement::Lab(Command::Close { sock, rst }))
}

/// `expect packet FIELD=VALUE … [within D]`.
fn expect_packet(args: &mut Args<'_>) -> Result<Statement, ParseError> {
    use super::packet_expect::{PACKET_FIELDS, PacketExpect, check_value};
    let mut fields = Vec::new();
    let mut within = DEFAULT_WITHIN;
    let mut i = 1;
    while let Some(t) = args.tokens.get(i) {
        if t.text.eq_ignore_ascii_case("within") {
            within = args.duration(i + 1)?;
            i += 2;
            break;
        }
        let Some((field, want)) = t.text.split_once('=') else {
            return Err(args.err(t, format!("expected FIELD=VALUE, found '{}'", t.text)));
        };
        let field = field.to_ascii_lowercase();
        if !PACKET_FIELDS.contains(&field.as_str()) {
            return Err(args.err(
                t,
                format!(
                    "unknown packet field '{field}'; fields: {}",
                    PACKET_FIELDS.join(", ")
                ),
            ));
        }
        if want.is_empty() {
            return Err(args.err(t, format!("{field}= needs a value")));
        }
        check_value(&field, want).map_err(|e| args.err(t, e))?;
        fields.push((field, want.to_string()));
        i += 1;
    }
    args.done(i)?;
    if fields.is_empty() {
        return Err(args.missing(&format!(
            "FIELD=VALUE (fields: {})",
            PACKET_FIELDS.join(", ")
        )));
    }
    let named = fields
        .iter()
        .any(|(f, v)| (f == "from" || f == "to") && v.parse::<SockName>().is_ok());
    if !named {
        return Err(args.missing("from=S or to=S, naming a lab socket"));
    }
    Ok(Statement::ExpectPacket(PacketExpect { fields, within }))
}

fn sysctl(args: &mut Args<'_>) -> Result<Statement, ParseError> {
    let t = args.get(0, "a setting (net.core.somaxconn), or NAME=VALUE to set it")?;
    let (name, value) = match t.text.split_once('=') {
        Some((name, value)) => {
            // `tcp_rmem="4096 131072 6291456"` or `tcp_rmem=4096,131072,6291456`.
            let value = value.replace(',', " ").trim().to_string();
            if value.is_empty() {
                return Err(args.err(t, format!("{name}= needs a value")));
            }
            (name, Some(value))
        }
        None => (t.text.as_str(), None),
    };
    if crate::kernel::sysctl::full_name(name).is_none() {
        return Err(args.err(
            t,
            format!("bad setting name '{name}': expected a name such as net.core.somaxconn"),
        ));
    }
    args.done(1)?;
    Ok(Statement::Sysctl {
        name: name.to_string(),
        value,
    })
}

fn expect(args: &mut Args<'_>) -> Result<Statement, ParseError> {
    if args
        .tokens
        .first()
        .is_some_and(|t| t.text.eq_ignore_ascii_case("packet"))
    {
        return expect_packet(args);
    }
    let sock = args.sock(0)?;
    let t = args.get(1, "FIELD=VALUE")?;
    let Some((field, want)) = t.text.split_once('=') else {
        return Err(args.err(t, format!("expected FIELD=VALUE, found '{}'", t.text)));
    };
    let field = field.to_ascii_lowercase();
    let counter = crate::kernel::Counters::FIELDS.contains(&field.as_str());
    if !RESULT_FIELDS.contains(&field.as_str()) && fields::find(&field).is_none() && !counter {
        return Err(args.err(
            t,
            format!(
                "unknown field '{field}'; fields: {}, {}, {}",
                RESULT_FIELDS.join(", "),
                fields::names().collect::<Vec<_>>().join(", "),
                crate::kernel::Counters::FIELDS.join(", ")
            ),
        ));
    }
    if want.is_empty() {
        return Err(args.err(t, format!("{field}= needs a value")));
    }
    if want.starts_with('=') {
        return Err(args.err(
            t,
            format!("expect takes FIELD=VALUE with one '=', as in {field}=VALUE, not '=='"),
        ));
    }
    let within = match args.tokens.get(2) {
        None => DEFAULT_WITHIN,
        Some(w) if w.text.eq_ignore_ascii_case("within") => args.duration(3)?,
        Some(w) => {
            return Err(args.err(w, format!("expected within DURATION, found '{}'", w.text)));
        }
    };
    args.done(if args.tokens.len() > 2 { 4 } else { 2 })?;
    Ok(Statement::Expect(Expectation {
        sock,
        field,
        want: want.to_string(),
        within,
    }))
}
