//! The connections pane: one row per client or accepted socket, selectable,
//! readable at 80 columns by dropping the least important columns first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};

use super::block;
use super::format::{opt_size, shorten, size, tally};
use crate::kernel::{SockView, TcpState};
use crate::lab::{Role, SockName};
use crate::tui::app::{App, Pane};

/// A column: its header, the widest its cells are drawn, and how
/// important it is (higher: dropped first where the pane is narrow).
struct Column {
    header: &'static str,
    width: u16,
    rank: u8,
}

const COLUMNS: &[Column] = &[
    Column {
        header: "name",
        width: 4,
        rank: 0,
    },
    Column {
        header: "pair",
        width: 5,
        rank: 4,
    },
    Column {
        // FIN-WAIT-2 and the closed mark: `FIN-WAIT-2✝`.
        header: "state",
        width: 11,
        rank: 1,
    },
    Column {
        header: "mode",
        width: 9,
        rank: 2,
    },
    Column {
        header: "recvq",
        width: 6,
        rank: 2,
    },
    Column {
        header: "sendq",
        width: 6,
        rank: 2,
    },
    Column {
        header: "notsent",
        width: 7,
        rank: 6,
    },
    Column {
        header: "rcvbuf",
        width: 7,
        rank: 8,
    },
    Column {
        header: "sndbuf",
        width: 7,
        rank: 8,
    },
    Column {
        header: "app in",
        width: 7,
        rank: 7,
    },
    Column {
        header: "app out",
        width: 7,
        rank: 7,
    },
    Column {
        header: "call in flight",
        width: 15,
        rank: 3,
    },
];

/// The pair column and the call-in-flight column, which is last and takes
/// what room is left, at least `CALL_MIN` cells.
const PAIR: usize = 1;

/// How many connection rows the pane drawn at `area` shows (inside its
/// border, under its header).
pub fn visible_rows(area: Rect) -> usize {
    area.height.saturating_sub(3).max(1) as usize
}

const CALL: usize = COLUMNS.len() - 1;
const CALL_MIN: u16 = 10;

/// The call column's header where its full one does not fit.
const CALL_SHORT: &str = "call";

/// The columns that fit in `width`, each `widths[i]` wide (none: nothing
/// to show), dropping the least important first.
fn visible(width: u16, widths: &[u16]) -> Vec<usize> {
    let mut shown: Vec<usize> = (0..COLUMNS.len())
        .filter(|&c| widths[c] > 0 || c == CALL)
        .collect();
    // Widths plus one space between columns.
    let total = |s: &[usize]| s.iter().map(|&i| widths[i] + 1).sum::<u16>() - 1;
    while total(&shown) > width && shown.len() > 1 {
        let drop = shown
            .iter()
            .enumerate()
            .max_by_key(|(at, i)| (COLUMNS[**i].rank, *at))
            .map(|(at, _)| at)
            .unwrap_or(0);
        shown.remove(drop);
    }
    shown
}

/// The widest a call in flight asks for ("next SYN in 10 s").
const CALL_MAX: u16 = 16;

/// Each column as wide as its header and the widest of `cells` need (at
/// most its own width): a column of short figures gives its room to the
/// call in flight. A column with nothing in it takes none; with no rows,
/// the columns a new connection fills first keep their headers.
fn widths(cells: &[Vec<String>]) -> Vec<u16> {
    (0..COLUMNS.len())
        .map(|c| {
            let blank = |t: &String| t.is_empty() || t == "-";
            let unused = c != CALL && (!cells.is_empty() || COLUMNS[c].rank > 3);
            if unused && cells.iter().all(|r| blank(&r[c])) {
                return 0;
            }
            let widest = cells
                .iter()
                .map(|r| r[c].chars().count())
                .chain([if c == CALL {
                    CALL_SHORT
                } else {
                    COLUMNS[c].header
                }
                .chars()
                .count()])
                .max()
                .unwrap_or(0) as u16;
            if c == CALL {
                widest.clamp(CALL_MIN, CALL_MAX)
            } else {
                widest.min(COLUMNS[c].width.max(COLUMNS[c].header.len() as u16))
            }
        })
        .collect()
}

