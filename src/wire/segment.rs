//! One segment on the wire between lab sockets, as the front ends show it.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use super::parse::{flag, flag_names};
use super::tap::LinkDrop;
use crate::lab::{Call, SockName};

/// What the kernel sent on its own, with no call of the lab's behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// The window grew (or shrank) with nothing new acknowledged: the
    /// receiver's application read, and its kernel said so.
    WindowUpdate,
    /// A probe of a zero window: one byte before what the peer acknowledged.
    ZeroWindowProbe,
    /// The answer to a zero-window probe: the same ACK, the window still shut.
    ProbeAck,
    /// Data sent again.
    Retransmission,
    /// A client's SYN sent again (no SYN-ACK came).
    SynRetransmission,
    /// A listener's SYN-ACK sent again (no ACK came).
    SynAckRetransmission,
    /// A keepalive: a probe of an idle connection.
    Keepalive,
    /// The same ACK again, with the same window.
    DuplicateAck,
    /// A reset no call of the lab's asked for (nobody listens, or the
    /// connection is gone).
    Reset,
}

impl Kernel {
    /// The words shown, and the JSON `kernel` field.
    pub fn word(self) -> &'static str {
        match self {
            Kernel::WindowUpdate => "window update",
            Kernel::ZeroWindowProbe => "zero-window probe",
            Kernel::ProbeAck => "zero-window probe ACK",
            Kernel::Retransmission => "retransmission",
            Kernel::SynRetransmission => "SYN retransmission",
            Kernel::SynAckRetransmission => "SYN-ACK retransmission",
            Kernel::Keepalive => "keepalive",
            Kernel::DuplicateAck => "duplicate ACK",
            Kernel::Reset => "reset",
        }
    }
}

impl fmt::Display for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// A call of the lab's, as a segment names it (`#9 send`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallRef {
    /// The call's number.
    pub seq: u64,
    /// Which call.
    pub call: Call,
}

impl fmt::Display for CallRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {}", self.seq, self.call)
    }
}

/// The address of one end of a segment, in 18 bytes rather than a
/// `SocketAddr`'s 32: the wire keeps its last 50,000 segments, two ends
/// each. IPv4 is held as IPv4-mapped IPv6, which no IPv6 packet carries,
/// and a packet's IPv6 address has no flow label or scope to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct End {
    ip: [u8; 16],
    port: u16,
}

impl From<SocketAddr> for End {
    fn from(a: SocketAddr) -> End {
        let ip = match a.ip() {
            IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
            IpAddr::V6(v6) => v6.octets(),
        };
        End { ip, port: a.port() }
    }
}

impl End {
    /// The address as it was on the wire.
    pub fn addr(self) -> SocketAddr {
        let v6 = Ipv6Addr::from(self.ip);
        match v6.to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), self.port),
            None => SocketAddr::new(IpAddr::V6(v6), self.port),
        }
    }
}

/// One segment between lab sockets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// When it was on the wire, since the lab started.
    pub t: Duration,
    /// The number of the connection it belongs to (1, 2, … in order of
    /// first sight), for the ladder of one connection.
    pub conn: u32,
    /// The sending end's lab name (`C1`; `L1` for a listener answering a
    /// handshake or holding the connection in its queue), if it is the lab's.
    pub from: Option<SockName>,
    /// The receiving end's lab name.
    pub to: Option<SockName>,
    /// Sender's address ([`Segment::src`]).
    pub src_end: End,
    /// Receiver's address ([`Segment::dst`]).
    pub dst_end: End,
    /// TCP flag bits.
    pub flags: u8,
    /// Sequence number relative to the sender's initial one (a SYN is 0).
    pub seq: u32,
    /// Acknowledgment number relative to the receiver's initial one.
    pub ack: u32,
    /// Payload bytes.
    pub len: u32,
    /// The window in bytes, after the window scale.
    pub win: u32,
    /// The window field as on the wire.
    pub win_raw: u16,
    /// The sender's window scale, when both ends agreed on scaling.
    pub wscale: Option<u8>,
    /// The call that sent it.
    pub cause: Option<CallRef>,
    /// What the kernel sent on its own, when no call did.
    pub kernel: Option<Kernel>,
    /// The call it follows from: the read behind a window update, the
    /// send whose data is retransmitted.
    pub after: Option<CallRef>,
    /// On the lab's own link: its crossing (`t` is when it entered);
    /// apart, as most segments cross no link of the lab's: inline it
    /// would be 40 of the 200 bytes of every segment the wire keeps.
    pub link: Option<Box<Crossing>>,
}

/// A segment's way across the lab's own link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crossing {
    /// The packet's number on the link.
    pub id: u64,
    /// From the client side to the server side (else back).
    pub to_server: bool,
    /// When it arrived on the other side, since the lab started; `None`
    /// while it is on the link, and for a dropped one.
    pub arrived: Option<Duration>,
    /// Why it never arrived.
    pub dropped: Option<LinkDrop>,
}

impl Crossing {
    /// Sent and not arrived yet: in flight, or waiting in the link's queue.
    pub fn in_flight(&self) -> bool {
        self.arrived.is_none() && self.dropped.is_none()
    }
}

