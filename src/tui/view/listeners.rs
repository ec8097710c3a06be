//! The listeners pane: per listener its address, backlog asked → effective,
//! a gauge of the accept queue against what it holds (B+1), beside it one
//! of the SYN queue against the limit the kernel applies and what a SYN
//! past it meets, the clients waiting, and a sparkline of the accept queue.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use super::block;
use super::format::bar;
use crate::kernel::{SockView, ViewRole};
use crate::tui::app::{App, Pane};

pub use crate::tui::layout::ROWS_PER_LISTENER;

use super::listener_counters::{overflow_counts, syn_counter_halves, syn_counters};

/// The rows a listener keeps above the counters however short the pane:
/// its name, its accept queue and its SYN queue.
const LISTENER_ROWS_KEPT: u16 = 3;

/// Rows under the listeners for the counters: the accept queue's, and the
/// SYN queue's once one of them moved, on a row of their own when narrow,
/// and on two when they do not fit one and the pane is tall enough to
/// keep a listener's three rows above them.
fn counter_rows(app: &App, inner_width: u16, inner_height: u16) -> u16 {
    let Some(snap) = app.snapshot.as_deref() else {
        return 1;
    };
    let width = usize::from(inner_width);
    match syn_counters(&snap.counters, width) {
        Some(syn) => {
            let one = overflow_counts(&snap.counters, inner_width).chars().count() + 3;
            if one + syn.chars().count() <= width {
                1
            } else if syn.ends_with('…') && inner_height >= LISTENER_ROWS_KEPT + 3 {
                3
            } else {
                2
            }
        }
        None => 1,
    }
}

/// How many listeners the pane drawn at `area` shows.
pub fn visible_listeners(app: &App, area: Rect) -> usize {
    let inner_w = area.width.saturating_sub(2);
    let inner_h = area.height.saturating_sub(2);
    (inner_h.saturating_sub(counter_rows(app, inner_w, inner_h)) as usize / ROWS_PER_LISTENER)
        .max(1)
}

/// Where the counters are counted, on the pane's lower border: the
/// counters under the listeners are changes since the lab began, of this
/// lab alone in a namespace of its own, of the whole system otherwise.
fn scope_words(app: &App) -> Option<&'static str> {
    app.snapshot.as_deref().map(|s| match s.counters_scope {
        crate::kernel::CounterScope::SystemWide => " system-wide, since start ",
        crate::kernel::CounterScope::ThisLab => " this lab, since start ",
    })
}

