//! The lab's own link on one row, above the results: its settings, the
//! bytes in flight each way against the pipe's size (the bandwidth-delay
//! product), the queue at its entry, and its drops; the cable's state.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::lab::sides::LinkView;
use crate::tui::app::App;

/// Cells of the bar that draws the bytes in flight against the pipe.
const BAR: usize = 8;

/// `12.3k`, `800`: a byte count in few cells.
fn bytes(n: u64) -> String {
    match n {
        0..1024 => n.to_string(),
        1024..1_048_576 => format!("{:.1}k", n as f64 / 1024.0),
        _ => format!("{:.1}m", n as f64 / 1_048_576.0),
    }
}

/// The bandwidth-delay product: what the pipe holds in flight each way,
/// the rate times the round trip; none without a rate.
pub fn pipe_bytes(l: &LinkView) -> Option<u64> {
    let bps = l.rate_bps?;
    let round_trip = 2.0 * l.delay_ms / 1000.0;
    Some((bps as f64 * round_trip / 8.0) as u64)
}

/// `▕████░░░░░░▏`: `part` of `whole`, at least one cell when not nothing.
fn bar(part: u64, whole: u64) -> String {
    let cells = if whole == 0 {
        0
    } else {
        ((part as f64 / whole as f64 * BAR as f64).ceil() as usize).min(BAR)
    };
    format!("▕{}{}▏", "█".repeat(cells), "░".repeat(BAR - cells))
}

/// The row's text, for a link: what is drawn, in order, each part with
/// whether it warns.
pub fn text(l: &LinkView) -> Vec<(String, bool)> {
    let rate = l
        .rate_bps
        .map_or_else(|| "no rate".into(), crate::link::settings::rate_text);
    let mut parts = vec![(format!("link {}ms/way {rate}", l.delay_ms), false)];
    if !l.up {
        parts.push((" DOWN (cable pulled)".into(), true));
    }
    let (to_s, to_c) = (&l.to_server, &l.to_client);
    parts.push((
        match pipe_bytes(l) {
            Some(pipe) => format!(
                " │ C→S {} {}/{} pipe",
                bar(to_s.in_flight_bytes, pipe),
                bytes(to_s.in_flight_bytes),
                bytes(pipe)
            ),
            None => format!(" │ C→S {} in flight", bytes(to_s.in_flight_bytes)),
        },
        false,
    ));
    if to_s.queued_bytes > 0 {
        parts.push((format!(", {} queued", bytes(to_s.queued_bytes)), false));
    }
    parts.push((format!(" │ S→C {}", bytes(to_c.in_flight_bytes)), false));
    if to_c.queued_bytes > 0 {
        parts.push((format!(", {} queued", bytes(to_c.queued_bytes)), false));
    }
    let both = l.both();
    if both.dropped() > 0 {
        let why: Vec<String> = [
            ("loss", both.dropped_loss),
            ("queue", both.dropped_queue),
            ("down", both.dropped_down),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(w, n)| format!("{w} {n}"))
        .collect();
        parts.push((
            format!(" │ dropped {} ({})", both.dropped(), why.join(", ")),
            true,
        ));
    }
    parts
}

/// The row's parts in `width` cells, no word or figure cut: where all do
/// not fit, the drops lose their causes, the pulled cable its words, the
/// queued bytes and the server's way go, whole, in that order; then parts
/// from the end.
pub fn fit(mut parts: Vec<(String, bool)>, width: usize) -> Vec<(String, bool)> {
    let len = |p: &[(String, bool)]| p.iter().map(|(t, _)| t.chars().count()).sum::<usize>();
    let shorter = |t: &str| -> Option<String> {
        if let Some(rest) = t.strip_prefix(" │ dropped ") {
            return rest
                .split_once(" (")
                .map(|(n, _)| format!(" │ dropped {n}"));
        }
        (t == " DOWN (cable pulled)").then(|| " DOWN".to_string())
    };
    for i in (0..parts.len()).rev() {
        if len(&parts) <= width {
            return parts;
        }
        if let Some(s) = shorter(&parts[i].0) {
            parts[i].0 = s;
        }
    }
    for gone in [", ", " │ S→C "] {
        while len(&parts) > width
            && let Some(i) = parts.iter().rposition(|(t, _)| t.starts_with(gone))
        {
            parts.remove(i);
        }
    }
    while len(&parts) > width && parts.len() > 1 {
        parts.pop();
    }
    parts
}

/// Draws the row for the link in the App's newest kernel view.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(l) = app.snapshot.as_ref().and_then(|s| s.link.as_ref()) else {
        return;
    };
    let spans: Vec<Span<'_>> = fit(text(l), usize::from(area.width))
        .into_iter()
        .map(|(t, warn)| {
            if warn {
                Span::styled(t, app.theme.warn())
            } else {
                Span::styled(t, app.theme.strong())
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::sides::{CLIENT_IP, LinkWay, SERVER_IP};

    #[test]
    fn a_narrow_row_leaves_details_out_whole() {
        let parts = |v: &[&str]| v.iter().map(|t| (t.to_string(), false)).collect::<Vec<_>>();
        let row = parts(&[
            "link 5ms/way no rate",
            " DOWN (cable pulled)",
            " │ C→S 0 in flight",
            " │ S→C 0",
            " │ dropped 3 (down 3)",
        ]);
        let text = |p: Vec<(String, bool)>| p.into_iter().map(|(t, _)| t).collect::<String>();
        assert_eq!(text(fit(row.clone(), 200)), text(row.clone()));
        assert_eq!(
            text(fit(row.clone(), 78)),
            "link 5ms/way no rate DOWN (cable pulled) │ C→S 0 in flight │ S→C 0 │ dropped 3"
        );
        assert_eq!(
            text(fit(row.clone(), 60)),
            "link 5ms/way no rate DOWN │ C→S 0 in flight │ dropped 3"
        );
    }

    #[test]
    fn the_row_draws_the_flight_against_the_pipe_and_names_the_drops() {
        let mut l = LinkView {
            up: false,
            delay_ms: 50.0,
            jitter_ms: 0.0,
            rate_bps: Some(4_000_000),
            loss_percent: 0.0,
            queue_limit: 256 << 10,
            client: CLIENT_IP,
            server: SERVER_IP,
            to_server: LinkWay::default(),
            to_client: LinkWay::default(),
            malformed: 0,
        };
        // 4 Mbit/s for a 100 ms round trip: 50,000 bytes.
        assert_eq!(pipe_bytes(&l), Some(50_000));
        l.to_server.in_flight_bytes = 25_000;
        l.to_server.dropped_down = 3;
        let row: String = text(&l).into_iter().map(|(t, _)| t).collect();
        assert_eq!(
            row,
            "link 50ms/way 4mbit DOWN (cable pulled) │ C→S ▕████░░░░▏ 24.4k/48.8k pipe │ S→C 0 │ dropped 3 (down 3)"
        );
    }
}