impl Segment {
    /// Whether all of these flag bits are set.
    pub fn has(&self, bits: u8) -> bool {
        self.flags & bits == bits
    }

    /// The flags by name: `["SYN", "ACK"]`.
    pub fn flag_names(&self) -> Vec<&'static str> {
        flag_names(self.flags)
    }

    /// The flags as tcpdump prints them: `S.`, `P.`, `F.`, `R`, `.`.
    pub fn flags_short(&self) -> String {
        let mut s = String::new();
        for (bit, c) in [
            (flag::SYN, 'S'),
            (flag::FIN, 'F'),
            (flag::PSH, 'P'),
            (flag::RST, 'R'),
            (flag::URG, 'U'),
            (flag::ECE, 'E'),
            (flag::CWR, 'W'),
            (flag::ACK, '.'),
        ] {
            if self.flags & bit != 0 {
                s.push(c);
            }
        }
        if s.is_empty() { "none".into() } else { s }
    }

    /// Sender's address.
    pub fn src(&self) -> SocketAddr {
        self.src_end.addr()
    }

    /// Receiver's address.
    pub fn dst(&self) -> SocketAddr {
        self.dst_end.addr()
    }

    /// Whether it carries data (bulk data folds in the ladder).
    pub fn is_data(&self) -> bool {
        self.len > 0 && self.flags & (flag::SYN | flag::FIN | flag::RST) == 0
    }

    /// The end's name or its address.
    pub fn from_text(&self) -> String {
        self.from
            .map_or_else(|| self.src().to_string(), |n| n.to_string())
    }

    /// The other end's name or its address.
    pub fn to_text(&self) -> String {
        self.to
            .map_or_else(|| self.dst().to_string(), |n| n.to_string())
    }

    /// What sent it, in words: `#9 send`, `kernel: window update (after #12 recv)`.
    pub fn why(&self) -> String {
        match (self.cause, self.kernel) {
            (Some(c), _) => c.to_string(),
            (None, Some(k)) => match self.after {
                Some(a) => format!("kernel: {k} (after {a})"),
                None => format!("kernel: {k}"),
            },
            (None, None) => "kernel".into(),
        }
    }

    /// One line for a transcript:
    /// `C1 → A1  [P.]  seq 1:17 ack 1  len 16  win 65483  #6 send`.
    pub fn line(&self) -> String {
        let seq = if self.len > 0 {
            format!("seq {}:{}", self.seq, self.seq.wrapping_add(self.len))
        } else {
            format!("seq {}", self.seq)
        };
        let ack = if self.has(flag::ACK) {
            format!(" ack {}", self.ack)
        } else {
            String::new()
        };
        let mut win = format!("win {}", self.win);
        if self.win == 0 && !self.has(flag::RST) {
            win.push_str(" (zero window)");
        }
        let dropped = match self.link.as_deref().and_then(|c| c.dropped) {
            Some(d) => format!("  DROPPED by the link ({})", d.word()),
            None => String::new(),
        };
        format!(
            "{} → {}  [{}]  {seq}{ack}  len {}  {win}  {}{dropped}",
            self.from_text(),
            self.to_text(),
            self.flags_short(),
            self.len,
            self.why()
        )
    }
}

/// A bare ACK from `from` to `to` for the unit tests: `len` bytes
/// advertising `win`, `t_ms` into the lab; the client's end is
/// 127.0.0.1:1000, the other 127.0.0.1:2000.
#[cfg(test)]
pub(crate) fn between(
    t_ms: u64,
    from: crate::lab::SockName,
    to: crate::lab::SockName,
    len: u32,
    win: u32,
) -> Segment {
    let (c, a): (std::net::SocketAddr, std::net::SocketAddr) = (
        "127.0.0.1:1000".parse().unwrap(),
        "127.0.0.1:2000".parse().unwrap(),
    );
    let (src, dst) = if from.role == crate::lab::Role::Client {
        (c, a)
    } else {
        (a, c)
    };
    Segment {
        t: std::time::Duration::from_millis(t_ms),
        conn: 1,
        from: Some(from),
        to: Some(to),
        src_end: src.into(),
        dst_end: dst.into(),
        flags: flag::ACK,
        seq: 1,
        ack: 1,
        len,
        win,
        win_raw: 0,
        wscale: None,
        cause: None,
        kernel: None,
        after: None,
        link: None,
    }
}

/// A segment between C1 and A1 for the unit tests: `len` bytes at `seq`,
/// `t_ms` into the lab, from C1 when `from_client`; data carries PSH, as
/// the kernel sends it.
#[cfg(test)]
pub(crate) fn c1_a1(t_ms: u64, from_client: bool, len: u32, seq: u32) -> Segment {
    use crate::lab::{Role, SockName};
    let c1 = SockName::new(Role::Client, 1);
    let a1 = SockName::new(Role::Accepted, 1);
    let (from, to) = if from_client { (c1, a1) } else { (a1, c1) };
    let mut s = between(t_ms, from, to, len, 65535);
    if len > 0 {
        s.flags |= flag::PSH;
    }
    s.seq = seq;
    s
}
