//! The results pane: the log of finished and blocked calls, commands as they
//! were run, narration and errors; newest last, scrollable. Kinds of result
//! are told apart by words (`[partial]`, `[would block]`, …) and by colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::block;
use super::class_words::plain;
use super::format::wrap;
use super::results_fit;
use crate::lab::{Call, Kind};
use crate::script::stated::{not_held, stated};
use crate::script::transcript::{call_text, head, result_line};
use crate::tui::app::{App, Pane};
use crate::tui::log::{Entry, Source};

/// `      py  c1.send(b'a' * 1048576) → 23120`: a result's call in Python.
fn python_line(app: &App, r: &crate::lab::CallResult) -> Line<'static> {
    let backlog = app.lab.socket(r.sock).and_then(|s| s.meta.backlog);
    let indent = if r.part_of.is_some() {
        "      "
    } else {
        "    "
    };
    Line::styled(
        format!(
            "{indent}py  {} → {}",
            crate::script::python::result(r, backlog),
            crate::script::transcript::ret_text(r)
        ),
        app.theme.dim(),
    )
}

fn lines_of<'a>(app: &App, e: &'a Entry) -> Vec<Line<'a>> {
    let t = app.theme;
    match e {
        Entry::Command(text, source) => {
            let lesson = app.script.as_ref().is_some_and(|s| s.lesson);
            // In a lesson every line is the lesson's: no "(script)" on each.
            // Its own waits (`sleep`, `wait`) call nothing: the class sees
            // the calls and their results, not the lesson's timing; and a
            // command that says what it did in a line of its own (`sysctl`,
            // `link`) or on the screen (`show`) is that line or that view.
            if lesson && *source == Source::Script && (script_only(text) || says_itself(text)) {
                return Vec::new();
            }
            let from = match source {
                Source::Typed => "",
                Source::Key => "  (key)",
                Source::Script if lesson => "",
                Source::Script => "  (script)",
            };
            vec![Line::from(vec![
                Span::styled(format!("▸ {text}"), t.command()),
                Span::styled(from, t.dim()),
            ])]
        }
        Entry::Op(r) => {
            let style = if r.kind == Kind::Complete {
                t.text()
            } else {
                t.kind(r.kind)
            };
            let mut line = result_line(r);
            if app.in_lesson() {
                line = plain(&line).into_owned();
            }
            // Numbered when called, listed when it ended: said where the
            // numbers go out of order, without naming a call the pane may
            // no longer show. Not in a lesson, whose few rows keep the
            // figures its narration cites.
            if !app.in_lesson() && app.log.overtaken_by(r.seq).is_some() {
                line.push_str(" · ended after later calls");
            }
            let mut lines = vec![Line::styled(line, style)];
            if app.python {
                lines.push(python_line(app, r));
            }
            lines
        }
        Entry::Blocked(b) => {
            // A lookup has no socket to show its time on: it shows it here.
            let waiting = if b.call == Call::Lookup
                && app.lab.lookups_in_flight().iter().any(|l| l.seq == b.seq)
            {
                let waited = app.lab.elapsed().saturating_sub(b.t);
                format!(" ({:.1} s)", waited.as_secs_f64())
            } else {
                String::new()
            };
            // Once it has ended, its line only says where it was; right
            // above its result it would say nothing the result does not.
            let ended = app.log.has_ended(b.seq);
            if ended && result_follows(app, e, b.seq) {
                return Vec::new();
            }
            let line = format!(
                "{}{:<18} … {}{waiting}",
                head(b.seq, b.sock),
                call_text(b.call, &b.arg),
                if ended {
                    b.ended_since()
                } else {
                    b.still_running()
                }
            );
            let line = if app.in_lesson() {
                plain(&line).into_owned()
            } else {
                line
            };
            vec![Line::styled(line, if ended { t.dim() } else { t.alarm() })]
        }
        // In a lesson, a check reads as what it found (`✓ A1 recvq 8`).
        Entry::Expect(r) if app.in_lesson() => {
            let said = app
                .log
                .index_of(e)
                .and_then(|i| app.log.stated(i))
                .unwrap_or_else(|| stated(&r.expectation, r.got.as_deref(), None, r.ok));
            let text = if r.ok {
                format!("✓ {}", said.text())
            } else {
                not_held(&said, r.got.as_deref())
            };
            vec![Line::styled(text, if r.ok { t.ok() } else { t.alarm() })]
        }
        Entry::Expect(r) => {
            let e = &r.expectation;
            let text = if r.ok {
                format!("✓ expect {}", e.text())
            } else {
                format!(
                    "✗ expect {}: got {}",
                    e.text(),
                    r.got.as_deref().unwrap_or("nothing")
                )
            };
            vec![Line::styled(text, if r.ok { t.ok() } else { t.alarm() })]
        }
        // A lesson's narration has a pane of its own: here it would only
        // push the results of its commands out of sight.
        Entry::Note(_) if app.in_lesson() => Vec::new(),
        Entry::Note(n) => n
            .lines()
            .map(|l| Line::styled(format!("» {l}"), t.note()))
            .collect(),
        Entry::Step(s) => vec![Line::styled(format!("━━ {s} ━━"), t.strong())],
        Entry::Error(m) => vec![Line::styled(format!("error: {m}"), t.alarm())],
        Entry::Info(i) if app.in_lesson() => i
            .lines()
            .map(|l| Line::styled(plain(l).into_owned(), t.dim()))
            .collect(),
        Entry::Info(i) => i
            .lines()
            .map(|l| Line::styled(l.to_string(), t.dim()))
            .collect(),
    }
}

