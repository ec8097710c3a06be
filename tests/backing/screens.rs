//! The whole screen at a lesson's stop as its snapshot keeps it: what the
//! lesson decides kept as drawn, what the kernel decides run to run masked.
//!
//! Kept as drawn: every pane's place and size (its borders), the step's
//! heading, pane titles, column headings, labels and words, states and
//! modes, lab socket names (`L1`, `C2⇄A2`), the commands the lesson ran as
//! the results echo them, and the narration word for word, wrapped as the
//! lab's own narration code wraps it. A note that quotes the kernel is
//! written there as the lesson wrote it (`{C1.snd_wnd}`): the width of a
//! figure the kernel decides does not move a line break.
//!
//! Masked: every other figure (with its sign, `<`, and unit: `12.3k`,
//! `<1 s`, `0.4 ms`) becomes `#`; a bar or chart becomes one `▮`; runs of
//! blanks become two (a column's width follows the figures it holds); the
//! memory a buffer is charged beyond its data (`, mem 5.6k`), shown only
//! when the kernel's bookkeeping runs well above the data.
//!
//! `SCREENS_DUMP=DIR` writes them, a file per lesson and size, to compare
//! two plays or two versions by eye or with diff.

use std::collections::BTreeSet;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;
use sockplay::tui::app::App;
use sockplay::tui::view::{self, narration};

/// Units a figure may carry, glued to it or after one space.
const UNITS: &[&str] = &["KiB", "MiB", "GiB", "ms", "µs", "ns", "k", "K", "M", "G", "B", "s", "%"];

/// Bar and chart glyphs.
const BARS: &str = "█▉▊▋▌▍▎▏░▒▓▁▂▃▄▅▆▇";

