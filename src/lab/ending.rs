//! What `close` and `shutdown` send, told from the socket's state at the
//! call: a FIN, a reset, or nothing at all (a connection already over).

use std::net::SocketAddr;
use std::os::fd::AsFd;

use socket2::Socket;

use super::command::ShutdownHow;
use super::options::tcp_state;

/// A connection's TCP state as `linux/tcp_states.h` numbers it, read with
/// TCP_INFO from the socket itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    Established,
    SynSent,
    /// FIN-WAIT-1, FIN-WAIT-2, CLOSING or LAST-ACK: this side's FIN is out.
    FinSent,
    CloseWait,
    /// No connection: it ended (TIME-WAIT, held by the kernel apart from the
    /// socket) or was reset.
    Closed,
    /// Anything else (a listener, an unconnected socket).
    Other,
}

/// The socket's state now, the bytes received but never read, and the
/// bytes sent but not yet acknowledged.
pub(crate) struct Ending {
    pub at: At,
    pub unread: u64,
    /// Bytes in the send queue the peer has not acknowledged (TIOCOUTQ):
    /// what a reset throws away.
    pub unsent: u64,
    /// For a closed connection: the kernel holds it in TIME-WAIT.
    pub time_wait: bool,
}

fn unread(sock: &Socket) -> u64 {
    rustix::io::ioctl_fionread(sock).unwrap_or(0)
}

/// `/proc/net/tcp`'s form of an address: hex, in the kernel's byte order.
fn proc_addr(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!(
            "{:08X}:{:04X}",
            u32::from_ne_bytes(a.ip().octets()),
            a.port()
        ),
        SocketAddr::V6(a) => {
            let o = a.ip().octets();
            let words: String = o
                .chunks(4)
                .map(|c| format!("{:08X}", u32::from_ne_bytes([c[0], c[1], c[2], c[3]])))
                .collect();
            format!("{words}:{:04X}", a.port())
        }
    }
}

/// Whether the kernel holds the connection `local` → `peer` in TIME-WAIT,
/// read from this thread's network namespace.
fn in_time_wait(local: SocketAddr, peer: SocketAddr) -> bool {
    let file = if local.is_ipv4() { "tcp" } else { "tcp6" };
    let Ok(text) = std::fs::read_to_string(format!("/proc/thread-self/net/{file}")) else {
        return false;
    };
    let (l, p) = (proc_addr(local), proc_addr(peer));
    text.lines().skip(1).any(|line| {
        let mut f = line.split_whitespace().skip(1);
        f.next() == Some(&l) && f.next() == Some(&p) && f.next() == Some("06")
    })
}

impl Ending {
    /// Reads the socket now, before the call changes it.
    pub fn read(sock: &Socket, local: Option<SocketAddr>, peer: Option<SocketAddr>) -> Ending {
        let at = match tcp_state(sock) {
            Some(1) => At::Established,
            Some(2) => At::SynSent,
            Some(4 | 5 | 9 | 11) => At::FinSent,
            Some(8) => At::CloseWait,
            Some(7) => At::Closed,
            _ => At::Other,
        };
        let time_wait = at == At::Closed
            && match (local, peer) {
                (Some(l), Some(p)) => in_time_wait(l, p),
                _ => false,
            };
        Ending {
            at,
            unread: unread(sock),
            unsent: crate::sys::sockopt::outq(sock.as_fd()).map_or(0, u64::from),
            time_wait,
        }
    }

    fn over(&self) -> &'static str {
        if self.time_wait {
            "nothing sent: the connection had already ended and the kernel holds it in TIME-WAIT"
        } else {
            "nothing sent: the connection was already gone (a reset, or its end)"
        }
    }

    /// What `close()` sent, for a connection's socket.
    pub fn close(&self, rst: bool) -> String {
        let live = matches!(self.at, At::Established | At::CloseWait | At::FinSent);
        if live && self.unread > 0 {
            return format!(
                "{} received bytes were never read: a reset (RST) went out, not a FIN",
                self.unread
            );
        }
        match (self.at, rst) {
            (At::Closed, _) => format!("{}; close() only freed the descriptor", self.over()),
            (At::SynSent, _) => {
                "nothing sent: the handshake in progress is abandoned (a SYN-ACK that still comes gets a reset)".into()
            }
            (At::Established | At::CloseWait, true) => self.reset(),
            (At::FinSent, true) => {
                "SO_LINGER 0: the connection is dropped at once (a reset goes out only where the peer still waits for data)".into()
            }
            (At::Established, false) => {
                "FIN sent (FIN-WAIT-1); the kernel finishes the connection on its own".into()
            }
            (At::CloseWait, false) => {
                "FIN sent, answering the peer's (LAST-ACK); the kernel finishes the connection on its own".into()
            }
            (At::FinSent, false) => {
                "no new segment: this side's FIN was already sent; close() freed the descriptor and the kernel finishes the connection".into()
            }
            (At::Other, true) => self.reset(),
            (At::Other, false) => "the socket is closed".into(),
        }
    }

    /// What SO_LINGER 0 did to a live connection, from what was queued.
    fn reset(&self) -> String {
        match self.unsent {
            0 => "SO_LINGER 0: a reset (RST) was sent instead of a FIN; nothing was waiting to be sent or acknowledged".into(),
            n => format!(
                "SO_LINGER 0: a reset (RST) was sent instead of a FIN, and the {n} bytes not yet acknowledged were thrown away"
            ),
        }
    }

    /// What `shutdown()` sent, for a connection's socket.
    pub fn shutdown(&self, how: ShutdownHow) -> String {
        let reads = "recv here now returns 0 once the queue is empty";
        match (self.at, how) {
            // inet_shutdown() disconnects a SYN-SENT socket whichever way
            // it is shut down: connect() fails with ECONNRESET.
            (At::SynSent, _) => "the handshake in progress is abandoned; nothing sent".into(),
            (_, ShutdownHow::Read) => format!("{reads}; nothing is sent"),
            (At::Closed, _) => self.over().into(),
            (At::FinSent, ShutdownHow::Write) => {
                "nothing sent: this side's FIN was already sent".into()
            }
            (At::FinSent, ShutdownHow::Both) => {
                format!("no FIN this time (this side's was already sent); {reads}")
            }
            (At::CloseWait, ShutdownHow::Write) => {
                "FIN sent, answering the peer's (LAST-ACK): the peer reads end of stream after what is queued".into()
            }
            (At::CloseWait, ShutdownHow::Both) => {
                format!("FIN sent, answering the peer's (LAST-ACK); {reads}")
            }
            (_, ShutdownHow::Write) => {
                "FIN sent: the peer reads end of stream after what is queued".into()
            }
            (_, ShutdownHow::Both) => format!("FIN sent, and {reads}"),
        }
    }
}
