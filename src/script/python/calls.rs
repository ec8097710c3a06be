//! A line of a script as Python calls, each on the side of its socket that
//! runs it, naming the sockets as the lab does: what `sockplay run
//! --python` builds its program from.

use super::{address, family, how, labeled_options, options, payload, seconds, var};
use crate::lab::command::{
    AcceptCount, Command, DrainMode, Endpoint, SockOpts, Target, TimeoutMode,
};
use crate::lab::{Role, SockName};
use crate::script::parse::Statement;

/// Names the sockets a script makes, in the order the lab names them:
/// listeners and clients when their command runs.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    listeners: u32,
    clients: u32,
    accepted: u32,
    udp: u32,
    /// The timeout mode each socket was given, where Python's call then
    /// behaves otherwise than the lab's (`sendall` on a non-blocking socket).
    modes: std::collections::HashMap<SockName, TimeoutMode>,
    /// Bare SYNs sent so far.
    syns: u32,
}

impl Namer {
    /// The name the next socket of `role` gets.
    pub fn next(&mut self, role: Role) -> SockName {
        let n = match role {
            Role::Listener => &mut self.listeners,
            Role::Client => &mut self.clients,
            Role::Accepted => &mut self.accepted,
            Role::Udp | Role::Watched => &mut self.udp,
        };
        *n += 1;
        SockName::new(role, *n)
    }

    /// Keeps the timeout mode a socket's options give it.
    fn follow(&mut self, sock: SockName, opts: &SockOpts) {
        if let Some(m) = opts.timeout {
            self.modes.insert(sock, m);
        }
    }

    /// The number of the first of `count` more bare SYNs (each comes from
    /// a source of its own, numbered through the whole script).
    fn syns(&mut self, count: u32) -> u32 {
        let first = self.syns;
        self.syns += count;
        first
    }

    /// Whether the socket was made non-blocking.
    fn non_blocking(&self, sock: SockName) -> bool {
        self.modes.get(&sock) == Some(&TimeoutMode::NonBlocking)
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
    /// Lines run at once after the call (options set after `listen`).
    pub after: Vec<String>,
    /// For `accept`: the name the accepted socket gets (`a1`).
    pub accepts: Option<SockName>,
    /// How many times the call is made (`sendto … x200`).
    pub repeat: u32,
    /// Where Python's call differs from the lab's, what the program does.
    pub differs: Option<String>,
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
        Statement::Show(..) => Py::Comment("the kernel view: `ss -tni` shows much of it".into()),
        Statement::Expect(_) | Statement::ExpectPacket(_) => {
            Py::Comment("a check against the kernel view".into())
        }
        Statement::Note(_) | Statement::Step(_) => Py::Comment("narration".into()),
        Statement::Pause => Py::Comment("a pause: the reader predicts what comes next".into()),
        Statement::Select(..) => Py::Comment("on screen, the lab selects a socket".into()),
        Statement::Help(_) => Py::Comment("help".into()),
        Statement::Link(crate::link::LinkCommand::Down) => Py::Code("cable(up=False)".into()),
        Statement::Link(crate::link::LinkCommand::Up) => Py::Code("cable(up=True)".into()),
        Statement::Link(_) => Py::Comment(
            "the lab's own link (delay, rate, loss): Python's socket module cannot make it, so the program runs without it".into(),
        ),
        Statement::Sysctl { name, value } => {
            let full = crate::kernel::sysctl::full_name(name).unwrap_or_else(|| name.clone());
            Py::Code(match value {
                Some(v) => format!("sysctl('{full}', '{}')", v.replace(['\'', '\\'], "")),
                None => format!("sysctl('{full}')"),
            })
        }
    }
}

impl PyCall {
    /// A call with nothing around it.
    fn new(sock: SockName, side: Side, label: String, expr: String) -> PyCall {
        PyCall {
            sock,
            side,
            label,
            setup: Vec::new(),
            expr,
            after: Vec::new(),
            accepts: None,
            repeat: 1,
            differs: None,
        }
    }
}

fn one(sock: SockName, side: Side, label: String, expr: String) -> Py {
    Py::Calls(vec![PyCall::new(sock, side, label, expr)])
}

