//! A class reads a prediction's answer under its question: in every
//! lesson, each note that answers a question fits in the narration pane
//! together with the question's sentence, at 100×30 and at 80×24 (in the
//! tallest pane each size gives the narration), so that the pane can keep
//! the question in sight above it. A note written too long for that fails
//! here at once, before a lesson is played (tests/lesson_backing.rs plays
//! them all and reads the screen).

use ratatui::widgets::{Paragraph, Wrap};
use sockplay::script::{Statement, parse_script};
use sockplay::tui::view::{layout::Areas, narration};

/// The rows `text` takes at `width` columns, wrapped as the pane wraps it.
fn rows(text: &str, width: u16) -> usize {
    Paragraph::new(text.to_string())
        .wrap(Wrap { trim: true })
        .line_count(width)
}

/// Every step of every lesson at 100×30 and at 80×24: the size, the
/// narration pane's inner width and rows at its tallest, the lesson's
/// name, and the step with all its notes.
fn every_step() -> impl Iterator<Item = ((u16, u16), u16, usize, String, narration::Step)> {
    [(100u16, 30u16), (80, 24)]
        .into_iter()
        .flat_map(|(sw, sh)| {
            let command = u16::from(sh >= 30);
            let pane = Areas::with_narration(sw, sh, Some(u16::MAX), command)
                .narration
                .unwrap();
            let (w, h) = (pane.width - 2, usize::from(pane.height - 2));
            sockplay::script::lessons::all()
                .into_iter()
                .flat_map(move |lesson| {
                    let lines = parse_script(&lesson.text).unwrap();
                    let starts: Vec<usize> = lines
                        .iter()
                        .enumerate()
                        .filter(|(_, l)| matches!(l.statement, Statement::Step(_)))
                        .map(|(at, _)| at)
                        .collect();
                    starts
                        .into_iter()
                        .map(|at| {
                            let step = narration::step_at(&lines, at + 1, &lesson.name);
                            ((sw, sh), w, h, lesson.name.clone(), step)
                        })
                        .collect::<Vec<_>>()
                })
        })
}

#[test]
fn every_answer_fits_under_its_question_at_100x30_and_80x24() {
    let mut too_long = Vec::new();
    let mut answers = 0;
    for ((sw, sh), w, h, name, step) in every_step() {
        // Every note after a question answers it (a note that asks
        // the next question often begins with that answer).
        for (i, note) in step.notes.iter().enumerate() {
            let Some(q) = step.questions.iter().copied().filter(|&q| q < i).max() else {
                continue;
            };
            answers += 1;
            let asked = narration::question_of(&step.notes[q]);
            if rows(asked, w) + rows(note, w) > h {
                too_long.push(format!(
                    "{sw}×{sh}: {name} step {} \"{}\": \"{asked}\" ({} rows) and \"{note}\" ({} rows) in {h} rows",
                    step.number,
                    step.title,
                    rows(asked, w),
                    rows(note, w)
                ));
            }
        }
    }
    assert!(answers > 100, "only {answers} answers found");
    assert!(
        too_long.is_empty(),
        "an answer does not fit under its question: {too_long:#?}"
    );
}

/// Paging through a step, the question the pane keeps above what answers
/// it is always the open one: the last question asked whose answer has
/// begun to appear. An earlier one, already answered, kept above the next
/// question and its answer would muddle which question is open. Each
/// step is arranged as it stands after each of its notes, at 100×30 and
/// at 80×24.
#[test]
fn a_kept_question_is_the_open_one() {
    let mut stale = Vec::new();
    let mut kept = 0;
    for ((sw, sh), w, h, name, whole) in every_step() {
        for n in 1..=whole.notes.len() {
            let step = narration::Step {
                notes: whole.notes[..n].to_vec(),
                questions: whole.questions.iter().copied().filter(|&q| q < n).collect(),
                ..whole.clone()
            };
            let Some(question) = narration::arrange(&step, w, h).question else {
                continue;
            };
            kept += 1;
            let open = step.questions.iter().copied().filter(|&q| q < n - 1).max();
            let is_open = open.is_some_and(|o| {
                question == step.notes[o] || question == narration::question_of(&step.notes[o])
            });
            if !is_open {
                stale.push(format!(
                    "{sw}×{sh}: {name} step {} \"{}\", after note {n}: keeps \"{question}\", open: {:?}",
                    step.number,
                    step.title,
                    open.map(|o| narration::question_of(&step.notes[o]))
                ));
            }
        }
    }
    assert!(kept > 10, "only {kept} questions kept");
    assert!(
        stale.is_empty(),
        "a question kept that is not the open one: {stale:#?}"
    );
}
