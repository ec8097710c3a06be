//! The whole screen at a lesson's stop as its snapshot keeps it: what the
//! lesson decides kept as drawn, what the kernel decides run to run left
//! out or masked.
//!
//! Kept as drawn: every pane's place and size (its borders), the step's
//! heading, the pane titles, the connections' column headings, the status
//! line, any help or form over the panes, and the narration word for word,
//! wrapped as the lab's own narration code wraps it. A note that quotes the
//! kernel is written there as the lesson wrote it (`{C1.snd_wnd}`): the
//! width of a figure the kernel decides does not move a line break.
//!
//! Left out: the rows inside the panes that draw sockets as they are (the
//! listeners, the connections, the selected one, the results, the link's
//! row, the kernel view and the wire a key or a lesson opened). What they
//! hold, which results fit, where a row is shortened, whether a client
//! still waits on a loaded machine, is the kernel's timing; the words and
//! labels they draw are held by the pane tests and the screen-backing check
//! of every note.
//!
//! Masked in what is kept: every figure (with its sign, `<`, and unit:
//! `12.3k`, `<1 s`, `0.4 ms`) becomes `#`, keeping lab socket names
//! (`L1`, `C2`); runs of blanks become one; a titled border's dashes
//! become two (a title's figures change its length); the per-state counts
//! in the connections' title (`· ESTAB 2`, in any of its forms down to
//! `# = ESTAB 2 + others 1`, which the pane words for its width), the results' "in short"
//! hint, and the connections' lower border (rows out of sight, what `✝`
//! means), which follow the kernel's states, the rows it keeps and the
//! results that fit.
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
const UNITS: &[&str] = &[
    "KiB", "MiB", "GiB", "ms", "µs", "ns", "k", "K", "M", "G", "B", "s", "%",
];

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
    i >= 1 && "LCAUS".contains(c[i - 1]) && (i < 2 || !wordy(c[i - 2])) && c[i].is_ascii_digit()
}

/// `row` with runs of blanks as one and none beside a pane's side, a
/// titled border's dashes as two, its end trimmed.
fn squeeze(row: &str) -> String {
    let titled = row.chars().any(char::is_alphanumeric);
    let mut out = String::new();
    for c in row.trim_end().chars() {
        let last = out.chars().last();
        let side = |c: char| c == '│';
        if c == ' ' && (last == Some(' ') || last.is_some_and(side)) {
            continue;
        }
        if side(c) && last == Some(' ') {
            out.pop();
        }
        if titled && c == '─' && out.ends_with("──") {
            continue;
        }
        out.push(c);
    }
    out
}

/// What is shown only when the kernel's figures make it so, left out: the
/// connections' per-state counts, a column that appears only when a name
/// or a call in flight needs it.
fn unmask_optional(row: &str) -> String {
    let mut row = row.to_string();
    for state in [
        "ESTAB",
        "SYN-SENT",
        "SYN-RECV",
        "CLOSE-WAIT",
        "TIME-WAIT",
        "FIN-WAIT-#",
        "LAST-ACK",
        "CLOSING",
        "CLOSED",
        "UNCONN",
        "others",
    ] {
        // In each of the title's forms: `· ESTAB #`, `: ESTAB #, CLOSED #`,
        // `# = ESTAB # + CLOSED #`.
        for sep in [" · ", ", ", ": ", " + ", " = "] {
            row = row.replace(&format!("{sep}{state} #"), "");
        }
    }
    // The tightest form leaves the pane's name out: it is put back.
    for focus in ["┌ ▶ # ", "┌ # "] {
        if let Some(at) = row.find(focus) {
            let name = focus.replace("# ", "Connections · # ");
            row.replace_range(at..at + focus.len(), &name);
        }
    }
    // The selected socket's pair, left out: a peer that has just closed
    // leaves the title a moment earlier or later.
    if let Some(at) = row.find("Selected · ") {
        let from = at + "Selected · ".len();
        if let Some(end) = row[from..].find(" · ")
            && let Some(pair) = row[from..from + end].find(" ⇄ ")
        {
            row.replace_range(from + pair..from + end, "");
        }
    }
    // The mark that counts were left out for want of room goes with them.
    // (A title that filled its border has no dashes left: as if it had.)
    if row.contains("Connections · #") {
        row = row
            .replace("Connections · # · …", "Connections · #")
            .replace("Connections · # ┐", "Connections · # ──┐")
            .replace("Connections · # ─┐", "Connections · # ──┐");
    }
    // How long a view has stood depends on how long the play took to
    // reach the next frame: its age is left out.
    row = row
        .replace(" · as it was # ago", "")
        .replace(" · as it was # min ago", "");
    // How many lines the kernel view runs to depends on what the kernel
    // held when it was taken (a call in flight, a SYN-RECV entry): whether
    // it scrolls, and where, is left out.
    if row.contains("kernel view (show) · lines #–# of #") {
        row = row
            .replace(" · lines #–# of #", "")
            .replace(" · ↓ more", "");
    }
    row.replace(" pair ", " ").replace("call in flight", "call")
}

