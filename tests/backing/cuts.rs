//! No word or figure cut: each pane as the screen drew it, held against
//! the same pane drawn alone far wider (and taller, where rows are what it
//! lacks), from the same App. Where the screen shortened something it must
//! say so with "…" after whole words, or leave out whole fields; a phrase
//! that stops where the wide drawing goes on ("next SYN in 10" of "next
//! SYN in 10 s"), or a word the wide drawing does not have ("SYN-SE"), is
//! a cut. A pane's title that runs into its corner is one too, and a
//! results pane that shows only how many results it folded away.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use sockplay::tui::app::{App, Mode};
use sockplay::tui::view::{self, Part};

/// How wide a pane is drawn to show its text unshortened.
const WIDE: u16 = 1000;

/// What separates two tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gap {
    /// One space: the same phrase.
    One,
    /// Two spaces or more: another field.
    Wide,
    /// The end of a row: the phrase may go on below, or not.
    Row,
}

/// A pane's text as tokens, each with the gap before it.
fn tokens(rows: &[String]) -> Vec<(Gap, String)> {
    let mut out = Vec::new();
    for row in rows {
        let mut first = true;
        let mut separated = false;
        let mut spaces = 0usize;
        let mut word = String::new();
        for c in row.chars().chain([' ']) {
            if c != ' ' {
                word.push(c);
                continue;
            }
            if !word.is_empty() {
                let gap = match (first, spaces) {
                    (true, _) => Gap::Row,
                    (false, 1) if !separated => Gap::One,
                    _ => Gap::Wide,
                };
                // "·" separates fields: it is no word of theirs.
                separated = word == "·";
                if !separated {
                    // A pair joined to its name ("C1⇄A1") where the pair
                    // has no column of its own.
                    match word.find('⇄').filter(|at| *at > 0) {
                        Some(at) => {
                            out.push((gap, normal(&word[..at])));
                            out.push((Gap::One, word[at..].to_string()));
                        }
                        None => out.push((gap, normal(&word))),
                    }
                }
                word.clear();
                first = first && separated;
                spaces = 0;
            }
            spaces += 1;
        }
    }
    out
}

/// A bar or a chart is drawn as wide as there is room: one token.
fn normal(word: &str) -> String {
    let (body, more) = match word.strip_suffix('…') {
        Some(b) => (b, "…"),
        None => (word, ""),
    };
    if !body.is_empty() && body.chars().all(|c| "█▉▊▋▌▍▎▏░▒▓▁▂▃▄▅▆▇".contains(c))
    {
        format!("▮{more}")
    } else {
        word.to_string()
    }
}

/// Whether a token drawn narrow stands for a token drawn wide: the same,
/// or shortened with "…" where a part was left out (`recv(…)`, `sendall…`).
fn same_token(narrow: &str, wide: &str) -> bool {
    match narrow.split_once('…') {
        None => narrow == wide,
        Some((pre, post)) => {
            wide.starts_with(pre) && wide.ends_with(post) && wide.len() >= pre.len() + post.len()
        }
    }
}

/// Where in `wide`, from `i`, the narrow tokens `piece` end when drawn
/// there in a row. A figure followed by a comma in the wide drawing may
/// stand without what the comma adds (`4096/8192` for `4096/8192, 2048
/// unsent, mem 5760`): those qualifiers, a few words each, are fields of
/// their own.
fn matched_to(piece: &[String], wide: &[(Gap, String)], i: usize) -> Option<usize> {
    let Some((n, rest)) = piece.split_first() else {
        return Some(i);
    };
    let w = &wide.get(i)?.1;
    if same_token(n, w) {
        return matched_to(rest, wide, i + 1);
    }
    if w.strip_suffix(',') != Some(n.as_str()) {
        return None;
    }
    // The qualifiers end on a word without a comma, where the rest goes on.
    (i + 2..=(i + 6).min(wide.len()))
        .filter(|&end| !wide[end - 1].1.ends_with(','))
        .find_map(|end| matched_to(rest, wide, end))
}

