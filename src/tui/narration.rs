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
    /// Those that ask a prediction (notes the lesson pauses after): their
    /// indices in `notes`. The notes after one, up to the next, answer it.
    pub questions: Vec<usize>,
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
    let mut notes = Vec::new();
    let mut questions = Vec::new();
    for (k, l) in lines[body_from..body_to.min(shown_to).max(body_from)]
        .iter()
        .enumerate()
    {
        if let Statement::Note(n) = &l.statement {
            let at = body_from + k;
            if lines
                .get(at + 1)
                .is_some_and(|next| matches!(next.statement, Statement::Pause))
            {
                questions.push(notes.len());
            }
            notes.push(filled.get(&at).unwrap_or(n).clone());
        }
    }
    Step {
        number: current.map_or(0, |k| k + 1),
        of: steps.len(),
        title,
        notes,
        questions,
    }
}

/// As [`step_filled`], as the narration's page holds it when the lesson
/// turned the page at line `page` (a kernel view it opened has closed, and
/// the notes read beside it talk about what is no longer drawn): only the
/// step's notes from that line on, under the question they answer where
/// it was asked before the page began and none is asked on it first. With
/// whether any of the step's notes went above the page.
pub fn step_paged(
    lines: &[ScriptLine],
    pos: usize,
    shown_to: usize,
    fallback: &str,
    filled: &HashMap<usize, String>,
    page: usize,
) -> (Step, bool) {
    let step = step_filled(lines, pos, shown_to, fallback, filled);
    // The step's notes before the page: those among the lines from the
    // step's start to `page`.
    let start = lines[..pos.min(lines.len())]
        .iter()
        .rposition(|l| matches!(l.statement, Statement::Step(_)))
        .map_or(0, |k| k + 1);
    let end = page.min(shown_to).min(lines.len()).max(start);
    let above = lines[start.min(end)..end]
        .iter()
        .filter(|l| matches!(l.statement, Statement::Note(_)))
        .count()
        .min(step.notes.len());
    if above == 0 {
        return (step, false);
    }
    let asks_first = step.questions.contains(&above);
    let open = step
        .questions
        .iter()
        .copied()
        .filter(|&q| q < above)
        .max()
        .filter(|_| !asks_first);
    let mut notes: Vec<String> = open.map(|q| step.notes[q].clone()).into_iter().collect();
    let kept = notes.len();
    notes.extend(step.notes[above..].iter().cloned());
    let questions = open
        .map(|_| 0)
        .into_iter()
        .chain(
            step.questions
                .iter()
                .filter(|&&q| q >= above)
                .map(|&q| q - above + kept),
        )
        .collect();
    (
        Step {
            notes,
            questions,
            ..step
        },
        true,
    )
}

/// The narration as it is drawn, without its box: the title underlined,
/// then the notes, wrapped at spaces.
pub fn paragraph<'a>(title: String, notes: Vec<String>, title_style: Style) -> Paragraph<'a> {
    lines_of(Some(title), notes, title_style)
}

