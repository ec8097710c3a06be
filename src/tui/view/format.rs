//! Small formatting helpers shared by the panes.

use ratatui::text::{Line, Span};

use crate::tui::words::breaks;
pub use crate::tui::words::{joined, words};

/// 6912 → "6912", 131072 → "128k", 16385 → "16.0k", 3145728 → "3m":
/// short sizes for narrow columns. Up to four digits the figure is exact,
/// as the kernel and the narration write it (a 4 KiB buffer reads back
/// 8192); whole KiB and MiB are written as the command language writes
/// them (`rcvbuf=64k`).
pub fn size(n: u64) -> String {
    if n < 10_000 {
        n.to_string()
    } else if n.is_multiple_of(1 << 20) {
        format!("{}m", n >> 20)
    } else if n.is_multiple_of(1024) {
        format!("{}k", n >> 10)
    } else {
        crate::lab::command::format_size(n)
    }
}

/// An optional size, "-" when absent.
pub fn opt_size(n: Option<u32>) -> String {
    n.map_or_else(|| "-".into(), |n| size(u64::from(n)))
}

/// A bar of `width` cells filled to `share` (0..=1), in eighths of a cell:
/// a bar of one or two cells (the path of a byte at 80 columns) must
/// still tell 40k of 128k from empty and 105k of 128k from full. Anything
/// above nothing shows at least an eighth, and anything below all leaves
/// at least an eighth unfilled.
pub fn bar(share: f64, width: usize) -> String {
    const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let share = share.clamp(0.0, 1.0);
    let cells = width * 8;
    let mut filled = (share * cells as f64).round() as usize;
    if share > 0.0 {
        filled = filled.max(1);
    }
    if share < 1.0 {
        filled = filled.min(cells.saturating_sub(1));
    }
    let (full, part) = (filled / 8, filled % 8);
    let empty = width - full - usize::from(part > 0);
    format!("{}{}{}", "█".repeat(full), EIGHTHS[part], "░".repeat(empty))
}

/// Draws the no-break spaces `keep_units` put in `area` as plain spaces.
pub fn blank_no_breaks(buf: &mut ratatui::buffer::Buffer, area: ratatui::layout::Rect) {
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if let Some(cell) = buf.cell_mut((x, y))
                && cell.symbol() == "\u{a0}"
            {
                cell.set_symbol(" ");
            }
        }
    }
}

/// `text` in at most `room` cells: whole when it fits, else as many whole
/// words as fit with "…" after them, so that no word or figure is cut,
/// nor a figure parted from its unit (`gives up…`, never `gives up 54…`
/// for 54 s).
pub fn shorten(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        return text.to_string();
    }
    let mut out = String::new();
    for word in words(text) {
        let sep = usize::from(!out.is_empty());
        if out.chars().count() + sep + word.chars().count() + 1 > room {
            break;
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str(word);
    }
    // A dangling separator reads as more to come: "…" says it instead.
    let out = out.trim_end_matches([' ', ';', ',', ':', '·']).to_string();
    if room == 0 || out.ends_with('…') {
        out
    } else {
        out + "…"
    }
}

/// `text` in at most `room` cells, dropping whole clauses (between "; ")
/// from its end where it is too long, then whole words: "…" says so.
pub fn shorten_clauses(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        return text.to_string();
    }
    let mut out = String::new();
    for clause in text.split("; ") {
        let sep = if out.is_empty() { "" } else { "; " };
        if out.chars().count() + sep.len() + clause.chars().count() + 1 > room {
            break;
        }
        out.push_str(sep);
        out.push_str(clause);
    }
    // Whole clauses, unless they leave most of the row empty ("closed…"):
    // then whole words.
    if out.chars().count() * 2 < room {
        shorten(text, room)
    } else {
        out + "…"
    }
}

/// Notes in at most `rows` rows of `width` cells, each wrapped as
/// [`wrap`] does: whole while they fit; the first that does not ends in
/// "…" on the last row, after whole clauses or words; the rest wait.
pub fn notes_in(lines: &[Line<'static>], rows: usize, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for line in lines {
        let wrapped = wrap(line.clone(), width);
        let left = rows.saturating_sub(out.len());
        if wrapped.len() <= left {
            out.extend(wrapped);
            continue;
        }
        if left == 0 {
            break;
        }
        let style = line.spans.first().map(|s| s.style).unwrap_or_default();
        out.extend(wrapped[..left - 1].iter().cloned());
        let rest: Vec<String> = wrapped[left - 1..]
            .iter()
            .map(|l| l.to_string().trim().to_string())
            .collect();
        let rest = rest.join(" ");
        let last = if left == 1 {
            shorten_clauses(&rest, width)
        } else {
            format!(
                "{INDENT}{}",
                shorten(&rest, width.saturating_sub(INDENT.len()))
            )
        };
        out.push(Line::styled(last, style));
        break;
    }
    out
}