/// Whether `piece` (narrow tokens of one phrase) is drawn whole in `wide`:
/// the same tokens in a row (see [`matched_to`]), and the wide phrase ends
/// where it ends, unless the narrow one says "…".
fn found(piece: &[String], wide: &[(Gap, String)]) -> bool {
    let shortened = piece.last().is_some_and(|t| t.contains('…'));
    (0..wide.len()).any(|i| {
        matched_to(piece, wide, i)
            .is_some_and(|end| shortened || wide.get(end).is_none_or(|(g, _)| *g != Gap::One))
    })
}

/// Whether the narrow phrase `phrase` (tokens, and before each but the
/// first whether a row ends there) splits, at some of its row ends, into
/// pieces each found whole in `wide`.
fn phrase_ok(phrase: &[(Gap, String)], wide: &[(Gap, String)]) -> bool {
    if phrase.is_empty() {
        return true;
    }
    // A count of the fields left out ("+2 more") is whole by itself.
    if phrase.len() >= 2
        && phrase[0].1.starts_with('+')
        && phrase[0].1[1..].chars().all(|c| c.is_ascii_digit())
        && phrase[1].1 == "more"
    {
        return phrase_ok(&phrase[2..], wide);
    }
    let words: Vec<String> = phrase.iter().map(|(_, t)| t.clone()).collect();
    // The longest piece first: a wrapped phrase is one piece.
    (1..=phrase.len()).rev().any(|end| {
        (end == phrase.len() || phrase[end].0 == Gap::Row)
            && found(&words[..end], wide)
            && phrase_ok(&phrase[end..], wide)
    })
}

/// The phrases of a pane's tokens: runs between wide gaps.
fn phrases(tokens: &[(Gap, String)]) -> Vec<Vec<(Gap, String)>> {
    let mut out: Vec<Vec<(Gap, String)>> = Vec::new();
    for (gap, t) in tokens {
        if *gap == Gap::Wide || out.is_empty() {
            out.push(Vec::new());
        }
        out.last_mut().unwrap().push((*gap, t.clone()));
    }
    out
}

/// The connections table's headers, as the pane may write them.
const HEADERS: &[&str] = &[
    "name",
    "pair",
    "state",
    "mode",
    "recvq",
    "sendq",
    "notsent",
    "rcvbuf",
    "sndbuf",
    "app in",
    "app out",
    "call in flight",
    "call",
];

/// A table's rows as tokens, each cell a field of its own: the columns
/// start where the header row's names do (a full cell is followed by one
/// space only, like the words of a phrase).
fn table_tokens(rows: &[String]) -> Vec<(Gap, String)> {
    let Some(header) = rows.first() else {
        return Vec::new();
    };
    let chars: Vec<char> = header.chars().collect();
    let mut starts = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let rest: String = chars[at..].iter().collect();
        match HEADERS.iter().find(|h| rest.starts_with(*h)) {
            Some(h) => {
                starts.push(at);
                at += h.chars().count();
            }
            None => at += 1,
        }
    }
    if starts.is_empty() {
        return tokens(rows);
    }
    let mut out = Vec::new();
    // The header is the pane's own words, shortened by its own rule.
    for row in rows.iter().skip(1) {
        // The empty table's hint is a sentence, not cells.
        if row.starts_with("no connections") {
            out.extend(tokens(std::slice::from_ref(row)));
            continue;
        }
        let chars: Vec<char> = row.chars().collect();
        for (i, &from) in starts.iter().enumerate() {
            let to = if i + 1 < starts.len() {
                starts[i + 1]
            } else {
                chars.len()
            };
            let cell: String = chars
                .get(from.min(chars.len())..to.min(chars.len()))
                .unwrap_or_default()
                .iter()
                .collect();
            let mut cell_tokens = tokens(&[cell]);
            if let Some(first) = cell_tokens.first_mut() {
                first.0 = Gap::Wide;
            }
            out.extend(cell_tokens);
        }
    }
    out
}

