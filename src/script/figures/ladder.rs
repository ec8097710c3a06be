//! A step's segments as a ladder: one vertical line per end, time going
//! down, one arrow per segment (or per folded run of bulk data) with its
//! flags, numbers and window above it and what sent it beside it. Arrows
//! the kernel sent on its own are dashed; words say what they were.

use super::svg::{Anchor, Stroke, Svg};
use crate::wire::fold::{Row, fold};
use crate::wire::parse::flag;
use crate::wire::segment::Segment;

/// The most rows a ladder draws; the rest are counted at its foot.
pub const MOST_ROWS: usize = 48;

const ROW: f64 = 30.0;
const TOP: f64 = 70.0;
const LEFT: f64 = 78.0;
const COLUMN: f64 = 150.0;
const WHY: f64 = 250.0;

/// The ladder of `segs` (one step's, oldest first), `start` the step's
/// beginning in seconds since the lab started; `None` without segments.
pub fn ladder(segs: &[Segment], title: &str, start: f64) -> Option<String> {
    if segs.is_empty() {
        return None;
    }
    // The ends, in the order they first appear.
    let mut ends: Vec<String> = Vec::new();
    for s in segs {
        for e in [s.from_text(), s.to_text()] {
            if !ends.contains(&e) {
                ends.push(e);
            }
        }
    }
    let rows = fold(segs);
    let shown = rows.len().min(MOST_ROWS);
    let width = LEFT + COLUMN * (ends.len() as f64 - 1.0).max(1.0) + 40.0 + WHY;
    let height = TOP + ROW * (shown as f64 + 0.5) + 44.0;
    let mut svg = Svg::new(width, height, title);
    svg.text((12.0, 22.0), title, Anchor::Start, 15.0, true);
    svg.text(
        (12.0, 40.0),
        "time goes down; solid: sent by a call of the lab's, dashed: sent by the kernel on its own",
        Anchor::Start,
        11.0,
        false,
    );
    let x_of = |name: &str| LEFT + COLUMN * ends.iter().position(|e| e == name).unwrap_or(0) as f64;
    let foot = TOP + ROW * (shown as f64 + 0.5);
    for e in &ends {
        let x = x_of(e);
        svg.text((x, TOP - 12.0), e, Anchor::Middle, 13.0, true);
        svg.line((x, TOP - 6.0), (x, foot), Stroke::SOLID.wide(1.0).grey(90));
    }
    svg.text(
        (LEFT - 14.0, TOP - 12.0),
        "time (s)",
        Anchor::End,
        11.0,
        false,
    );
    let why_x = x_of(ends.last().map_or("", String::as_str)).max(LEFT + COLUMN) + 24.0;
    for (i, row) in rows.iter().take(shown).enumerate() {
        let y = TOP + ROW * (i as f64 + 0.5);
        let (seg, label, why, bulk) = match row {
            Row::One(k) => {
                let s = &segs[*k];
                (s, label(s), s.why(), false)
            }
            Row::Bulk(b) => {
                let s = &segs[b.first];
                let why = b
                    .cause
                    .map_or_else(|| "several calls".to_string(), |c| c.to_string());
                (
                    s,
                    b.text(&s.to.map(|n| n.to_string()).unwrap_or_default()),
                    why,
                    true,
                )
            }
        };
        let (x1, x2) = (x_of(&seg.from_text()), x_of(&seg.to_text()));
        let t = seg.t.as_secs_f64() - start;
        svg.text(
            (LEFT - 14.0, y + 4.0),
            &format!("{t:.3}"),
            Anchor::End,
            11.0,
            false,
        );
        let stroke = if seg.cause.is_none() && seg.kernel.is_some() {
            Stroke::DASHED
        } else {
            Stroke::SOLID
        };
        let stroke = if bulk { stroke.wide(4.0) } else { stroke };
        // A segment takes time to cross: the arrow slopes down a little.
        svg.arrow((x1, y - 5.0), (x2, y + 5.0), stroke);
        let mid = ((x1 + x2) / 2.0, y - 7.0);
        svg.text(mid, &label, Anchor::Middle, 11.0, false);
        svg.text((why_x, y + 4.0), &why, Anchor::Start, 11.0, false);
    }
    if rows.len() > shown {
        svg.text(
            (12.0, foot + 24.0),
            &format!(
                "… {} more rows, not drawn (the transcript with --wire has them all)",
                rows.len() - shown
            ),
            Anchor::Start,
            11.0,
            false,
        );
    }
    Some(svg.finish())
}

/// What an arrow says: `[S.] seq 0 ack 1 win 65483`, a zero window in words.
fn label(s: &Segment) -> String {
    let mut l = format!("[{}] seq {}", s.flags_short(), s.seq);
    if s.len > 0 {
        l = format!(
            "[{}] seq {}:{}",
            s.flags_short(),
            s.seq,
            s.seq.wrapping_add(s.len)
        );
    }
    if s.has(flag::ACK) {
        l.push_str(&format!(" ack {}", s.ack));
    }
    if s.win == 0 && !s.has(flag::RST) {
        l.push_str(" win 0 (zero window)");
    } else {
        l.push_str(&format!(" win {}", s.win));
    }
    l
}
