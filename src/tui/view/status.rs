//! The command line (with its usage hint or error) and the status line of keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, Mode};
use crate::tui::complete;

/// At most this many rows for an error under the panes.
const ERROR_ROWS: usize = 6;

/// The last error as shown on its own under the panes (the command line is
/// not being typed), wrapped to `width`.
fn error_lines(app: &App, width: u16) -> Option<Vec<Line<'static>>> {
    if matches!(app.mode, Mode::Command) {
        return None;
    }
    let e = app.cmd_error.as_ref()?;
    let line = Line::styled(format!("✗ {e}"), app.theme.alarm());
    let mut lines = super::format::wrap(line, width as usize);
    lines.truncate(ERROR_ROWS);
    Some(lines)
}

/// How many rows the command line takes: one, or what the last error needs
/// to be read whole; none in a lesson on a small screen while nobody
/// types (the status line says how to open it).
pub fn command_rows(app: &App, width: u16, height: u16) -> u16 {
    let lesson = app.script.as_ref().is_some_and(|s| s.lesson);
    match error_lines(app, width) {
        Some(l) => l.len().max(1) as u16,
        None if lesson && height < 30 && !matches!(app.mode, Mode::Command) => 0,
        None => 1,
    }
}

/// Draws the command line.
pub fn command_line(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let t = app.theme;
    if let Some(lines) = error_lines(app, area.width) {
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    let value = app.input.value();
    let editing = matches!(app.mode, Mode::Command);
    let prompt = if editing { ": " } else { "  " };
    let input_w = (area.width as usize / 2).max(20);
    let scroll = app.input.visual_scroll(input_w.saturating_sub(3));
    let shown: String = value.chars().skip(scroll).take(input_w - 2).collect();
    let right = match (&app.cmd_error, editing) {
        (Some(e), _) => Span::styled(format!(" ✗ {e}"), t.alarm()),
        (None, true) => Span::styled(
            complete::hint(value).map_or_else(String::new, |h| format!(" {h}")),
            t.dim(),
        ),
        (None, false) => Span::styled(" press : to type a command", t.dim()),
    };
    let line = Line::from(vec![
        Span::styled(prompt, t.command()),
        Span::raw(format!("{shown:<w$}", w = input_w - 2)),
        right,
    ]);
    frame.render_widget(Paragraph::new(line), area);
    if editing {
        let x = area.x + 2 + (app.input.visual_cursor().saturating_sub(scroll)) as u16;
        frame.set_cursor_position((x.min(area.x + area.width - 1), area.y));
    }
}

/// The keys that work now, the most useful first.
fn keys_now(app: &App) -> Vec<&'static str> {
    match &app.mode {
        Mode::Form(_) => vec!["Enter run", "Esc cancel", "Tab/↑↓ field"],
        Mode::Help => vec!["any key: close help"],
        Mode::Show if app.script.as_ref().is_some_and(|s| s.more.is_some()) => vec![
            "MORE: space shows the next note",
            "q/Esc close",
            "↑↓ PgUp PgDn scroll",
        ],
        // At the end there is nothing to go on to: space only closes.
        Mode::Show if app.script.as_ref().is_some_and(|s| s.lesson && s.done) => {
            vec!["KERNEL VIEW: q/Esc/space close", "↑↓ PgUp PgDn scroll"]
        }
        Mode::Show if app.script.as_ref().is_some_and(|s| s.lesson) => vec![
            "KERNEL VIEW: q/Esc close",
            "space close and go on",
            "↑↓ PgUp PgDn scroll",
        ],
        Mode::Show => vec!["KERNEL VIEW: q/Esc close", "↑↓ PgUp PgDn scroll"],
        Mode::ConfirmQuit => vec!["y quit", "any other key: stay"],
        Mode::Command => {
            vec!["Enter run", "Esc leave", "↑↓ history", "Tab complete"]
        }
        Mode::Filter => vec![
            "type a name or state to filter connections",
            "Enter keep",
            "Esc clear",
        ],
        Mode::Normal if app.script.as_ref().is_some_and(|s| s.more.is_some()) => vec![
            "MORE: space shows the next note",
            ": command",
            "? help",
            "q quit",
        ],
        Mode::Normal if app.script.as_ref().is_some_and(|s| s.view_due.is_some()) => vec![
            "MORE: space opens the kernel view",
            ": command",
            "? help",
            "q quit",
        ],
        // Help and quit come before the keys that start again, so that
        // they stay on a narrow screen.
        Mode::Normal if app.script.as_ref().is_some_and(|s| s.paused.is_some()) => vec![
            "PAUSED: space shows what happens",
            ": command",
            "? help",
            "q quit",
            "⌫ this step again",
            "Home from the start",
        ],
        Mode::Normal if app.script.as_ref().is_some_and(|s| s.lesson && s.done) => vec![
            "THE END: q quit",
            ": command keeps exploring",
            "? help",
            "⌫ this step again",
            "Home from the start",
        ],
        // The step's calls are under way (a client waiting for its SYN's
        // next retry can take half a minute): space has nothing to show yet.
        Mode::Normal
            if app
                .script
                .as_ref()
                .is_some_and(|s| s.lesson && s.stop().is_none()) =>
        {
            vec![
                "RUNNING: the step goes on by itself",
                ": command",
                "? help",
                "q quit",
                "⌫ this step again",
            ]
        }
        Mode::Normal if app.script.as_ref().is_some_and(|s| s.lesson) => vec![
            "space next step",
            ": command",
            "? help",
            "q quit",
            "⌫ this step again",
            "Home from the start",
        ],
        Mode::Normal => {
            let mut keys = vec![": command", "? help", "q quit"];
            if app.sel_conn.is_some() {
                keys.extend(["s send", "r recv", "d shutdown", "x close"]);
            }
            if crate::tui::keys::target_listener(app).is_some() {
                keys.extend(["a accept", "c connect"]);
            }
            keys.extend([
                "n listen",
                "Tab pane",
                "↑↓ select",
                "/ filter",
                "p freeze",
                "w wire",
                "u udp",
            ]);
            keys
        }
    }
}

