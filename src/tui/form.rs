//! Small forms behind the single-key actions. Each builds a command of the
//! language, so what a key does is also a command and is echoed as one.

use tui_input::Input;

use super::app::App;
use crate::lab::{Role, SockName};

/// One field of a form.
#[derive(Debug, Clone)]
pub struct Field {
    /// The label shown.
    pub label: &'static str,
    /// The option word it fills (`backlog=`), or "" for a positional word.
    pub key: &'static str,
    /// What the user typed, prefilled.
    pub input: Input,
    /// A hint shown beside it.
    pub hint: &'static str,
}

impl Field {
    fn new(label: &'static str, key: &'static str, value: &str, hint: &'static str) -> Self {
        Field {
            label,
            key,
            input: Input::new(value.to_string()),
            hint,
        }
    }
}

/// Which action a form is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `n`: a new listener.
    Listen,
    /// `c`: new clients of a listener.
    Connect(SockName),
    /// `a`: accept on a listener.
    Accept(SockName),
    /// `s`: send on a socket.
    Send(SockName),
    /// `r`: recv on a socket.
    Recv(SockName),
    /// `d`: shutdown a socket.
    Shutdown(SockName),
    /// `x`: close a socket.
    Close(SockName),
    /// `u`: a new UDP socket.
    Udp,
    /// `s` on a UDP socket without a peer: one datagram to a target (the
    /// second name prefills it).
    SendTo(SockName, Option<SockName>),
    /// `r` on a UDP socket: one datagram.
    RecvFrom(SockName),
}

impl Action {
    /// What `s` offers on a socket: `sendto` on a UDP socket without a peer
    /// (to another of the lab's UDP sockets), `send` on any other.
    pub fn send_on(app: &App, sock: SockName) -> Action {
        let view = app.view(sock);
        if sock.role != Role::Udp || view.is_some_and(|v| v.peer.is_some()) {
            return Action::Send(sock);
        }
        let other = app
            .connections()
            .iter()
            .filter_map(|v| v.id)
            .find(|n| n.role == Role::Udp && *n != sock);
        Action::SendTo(sock, other)
    }

    /// What `r` offers on a socket: `recvfrom` on a UDP socket, `recv` on any other.
    pub fn recv_on(sock: SockName) -> Action {
        if sock.role == Role::Udp {
            Action::RecvFrom(sock)
        } else {
            Action::Recv(sock)
        }
    }
}

/// A form on screen.
#[derive(Debug, Clone)]
pub struct Form {
    /// What it is for.
    pub action: Action,
    /// Its fields.
    pub fields: Vec<Field>,
    /// The field being edited.
    pub focus: usize,
}

impl Form {
    /// The form for an action, prefilled with sensible values.
    pub fn new(action: Action) -> Form {
        let fields = match action {
            Action::Listen => vec![
                // Where `listen` alone binds: on a link, its server side, so
                // the key's listener is one the link's clients cross to.
                Field::new(
                    "address",
                    "",
                    &crate::lab::sides::default_listen().to_string(),
                    "PORT, HOST:PORT or [::1]:PORT; port 0: any free port",
                ),
                Field::new("backlog", "backlog", "2", "listen(N): the queue holds N+1"),
                Field::new(
                    "rcvbuf",
                    "rcvbuf",
                    "",
                    "empty = the kernel's default; or 4k, 64k, 1m",
                ),
                Field::new("sndbuf", "sndbuf", "", "empty = the kernel's default"),
                Field::new("timeout", "timeout", "none", "none, 0 (non-blocking) or 2s"),
            ],
            Action::Connect(_) => vec![
                Field::new("clients", "", "1", "how many (xN)"),
                Field::new("timeout", "timeout", "none", "none, 0 (non-blocking) or 2s"),
                Field::new("rcvbuf", "rcvbuf", "", "empty = the kernel's default"),
                Field::new("sndbuf", "sndbuf", "", "empty = the kernel's default"),
            ],
            Action::Accept(_) => vec![Field::new("how many", "", "1", "a number, or all")],
            Action::Send(_) => vec![Field::new(
                "what",
                "",
                "\"Hi there, server\"",
                "a SIZE (64k) or a \"TEXT\"",
            )],
            Action::Recv(_) => vec![
                Field::new("buffer", "", "16", "recv(N): the most it returns"),
                Field::new("peek", "", "no", "yes: MSG_PEEK, the bytes stay queued"),
            ],
            Action::Shutdown(_) => vec![Field::new("how", "", "write", "read, write or both")],
            Action::Close(_) => vec![Field::new(
                "reset",
                "",
                "no",
                "yes: SO_LINGER 0, the peer gets RST",
            )],
            Action::Udp => vec![
                Field::new(
                    "address",
                    "",
                    "127.0.0.1:0",
                    "PORT, HOST:PORT or [::1]:PORT; port 0: any free port",
                ),
                Field::new(
                    "rcvbuf",
                    "rcvbuf",
                    "",
                    "empty = the kernel's default; 4k to see drops",
                ),
                Field::new("sndbuf", "sndbuf", "", "empty = the kernel's default"),
                Field::new("timeout", "timeout", "none", "none, 0 (non-blocking) or 2s"),
            ],
            Action::SendTo(_, to) => vec![
                Field::new(
                    "to",
                    "",
                    &to.map_or_else(|| "127.0.0.1:9".into(), |n| n.to_string()),
                    "a UDP socket (U2) or HOST:PORT",
                ),
                Field::new("what", "", "100", "a SIZE (1000) or a \"TEXT\""),
                Field::new("datagrams", "", "1", "how many, each its own call"),
            ],
            Action::RecvFrom(_) => vec![
                Field::new(
                    "buffer",
                    "",
                    "16",
                    "one datagram; longer ones are cut short",
                ),
                Field::new("peek", "", "no", "yes: MSG_PEEK, the datagram stays queued"),
            ],
        };
        Form {
            action,
            fields,
            focus: 0,
        }
    }

