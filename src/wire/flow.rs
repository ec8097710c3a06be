//! Each connection's state as seen on the wire: initial sequence numbers
//! (for relative numbers, as tcpdump shows them), window scales, how far
//! each side has sent and been acknowledged. From it, what each segment is:
//! new data, a retransmission, a probe, a window update.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use rustc_hash::FxHashMap;

use super::cause::{self, CallSource, SendRange};
use super::names::Ends;
use super::parse::{TcpHeader, flag};
use super::segment::{CallRef, Kernel, Segment};
use crate::lab::{Call, SockName};

/// How many connections the wire follows; past that the oldest is forgotten.
const MAX_CONNS: usize = 100_000;

/// One direction of a connection.
#[derive(Debug, Default, Clone)]
struct Side {
    /// Initial sequence number (the SYN's).
    isn: Option<u32>,
    /// The window scale its SYN offered.
    wscale: Option<u8>,
    /// One past the highest sequence number sent, relative.
    next: u32,
    /// The last acknowledgment it sent, relative to the other side.
    last_ack: Option<u32>,
    /// The last window it advertised, in bytes.
    last_win: Option<u32>,
    /// Its last segment was a zero-window probe or keepalive.
    probed: bool,
    /// Where its FIN is, relative.
    fin_at: Option<u32>,
    /// The call of the data it sent last, and the bytes that call holds;
    /// apart, as most connections of a storm of connects never send any:
    /// inline it would be 40 bytes of each side of every slot of the table.
    last_send: Option<Box<SendRange>>,
}

#[derive(Debug, Default, Clone)]
struct Conn {
    id: u32,
    /// A reset was seen.
    reset: bool,
    /// Side 0 sends from the lower address of the two.
    sides: [Side; 2],
}

impl Conn {
    /// Both SYNs offered a window scale, so windows after them are scaled.
    fn scaled(&self) -> bool {
        self.sides.iter().all(|s| s.wscale.is_some())
    }

    /// The connection has ended: reset, or both sides sent their FIN.
    fn over(&self) -> bool {
        self.reset || self.sides.iter().all(|s| s.fin_at.is_some())
    }
}

/// How many ended connections (reset, or closed both ways) the wire still
/// follows, for their late segments; past that the oldest is forgotten.
const ENDED_KEPT: usize = 1_024;

/// A connection's two ends, the lower address first: each address in 18
/// bytes (IPv4 as IPv4-mapped IPv6; no IPv6 packet carries such an
/// address), 36 in all rather than the 64 of two `SocketAddr`s, in each
/// slot of the table and each entry of its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    ips: [[u8; 16]; 2],
    ports: [u16; 2],
}

impl Key {
    fn of(lower: SocketAddr, higher: SocketAddr) -> Key {
        let ip = |a: SocketAddr| match a.ip() {
            IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
            IpAddr::V6(v6) => v6.octets(),
        };
        Key {
            ips: [ip(lower), ip(higher)],
            ports: [lower.port(), higher.port()],
        }
    }
}

/// The connections the wire follows: those open, and the last ended ones.
#[derive(Default)]
pub struct Flows {
    /// Each connection apart from its slot of the table: a slot is 48
    /// bytes rather than 144, and the table, which keeps up to twice the
    /// slots it uses and has both its old and new slots while it grows,
    /// is 1.5 MiB rather than 4.7 at twenty thousand connections.
    conns: FxHashMap<Key, Box<Conn>>,
    next_id: u32,
    /// Each connection by its id, in the order they began: the oldest is
    /// the first forgotten. An entry whose 4-tuple began another
    /// connection since is stale, and skipped.
    order: VecDeque<(Key, u32)>,
    /// Connections that ended, in the order they did.
    ended: VecDeque<(Key, u32)>,
}

/// Which side of a connection: 0 sends from the lower address.
fn key(src: SocketAddr, dst: SocketAddr) -> (Key, usize) {
    if src <= dst {
        (Key::of(src, dst), 0)
    } else {
        (Key::of(dst, src), 1)
    }
}

