//! A connection's time-sequence graph, as tcptrace and Wireshark draw it:
//! the bytes a sender sent (a vertical bar per segment, from its first
//! sequence number to its last), what the receiver acknowledged (a stair),
//! and the edge of the receiver's window (acknowledged + window, dashed):
//! the sender may not go past it. Zero-window probes are circled and
//! retransmissions marked `R`.

use super::svg::{Anchor, Axes, Stroke, Svg, bytes_tick};
use crate::wire::parse::flag;
use crate::wire::segment::{Kernel, Segment};

/// The most data segments drawn one by one; past it, every n-th.
const MOST_BARS: usize = 3000;

/// The graph of the connection in `segs` that carried the most data, one
/// way, over the step from `start` to `end` (seconds since the lab started).
/// `None` when no segment carried data.
pub fn time_sequence(segs: &[Segment], title: &str, (start, end): (f64, f64)) -> Option<String> {
    // The busiest connection and direction.
    let mut bytes: Vec<((u32, std::net::SocketAddr), u64)> = Vec::new();
    // A probe counts as a byte: a step of probes alone has its graph too.
    for s in segs.iter().filter(|s| s.is_data() || is_probe(s)) {
        let key = (s.conn, s.src());
        let n = u64::from(s.len.max(1));
        match bytes.iter_mut().find(|(k, _)| *k == key) {
            Some((_, total)) => *total += n,
            None => bytes.push((key, n)),
        }
    }
    let ((conn, sender), _) = *bytes.iter().max_by_key(|(_, n)| *n)?;
    let data: Vec<&Segment> = segs
        .iter()
        .filter(|s| s.conn == conn && s.src() == sender && (s.is_data() || is_probe(s)))
        .collect();
    let acks: Vec<&Segment> = segs
        .iter()
        .filter(|s| s.conn == conn && s.dst() == sender && s.has(flag::ACK))
        .collect();
    let first = data.first()?;
    let (from, to) = (first.from_text(), first.to_text());
    let t = |s: &Segment| s.t.as_secs_f64() - start;
    // The whole step, so a lone probe shows when in it it came.
    let t0 = data.iter().chain(&acks).map(|s| t(s)).fold(0.0, f64::min);
    let t1 = data
        .iter()
        .chain(&acks)
        .map(|s| t(s))
        .fold(end - start, f64::max);
    let top = data
        .iter()
        .map(|s| f64::from(s.seq.wrapping_add(s.len)))
        .chain(acks.iter().map(|s| f64::from(s.ack) + f64::from(s.win)))
        .fold(1.0, f64::max);
    let bottom = data.iter().map(|s| f64::from(s.seq)).fold(top, f64::min);
    let pad = ((t1 - t0) * 0.03).max(0.005);
    let axes = Axes {
        left: 110.0,
        top: 96.0,
        width: 760.0,
        height: 330.0,
        x: (t0 - pad, t1 + pad),
        y: (bottom.min(top * 0.95).max(0.0), top * 1.04),
    };
    let mut svg = Svg::new(900.0, 500.0, title);
    svg.text((12.0, 22.0), title, Anchor::Start, 15.0, true);
    legend(&mut svg, &from, &to);
    axes.draw(
        &mut svg,
        (
            "time since the step began (s)",
            &format!("{from}'s sequence number (bytes)"),
        ),
        bytes_tick,
        true,
    );
    // The window's edge and what was acknowledged, as stairs in time.
    let mut acked = Vec::new();
    let mut edge = Vec::new();
    let mut zero_said = false;
    for a in &acks {
        let x = t(a);
        let (ack, right) = (f64::from(a.ack), f64::from(a.ack) + f64::from(a.win));
        stair(&mut acked, axes.at(x, ack));
        stair(&mut edge, axes.at(x, right));
        if a.win == 0 && !zero_said {
            zero_said = true;
            let p = axes.at(x, ack);
            // Told on the side with room.
            let (dx, anchor) = if p.0 > axes.left + axes.width / 2.0 {
                (-4.0, Anchor::End)
            } else {
                (4.0, Anchor::Start)
            };
            let words = "window 0: the edge meets what is acknowledged";
            svg.text((p.0 + dx, p.1 + 16.0), words, anchor, 10.0, false);
        }
    }
    let end = axes.at(t1 + pad, 0.0).0;
    for line in [&mut acked, &mut edge] {
        if let Some(&(_, y)) = line.last() {
            line.push((end, y));
        }
    }
    svg.polyline(&edge, Stroke::DASHED);
    svg.polyline(&acked, Stroke::SOLID.grey(110).wide(2.0));
    let every = data.len().div_ceil(MOST_BARS).max(1);
    for (i, s) in data.iter().enumerate() {
        let x = t(s);
        if is_probe(s) {
            let p = axes.at(x, f64::from(s.seq));
            svg.circle(p, 5.0, Stroke::SOLID.wide(1.5));
            svg.text((p.0, p.1 - 9.0), "probe", Anchor::Middle, 10.0, false);
            continue;
        }
        if i % every != 0 && s.kernel.is_none() {
            continue;
        }
        let lo = axes.at(x, f64::from(s.seq));
        let hi = axes.at(x, f64::from(s.seq.wrapping_add(s.len)));
        svg.line(lo, (hi.0, hi.1.min(lo.1 - 1.5)), Stroke::SOLID.wide(1.5));
        if s.kernel == Some(Kernel::Retransmission) {
            svg.text((hi.0, hi.1 - 4.0), "R", Anchor::Middle, 10.0, true);
        }
    }
    Some(svg.finish())
}

fn is_probe(s: &Segment) -> bool {
    s.kernel == Some(Kernel::ZeroWindowProbe)
}

/// Adds a point to a stair: across at the old height, then up or down.
fn stair(line: &mut Vec<(f64, f64)>, p: (f64, f64)) {
    if let Some(&(_, y)) = line.last() {
        line.push((p.0, y));
    }
    line.push(p);
}

fn legend(svg: &mut Svg, from: &str, to: &str) {
    let y = 48.0;
    let mut x = 100.0;
    svg.line((x, y - 10.0), (x, y + 2.0), Stroke::SOLID.wide(1.5));
    svg.text(
        (x + 8.0, y),
        &format!("a segment {from} → {to}: its bytes"),
        Anchor::Start,
        11.0,
        false,
    );
    x += 250.0;
    svg.line(
        (x, y - 4.0),
        (x + 26.0, y - 4.0),
        Stroke::SOLID.grey(110).wide(2.0),
    );
    svg.text(
        (x + 32.0, y),
        &format!("acknowledged by {to}"),
        Anchor::Start,
        11.0,
        false,
    );
    x += 190.0;
    svg.line((x, y - 4.0), (x + 26.0, y - 4.0), Stroke::DASHED);
    svg.text(
        (x + 32.0, y),
        "window edge: acknowledged + window",
        Anchor::Start,
        11.0,
        false,
    );
    let y = y + 20.0;
    svg.circle((105.0, y - 4.0), 5.0, Stroke::SOLID.wide(1.5));
    svg.text((116.0, y), "zero-window probe", Anchor::Start, 11.0, false);
    svg.text((350.0, y), "R", Anchor::Start, 11.0, true);
    svg.text((362.0, y), "retransmission", Anchor::Start, 11.0, false);
}