/// The columns to draw in `width`: those with something to show, the
/// least important dropped first, but the call in flight shrinks to
/// `CALL_MIN` before it goes.
fn columns(width: u16, widths: &[u16]) -> Vec<usize> {
    let mut w = widths.to_vec();
    let cols = visible(width, &w);
    if cols.contains(&CALL) {
        return cols;
    }
    w[CALL] = CALL_MIN;
    visible(width, &w)
}

fn mode(v: &SockView) -> String {
    let kernel = [v.rcvtimeo(), v.sndtimeo()]
        .into_iter()
        .flatten()
        .find(|d| !d.is_zero());
    match v.timeout() {
        None => "-".into(),
        // A blocking socket the kernel times out (SO_RCVTIMEO/SO_SNDTIMEO).
        Some(crate::lab::TimeoutMode::Blocking) if kernel.is_some() => {
            format!(
                "so {}",
                crate::lab::command::format_duration(kernel.unwrap_or_default())
            )
        }
        Some(crate::lab::TimeoutMode::Blocking) => "blocking".into(),
        Some(crate::lab::TimeoutMode::NonBlocking) => "nonblock".into(),
        Some(crate::lab::TimeoutMode::Timeout(d)) => {
            format!("tmo {}", crate::lab::command::format_duration(d))
        }
    }
}

/// `⇄A1` for a connection's other end; `→U2` for a UDP socket's peer.
fn pair_mark(v: &SockView) -> &'static str {
    if v.role == crate::kernel::ViewRole::Udp {
        "→"
    } else {
        "⇄"
    }
}

/// "C1⇄A1": a row's name with its pair, for when the pair has no column.
fn name_and_pair(v: &SockView) -> String {
    match (v.id, v.pair) {
        (Some(n), Some(p)) => format!("{n}{}{p}", pair_mark(v)),
        (Some(n), None) => n.to_string(),
        (None, _) => String::new(),
    }
}

/// A call in flight in `room` cells: whole when it fits, else with its
/// time in whole seconds from 1 s on (`recvall(16) 12s`: the size a
/// question may ask about stays), else without its arguments, so that its
/// time stays (`sendall(…) 13.1s`), else its first words and "…"; one
/// with no arguments (`recv loop 74.2s`) gives up its tenths, then its
/// time: never a word or figure cut.
fn fit_call(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        return text.to_string();
    }
    if let (Some(open), Some(close)) = (text.find('('), text.rfind(')'))
        && open < close
    {
        let (name, time) = (&text[..open], &text[close + 1..]);
        let whole_seconds = time
            .strip_suffix('s')
            .and_then(|t| t.trim().parse::<f64>().ok())
            .filter(|t| *t >= 1.0)
            .map(|t| format!("{} {}s", &text[..=close], t.floor()));
        let mut forms: Vec<String> = whole_seconds.into_iter().collect();
        forms.extend([format!("{name}(…){time}"), format!("{name}…{time}")]);
        return first_fit(&forms, room);
    }
    // A call with no arguments (`recv loop 74.2s`): its time in whole
    // seconds, else its name alone.
    if let Some((name, time)) = text.rsplit_once(' ')
        && let Some(secs) = time.strip_suffix('s').and_then(|t| t.parse::<f64>().ok())
    {
        let whole = (secs >= 1.0).then(|| format!("{name} {}s", secs.floor()));
        let forms: Vec<String> = whole.into_iter().chain([name.to_string()]).collect();
        return first_fit(&forms, room);
    }
    shorten(text, room)
}

/// The first of `forms` (the longest first) that fits `room`, else the
/// last shortened: `next SYN in 10 s`, `SYN in 10 s`.
/// What is left of a TIME-WAIT whose timer reads `ms`, long and short:
/// `TIME-WAIT 59s left`, whole seconds rounded up. A timer that is due
/// reads "ending", not "0s left": the kernel lets the socket go at its
/// next tick, and a row that says nothing is left would be gone.
fn time_wait_left(ms: u32) -> [String; 2] {
    match ms.div_ceil(1000) {
        0 => ["TIME-WAIT ending".to_string(), "ending".to_string()],
        left => [format!("TIME-WAIT {left}s left"), format!("{left}s left")],
    }
}

