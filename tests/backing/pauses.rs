//! What the results show when a lesson stops at a question: a check of an
//! earlier step (`✓ A1 recvall took ≤ 19 ms`) drawn beside a question
//! can give its answer away, or muddle it with a figure of another run.
//! The results show the checks of the step the lesson is in, none older.
//! A check reads in a lesson as a statement after `✓ `; several in one
//! row are parted by ` · `, a subject said once for a run of them
//! (`L1 accept timed out · gave no errno`).

use sockplay::script::stated::stated;
use sockplay::script::{Line, Statement};
use sockplay::tui::app::App;
use sockplay::tui::log::Entry;

use super::play::{Miss, note_text, step_title};

/// The checks of a `✓ ` row of the results drawn (`│✓ A1 recvq 8 │`), as
/// the row writes them after the mark.
fn check_row(row: &str) -> Option<&str> {
    row.trim_start_matches(['│', ' ']).strip_prefix("✓ ")
}

/// The checks that held, as the results drawn at a stop show them: each
/// `✓ ` row's checks (`C1 is ESTABLISHED`), folded ones apart, without
/// the `+2 more` of a folded row or a check cut short.
pub fn checks_shown(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(check_row)
        .flat_map(|rest| rest.trim_end_matches(['│', ' ']).split(" · "))
        .filter(|c| !c.starts_with('+') && !c.ends_with('…'))
        .map(str::to_string)
        .collect()
}

/// The checks a lesson makes after the pause at line `pause`, up to the
/// note that answers it: the question's answer, as the lesson proves it.
pub fn checks_after(lines: &[Line], pause: usize) -> Vec<String> {
    lines[pause + 1..]
        .iter()
        .take_while(|l| !matches!(l.statement, Statement::Note(_) | Statement::Step(_)))
        .filter_map(|l| match &l.statement {
            Statement::Expect(e) => Some(stated(e, None, None, true).text()),
            _ => None,
        })
        .collect()
}

/// The checks that held in the step the lesson is in, as its log has
/// them: every check since the step's title.
pub fn own_checks(app: &App) -> Vec<String> {
    let entries = app.log.entries();
    (0..entries.len())
        .rev()
        .take_while(|&i| !matches!(entries[i], Entry::Step(_)))
        .filter_map(|i| match &entries[i] {
            Entry::Expect(r) if r.ok => app.log.stated(i).map(|s| s.text()),
            _ => None,
        })
        .collect()
}

/// The checks drawn in `log` (the results' rows) after `✓ ` that are
/// none of `own`: checks of an earlier step. A check after the first of
/// a row may leave out a subject the one before it named (`gave no
/// errno` after `L1 accept timed out`): it is one of `own` when one of
/// them ends with it. A row's last check may be cut short (`C1 is EST…`,
/// or at the pane's edge): it is one of `own` when one of them holds
/// what is left of it.
pub fn earlier_shown(log: &str, own: &[String]) -> Vec<String> {
    let mut earlier = Vec::new();
    for row in log.lines() {
        let Some(rest) = check_row(row) else {
            continue;
        };
        let checks: Vec<&str> = rest.trim_end_matches(['│', ' ']).split(" · ").collect();
        for (k, c) in checks.iter().enumerate() {
            if c.starts_with('+') && c.ends_with(" more") {
                continue;
            }
            let last = k + 1 == checks.len();
            let stem = c.trim_end_matches('…');
            let mine = own.iter().any(|o| {
                o == c
                    || (k > 0 && o.ends_with(&format!(" {c}")))
                    || (last && !stem.is_empty() && o.contains(stem))
            });
            if !mine {
                earlier.push(c.to_string());
            }
        }
    }
    earlier
}

/// The question asked at the `pause` at line `pause`: the note right
/// before it, when it ends with a question mark.
pub fn question_at(app: &App, lines: &[Line], pause: usize) -> Option<String> {
    let at = pause.checked_sub(1)?;
    if !matches!(lines[at].statement, Statement::Note(_)) {
        return None;
    }
    let note = note_text(app, at);
    note.trim_end().ends_with('?').then_some(note)
}

/// At a pause that asks a question, the checks of earlier steps the
/// results still show: each a miss.
pub fn earlier_at_question(app: &App, lines: &[Line], pause: usize, log: &str) -> Option<Miss> {
    let question = question_at(app, lines, pause)?;
    let earlier = earlier_shown(log, &own_checks(app));
    (!earlier.is_empty()).then(|| Miss {
        step: step_title(lines, pause),
        note: question,
        missing: earlier
            .into_iter()
            .map(|c| format!("✓ {c} drawn beside the question: a check of an earlier step"))
            .collect(),
    })
}

/// With `BACKING_PAUSES` set, lists at each pause the question, the
/// checks that held as the results show them, the checks the lesson makes
/// after the pause (its answer's proof), and those shown already: a check
/// on screen at a pause must not give the answer the class is asked to
/// predict. A reader judges each: a check made again for a state that
/// stays (`L3 syn_recv=4` while a client connects) is no answer.
pub fn list_pause_checks(app: &App, lines: &[Line], pause: usize, log: &str) {
    if std::env::var_os("BACKING_PAUSES").is_none() {
        return;
    }
    let shown = checks_shown(log);
    let coming = checks_after(lines, pause);
    let question = (0..pause)
        .rev()
        .find(|&i| matches!(lines[i].statement, Statement::Note(_)))
        .map(|i| note_text(app, i))
        .unwrap_or_default();
    let again: Vec<&String> = coming.iter().filter(|c| shown.contains(c)).collect();
    eprintln!(
        "PAUSE {} · {question}\n  shown: {shown:?}\n  coming: {coming:?}\n  shown again: {again:?}",
        step_title(lines, pause)
    );
}

/// The rule finds what it must: a check of an earlier step, whole or cut,
/// beside a question, and lets the step's own pass. Failures, described.
pub fn self_test() -> Vec<String> {
    let own = vec![
        "C1 TCP_CORK on".to_string(),
        "A1 recvall returned 15".to_string(),
        "A1 recvall gave no errno".to_string(),
    ];
    let log = "│✓ C1 TCP_CORK on · A1 recvall returned 15 · gave no errno │\n\
               │#12 A1 recvall(15) → 15 (0.2 s)                  │";
    let mut failed = Vec::new();
    if !earlier_shown(log, &own).is_empty() {
        failed.push("pauses: the step's own checks taken for an earlier step's".to_string());
    }
    let log = "│✓ A1 recvall took ≤ 19 ms · C1 TCP_CO…        │";
    if earlier_shown(log, &own) != vec!["A1 recvall took ≤ 19 ms".to_string()] {
        failed.push("pauses: an earlier step's check beside the question not found".to_string());
    }
    let log = "│✓ A1 recvall took ≤ 19 ms · +2 more          │";
    if earlier_shown(log, &[]).len() != 1 {
        failed.push("pauses: a folded earlier check not found".to_string());
    }
    failed
}
