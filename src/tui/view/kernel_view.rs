//! The kernel view over the screen (`show`): every socket's queues, buffers
//! and TCP state as `sockplay run` prints them, scrolled by the App.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use crate::script::ShowAt;
use crate::tui::app::App;

/// Where the kernel view is drawn on a `screen`: all of it but the status
/// line, which says how to close it, and a lesson's narration, which goes
/// on beside it.
pub fn area(app: &App, screen: Rect) -> Rect {
    let top = super::areas(app, screen.width, screen.height)
        .narration
        .map_or(0, |n| n.y + n.height);
    Rect {
        y: screen.y + top,
        height: screen.height.saturating_sub(1 + top),
        ..screen
    }
}

/// The kernel view's lines cut to `width` cells between words: a line too
/// long goes on below, indented, so that no figure is lost off the right
/// edge.
pub fn wrapped(text: &str, width: u16) -> Vec<String> {
    wrapped_whole(text, width)
        .into_iter()
        .map(|(l, _)| l)
        .collect()
}

/// As [`wrapped`], each row told whether it begins a line of the text
/// (`true`) or goes on with the one above (`false`).
pub fn wrapped_whole(text: &str, width: u16) -> Vec<(String, bool)> {
    const INDENT: &str = "      ";
    let width = usize::from(width).max(INDENT.len() + 8);
    let mut out: Vec<(String, bool)> = Vec::new();
    for line in text.lines() {
        let mut rest: Vec<char> = line.trim_end().chars().collect();
        let mut room = width;
        let mut prefix = "";
        loop {
            if rest.len() <= room {
                out.push((
                    format!("{prefix}{}", rest.iter().collect::<String>()),
                    prefix.is_empty(),
                ));
                break;
            }
            // Between fields (two spaces) if one is in the second half of
            // the room, else between words, else a hard cut.
            // (Never between a figure and its unit: `11400.0 s`.)
            let word = |from: usize, to: usize| rest[from..to].iter().collect::<String>();
            let space = |i: &usize| {
                let i = *i;
                if rest[i] != ' ' {
                    return false;
                }
                let start = rest[..i]
                    .iter()
                    .rposition(|c| *c == ' ')
                    .map_or(0, |s| s + 1);
                let end = rest[i + 1..]
                    .iter()
                    .position(|c| *c == ' ')
                    .map_or(rest.len(), |e| i + 1 + e);
                !super::format::joined(&word(start, i), &word(i + 1, end))
            };
            let cut = (room / 2..=room)
                .rev()
                .find(|i| space(i) && rest[i - 1] == ' ')
                .or_else(|| (1..=room).rev().find(space))
                .unwrap_or(room);
            let piece: String = rest[..cut].iter().collect();
            out.push((format!("{prefix}{}", piece.trim_end()), prefix.is_empty()));
            let next = rest[cut..].iter().position(|c| *c != ' ').unwrap_or(0);
            rest.drain(..cut + next);
            if rest.is_empty() {
                break;
            }
            prefix = INDENT;
            room = width - INDENT.len();
        }
    }
    out
}

/// The rows `[first, end)` of the part of the kernel view a lesson's
/// `show` cites: the counters, from their line to the settings under
/// them (`system: somaxconn …`), which no lesson cites from the view and
/// which at 80×24 took the rows of the listener's own lines.
fn cited(app: &App, lines: &[(String, bool)]) -> Option<(usize, usize)> {
    if app.kernel_view_at != ShowAt::Counters {
        return None;
    }
    let first = lines.iter().position(|(l, _)| {
        l.starts_with("counters since start") || l.starts_with("udp counters since start")
    })?;
    let end = lines[first..]
        .iter()
        .position(|(l, _)| l.starts_with("system: "))
        .map_or(lines.len(), |k| first + k);
    Some((first, end))
}

/// The first row of the kernel view drawn in `rows` rows: the reader's
/// offset, or, until the reader scrolls, the top when the part a lesson
/// cites fits under it, else the least scroll that shows that part whole,
/// from the first row of a line of the text (a view that opened on
/// "entry's SYN-ACK timer, the client's next ACK…" began mid-sentence).
pub fn top(app: &App, lines: &[(String, bool)], rows: usize) -> usize {
    let last_top = lines.len().saturating_sub(rows);
    let top = match cited(app, lines) {
        Some((first, end)) => {
            let least = end.saturating_sub(rows).min(first);
            (least..=first).find(|&k| lines[k].1).unwrap_or(least)
        }
        None => app.kernel_view_top.offset(),
    };
    top.min(last_top)
}