fn command(cmd: &Command, namer: &mut Namer) -> Py {
    match cmd {
        Command::Listen {
            addr,
            backlog,
            reuseaddr,
            opts,
            defer_accept,
            ..
        } => {
            let name = namer.next(Role::Listener);
            namer.follow(name, opts);
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
            let mut after = Vec::new();
            if let Some(d) = defer_accept {
                after.push(format!(
                    "{v}.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, {})",
                    d.as_secs()
                ));
            }
            after.extend(options(&v, &mode));
            Py::Calls(vec![PyCall {
                setup,
                after,
                ..PyCall::new(
                    name,
                    Side::Now,
                    format!("listen({ep})"),
                    format!("listen({v}, {}, {backlog})", address(&ep)),
                )
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
                    namer.follow(name, opts);
                    let v = var(name);
                    let mut setup = vec![format!("{v} = socket.socket({fam}, socket.SOCK_STREAM)")];
                    setup.extend(options(&v, opts));
                    PyCall {
                        setup,
                        ..PyCall::new(
                            name,
                            Side::Send,
                            "connect".into(),
                            format!("connect({v}, {to})"),
                        )
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
                            accepts: Some(namer.next(Role::Accepted)),
                            ..PyCall::new(
                                *listener,
                                Side::Recv,
                                "accept".into(),
                                format!("{v}.accept()"),
                            )
                        })
                        .collect(),
                ),
                AcceptCount::All => Py::Comment(
                    "accept all: how many it takes is known only as it runs, so the names the lab gives them are not made here".into(),
                ),
            }
        }
        Command::Send {
            sock,
            payload: p,
            more,
        } => Py::Calls(
            std::iter::once(p)
                .chain(more)
                .map(|p| {
                    PyCall::new(
                        *sock,
                        Side::Send,
                        format!("send({})", p.len()),
                        format!("{}.send({})", var(*sock), payload(p)),
                    )
                })
                .collect(),
        ),
        Command::SendAll {
            sock,
            payload: p,
            rate: None,
        } => {
            let differs = namer.non_blocking(*sock).then(|| {
                "Python's sendall raises BlockingIOError on a non-blocking socket once the buffer is full; send_all loops with select() as the lab's sendall does".to_string()
            });
            Py::Calls(vec![PyCall {
                differs,
                ..PyCall::new(
                    *sock,
                    Side::Send,
                    format!("sendall({})", p.len()),
                    format!("send_all({}, {})", var(*sock), payload(p)),
                )
            }])
        }
        Command::SendAll {
            sock,
            payload: p,
            rate: Some(rate),
        } => one(
            *sock,
            Side::Send,
            format!("sendall({})", p.len()),
            format!("send_paced({}, {}, {rate})", var(*sock), payload(p)),
        ),
        Command::Recv { sock, size, peek } => {
            let flags = if *peek { ", socket.MSG_PEEK" } else { "" };
            one(
                *sock,
                Side::Recv,
                format!("recv({size})"),
                format!("{}.recv({size}{flags})", var(*sock)),
            )
        }
        Command::RecvAll { sock, size } => one(
            *sock,
            Side::Recv,
            format!("recvall({size})"),
            format!("recv_all({}, {size})", var(*sock)),
        ),
        Command::Drain { sock, mode, rate } => match mode {
            DrainMode::Off => Py::Code(format!("stop_draining('{sock}')")),
            DrainMode::Once | DrainMode::On => {
                let on = *mode == DrainMode::On;
                one(
                    *sock,
                    Side::Recv,
                    format!("drain({})", if on { "on" } else { "once" }),
                    format!(
                        "drain('{sock}', {}, {}{})",
                        var(*sock),
                        if on { "True" } else { "False" },
                        rate.map_or_else(String::new, |r| format!(", rate={r}"))
                    ),
                )
            }
        },
        Command::Shutdown { sock, how: h } => one(
            *sock,
            Side::Now,
            format!("shutdown({})", h.word()),
            format!("{}.shutdown({})", var(*sock), how(*h)),
        ),
        Command::Close { sock, rst } => one(
            *sock,
            Side::Now,
            if *rst { "close(rst)" } else { "close" }.into(),
            format!(
                "close({}{})",
                var(*sock),
                if *rst { ", rst=True" } else { "" }
            ),
        ),
        Command::Set { sock, opts } => {
            namer.follow(*sock, opts);
            Py::Calls(
                labeled_options(&var(*sock), opts)
                    .into_iter()
                    .map(|(word, line)| PyCall::new(*sock, Side::Now, format!("set({word})"), line))
                    .collect(),
            )
        }
        Command::Udp { addr, opts } => {
            let name = namer.next(Role::Udp);
            namer.follow(name, opts);
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
            Py::Calls(vec![PyCall {
                setup,
                after: options(&v, &mode),
                ..PyCall::new(
                    name,
                    Side::Now,
                    format!("udp({ep})"),
                    format!("bind({v}, {})", address(&ep)),
                )
            }])
        }
        Command::SendTo {
            sock,
            target,
            payload: p,
            count,
        } => {
            let to = destination(target);
            Py::Calls(vec![PyCall {
                repeat: *count,
                ..PyCall::new(
                    *sock,
                    Side::Send,
                    format!("sendto({})", p.len()),
                    format!("{}.sendto({}, {to})", var(*sock), payload(p)),
                )
            }])
        }
        Command::RecvFrom { sock, size, peek } => {
            let flags = if *peek { ", socket.MSG_PEEK" } else { "" };
            one(
                *sock,
                Side::Recv,
                format!("recvfrom({size})"),
                format!("recv_from({}, {size}{flags})", var(*sock)),
            )
        }
        Command::UdpConnect { sock, target } => one(
            *sock,
            Side::Now,
            "connect".into(),
            format!("{}.connect({})", var(*sock), destination(target)),
        ),
        Command::ListenOn { sock, backlog } => one(
            *sock,
            Side::Now,
            format!("listen({backlog})"),
            format!("{}.listen({backlog})", var(*sock)),
        ),
        Command::Syn { listener, count } => one(
            *listener,
            Side::Now,
            format!("syn(x{count})"),
            format!("syn({}, {count}, {})", var(*listener), namer.syns(*count)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::parse_line;
    use crate::script::python::lines;

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
        assert_eq!(py("accept L1"), ["a1, addr = l1.accept()"]);
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
                "l1.bind(('127.0.0.1', 0)); l1.listen(2)",
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
        assert_eq!(calls[1].expr, "connect(c2, reach(l1))");
    }
}
