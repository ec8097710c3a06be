//! The lesson's narration pane: the current step's title and notes, large
//! and calm, for the back of a classroom.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::overlay::boxed;
use crate::lab::preview::escape_text;
use crate::script::{Line as ScriptLine, Statement};
use crate::tui::app::{App, Stop};

/// The step a lesson shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Its number, from 1; 0 before the first step.
    pub number: usize,
    /// How many steps the lesson has.
    pub of: usize,
    /// Its title (the lesson's name before the first step).
    pub title: String,
    /// Its notes, in order.
    pub notes: Vec<String>,
}

/// The step being shown at `pos` in a lesson's lines, with all its notes;
/// `fallback` titles what comes before the first step.
pub fn step_at(lines: &[ScriptLine], pos: usize, fallback: &str) -> Step {
    step_shown(lines, pos, lines.len(), fallback)
}

/// The step being shown at `pos`, with the notes among the lines before
/// `shown_to`: those that have run, in the order written.
pub fn step_shown(lines: &[ScriptLine], pos: usize, shown_to: usize, fallback: &str) -> Step {
    step_filled(lines, pos, shown_to, fallback, &HashMap::new())
}

/// As [`step_shown`], each note that quoted the kernel written as it was
/// filled (`filled`, by line index) when it ran.
pub fn step_filled(
    lines: &[ScriptLine],
    pos: usize,
    shown_to: usize,
    fallback: &str,
    filled: &HashMap<usize, String>,
) -> Step {
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
    let notes = lines[body_from..body_to.min(shown_to).max(body_from)]
        .iter()
        .enumerate()
        .filter_map(|(k, l)| match &l.statement {
            Statement::Note(n) => Some(filled.get(&(body_from + k)).unwrap_or(n).clone()),
            _ => None,
        })
        .collect();
    Step {
        number: current.map_or(0, |k| k + 1),
        of: steps.len(),
        title,
        notes,
    }
}

/// The narration as it is drawn, without its box: the title underlined,
/// then the notes, wrapped at spaces.
pub fn paragraph<'a>(title: String, notes: Vec<String>, title_style: Style) -> Paragraph<'a> {
    // A lesson's words reach the screen as the transcript prints them:
    // controls and bidirectional marks escaped, never acted on or dropped.
    let mut text = vec![Line::styled(
        escape_text(&title).into_owned(),
        title_style.add_modifier(Modifier::UNDERLINED),
    )];
    text.extend(
        notes
            .iter()
            .flat_map(|n| n.split('\n'))
            .map(|l| Line::raw(escape_text(l).into_owned())),
    );
    Paragraph::new(text).wrap(Wrap { trim: true })
}

/// The step the narration shows now: the notes that have run.
fn shown(app: &App) -> Option<Step> {
    let s = app.script.as_ref()?;
    Some(step_filled(
        s.player.lines(),
        s.player.position(),
        s.shown_to(),
        &s.name,
        s.player.filled(),
    ))
}

/// How many rows the narration's text takes at `width` columns.
pub fn text_rows(app: &App, width: u16) -> u16 {
    shown(app).map_or(1, |step| {
        let rows = paragraph(step.title, step.notes, Style::default()).line_count(width);
        u16::try_from(rows).unwrap_or(u16::MAX)
    })
}

/// The notes drawn when the step's text is longer than the pane: the
/// newest that fit whole under the title, oldest first (at least the
/// newest); and how many earlier notes are left out.
pub fn newest_that_fit(notes: &[String], width: u16, room: usize) -> (Vec<String>, usize) {
    let rows = |n: &String| {
        Paragraph::new(n.clone())
            .wrap(Wrap { trim: true })
            .line_count(width)
    };
    let mut used = 0;
    let mut first = notes.len();
    while first > 0 {
        let r = rows(&notes[first - 1]);
        if used + r > room && first < notes.len() {
            break;
        }
        used += r;
        first -= 1;
    }
    (notes[first..].to_vec(), first)
}

/// The heading of the narration pane, as long as the width allows: the
/// lesson, the step, what space does, and whether there is more to read.
fn heading(
    name: &str,
    step: &Step,
    status: (&str, &str),
    more: (&str, &str),
    width: u16,
) -> String {
    let long = format!(
        "{name} · step {} of {} · {}{}",
        step.number, step.of, status.0, more.0
    );
    // The border's corners and the spaces around the title.
    if long.chars().count() + 4 <= usize::from(width) {
        return long;
    }
    format!(
        "{name} · step {}/{} · {}{}",
        step.number, step.of, status.1, more.1
    )
}

/// Draws the narration pane. The step's title stays on its first row; when
/// the notes are longer than the pane, the newest ones show whole under
/// it (the reader scrolls back through all of it with Shift-↑).
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(s) = &app.script else { return };
    let Some(step) = shown(app) else { return };
    let status = match (s.stop(), s.done) {
        (_, true) => ("the end: q quits, : to keep exploring", "the end"),
        (Some(Stop::Pause(_)), _) => ("paused: predict, then press space", "predict, then space"),
        (Some(Stop::More(_)), _) => ("press space for more", "space: more"),
        (Some(Stop::Step(_)), _) if step.number == 0 => ("press space to begin", "space: begin"),
        (Some(Stop::Step(_)), _) => ("press space for the next step", "space: next step"),
        (None, _) => ("running…", "running…"),
    };
    let width = area.width.saturating_sub(2);
    let inner_h = usize::from(area.height.saturating_sub(2));
    let whole =
        paragraph(step.title.clone(), step.notes.clone(), Style::default()).line_count(width);
    let title_rows = paragraph(step.title.clone(), Vec::new(), Style::default()).line_count(width);
    if whole > inner_h && app.narration_back == 0 {
        let room = inner_h.saturating_sub(title_rows);
        let (notes, left_out) = newest_that_fit(&step.notes, width, room);
        let more = if left_out > 0 {
            (" · ↑ more above (Shift-↑)", " · ↑ Shift-↑")
        } else {
            ("", "")
        };
        let head = heading(&escape_text(&s.name), &step, status, more, area.width);
        let text = paragraph(step.title.clone(), notes, app.theme.strong());
        frame.render_widget(text.block(boxed(app, &head)), area);
        return;
    }
    let text = paragraph(step.title.clone(), step.notes.clone(), app.theme.strong());
    let rows = text.line_count(width);
    let hidden = rows.saturating_sub(inner_h);
    let back = app.narration_back.min(hidden);
    let top = hidden - back;
    let more = match (top > 0, back > 0) {
        (true, true) => (" · ↑↓ more (Shift-↑/↓)", " · ↑↓ Shift-↑/↓"),
        (true, false) => (" · ↑ more above (Shift-↑)", " · ↑ Shift-↑"),
        (false, true) => (" · ↓ more below (Shift-↓)", " · ↓ Shift-↓"),
        (false, false) => ("", ""),
    };
    let head = heading(&escape_text(&s.name), &step, status, more, area.width);
    frame.render_widget(
        text.scroll((u16::try_from(top).unwrap_or(u16::MAX), 0))
            .block(boxed(app, &head)),
        area,
    );
}
