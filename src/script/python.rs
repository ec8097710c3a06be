//! The Python 3 equivalent of each call: what a student would write with
//! the `socket` module to make the same call on the same kernel.
//!
//! [`result`] gives one finished call as a Python expression, for showing
//! beside its result (`c1.send(b'a' * 1048576)` → 23120); [`statement`]
//! gives a whole line of a script as Python, for handouts and for
//! `sockplay run --python` (see [`super::program`]).

use std::time::Duration;

use crate::lab::command::{
    AcceptCount, Command, DrainMode, Endpoint, Payload, ShutdownHow, SockOpts, Target, TimeoutMode,
};
use crate::lab::{Arg, Call, CallResult, Role, SockName};

use super::parse::Statement;

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
    format!("('{}', {})", ep.host.replace('\'', ""), ep.port)
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
    let mut lines = Vec::new();
    let sockopt = |level: &str, name: &str, value: String| {
        format!("{v}.setsockopt(socket.{level}, socket.{name}, {value})")
    };
    if let Some(n) = opts.rcvbuf {
        lines.push(sockopt("SOL_SOCKET", "SO_RCVBUF", n.to_string()));
    }
    if let Some(n) = opts.sndbuf {
        lines.push(sockopt("SOL_SOCKET", "SO_SNDBUF", n.to_string()));
    }
    if let Some(on) = opts.nodelay {
        lines.push(sockopt(
            "IPPROTO_TCP",
            "TCP_NODELAY",
            u8::from(on).to_string(),
        ));
    }
    if let Some(d) = opts.rcvtimeo {
        lines.push(sockopt("SOL_SOCKET", "SO_RCVTIMEO", timeval(d)));
    }
    if let Some(d) = opts.sndtimeo {
        lines.push(sockopt("SOL_SOCKET", "SO_SNDTIMEO", timeval(d)));
    }
    if let Some(mode) = opts.timeout {
        lines.push(format!("{v}.settimeout({})", settimeout(mode)));
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

/// One finished call as a Python expression, to show beside its result.
/// `backlog` is the listener's, for `listen`.
pub fn result(r: &CallResult, backlog: Option<i32>) -> String {
    let v = var(r.sock);
    let n = match r.arg {
        Arg::Bytes(n) => n,
        _ => 0,
    };
    let text = match &r.arg {
        Arg::Text(t) => t.as_str(),
        _ => "",
    };
    let peek = r.explain.starts_with("peeked");
    match r.call {
        Call::Listen => format!(
            "{v}.bind(('{}', {})); {v}.listen({})",
            host_of(text),
            port_of(text),
            backlog.map_or_else(|| "…".into(), |b| b.to_string())
        ),
        Call::Connect => format!("{v}.connect(('{}', {}))", host_of(text), port_of(text)),
        Call::Accept if r.part_of.is_some() || text.is_empty() => match r.created.first() {
            Some(a) => format!("{}, _ = {v}.accept()", var(*a)),
            None => format!("{v}.accept()"),
        },
        Call::Accept => format!("while ready: {v}.accept()"),
        Call::Send => format!("{v}.send(b'a' * {n})"),
        Call::SendAll => format!("{v}.sendall(b'a' * {n})"),
        Call::Recv if peek => format!("{v}.recv({n}, socket.MSG_PEEK)"),
        Call::Recv => format!("{v}.recv({n})"),
        Call::RecvAll => format!("recv_all({v}, {n})"),
        Call::Drain => format!("{v}.recv(262144, socket.MSG_DONTWAIT) until EAGAIN"),
        Call::Shutdown => format!(
            "{v}.shutdown(socket.SHUT_{})",
            match text {
                "read" => "RD",
                "write" => "WR",
                _ => "RDWR",
            }
        ),
        Call::Close if text == "rst" => format!(
            "{v}.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); {v}.close()"
        ),
        Call::Close => format!("{v}.close()"),
        Call::Set => format!("{v}.setsockopt(…)  # {text}"),
        Call::SendTo => format!("{v}.sendto(b'a' * {n}, addr)"),
        Call::RecvFrom => format!("{v}.recvfrom({n})"),
        Call::Udp => format!(
            "{v} = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); {v}.bind(('{}', {}))",
            host_of(text),
            port_of(text)
        ),
        Call::Syn => "# bare SYNs need a raw socket: no socket-module equivalent".into(),
        Call::Lookup if r.sock.role == Role::Udp => format!(
            "socket.getaddrinfo('{}', None, type=socket.SOCK_DGRAM)",
            host_of(text)
        ),
        Call::Lookup => format!("socket.getaddrinfo('{}', None)", host_of(text)),
    }
}

/// The host of `127.0.0.1:80` or `[::1]:80`.
fn host_of(addr: &str) -> String {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_string()
}

/// The port of `127.0.0.1:80`.
fn port_of(addr: &str) -> String {
    addr.rsplit_once(':')
        .map_or_else(|| "0".into(), |(_, p)| p.to_string())
}

/// Names the sockets a script makes, in the order the lab names them:
/// listeners and clients when their command runs.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    listeners: u32,
    clients: u32,
    udp: u32,
}