fn first_fit(forms: &[String], room: usize) -> String {
    forms
        .iter()
        .find(|f| f.chars().count() <= room)
        .cloned()
        .unwrap_or_else(|| shorten(forms.last().map_or("", String::as_str), room))
}

fn cell(app: &App, v: &SockView, col: usize, merged: bool, call_room: usize) -> Span<'static> {
    let t = app.theme;
    match COLUMNS[col].header {
        "name" if merged => Span::raw(name_and_pair(v)),
        "name" => Span::raw(v.id.map_or_else(String::new, |n| n.to_string())),
        "pair" => Span::raw(
            v.pair
                .map_or_else(String::new, |p| format!("{}{p}", pair_mark(v))),
        ),
        "state" => {
            // ss's short names, so that the column fits at 80 columns.
            let short = crate::tui::app::short_state(v.state);
            let text = if v.closed {
                format!("{short}✝")
            } else {
                short.to_string()
            };
            let style = match v.state {
                TcpState::Established => t.ok(),
                TcpState::SynSent | TcpState::SynReceived => t.warn(),
                TcpState::Closed => t.alarm(),
                _ => t.dim(),
            };
            Span::styled(text, style)
        }
        "mode" => Span::raw(mode(v)),
        "recvq" => {
            let full = matches!((v.recvq(), v.rcvbuf()), (Some(q), Some(b)) if q > 0 && u64::from(q) * 2 >= u64::from(b));
            Span::styled(opt_size(v.recvq()), if full { t.alarm() } else { t.text() })
        }
        "sendq" => Span::raw(opt_size(v.sendq())),
        "notsent" => Span::raw(opt_size(v.notsent())),
        "rcvbuf" => Span::raw(opt_size(v.rcvbuf())),
        "sndbuf" => Span::raw(opt_size(v.sndbuf())),
        "app in" => Span::raw(v.bytes_received().map_or_else(String::new, size)),
        "app out" => Span::raw(v.bytes_sent().map_or_else(String::new, size)),
        _ => match (v.in_flight.first(), v.time_wait_ms) {
            // A closed socket waiting out TIME-WAIT: how long is left.
            (None, Some(ms)) => Span::styled(first_fit(&time_wait_left(ms), call_room), t.dim()),
            // A watched socket: its process, where the lab shows its calls.
            (None, None) if v.owner.is_some() => {
                let o = v
                    .owner
                    .as_ref()
                    .map_or_else(String::new, |o| format!("{} {}", o.name, o.pid));
                let o = crate::lab::preview::escape_text(&o).into_owned();
                Span::styled(fit_call(&o, call_room), t.dim())
            }
            (call, _) => {
                let call = call.map_or("", |c| &**c);
                // In a lesson, named as its result will name it.
                let plain = if app.in_lesson() {
                    super::class_words::call_in_flight(call)
                } else {
                    call.into()
                };
                let call = &*plain;
                // A waiting client's next try, so that a late arrival is expected.
                let system = app.snapshot.as_deref().map(|s| &s.system);
                let timer = system.and_then(|sys| crate::kernel::syn_timer_words(v, sys));
                let text = match timer {
                    // The state says SYN-SENT: where both do not fit, when
                    // the next SYN goes (or the client gives up) matters
                    // more than the call's time.
                    Some(next) => {
                        // Shorter forms drop whole words: `SYN in 3 s`,
                        // `gives up in 47 s`, `gives up 47 s`, then the
                        // space before the unit (`gives up 47s`, as the
                        // TIME-WAIT's `51s left`): the time stays whole.
                        let shorter = match next.strip_prefix("gives up in ") {
                            Some(rest) => {
                                let when = rest.trim_end_matches(": ETIMEDOUT");
                                vec![
                                    format!("gives up in {when}"),
                                    format!("gives up {when}"),
                                    format!("gives up {}", when.replace(" s", "s")),
                                ]
                            }
                            None => {
                                let when = next.trim_start_matches("next ");
                                vec![when.to_string(), when.replace(" s", "s")]
                            }
                        };
                        let mut forms = Vec::new();
                        if !call.is_empty() {
                            forms.push(format!("{call} · {next}"));
                        }
                        forms.push(next);
                        forms.extend(shorter);
                        first_fit(&forms, call_room)
                    }
                    // Nothing runs on a socket with no connection: the
                    // row says so, as the title counts it apart.
                    None if call.is_empty() && v.state == TcpState::Closed && !v.closed => {
                        return Span::styled(
                            first_fit(&["no connection".into()], call_room),
                            t.dim(),
                        );
                    }
                    None => fit_call(call, call_room),
                };
                let style = if text.is_empty() { t.text() } else { t.alarm() };
                Span::styled(text, style)
            }
        },
    }
}