/// As many keys as fit in `width` cells, in order, joined by " · ".
fn fit(keys: &[&str], width: usize) -> String {
    let mut line = String::new();
    for k in keys {
        let sep = if line.is_empty() { "" } else { " · " };
        if line.chars().count() + sep.chars().count() + k.chars().count() > width {
            break;
        }
        line.push_str(sep);
        line.push_str(k);
    }
    line
}

/// Draws the status line: the keys that work now, as many as fit.
pub fn status_line(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let t = app.theme;
    let mut spans = Vec::new();
    let mut width = usize::from(area.width);
    if let Some(held) = &app.frozen {
        spans.push(Span::styled(
            " FROZEN ",
            t.alarm().add_modifier(ratatui::style::Modifier::REVERSED),
        ));
        spans.push(Span::raw(" "));
        width = width.saturating_sub(9);
        let (events, _) = held.held();
        if events > 0 {
            let summary = format!("{} · ", held.summary());
            width = width.saturating_sub(summary.chars().count());
            spans.push(Span::styled(summary, t.alarm()));
        }
    }
    if let Some(words) = app.watch_words() {
        let words = format!("{words} · ");
        if words.chars().count() * 2 < width {
            width = width.saturating_sub(words.chars().count());
            spans.push(Span::styled(
                crate::lab::preview::escape_text(&words).into_owned(),
                t.strong(),
            ));
        }
    }
    spans.push(Span::styled(fit(&keys_now(app), width), t.dim()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn keys_that_do_not_fit_are_left_out_whole() {
        let keys = [": command", "? help", "q quit"];
        assert_eq!(fit(&keys, 80), ": command · ? help · q quit");
        assert_eq!(fit(&keys, 20), ": command · ? help");
        assert_eq!(fit(&keys, 5), "");
    }
}
