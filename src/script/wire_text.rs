//! The wire on paper: the segments of a handout's step as lines of text
//! (`~ C1 → L1  [S]  seq 0  len 0  win 65495  #2 connect`), with a bulk
//! transfer's data and ACKs folded into one line and a step's ladder kept
//! to a page.

use crate::wire::Segment;
use crate::wire::parse::flag;

/// Segments of a bulk run printed one by one before the run is folded.
const RUN_SHOWN: usize = 3;

/// Segments of a run printed one by one where no way carries a bulk
/// transfer's data (a request in pieces, its reply, their ACKs): each is
/// worth reading, as the held piece of a request is.
const EXCHANGE_SHOWN: usize = 10;

/// Lines of segments a step prints before it only counts them.
const STEP_LINES: usize = 24;

/// A bulk transfer in one connection: data one way, ACKs the other.
#[derive(Default)]
struct Run {
    conn: u32,
    /// The first few segments, as lines, while the run is short.
    lines: Vec<String>,
    /// Segments and bytes by direction, in the order first seen.
    ways: Vec<Way>,
    /// The calls that sent the data (`#6 sendall`).
    causes: Vec<String>,
}

struct Way {
    from: String,
    to: String,
    data: usize,
    bytes: u64,
    acks: usize,
}

impl Run {
    fn count(&self) -> usize {
        self.ways.iter().map(|w| w.data + w.acks).sum()
    }

    fn add(&mut self, seg: &Segment, line: String) {
        if self.lines.len() < EXCHANGE_SHOWN {
            self.lines.push(line);
        }
        let (from, to) = (seg.from_text(), seg.to_text());
        let way = match self.ways.iter().position(|w| w.from == from && w.to == to) {
            Some(i) => &mut self.ways[i],
            None => {
                self.ways.push(Way {
                    from,
                    to,
                    data: 0,
                    bytes: 0,
                    acks: 0,
                });
                self.ways.last_mut().expect("just pushed")
            }
        };
        if seg.len > 0 {
            way.data += 1;
            way.bytes += u64::from(seg.len);
        } else {
            way.acks += 1;
        }
        if let Some(c) = seg.cause.map(|c| c.to_string())
            && !self.causes.contains(&c)
        {
            self.causes.push(c);
        }
    }

    /// The run as lines: each segment while it is short, or while it is
    /// an exchange of a few pieces each way; else one line.
    fn lines(self) -> Vec<String> {
        let bulk = self
            .ways
            .iter()
            .any(|w| w.data >= crate::wire::fold::FOLD_AT);
        if self.count() <= RUN_SHOWN || (!bulk && self.count() <= EXCHANGE_SHOWN) {
            return self.lines;
        }
        let ways: Vec<String> = self
            .ways
            .iter()
            .map(|w| {
                let mut parts = Vec::new();
                if w.data > 0 {
                    parts.push(format!("{} data segments, {} bytes", w.data, w.bytes));
                }
                if w.acks > 0 {
                    parts.push(format!("{} ACKs", w.acks));
                }
                format!("{} → {}: {}", w.from, w.to, parts.join(", "))
            })
            .collect();
        let causes = if self.causes.is_empty() {
            String::new()
        } else {
            format!("  ({})", self.causes.join(", "))
        };
        vec![format!("~ {}{causes}", ways.join("; "))]
    }
}

/// A step's segments, ready to print.
#[derive(Default)]
pub struct TextLadder {
    run: Option<Run>,
    ready: Vec<String>,
    printed: usize,
    left_out: usize,
}

/// Whether a segment is part of a bulk transfer: data or a bare ACK that
/// nothing but the flow of data explains (no window shut, no retransmission,
/// no drop on the link).
fn is_bulk(seg: &Segment) -> bool {
    let bare_ack = seg.len == 0 && seg.flags == flag::ACK;
    (seg.is_data() || bare_ack)
        && seg.kernel.is_none()
        && seg.win > 0
        && seg.link.as_deref().and_then(|c| c.dropped).is_none()
}

impl TextLadder {
    /// Takes a segment in.
    pub fn push(&mut self, seg: &Segment) {
        let line = format!("~ {}", seg.line());
        if is_bulk(seg) {
            if self.run.as_ref().is_some_and(|r| r.conn != seg.conn) {
                self.end_run();
            }
            self.run
                .get_or_insert_with(|| Run {
                    conn: seg.conn,
                    ..Run::default()
                })
                .add(seg, line);
            return;
        }
        self.end_run();
        self.ready(vec![line]);
    }

    fn end_run(&mut self) {
        if let Some(run) = self.run.take() {
            let lines = run.lines();
            self.ready(lines);
        }
    }

    fn ready(&mut self, lines: Vec<String>) {
        for l in lines {
            if self.printed < STEP_LINES {
                self.printed += 1;
                self.ready.push(l);
            } else {
                self.left_out += 1;
            }
        }
    }

    /// The lines to print now: all taken in so far, a bulk run folded.
    pub fn take(&mut self) -> Vec<String> {
        self.end_run();
        std::mem::take(&mut self.ready)
    }

    /// The end of a step: what is left, and how many lines were left out.
    pub fn step_end(&mut self) -> Vec<String> {
        let mut lines = self.take();
        if self.left_out > 0 {
            lines.push(format!(
                "~ … {} more lines of segments in this step",
                self.left_out
            ));
        }
        self.printed = 0;
        self.left_out = 0;
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(from_client: bool, len: u32, seq: u32) -> Segment {
        crate::wire::segment::c1_a1(0, from_client, len, seq)
    }

    #[test]
    fn a_request_in_pieces_is_printed_whole_and_a_bulk_transfer_folded() {
        // A reply and its ACK, a request in two pieces and their ACKs.
        let mut ladder = TextLadder::default();
        for s in [
            seg(false, 3, 1),
            seg(true, 0, 1),
            seg(true, 6, 1),
            seg(false, 0, 4),
            seg(true, 9, 7),
            seg(false, 0, 4),
        ] {
            ladder.push(&s);
        }
        let lines = ladder.step_end();
        assert_eq!(lines.len(), 6, "{lines:?}");
        assert!(lines[4].contains("len 9"), "{lines:?}");
        // Eight data segments one way: one line.
        let mut ladder = TextLadder::default();
        for i in 0..8 {
            ladder.push(&seg(true, 1000, 1 + i * 1000));
            ladder.push(&seg(false, 0, 1));
        }
        let lines = ladder.step_end();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].contains("8 data segments, 8000 bytes"),
            "{lines:?}"
        );
    }
}