impl Namer {
    /// The name the next socket of `role` gets.
    pub fn next(&mut self, role: Role) -> SockName {
        let n = match role {
            Role::Listener => &mut self.listeners,
            Role::Client => &mut self.clients,
            Role::Udp | Role::Accepted => &mut self.udp,
        };
        *n += 1;
        SockName::new(role, *n)
    }
}

/// Which side of a socket a call runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The sending lane (connect, send, sendall).
    Send,
    /// The receiving lane (accept, recv, recvall, drain).
    Recv,
    /// At once, on the main thread (listen, set, shutdown, close).
    Now,
}

/// One call of a statement, in Python.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyCall {
    /// The socket, as the lab names it (`C1`).
    pub sock: SockName,
    /// Where it runs.
    pub side: Side,
    /// The call as the transcript shows it (`send(16)`).
    pub label: String,
    /// Lines that make the socket and set its options, run at once.
    pub setup: Vec<String>,
    /// The call itself: a Python expression whose value is the result.
    pub expr: String,
}

/// A statement of a script, in Python.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Py {
    /// Socket calls.
    Calls(Vec<PyCall>),
    /// Plain code (`time.sleep(0.5)`).
    Code(String),
    /// No Python equivalent: said as a comment.
    Comment(String),
}

/// A statement as Python. `namer` follows the lab's naming through the script.
pub fn statement(stmt: &Statement, namer: &mut Namer) -> Py {
    match stmt {
        Statement::Lab(cmd) => command(cmd, namer),
        Statement::Sleep(d) => Py::Code(format!("time.sleep({})", seconds(*d))),
        Statement::Wait { sock, limit } => Py::Code(format!("wait('{sock}', {})", seconds(*limit))),
        Statement::Show(_) => Py::Comment("the kernel view: `ss -tni` shows much of it".into()),
        Statement::Expect(_) | Statement::ExpectPacket(_) => {
            Py::Comment("a check against the kernel view".into())
        }
        Statement::Note(_) | Statement::Step(_) | Statement::Pause | Statement::Select(_) => {
            Py::Comment("narration".into())
        }
        Statement::Help(_) => Py::Comment("help".into()),
        Statement::Sysctl { .. } => {
            Py::Comment("a kernel setting: read /proc/sys, or `sysctl`".into())
        }
    }
}

fn one(sock: SockName, side: Side, label: String, expr: String) -> Py {
    Py::Calls(vec![PyCall {
        sock,
        side,
        label,
        setup: Vec::new(),
        expr,
    }])
}