/// Draws the pane.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let t = app.theme;
    let listeners = app.listeners();
    let fit = visible_listeners(app, area);
    // The App keeps the offset, with what a lesson acted on last, else the
    // selection, in view.
    let first = app.listener_offset;
    let below = listeners.len().saturating_sub(first + fit);
    let mut b = block(
        app,
        title(app, area.width, first, below),
        Some(Pane::Listeners),
    );
    // Under the counters, which show with the listeners.
    if let Some(scope) = scope_words(app).filter(|_| !listeners.is_empty()) {
        b = b.title_bottom(Line::styled(scope, t.dim()).right_aligned());
    }
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if listeners.is_empty()
        && let Some(note) = app
            .snapshot
            .as_ref()
            .and_then(|s| s.watch.as_ref())
            .and_then(|w| w.note.clone())
    {
        // Watching: what there is to say (nothing on the port yet, the
        // process gone), and what to do meanwhile.
        let text = vec![
            Line::styled(
                crate::lab::preview::escape_text(&note).into_owned(),
                t.warn(),
            ),
            Line::styled("or :listen to try the lab", t.dim()),
        ];
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    if listeners.is_empty() {
        // A lab of UDP sockets has nothing to listen for: saying "yet"
        // would suggest a step it is missing.
        let udp = app
            .lab
            .sockets()
            .iter()
            .any(|s| s.role == crate::lab::Role::Udp);
        let text = if udp {
            // A connected UDP socket is ESTAB in Connections, as ss says:
            // what UDP lacks is listen() and accept(), not a peer.
            vec![Line::styled(
                "no listener: a UDP socket takes datagrams with no listen() and no accept()",
                t.dim(),
            )]
        } else if app.in_lesson() {
            // A class predicting reads the lab's state, not free play's keys.
            vec![Line::styled("no listener yet", t.dim())]
        } else {
            vec![
                Line::styled("no listener yet", t.dim()),
                Line::styled("press n or :listen backlog=2", t.dim()),
            ]
        };
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    let snap = app.snapshot.as_deref();
    // The counters at the bottom (two lines when narrow); listeners above,
    // the selected one in view.
    let counter_rows = counter_rows(app, inner.width, inner.height);
    let mut y = inner.y;
    for l in listeners.iter().skip(first).take(fit) {
        let Some(id) = l.id else { continue };
        let selected = app.sel_listener == Some(id);
        let name_style = if selected && app.pane == Pane::Listeners {
            t.selected()
        } else {
            t.strong()
        };
        let q = l.accept_queue().unwrap_or(0);
        let max = l.accept_queue_max().unwrap_or(0);
        let holds = u64::from(max) + 1;
        let share = f64::from(q) / holds as f64;
        let full = u64::from(q) >= holds;
        // LISTEN, or CLOSED once the lab closed it (the kernel holds nothing).
        let state = if l.closed {
            Span::styled(" CLOSED", t.alarm())
        } else {
            Span::styled(format!(" {}", l.state), t.text())
        };
        let mut head = Line::from(vec![
            Span::styled(format!("{id}"), name_style),
            Span::raw(format!(
                " {}",
                l.local.map_or_else(|| "-".into(), |a| a.to_string()),
            )),
            state,
        ]);
        // A watched listener's process: before its state, then before
        // its address's host, where the room is short.
        if let Some(o) = &l.owner {
            let room = usize::from(inner.width);
            let who =
                crate::lab::preview::escape_text(&format!(" {} {}", o.name, o.pid)).into_owned();
            if head.width() + who.chars().count() > room && !l.closed {
                head.spans.pop();
            }
            if head.width() + who.chars().count() > room
                && let Some(at) = l.local
            {
                head.spans[1] = Span::raw(format!(" :{}", at.port()));
            }
            head.spans.push(Span::styled(who, t.dim()));
        }
        if l.closed {
            let bottom = inner.y + inner.height.saturating_sub(counter_rows);
            frame.render_widget(Paragraph::new(head), Rect::new(inner.x, y, inner.width, 1));
            let rows = bottom
                .saturating_sub(y + 1)
                .min(ROWS_PER_LISTENER as u16 - 1);
            // What a connect to its port meets now: another listener of
            // the lab on the same address (a restart with SO_REUSEADDR),
            // or a reset; the longest telling that fits whole: a short
            // pane (80×24) drops the queue's clause, never the answer.
            let heir = listeners
                .iter()
                .find(|o| !o.closed && o.id.is_some() && o.id != l.id && o.local == l.local)
                .and_then(|o| o.id)
                .map(|h| h.to_string());
            let said = Line::styled(
                closed_words(heir.as_deref(), usize::from(rows), usize::from(inner.width)),
                t.dim(),
            );
            frame.render_widget(
                Paragraph::new(super::format::notes_in(
                    &[said],
                    usize::from(rows),
                    usize::from(inner.width),
                )),
                Rect::new(inner.x, y + 1, inner.width, rows),
            );
            y += ROWS_PER_LISTENER as u16;
            continue;
        }
        // Whole at any width: shorter words before a cut figure.
        let asked = l.backlog().map_or_else(|| "-".into(), |b| b.to_string());
        let width_now = usize::from(inner.width);
        // Another process's listener: what it asked is not known, only
        // what the kernel made of it.
        let watched = id.role == crate::lab::Role::Watched;
        let backlog = Line::raw(
            if watched {
                vec![
                    format!("backlog {max} (as the kernel holds it): holds {holds}"),
                    format!("backlog {max}: holds {holds}"),
                    format!("{max}, holds {holds}"),
                ]
            } else {
                vec![
                    format!("backlog {asked} → {max}: holds {holds}"),
                    format!("backlog {asked}→{max}, holds {holds}"),
                    format!("{asked}→{max}, holds {holds}"),
                ]
            }
            .into_iter()
            .find(|t| t.chars().count() <= width_now)
            .unwrap_or_else(|| format!("holds {holds}")),
        );
        let width = inner.width.saturating_sub(18).max(4) as usize;
        let gauge = Line::from(vec![
            Span::raw("queue "),
            Span::styled(bar(share, width), t.level(share)),
            Span::styled(
                // Past B+1 only when handshakes raced past the full check.
                format!(
                    " {q}/{holds}{}",
                    match u64::from(q).cmp(&holds) {
                        std::cmp::Ordering::Greater => " OVER",
                        std::cmp::Ordering::Equal => " FULL",
                        std::cmp::Ordering::Less => "",
                    }
                ),
                if full { t.alarm() } else { t.text() },
            ),
        ]);
        let syn_gauge = syn_queue_gauge(app, l, usize::from(inner.width));
        let waiting = waiting_names(app, l);
        let waiting_text = if waiting.is_empty() {
            "no connection queued".to_string()
        } else {
            fit_names("waiting:", &waiting, usize::from(inner.width))
        };
        let who = Line::from(vec![Span::raw(waiting_text)]);
        // Where rows run short, the backlog line goes before who waits.
        let bottom = inner.y + inner.height.saturating_sub(counter_rows);
        for (i, line) in [head, gauge, syn_gauge, who, backlog]
            .into_iter()
            .enumerate()
        {
            if y + (i as u16) < bottom {
                frame.render_widget(
                    Paragraph::new(line),
                    Rect::new(inner.x, y + i as u16, inner.width, 1),
                );
            }
        }
        let spark_y = y + 5;
        let alert = watch_alert(app, id, usize::from(inner.width));
        if let Some(text) =
            alert.filter(|_| spark_y < inner.y + inner.height.saturating_sub(counter_rows))
        {
            // An alert a person notices, in place of the queue's recent past.
            frame.render_widget(
                Paragraph::new(Line::styled(text, t.alarm())),
                Rect::new(inner.x, spark_y, inner.width, 1),
            );
        } else if spark_y < inner.y + inner.height.saturating_sub(counter_rows) {
            // Labelled, as the gauge above it: the queue's recent past.
            const LABEL: &str = "recent ";
            let label_w = LABEL.len() as u16;
            let spark_w = inner.width.saturating_sub(label_w);
            let data = app
                .history
                .accept_queue
                .get(&id)
                .map(|s| s.last(spark_w as usize))
                .unwrap_or_default();
            frame.render_widget(
                Paragraph::new(Line::styled(LABEL, t.dim())),
                Rect::new(inner.x, spark_y, label_w.min(inner.width), 1),
            );
            let spark = Sparkline::default()
                .data(&data)
                .max(holds)
                .style(t.level(share));
            frame.render_widget(spark, Rect::new(inner.x + label_w, spark_y, spark_w, 1));
        }
        y += ROWS_PER_LISTENER as u16;
    }
    if let Some(s) = snap {
        let width = usize::from(inner.width);
        let counts = overflow_counts(&s.counters, inner.width);
        let style = if s.counters.listen_overflows > 0 {
            t.warn()
        } else {
            t.dim()
        };
        // The SYN queue's counters, once one of them moved: on their own
        // row when narrow, beside the accept queue's when there is room.
        let lines = match syn_counters(&s.counters, width) {
            Some(_) if counter_rows == 3 => {
                let mut lines = vec![Line::styled(counts, style)];
                lines.extend(
                    syn_counter_halves(&s.counters, width)
                        .into_iter()
                        .map(|l| Line::styled(l, t.warn())),
                );
                lines
            }
            Some(syn) if counter_rows == 2 => {
                vec![Line::styled(counts, style), Line::styled(syn, t.warn())]
            }
            Some(syn) => vec![Line::styled(format!("{counts} · {syn}"), style)],
            None => vec![Line::styled(counts, style)],
        };
        let cy = inner.y + inner.height.saturating_sub(counter_rows);
        frame.render_widget(
            Paragraph::new(lines),
            Rect::new(inner.x, cy, inner.width, counter_rows),
        );
    }
}

/// The last alert at a watched listener, as the watch said it, or in
/// fewer words where `width` is short (`full: 12 dropped 14:02:11`).
fn watch_alert(app: &App, id: crate::lab::SockName, width: usize) -> Option<String> {
    let w = app.snapshot.as_ref()?.watch.as_ref()?;
    let a = w.alerts.iter().rev().find(|a| a.socket == Some(id))?;
    let what = match a.kind {
        "syn-cookies" => "cookies",
        _ => "dropped",
    };
    let queue = if a.kind == "accept-queue-full" {
        "queue"
    } else {
        "syn q"
    };
    [
        a.text.clone(),
        format!("{queue} full: {} {what} at {}", a.count, a.at),
        format!("{queue} full: {} {what} {}", a.count, a.at),
        format!("{} {what} {}", a.count, a.at),
    ]
    .into_iter()
    .find(|t| t.chars().count() <= width)
    .or_else(|| Some(format!("{} {what}", a.count)))
}

/// The pane's title, whole: FROZEN is never cut, the words about the
/// accept queues give way first when the pane is narrow.
/// The pane's title: how many listeners are out of sight above and below
/// (`↓ 1 more`) always shows; "accept queues" where room is left.
fn title(app: &App, width: u16, above: usize, below: usize) -> String {
    let frozen = if app.frozen.is_some() {
        " · FROZEN"
    } else {
        ""
    };
    let mut more = String::new();
    if above > 0 {
        more.push_str(&format!(" · ↑ {above} more"));
    }
    if below > 0 {
        more.push_str(&format!(" · ↓ {below} more"));
    }
    let arrows: Vec<String> = [(above, "↑"), (below, "↓")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, a)| format!("{a}{n}"))
        .collect();
    let short = if arrows.is_empty() {
        String::new()
    } else {
        format!(" · {} more", arrows.join(" "))
    };
    // Two corners, a space each side of the title, and the focus marker.
    [
        format!("Listeners · accept queues{frozen}{more}"),
        format!("Listeners{frozen}{more}"),
        format!("Listeners{frozen}{short}"),
    ]
    .into_iter()
    .find(|t| t.chars().count() + 6 <= usize::from(width))
    .unwrap_or_else(|| format!("Listeners{frozen}{short}"))
}