impl Flows {
    /// Reads one segment: updates the connection's state and says what the
    /// segment is and which call sent it.
    pub fn segment(
        &mut self,
        h: &TcpHeader,
        t: Duration,
        ends: Ends,
        calls: &dyn CallSource,
    ) -> Segment {
        let (k, me) = key(h.src, h.dst);
        if !self.conns.contains_key(&k) {
            while self.conns.len() >= MAX_CONNS {
                let Some(oldest) = self.order.pop_front() else {
                    break;
                };
                self.forget(oldest);
            }
            self.begin(k);
        }
        let conn = self.conns.get_mut(&k).expect("inserted above");
        // A new SYN on a 4-tuple seen before (a port used again): a new connection.
        if h.flags & (flag::SYN | flag::ACK) == flag::SYN
            && conn.sides[me].isn.is_some_and(|isn| isn != h.seq)
        {
            self.begin(k);
        }
        let conn = self.conns.get_mut(&k).expect("inserted above");
        let was_over = conn.over();
        let seg = classify(conn, me, h, t, ends, calls);
        if !was_over && conn.over() {
            self.ended.push_back((k, conn.id));
            if self.ended.len() > ENDED_KEPT
                && let Some(oldest) = self.ended.pop_front()
            {
                self.forget(oldest);
            }
        }
        seg
    }

    /// A new connection on `k`, in place of any before it there.
    fn begin(&mut self, k: Key) {
        self.next_id += 1;
        self.conns.insert(
            k,
            Box::new(Conn {
                id: self.next_id,
                ..Conn::default()
            }),
        );
        self.order.push_back((k, self.next_id));
        // Entries of connections forgotten or begun again are dropped now
        // and then, so that the order stays the size of what is followed.
        if self.order.len() > 2 * self.conns.len() + 1024 {
            let conns = &self.conns;
            self.order
                .retain(|(k, id)| conns.get(k).is_some_and(|c| c.id == *id));
        }
    }

    /// Forgets connection `id` on `k`, unless another began there since.
    fn forget(&mut self, (k, id): (Key, u32)) {
        if self.conns.get(&k).is_some_and(|c| c.id == id) {
            self.conns.remove(&k);
        }
    }

    /// How many connections the wire follows now.
    pub fn len(&self) -> usize {
        self.conns.len()
    }

    /// Whether it follows none.
    pub fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }
}