fn command(cmd: &Command, namer: &mut Namer) -> Py {
    match cmd {
        Command::Listen {
            addr,
            backlog,
            reuseaddr,
            opts,
            defer_accept,
        } => {
            let name = namer.next(Role::Listener);
            let v = var(name);
            let ep = addr.clone().unwrap_or(Endpoint {
                host: "127.0.0.1".into(),
                port: 0,
            });
            let mut setup = vec![format!(
                "{v} = socket.socket({}, socket.SOCK_STREAM)",
                family(&ep.host)
            )];
            if let Some(on) = reuseaddr {
                setup.push(format!(
                    "{v}.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, {})",
                    u8::from(*on)
                ));
            }
            let (buffers, mode) = split_buffers(opts);
            setup.extend(options(&v, &buffers));
            setup.push(format!("{v}.bind({})", address(&ep)));
            setup.push(format!("remember({v})"));
            setup.push(format!("{v}.listen({backlog})"));
            if let Some(d) = defer_accept {
                setup.push(format!(
                    "{v}.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, {})",
                    d.as_secs()
                ));
            }
            setup.extend(options(&v, &mode));
            Py::Calls(vec![PyCall {
                sock: name,
                side: Side::Now,
                label: format!("listen({ep})"),
                setup,
                expr: "0".into(),
            }])
        }
        Command::Connect {
            target,
            count,
            opts,
        } => {
            let (to, fam) = match target {
                Target::Listener(l) | Target::Socket(l) => {
                    (format!("reach({})", var(*l)), "socket.AF_INET")
                }
                Target::Endpoint(ep) => (address(ep), family(&ep.host)),
            };
            let calls = (0..*count)
                .map(|_| {
                    let name = namer.next(Role::Client);
                    let v = var(name);
                    let mut setup = vec![format!("{v} = socket.socket({fam}, socket.SOCK_STREAM)")];
                    setup.extend(options(&v, opts));
                    PyCall {
                        sock: name,
                        side: Side::Send,
                        label: "connect".into(),
                        setup,
                        expr: format!("{v}.connect({to}) or 0"),
                    }
                })
                .collect();
            Py::Calls(calls)
        }
        Command::Accept { listener, count } => {
            let v = var(*listener);
            match count {
                AcceptCount::Times(n) => Py::Calls(
                    (0..*n)
                        .map(|_| PyCall {
                            sock: *listener,
                            side: Side::Recv,
                            label: "accept".into(),
                            setup: Vec::new(),
                            expr: format!("accept({v})"),
                        })
                        .collect(),
                ),
                AcceptCount::All => one(
                    *listener,
                    Side::Recv,
                    "accept(all)".into(),
                    format!("accept_all('{listener}', {v})"),
                ),
            }
        }
        Command::Send { sock, payload: p } => one(
            *sock,
            Side::Send,
            format!("send({})", p.len()),
            format!("{}.send({})", var(*sock), payload(p)),
        ),
        Command::SendAll {
            sock, payload: p, ..
        } => one(
            *sock,
            Side::Send,
            format!("sendall({})", p.len()),
            format!("{}.sendall({}) or {}", var(*sock), payload(p), p.len()),
        ),
        Command::Recv { sock, size, peek } => {
            let flags = if *peek { ", socket.MSG_PEEK" } else { "" };
            one(
                *sock,
                Side::Recv,
                format!("recv({size})"),
                format!("len({}.recv({size}{flags}))", var(*sock)),
            )
        }
        Command::RecvAll { sock, size } => one(
            *sock,
            Side::Recv,
            format!("recvall({size})"),
            format!("len(recv_all({}, {size}))", var(*sock)),
        ),
        Command::Drain { sock, mode, .. } => match mode {
            DrainMode::Off => Py::Code(format!("_draining['{sock}'] = False")),
            DrainMode::Once | DrainMode::On => {
                let on = *mode == DrainMode::On;
                one(
                    *sock,
                    Side::Recv,
                    format!("drain({})", if on { "on" } else { "once" }),
                    format!(
                        "drain('{sock}', {}, {})",
                        var(*sock),
                        if on { "True" } else { "False" }
                    ),
                )
            }
        },
        Command::Shutdown { sock, how: h } => one(
            *sock,
            Side::Now,
            format!("shutdown({})", h.word()),
            format!("{}.shutdown({}) or 0", var(*sock), how(*h)),
        ),
        Command::Close { sock, rst } => one(
            *sock,
            Side::Now,
            if *rst { "close(rst)" } else { "close" }.into(),
            format!(
                "close('{sock}', {}{})",
                var(*sock),
                if *rst { ", rst=True" } else { "" }
            ),
        ),
        Command::Set { sock, opts } => Py::Calls(vec![PyCall {
            sock: *sock,
            side: Side::Now,
            label: "set".into(),
            setup: options(&var(*sock), opts),
            expr: "0".into(),
        }]),
        Command::Udp { addr, opts } => {
            let name = namer.next(Role::Udp);
            let v = var(name);
            let ep = addr.clone().unwrap_or(Endpoint {
                host: "127.0.0.1".into(),
                port: 0,
            });
            let mut setup = vec![format!(
                "{v} = socket.socket({}, socket.SOCK_DGRAM)",
                family(&ep.host)
            )];
            let (buffers, mode) = split_buffers(opts);
            setup.extend(options(&v, &buffers));
            setup.push(format!("{v}.bind({})", address(&ep)));
            setup.push(format!("remember({v})"));
            setup.extend(options(&v, &mode));
            Py::Calls(vec![PyCall {
                sock: name,
                side: Side::Now,
                label: format!("udp({ep})"),
                setup,
                expr: "0".into(),
            }])
        }
        Command::SendTo {
            sock,
            target,
            payload: p,
            count,
        } => {
            let to = destination(target);
            Py::Calls(
                (0..*count)
                    .map(|_| PyCall {
                        sock: *sock,
                        side: Side::Send,
                        label: format!("sendto({})", p.len()),
                        setup: Vec::new(),
                        expr: format!("{}.sendto({}, {to})", var(*sock), payload(p)),
                    })
                    .collect(),
            )
        }
        Command::RecvFrom { sock, size, peek } => {
            let flags = if *peek { ", socket.MSG_PEEK" } else { "" };
            one(
                *sock,
                Side::Recv,
                format!("recvfrom({size})"),
                format!("len({}.recvfrom({size}{flags})[0])", var(*sock)),
            )
        }
        Command::UdpConnect { sock, target } => one(
            *sock,
            Side::Now,
            "connect".into(),
            format!("{}.connect({}) or 0", var(*sock), destination(target)),
        ),
        Command::ListenOn { sock, backlog } => one(
            *sock,
            Side::Now,
            format!("listen({backlog})"),
            format!("{}.listen({backlog}) or 0", var(*sock)),
        ),
        Command::Syn { .. } => Py::Comment(
            "bare SYNs need a raw socket (CAP_NET_RAW): no socket-module equivalent".into(),
        ),
    }
}

