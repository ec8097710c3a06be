//! The narration as a page: on every page of a step (each look at the
//! screen as a teacher plays a lesson), the step's title shows, in the
//! pane's text or, abbreviated if it must be, in its heading; and a
//! question kept above the notes that answer it is the open one, never
//! one already answered.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sockplay::script::Statement;
use sockplay::tui::app::App;
use sockplay::tui::view;
use sockplay::tui::view::narration;

use super::play::{Miss, last_sentence, note_text, step_title};

/// The narration pane's heading (its top border row) as drawn now, or
/// nothing where an overlay covers it.
fn narration_heading(app: &App, w: u16, h: u16) -> Option<String> {
    let n = view::areas(app, w, h).narration?;
    if view::covered(app, w, h, n.y) {
        return None;
    }
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(f, app)).unwrap();
    let buf = term.backend().buffer();
    let row: String = (n.x..n.x + n.width)
        .map(|x| buf[(x, n.y)].symbol())
        .collect();
    Some(row.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Whether `text` shows `title`: whole, or abbreviated after whole words
/// ("how Python waits: poll…"), at least its first word, the stop that
/// ended the last one left off.
pub fn shows_title(text: &str, title: &str) -> bool {
    let words: Vec<&str> = title.split_whitespace().collect();
    if words.is_empty() || text.contains(&words.join(" ")) {
        return true;
    }
    (1..words.len()).any(|k| {
        let kept = words[..k].join(" ");
        text.contains(&format!("{}…", kept.trim_end_matches([',', ':', ';'])))
    })
}

/// What the narration misses when a page of a step does not show the
/// step's title, in its text or in its heading: a class that pages
/// through a step's notes must still see which step it is in.
fn title_missing(app: &App, (w, h): (u16, u16), narration: &str) -> Option<String> {
    let script = app.script.as_ref().unwrap();
    let lines = script.player.lines();
    let step = narration::step_filled(
        lines,
        script.player.position(),
        script.shown_to(),
        &script.name,
        script.player.filled(),
    );
    let n = view::areas(app, w, h).narration?;
    // Only a narration pane the screen shows (an overlay may cover it).
    if (n.y..n.y + n.height).all(|y| view::covered(app, w, h, y)) {
        return None;
    }
    let title = step.title.split_whitespace().collect::<Vec<_>>().join(" ");
    let heading = narration_heading(app, w, h).unwrap_or_default();
    (!(narration.starts_with(&title) || shows_title(&heading, &title))).then(|| {
        format!(
            "the step's title (\"{title}\"), on this page of the narration (heading: \"{heading}\")"
        )
    })
}

/// What the narration misses when it keeps a question that was already
/// answered: a question is kept when it shows without the note that
/// follows it, and the one kept must be the open question, the last one
/// asked whose answer has begun to appear. An earlier one, kept above
/// the next question and its answer, muddles which question is open.
fn stale_question(app: &App, narration: &str) -> Option<String> {
    let script = app.script.as_ref().unwrap();
    let lines = script.player.lines();
    let shown_to = script.shown_to().min(lines.len());
    let from = lines[..shown_to]
        .iter()
        .rposition(|l| matches!(l.statement, Statement::Step(_)))
        .map_or(0, |k| k + 1);
    let notes: Vec<usize> = (from..shown_to)
        .filter(|&i| matches!(lines[i].statement, Statement::Note(_)))
        .collect();
    let newest = *notes.last()?;
    let is_question = |i: usize| {
        lines
            .get(i + 1)
            .is_some_and(|l| matches!(l.statement, Statement::Pause))
    };
    let open = notes
        .iter()
        .copied()
        .filter(|&q| q < newest && is_question(q))
        .max();
    let whole = |i: usize| {
        let words = note_text(app, i)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        narration.contains(&words)
    };
    for (k, &q) in notes.iter().enumerate() {
        let Some(&after) = notes.get(k + 1) else {
            break;
        };
        if !is_question(q) || Some(q) == open || whole(after) {
            continue;
        }
        let asked = last_sentence(&note_text(app, q));
        if narration.contains(&asked) {
            return Some(format!(
                "a question kept that was already answered (\"{asked}\"), not the open one{}",
                open.map(|o| format!(" (\"{}\")", last_sentence(&note_text(app, o))))
                    .unwrap_or_default()
            ));
        }
    }
    None
}

/// The misses of the narration as a whole on the screen as it is now:
/// its title, the question it keeps. The step is the one shown.
pub fn page_misses(app: &App, size: (u16, u16), narration: &str, when: &str) -> Option<Miss> {
    let missing: Vec<String> = title_missing(app, size, narration)
        .into_iter()
        .chain(stale_question(app, narration))
        .map(|m| format!("{m}{when}"))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let script = app.script.as_ref().unwrap();
    let lines = script.player.lines();
    let at = script.shown_to().min(lines.len());
    Some(Miss {
        step: step_title(lines, at),
        note: format!("(the narration: \"{narration}\")"),
        missing,
    })
}
