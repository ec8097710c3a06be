//! What the lesson's narration says at a point of the lesson, and the
//! rows it takes: the step's title and the notes that have run, wrapped
//! at spaces. The narration pane draws it; the lesson's pacing and the
//! layout measure it.

use std::collections::HashMap;

use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::words::keep_units;

use crate::lab::preview::escape_text;
use crate::script::{Line as ScriptLine, Statement};

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
            .map(|l| Line::raw(keep_units(&escape_text(l)))),
    );
    Paragraph::new(text).wrap(Wrap { trim: true })
}

/// The notes drawn when the step's text is longer than the pane: the
/// newest that fit whole under the title, oldest first (at least the
/// newest); and how many earlier notes are left out.
pub fn newest_that_fit(notes: &[String], width: u16, room: usize) -> (Vec<String>, usize) {
    let rows = |n: &String| {
        Paragraph::new(keep_units(n))
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
