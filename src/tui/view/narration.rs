//! The lesson's narration pane: the current step's title and notes, large
//! and calm, for the back of a classroom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::overlay::boxed;
use crate::script::{Line as ScriptLine, Statement};
use crate::tui::app::App;

/// The step being shown at `pos` in a lesson's lines: its number (1-based,
/// 0 before the first step), its title (`fallback` before the first step)
/// and its notes.
pub fn step_at(lines: &[ScriptLine], pos: usize, fallback: &str) -> (usize, String, Vec<String>) {
    let steps: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| matches!(l.statement, Statement::Step(_)))
        .map(|(i, _)| i)
        .collect();
    // The step being shown: the last step line before the position.
    let current = steps.iter().rposition(|&i| i < pos);
    let (title, body_from) = match current {
        Some(k) => match &lines[steps[k]].statement {
            Statement::Step(t) => (t.clone(), steps[k] + 1),
            _ => (String::new(), steps[k] + 1),
        },
        None => (fallback.to_string(), 0),
    };
    let body_to = steps
        .iter()
        .find(|&&i| i >= body_from)
        .copied()
        .unwrap_or(lines.len());
    let notes = lines[body_from..body_to]
        .iter()
        .filter_map(|l| match &l.statement {
            Statement::Note(n) => Some(n.clone()),
            _ => None,
        })
        .collect();
    (current.map_or(0, |k| k + 1), title, notes)
}

/// The narration as it is drawn, without its box: the title underlined,
/// then the notes, wrapped at spaces.
pub fn paragraph<'a>(title: String, notes: Vec<String>, title_style: Style) -> Paragraph<'a> {
    let mut text = vec![Line::styled(
        title,
        title_style.add_modifier(Modifier::UNDERLINED),
    )];
    text.extend(notes.into_iter().map(Line::raw));
    Paragraph::new(text).wrap(Wrap { trim: true })
}

/// Draws the narration pane.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(s) = &app.script else { return };
    let lines = s.player.lines();
    let steps = lines
        .iter()
        .filter(|l| matches!(l.statement, Statement::Step(_)))
        .count();
    let (step_no, title, notes) = step_at(lines, s.player.position(), &s.name);
    let status = match (s.at_step, s.done) {
        (_, true) => "the end: q quits, : to keep exploring",
        (Some(_), _) => "press space for the next step",
        (None, _) => "running…",
    };
    let heading = format!("{} · step {step_no} of {steps} · {status}", s.name);
    frame.render_widget(
        paragraph(title, notes, app.theme.strong()).block(boxed(app, &heading)),
        area,
    );
}