/// How many entries past a blocked call's line its result is looked for
/// among those that draw nothing (a lesson's notes and waits).
const RESULT_LOOKAHEAD: usize = 8;

/// The next entry drawn after `e` is the result of call `seq`.
fn result_follows(app: &App, e: &Entry, seq: u64) -> bool {
    let Some(i) = app.log.index_of(e) else {
        return false;
    };
    app.log
        .entries()
        .iter()
        .skip(i + 1)
        .take(RESULT_LOOKAHEAD)
        .find(|n| matches!(n, Entry::Blocked(_)) || !lines_of(app, n).is_empty())
        .is_some_and(|n| matches!(n, Entry::Op(r) if r.seq == seq))
}

/// A script's own line that calls nothing in the kernel: a `sleep`, or a
/// `wait` for a call already made (its result is the call's own line).
fn script_only(text: &str) -> bool {
    matches!(text.split_whitespace().next(), Some("sleep" | "wait"))
}

/// A lesson's line whose doing the screen says without it: `sysctl` and
/// `link` (their notices, `sysctl net.ipv4.tcp_syn_retries = 127 (was
/// 6…)`, `link down: nothing passes…`), and `show` (the kernel view it
/// opens).
fn says_itself(text: &str) -> bool {
    matches!(
        text.split_whitespace().next(),
        Some("sysctl" | "link" | "show")
    )
}

fn welcome(app: &App) -> Vec<Line<'static>> {
    let t = app.theme;
    if app.in_lesson() {
        return vec![Line::styled(
            "The lesson's calls and their results appear here, newest last.",
            t.dim(),
        )];
    }
    vec![
        Line::styled(
            "Welcome to sockplay: real TCP sockets, one call at a time, read live from the kernel.",
            t.strong(),
        ),
        Line::raw("Try these three commands (press : to type one, Enter to run it):"),
        Line::from(vec![
            Span::styled("  :listen backlog=2   ", t.command()),
            Span::raw("a listener whose accept queue holds 3"),
        ]),
        Line::from(vec![
            Span::styled("  :connect L1 x5      ", t.command()),
            Span::raw("five clients: watch two wait in SYN-SENT"),
        ]),
        Line::from(vec![
            Span::styled("  :accept L1          ", t.command()),
            Span::raw("take one out; a waiting client gets in on its retry"),
        ]),
        Line::styled(
            "Or keys: n listener · c connect · a accept · s send · r recv · x close · ? help",
            t.dim(),
        ),
    ]
}

