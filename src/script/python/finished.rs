//! One finished call as a Python expression, to show beside its result in
//! the TUI (`c1.send(b'a' * 1048576)` → 23120).

use super::var;
use crate::lab::{Arg, Call, CallResult, Role};

/// One finished call as a Python expression, to show beside its result.
/// `backlog` is the listener's, for `listen`.
pub fn result(r: &CallResult, backlog: Option<i32>) -> String {
    let v = var(r.sock);
    let n = match r.arg {
        Arg::Bytes(n) => n,
        _ => 0,
    };
    let text = match &r.arg {
        Arg::Text(t) => t,
        _ => "",
    };
    let peek = r.explain.starts_with("peeked");
    match r.call {
        Call::Listen => format!(
            "{v}.bind(({}, {})); {v}.listen({})",
            host_of(text),
            port_of(text),
            backlog.map_or_else(|| "…".into(), |b| b.to_string())
        ),
        Call::Connect => format!("{v}.connect(({}, {}))", host_of(text), port_of(text)),
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
            "{v} = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); {v}.bind(({}, {}))",
            host_of(text),
            port_of(text)
        ),
        Call::Syn => "# bare SYNs need a raw socket: no socket-module equivalent".into(),
        Call::Lookup if r.sock.role == Role::Udp => format!(
            "socket.getaddrinfo({}, None, type=socket.SOCK_DGRAM)",
            host_of(text)
        ),
        Call::Lookup => format!("socket.getaddrinfo({}, None)", host_of(text)),
    }
}

/// The host of `127.0.0.1:80` or `[::1]:80`, as a Python literal.
fn host_of(addr: &str) -> String {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    super::str_literal(host.trim_start_matches('[').trim_end_matches(']'))
}

/// The port of `127.0.0.1:80`.
fn port_of(addr: &str) -> String {
    addr.rsplit_once(':')
        .map_or_else(|| "0".into(), |(_, p)| p.to_string())
}