fn classify(
    conn: &mut Conn,
    me: usize,
    h: &TcpHeader,
    t: Duration,
    ends: Ends,
    calls: &dyn CallSource,
) -> Segment {
    let syn = h.flags & flag::SYN != 0;
    let mut kernel = None;
    let mut cause = None;
    let mut after = None;
    let latest = |sock: Option<SockName>, kinds: &[Call]| {
        sock.and_then(|s| cause::latest(calls, s, kinds, t))
    };
    let connect_of = |sock| latest(sock, &[Call::Connect]);
    // A bare SYN of `syn` comes to a lab listener from outside the lab (a
    // TEST-NET-1 source), and the listener's SYN-ACK goes back there: both
    // belong to the `syn` call, as a client's handshake to its connect.
    let (outside, listener) = if h.flags & flag::ACK == 0 {
        (h.src, ends.to)
    } else {
        (h.dst, ends.from)
    };
    let syn_of = || crate::lab::syn::number(outside).and_then(|_| latest(listener, &[Call::Syn]));

    if syn {
        let again = conn.sides[me].isn == Some(h.seq);
        conn.sides[me].isn = Some(h.seq);
        conn.sides[me].wscale = h.wscale;
        conn.sides[me].next = 1;
        let client = if h.flags & flag::ACK == 0 {
            ends.from
        } else {
            ends.to
        };
        let opener = connect_of(client).or_else(syn_of);
        match (again, h.flags & flag::ACK != 0) {
            (true, false) => {
                kernel = Some(Kernel::SynRetransmission);
                after = opener;
            }
            (true, true) => {
                kernel = Some(Kernel::SynAckRetransmission);
                after = opener;
            }
            (false, _) => cause = opener,
        }
    }
    // Without the SYN (capture began later), the first number seen is the base.
    let isn = *conn.sides[me].isn.get_or_insert(h.seq.wrapping_sub(1));
    let peer_isn = conn.sides[1 - me].isn;
    let rel_seq = h.seq.wrapping_sub(isn);
    let rel_ack = peer_isn.map_or(h.ack, |p| h.ack.wrapping_sub(p));
    let wscale = if conn.scaled() {
        conn.sides[me].wscale
    } else {
        None
    };
    let win = if syn {
        u32::from(h.win_raw)
    } else {
        // RFC 7323: a scale above 14 is taken as 14 (and a shift past 31 would overflow).
        u32::from(h.win_raw) << wscale.unwrap_or(0).min(14)
    };
    let has_ack = h.flags & flag::ACK != 0;
    let fin = h.flags & flag::FIN != 0;
    let rst = h.flags & flag::RST != 0;
    let end = rel_seq.wrapping_add(h.len).wrapping_add(u32::from(fin));
    let side = conn.sides[me].clone();
    let peer = conn.sides[1 - me].clone();
    let new_ack = has_ack && side.last_ack.is_none_or(|a| seq_after(rel_ack, a));

    if syn {
        // Classified above.
    } else if rst {
        conn.reset = true;
        cause = latest(ends.from, &[Call::Close]);
        if cause.is_none() {
            kernel = Some(Kernel::Reset);
        }
    } else if h.len > 0 || fin {
        if !seq_after(end, side.next) {
            kernel = Some(Kernel::Retransmission);
            after = data_call(&mut conn.sides[me], ends.from, rel_seq, calls)
                .or_else(|| latest(ends.from, &[Call::Close, Call::Shutdown]));
        } else if h.len > 0 {
            cause = data_call(&mut conn.sides[me], ends.from, rel_seq, calls);
        } else {
            cause = latest(ends.from, &[Call::Close, Call::Shutdown]);
        }
        if fin {
            conn.sides[me].fin_at = Some(end.wrapping_sub(1));
        }
    } else if peer.last_ack.is_some_and(|a| rel_seq.wrapping_add(1) == a)
        && side.next == peer.last_ack.unwrap_or(0)
    {
        // One byte before what the peer acknowledged, nothing in it: a probe.
        kernel = Some(if peer.last_win == Some(0) {
            Kernel::ZeroWindowProbe
        } else {
            Kernel::Keepalive
        });
        conn.sides[me].probed = true;
    } else if has_ack && side.last_ack.is_none() && peer.next == 1 && rel_ack == 1 {
        // The handshake's third segment.
        cause = connect_of(ends.from);
    } else if new_ack {
        cause = acked_call(&mut conn.sides[1 - me], ends.to, rel_ack, calls);
    } else if side.last_win.is_some_and(|w| w != win) {
        kernel = Some(Kernel::WindowUpdate);
        after = latest(ends.from, &[Call::Recv, Call::RecvAll, Call::Drain]);
    } else if peer.probed {
        kernel = Some(Kernel::ProbeAck);
    } else {
        kernel = Some(Kernel::DuplicateAck);
    }
    if h.len > 0 || fin {
        conn.sides[1 - me].probed = false;
    }
    if !syn
        && h.len == 0
        && !fin
        && kernel != Some(Kernel::ZeroWindowProbe)
        && kernel != Some(Kernel::Keepalive)
    {
        conn.sides[1 - me].probed = false;
    }
    let s = &mut conn.sides[me];
    if seq_after(end, s.next) {
        s.next = end;
    }
    if has_ack && !rst {
        s.last_ack = Some(rel_ack);
        s.last_win = Some(win);
    }
    Segment {
        t,
        conn: conn.id,
        from: ends.from,
        to: ends.to,
        src_end: h.src.into(),
        dst_end: h.dst.into(),
        flags: h.flags,
        seq: rel_seq,
        ack: if has_ack { rel_ack } else { 0 },
        len: h.len,
        win,
        win_raw: h.win_raw,
        wscale,
        cause,
        kernel,
        after,
        link: None,
    }
}