    /// The form's title.
    pub fn title(&self) -> String {
        match self.action {
            Action::Listen => "new listener".into(),
            Action::Connect(l) => format!("connect to {l}"),
            Action::Accept(l) => format!("accept on {l}"),
            Action::Send(s) => format!("send on {s}"),
            Action::Recv(s) => format!("recv on {s}"),
            Action::Shutdown(s) => format!("shutdown {s}"),
            Action::Close(s) => format!("close {s}"),
            Action::Udp => "new UDP socket".into(),
            Action::SendTo(s, _) => format!("sendto from {s}"),
            Action::RecvFrom(s) => format!("recvfrom on {s}"),
        }
    }

    fn value(&self, i: usize) -> String {
        self.fields[i].input.value().trim().to_string()
    }

    fn yes(&self, i: usize) -> bool {
        matches!(
            self.value(i).to_ascii_lowercase().as_str(),
            "yes" | "y" | "on" | "true"
        )
    }

    /// `key=value` for the option fields that were filled.
    fn options(&self, from: usize) -> String {
        self.fields
            .iter()
            .enumerate()
            .skip(from)
            .filter(|(_, f)| !f.key.is_empty() && !f.input.value().trim().is_empty())
            .map(|(_, f)| format!(" {}={}", f.key, f.input.value().trim()))
            .collect()
    }

    /// The command the form stands for.
    pub fn command(&self) -> String {
        match self.action {
            Action::Listen => format!("listen {}{}", self.value(0), self.options(1)),
            Action::Connect(l) => {
                let n = self.value(0);
                let count = if n.is_empty() || n == "1" {
                    String::new()
                } else {
                    format!(" x{n}")
                };
                format!("connect {l}{count}{}", self.options(1))
            }
            Action::Accept(l) => match self.value(0).as_str() {
                "" | "1" => format!("accept {l}"),
                "all" => format!("accept {l} all"),
                n => format!("accept {l} x{n}"),
            },
            Action::Send(s) => format!("send {s} {}", self.value(0)),
            Action::Recv(s) => {
                let peek = if self.yes(1) { " peek" } else { "" };
                format!("recv {s} {}{peek}", self.value(0))
            }
            Action::Shutdown(s) => format!("shutdown {s} {}", self.value(0)),
            Action::Close(s) => {
                let rst = if self.yes(0) { " rst" } else { "" };
                format!("close {s}{rst}")
            }
            Action::Udp => format!("udp {}{}", self.value(0), self.options(1)),
            Action::SendTo(s, _) => {
                let count = match self.value(2).as_str() {
                    "" | "1" => String::new(),
                    n => format!(" x{n}"),
                };
                format!("sendto {s} {} {}{count}", self.value(0), self.value(1))
            }
            Action::RecvFrom(s) => {
                let peek = if self.yes(1) { " peek" } else { "" };
                format!("recvfrom {s} {}{peek}", self.value(0))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> SockName {
        s.parse().unwrap()
    }

    #[test]
    fn forms_build_commands_that_parse() {
        let forms = [
            Form::new(Action::Listen),
            Form::new(Action::Connect(n("L1"))),
            Form::new(Action::Accept(n("L1"))),
            Form::new(Action::Send(n("C1"))),
            Form::new(Action::Recv(n("A1"))),
            Form::new(Action::Shutdown(n("C1"))),
            Form::new(Action::Close(n("C1"))),
            Form::new(Action::Udp),
            Form::new(Action::SendTo(n("U1"), Some(n("U2")))),
            Form::new(Action::SendTo(n("U1"), None)),
            Form::new(Action::RecvFrom(n("U2"))),
        ];
        let cmds: Vec<String> = forms.iter().map(Form::command).collect();
        assert_eq!(
            cmds,
            [
                "listen 127.0.0.1:0 backlog=2 timeout=none",
                "connect L1 timeout=none",
                "accept L1",
                "send C1 \"Hi there, server\"",
                "recv A1 16",
                "shutdown C1 write",
                "close C1",
                "udp 127.0.0.1:0 timeout=none",
                "sendto U1 U2 100",
                "sendto U1 127.0.0.1:9 100",
                "recvfrom U2 16",
            ]
        );
        for c in &cmds {
            crate::script::parse_line(c).unwrap_or_else(|e| panic!("{c}: {e}"));
        }
        let mut f = Form::new(Action::Connect(n("L2")));
        f.fields[0].input = Input::new("5".into());
        f.fields[2].input = Input::new("4k".into());
        assert_eq!(f.command(), "connect L2 x5 timeout=none rcvbuf=4k");
        let mut f = Form::new(Action::SendTo(n("U1"), Some(n("U2"))));
        f.fields[1].input = Input::new("1000".into());
        f.fields[2].input = Input::new("200".into());
        assert_eq!(f.command(), "sendto U1 U2 1000 x200");
    }
}