/// The SYN queue against the limit the kernel applies, and what a SYN
/// past it meets: `syn q ██░░ 5/5 FULL→cookies`.
fn syn_queue_gauge(app: &App, l: &SockView, width: usize) -> Line<'static> {
    let t = app.theme;
    let len = l.syn_recv().unwrap_or(0);
    let Some(q) = l.syn_queue() else {
        return Line::styled(format!("syn q {len}"), t.dim());
    };
    let limit = q.syn_queue_limit;
    let share = if limit == 0 {
        1.0
    } else {
        f64::from(len) / f64::from(limit)
    };
    let full = len >= limit;
    let past = match q.syn_queue_past_limit {
        crate::kernel::PastLimit::Cookies => "cookies",
        crate::kernel::PastLimit::Drop => "drop",
        crate::kernel::PastLimit::CookiesAlways => "all cookies",
    };
    let tail = if full {
        format!(" {len}/{limit} FULL→{past}")
    } else {
        format!(" {len}/{limit}")
    };
    // The same bar as the accept queue's where the words fit beside it.
    let bar_width = width
        .saturating_sub(6 + tail.chars().count())
        .min(width.saturating_sub(18))
        .max(4);
    Line::from(vec![
        Span::raw("syn q "),
        Span::styled(bar(share, bar_width), t.level(share)),
        Span::styled(tail, if full { t.alarm() } else { t.text() }),
    ])
}

