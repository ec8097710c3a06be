//! Folding bulk data for the ladder: a run of data segments one way and
//! the plain ACKs that answer them becomes one line ("120 data segments,
//! 1.5 MB, A1 win 64 KB → 0", the window written "win" as a single
//! segment's row writes it, after the name of the end that offered it:
//! the receiver, whose ACKs carried it), so the segments worth reading (the
//! handshake, probes, window updates, FINs) stay in view.

use super::segment::{CallRef, Segment};

/// The fewest data segments a run needs to be folded.
pub const FOLD_AT: usize = 4;

/// On the lab's link, a pause this long in a run's data ends the run: the
/// next data is a burst of its own (slow start's 10, 20, 40 segments, one
/// a round trip), not folded with the one before.
pub const BURST_GAP: std::time::Duration = std::time::Duration::from_millis(100);

/// One line of the ladder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// One segment, by its index in the slice folded.
    One(usize),
    /// A run of data segments and the ACKs answering them.
    Bulk(Bulk),
}

/// A folded run of data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bulk {
    /// Index of the run's first segment.
    pub first: usize,
    /// Index of its last segment.
    pub last: usize,
    /// Data segments in it.
    pub data: usize,
    /// Plain ACKs in it (the other way).
    pub acks: usize,
    /// Data bytes.
    pub bytes: u64,
    /// The window the receiver advertised in the first and the last ACK of
    /// the run (bytes); `None` when the run has no ACK.
    pub window: Option<(u32, u32)>,
    /// The call that sent the data, when one call sent all of it.
    pub cause: Option<CallRef>,
    /// Segments of the run still on the lab's link (not arrived yet).
    pub in_flight: usize,
}

/// Whether a segment may sit inside a fold: data from `from`, or a plain
/// ACK back to it, with nothing the kernel did on its own.
fn foldable(
    s: &Segment,
    dir: (Option<crate::lab::SockName>, std::net::SocketAddr),
) -> Option<bool> {
    if s.kernel.is_some() || dropped(s) {
        return None;
    }
    if s.is_data() && (s.from, s.src()) == dir {
        return Some(true);
    }
    let plain_ack = s.len == 0 && s.flags == super::parse::flag::ACK;
    (plain_ack && (s.to, s.dst()) == dir).then_some(false)
}

/// Whether the lab's link dropped it: a drop is a line of its own.
fn dropped(s: &Segment) -> bool {
    s.link.as_deref().is_some_and(|c| c.dropped.is_some())
}

/// The ladder's lines for these segments, oldest first.
pub fn fold(segs: &[Segment]) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut i = 0;
    // Bounded: each pass moves `i` forward by at least one.
    while i < segs.len() {
        let s = &segs[i];
        if !(s.is_data() && s.kernel.is_none()) || dropped(s) {
            rows.push(Row::One(i));
            i += 1;
            continue;
        }
        let dir = (s.from, s.src());
        let mut j = i;
        let mut bulk = Bulk {
            first: i,
            last: i,
            data: 0,
            acks: 0,
            bytes: 0,
            window: None,
            cause: s.cause,
            in_flight: 0,
        };
        let mut last_data = s.t;
        while j < segs.len() && segs[j].conn == s.conn {
            match foldable(&segs[j], dir) {
                Some(true)
                    if j > i
                        && segs[j].link.is_some()
                        && segs[j].t.saturating_sub(last_data) >= BURST_GAP =>
                {
                    break;
                }
                Some(true) => {
                    last_data = segs[j].t;
                    bulk.data += 1;
                    bulk.bytes += u64::from(segs[j].len);
                    if segs[j].cause != bulk.cause {
                        bulk.cause = None;
                    }
                }
                Some(false) => {
                    bulk.acks += 1;
                    let w = segs[j].win;
                    bulk.window = Some(bulk.window.map_or((w, w), |(a, _)| (a, w)));
                }
                None => break,
            }
            if segs[j].link.as_deref().is_some_and(|c| c.in_flight()) {
                bulk.in_flight += 1;
            }
            bulk.last = j;
            j += 1;
        }
        if bulk.data >= FOLD_AT {
            rows.push(Row::Bulk(bulk));
            i = j;
        } else {
            rows.push(Row::One(i));
            i += 1;
        }
    }
    rows
}

/// A byte count as people read it: `1.5 MB`, `64 KB`, `900 B`.
pub fn bytes_text(n: u64) -> String {
    const K: f64 = 1024.0;
    let f = n as f64;
    if f >= K * K * K {
        format!("{:.1} GB", f / (K * K * K))
    } else if f >= K * K {
        format!("{:.1} MB", f / (K * K))
    } else if f >= K {
        format!("{:.0} KB", f / K)
    } else {
        format!("{n} B")
    }
}

impl Bulk {
    /// "120 data segments, 1.5 MB, A1 win 64 KB → 0", where `receiver`
    /// ("A1") names the end whose ACKs offered the window. On a data
    /// segment's own row "win" is the window its sender offers; here the
    /// window is the other end's, so it is named.
    pub fn text(&self, receiver: &str) -> String {
        self.text_with(bytes_text, receiver)
    }