/// The state column, where a closed socket's `✝` shows.
const STATE: usize = 2;

/// The pane's bottom line in `room` cells: how many rows are scrolled out
/// of sight above and below (`↑ 2 more · ↓ 3 more`), which always shows,
/// then what `✝` means, where a row shows it and room is left.
pub(crate) fn footer(above: usize, below: usize, closed: bool, room: usize) -> String {
    let mut more = Vec::new();
    if above > 0 {
        more.push(format!("↑ {above} more"));
    }
    if below > 0 {
        more.push(format!("↓ {below} more"));
    }
    let more = more.join(" · ");
    if !closed {
        return more;
    }
    let legends = [
        "✝ closed by its program, held by the kernel",
        "✝ closed, held by the kernel",
        "✝ closed",
    ];
    legends
        .iter()
        .map(|l| {
            if more.is_empty() {
                (*l).to_string()
            } else {
                format!("{l} · {more}")
            }
        })
        .find(|f| f.chars().count() <= room)
        .unwrap_or(more)
}

/// The pane's title in `room` cells: the count of the rows shown, and
/// how many of them are in each state, adding up to it in every width
/// (see [`tally`]); then the filter, which a narrow pane keeps too.
fn title(app: &App, total: usize, room: usize) -> String {
    let filtering = matches!(app.mode, crate::tui::app::Mode::Filter);
    let filter = if app.filter.is_empty() && !filtering {
        String::new()
    } else {
        format!(
            " · filter /{}{}",
            app.filter,
            if filtering { "▏" } else { "" }
        )
    };
    let mut parts = app.state_counts();
    // A socket in CLOSED holds no connection (its connect failed, or a
    // reset ended it): its row stays, to be selected and read, but the
    // count is of connections, so it is told apart after it.
    let Some(at) = parts.iter().position(|(s, _)| *s == "CLOSED") else {
        return tally("Connections", total, &filter, &parts, room);
    };
    let (_, closed) = parts.remove(at);
    let width = |s: &str| s.chars().count();
    let long = format!(" · and {closed} CLOSED: no connection");
    let short = format!(" · +{closed} CLOSED");
    // The pane's name kept before the longer words; the count whole always.
    for (after, named) in [(&long, true), (&short, true), (&short, false)] {
        let room = room.saturating_sub(width(after));
        let counted = tally("Connections", total - closed, &filter, &parts, room);
        let whole = !counted.ends_with('…') && width(&counted) <= room;
        if whole && (!named || counted.starts_with("Connections")) {
            return counted + after;
        }
    }
    parts.push(("CLOSED", closed));
    tally("Connections", total, &filter, &parts, room)
}