/// The narration's text: the title underlined (unless there is none),
/// then the notes, wrapped at spaces.
fn lines_of<'a>(title: Option<String>, notes: Vec<String>, title_style: Style) -> Paragraph<'a> {
    // A lesson's words reach the screen as the transcript prints them:
    // controls and bidirectional marks escaped, never acted on or dropped.
    let mut text: Vec<Line<'a>> = title
        .map(|t| {
            Line::styled(
                escape_text(&t).into_owned(),
                title_style.add_modifier(Modifier::UNDERLINED),
            )
        })
        .into_iter()
        .collect();
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

/// The rows `text` takes wrapped at `width` columns.
fn rows(text: &str, width: u16) -> usize {
    Paragraph::new(keep_units(text))
        .wrap(Wrap { trim: true })
        .line_count(width)
}

/// The question a prediction note asks: from the sentence that holds its
/// first question mark to its end, without what leads up to it ("C1 now
/// sends 8 MiB more, at full speed. Does this sendall return?" asks "Does
/// this sendall return?"). The whole note when it asks nothing.
pub fn question_of(note: &str) -> &str {
    let Some(mark) = note.find('?') else {
        return note;
    };
    let before = &note[..mark];
    let start = [". ", "! ", "? "]
        .iter()
        .filter_map(|end| before.rfind(end).map(|at| at + end.len()))
        .max()
        .unwrap_or(0);
    note[start..].trim_start()
}

/// What the narration pane shows of a step that is taller than the pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arranged {
    /// The step's title on the first row (left off only where the
    /// question and its newest answer need that row: the pane's heading
    /// carries the title then).
    pub title: bool,
    /// The question the shown notes answer, kept under the title when its
    /// own note has gone above: the whole note, or its question alone.
    pub question: Option<String>,
    /// The note that first answers the kept question (the one right after
    /// it), kept under it where the notes between it and the newest have
    /// gone above: a class that reads a question on the page reads its
    /// answer ("No: …") too, not only what came later.
    pub answer: Option<String>,
    /// The notes shown whole, oldest first.
    pub notes: Vec<String>,
    /// The index in the step's notes of the first of them.
    pub first: usize,
    /// Some of the step's text is not shown (notes above, notes between
    /// the question kept and those shown, or what leads up to the
    /// question kept): the heading then says there is more above.
    pub more_above: bool,
}

/// What the narration shows of `step` in a pane of `room` rows of text,
/// `width` wide: the whole step when it fits; else the title and the
/// newest notes that fit whole. When the first of those comes after the
/// open question (the last one asked whose answer has begun to appear)
/// and that question has gone above, it stays under the title, so that a
/// class never reads an answer without what it answers: the whole
/// question note where it fits beside the notes shown, else the question
/// alone (older notes give way to it; where even then it would not fit,
/// the title does, and the heading carries it), and under it its first
/// answer where that fits beside the newest note (the notes between give
/// way: a question on the page is read with its "No: …"). A question already
/// answered is never kept: where the open question shows among the
/// newest notes, it and what follows it show as a step of their own, not
/// below answers whose question has gone.
pub fn arrange(step: &Step, width: u16, room: usize) -> Arranged {
    arrange_from(step, 0, width, room)
}