/// Whether `a` comes after `b` in sequence space.
fn seq_after(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// The send whose bytes start at relative sequence number `rel_seq`
/// (byte `rel_seq - 1` of the stream: the SYN takes number 0).
fn data_call(
    side: &mut Side,
    sock: Option<SockName>,
    rel_seq: u32,
    calls: &dyn CallSource,
) -> Option<CallRef> {
    let sock = sock?;
    let offset = u64::from(rel_seq.wrapping_sub(1));
    // The send found last time holds these bytes too: one that returned,
    // when they lie within its count; one still running, when it runs yet
    // (a bulk send's segments all ask while it does).
    if let Some(r) = side.last_send.as_deref()
        && offset >= r.start
        && r.end
            .map_or_else(|| calls.running(r.call.seq), |e| offset < e)
    {
        return Some(r.call);
    }
    let found = cause::send_at(calls, sock, offset);
    side.last_send = found.map(Box::new);
    found.map(|r| r.call)
}

/// The call whose segment an ACK answers: the send of the last byte it
/// acknowledges, or the close or shutdown whose FIN it acknowledges.
fn acked_call(
    peer: &mut Side,
    peer_sock: Option<SockName>,
    rel_ack: u32,
    calls: &dyn CallSource,
) -> Option<CallRef> {
    if peer.fin_at.is_some_and(|f| f.wrapping_add(1) == rel_ack) {
        let sock = peer_sock?;
        return cause::latest(
            calls,
            sock,
            &[Call::Close, Call::Shutdown],
            Duration::MAX / 2,
        );
    }
    data_call(peer, peer_sock, rel_ack.wrapping_sub(1), calls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{CallMark, Role};

    fn header(src: SocketAddr, dst: SocketAddr, flags: u8, seq: u32, len: u32) -> TcpHeader {
        TcpHeader {
            src,
            dst,
            flags,
            seq,
            ack: 0,
            win_raw: 512,
            len,
            wscale: None,
        }
    }

    fn mark(seq: u64, call: Call, ms: u64, ret: Option<u64>) -> CallMark {
        CallMark {
            seq,
            sock: SockName::new(Role::Client, 1),
            call,
            part_of: None,
            began: Duration::from_millis(ms),
            ret,
        }
    }

    #[test]
    fn ended_connections_are_forgotten_past_a_bound() {
        let server: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let ends = Ends {
            from: None,
            to: None,
        };
        let calls: Vec<CallMark> = Vec::new();
        let mut flows = Flows::default();
        let t = Duration::ZERO;
        for i in 0..5_000u32 {
            let client = SocketAddr::from(([127, 0, 0, 1], 10_000 + (i % 3_000) as u16));
            flows.segment(
                &header(client, server, flag::SYN, i * 7, 0),
                t,
                ends,
                &calls,
            );
            let rst = header(server, client, flag::RST | flag::ACK, 0, 0);
            flows.segment(&rst, t, ends, &calls);
        }
        assert!(flows.len() <= ENDED_KEPT, "{} followed", flows.len());
        assert!(flows.order.len() <= 2 * flows.len() + 1024 + 1);
        // One still open is followed whatever ends after it.
        let open = SocketAddr::from(([127, 0, 0, 2], 40_000));
        let first = flows.segment(&header(open, server, flag::SYN, 1, 0), t, ends, &calls);
        for i in 0..2_000u32 {
            let client = SocketAddr::from(([127, 0, 0, 3], 20_000 + i as u16));
            flows.segment(&header(client, server, flag::SYN, i, 0), t, ends, &calls);
            let rst = header(server, client, flag::RST | flag::ACK, 0, 0);
            flows.segment(&rst, t, ends, &calls);
        }
        let data = header(open, server, flag::ACK | flag::PSH, 2, 10);
        assert_eq!(flows.segment(&data, t, ends, &calls).conn, first.conn);
    }

    #[test]
    fn a_running_send_holds_its_bytes_until_it_returns() {
        let (c, a): (SocketAddr, SocketAddr) = (
            "127.0.0.1:40000".parse().unwrap(),
            "127.0.0.1:5000".parse().unwrap(),
        );
        let ends = Ends {
            from: Some(SockName::new(Role::Client, 1)),
            to: Some(SockName::new(Role::Accepted, 1)),
        };
        let t = Duration::from_millis(30);
        let mut calls = vec![
            mark(1, Call::Connect, 0, Some(0)),
            mark(2, Call::Send, 10, None),
        ];
        let mut flows = Flows::default();
        flows.segment(&header(c, a, flag::SYN, 1000, 0), t, ends, &calls);
        let data = |flows: &mut Flows, calls: &Vec<CallMark>, seq: u32| {
            let h = header(c, a, flag::ACK | flag::PSH, seq, 100);
            flows.segment(&h, t, ends, calls).cause.map(|c| c.seq)
        };
        assert_eq!(data(&mut flows, &calls, 1001), Some(2));
        assert_eq!(data(&mut flows, &calls, 1101), Some(2));
        // #2 returns having taken 150 bytes; #3 sends the rest.
        calls[1].ret = Some(150);
        calls.push(mark(3, Call::Send, 20, None));
        assert_eq!(data(&mut flows, &calls, 1201), Some(3));
    }
}
