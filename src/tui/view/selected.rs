//! The selected connection: the path of a byte from the sender's
//! application through its send buffer, the window the peer advertises, and
//! the receiver's buffer to its application, both ways, as filled bars; and
//! charts of recvq and sendq over the last minute. A zero window, a blocked
//! sender and full buffers show without reading numbers.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use super::block;
use super::format::{bar, notes_in, size};
use crate::kernel::{SockView, TcpState, ViewRole};
use crate::lab::{SockName, TimeoutMode};
use crate::tui::app::{App, Pane};
use crate::tui::theme::Theme;

/// How full a buffer is: the larger of bytes queued and memory charged,
/// against its size.
fn fill(queued: Option<u32>, mem: Option<u32>, buf: Option<u32>) -> f64 {
    let Some(buf) = buf.filter(|b| *b > 0) else {
        return 0.0;
    };
    let q = f64::from(queued.unwrap_or(0).max(mem.unwrap_or(0)));
    q / f64::from(buf)
}

/// The memory a buffer's data costs, when it is well above the data: the
/// kernel charges each packet's bookkeeping to the buffer too, so a buffer
/// can be full (its bar, its window) with less data in it than its size,
/// or hold more than its size in data's terms: `, mem 5.6k`.
fn charged(queued: Option<u32>, mem: Option<u32>) -> String {
    let (q, m) = (u64::from(queued.unwrap_or(0)), u64::from(mem.unwrap_or(0)));
    if m > q + q / 8 && m >= 1024 {
        format!(", mem {}", size(m))
    } else {
        String::new()
    }
}

/// How full a buffer must be to count as full when the kernel says it is
/// (a send waits, a window is zero).
const NEARLY_FULL: f64 = 0.9;

/// The other end of `v`: its lab pair, or the entry waiting in a listener's queue.
fn peer_of<'a>(app: &'a App, v: &SockView) -> Option<&'a SockView> {
    let snap = app.snapshot.as_deref()?;
    if let Some(p) = v.pair
        && let Some(pv) = snap.socket(p)
    {
        return Some(pv);
    }
    snap.sockets
        .iter()
        .find(|w| w.role == ViewRole::Queued && w.pair == v.id && v.id.is_some())
}

/// Whether `v` is on one side of the lab's own link.
fn crosses(v: &SockView) -> bool {
    v.local.is_some_and(|a| {
        a.ip() == crate::lab::sides::CLIENT_IP || a.ip() == crate::lab::sides::SERVER_IP
    })
}

fn label(v: &SockView) -> String {
    v.id.map_or_else(|| "(not yet accepted)".into(), |n| n.to_string())
}

/// One direction: `from`'s application → its send buffer → the window →
/// `to`'s receive buffer → its application. One line when it fits; where
/// only one row is left, the same line without the applications (and a
/// call blocked in them: Connections names it) and with the narrowest bars
/// (`C1  ▶ sndbuf ░ 8192/8192 FULL ▶ wnd 0 ZERO ▶ A1 rcvbuf ░ 4096/8192
/// …`), else without the receiver's half; else two lines.
fn path_lines(
    t: Theme,
    cwnd: bool,
    from: &SockView,
    to: Option<&SockView>,
    width: usize,
    rows: usize,
) -> Vec<Line<'static>> {
    // The widest bars that let it fit on one line, else on two.
    for two in [false, true] {
        // The window and the receiver are what a full buffer is about:
        // they stay in the one row, the applications give way.
        if two && rows < 2 && to.is_some() {
            let (head, tail, Parts { receiver, cwnd_at }) =
                path_spans(t, cwnd, from, to, 1, Room::Compact);
            let (lean_head, lean_tail, _) = path_spans(t, cwnd, from, to, 1, Room::Lean);
            let more = Span::styled("…", t.dim());
            let whole = [head.clone(), tail.clone(), vec![more.clone()]].concat();
            let lean = [lean_head, lean_tail, vec![more.clone()]].concat();
            let sender = [head.clone(), tail[..receiver].to_vec(), vec![more.clone()]].concat();
            // Narrower still: the sender without its congestion window,
            // so that a backoff and its next try stay (a pulled cable at
            // 80×24 left only the send buffer).
            let without_cwnd: Vec<Span<'static>> = tail[..receiver]
                .iter()
                .enumerate()
                .filter(|(k, _)| Some(*k) != cwnd_at)
                .map(|(_, s)| s.clone())
                .collect();
            let bare = [head.clone(), without_cwnd, vec![more]].concat();
            for line in [
                Line::from(whole),
                Line::from(lean),
                Line::from(sender),
                Line::from(bare),
            ] {
                if line.width() <= width {
                    return vec![line];
                }
            }
        }
        for bw in (3..=24).rev() {
            let (head, tail, _) = path_spans(t, cwnd, from, to, bw, Room::Whole);
            let (h, tl) = (
                Line::from(head.clone()).width(),
                Line::from(tail.clone()).width(),
            );
            if !two && h + tl <= width {
                return vec![Line::from([head, tail].concat())];
            }
            if two && h.max(tl + 4) <= width {
                return vec![
                    Line::from(head),
                    Line::from([vec![Span::raw("    ")], tail].concat()),
                ];
            }
        }
    }
    let (head, tail, _) = path_spans(t, cwnd, from, to, 3, Room::Whole);
    let mut lines = super::format::fit_spans(Line::from(head), width);
    lines.extend(super::format::fit_spans(Line::from(tail), width));
    lines
}

