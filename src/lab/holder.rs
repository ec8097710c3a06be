//! Who holds a port: when `listen` meets EADDRINUSE, the socket that has
//! the port, its TCP state, its SO_REUSEADDR and the new socket's, and,
//! where one of the two set the flag, the rule that decides.
//!
//! Linux lets a new socket bind a port another socket still holds (not a
//! listener: a connection, or one in TIME-WAIT) only when both set
//! SO_REUSEADDR; the one in TIME-WAIT keeps the flag its socket had. The
//! kernel's table is read from `/proc/net/tcp` (or `tcp6`) of the calling
//! thread's network namespace: a TIME-WAIT entry has no socket left to ask.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use super::Shared;
use super::name::SockName;

/// One entry of the kernel's TCP table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Local address.
    pub local: SocketAddr,
    /// Peer address (`0.0.0.0:0` for a listener).
    pub peer: SocketAddr,
    /// The kernel's TCP state number (`linux/tcp_states.h`).
    pub state: u8,
    /// The socket's inode; 0 for TIME-WAIT entries and connections not
    /// yet accepted.
    pub inode: u64,
}

const LISTEN: u8 = 10;

/// The TCP state's name as the kernel view writes it.
fn state_name(st: u8) -> &'static str {
    match st {
        1 => "ESTABLISHED",
        2 => "SYN-SENT",
        3 => "SYN-RECEIVED",
        4 => "FIN-WAIT-1",
        5 => "FIN-WAIT-2",
        6 => "TIME-WAIT",
        7 => "CLOSED",
        8 => "CLOSE-WAIT",
        9 => "LAST-ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        _ => "an unknown state",
    }
}

/// `0100007F:1F90` (IPv4, the address in host byte order) or 32 hex digits
/// of IPv6 in four host-order words, and the port.
fn parse_addr(text: &str) -> Option<SocketAddr> {
    let (ip, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let ip = match ip.len() {
        8 => IpAddr::V4(Ipv4Addr::from(
            u32::from_str_radix(ip, 16).ok()?.to_ne_bytes(),
        )),
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in bytes.chunks_mut(4).enumerate() {
                let word = u32::from_str_radix(ip.get(i * 8..i * 8 + 8)?, 16).ok()?;
                chunk.copy_from_slice(&word.to_ne_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// The entries of a `/proc/net/tcp`-format table.
pub(crate) fn parse_table(text: &str) -> Vec<Entry> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let w: Vec<&str> = line.split_whitespace().collect();
            Some(Entry {
                local: parse_addr(w.get(1)?)?,
                peer: parse_addr(w.get(2)?)?,
                state: u8::from_str_radix(w.get(3)?, 16).ok()?,
                inode: w.get(9)?.parse().ok()?,
            })
        })
        .collect()
}

/// The entries that hold `addr`'s port where a bind to `addr` would clash:
/// the same port, and the same address or a wildcard on either side.
fn holding(addr: SocketAddr) -> Vec<Entry> {
    let file = if addr.is_ipv4() { "tcp" } else { "tcp6" };
    let text = std::fs::read_to_string(format!("/proc/thread-self/net/{file}"))
        .or_else(|_| std::fs::read_to_string(format!("/proc/net/{file}")))
        .unwrap_or_default();
    parse_table(&text)
        .into_iter()
        .filter(|e| {
            e.local.port() == addr.port()
                && (e.local.ip() == addr.ip()
                    || e.local.ip().is_unspecified()
                    || addr.ip().is_unspecified())
        })
        .collect()
}

/// What is known of a holder: its lab name if it is the lab's, and its
/// SO_REUSEADDR (for a closed socket, as it was when it closed).
struct Holder {
    entry: Entry,
    name: Option<SockName>,
    reuseaddr: Option<bool>,
}

fn identify(shared: &Arc<Shared>, entry: Entry) -> Holder {
    let found = shared.all().into_iter().find(|s| {
        let m = s.meta();
        if entry.inode != 0 {
            s.inode == entry.inode
        } else {
            m.local == Some(entry.local) && m.peer == Some(entry.peer)
        }
    });
    Holder {
        entry,
        name: found.as_ref().map(|s| s.name),
        reuseaddr: found.map(|s| s.meta().reuseaddr),
    }
}

/// Why a bind to `addr` met EADDRINUSE, for a socket whose SO_REUSEADDR is
/// `reuse`: which socket holds the port, in which state, whether its
/// SO_REUSEADDR is set, and what the rule makes of that. `None` when the
/// table shows no holder (it went in the meantime).
pub(crate) fn explain(shared: &Arc<Shared>, addr: SocketAddr, reuse: bool) -> Option<String> {
    let mut entries = holding(addr);
    // A listener decides alone; otherwise the lab's own sockets first.
    entries.sort_by_key(|e| e.state != LISTEN);
    let mut holders: Vec<Holder> = entries.into_iter().map(|e| identify(shared, e)).collect();
    if holders.first().is_some_and(|h| h.entry.state != LISTEN) {
        holders.sort_by_key(|h| h.name.is_none());
    }
    let first = holders.first()?;
    let who = match first.name {
        Some(n) => format!("{n}'s connection"),
        None => "a socket outside the lab".into(),
    };
    let state = state_name(first.entry.state);
    let more = match holders.len() - 1 {
        0 => String::new(),
        n => format!(" (and {n} more)"),
    };
    let flag = |on: bool| if on { "on" } else { "off" };
    let theirs = first.reuseaddr;
    Some(if first.entry.state == LISTEN {
        let who = first
            .name
            .map_or_else(|| "a listener outside the lab".into(), |n| n.to_string());
        format!(
            "{who} listens on it{more}: a port has one listener, and SO_REUSEADDR does not change that"
        )
    } else {
        let rule = match (theirs, reuse) {
            // Said without the rule: whether setting the flag on the new
            // socket alone would do is what a restart asks next, and the
            // result is on screen while it is asked.
            (Some(false), false) => "its SO_REUSEADDR is off, and so is this socket's".to_string(),
            (Some(false), true) => "its SO_REUSEADDR is off, and this socket's being on is not enough: SO_REUSEADDR shares a port only when both sockets set it".to_string(),
            (Some(true), false) => "its SO_REUSEADDR is on, but this socket's is off: SO_REUSEADDR shares a port only when both sockets set it".to_string(),
            (Some(true), true) => "both have SO_REUSEADDR on, yet the kernel refused".to_string(),
            (None, _) => format!(
                "its SO_REUSEADDR cannot be read from outside; this socket's is {}: SO_REUSEADDR shares a port only when both set it",
                flag(reuse)
            ),
        };
        format!("{who} holds it in {state}{more}; {rule}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_kernels_table() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n   1: 0100007F:1F90 0100007F:D431 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n";
        let e = parse_table(text);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].local, "127.0.0.1:8080".parse().unwrap());
        assert_eq!((e[0].state, e[0].inode), (LISTEN, 12345));
        assert_eq!(e[1].peer, "127.0.0.1:54321".parse().unwrap());
        assert_eq!((e[1].state, e[1].inode), (6, 0));
        let v6 = "x\n 0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 7 1\n";
        assert_eq!(
            parse_table(v6)[0].local,
            "[::1]:8080".parse::<SocketAddr>().unwrap()
        );
    }
}