    /// As [`Bulk::text`], with sizes written by `size`: a screen writes
    /// them as its panes do ("48k").
    pub fn text_with(&self, size: fn(u64) -> String, receiver: &str) -> String {
        let win = if receiver.is_empty() {
            "win".to_string()
        } else {
            format!("{receiver} win")
        };
        let mut s = format!("{} data segments, {}", self.data, size(self.bytes));
        if let Some((a, b)) = self.window {
            let w = |x: u32| {
                if x == 0 {
                    "0".to_string()
                } else {
                    size(u64::from(x))
                }
            };
            if a == b {
                s.push_str(&format!(", {win} {}", w(a)));
            } else {
                s.push_str(&format!(", {win} {} → {}", w(a), w(b)));
            }
        }
        if self.in_flight > 0 {
            s.push_str(&format!(", {} in flight", self.in_flight));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{Call, Role, SockName};
    use crate::wire::parse::flag;
    use std::time::Duration;

    fn seg(from: SockName, to: SockName, flags: u8, len: u32, win: u32) -> Segment {
        Segment {
            flags,
            cause: Some(CallRef {
                seq: 7,
                call: Call::Send,
            }),
            ..crate::wire::segment::between(0, from, to, len, win)
        }
    }

    #[test]
    fn a_run_of_data_folds_into_one_line_and_probes_stay_apart() {
        let c1 = SockName::new(Role::Client, 1);
        let a1 = SockName::new(Role::Accepted, 1);
        let mut segs = vec![seg(c1, a1, flag::SYN, 0, 65535)];
        for i in 0..6u32 {
            segs.push(seg(c1, a1, flag::ACK | flag::PSH, 1448, 65536));
            segs.push(seg(a1, c1, flag::ACK, 0, 65536 - 16384 * (i.min(4))));
        }
        let mut probe = seg(c1, a1, flag::ACK, 0, 65536);
        probe.kernel = Some(crate::wire::Kernel::ZeroWindowProbe);
        probe.cause = None;
        segs.push(probe);
        let rows = fold(&segs);
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(rows[0], Row::One(0));
        let Row::Bulk(b) = &rows[1] else {
            panic!("{rows:?}")
        };
        assert_eq!((b.data, b.acks, b.bytes), (6, 6, 6 * 1448));
        assert_eq!(b.window, Some((65536, 0)));
        assert_eq!(b.cause.map(|c| c.seq), Some(7));
        assert_eq!(b.text("A1"), "6 data segments, 8 KB, A1 win 64 KB → 0");
        assert_eq!(rows[2], Row::One(13));
    }

    /// Slow start on the lab's link: ten segments, a round trip of
    /// silence, then twenty (the ACKs of the ten among them): two lines,
    /// one a burst, so the ladder shows what each round trip sent. On the
    /// loopback a pause does not split a run.
    #[test]
    fn a_burst_a_round_trip_later_is_a_line_of_its_own_on_the_link() {
        let c1 = SockName::new(Role::Client, 1);
        let a1 = SockName::new(Role::Accepted, 1);
        let at = |mut s: Segment, ms: u64, link: bool| {
            s.t = Duration::from_millis(ms);
            if link {
                s.link = Some(Box::new(crate::wire::segment::Crossing {
                    id: 0,
                    to_server: s.from == Some(c1),
                    arrived: Some(s.t),
                    dropped: None,
                }));
            }
            s
        };
        let burst = |link: bool| {
            let mut segs: Vec<Segment> = (0..10)
                .map(|_| at(seg(c1, a1, flag::ACK, 1448, 65536), 0, link))
                .collect();
            for k in 0..10 {
                segs.push(at(seg(a1, c1, flag::ACK, 0, 65536), 1000, link));
                for _ in 0..2 {
                    segs.push(at(seg(c1, a1, flag::ACK, 1448, 65536), 1000 + k, link));
                }
            }
            segs
        };
        let rows = fold(&burst(true));
        let data: Vec<usize> = rows
            .iter()
            .map(|r| match r {
                Row::Bulk(b) => b.data,
                Row::One(_) => 1,
            })
            .collect();
        assert_eq!(data, [10, 20], "{rows:?}");
        let Row::Bulk(first) = &rows[0] else {
            panic!("{rows:?}")
        };
        assert_eq!(first.text(""), "10 data segments, 14 KB, win 64 KB");
        let rows = fold(&burst(false));
        assert_eq!(rows.len(), 1, "{rows:?}");
    }

    #[test]
    fn a_few_data_segments_stay_one_line_each() {
        let c1 = SockName::new(Role::Client, 1);
        let a1 = SockName::new(Role::Accepted, 1);
        let segs: Vec<_> = (0..3).map(|_| seg(c1, a1, flag::ACK, 100, 1000)).collect();
        assert_eq!(fold(&segs), vec![Row::One(0), Row::One(1), Row::One(2)]);
        assert_eq!(bytes_text(1536 * 1024), "1.5 MB");
    }
}