/// Who waits in a listener's queue: lab clients by name (`C4`, `C5(syn)`
/// for a SYN-RECV entry), others by address, or by port when they share
/// the listener's address.
pub(super) fn waiting_names(app: &App, l: &SockView) -> Vec<String> {
    waiting_in(app, l, None)
}

/// [`waiting_names`] of one queue only (`Queued` or `SynRecv`), or of both.
pub(super) fn waiting_in(app: &App, l: &SockView, only: Option<ViewRole>) -> Vec<String> {
    let (Some(snap), Some(id)) = (app.snapshot.as_deref(), l.id) else {
        return Vec::new();
    };
    snap.waiting(id)
        .filter(|w| only.is_none_or(|r| w.role == r))
        .map(|w| match (w.role, w.pair) {
            (ViewRole::SynRecv, Some(c)) => format!("{c}(syn)"),
            (ViewRole::SynRecv, None) => match w.half_open().and_then(|h| h.syn) {
                Some(n) => format!("syn{n}"),
                None => "?(syn)".into(),
            },
            (_, Some(c)) => c.to_string(),
            (_, None) => w.peer.map_or_else(
                || "?".into(),
                |p| match l.local {
                    Some(at) if at.ip() == p.ip() => format!(":{}", p.port()),
                    _ => p.to_string(),
                },
            ),
        })
        .collect()
}

