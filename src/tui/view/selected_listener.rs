//! The selected listener, when the Listeners pane has the focus: everyone
//! waiting in its queue, whole, and the notes on what the kernel made of
//! its backlog (B+1, a somaxconn cap, a queue past its limit).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::block;
use super::format::wrap;
use super::listeners::waiting_names;
use crate::kernel::SockView;
use crate::tui::app::App;

/// Draws the pane for listener `l`.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect, l: &SockView) {
    let t = app.theme;
    let name = l.id.map_or_else(|| "?".into(), |n| n.to_string());
    let b = block(app, format!("Selected · {name} · the accept queue"), None);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let width = usize::from(inner.width);
    let waiting = waiting_names(app, l);
    let who = if waiting.is_empty() {
        "waiting: none".to_string()
    } else {
        format!("waiting ({}): {}", waiting.len(), waiting.join(" "))
    };
    let mut lines = wrap(Line::styled(who, t.text()), width);
    for n in &l.notes {
        lines.extend(wrap(Line::styled(format!("· {n}"), t.note()), width));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