/// Where a datagram or a connect goes, as a Python address.
fn destination(target: &Target) -> String {
    match target {
        Target::Listener(s) | Target::Socket(s) => format!("reach({})", var(*s)),
        Target::Endpoint(ep) => address(ep),
    }
}

/// The options set before `bind`/`listen` (buffers shape the window scale)
/// and those set after (the timeout mode and the rest).
fn split_buffers(opts: &SockOpts) -> (SockOpts, SockOpts) {
    let buffers = SockOpts {
        rcvbuf: opts.rcvbuf,
        sndbuf: opts.sndbuf,
        ..SockOpts::default()
    };
    let rest = SockOpts {
        rcvbuf: None,
        sndbuf: None,
        ..*opts
    };
    (buffers, rest)
}

/// A statement's Python as the lines a student would write, for handouts
/// and the TUI: the setup, then the call; `None` when there is none.
pub fn lines(stmt: &Statement, namer: &mut Namer) -> Vec<String> {
    match statement(stmt, namer) {
        Py::Calls(calls) => calls
            .into_iter()
            .flat_map(|c| {
                let call = (c.expr != "0").then(|| plain(&c.expr));
                // The program's own bookkeeping is no part of the call.
                let setup = c.setup.into_iter().filter(|l| !l.starts_with("remember("));
                setup.chain(call)
            })
            .collect(),
        Py::Code(code) => vec![code],
        Py::Comment(_) => Vec::new(),
    }
}

/// A handout's Python for each command, in one line (`l1 = …; l1.listen(5)`),
/// naming the sockets as the lab does as the handout goes on.
pub fn for_handouts() -> impl Fn(&super::parse::Line) -> Option<String> {
    let namer = std::cell::RefCell::new(Namer::default());
    move |line| {
        if !matches!(line.statement, Statement::Lab(_)) {
            return None;
        }
        let lines = lines(&line.statement, &mut namer.borrow_mut());
        (!lines.is_empty()).then(|| lines.join("; "))
    }
}

