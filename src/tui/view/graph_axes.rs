//! The time-sequence graph's axes: labels that show whole in the width the
//! graph has. ratatui's chart gives the last time label half the plot's
//! width and cuts a longer one from the left (`48.38s` read `8.38s`, an end
//! earlier than the start), and gives the labels left of the axis at most a
//! third of the width. So the times are written with as many decimals as
//! fit (two, one, none), the axis widened to the rounding so that each
//! label is the time at its end; the sizes as the other panes write them
//! (`119.3k`), else rounded up to whole KiB or MiB, the axis with them
//! (`120k`); and a label that would still be cut is left out rather than
//! shown in part.

use super::format;

/// What the graph's axes show: their bounds and their labels (none, or
/// the two ends).
#[derive(Debug, Clone, PartialEq)]
pub struct Axes {
    /// Seconds at the left and right ends.
    pub x: [f64; 2],
    /// The times written at the ends (`48.38s`), or none.
    pub x_labels: Vec<String>,
    /// Sequence numbers at the bottom and top.
    pub y: [f64; 2],
    /// The byte counts written at the ends (`64k`), or none.
    pub y_labels: Vec<String>,
}

/// The axes of a graph `width` cells wide (inside its border) over the
/// times `x` and sequence numbers `y`.
pub fn fit(width: u16, x: [f64; 2], y: [f64; 2]) -> Axes {
    let exact = vec![format::size(y[0] as u64), format::size(y[1] as u64)];
    // Rounded up to whole KiB or MiB (`120k` for 119.3k), the axis with it.
    let unit = if y[1] >= 1_048_576.0 {
        1_048_576.0
    } else {
        1024.0
    };
    let top = (y[1] / unit).ceil() * unit;
    let whole_units = vec![format::size(y[0] as u64), format::size(top as u64)];
    let choices = [(y, exact), ([y[0], top], whole_units), (y, Vec::new())];
    for (y_bounds, y_labels) in choices {
        for decimals in [2, 1, 0] {
            let (bounds, labels) = times(x, decimals);
            if whole(width, &y_labels, &labels) {
                return Axes {
                    x: bounds,
                    x_labels: labels,
                    y: y_bounds,
                    y_labels,
                };
            }
        }
    }
    Axes {
        x,
        x_labels: Vec::new(),
        y,
        y_labels: Vec::new(),
    }
}

/// The time bounds rounded outwards to `decimals`, and their labels.
fn times(x: [f64; 2], decimals: usize) -> ([f64; 2], Vec<String>) {
    let scale = 10f64.powi(decimals as i32);
    let lo = (x[0] * scale).floor() / scale;
    let mut hi = (x[1] * scale).ceil() / scale;
    if hi <= lo {
        hi = lo + 1.0 / scale;
    }
    let labels = vec![format!("{lo:.decimals$}s"), format!("{hi:.decimals$}s")];
    ([lo, hi], labels)
}

/// Whether ratatui's chart, `width` cells wide, draws every label whole:
/// its layout as `Chart::layout` makes it for x labels aligned left. The
/// labels left of the y axis take the wider of the y labels and the first
/// time (less the axis' column), at most a third of the width; the y axis
/// a column; the last time half of what is left.
fn whole(width: u16, y_labels: &[String], x_labels: &[String]) -> bool {
    let w = |s: &String| s.chars().count() as u16;
    let y_width = y_labels.iter().map(w).max().unwrap_or(0);
    let first = x_labels.first().map_or(0, w);
    let last = x_labels.last().map_or(0, w);
    let has_y = !y_labels.is_empty();
    let left = y_width
        .max(first.saturating_sub(u16::from(has_y)))
        .min(width / 3);
    let axis = u16::from(has_y && left + 1 < width);
    let plot = width.saturating_sub(left + axis);
    plot > 0 && (!has_y || y_width < left + axis) && first <= left + axis && last <= plot / 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::widgets::{Axis, Chart, Widget};

    /// The chart's rows as ratatui draws these axes, `width` wide.
    fn drawn(axes: &Axes, width: u16) -> Vec<String> {
        let chart = Chart::new(Vec::new())
            .x_axis(Axis::default().bounds(axes.x).labels(axes.x_labels.clone()))
            .y_axis(Axis::default().bounds(axes.y).labels(axes.y_labels.clone()));
        let area = Rect::new(0, 0, width, 8);
        let mut buf = Buffer::empty(area);
        chart.render(area, &mut buf);
        (0..area.height)
            .map(|r| (0..width).map(|c| buf[(c, r)].symbol()).collect())
            .collect()
    }

    /// Each label drawn is whole on the chart, whatever the width: the
    /// times of the nagle lesson's two steps and a handful of others.
    #[test]
    fn every_label_shown_is_whole_at_every_width() {
        let cases = [
            ([10.11, 48.378], [0.0, 15.0]),
            ([10.11, 147.15], [0.0, 65536.0]),
            ([0.5, 2.25], [0.0, 1_048_576.0]),
            ([1234.5, 1300.25], [0.0, 101_360.0]),
            ([3.0, 3.0004], [0.0, 9.0]),
            ([12.9, 51.97], [0.0, 122_122.0]),
            ([0.2, 900.5], [0.0, 1_500_000.0]),
        ];
        for width in 8..60u16 {
            for (x, y) in cases {
                let axes = fit(width, x, y);
                let rows = drawn(&axes, width);
                let bottom = &rows[rows.len() - 1];
                for l in &axes.x_labels {
                    assert!(bottom.contains(l.as_str()), "{width}: {l:?} in {rows:#?}");
                }
                for l in &axes.y_labels {
                    assert!(
                        rows.iter().any(|r| r.contains(l.as_str())),
                        "{width}: {l:?} in {rows:#?}"
                    );
                }
            }
        }
    }

    /// At the width 80×24 gives the graph (16 inside its border), the end
    /// of nagle's graph reads 48.4 s, not 8.38 s; later in the lesson,
    /// whole seconds (148 s after 10 s), never an end before the start.
    #[test]
    fn a_narrow_graph_rounds_its_times_rather_than_cut_them() {
        let axes = fit(16, [10.11, 48.378], [0.0, 15.0]);
        assert_eq!(axes.x_labels, ["10.1s", "48.4s"]);
        assert_eq!(axes.x, [10.1, 48.4]);
        let axes = fit(16, [10.11, 147.15], [0.0, 15.0]);
        assert_eq!(axes.x_labels, ["10s", "148s"]);
        // flow-control's 119.3k at the top: whole KiB, the axis to 120k.
        let axes = fit(16, [12.9, 51.97], [0.0, 122_122.0]);
        assert_eq!(axes.y_labels, ["0", "120k"]);
        assert_eq!(axes.y, [0.0, 122_880.0]);
        let wide = fit(36, [10.11, 147.15], [0.0, 65536.0]);
        assert_eq!(wide.x_labels, ["10.11s", "147.15s"]);
        assert_eq!(wide.y_labels, ["0", "64k"]);
    }
}