/// A line of several styles in rows of `width`: whole when it fits, else
/// broken between its spans (what follows indented), a span too long for
/// a row shortened after whole words with "…".
pub fn fit_spans(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    if line.width() <= width {
        return vec![line];
    }
    let mut out: Vec<Line<'static>> = vec![Line::default()];
    for span in line.spans {
        let last = out.last_mut().expect("a row");
        let w = span.content.chars().count();
        if last.width() + w <= width {
            last.spans.push(span);
            continue;
        }
        let indent = "    ";
        let room = width.saturating_sub(indent.len());
        let text = span.content.trim_start().to_string();
        let text = shorten(&text, room);
        out.push(Line::from(vec![
            Span::raw(indent),
            Span::styled(text, span.style),
        ]));
    }
    out.retain(|l| l.width() > 0);
    out
}

/// A count and what it is made of in `room` cells, the parts always
/// adding up to the count: `Connections · 11 · ESTAB 6 · CLOSED 3 ·
/// SYN-SENT 2`; where that is too wide, tighter separators
/// (`Connections · 11: ESTAB 6, CLOSED 3, SYN-SENT 2`), then the sum
/// itself (`11 = ESTAB 6 + CLOSED 3 + SYN-SENT 2`); only where even that
/// does not fit are the last parts counted together as `others N`, so a
/// part left out is never left uncounted. `after` (a filter) follows the
/// count in every form.
pub fn tally(
    name: &str,
    total: usize,
    after: &str,
    parts: &[(&str, usize)],
    room: usize,
) -> String {
    let width = |s: &str| s.chars().count();
    let part = |(p, n): &(&str, usize)| format!("{p} {n}");
    for named in (1..=parts.len()).rev() {
        let mut shown: Vec<String> = parts[..named].iter().map(part).collect();
        if named < parts.len() {
            let others: usize = parts[named..].iter().map(|(_, n)| n).sum();
            shown.push(format!("others {others}"));
        }
        let forms = [
            format!("{name} · {total}{after} · {}", shown.join(" · ")),
            format!("{name} · {total}{after}: {}", shown.join(", ")),
            format!("{total}{after} = {}", shown.join(" + ")),
        ];
        if let Some(f) = forms.into_iter().find(|f| width(f) <= room) {
            return f;
        }
    }
    shorten(&format!("{name} · {total}{after}"), room)
}

/// How far wrapped lines are indented.
const INDENT: &str = "      ";