/// An expression as a student writes it: without the program's
/// bookkeeping (`or 0`, `len(…)`) and its helpers (`reach`, `accept`,
/// `close`, `drain`), which stand for plain socket calls.
fn plain(expr: &str) -> String {
    let e = expr.split(" or ").next().unwrap_or(expr);
    let e = e
        .strip_prefix("len(")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(e);
    let e = e.replace("[0]", "");
    // `helper('C1', c1, …)`: the variable is the second argument.
    let second = |s: &str| -> String {
        s.split(", ")
            .nth(1)
            .unwrap_or("s")
            .trim_end_matches(')')
            .to_string()
    };
    if let Some(rest) = e.strip_prefix("accept(") {
        return format!("conn, addr = {}.accept()", rest.trim_end_matches(')'));
    }
    if e.starts_with("accept_all(") {
        return format!("conn, addr = {}.accept()  # while one waits", second(&e));
    }
    if e.starts_with("drain(") {
        let on = if e.contains("True") {
            "and as data arrives"
        } else {
            "until EAGAIN"
        };
        return format!("{}.recv(262144, socket.MSG_DONTWAIT)  # {on}", second(&e));
    }
    if e.starts_with("close(") {
        let v = second(&e);
        if e.contains("rst=True") {
            return format!(
                "{v}.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); {v}.close()"
            );
        }
        return format!("{v}.close()");
    }
    let mut out = e.clone();
    while let Some(at) = out.find("reach(") {
        let close = out[at..].find(')').map_or(out.len(), |i| at + i);
        let v = out[at + 6..close].to_string();
        out.replace_range(at..=close.min(out.len() - 1), &format!("{v}.getsockname()"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::parse_line;

    fn py(line: &str) -> Vec<String> {
        let stmt = parse_line(line).unwrap().unwrap();
        lines(&stmt, &mut Namer::default())
    }

    #[test]
    fn calls_read_as_python() {
        assert_eq!(py("send C1 1m"), ["c1.send(b'a' * 1048576)"]);
        assert_eq!(py("send C1 \"Hi\\n\""), ["c1.send(b'Hi\\n')"]);
        assert_eq!(py("recv A1 16"), ["a1.recv(16)"]);
        assert_eq!(py("recvall A1 16"), ["recv_all(a1, 16)"]);
        assert_eq!(py("accept L1"), ["conn, addr = l1.accept()"]);
        assert_eq!(py("close C1"), ["c1.close()"]);
        assert_eq!(
            py("connect L1"),
            [
                "c1 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
                "c1.connect(l1.getsockname())"
            ]
        );
        assert_eq!(py("shutdown C1 write"), ["c1.shutdown(socket.SHUT_WR)"]);
        assert_eq!(
            py("listen backlog=2 rcvbuf=4k timeout=500ms"),
            [
                "l1 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
                "l1.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)",
                "l1.bind(('127.0.0.1', 0))",
                "l1.listen(2)",
                "l1.settimeout(0.5)",
            ]
        );
        assert_eq!(
            py("set C1 sndtimeo=250ms"),
            ["c1.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack('ll', 0, 250000))"]
        );
    }

    #[test]
    fn clients_are_named_in_order() {
        let mut namer = Namer::default();
        let stmt = parse_line("connect L1 x2").unwrap().unwrap();
        let Py::Calls(calls) = statement(&stmt, &mut namer) else {
            panic!("connect makes calls");
        };
        let names: Vec<String> = calls.iter().map(|c| c.sock.to_string()).collect();
        assert_eq!(names, ["C1", "C2"]);
        assert_eq!(calls[1].expr, "c2.connect(reach(l1)) or 0");
    }

    #[test]
    fn bytes_are_escaped_for_python() {
        assert_eq!(bytes_literal(b"a'b\\\x1b"), "b'a\\'b\\\\\\x1b'");
    }
}