/// How many pages past the offset the furthest scroll is looked for: the
/// log may hold many thousands of lines, and a frame wraps only what a
/// few presses of PgUp can reach.
const PAGES_AHEAD: usize = 8;

/// The furthest the results drawn in `area` scroll up: their lines beyond
/// the pane's rows, counted from the newest as far as a few pages past
/// the offset now.
pub fn scroll_max(app: &App, area: Rect) -> usize {
    let inner = block(app, String::new(), None).inner(area);
    let (h, width) = (inner.height as usize, inner.width as usize);
    let welcome = app.lab.socket_count() == 0
        && app
            .log
            .entries()
            .iter()
            .all(|e| matches!(e, Entry::Error(_)));
    if welcome || h == 0 {
        return 0;
    }
    let enough = h + app.results_scroll.offset() + PAGES_AHEAD * h;
    let mut lines = 0;
    for e in app.log.entries().iter().rev() {
        lines += lines_of(app, e)
            .into_iter()
            .map(|l| wrap(l, width).len())
            .sum::<usize>();
        if lines >= enough {
            break;
        }
    }
    lines.saturating_sub(h)
}

/// Draws the pane.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let scroll = app.results_scroll.offset();
    let follow = if scroll == 0 {
        String::new()
    } else {
        format!(" · scrolled up {scroll} (End: newest)")
    };
    let b = block(app, format!("Results{follow}"), Some(Pane::Results));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    // Until the lab has a socket, the welcome stays, with any mistyped
    // commands under it.
    if app.lab.socket_count() == 0
        && app
            .log
            .entries()
            .iter()
            .all(|e| matches!(e, Entry::Error(_)))
    {
        let mut lines = welcome(app);
        for e in app.log.entries() {
            lines.extend(
                lines_of(app, e)
                    .into_iter()
                    .flat_map(|l| wrap(l, inner.width as usize)),
            );
        }
        // The newest error shows; without one, the welcome's first lines.
        let skip = if app.log.is_empty() {
            0
        } else {
            lines.len().saturating_sub(inner.height as usize)
        };
        frame.render_widget(Paragraph::new(lines.split_off(skip)), inner);
        return;
    }
    let h = inner.height as usize;
    let width = inner.width as usize;
    if scroll == 0 && app.in_lesson() {
        let (lines, left_out) = results_fit::fit(app, |e| lines_of(app, e), width, h);
        frame.render_widget(Paragraph::new(lines), inner);
        if left_out {
            hint_left_out(frame, app, area);
        }
        return;
    }
    // Only the entries that can show are turned into lines, wrapped to the pane.
    let mut lines: Vec<Line<'_>> = Vec::new();
    let want = h + scroll;
    for e in app.log.entries().iter().rev() {
        let mut ls: Vec<Line<'_>> = lines_of(app, e)
            .into_iter()
            .flat_map(|l| wrap(l, width))
            .collect();
        ls.reverse();
        lines.extend(ls);
        if lines.len() >= want {
            break;
        }
    }
    // The App keeps the offset within the lines (see [`scroll_max`]).
    let skip = scroll.min(lines.len().saturating_sub(h));
    let shown: Vec<Line<'_>> = lines
        .into_iter()
        .skip(skip)
        .take(h)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// Says on the pane's lower border that some lines are folded or left
/// out, and how to see them all.
fn hint_left_out(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let text = " in short · PgUp: every line ";
    let w = text.chars().count() as u16;
    if area.width < w + 4 {
        return;
    }
    let at = Rect::new(area.x + area.width - w - 2, area.y + area.height - 1, w, 1);
    frame.render_widget(Paragraph::new(Line::styled(text, app.theme.dim())), at);
}
