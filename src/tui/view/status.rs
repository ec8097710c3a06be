//! The command line (with its usage hint or error) and the status line of keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, Overlay};
use crate::tui::complete;

/// Draws the command line.
pub fn command_line(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let t = app.theme;
    let value = app.input.value();
    let prompt = if app.editing { ": " } else { "  " };
    let input_w = (area.width as usize / 2).max(20);
    let scroll = app.input.visual_scroll(input_w.saturating_sub(3));
    let shown: String = value.chars().skip(scroll).take(input_w - 2).collect();
    let right = match (&app.cmd_error, app.editing) {
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
    if app.editing && matches!(app.overlay, Overlay::None) {
        let x = area.x + 2 + (app.input.visual_cursor().saturating_sub(scroll)) as u16;
        frame.set_cursor_position((x.min(area.x + area.width - 1), area.y));
    }
}

/// Draws the status line: the keys that work now.
pub fn status_line(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let t = app.theme;
    let keys = match &app.overlay {
        Overlay::Form(_) => "Enter run · Esc cancel · Tab/↑↓ field",
        Overlay::Help => "any key: close help",
        Overlay::ConfirmQuit => "y quit · any other key: stay",
        Overlay::None if app.editing => "Enter run · Esc leave · ↑↓ history · Tab complete",
        Overlay::None if app.script.as_ref().is_some_and(|s| s.lesson) => {
            "space next step · ⌫ run this step again · Home back to the start · : command · ? help · q quit"
        }
        Overlay::None if app.filtering => {
            "type a name or state to filter connections · Enter keep · Esc clear"
        }
        Overlay::None => {
            ": command · ? help · q quit · Tab pane · ↑↓ select · / filter · n listen · c connect · a accept · s send · r recv · d shutdown · x close · p freeze"
        }
    };
    let mut spans = Vec::new();
    if app.frozen.is_some() {
        spans.push(Span::styled(
            " FROZEN ",
            t.alarm().add_modifier(ratatui::style::Modifier::REVERSED),
        ));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(keys, t.dim()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