/// How much of a path a row has room for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Room {
    /// Everything: the applications and what waits in them.
    Whole,
    /// The applications left out.
    Compact,
    /// Also what is unsent and the memory charged beside the bytes.
    Lean,
}

/// Where the parts a narrow row may leave out sit in a path's second half.
struct Parts {
    /// The first span of the receiver's part.
    receiver: usize,
    /// The congestion window's span, when it is drawn.
    cwnd_at: Option<usize>,
}

/// The sender's half and the receiver's half of a path, with bars `bw`
/// wide, and where in the second its parts sit, as much as `room`
/// allows.
fn path_spans(
    t: Theme,
    cwnd: bool,
    from: &SockView,
    to: Option<&SockView>,
    bw: usize,
    room: Room,
) -> (Vec<Span<'static>>, Vec<Span<'static>>, Parts) {
    let compact = room != Room::Whole;
    let lean = room == Room::Lean;
    let send_fill = fill(from.sendq(), from.snd_mem(), from.sndbuf());
    let mut head = vec![
        Span::styled(format!("{:<3}", label(from)), t.strong()),
        Span::raw(if compact { " " } else { " app " }),
    ];
    let blocked_send = from
        .in_flight
        .iter()
        .find(|c| c.starts_with("send") && !c.ends_with(" paced"));
    if compact {
        // The call waiting in the application is in Connections' row.
    } else if let Some(call) = blocked_send {
        // A loop on a socket that may not block waits in poll() between
        // its calls, not in a call: "blocked" would say the opposite.
        let how = match from.timeout() {
            Some(TimeoutMode::NonBlocking | TimeoutMode::Timeout(_)) => "waiting",
            _ => "blocked",
        };
        head.push(Span::styled(format!("⏸ {call} {how} "), t.alarm()));
    } else if let Some(call) = from.in_flight.iter().find(|c| c.starts_with("send")) {
        // A paced loop between its steps: it waits for its rate, not for room.
        head.push(Span::styled(format!("{call} "), t.text()));
    }
    head.push(Span::raw("▶ sndbuf "));
    head.push(Span::styled(bar(send_fill, bw), t.level(send_fill)));
    head.push(Span::raw(format!(
        " {}/{}{}{} ",
        size(u64::from(from.sendq().unwrap_or(0))),
        from.sndbuf()
            .map_or_else(|| "-".into(), |b| size(u64::from(b))),
        from.notsent()
            .filter(|n| *n > 0 && !lean)
            .map_or_else(String::new, |n| format!(", {} unsent", size(u64::from(n)))),
        if lean {
            String::new()
        } else {
            charged(from.sendq(), from.snd_mem())
        }
    )));
    // The kernel stops short of the last byte: a send waits once the next
    // segment's memory would not fit, so a blocked sender's nearly full
    // buffer is full.
    if send_fill >= 0.999 || (blocked_send.is_some() && send_fill >= NEARLY_FULL) {
        head.push(Span::styled("FULL ", t.alarm()));
    }
    let mut tail = vec![Span::raw("▶ wnd ")];
    let mut cwnd_at = None;
    // Before the handshake ends there is no window: 0 would be no alarm.
    let handshaking = matches!(from.state, TcpState::SynSent | TcpState::SynReceived);
    let window = from.tcp().and_then(|x| x.snd_wnd).filter(|_| !handshaking);
    match window {
        Some(0) => tail.push(Span::styled("0 ZERO ", t.alarm())),
        Some(w) => tail.push(Span::raw(format!("{} ", size(u64::from(w))))),
        None => tail.push(Span::raw("- ")),
    }
    // Across the lab's own link the congestion window is what paces the
    // sender (on the loopback it is never the limit): beside the window,
    // with the round trip the kernel measures, and while its
    // retransmission timer backs off, how often it has doubled.
    // In a lesson, the window and round trip only where it talks of them.
    if let Some(x) = from.tcp().filter(|_| crosses(from) && !handshaking) {
        if cwnd {
            // The algorithm that moves it, as the kernel view names it
            // (`cwnd 10 (reno)`): a lesson that sets one shows it here.
            let algorithm = x.congestion.map_or_else(String::new, |c| format!(" ({c})"));
            cwnd_at = Some(tail.len());
            // Apart from the window by a wider gap: a row too narrow
            // for it leaves it out whole (what follows still reads).
            tail.push(Span::raw(format!(
                " cwnd {}{algorithm} rtt {} ",
                x.cwnd,
                crate::kernel::rtt_text(x.rtt_us)
            )));
        }
        if x.backoff > 0 {
            // And when it tries next: nothing tells a sender the path is
            // back, so the bytes wait for that try.
            let next = from.next_resend_ms.map_or_else(String::new, |ms| {
                format!("· {} ", crate::kernel::next_resend_words(ms))
            });
            tail.push(Span::raw(" "));
            tail.push(Span::styled(
                format!("backoff {} {next}", x.backoff),
                t.alarm(),
            ));
        }
    }
    let receiver = tail.len();
    tail.push(Span::raw("▶ "));
    match to {
        Some(to) => {
            let recv_fill = fill(to.recvq(), to.rcv_mem(), to.rcvbuf());
            tail.push(Span::raw(format!("{} rcvbuf ", label(to))));
            tail.push(Span::styled(bar(recv_fill, bw), t.level(recv_fill)));
            tail.push(Span::raw(format!(
                " {}/{}{} ",
                size(u64::from(to.recvq().unwrap_or(0))),
                to.rcvbuf()
                    .map_or_else(|| "-".into(), |b| size(u64::from(b))),
                if lean {
                    String::new()
                } else {
                    charged(to.recvq(), to.rcv_mem())
                }
            )));
            // Likewise a receiver closes its window before the last byte.
            if recv_fill >= 0.999 || (window == Some(0) && recv_fill >= NEARLY_FULL) {
                tail.push(Span::styled("FULL ", t.alarm()));
            }
            if !compact {
                tail.push(Span::raw("▶ app"));
                if let Some(call) = to.in_flight.iter().find(|c| c.starts_with("recv")) {
                    tail.push(Span::styled(format!(" ⏸ {call}"), t.warn()));
                }
            }
        }
        None if handshaking => tail.push(Span::styled("no connection yet", t.dim())),
        // A client whose handshake never finished (its kernel gave up on
        // the SYNs, or was refused) had no peer to speak of.
        None if from.state == TcpState::Closed && from.pair.is_none() => {
            let why = match from.syns_unanswered() {
                Some(syns) => format!("no connection: {syns} SYNs, none answered"),
                None => "no connection".into(),
            };
            tail.push(Span::styled(why, t.dim()));
        }
        // The lab's own peer, gone from the kernel: it was closed.
        None => match from.pair {
            Some(peer) => tail.push(Span::styled(format!("{peer} is closed"), t.dim())),
            None => tail.push(Span::styled("peer not in the lab", t.dim())),
        },
    }
    (head, tail, Parts { receiver, cwnd_at })
}