/// Whether `c` may be part of a word (a name, a unit).
fn wordy(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The unit at the start of `rest`, if one ends there.
fn unit_at(rest: &[char]) -> Option<usize> {
    UNITS.iter().find_map(|u| {
        let n = u.chars().count();
        let matches = rest.len() >= n && rest[..n].iter().copied().eq(u.chars());
        (matches && rest.get(n).is_none_or(|c| !wordy(*c))).then_some(n)
    })
}

/// `row` with every figure the kernel decides masked as `#`: a digit run
/// with its decimals or address parts, a `<` or `~` before it and a unit
/// after it. The digits of a lab socket's name (`L1`, `C12`) are kept.
pub fn mask(row: &str) -> String {
    let c: Vec<char> = row.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        let before = if i == 0 { ' ' } else { c[i - 1] };
        let prefixed = "<≤~+".contains(c[i]) && c.get(i + 1).is_some_and(char::is_ascii_digit);
        if !(c[i].is_ascii_digit() || prefixed) || (wordy(before) && !is_name_end(&c, i)) {
            out.push(c[i]);
            i += 1;
            continue;
        }
        if is_name_end(&c, i) {
            // A socket's number: the digits as they are.
            while i < c.len() && c[i].is_ascii_digit() {
                out.push(c[i]);
                i += 1;
            }
            continue;
        }
        i += usize::from(prefixed);
        while i < c.len()
            && (c[i].is_ascii_digit()
                || (".,:".contains(c[i]) && c.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        if let Some(n) = unit_at(&c[i..]) {
            i += n;
        } else if c.get(i) == Some(&' ')
            && let Some(n) = unit_at(&c[i + 1..])
        {
            i += 1 + n;
        }
        out.push('#');
    }
    out
}

/// Whether the digits at `i` end a lab socket's name: one capital (`L`,
/// `C`, `A`, `U`, `S`) right before them, and no letter before that.
fn is_name_end(c: &[char], i: usize) -> bool {
    i >= 1
        && "LCAUS".contains(c[i - 1])
        && (i < 2 || !wordy(c[i - 2]))
        && c[i].is_ascii_digit()
}

/// `row` with bars as one `▮` and runs of blanks as two, its end trimmed.
fn squeeze(row: &str) -> String {
    let mut out = String::new();
    let mut blanks = 0;
    let mut last = ' ';
    for c in row.trim_end().chars() {
        let c = if BARS.contains(c) { '▮' } else { c };
        if c == '▮' && last == '▮' {
            continue;
        }
        blanks = if c == ' ' { blanks + 1 } else { 0 };
        if blanks > 2 {
            continue;
        }
        out.push(c);
        last = c;
    }
    out
}

/// What is shown only when the kernel's figures make it so, left out.
fn unmask_optional(row: &str) -> String {
    row.replace(", mem #", "")
}

/// The narration's rows of text as the lab's narration code draws the
/// notes as the lesson wrote them (a quote as `{C1.snd_wnd}`), in `inner`.
fn narration_as_written(app: &App, inner: Rect) -> Buffer {
    let script = app.script.as_ref().unwrap();
    let step = narration::step_shown(
        script.player.lines(),
        script.player.position(),
        script.shown_to(),
        &script.name,
    );
    let title_rows =
        narration::paragraph(step.title.clone(), Vec::new(), Style::default()).line_count(inner.width);
    let whole = narration::paragraph(step.title.clone(), step.notes.clone(), Style::default())
        .line_count(inner.width);
    let notes = if whole > usize::from(inner.height) {
        let room = usize::from(inner.height).saturating_sub(title_rows);
        narration::newest_that_fit(&step.notes, inner.width, room).0
    } else {
        step.notes
    };
    let mut buf = Buffer::empty(inner);
    narration::paragraph(step.title, notes, Style::default()).render(inner, &mut buf);
    buf
}

/// The screen of `app` at `w`×`h` as the snapshot keeps it.
pub fn normalised(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(f, app)).unwrap();
    let mut buf = term.backend().buffer().clone();
    let narration = view::areas(app, w, h).narration;
    let mut verbatim = BTreeSet::new();
    if let Some(n) = narration {
        // The heading is the lesson's: its step numbers are kept.
        if !view::covered(app, w, h, n.y) {
            verbatim.insert(n.y);
        }
        let inner = Rect::new(n.x + 1, n.y + 1, n.width - 2, n.height.saturating_sub(2));
        let written = narration_as_written(app, inner);
        for y in inner.y..inner.y + inner.height {
            if view::covered(app, w, h, y) {
                continue;
            }
            verbatim.insert(y);
            for x in inner.x..inner.x + inner.width {
                buf[(x, y)] = written[(x, y)].clone();
            }
        }
    }
    (0..h)
        .map(|y| {
            let row: String = (0..w).map(|x| buf[(x, y)].symbol()).collect();
            // The commands the lesson ran, as the results echo them.
            let echo = row.contains("▸ ") && row.contains("(script)");
            if verbatim.contains(&y) || echo {
                squeeze(&row)
            } else {
                squeeze(&unmask_optional(&mask(&row)))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The masking on rows the lab draws: what it keeps and what it masks.
pub fn self_test() -> Vec<String> {
    let cases = [
        ("│C1⇄A1 ESTAB blocking 1.2k  0  sendall… 3.4s│", "│C1⇄A1 ESTAB blocking #  #  sendall… #│"),
        ("L12 127.0.0.1:40001 LISTEN", "L12 # LISTEN"),
        ("queue ▕██▏ 0/4096  wnd 65.5k", "queue ▕▮▏ #/#  wnd #"),
        ("next SYN in <1 s", "next SYN in #"),
        ("(0.4 ms)  (12 s)", "(#)  (#)"),
        ("sndbuf ▕███░░▏ 4.0k/8.0k, mem 5.6k ▶ wnd 0", "sndbuf ▕▮▏ #/# ▶ wnd #"),
        ("FIN-WAIT-2  IPv4  x200", "FIN-WAIT-#  IPv4  x200"),
    ];
    cases
        .iter()
        .filter_map(|(row, want)| {
            let got = squeeze(&unmask_optional(&mask(row)));
            (got != squeeze(want)).then(|| format!("mask({row:?}) = {got:?}, want {want:?}"))
        })
        .collect()
}