/// `waiting: C1 C2 +3`: as many names as fit whole in `width`, then how
/// many more there are.
fn fit_names(label: &str, names: &[String], width: usize) -> String {
    let all = format!("{label} {}", names.join(" "));
    if all.chars().count() <= width {
        return all;
    }
    // Bounded by the names: each pass drops one more.
    for shown in (0..names.len()).rev() {
        let more = names.len() - shown;
        let text = format!("{label} {} +{more}", names[..shown].join(" "));
        let text = text.replace("  ", " ");
        if text.chars().count() <= width {
            return text;
        }
    }
    format!("{label} {}", names.len())
}

/// What a closed listener's rows say, in `rows` rows of `width`: the
/// longest of its tellings that [`super::format::wrap`] fits whole. With
/// `heir`, the listener that took its port since, a connect meets that
/// listener, not a reset.
fn closed_words(heir: Option<&str>, rows: usize, width: usize) -> String {
    let tellings: Vec<String> = match heir {
        Some(h) => vec![
            format!("closed: its accept queue is gone; {h} listens on its port now"),
            format!("closed: {h} listens on its port now"),
            format!("closed: {h} has its port now"),
        ],
        None => vec![
            "closed: its accept queue is gone; a connect to its port is refused (RST)".into(),
            "closed: a connect to its port is refused (RST)".into(),
            "closed: connects refused (RST)".into(),
        ],
    };
    let last = tellings[2].clone();
    tellings
        .into_iter()
        .find(|t| super::format::wrap(Line::raw(t.as_str()), width).len() <= rows)
        .unwrap_or(last)
}

#[cfg(test)]
mod tests {
    use super::{closed_words, fit_names};

    /// A closed listener's words end with the reset that answers a
    /// connect, whole, in the Listeners pane of 80×24 (26 cells, 3 rows)
    /// as of 100×30.
    #[test]
    fn a_closed_listener_says_the_reset_whole() {
        for (rows, width) in [(3, 26), (4, 26), (3, 36), (4, 46), (2, 26)] {
            let said = closed_words(None, rows, width);
            let wrapped =
                crate::tui::view::format::wrap(ratatui::text::Line::raw(said.as_str()), width);
            assert!(wrapped.len() <= rows, "{rows}x{width}: {wrapped:?}");
            assert!(said.ends_with("refused (RST)"), "{said}");
        }
        assert_eq!(
            closed_words(None, 4, 46),
            "closed: its accept queue is gone; a connect to its port is refused (RST)"
        );
    }

    /// After a restart on the same address (SO_REUSEADDR), a connect to
    /// the port meets the new listener: the closed one names it, whole,
    /// and never says refused.
    #[test]
    fn a_closed_listener_names_the_one_that_took_its_port() {
        for (rows, width) in [(3, 26), (4, 26), (3, 36), (4, 46), (2, 26)] {
            let said = closed_words(Some("L6"), rows, width);
            let wrapped =
                crate::tui::view::format::wrap(ratatui::text::Line::raw(said.as_str()), width);
            assert!(wrapped.len() <= rows, "{rows}x{width}: {wrapped:?}");
            assert!(said.contains("L6"), "{said}");
            assert!(!said.contains("refused"), "{said}");
        }
    }

    #[test]
    fn names_that_do_not_fit_are_counted_not_cut() {
        let names: Vec<String> = ["C2", "C3", "C4", "C5(syn)", "C6(syn)"]
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            fit_names("waiting:", &names, 40),
            "waiting: C2 C3 C4 C5(syn) C6(syn)"
        );
        let short = fit_names("waiting:", &names, 30);
        assert_eq!(short, "waiting: C2 C3 C4 C5(syn) +1");
        assert!(short.chars().count() <= 30);
        assert_eq!(fit_names("waiting:", &names, 12), "waiting: +5");
    }
}
