//! A step's listeners, their accept queue and SYN queue over time, drawn
//! from the kernel views sampled during the run: one panel per listener,
//! the accept queue solid, the SYN queue dashed, and what each holds at
//! most dotted and said in words.

use super::svg::{Anchor, Axes, Stroke, Svg, trim};
use crate::kernel::{Snapshot, ViewRole};
use crate::lab::SockName;

/// The most listeners one figure draws.
const MOST_PANELS: usize = 4;

/// One listener's queues at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSample {
    /// Seconds since the lab started, in microseconds.
    pub t_us: u64,
    /// The listener.
    pub listener: SockName,
    /// Connections in the accept queue.
    pub accept_queue: u32,
    /// The effective backlog: the queue holds one more.
    pub accept_queue_max: u32,
    /// SYN-RECV entries.
    pub syn_recv: u32,
    /// The most SYN-RECV entries the kernel keeps, when known.
    pub syn_queue_limit: Option<u32>,
}

impl QueueSample {
    /// The listeners' queues in a kernel view.
    pub fn from_snapshot(snap: &Snapshot) -> Vec<QueueSample> {
        snap.sockets
            .iter()
            .filter(|s| s.role == ViewRole::Listener && !s.closed)
            .filter_map(|s| {
                Some(QueueSample {
                    t_us: snap.t.as_micros() as u64,
                    listener: s.id?,
                    accept_queue: s.accept_queue()?,
                    accept_queue_max: s.accept_queue_max()?,
                    syn_recv: s.syn_recv().unwrap_or(0),
                    syn_queue_limit: s.syn_queue().as_ref().map(|q| q.syn_queue_limit),
                })
            })
            .collect()
    }

    fn t(&self) -> f64 {
        self.t_us as f64 / 1e6
    }
}

/// The figure of these samples (one step's, oldest first), `start` the
/// step's beginning in seconds since the lab started; `None` without any.
pub fn queues(samples: &[QueueSample], title: &str, start: f64, end: f64) -> Option<String> {
    let mut listeners: Vec<SockName> = Vec::new();
    for s in samples {
        if !listeners.contains(&s.listener) {
            listeners.push(s.listener);
        }
    }
    if listeners.is_empty() {
        return None;
    }
    let drawn = &listeners[..listeners.len().min(MOST_PANELS)];
    let panel = 220.0;
    let height = 110.0 + panel * drawn.len() as f64 + 20.0;
    let mut svg = Svg::new(900.0, height, title);
    svg.text((12.0, 22.0), title, Anchor::Start, 15.0, true);
    legend(&mut svg);
    let span = (end - start).max(0.1);
    for (i, l) in drawn.iter().enumerate() {
        let mine: Vec<&QueueSample> = samples.iter().filter(|s| s.listener == *l).collect();
        let holds = mine
            .iter()
            .map(|s| s.accept_queue_max + 1)
            .max()
            .unwrap_or(1);
        let syn_limit = mine.iter().filter_map(|s| s.syn_queue_limit).max();
        let most = mine
            .iter()
            .map(|s| s.accept_queue.max(s.syn_recv))
            .chain([holds])
            .chain(syn_limit.filter(|n| *n <= holds * 2))
            .max()
            .unwrap_or(1);
        let axes = Axes {
            left: 100.0,
            top: 110.0 + panel * i as f64,
            width: 620.0,
            height: panel - 70.0,
            x: (0.0, span),
            // A little below 0, so that an empty queue's line shows
            // above the frame.
            y: (-0.06 * f64::from(most) - 0.1, f64::from(most) * 1.15 + 0.5),
        };
        axes.draw(
            &mut svg,
            ("time since the step began (s)", "connections"),
            |v| {
                if v.fract() == 0.0 && v >= 0.0 {
                    trim(v)
                } else {
                    String::new()
                }
            },
            false,
        );
        let right = axes.left + axes.width;
        svg.text(
            (axes.left, axes.top - 8.0),
            &format!("{l}"),
            Anchor::Start,
            13.0,
            true,
        );
        let limit = |svg: &mut Svg, n: u32, words: String| {
            let (_, y) = axes.at(0.0, f64::from(n));
            svg.line((axes.left, y), (right, y), Stroke::DOTTED);
            svg.text((right + 6.0, y + 4.0), &words, Anchor::Start, 11.0, false);
        };
        limit(&mut svg, holds, format!("accept queue full: {holds}"));
        if let Some(n) = syn_limit.filter(|n| f64::from(*n) <= axes.y.1) {
            let words = format!("SYN queue limit: {n}");
            let (_, y) = axes.at(0.0, f64::from(n));
            svg.line((axes.left, y), (right, y), Stroke::DOTTED);
            // Apart from the other limit's words when they would overlap.
            let y = if n == holds { y + 18.0 } else { y + 4.0 };
            svg.text((right + 6.0, y), &words, Anchor::Start, 11.0, false);
        }
        let line = |pick: fn(&QueueSample) -> u32| {
            let mut pts: Vec<(f64, f64)> = Vec::new();
            for s in &mine {
                let p = axes.at((s.t() - start).clamp(0.0, span), f64::from(pick(s)));
                if let Some(&(_, y)) = pts.last() {
                    pts.push((p.0, y));
                }
                pts.push(p);
            }
            if let Some(&(_, y)) = pts.last() {
                pts.push((right, y));
            }
            pts
        };
        svg.polyline(&line(|s| s.syn_recv), Stroke::DASHED.wide(2.0));
        svg.polyline(&line(|s| s.accept_queue), Stroke::SOLID.wide(2.5));
    }
    if listeners.len() > drawn.len() {
        svg.text(
            (12.0, height - 8.0),
            &format!(
                "… {} more listeners, not drawn",
                listeners.len() - drawn.len()
            ),
            Anchor::Start,
            11.0,
            false,
        );
    }
    Some(svg.finish())
}

fn legend(svg: &mut Svg) {
    let y = 52.0;
    svg.line((100.0, y - 4.0), (126.0, y - 4.0), Stroke::SOLID.wide(2.5));
    svg.text(
        (132.0, y),
        "accept queue: handshakes done, waiting for accept()",
        Anchor::Start,
        11.0,
        false,
    );
    svg.line((480.0, y - 4.0), (506.0, y - 4.0), Stroke::DASHED.wide(2.0));
    svg.text(
        (512.0, y),
        "SYN queue: half-open (SYN-RECV)",
        Anchor::Start,
        11.0,
        false,
    );
    svg.line((100.0, y + 16.0), (126.0, y + 16.0), Stroke::DOTTED);
    svg.text(
        (132.0, y + 20.0),
        "the most the queue holds",
        Anchor::Start,
        11.0,
        false,
    );
    svg.text(
        (480.0, y + 20.0),
        "read from the kernel every 100 ms",
        Anchor::Start,
        11.0,
        false,
    );
}