/// Draws the pane.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let t = app.theme;
    let rows_all = app.connections();
    // The border's corners, the title's spaces and the focus mark.
    let room = usize::from(area.width).saturating_sub(6);
    let b = block(
        app,
        title(app, rows_all.len(), room),
        Some(Pane::Connections),
    );
    let inner = b.inner(area);
    // Only the rows that can show are built: a window that keeps the
    // selected row in view (thousands of connections cost one screenful).
    let height = visible_rows(area);
    let selected = rows_all.iter().position(|v| v.id == app.sel_conn);
    // The App keeps the offset, with what a lesson acted on last, else the
    // selection, in view.
    let first = app.conn_offset;
    let window: Vec<&SockView> = rows_all.iter().skip(first).take(height).copied().collect();
    // Each column as wide as what it shows now.
    let texts: Vec<Vec<String>> = window
        .iter()
        .map(|v| {
            (0..COLUMNS.len())
                .map(|c| {
                    let room = if c == CALL { usize::MAX } else { 0 };
                    cell(app, v, c, false, room).content.into_owned()
                })
                .collect()
        })
        .collect();
    let mut widths = widths(&texts);
    let mut cols = columns(inner.width, &widths);
    // Both ends are named wherever both appear: when the pair column does
    // not fit, the pair joins the name ("C1⇄A1"), if that costs no other
    // column.
    let name_w = widths[0];
    if !cols.contains(&PAIR) {
        let widest = window
            .iter()
            .map(|v| name_and_pair(v).chars().count() as u16)
            .max()
            .unwrap_or(0);
        let mut merged = widths.clone();
        merged[0] = widest.max(name_w);
        if widest > name_w && columns(inner.width, &merged) == cols {
            widths = merged;
        }
    }
    let merged = widths[0] > name_w;
    // What the other columns (and a space after each) leave the call's.
    let call_room = inner.width.saturating_sub(
        cols.iter()
            .filter(|&&c| c != CALL)
            .map(|&c| widths[c] + 1)
            .sum(),
    ) as usize;
    let header_text = |c: usize| {
        if c == CALL && COLUMNS[c].header.chars().count() > call_room {
            CALL_SHORT
        } else {
            COLUMNS[c].header
        }
    };
    cols.retain(|&c| c != CALL || call_room >= CALL_SHORT.len());
    let header = Row::new(cols.iter().map(|&c| Cell::from(header_text(c)))).style(t.strong());
    let rows: Vec<Row<'static>> = window
        .iter()
        .map(|v| {
            Row::new(
                cols.iter()
                    .map(|&c| Cell::from(cell(app, v, c, merged, call_room)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let constraints: Vec<Constraint> = cols
        .iter()
        .map(|&c| match c {
            CALL => Constraint::Min(CALL_MIN.min(call_room as u16)),
            _ => Constraint::Length(widths[c]),
        })
        .collect();
    let mut state = TableState::default();
    // The selection is marked where it is drawn; scrolled out of the
    // window (the pane follows a lesson), it is not.
    state.select(
        selected
            .and_then(|s| s.checked_sub(first))
            .filter(|s| *s < height),
    );
    let highlight = if app.pane == Pane::Connections {
        t.selected()
    } else {
        t.strong()
    };
    // Rows the pane cannot show are said, and so is the mark a closed
    // socket's state wears.
    let closed = window.iter().any(|v| v.closed) && cols.contains(&STATE);
    let below = rows_all.len().saturating_sub(first + window.len());
    let footer = footer(first, below, closed, room);
    let b = if footer.is_empty() {
        b
    } else {
        b.title_bottom(Line::styled(format!(" {footer} "), t.dim()).right_aligned())
    };
    let table = Table::new(rows, constraints)
        .header(header)
        .block(b)
        .row_highlight_style(highlight);
    if rows_all.is_empty() {
        frame.render_widget(table, area);
        // What the pane would show, and how to get it.
        let words = if !app.filter.is_empty() {
            format!("no connection passes the filter /{}", app.filter)
        } else if let Some(w) = &app.watching {
            let of = match w.target {
                crate::kernel::watch::Target::Pid(_) => "of",
                _ => "on",
            };
            format!("no connections {of} {} yet", w.target)
        } else if app.lab.knows(SockName::new(Role::Client, 1))
            || app.lab.knows(SockName::new(Role::Accepted, 1))
        {
            // Connections came and went: none is left, not none yet.
            "no connections now".to_string()
        } else if app.in_lesson() {
            "no connections yet".to_string()
        } else {
            "no connections yet: press c, or :connect L1 x3".to_string()
        };
        let hint = Line::styled(
            shorten(
                &crate::lab::preview::escape_text(&words),
                usize::from(inner.width),
            ),
            t.dim(),
        );
        let y = inner.y + 1;
        if y < inner.y + inner.height {
            frame.render_widget(
                ratatui::widgets::Paragraph::new(hint),
                Rect::new(inner.x, y, inner.width, 1),
            );
        }
        return;
    }
    frame.render_stateful_widget(table, area, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_footer_says_what_is_out_of_sight_before_what_the_mark_means() {
        assert_eq!(footer(0, 0, false, 40), "");
        assert_eq!(footer(2, 3, false, 40), "↑ 2 more · ↓ 3 more");
        assert_eq!(
            footer(0, 3, true, 60),
            "✝ closed by its program, held by the kernel · ↓ 3 more"
        );
        assert_eq!(
            footer(0, 3, true, 44),
            "✝ closed, held by the kernel · ↓ 3 more"
        );
        assert_eq!(footer(1, 3, true, 20), "↑ 1 more · ↓ 3 more");
        assert_eq!(COLUMNS[STATE].header, "state");
    }

    #[test]
    fn narrow_tables_keep_the_important_columns() {
        let full: Vec<u16> = COLUMNS.iter().map(|c| c.width).collect();
        let all = visible(200, &full);
        assert_eq!(all.len(), COLUMNS.len());
        // At 80 columns, as a lesson's rows need them.
        let rows = vec![
            [
                "C4", "", "SYN-SENT", "blocking", "0", "1", "-", "2304", "4608", "", "", "",
            ]
            .map(String::from)
            .to_vec(),
        ];
        let narrow: Vec<&str> = visible(48, &widths(&rows))
            .iter()
            .map(|&i| COLUMNS[i].header)
            .collect();
        assert!(narrow.starts_with(&["name"]));
        for keep in ["state", "mode", "recvq", "sendq", "call in flight"] {
            assert!(narrow.contains(&keep), "{narrow:?}");
        }
        assert!(!narrow.contains(&"rcvbuf"), "{narrow:?}");
    }

    #[test]
    fn a_due_time_wait_is_ending_not_nothing_left() {
        assert_eq!(time_wait_left(59_001), ["TIME-WAIT 60s left", "60s left"]);
        assert_eq!(time_wait_left(1), ["TIME-WAIT 1s left", "1s left"]);
        assert_eq!(time_wait_left(0), ["TIME-WAIT ending", "ending"]);
    }

    #[test]
    fn a_long_call_keeps_its_time_and_gives_up_its_arguments() {
        assert_eq!(
            fit_call("sendall(512.0k) 13.1s", 30),
            "sendall(512.0k) 13.1s"
        );
        assert_eq!(fit_call("sendall(512.0k) 13.1s", 20), "sendall(512.0k) 13s");
        assert_eq!(fit_call("sendall(512.0k) 13.1s", 18), "sendall(…) 13.1s");
        assert_eq!(fit_call("sendall(512.0k) 13.1s", 14), "sendall… 13.1s");
        assert_eq!(fit_call("sendall(512.0k) 13.1s", 10), "sendall…");
        assert_eq!(fit_call("connect 2.8s", 10), "connect 2s");
        assert_eq!(fit_call("connect 2.8s", 9), "connect");
        // distance at 80×24: the recv loop's time gives way before its name.
        assert_eq!(fit_call("recv loop 51.0s", 13), "recv loop 51s");
        assert_eq!(fit_call("recv loop 51.0s", 11), "recv loop");
        // partial-recv at 80×24: "recvall(…) 12.1s" hid the 16 its
        // question is about; in whole seconds the size fits.
        assert_eq!(fit_call("recvall(16) 12.1s", 16), "recvall(16) 12s");
        assert_eq!(fit_call("recvall(16) 0.4s", 15), "recvall(…) 0.4s");
    }
}