/// [`arrange`] for the step's notes from index `from` on.
fn arrange_from(step: &Step, from: usize, width: u16, room: usize) -> Arranged {
    let notes = &step.notes[from..];
    let title_rows = rows(&step.title, width);
    let all_rows: usize = notes.iter().map(|n| rows(n, width)).sum();
    if title_rows + all_rows <= room {
        return Arranged {
            title: true,
            question: None,
            answer: None,
            notes: notes.to_vec(),
            first: from,
            more_above: from > 0,
        };
    }
    let (shown, k) = newest_that_fit(notes, width, room.saturating_sub(title_rows));
    let plain = Arranged {
        title: true,
        question: None,
        answer: None,
        notes: shown,
        first: from + k,
        more_above: from + k > 0,
    };
    // The open question: the last one asked whose answer has begun to
    // appear (a note that asks the next question often answers the one
    // before it first, so that one stays open until the next answer).
    let first = from + k;
    let last = step.notes.len().saturating_sub(1);
    let Some(q) = step
        .questions
        .iter()
        .copied()
        .filter(|&q| q >= from && q < last)
        .max()
    else {
        return plain;
    };
    if q >= first {
        // It shows among the newest notes. Answers to an earlier question
        // gone above would show without theirs, and that one is answered:
        // the first question shown and what follows it (the open one
        // among them) show as a step of their own.
        let earlier = step.questions.iter().any(|&p| p >= from && p < first);
        let shown_first = step
            .questions
            .iter()
            .copied()
            .filter(|&p| p >= first)
            .min()
            .unwrap_or(q);
        return if earlier {
            arrange_from(step, shown_first, width, room)
        } else {
            plain
        };
    }
    let whole = &step.notes[q];
    let asked = question_of(whole);
    let asked_rows = rows(asked, width);
    let newest = notes.last().map_or(0, |n| rows(n, width));
    let title = if title_rows + asked_rows + newest <= room {
        true
    } else if asked_rows + newest <= room {
        false
    } else {
        // Not even the question alone fits beside the newest note.
        return plain;
    };
    let left = room.saturating_sub(if title { title_rows } else { 0 });
    let (mut shown, k) =
        newest_that_fit(&step.notes[q + 1..], width, left.saturating_sub(asked_rows));
    let mut first = q + 1 + k;
    // The question's first answer, where it has gone above and fits
    // between the question and the newest note: the notes between give way.
    let mut answer = None;
    if first > q + 1 {
        let direct = &step.notes[q + 1];
        let beside = left.saturating_sub(asked_rows + rows(direct, width));
        if asked_rows + rows(direct, width) + newest <= left {
            let (after, k) = newest_that_fit(&step.notes[q + 2..], width, beside);
            shown = after;
            first = q + 2 + k;
            answer = Some(direct.clone());
        }
    }
    if answer.is_none() && q + 1 < last && step.questions.contains(&last) && first == last {
        // The newest note asks the next question, and notes of their own
        // answered this one, with no room for them here: shown alone
        // above the new question, this one would read as open too. The
        // new one shows as a step of its own.
        return arrange_from(step, last, width, room);
    }
    let used: usize = shown.iter().map(|n| rows(n, width)).sum::<usize>()
        + answer.as_ref().map_or(0, |a| rows(a, width));
    // The whole question note where the answers shown leave it room.
    let whole_fits = title && used + rows(whole, width) <= left;
    let question = if whole_fits { whole } else { asked };
    // Hidden: notes before the question, its lead-in, or notes between
    // it (or its answer) and those shown.
    let shown_to = if answer.is_some() { q + 2 } else { q + 1 };
    Arranged {
        title,
        question: Some(question.to_string()),
        answer,
        notes: shown,
        first,
        more_above: q > 0 || !whole_fits || first > shown_to,
    }
}

