//! The connections pane: one row per client or accepted socket, selectable,
//! readable at 80 columns by dropping the least important columns first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};

use super::block;
use super::format::{opt_size, size};
use crate::kernel::{SockView, TcpState};
use crate::tui::app::{App, Pane};
use crate::tui::rows::keep_in_view;

/// A column: its header, width, and how important it is (lower: dropped later).
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
        header: "state",
        width: 10,
        rank: 1,
    },
    Column {
        header: "mode",
        width: 9,
        rank: 5,
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

/// The columns that fit in `width` with a name column `name_w` wide and
/// a call column `call_w` wide, dropping the least important first.
fn visible(width: u16, name_w: u16, call_w: u16) -> Vec<usize> {
    let mut shown: Vec<usize> = (0..COLUMNS.len()).collect();
    let w = |i: usize| match i {
        0 => name_w,
        CALL => call_w,
        _ => COLUMNS[i].width,
    };
    // Widths plus one space between columns.
    let total = |s: &[usize]| s.iter().map(|&i| w(i) + 1).sum::<u16>() - 1;
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

fn mode(v: &SockView) -> String {
    let kernel = [v.rcvtimeo, v.sndtimeo]
        .into_iter()
        .flatten()
        .find(|d| !d.is_zero());
    match v.timeout {
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

/// A call in flight in `room` cells: whole when it fits, else without its
/// arguments, so that its time stays (`sendall 13.1s`).
fn fit_call(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        return text.to_string();
    }
    match (text.find('('), text.rfind(')')) {
        (Some(open), Some(close)) if open < close => {
            format!("{}{}", &text[..open], &text[close + 1..])
        }
        _ => text.to_string(),
    }
}

fn cell(app: &App, v: &SockView, col: usize, merged: bool, call_room: usize) -> Cell<'static> {
    let t = app.theme;
    match COLUMNS[col].header {
        "name" if merged => Cell::from(name_and_pair(v)),
        "name" => Cell::from(v.id.map_or_else(String::new, |n| n.to_string())),
        "pair" => Cell::from(
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
            Cell::from(Span::styled(text, style))
        }
        "mode" => Cell::from(mode(v)),
        "recvq" => {
            let full = matches!((v.recvq, v.rcvbuf), (Some(q), Some(b)) if q > 0 && u64::from(q) * 2 >= u64::from(b));
            Cell::from(Span::styled(
                opt_size(v.recvq),
                if full { t.alarm() } else { t.text() },
            ))
        }
        "sendq" => Cell::from(opt_size(v.sendq)),
        "notsent" => Cell::from(opt_size(v.notsent)),
        "rcvbuf" => Cell::from(opt_size(v.rcvbuf)),
        "sndbuf" => Cell::from(opt_size(v.sndbuf)),
        "app in" => Cell::from(v.bytes_received.map_or_else(String::new, size)),
        "app out" => Cell::from(v.bytes_sent.map_or_else(String::new, size)),
        _ => match (v.in_flight.first(), v.time_wait_ms) {
            // A closed socket waiting out TIME-WAIT: how long is left.
            // The state column says TIME-WAIT too: where both words do
            // not fit, the time left does.
            (None, Some(ms)) => {
                let secs = ms.div_ceil(1000);
                let full = format!("TIME-WAIT {secs}s left");
                let text = if full.chars().count() <= call_room {
                    full
                } else {
                    fit_call(&format!("{secs}s left"), call_room)
                };
                Cell::from(Span::styled(text, t.dim()))
            }
            // A watched socket: its process, where the lab shows its calls.
            (None, None) if v.owner.is_some() => {
                let o = v
                    .owner
                    .as_ref()
                    .map_or_else(String::new, |o| format!("{} {}", o.name, o.pid));
                Cell::from(Span::styled(
                    crate::lab::preview::escape_text(&fit_call(&o, call_room)).into_owned(),
                    t.dim(),
                ))
            }
            (call, _) => {
                let call = call.map_or("", String::as_str);
                // A waiting client's next try, so that a late arrival is expected.
                let text = match v.next_syn_ms.filter(|_| v.state == TcpState::SynSent) {
                    // The state says SYN-SENT: where both do not fit, when
                    // the next SYN goes matters more than the call's time.
                    Some(ms) if !call.is_empty() => {
                        let next = crate::kernel::next_syn_words(ms);
                        let both = fit_call(&format!("{call} · {next}"), call_room);
                        if both.chars().count() <= call_room {
                            both
                        } else {
                            next
                        }
                    }
                    _ => fit_call(call, call_room),
                };
                let style = if text.is_empty() { t.text() } else { t.alarm() };
                Cell::from(Span::styled(text, style))
            }
        },
    }
}

/// Draws the pane.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let t = app.theme;
    let rows_all = app.connections();
    let counts: Vec<String> = app
        .state_counts()
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
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
    // The filter before the states' counts: a narrow pane cuts the end
    // of its title, and the filter typed must show.
    let title = std::iter::once(format!("Connections · {}{filter}", rows_all.len()))
        .chain(counts)
        .collect::<Vec<_>>()
        .join(" · ");
    let b = block(app, title, Some(Pane::Connections));
    let inner = b.inner(area);
    // Only the rows that can show are built: a window that keeps the
    // selected row in view (thousands of connections cost one screenful).
    let height = visible_rows(area);
    let selected = rows_all.iter().position(|v| v.id == app.sel_conn);
    // What a lesson acted on last, else the selection, stays in view.
    let target = app
        .in_view
        .conn
        .and_then(|s| rows_all.iter().position(|v| v.id == Some(s)))
        .or(selected);
    // The App keeps the offset; a selection made outside `update` still shows.
    let first = keep_in_view(app.conn_offset, target, rows_all.len(), height);
    let window = || rows_all.iter().skip(first).take(height);
    // Both ends are named wherever both appear: when the pair
    // column does not fit, the pair joins the name ("C1⇄A1"), if that
    // costs no other column.
    let name_w = COLUMNS[0].width;
    let cols = visible(inner.width, name_w, COLUMNS[CALL].width);
    let mut merged_w = name_w;
    if !cols.contains(&PAIR) {
        let widest = window()
            .map(|v| name_and_pair(v).chars().count() as u16)
            .max()
            .unwrap_or(0);
        // The call column may give up a few cells for it.
        if widest > name_w && visible(inner.width, widest, CALL_MIN) == cols {
            merged_w = widest;
        }
    }
    let merged = merged_w > name_w;
    let header = Row::new(cols.iter().map(|&c| Cell::from(COLUMNS[c].header))).style(t.strong());
    // What the other columns (and a space after each) leave the call's.
    let call_room = inner.width.saturating_sub(
        cols.iter()
            .filter(|&&c| c != CALL)
            .map(|&c| if c == 0 { merged_w } else { COLUMNS[c].width } + 1)
            .sum(),
    ) as usize;
    let rows: Vec<Row<'static>> = window()
        .map(|v| {
            Row::new(
                cols.iter()
                    .map(|&c| cell(app, v, c, merged, call_room))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|&c| match c {
            0 => Constraint::Length(merged_w),
            CALL => Constraint::Min(CALL_MIN),
            _ => Constraint::Length(COLUMNS[c].width),
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
    let table = Table::new(rows, widths)
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
        } else {
            "no connections yet: press c, or type :connect L1 x3".to_string()
        };
        let hint = Line::styled(
            crate::lab::preview::escape_text(&words).into_owned(),
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
    fn narrow_tables_keep_the_important_columns() {
        let all = visible(200, 4, 15);
        assert_eq!(all.len(), COLUMNS.len());
        let narrow: Vec<&str> = visible(46, 4, 15)
            .iter()
            .map(|&i| COLUMNS[i].header)
            .collect();
        assert!(narrow.starts_with(&["name"]));
        for keep in ["state", "recvq", "sendq"] {
            assert!(narrow.contains(&keep), "{narrow:?}");
        }
        assert!(!narrow.contains(&"rcvbuf"));
    }

    #[test]
    fn a_long_call_keeps_its_time_and_gives_up_its_arguments() {
        assert_eq!(
            fit_call("sendall(512.0k) 13.1s", 30),
            "sendall(512.0k) 13.1s"
        );
        assert_eq!(fit_call("sendall(512.0k) 13.1s", 20), "sendall 13.1s");
        assert_eq!(fit_call("connect 2.8s", 10), "connect 2.8s");
    }
}
