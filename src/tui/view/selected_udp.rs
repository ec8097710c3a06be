//! The selected UDP socket: who may send to it, its receive buffer filling
//! as datagrams queue, and the datagrams dropped while it was full, with
//! charts of both over the last minute.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::block;
use super::format::{bar, size};
use crate::kernel::SockView;
use crate::tui::app::App;

/// How full the receive buffer is: memory charged against its size.
fn fill(v: &SockView) -> f64 {
    match (v.recvq(), v.rcvbuf().filter(|b| *b > 0)) {
        (Some(q), Some(b)) => f64::from(q) / f64::from(b),
        _ => 0.0,
    }
}

/// Draws the pane for UDP socket `u`.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect, u: &SockView) {
    let t = app.theme;
    let name = u.id.map_or_else(|| "?".into(), |n| n.to_string());
    let b = block(
        app,
        format!("Selected · {name} · datagrams in, datagrams dropped"),
        None,
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let width = usize::from(inner.width);
    let rows = usize::from(inner.height);
    let from = match (u.pair, u.peer) {
        (Some(p), Some(a)) => format!("{p} ({a}) alone"),
        (None, Some(a)) => format!("{a} alone"),
        _ => "anyone".into(),
    };
    let share = fill(u);
    let drops = u.drops().unwrap_or(0);
    // The drops on the path's own line too: on a small screen it is the
    // pane's one line.
    let dropped = if drops > 0 && rows < 2 {
        format!(" · drops {drops}")
    } else {
        String::new()
    };
    // A datagram that does not fit whole is dropped: the buffer is full
    // well before the last byte.
    let dropping =
        u.id.and_then(|id| app.history.drops.get(&id))
            .is_some_and(|s| {
                let last = s.last(2);
                last.len() == 2 && last[1] > last[0]
            });
    let path_of = |from: &str, bw: usize| {
        let mut path = vec![
            Span::raw(format!("from {from} ▶ ")),
            Span::styled(format!("{name} rcvbuf "), t.strong()),
            Span::styled(bar(share, bw), t.level(share)),
            Span::raw(format!(
                " {}/{} ",
                size(u64::from(u.recvq().unwrap_or(0))),
                u.rcvbuf()
                    .map_or_else(|| "-".into(), |b| size(u64::from(b)))
            )),
        ];
        if dropping {
            path.push(Span::styled("FULL, DROPPING ", t.alarm()));
        }
        path.push(Span::raw("▶ app"));
        if !dropped.is_empty() {
            path.push(Span::styled(dropped.clone(), t.alarm()));
        }
        if let Some(call) = u.in_flight.iter().find(|c| c.starts_with("recv")) {
            path.push(Span::styled(format!(" ⏸ {call}"), t.warn()));
        }
        Line::from(path)
    };
    // The widest bar that fits; the sender without its address when even
    // the narrowest does not.
    let short_from = from.split(" (").next().unwrap_or(&from).to_string() + " alone";
    let short_from = if from.contains(" (") {
        short_from
    } else {
        from.clone()
    };
    let fits = |from: &str| {
        (3..=24)
            .rev()
            .map(|bw| path_of(from, bw))
            .find(|l| l.width() <= width)
    };
    let path = fits(&from)
        .or_else(|| fits(&short_from))
        .unwrap_or_else(|| path_of(&short_from, 3));
    let mut lines = super::format::fit_spans(path, width);
    let (text, style) = if drops == 0 {
        (
            "drops 0 · every datagram that came found room in the buffer".to_string(),
            t.dim(),
        )
    } else {
        (
            format!(
                "drops {drops} · arrived while the buffer was full; their senders were told nothing"
            ),
            t.alarm(),
        )
    };
    lines.truncate(rows);
    let chart_rows = rows.saturating_sub(lines.len() + 2).min(2);
    let room = rows.saturating_sub(lines.len() + chart_rows);
    let notes: Vec<Line<'static>> = std::iter::once(Line::styled(text, style))
        .chain(
            u.notes
                .iter()
                .map(|n| Line::styled(format!("· {n}"), t.note())),
        )
        .collect();
    lines.extend(super::format::notes_in(&notes, room, width));
    let text_h = (rows - chart_rows) as u16;
    frame.render_widget(
        Paragraph::new(lines),
        Rect::new(inner.x, inner.y, inner.width, text_h),
    );
    if chart_rows > 0
        && let Some(id) = u.id
    {
        let y = inner.y + text_h;
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(Rect::new(inner.x, y, inner.width, chart_rows as u16));
        super::selected::chart(frame, app, left, id, "recvq");
        super::selected::chart(frame, app, right, id, "drops");
    }
}