/// The narration's text as `arrange` lays it out, without its box.
pub fn arranged_paragraph<'a>(
    title: &str,
    arranged: &Arranged,
    title_style: Style,
) -> Paragraph<'a> {
    let mut notes: Vec<String> = arranged.question.iter().cloned().collect();
    notes.extend(arranged.answer.iter().cloned());
    notes.extend(arranged.notes.iter().cloned());
    lines_of(
        arranged.title.then(|| title.to_string()),
        notes,
        title_style,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(notes: &[&str], questions: &[usize]) -> Step {
        Step {
            number: 1,
            of: 1,
            title: "A step".into(),
            notes: notes.iter().map(|n| n.to_string()).collect(),
            questions: questions.to_vec(),
        }
    }

    /// The notes read beside a kernel view go above the page once a note
    /// comes after it closed; the question they were asked under stays,
    /// unless the page asks one of its own first.
    #[test]
    fn a_page_keeps_its_notes_and_the_open_question() {
        let lines = crate::script::parse_script(
            "step \"One\"\nnote \"Asked?\"\npause\nshow\nnote \"Beside.\"\nnote \"After.\"\nnote \"Next?\"\npause\nnote \"Answer.\"\n",
        )
        .unwrap();
        let filled = HashMap::new();
        let at = |text: &str| lines.iter().position(|l| l.text.contains(text)).unwrap();
        let page = at("After.");
        // Before a note comes on it, the page holds the question alone.
        let (before, paged) = step_paged(&lines, page, page, "", &filled, page);
        assert!(paged);
        assert_eq!(before.notes, ["Asked?"]);
        let (step, paged) = step_paged(&lines, page + 1, page + 1, "", &filled, page);
        assert!(paged);
        assert_eq!(step.notes, ["Asked?", "After."]);
        assert_eq!(step.questions, [0]);
        // A page that opens with a question of its own keeps no other.
        let page = at("Next?");
        let end = lines.len();
        let (step, paged) = step_paged(&lines, end, end, "", &filled, page);
        assert!(paged);
        assert_eq!(step.notes, ["Next?", "Answer."]);
        assert_eq!(step.questions, [0]);
        // A page that began in an earlier step leaves this one whole.
        let (step, paged) = step_paged(&lines, end, end, "", &filled, 0);
        assert!(!paged);
        assert_eq!(step.notes.len(), 5);
    }

    #[test]
    fn the_question_is_the_sentence_that_asks_to_the_end() {
        assert_eq!(
            question_of("C1 now sends 8 MiB more, at full speed. Does this sendall return?"),
            "Does this sendall return?"
        );
        assert_eq!(
            question_of("Can either side get out on its own? What would break it?"),
            "Can either side get out on its own? What would break it?"
        );
        assert_eq!(
            question_of("Seven more go to a listen(5): how many get in there?"),
            "Seven more go to a listen(5): how many get in there?"
        );
        assert_eq!(question_of("No question."), "No question.");
    }

    #[test]
    fn an_answer_keeps_its_question_under_the_title() {
        // 20 columns: each sentence of 19 or fewer characters is one row.
        let s = step(
            &[
                "Some context here.",
                "More context here. What happens?",
                "First answer.",
                "Second answer.",
            ],
            &[1],
        );
        // Whole: title + 1 + 2 + 1 + 1 = 6 rows.
        let all = arrange(&s, 20, 6);
        assert_eq!((all.question, all.first, all.more_above), (None, 0, false));
        // Five rows: the question's note shows whole among the newest.
        let five = arrange(&s, 20, 5);
        assert_eq!((five.question, five.first), (None, 1));
        // Four rows: the question alone, then both answers.
        let four = arrange(&s, 20, 4);
        assert!(four.title && four.more_above);
        assert_eq!(four.question.as_deref(), Some("What happens?"));
        assert_eq!(four.notes, ["First answer.", "Second answer."]);
        assert_eq!(four.first, 2);
        // Three: the older answer gives way to the question.
        let three = arrange(&s, 20, 3);
        assert_eq!(three.question.as_deref(), Some("What happens?"));
        assert_eq!((three.first, three.title), (3, true));
        // Two: the title gives way; one: the answer alone.
        let two = arrange(&s, 20, 2);
        assert_eq!(
            (two.title, two.question.as_deref(), two.first),
            (false, Some("What happens?"), 3)
        );
        let one = arrange(&s, 20, 1);
        assert_eq!((one.title, one.question, one.first), (true, None, 3));
    }

    #[test]
    fn the_whole_question_note_where_the_answers_leave_room() {
        let s = step(
            &[
                "Some context here.",
                "More context here. What happens?",
                "A first answer of two rows here.",
                "A second answer of two rows.",
            ],
            &[1],
        );
        let five = arrange(&s, 20, 5);
        assert!(five.title && five.more_above);
        assert_eq!(
            five.question.as_deref(),
            Some("More context here. What happens?")
        );
        assert_eq!(five.notes, ["A second answer of two rows."]);
        assert_eq!(five.first, 3);
    }

    #[test]
    fn a_question_in_sight_or_still_open_is_not_kept_twice() {
        // The question is the newest note: nothing answers it yet.
        let s = step(&["Some context here.", "More context. What happens?"], &[1]);
        assert_eq!(arrange(&s, 20, 3).question, None);
        // No prediction in the step.
        let s = step(&["One.", "Two.", "Three.", "Four."], &[]);
        assert_eq!(arrange(&s, 20, 3).question, None);
    }

    #[test]
    fn answers_beside_the_next_question_keep_theirs_or_give_way() {
        let s = step(
            &[
                "First question?",
                "Its answer.",
                "More of the answer.",
                "Second question?",
            ],
            &[0, 3],
        );
        // Four rows: the first question kept above its first answer, with
        // the second question under them (what came between gives way).
        let four = arrange(&s, 20, 4);
        assert_eq!(four.question.as_deref(), Some("First question?"));
        assert_eq!(four.answer.as_deref(), Some("Its answer."));
        assert_eq!(four.notes, ["Second question?"]);
        assert!(four.title && four.more_above);
        // Two: no answer fits under its question, and notes of their own
        // answered it: it gives way, and the second question shows alone,
        // under the title, not as a second open question below the first.
        let two = arrange(&s, 20, 2);
        assert_eq!(two.question, None);
        assert_eq!((two.title, two.first), (true, 3));
        assert_eq!(two.notes, ["Second question?"]);
        assert!(two.more_above);
        // Where the next question follows the first at once, its note may
        // begin with the answer: the first stays above it.
        let s = step(
            &["First question?", "No. Second question?", "Its answer."],
            &[0, 1],
        );
        let two = arrange(&s, 20, 2);
        assert_eq!(two.question.as_deref(), Some("Second question?"));
        // A third question after the second: the first gives way.
        let mut s = s;
        s.notes.push("Third question?".into());
        s.questions.push(4);
        let two = arrange(&s, 20, 2);
        assert_eq!(two.question.as_deref(), Some("Second question?"));
        assert_eq!(two.notes, ["Third question?"]);
    }

    #[test]
    fn an_answered_question_gives_way_to_the_open_one() {
        let s = step(
            &[
                "First question?",
                "Its answer.",
                "Second question?",
                "An answer of two rows here.",
            ],
            &[0, 2],
        );
        // Four rows: the second question is open and shows with its
        // answer; the first, answered, is not kept above them, nor is its
        // answer left without it.
        let four = arrange(&s, 20, 4);
        assert_eq!(four.question, None);
        assert_eq!(
            four.notes,
            ["Second question?", "An answer of two rows here."]
        );
        assert!(four.title && four.more_above);
        // Three: the open question kept above its answer, the title in
        // the heading.
        let three = arrange(&s, 20, 3);
        assert_eq!(three.question.as_deref(), Some("Second question?"));
        assert_eq!((three.title, three.first), (false, 3));
    }

    /// At 100×30 distance's step 2 showed its question, then two later
    /// notes, with the answer ("No: …") between them hidden and no "more
    /// above" in the heading. A question on the page keeps its first
    /// answer under it where the newest note leaves room; where it does
    /// not, the heading says there is more above.
    #[test]
    fn a_question_in_sight_keeps_its_first_answer_or_says_more_above() {
        let s = step(
            &[
                "Does it leave?",
                "No: an answer of two rows.",
                "A note between here.",
                "The newest note.",
            ],
            &[0],
        );
        // Whole: title + 1 + 2 + 1 + 1 = 6 rows.
        assert!(!arrange(&s, 20, 6).more_above);
        // Five: the answer stays under its question; the note between
        // gives way, and the heading says so.
        let five = arrange(&s, 20, 5);
        assert_eq!(five.question.as_deref(), Some("Does it leave?"));
        assert_eq!(five.answer.as_deref(), Some("No: an answer of two rows."));
        assert_eq!(
            (five.notes.clone(), five.first),
            (vec!["The newest note.".to_string()], 3)
        );
        assert!(five.title && five.more_above);
        // Four: no room for the answer beside the newest note; the
        // question shows whole, and the heading says more is above.
        let four = arrange(&s, 20, 4);
        assert_eq!(four.question.as_deref(), Some("Does it leave?"));
        assert_eq!(four.answer, None);
        assert_eq!(four.notes, ["A note between here.", "The newest note."]);
        assert!(four.more_above, "{four:?}");
        let three = arrange(&s, 20, 3);
        assert_eq!(three.notes, ["The newest note."]);
        assert!(three.more_above, "{three:?}");
    }
}