/// The narration's heading from its step number on, without the step's
/// title: a page names its step in the heading only when the notes leave
/// no row for the title, and how the notes wrap on screen follows the
/// width of the figures the kernel decides (`{A1.elapsed}` is `3.1 s` in
/// one play, `22.58 s` in the next), while the rows kept here are the
/// notes as written. That every page names its step is checked on the
/// screen as drawn (`pages.rs`).
fn heading_without_title(row: &str) -> String {
    let Some(at) = row.find("step ") else {
        return row.to_string();
    };
    let Some(open) = row[..at].rfind('┌') else {
        return row.to_string();
    };
    let rest = &row[at..];
    let end = 5 + rest[5..]
        .find(|c: char| !(c.is_ascii_digit() || c == '/'))
        .unwrap_or(rest.len() - 5);
    let (number, after) = rest.split_at(end);
    let after = match after.strip_prefix(": ") {
        Some(title) => title.find(" · ").map_or(after, |dot| &title[dot..]),
        None => after,
    };
    format!("{}┌ {number}{after}", &row[..open])
}

/// The narration's rows of text as the lab's narration code draws the
/// notes as the lesson wrote them (a quote as `{C1.snd_wnd}`), in `inner`.
fn narration_as_written(app: &App, inner: Rect) -> Buffer {
    let script = app.script.as_ref().unwrap();
    let (step, paged) = narration::step_paged(
        script.player.lines(),
        script.player.position(),
        script.shown_to(),
        &script.name,
        &std::collections::HashMap::new(),
        script.page_from(),
    );
    let whole = narration::paragraph(step.title.clone(), step.notes.clone(), Style::default())
        .line_count(inner.width);
    let mut buf = Buffer::empty(inner);
    if paged || whole > usize::from(inner.height) {
        let arranged = narration::arrange(&step, inner.width, usize::from(inner.height));
        narration::arranged_paragraph(&step.title, &arranged, Style::default())
            .render(inner, &mut buf);
    } else {
        narration::paragraph(step.title, step.notes, Style::default()).render(inner, &mut buf);
    }
    narration::blank_no_breaks(&mut buf, inner);
    buf
}

/// The rects whose rows inside the border are left out: the panes that
/// draw sockets as they are, and the kernel view or wire over them.
fn live_panes(app: &App, w: u16, h: u16) -> Vec<Rect> {
    let areas = view::areas(app, w, h);
    let mut live = vec![
        areas.listeners,
        areas.connections,
        areas.selected,
        areas.results,
    ];
    // The wire, when a lesson opened it, over the selected pane and the
    // results: its segments and graph are the kernel's timing too.
    if app.wire.shown {
        live.push(areas.selected.union(areas.results));
    }
    if matches!(app.mode, sockplay::tui::app::Mode::Show) {
        live.push(view::kernel_view::area(app, Rect::new(0, 0, w, h)));
    }
    live
}

