//! The lab's own view of its sockets, for `show` and `expect`: names,
//! addresses, pairs, options asked and read back.

use crate::lab::{Lab, SockName, SocketInfo, TimeoutMode};

fn addr(a: Option<std::net::SocketAddr>) -> String {
    a.map_or_else(|| "-".into(), |a| a.to_string())
}

fn mode(m: Option<TimeoutMode>) -> String {
    m.map_or_else(|| "-".into(), |m| m.to_string())
}

fn row(s: &SocketInfo) -> String {
    let m = &s.meta;
    let pair = m.pair.map_or_else(String::new, |p| format!("⇄ {p}"));
    let state = if m.closed { "closed" } else { "open" };
    format!(
        "{:<5} {:<6} {:<6} {:<22} {:<22} {:>8} {:>8} {:<14} {:>10} {:>10}",
        s.name.to_string(),
        pair,
        state,
        addr(m.local),
        addr(m.peer),
        m.rcvbuf.effective,
        m.sndbuf.effective,
        mode(s.timeout),
        s.bytes_sent,
        s.bytes_received,
    )
}

/// A table of the lab's sockets (all, or one).
pub fn sockets(lab: &Lab, only: Option<SockName>) -> String {
    let mut lines = vec![format!(
        "{:<5} {:<6} {:<6} {:<22} {:<22} {:>8} {:>8} {:<14} {:>10} {:>10}",
        "name", "pair", "", "local", "peer", "rcvbuf", "sndbuf", "mode", "sent", "received"
    )];
    lines.extend(
        lab.sockets()
            .iter()
            .filter(|s| only.is_none_or(|n| n == s.name))
            .map(row),
    );
    lines.join("\n")
}

/// A field of the lab's view of a socket, as `expect` compares it.
pub fn field(lab: &Lab, sock: SockName, field: &str) -> Option<String> {
    let s = lab.socket(sock)?;
    let m = &s.meta;
    let asked = |a: Option<u64>| a.map_or_else(|| "null".into(), |n| n.to_string());
    Some(match field {
        "role" => s.role.word().into(),
        "local" => addr(m.local),
        "peer" => addr(m.peer),
        "backlog" => m.backlog?.to_string(),
        "rcvbuf" => m.rcvbuf.effective.to_string(),
        "sndbuf" => m.sndbuf.effective.to_string(),
        "rcvbuf_asked" => asked(m.rcvbuf.asked),
        "sndbuf_asked" => asked(m.sndbuf.asked),
        "timeout" => mode(s.timeout),
        "bytes_sent" => s.bytes_sent.to_string(),
        "bytes_received" => s.bytes_received.to_string(),
        _ => return None,
    })
}