/// Where the rows drawn from `top` in `rows` rows end: at `top + rows`,
/// or, where that would cut a note (`· …`, a sentence) that began below
/// `top`, before that note: the reader scrolls down to it whole rather
/// than read it stopped mid-sentence ("…so what it holds may go"). A
/// line of fields (a socket's, the counters) may end a page between
/// two of them.
fn end_of_page(lines: &[(String, bool)], top: usize, rows: usize) -> usize {
    let end = (top + rows).min(lines.len());
    if lines.get(end).is_none_or(|(_, starts)| *starts) {
        return end;
    }
    // The row `end` goes on with a line: back to where that line began.
    let begins = lines[..end].iter().rposition(|(_, starts)| *starts);
    match begins {
        Some(b) if b > top && lines[b].0.trim_start().starts_with('·') => b,
        _ => end,
    }
}

/// How long ago the view was taken, for its title, once that is long
/// enough for the kernel to have moved on (` · as it was 46 s ago`: its timers count from then): the view
/// stands still while the panes under it go on.
fn age_words(age: std::time::Duration) -> String {
    let secs = age.as_secs();
    match secs {
        0..AGE_SHOWN => String::new(),
        AGE_SHOWN..120 => format!(" · as it was {secs} s ago"),
        _ => format!(" · as it was {} min ago", secs / 60),
    }
}

/// From how many seconds on the view's title says its age.
const AGE_SHOWN: u64 = 5;

/// Draws the kernel view from the App's scroll offset.
pub fn draw(frame: &mut Frame<'_>, app: &App, screen: Rect) {
    let r = area(app, screen);
    frame.render_widget(Clear, r);
    let whole = wrapped_whole(&app.kernel_view, r.width.saturating_sub(2));
    let lines: Vec<String> = whole.iter().map(|(l, _)| l.clone()).collect();
    let rows = usize::from(r.height.saturating_sub(2));
    let top = top(app, &whole, rows);
    let end = end_of_page(&whole, top, rows);
    let mut title = "kernel view (show)".to_string();
    title.push_str(&age_words(app.kernel_view_age_now()));
    if lines.len() > rows {
        title.push_str(&format!(" · lines {}–{end} of {}", top + 1, lines.len()));
        if end < lines.len() {
            title.push_str(" · ↓ more");
        }
    }
    let shown: Vec<Line<'_>> = lines[top..end]
        .iter()
        .map(|l| Line::styled(l.as_str(), app.theme.text()))
        .collect();
    frame.render_widget(
        Paragraph::new(shown).block(super::overlay::boxed(app, &title)),
        r,
    );
}

#[cfg(test)]
mod tests {
    use super::{age_words, end_of_page, wrapped_whole};

    #[test]
    fn the_title_tells_a_view_that_has_stood_a_while_its_age() {
        let s = std::time::Duration::from_secs;
        assert_eq!(age_words(s(4)), "");
        assert_eq!(age_words(s(5)), " · as it was 5 s ago");
        assert_eq!(age_words(s(119)), " · as it was 119 s ago");
        assert_eq!(age_words(s(185)), " · as it was 3 min ago");
    }

    /// At 80×24 flow-control's view ended on "…the kernel checks for room
    /// before it takes each piece of a send, not after, so what it holds
    /// may go", its last words a row below the pane: a line of the text
    /// the pane cannot show whole is left below, for the reader to scroll
    /// to, not cut mid-sentence.
    #[test]
    fn a_page_ends_between_lines_of_the_text_not_inside_one() {
        let text = "C1    ESTABLISHED\n      recvq 0  sendq 156384\n      · sendq 156384 is more than sndbuf 131072: the kernel checks for room before it takes each piece of a send, not after, so what it holds may go past the limit\nlink up";
        let lines = wrapped_whole(text, 40);
        assert!(lines.len() >= 6, "{lines:?}");
        assert!(lines[2].1 && !lines[3].1, "{lines:?}");
        // Three rows: the note would start on the third and go on below.
        assert_eq!(end_of_page(&lines, 0, 3), 2);
        // A line of fields may be cut between two of them.
        assert_eq!(end_of_page(&lines, 0, 2), 2);
        let fields = wrapped_whole(
            "a\n      f0 0  f1 1  f2 2  f3 3  f4 4  f5 5  f6 6  f7 7  f8 8",
            20,
        );
        assert!(!fields[2].1, "{fields:?}");
        assert_eq!(end_of_page(&fields, 0, 2), 2);
        // Room for all of it, or a note longer than the page from its top.
        assert_eq!(end_of_page(&lines, 0, lines.len()), lines.len());
        assert_eq!(end_of_page(&lines, 2, 2), 4);
        // A page ending where a line ends is drawn full.
        let last_of_note = lines.len() - 1;
        assert_eq!(end_of_page(&lines, 0, last_of_note), last_of_note);
    }
}