/// The rows inside `r` of `buf` (all of them for a pane without a border,
/// the link's row), without trailing blanks.
fn rows_of(buf: &Buffer, r: Rect, part: Part) -> Vec<String> {
    if part == Part::Pipe {
        return (r.y..r.y + r.height)
            .map(|y| {
                (r.x..r.x + r.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect();
    }
    inner_rows(buf, r)
}

/// The rows inside `r` of `buf`, without trailing blanks.
fn inner_rows(buf: &Buffer, r: Rect) -> Vec<String> {
    (r.y + 1..(r.y + r.height).saturating_sub(1))
        .map(|y| {
            (r.x + 1..(r.x + r.width).saturating_sub(1))
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

/// A pane's border rows (its titles) must not run into the corner: a title
/// left whole ends before the last "─".
fn title_cut(buf: &Buffer, r: Rect) -> Option<String> {
    for y in [r.y, r.y + r.height - 1] {
        let row: String = (r.x..r.x + r.width).map(|x| buf[(x, y)].symbol()).collect();
        let before_corner = row.chars().rev().nth(1);
        if before_corner.is_some_and(|c| c != '─' && c != ' ') {
            return Some(row);
        }
    }
    None
}

/// `part` drawn alone at `r` and wide; the wide drawing's inner rows.
fn wide_rows(app: &App, part: Part, r: Rect, (w, h): (u16, u16)) -> Vec<String> {
    // Rows are what the selected pane and the kernel view lack; the
    // others keep their height (their windows and folds depend on it).
    let (area, screen_h) = match part {
        Part::Selected => (Rect::new(0, 0, WIDE, 60), 60),
        Part::KernelView => (Rect::new(0, 0, WIDE, h.max(400)), h.max(400)),
        _ => (Rect::new(0, 0, WIDE, r.height), r.height),
    };
    let _ = w;
    let mut term = Terminal::new(TestBackend::new(WIDE, screen_h)).unwrap();
    term.draw(|f| view::draw_part(f, app, part, area)).unwrap();
    let buf = term.backend().buffer().clone();
    let drawn = if part == Part::KernelView {
        view::kernel_view::area(app, area)
    } else {
        area
    };
    rows_of(&buf, drawn, part)
}

/// Rows that say how much of the results is folded, which depends on how
/// many rows there are, not on a cut.
fn folded(row: &str) -> bool {
    row.trim_start().starts_with('⋮')
}

/// Every cut on the screen of `app` at `w`×`h`, each as "pane: what".
pub fn cuts(app: &App, w: u16, h: u16) -> Vec<String> {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(f, app)).unwrap();
    let buf = term.backend().buffer().clone();
    let areas = view::areas(app, w, h);
    let parts: Vec<(Part, Rect)> = match app.mode {
        Mode::Help => Vec::new(),
        Mode::Show => vec![(
            Part::KernelView,
            view::kernel_view::area(app, Rect::new(0, 0, w, h)),
        )],
        // The wire's ladder, its left half: a row cut by the pane's edge
        // read "←#6" for call #62. (The graph beside it is drawn to its
        // width, its labels chosen to fit.)
        _ if app.wire.shown => vec![
            (Part::Listeners, areas.listeners),
            (Part::Connections, areas.connections),
            (
                Part::Ladder,
                view::wire::ladder_area(areas.selected.union(areas.results)),
            ),
        ],
        _ => vec![
            (Part::Listeners, areas.listeners),
            (Part::Connections, areas.connections),
            (Part::Selected, areas.selected),
            (Part::Results, areas.results),
        ],
    };
    // The link's row, when the lab is on a link and nothing covers it.
    let parts: Vec<(Part, Rect)> = match (&app.mode, areas.pipe) {
        (Mode::Normal | Mode::Command | Mode::Filter, Some(pipe)) => {
            parts.into_iter().chain([(Part::Pipe, pipe)]).collect()
        }
        _ => parts,
    };
    let mut out = Vec::new();
    for (part, r) in parts {
        if part != Part::Pipe
            && let Some(row) = title_cut(&buf, r)
        {
            out.push(format!("{part:?} title: {row}"));
        }
        let rows = rows_of(&buf, r, part);
        // The results show results, not only how many are folded away.
        if part == Part::Results
            && rows.iter().any(|row| folded(row))
            && rows.iter().all(|row| folded(row) || row.trim().is_empty())
        {
            out.push(format!("{part:?}: only fold markers: {rows:?}"));
        }
        let narrow: Vec<String> = rows.into_iter().filter(|row| !folded(row)).collect();
        // A kernel view longer than its room says so in its title ("lines
        // 1–14 of 40") and scrolls: what its last row says goes on below.
        let top: String = (r.x..r.x + r.width)
            .map(|x| buf[(x, r.y)].symbol())
            .collect();
        let goes_on = part == Part::KernelView && top.contains(" of ");
        // The listeners pane words its lines for its width (`2→2, holds
        // 3`): only what runs into its border is held against the wide
        // drawing.
        let narrow: Vec<String> = if part == Part::Listeners {
            let inner_w = usize::from(r.width.saturating_sub(2));
            narrow
                .into_iter()
                .filter(|row| row.chars().count() >= inner_w)
                .map(|row| {
                    let at = row.rfind("  ").map_or(0, |i| i + 2);
                    row[at..].to_string()
                })
                .collect()
        } else {
            narrow
        };
        let wide: Vec<String> = wide_rows(app, part, r, (w, h))
            .into_iter()
            .filter(|row| !folded(row))
            .collect();
        if part == Part::Listeners {
            let wide = tokens(&wide);
            for row in &narrow {
                for phrase in phrases(&tokens(std::slice::from_ref(row))) {
                    // Worded for the width: shortened with "…", or a list
                    // with a count of the rest (`syn37 syn38 +17`), is
                    // whole as long as its words are the wide drawing's.
                    let last = phrase.last().map_or("", |(_, t)| t.as_str());
                    let counted = last.starts_with('+')
                        && last.len() > 1
                        && last[1..].chars().all(|c| c.is_ascii_digit());
                    let ok = last.ends_with('…')
                        || (counted
                            && phrase[..phrase.len() - 1]
                                .iter()
                                .all(|(_, t)| wide.iter().any(|(_, w)| w == t)))
                        || phrase_ok(&phrase, &wide);
                    if !ok {
                        let text: Vec<&str> = phrase.iter().map(|(_, t)| t.as_str()).collect();
                        out.push(format!("{part:?}: \"{}\"", text.join(" ")));
                    }
                }
            }
            continue;
        }
        let table = part == Part::Connections;
        let read = |rows: &[String]| {
            if table {
                table_tokens(rows)
            } else {
                tokens(rows)
            }
        };
        let wide = read(&wide);
        let rows_drawn = narrow.join("\n");
        let mut narrow = read(&narrow);
        if goes_on && let Some((_, last)) = narrow.last_mut() {
            last.push('…');
        }
        for phrase in phrases(&narrow) {
            if let Some(parted) = parted(&phrase, &wide) {
                if std::env::var_os("CUTS_DEBUG").is_some() {
                    eprintln!("---- {part:?} parted, narrow:\n{rows_drawn}");
                }
                out.push(format!(
                    "{part:?}: a figure parted from its unit: \"{parted}\""
                ));
            }
            if !phrase_ok(&phrase, &wide) {
                if std::env::var_os("CUTS_DEBUG").is_some() {
                    eprintln!("---- {part:?} narrow:\n{rows_drawn}\n---- wide:\n{wide:?}");
                }
                let text: Vec<&str> = phrase.iter().map(|(_, t)| t.as_str()).collect();
                out.push(format!("{part:?}: \"{}\"", text.join(" ")));
            }
        }
    }
    out
}

/// Units a figure is written with after a space.
const UNITS: &[&str] = &["s", "ms", "µs", "min", "%", "KiB", "MiB", "bytes", "times"];

/// Whether `t` is a figure (`54`, `(0.08`).
fn is_figure(t: &str) -> bool {
    let t = t.trim_start_matches(['(', '<', '≤', '~', '+']);
    t.starts_with(|c: char| c.is_ascii_digit()) && t.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Whether `t` is a unit (`ms)`, `s;`).
fn is_unit(t: &str) -> bool {
    UNITS.contains(&t.trim_end_matches([')', ',', ';', ':', '.', '…']))
}

/// A figure the narrow phrase parts from its unit: at a row's end
/// (`(0.08` above `ms)`), or with "…" for the unit (`gives up 54…` where
/// the wide drawing has `54 s`).
fn parted(phrase: &[(Gap, String)], wide: &[(Gap, String)]) -> Option<String> {
    for pair in phrase.windows(2) {
        let ((_, a), (gap, b)) = (&pair[0], &pair[1]);
        if *gap == Gap::Row && is_figure(a) && is_unit(b) {
            return Some(format!("{a} / {b}"));
        }
    }
    phrase.iter().find_map(|(_, t)| {
        let figure = t.strip_suffix('…').filter(|f| is_figure(f))?;
        let with_unit = wide
            .windows(2)
            .any(|w| w[0].1 == figure && w[1].0 == Gap::One && is_unit(&w[1].1));
        with_unit.then(|| t.clone())
    })
}

/// The check itself finds what it must: a phrase that stops short, a
/// word cut in two, a title in its corner; and lets pass what is whole,
/// wrapped, or shortened with "…".
pub fn self_test() -> Vec<String> {
    let row = |s: &str| vec![s.to_string()];
    let wide = tokens(&row(
        "C4   SYN-SENT   blocking   next SYN in 10 s   TIME-WAIT 51s left   connect(127.0.0.1:1) 19.5s",
    ));
    let mut failed = Vec::new();
    let check = |narrow: Vec<String>, ok: bool, failed: &mut Vec<String>| {
        let all = phrases(&tokens(&narrow))
            .iter()
            .all(|p| phrase_ok(p, &wide));
        if all != ok {
            failed.push(format!("cut check on {narrow:?}: wanted {ok}"));
        }
    };
    check(row("C4  SYN-SENT  next SYN in 10"), false, &mut failed);
    check(row("C4  SYN-SE"), false, &mut failed);
    check(row("TIME-WAIT 51s l"), false, &mut failed);
    check(row("C4  SYN-SENT  next SYN in 10 s"), true, &mut failed);
    check(row("SYN in 10 s"), true, &mut failed);
    check(row("next SYN in 10…"), true, &mut failed);
    check(row("connect(…) 19.5s"), true, &mut failed);
    check(row("C4  blocking · +2 more"), true, &mut failed);
    let table = table_tokens(&[
        "name state mode     call".to_string(),
        "C4   SYN  blocking SYN in 10".to_string(),
    ]);
    let wide_table = table_tokens(&[
        "name   state   mode      call in flight".to_string(),
        "C4     SYN     blocking  next SYN in 10 s".to_string(),
    ]);
    if phrases(&table).iter().all(|p| phrase_ok(p, &wide_table)) {
        failed.push("a cut cell passed".into());
    }
    check(vec!["next SYN".into(), "in 10 s".into()], true, &mut failed);
    // A figure parted from its unit, by a row's end or by "…".
    let wide_times = tokens(&row("gives up 54 s   done  (0.08 ms)"));
    for (narrow, cut) in [
        (vec!["gives up 54…".to_string()], true),
        (vec!["done  (0.08".into(), "ms)".into()], true),
        (vec!["gives up…".into()], false),
        (vec!["done".into(), "(0.08 ms)".into()], false),
    ] {
        let found = phrases(&tokens(&narrow))
            .iter()
            .any(|p| parted(p, &wide_times).is_some());
        if found != cut {
            failed.push(format!("unit check on {narrow:?}: wanted {cut}"));
        }
    }
    let mut buf = Buffer::empty(Rect::new(0, 0, 12, 3));
    buf.set_string(0, 0, "┌ Conn · SYN┐", ratatui::style::Style::default());
    buf.set_string(0, 2, "└──────────┘", ratatui::style::Style::default());
    if title_cut(&buf, Rect::new(0, 0, 12, 3)).is_none() {
        failed.push("a title in its corner passed".into());
    }
    failed
}
