//! A line of a script as Python calls, each on the side of its socket that
//! runs it, naming the sockets as the lab does: what `sockplay run
//! --python` builds its program from.

use super::{address, family, how, options, payload, seconds, var};
use crate::lab::command::{AcceptCount, Command, DrainMode, Endpoint, SockOpts, Target};
use crate::lab::{Role, SockName};
use crate::script::parse::Statement;

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
            Role::Udp | Role::Accepted | Role::Watched => &mut self.udp,
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
        Statement::Show(..) => Py::Comment("the kernel view: `ss -tni` shows much of it".into()),
        Statement::Expect(_) | Statement::ExpectPacket(_) => {
            Py::Comment("a check against the kernel view".into())
        }
        Statement::Note(_) | Statement::Step(_) | Statement::Pause | Statement::Select(..) => {
            Py::Comment("narration".into())
        }
        Statement::Help(_) => Py::Comment("help".into()),
        Statement::Link(_) => Py::Comment(
            "the lab's own link (delay, rate, loss) has no socket call: the program runs without it".into(),
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
            ..
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
            sock,
            payload: p,
            rate: None,
        } => one(
            *sock,
            Side::Send,
            format!("sendall({})", p.len()),
            format!("{}.sendall({}) or {}", var(*sock), payload(p), p.len()),
        ),
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
                format!("len({}.recv({size}{flags}))", var(*sock)),
            )
        }
        Command::RecvAll { sock, size } => one(
            *sock,
            Side::Recv,
            format!("recvall({size})"),
            format!("len(recv_all({}, {size}))", var(*sock)),
        ),
        Command::Drain { sock, mode, rate } => match mode {
            DrainMode::Off => Py::Code(format!("_draining['{sock}'] = False")),
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
}