/// Splits a one-style line longer than `width` at spaces (never between a
/// figure and its unit: `(0.08 ms)` stays on one row), indenting what
/// follows, so that a projected explanation is read whole, not cut off.
/// Lines of several styles (short ones) are left as they are.
pub fn wrap(line: Line<'_>, width: usize) -> Vec<Line<'_>> {
    if line.width() <= width || line.spans.len() != 1 || width <= INDENT.len() + 8 {
        return vec![line];
    }
    let style = line.spans[0].style;
    let text = line.spans[0].content.to_string();
    let mut out = Vec::new();
    let mut rest = text.as_str();
    let mut first = true;
    while !rest.is_empty() {
        let room = if first { width } else { width - INDENT.len() };
        let (head, tail) = if rest.chars().count() <= room {
            (rest, "")
        } else {
            let cut = rest.char_indices().nth(room).map_or(rest.len(), |(i, _)| i);
            // The last space that fits and parts no figure from its unit.
            let at = breaks(rest)
                .into_iter()
                .take_while(|i| *i < cut)
                .last()
                .filter(|i| *i > room / 3)
                .unwrap_or(cut);
            (&rest[..at], rest[at..].trim_start())
        };
        let shown = if first {
            head.to_string()
        } else {
            format!("{INDENT}{head}")
        };
        out.push(Line::styled(shown, style));
        rest = tail;
        first = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_bars() {
        assert_eq!(size(100), "100");
        assert_eq!(size(1536), "1536");
        assert_eq!(size(9999), "9999");
        assert_eq!(size(16384), "16k");
        assert_eq!(size(16385), "16.0k");
        assert_eq!(size(131072), "128k");
        assert_eq!(size(3 << 20), "3m");
        assert_eq!(size((3 << 20) + 5000), "3.0m");
        assert_eq!(bar(0.5, 4), "██░░");
        assert_eq!(bar(2.0, 3), "███");
        // One cell: 40.7k of 128k is not empty, 105.7k of 128k not full.
        assert_eq!(bar(40.7 / 128.0, 1), "▍");
        assert_eq!(bar(105.7 / 128.0, 1), "▉");
        assert_eq!(bar(0.0, 1), "░");
        assert_eq!(bar(1.0, 1), "█");
        assert_eq!(bar(0.0001, 3), "▏░░");
        assert_eq!(bar(0.9999, 3), "██▉");
    }

    #[test]
    fn shortened_text_keeps_whole_words_and_says_it_is_short() {
        assert_eq!(shorten("next SYN in 10 s", 16), "next SYN in 10 s");
        assert_eq!(shorten("next SYN in 10 s", 15), "next SYN in…");
        assert_eq!(shorten("TIME-WAIT 51s left", 15), "TIME-WAIT 51s…");
        assert_eq!(shorten("a; b c", 4), "a…");
        assert_eq!(shorten("TIME-WAIT", 5), "…");
        assert!(shorten("x y z", 0).is_empty());
    }

    #[test]
    fn a_tally_keeps_every_part_or_counts_the_rest_as_others() {
        let parts = [("ESTAB", 19), ("SYN-SENT", 8), ("CLOSED", 4)];
        let t = |room| tally("Connections", 31, "", &parts, room);
        assert_eq!(t(60), "Connections · 31 · ESTAB 19 · SYN-SENT 8 · CLOSED 4");
        assert_eq!(t(48), "Connections · 31: ESTAB 19, SYN-SENT 8, CLOSED 4");
        assert_eq!(t(44), "31 = ESTAB 19 + SYN-SENT 8 + CLOSED 4");
        assert_eq!(t(37), "31 = ESTAB 19 + SYN-SENT 8 + CLOSED 4");
        assert_eq!(t(36), "31 = ESTAB 19 + others 12");
        assert_eq!(t(24), "Connections · 31");
        // `others` where the last state's name is longer than the word.
        let parts = [("ESTAB", 4), ("CLOSE-WAIT", 2), ("FIN-WAIT-2", 1)];
        let t = |room| tally("Connections", 7, "", &parts, room);
        assert_eq!(t(40), "7 = ESTAB 4 + CLOSE-WAIT 2 + others 1");
        assert_eq!(t(41), "7 = ESTAB 4 + CLOSE-WAIT 2 + FIN-WAIT-2 1");
        assert_eq!(t(12), "Connections…");
        let filtered = tally("Connections", 1, " · filter /TIME", &[("TIME-WAIT", 1)], 44);
        assert_eq!(filtered, "Connections · 1 · filter /TIME · TIME-WAIT 1");
        assert_eq!(tally("Connections", 0, "", &[], 44), "Connections · 0");
    }

    #[test]
    fn notes_that_do_not_fit_end_in_an_ellipsis_after_whole_clauses() {
        let note = "· SYN sent 7 times; L1's full accept queue drops each one; next SYN in 4 s; at most 11 SYNs";
        let one = notes_in(&[Line::raw(note)], 1, 70);
        assert_eq!(
            one[0].to_string(),
            "· SYN sent 7 times; L1's full accept queue drops each one…"
        );
        let two = notes_in(&[Line::raw(note), Line::raw("· another")], 2, 40);
        assert_eq!(two.len(), 2);
        assert!(two.iter().all(|l| l.width() <= 40), "{two:?}");
        assert!(two[1].to_string().ends_with('…'), "{two:?}");
        let closed = notes_in(
            &[Line::raw(
                "· closed; TIME-WAIT: the side whose FIN went first waits (60 s on Linux)",
            )],
            1,
            60,
        );
        assert_eq!(
            closed[0].to_string(),
            "· closed; TIME-WAIT: the side whose FIN went first waits…"
        );
        let all = notes_in(&[Line::raw(note)], 3, 60);
        let words: Vec<String> = all
            .iter()
            .map(|l| l.to_string().trim().to_string())
            .collect();
        assert_eq!(words.join(" "), note);
    }

    #[test]
    fn a_figure_and_its_unit_are_never_parted() {
        assert_eq!(shorten("gives up 54 s", 12), "gives up…");
        assert_eq!(shorten("next SYN in 13 s; at most 11", 17), "next SYN in…");
        assert_eq!(
            shorten("next SYN in 13 s; at most 11", 18),
            "next SYN in 13 s…"
        );
        assert_eq!(
            shorten("tcp_syn_retries 6 + more", 20),
            "tcp_syn_retries 6 +…"
        );
        let row = "instead of a FIN; nothing was waiting to be sent or acknowledged  (0.08 ms)";
        let lines = wrap(Line::raw(row), 73);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[1].to_string().trim() == "(0.08 ms)", "{lines:?}");
        assert_eq!(
            words("in 60 s (60 s on Linux)"),
            ["in", "60 s", "(60 s", "on", "Linux)"]
        );
    }

    #[test]
    fn long_lines_wrap_at_spaces_and_keep_every_word() {
        let text = "#6 A1 recv(16) → 9 9 bytes were queued: recv returns what is there, at most the 16 asked";
        let lines = wrap(Line::raw(text), 40);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.width() <= 40), "{lines:?}");
        assert!(lines[1].to_string().starts_with(INDENT));
        let words: Vec<String> = lines
            .iter()
            .flat_map(|l| {
                l.to_string()
                    .split_whitespace()
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(words.join(" "), text);
        assert_eq!(wrap(Line::raw("short"), 40).len(), 1);
    }
}