/// The screen of `app` at `w`×`h` as the snapshot keeps it.
pub fn normalised(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(f, app)).unwrap();
    let mut buf = term.backend().buffer().clone();
    let areas = view::areas(app, w, h);
    let show = matches!(app.mode, sockplay::tui::app::Mode::Show);
    let help = matches!(app.mode, sockplay::tui::app::Mode::Help);
    let covered = |y: u16| view::covered(app, w, h, y);
    let blank = |buf: &mut Buffer, x: u16, y: u16| {
        buf[(x, y)].set_symbol(" ");
    };
    if !help {
        let view_area = view::kernel_view::area(app, Rect::new(0, 0, w, h));
        for r in live_panes(app, w, h) {
            let overlay = show && r == view_area;
            let first = r.y + 1;
            // The connections' column headings are kept.
            let first = if r == areas.connections {
                first + 1
            } else {
                first
            };
            for y in first..(r.y + r.height).saturating_sub(1) {
                if covered(y) != overlay {
                    continue;
                }
                for x in r.x + 1..(r.x + r.width).saturating_sub(1) {
                    blank(&mut buf, x, y);
                }
            }
            // The "in short" hint on the results' lower border, and the
            // connections' one: how many rows are out of sight and what ✝
            // means where a row shows it, which follow the rows the
            // kernel keeps (a TIME-WAIT row leaves after a minute, at one
            // stop or another as the machine is slow or quick).
            let bottom = r.y + r.height - 1;
            if (r == areas.results || r == areas.connections) && !covered(bottom) {
                for x in r.x + 1..(r.x + r.width).saturating_sub(1) {
                    buf[(x, bottom)].set_symbol("─");
                }
            }
        }
        if let Some(p) = areas.pipe.filter(|p| !covered(p.y)) {
            for x in p.x..p.x + p.width {
                blank(&mut buf, x, p.y);
            }
        }
    }
    let mut verbatim = BTreeSet::new();
    if let Some(n) = areas.narration {
        // The heading is the lesson's: its step numbers are kept, not
        // whether it also names the step (see `heading_without_title`).
        if !covered(n.y) {
            verbatim.insert(n.y);
            let row: String = (0..w).map(|x| buf[(x, n.y)].symbol()).collect();
            let kept = heading_without_title(&row);
            for (x, c) in (0..w).zip(kept.chars().chain(std::iter::repeat(' '))) {
                buf[(x, n.y)].set_char(c);
            }
        }
        let inner = Rect::new(n.x + 1, n.y + 1, n.width - 2, n.height.saturating_sub(2));
        let written = narration_as_written(app, inner);
        for y in inner.y..inner.y + inner.height {
            if covered(y) {
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
            if verbatim.contains(&y) {
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
        (
            "│C1⇄A1 ESTAB blocking 1.2k  0  sendall… 3.4s│",
            "│C1⇄A1 ESTAB blocking # # sendall… #│",
        ),
        ("│L12 127.0.0.1:40001 LISTEN    │", "│L12 # LISTEN│"),
        ("next SYN in <1 s", "next SYN in #"),
        ("(0.4 ms)  (12 s)", "(#) (#)"),
        ("queue 0/4096  wnd 65.5k", "queue #/# wnd #"),
        ("FIN-WAIT-2  IPv4  x200", "FIN-WAIT-# IPv4 x200"),
        (
            "┌ ▶ Connections · 12 · ESTAB 10 · SYN-SENT 2 ──────┐",
            "┌ ▶ Connections · # ──┐",
        ),
        (
            "┌ ▶ Connections · 12 · ESTAB 10 · … ┐",
            "┌ ▶ Connections · # ──┐",
        ),
        ("┌ ▶ Connections · 2 · … ─┐", "┌ ▶ Connections · # ──┐"),
        (
            "┌ kernel view (show) · lines 1–14 of 17 · ↓ more ───┐",
            "┌ kernel view (show) ──┐",
        ),
        (
            "┌ kernel view (show) · as it was 7 s ago · lines 1–14 of 17 · ↓ more ───┐",
            "┌ kernel view (show) ──┐",
        ),
        (
            "┌ kernel view (show) · as it was 3 min ago ───┐",
            "┌ kernel view (show) ──┐",
        ),
        (
            "┌ ▶ Connections · 2: CLOSE-WAIT 1, FIN-WAIT-2 1 ┐",
            "┌ ▶ Connections · # ──┐",
        ),
        (
            "┐┌ ▶ 11 = ESTAB 6 + CLOSED 3 + SYN-SENT 2 ─────┐",
            "┐┌ ▶ Connections · # ──┐",
        ),
        (
            "┐┌ 7 = ESTAB 4 + CLOSE-WAIT 2 + others 1 ─┐",
            "┐┌ Connections · # ──┐",
        ),
        (
            "│name pair state mode call in flight │",
            "│name state mode call│",
        ),
    ];
    cases
        .iter()
        .filter_map(|(row, want)| {
            let got = squeeze(&unmask_optional(&mask(row)));
            (got != *want).then(|| format!("mask({row:?}) = {got:?}, want {want:?}"))
        })
        .collect()
}
