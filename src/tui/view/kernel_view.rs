//! The kernel view over the screen (`show`): every socket's queues, buffers
//! and TCP state as `sockplay run` prints them, scrolled by the App.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use crate::tui::app::App;

/// Where the kernel view is drawn on a `screen`: all of it but the status
/// line, which says how to close it.
pub fn area(screen: Rect) -> Rect {
    Rect {
        height: screen.height.saturating_sub(1),
        ..screen
    }
}

/// Draws the kernel view from the App's scroll offset.
pub fn draw(frame: &mut Frame<'_>, app: &App, screen: Rect) {
    let r = area(screen);
    frame.render_widget(Clear, r);
    let lines: Vec<&str> = app.kernel_view.lines().collect();
    let rows = usize::from(r.height.saturating_sub(2));
    let top = app.kernel_view_top.min(lines.len().saturating_sub(rows));
    let mut title = "kernel view (show)".to_string();
    if lines.len() > rows {
        let last = (top + rows).min(lines.len());
        title.push_str(&format!(" · lines {}–{last} of {}", top + 1, lines.len()));
    }
    let shown: Vec<Line<'_>> = lines
        .iter()
        .skip(top)
        .take(rows)
        .map(|l| Line::styled(*l, app.theme.text()))
        .collect();
    frame.render_widget(
        Paragraph::new(shown).block(super::overlay::boxed(app, &title)),
        r,
    );
}
