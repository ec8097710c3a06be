//! The kernel view over the screen (`show`): every socket's queues, buffers
//! and TCP state as `sockplay run` prints them, scrolled by the App.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use crate::script::ShowAt;
use crate::tui::app::App;

/// Where the kernel view is drawn on a `screen`: all of it but the status
/// line, which says how to close it, and a lesson's narration, which goes
/// on beside it.
pub fn area(app: &App, screen: Rect) -> Rect {
    let top = super::areas(app, screen.width, screen.height)
        .narration
        .map_or(0, |n| n.y + n.height);
    Rect {
        y: screen.y + top,
        height: screen.height.saturating_sub(1 + top),
        ..screen
    }
}

/// The kernel view's lines cut to `width` cells between words: a line too
/// long goes on below, indented, so that no figure is lost off the right
/// edge.
pub fn wrapped(text: &str, width: u16) -> Vec<String> {
    const INDENT: &str = "      ";
    let width = usize::from(width).max(INDENT.len() + 8);
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest: Vec<char> = line.trim_end().chars().collect();
        let mut room = width;
        let mut prefix = "";
        loop {
            if rest.len() <= room {
                out.push(format!("{prefix}{}", rest.iter().collect::<String>()));
                break;
            }
            // Between fields (two spaces) if one is in the second half of
            // the room, else between words, else a hard cut.
            // (Never between a figure and its unit: `11400.0 s`.)
            let word = |from: usize, to: usize| rest[from..to].iter().collect::<String>();
            let space = |i: &usize| {
                let i = *i;
                if rest[i] != ' ' {
                    return false;
                }
                let start = rest[..i]
                    .iter()
                    .rposition(|c| *c == ' ')
                    .map_or(0, |s| s + 1);
                let end = rest[i + 1..]
                    .iter()
                    .position(|c| *c == ' ')
                    .map_or(rest.len(), |e| i + 1 + e);
                !super::format::joined(&word(start, i), &word(i + 1, end))
            };
            let cut = (room / 2..=room)
                .rev()
                .find(|i| space(i) && rest[i - 1] == ' ')
                .or_else(|| (1..=room).rev().find(space))
                .unwrap_or(room);
            let piece: String = rest[..cut].iter().collect();
            out.push(format!("{prefix}{}", piece.trim_end()));
            let next = rest[cut..].iter().position(|c| *c != ' ').unwrap_or(0);
            rest.drain(..cut + next);
            if rest.is_empty() {
                break;
            }
            prefix = INDENT;
            room = width - INDENT.len();
        }
    }
    out
}

/// The lines `[first, end)` of the part of the kernel view a lesson's
/// `show` cites: from the counters line to the end, the settings that
/// decide them (`tcp_syn_retries`, `somaxconn`) included.
fn cited(app: &App, lines: &[String]) -> Option<(usize, usize)> {
    if app.kernel_view_at != ShowAt::Counters {
        return None;
    }
    let first = lines
        .iter()
        .position(|l| l.starts_with("counters since start"))?;
    Some((first, lines.len()))
}

/// The first line of the kernel view drawn in `rows` rows: the reader's
/// offset, or, until the reader scrolls, the top when the part a lesson
/// cites fits under it, else the least scroll that shows that part whole.
pub fn top(app: &App, lines: &[String], rows: usize) -> usize {
    let last_top = lines.len().saturating_sub(rows);
    let top = match cited(app, lines) {
        Some((first, end)) => end.saturating_sub(rows).min(first),
        None => app.kernel_view_top.offset(),
    };
    top.min(last_top)
}

/// Draws the kernel view from the App's scroll offset.
pub fn draw(frame: &mut Frame<'_>, app: &App, screen: Rect) {
    let r = area(app, screen);
    frame.render_widget(Clear, r);
    let lines = wrapped(&app.kernel_view, r.width.saturating_sub(2));
    let rows = usize::from(r.height.saturating_sub(2));
    let top = top(app, &lines, rows);
    let mut title = "kernel view (show)".to_string();
    if lines.len() > rows {
        let last = (top + rows).min(lines.len());
        title.push_str(&format!(" · lines {}–{last} of {}", top + 1, lines.len()));
    }
    let shown: Vec<Line<'_>> = lines
        .iter()
        .skip(top)
        .take(rows)
        .map(|l| Line::styled(l.as_str(), app.theme.text()))
        .collect();
    frame.render_widget(
        Paragraph::new(shown).block(super::overlay::boxed(app, &title)),
        r,
    );
}