pub(super) fn chart(frame: &mut Frame<'_>, app: &App, area: Rect, name: SockName, what: &str) {
    let series = match what {
        "recvq" => app.history.recvq.get(&name),
        "drops" => app.history.drops.get(&name),
        _ => app.history.sendq.get(&name),
    };
    let [label_area, spark_area] =
        Layout::horizontal([Constraint::Length(16), Constraint::Min(1)]).areas(area);
    let data = series
        .map(|s| s.last(spark_area.width as usize))
        .unwrap_or_default();
    let max = series.map_or(0, |s| s.max());
    frame.render_widget(
        Paragraph::new(Line::styled(
            if max == 0 {
                format!("{name} {what} empty")
            } else {
                format!("{name} {what} ≤{}", size(max))
            },
            app.theme.dim(),
        )),
        label_area,
    );
    frame.render_widget(
        Sparkline::default()
            .data(&data)
            .max(max.max(1))
            .style(app.theme.warn()),
        spark_area,
    );
}

/// Draws the pane.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let t = app.theme;
    // With the focus on the listeners, the selected listener.
    if app.pane == Pane::Listeners
        && let Some(l) = app.sel_listener.and_then(|s| app.view(s))
    {
        super::selected_listener::draw(frame, app, area, l);
        return;
    }
    let v = app.sel_conn.and_then(|s| app.view(s));
    if let Some(u) = v.filter(|v| v.role == ViewRole::Udp) {
        super::selected_udp::draw(frame, app, area, u);
        return;
    }
    // The path shown first runs from the peer when the lesson talks about
    // the bytes coming in (`select A1 recv`): the title says so, for its
    // row then begins at the peer, not at the socket the title names.
    let receiving = app.facing == crate::script::Facing::Receiving;
    let peer = v.and_then(|v| peer_of(app, v));
    let title = match v {
        Some(v) => match v.pair {
            Some(p) if receiving && peer.is_some() && !v.closed => format!(
                "Selected · {} ⇄ {p} · the path of a byte from {p} to {}",
                label(v),
                label(v)
            ),
            Some(p) => format!("Selected · {} ⇄ {p} · the path of a byte", label(v)),
            None => format!("Selected · {} · the path of a byte", label(v)),
        },
        None => "Selected connection".into(),
    };
    let b = block(app, title, None);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let Some(v) = v else {
        let words = if app.in_lesson() {
            "no connection selected"
        } else {
            "select a connection (↑/↓ in Connections)"
        };
        frame.render_widget(Paragraph::new(Line::styled(words, t.dim())), inner);
        return;
    };
    // In a lesson, the congestion window only where the lesson talks of it.
    let cwnd = app.script.as_ref().is_none_or(|s| s.shows_cwnd);
    let width = inner.width as usize;
    let rows = inner.height as usize;
    let notes: Vec<Line<'static>> = v
        .notes
        .iter()
        .chain(peer.map(|p| p.notes.iter()).into_iter().flatten())
        .map(|n| Line::styled(format!("· {n}"), t.note()))
        .collect();
    // A client still in its handshake carries no bytes yet: its note (the
    // SYNs sent, when the next goes) comes first, the path under it.
    if matches!(v.state, TcpState::SynSent) && !notes.is_empty() {
        let mut lines = notes_in(&notes, rows, width);
        if lines.len() < rows {
            lines.extend(path_lines(t, cwnd, v, peer, width, rows - lines.len()));
        }
        lines.truncate(rows);
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    // A closed socket carries no more bytes: its notes say where it is.
    // The way the lesson talks about first (`select A1 recv`: the bytes
    // coming into A1), the way back under it when there is room.
    let mut lines = match (v.closed, peer) {
        (true, _) => Vec::new(),
        (false, Some(p)) if receiving => path_lines(t, cwnd, p, Some(v), width, rows),
        (false, _) => path_lines(t, cwnd, v, peer, width, rows),
    };
    // One row for a path of two: the sender's half, and "…" for the rest.
    if lines.len() > rows {
        lines.truncate(rows.max(1));
        if let Some(last) = lines.last_mut() {
            if last.width() + 2 > width {
                last.spans.pop();
            }
            let spaced = last.to_string().ends_with(' ');
            last.spans
                .push(Span::styled(if spaced { "…" } else { " …" }, t.dim()));
        }
    }
    if let Some(p) = peer.filter(|_| !v.closed) {
        let left = rows.saturating_sub(lines.len());
        let back = if receiving {
            path_lines(t, cwnd, v, Some(p), width, left)
        } else {
            path_lines(t, cwnd, p, Some(v), width, left)
        };
        // The way back only when there is room left for a note or a chart.
        if lines.len() + back.len() < rows {
            lines.extend(back);
        }
    }
    // A closed socket's queues are gone: its note gets the room instead.
    let chart_rows = if v.closed {
        0
    } else {
        rows.saturating_sub(lines.len() + 1).min(2)
    };
    let room = rows.saturating_sub(lines.len() + chart_rows);
    lines.extend(notes_in(&notes, room, width));
    let text_h = (rows - chart_rows) as u16;
    frame.render_widget(
        Paragraph::new(lines),
        Rect::new(inner.x, inner.y, inner.width, text_h),
    );
    if chart_rows > 0
        && let Some(name) = v.id
    {
        let y = inner.y + text_h;
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(Rect::new(inner.x, y, inner.width, chart_rows as u16));
        chart(frame, app, left, name, "recvq");
        chart(frame, app, right, name, "sendq");
    }
}
