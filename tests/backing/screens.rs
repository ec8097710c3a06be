//! The whole screen at a lesson's stop, with what the kernel decides run
//! to run masked and what the lesson decides kept: its notes word for
//! word (a figure a note quotes from the kernel masked), the commands it
//! runs as the results echo them, the sockets, their states and modes.
//! `SCREENS_DUMP=DIR` writes them, a file per lesson and size, to compare
//! two plays or two versions by eye or with diff. Not yet a snapshot: two
//! plays at 80×24 still differed in 7 of 14 lessons (a figure's width
//! moves where a row wraps or a result folds).

use std::collections::BTreeSet;

use sockplay::script::Statement;
use sockplay::tui::app::App;
use sockplay::tui::view;

/// Digit runs written in the lesson's own notes and commands: a figure the
/// lesson decides, kept where the narration shows it.
fn lesson_figures(app: &App) -> BTreeSet<String> {
    let script = app.script.as_ref().unwrap();
    script
        .player
        .lines()
        .iter()
        .filter(|l| matches!(l.statement, Statement::Note(_) | Statement::Step(_)))
        .flat_map(|l| digit_runs(&l.text))
        .collect()
}

fn digit_runs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run = String::new();
    for c in text.chars().chain([' ']) {
        if c.is_ascii_digit() {
            run.push(c);
        } else if !run.is_empty() {
            out.push(std::mem::take(&mut run));
        }
    }
    out
}

/// `row` with every digit run masked as `#`, except those in `keep`;
/// bars and charts as one `▮`; runs of blanks as two.
fn mask(row: &str, keep: Option<&BTreeSet<String>>) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if !run.is_empty() {
            if keep.is_some_and(|k| k.contains(run.as_str())) {
                out.push_str(run);
            } else {
                out.push('#');
            }
            run.clear();
        }
    };
    let mut last = ' ';
    for c in row.chars() {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        flush(&mut run, &mut out);
        let c = if "█▉▊▋▌▍▎▏░▒▓▁▂▃▄▅▆▇".contains(c) {
            '▮'
        } else {
            c
        };
        if c == '▮' && last == '▮' {
            continue;
        }
        out.push(c);
        last = c;
    }
    flush(&mut run, &mut out);
    // Column widths follow what they hold: blanks say only "apart".
    let mut squeezed = String::new();
    let mut blanks = 0;
    for c in out.trim_end().chars() {
        if c == ' ' {
            blanks += 1;
            if blanks > 2 {
                continue;
            }
        } else {
            blanks = 0;
        }
        squeezed.push(c);
    }
    squeezed
}

/// The screen of `app` at `w`×`h` as the snapshot keeps it.
pub fn normalised(app: &App, w: u16, h: u16) -> String {
    let (all, _) = super::play::screen(app, w, h);
    let figures = lesson_figures(app);
    let narration = view::areas(app, w, h).narration;
    all.lines()
        .enumerate()
        .map(|(y, row)| {
            let y = y as u16;
            let in_narration = narration.is_some_and(|n| y > n.y && y + 1 < n.y + n.height)
                && !view::covered(app, w, h, y);
            // The commands the lesson ran, as the results echo them.
            let echo = row.contains("▸ ") && row.contains("(script)");
            if echo {
                mask(row, Some(&digit_runs(row).into_iter().collect()))
            } else if in_narration {
                mask(row, Some(&figures))
            } else {
                mask(row, None)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
