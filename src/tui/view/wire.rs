//! The wire pane (`w`): the selected connection as a ladder (one arrow per
//! segment, bulk data folded), beside its time-sequence graph: sequence
//! numbers over time against the receiver's advertised window edge, in the
//! manner of tcptrace's and Wireshark's Stevens graph.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, LegendPosition, Paragraph, Wrap};

use super::ladder_fit::{self, Cell};
use super::{block, graph_axes};
use crate::lab::{Role, SockName};
use crate::tui::app::App;
use crate::tui::wire_pane::Ladder;
use crate::wire::fold::Row;
use crate::wire::parse::flag;
use crate::wire::{Kernel, Segment};

/// The end drawn on the left: the client, when the connection has one;
/// else an end without a name (a peer outside the lab, `None`); else the
/// first sender.
fn left_end(segs: &[Segment]) -> Option<SockName> {
    let client = segs
        .iter()
        .flat_map(|s| [s.from, s.to])
        .flatten()
        .find(|n| n.role == Role::Client);
    let unnamed = segs.iter().any(|s| s.from.is_none() || s.to.is_none());
    client.or_else(|| {
        if unnamed {
            None
        } else {
            segs.first().and_then(|s| s.from)
        }
    })
}

fn name(n: Option<SockName>, addr: std::net::SocketAddr) -> String {
    n.map_or_else(|| format!(":{}", addr.port()), |n| n.to_string())
}

/// The arrow between the two ends, pointing the way the segment went: on
/// the lab's link, dotted while it is on the link (sent, not arrived) and
/// cut by a cross when the link dropped it.
fn arrow(s: &Segment, left: Option<SockName>, heavy: bool) -> (String, String, String) {
    let (from, to) = (name(s.from, s.src()), name(s.to, s.dst()));
    let rightward = match left {
        Some(_) => s.from == left || (s.to != left && s.from.is_none()),
        // The end without a name is on the left.
        None => s.from.is_none() || s.to.is_some(),
    };
    let fate = s
        .link
        .as_deref()
        .map(|c| (c.in_flight(), c.dropped.is_some()));
    let a = match (rightward, fate, heavy) {
        (true, Some((true, _)), _) => "┄┄▷",
        (false, Some((true, _)), _) => "◁┄┄",
        (true, Some((_, true)), _) => "─✕ ",
        (false, Some((_, true)), _) => " ✕─",
        (true, _, true) => "══▶",
        (true, _, false) => "──▶",
        (false, _, true) => "◀══",
        (false, _, false) => "◀──",
    };
    let (l, r) = if rightward { (from, to) } else { (to, from) };
    (l, a.to_string(), r)
}

/// What the kernel sent, in at most 17 columns: the ladder's room for it
/// at 80 and 100 columns once the rows' times pass 100 s ("SYN
/// retransmission" was cut to "SYN retransmissio"). A handshake's resends
/// are said as the kernel view says them ("SYN-ACK resent 2×"). The arrow
/// already says which way a probe's answer went.
fn ladder_word(k: Kernel) -> &'static str {
    match k {
        Kernel::ProbeAck => "probe ACK",
        Kernel::SynRetransmission => "SYN resent",
        Kernel::SynAckRetransmission => "SYN-ACK resent",
        other => other.word(),
    }
}

/// The blanks a single segment's row gives up, in this order, where it
/// does not fit: those after the window, after the length, after the
/// flags, then the time's and the ends' alignment.
const ONE_GIVES: [usize; 5] = [4, 3, 2, 0, 1];

/// The blanks a folded run's row gives up: the time's and the ends'.
const BULK_GIVES: [usize; 2] = [0, 1];

/// The time and the two ends with the arrow between them, aligned in
/// columns: times right-aligned in `tw`, names in three.
fn time_and_ends(
    app: &App,
    s: &Segment,
    left: Option<SockName>,
    tw: usize,
    heavy: bool,
) -> [Cell; 2] {
    let (l, a, r) = arrow(s, left, heavy);
    let mut ends = Cell::left(
        format!("{l} {a} {r}"),
        Style::default(),
        0,
        3usize.saturating_sub(r.chars().count()) + 1,
        1,
    );
    ends.lead = 3usize.saturating_sub(l.chars().count());
    [
        Cell::right(format!("{:.3}", s.t.as_secs_f64()), app.theme.dim(), tw, 1),
        ends,
    ]
}

fn segment_line<'a>(
    app: &App,
    s: &Segment,
    left: Option<SockName>,
    tw: usize,
    width: usize,
) -> Line<'a> {
    let t = app.theme;
    let seq = if s.len > 0 {
        format!("{}:{}", s.seq, s.seq.wrapping_add(s.len))
    } else {
        s.seq.to_string()
    };
    let ack = if s.has(flag::ACK) {
        format!(" ack {}", s.ack)
    } else {
        String::new()
    };
    let zero = s.win == 0 && !s.has(flag::RST);
    // What sent it comes first, so that a narrow pane still shows it; on
    // the link, a drop says so there.
    let drop = s.link.as_deref().and_then(|c| c.dropped);
    let (why, after, style) = match (s.cause, s.kernel) {
        _ if drop.is_some() => (
            format!("DROPPED ({})", drop.map_or("", |d| d.word())),
            None,
            t.alarm(),
        ),
        (Some(c), _) => (c.to_string(), None, t.command()),
        (None, Some(k)) => {
            let style = match k {
                Kernel::WindowUpdate => t.ok(),
                Kernel::ZeroWindowProbe | Kernel::ProbeAck => t.warn(),
                Kernel::Retransmission
                | Kernel::SynRetransmission
                | Kernel::SynAckRetransmission
                | Kernel::Reset => t.alarm(),
                _ => t.note(),
            };
            let after = s.after.map(|a| format!("←#{}", a.seq));
            (ladder_word(k).to_string(), after, style)
        }
        (None, None) => ("not the lab's".to_string(), None, t.dim()),
    };
    // The data's length, the window and what sent the segment come first:
    // a narrow pane (100 columns and less) still shows them; the sequence
    // numbers follow where they fit whole.
    let len = if s.len > 0 {
        format!("{} B", s.len)
    } else {
        String::new()
    };
    let win = if zero {
        "win 0 ZERO".to_string()
    } else {
        // Written as the path of a byte writes a window.
        format!("win {}", super::format::size(u64::from(s.win)))
    };
    let [time, ends] = time_and_ends(app, s, left, tw, false);
    let mut cells = vec![
        time,
        ends,
        Cell::left(s.flags_short(), t.strong(), 3, 1, 1),
        Cell::left(len, Style::default(), 8, 0, 1),
        Cell::left(win, if zero { t.alarm() } else { t.text() }, 11, 0, 1),
    ];
    // The cause column is 22 wide, the call a kernel segment follows
    // ("←#62") in it after a blank.
    match after {
        Some(after) => {
            let room = 22usize.saturating_sub(why.chars().count() + 1);
            cells.push(Cell::left(why, style, 0, 1, 1));
            cells.push(Cell::left(after, style, room, 2, 2));
        }
        None => cells.push(Cell::left(why, style, 22, 2, 2)),
    }
    let mut seqs = cells.clone();
    seqs.push(Cell::left(
        format!("seq {seq}{ack}"),
        Style::default(),
        0,
        2,
        2,
    ));
    let mut scaled = seqs.clone();
    if let Some(w) = s.wscale.filter(|_| s.has(flag::SYN)) {
        scaled.push(Cell::left(format!("wscale {w}"), t.dim(), 0, 0, 0));
    }
    // The sequence numbers and the window scale only where they fit as
    // they are; what the row cannot spare gives up its blanks.
    for more in [scaled, seqs] {
        if let Some(c) = ladder_fit::squeeze(more, &[], width) {
            return ladder_fit::first_fit(vec![c], &[], width);
        }
    }
    ladder_fit::first_fit(vec![cells], &ONE_GIVES, width)
}

/// The ladder's rows, each in `width` cells at most and never cut: a row
/// too wide gives up its aligning blanks, then what it can spare (a
/// folded run's call, then its window), whole ("window 67 KB → 9" was a
/// figure cut in half, "←#6" another call's number).
fn ladder_lines<'a>(app: &App, ladder: &Ladder, width: usize) -> Vec<Line<'a>> {
    let segs = &ladder.segments;
    let left = left_end(segs);
    // One width for every row's time, so that the arrows stay in one
    // column when the times pass 100 s.
    let tw = segs
        .iter()
        .map(|s| format!("{:.3}", s.t.as_secs_f64()).len())
        .max()
        .unwrap_or(6)
        .max(6);
    ladder
        .rows
        .iter()
        .map(|row| match row {
            Row::One(i) => segment_line(app, &segs[*i], left, tw, width),
            Row::Bulk(b) => {
                let closed = b.window.is_some_and(|(_, w)| w == 0);
                let style = if closed {
                    app.theme.alarm()
                } else {
                    app.theme.strong()
                };
                let row = |text: String, cause: bool| {
                    let [time, ends] = time_and_ends(app, &segs[b.first], left, tw, true);
                    let mut cells = vec![time, ends, Cell::left(text, style, 0, 2, 2)];
                    if let Some(c) = b.cause.filter(|_| cause) {
                        cells.push(Cell::left(c.to_string(), app.theme.command(), 0, 0, 0));
                    }
                    cells
                };
                // Sizes as the panes write them ("48k", not "48 KB").
                let bare = crate::wire::fold::Bulk {
                    window: None,
                    ..b.clone()
                };
                let receiver = segs[b.first].to.map(|n| n.to_string()).unwrap_or_default();
                let text = b.text_with(super::format::size, &receiver);
                ladder_fit::first_fit(
                    vec![
                        row(text.clone(), true),
                        row(text, false),
                        row(bare.text_with(super::format::size, &receiver), false),
                    ],
                    &BULK_GIVES,
                    width,
                )
            }
        })
        .collect()
}

/// The graph's points: for the direction that carried the most data, the
/// end of each data segment, the receiver's acknowledgments and its window
/// edge (ack + window), over time. `None` when no data went either way.
#[allow(clippy::type_complexity)]
fn graph_points(
    segs: &[Segment],
) -> Option<(Vec<(f64, f64)>, Vec<(f64, f64)>, Vec<(f64, f64)>, String)> {
    let mut by_dir: Vec<(std::net::SocketAddr, u64)> = Vec::new();
    for s in segs.iter().filter(|s| s.len > 0) {
        match by_dir.iter_mut().find(|(a, _)| *a == s.src()) {
            Some(e) => e.1 += u64::from(s.len),
            None => by_dir.push((s.src(), u64::from(s.len))),
        }
    }
    let (sender, _) = by_dir.into_iter().max_by_key(|(_, n)| *n)?;
    let mut data = Vec::new();
    let mut acks = Vec::new();
    let mut edge = Vec::new();
    let mut title = String::new();
    for s in segs {
        let t = s.t.as_secs_f64();
        if s.src() == sender && s.len > 0 {
            data.push((t, f64::from(s.seq.wrapping_add(s.len))));
            if title.is_empty() {
                title = format!("{} → {}", name(s.from, s.src()), name(s.to, s.dst()));
            }
        } else if s.dst() == sender && s.has(flag::ACK) && !s.has(flag::SYN) {
            acks.push((t, f64::from(s.ack)));
            edge.push((t, f64::from(s.ack) + f64::from(s.win)));
        }
    }
    Some((data, acks, edge, title))
}

fn bounds(points: &[&[(f64, f64)]]) -> ([f64; 2], [f64; 2]) {
    let mut x = [f64::MAX, f64::MIN];
    let mut y = [0.0, 1.0f64];
    for p in points.iter().flat_map(|p| p.iter()) {
        x = [x[0].min(p.0), x[1].max(p.0)];
        y[1] = y[1].max(p.1);
    }
    if x[0] > x[1] {
        x = [0.0, 1.0];
    }
    if x[1] - x[0] < 1e-3 {
        x[1] = x[0] + 1e-3;
    }
    (x, y)
}

fn draw_graph(frame: &mut Frame<'_>, app: &App, ladder: &Ladder, area: Rect) {
    let Some((data, acks, edge, title)) = graph_points(&ladder.segments) else {
        let p = Paragraph::new(
            "no data on this connection: the graph shows sequence numbers over time once bytes flow",
        )
        .style(app.theme.dim())
        .wrap(Wrap { trim: true })
        .block(block(app, "time-sequence".into(), None));
        frame.render_widget(p, area);
        return;
    };
    let (x, y) = bounds(&[&data, &acks, &edge]);
    let datasets = vec![
        Dataset::default()
            .name("window edge")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(app.theme.ok())
            .data(&edge),
        Dataset::default()
            .name("acked")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(app.theme.warn())
            .data(&acks),
        Dataset::default()
            .name("data sent")
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(app.theme.strong())
            .data(&data),
    ];
    // Labels that show whole in the graph's width, inside its border.
    let axes = graph_axes::fit(area.width.saturating_sub(2), x, y);
    let dim = |l: &String| Span::styled(l.clone(), app.theme.dim());
    // The connection's name where the title has room for it whole; a
    // name cut to its first letter (`time-sequence C`) says nothing.
    let named = format!("time-sequence {title}");
    let room = usize::from(area.width.saturating_sub(4));
    let heading = if named.chars().count() <= room {
        named
    } else {
        "time-sequence".into()
    };
    let chart = Chart::new(datasets)
        .block(block(app, heading, None))
        .x_axis(
            Axis::default()
                .bounds(axes.x)
                .labels(axes.x_labels.iter().map(dim).collect::<Vec<_>>()),
        )
        .y_axis(
            Axis::default()
                .bounds(axes.y)
                .labels(axes.y_labels.iter().map(dim).collect::<Vec<_>>()),
        )
        .style(Style::default())
        // Which line is which, where the graph has room for it: top left,
        // which a sequence rising with time leaves empty. Without it the
        // window edge's top label (361k beside 99k sent) read as bytes sent.
        .legend_position(Some(LegendPosition::TopLeft))
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)));
    frame.render_widget(chart, area);
}

/// The selected connection's ladder, its ends named.
fn ladder_shown(app: &App) -> Ladder {
    let addrs = app.sel_conn.and_then(|n| {
        let v = app
            .snapshot
            .as_ref()?
            .sockets
            .iter()
            .find(|v| v.id == Some(n))?;
        Some((v.local?, v.peer?))
    });
    let mut ladder = app.wire.ladder_of(app.sel_conn, addrs);
    app.name_watched_ends(&mut ladder.segments);
    ladder
}

/// The ladder's half of the pane and the graph's: the ladder needs 62
/// columns for a row's time, ends, flags, length, window and cause; the
/// graph takes the rest, at least 18.
fn halves(area: Rect) -> [Rect; 2] {
    let ladder_width = (area.width * 62 / 100)
        .max(62)
        .min(area.width.saturating_sub(18));
    Layout::horizontal([Constraint::Length(ladder_width), Constraint::Fill(1)]).areas(area)
}

/// The furthest the ladder drawn in `area` scrolls up: its rows (one a
/// line) beyond the pane's.
pub fn scroll_max(app: &App, area: Rect) -> usize {
    if app.wire.wire.is_none() {
        return 0;
    }
    let rows = halves(area)[0].height.saturating_sub(2) as usize;
    ladder_shown(app).rows.len().saturating_sub(rows)
}

/// Where the ladder is drawn in the wire pane's `area`: its left half.
pub fn ladder_area(area: Rect) -> Rect {
    halves(area)[0]
}

/// Draws the wire pane in `area`.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    if app.wire.wire.is_none() {
        draw_ladder(frame, app, area);
        return;
    }
    let [left, right] = halves(area);
    let ladder = ladder_shown(app);
    ladder_in(frame, app, &ladder, left);
    draw_graph(frame, app, &ladder, right);
}

/// Draws the ladder alone in `area` (or, without a capture, why not).
pub fn draw_ladder(frame: &mut Frame<'_>, app: &App, area: Rect) {
    ladder_in(frame, app, &ladder_shown(app), area);
}

fn ladder_in(frame: &mut Frame<'_>, app: &App, ladder: &Ladder, area: Rect) {
    let pane = &app.wire;
    let Some(wire) = &pane.wire else {
        let why = match &pane.off {
            Some(off) => off.as_str(),
            None if pane.opening() => "starting the capture…",
            None => "no capture",
        };
        let p = Paragraph::new(why.to_string())
            .style(app.theme.warn())
            .wrap(Wrap { trim: true })
            .block(block(app, "wire (w)".into(), None));
        frame.render_widget(p, area);
        return;
    };
    let stats = wire.stats();
    let mut title = match app.sel_conn {
        Some(n) => format!("wire · {n} · {} segments", ladder.segments.len()),
        None => format!(
            "wire · all connections · {} segments",
            ladder.segments.len()
        ),
    };
    if stats.drops > 0 {
        title.push_str(&format!(" · {} DROPPED by the capture", stats.drops));
    }
    let on_link = |f: fn(&crate::wire::Crossing) -> bool| {
        ladder
            .segments
            .iter()
            .filter(|s| s.link.as_deref().is_some_and(f))
            .count()
    };
    let (flying, lost) = (
        on_link(crate::wire::Crossing::in_flight),
        on_link(|c| c.dropped.is_some()),
    );
    if flying > 0 {
        title.push_str(&format!(" · {flying} in flight"));
    }
    if lost > 0 {
        title.push_str(&format!(" · {lost} dropped"));
    }
    let left = area;
    if pane.frozen_at.is_some() {
        title.push_str(" · FROZEN");
    } else if let Some(t) = pane.held_at {
        // A lesson holds it still while its note is read: said, so that
        // nobody waits for newer segments.
        title.push_str(&format!(" · held at {:.1} s", t.as_secs_f64()));
    }
    let lines = ladder_lines(app, ladder, usize::from(left.width.saturating_sub(2)));
    let rows = left.height.saturating_sub(2) as usize;
    // The App keeps its offset within the ladder (see [`scroll_max`]).
    let scroll = pane.scroll.offset().min(lines.len().saturating_sub(rows));
    let start = lines.len().saturating_sub(rows + scroll);
    let shown: Vec<Line<'_>> = if lines.is_empty() {
        vec![Line::styled(
            "no segments yet for this connection (connect, send, recv: each segment shows here)",
            app.theme.dim(),
        )]
    } else {
        lines.into_iter().skip(start).take(rows).collect()
    };
    if scroll > 0 {
        title.push_str(&format!(" · ↑{scroll} (End: newest)"));
    } else if start > 0 {
        // Following the newest, the oldest rows are above: say so, or the
        // title's count and the rows one can count disagree. Whole, or
        // short where the pane is narrow, never cut.
        let fits = |t: &str| t.chars().count() + 4 <= usize::from(left.width);
        let long = format!("{title} · {start} older above (PgUp)");
        let short = format!("{title} · ↑{start} older");
        if fits(&long) {
            title = long;
        } else if fits(&short) {
            title = short;
        }
    }
    // What a lab of its own did to its loopback, last: only about segments
    // that cross that loopback (not the lab's link), and only where it
    // shows whole after the rest of the title.
    let crossed_link = ladder.segments.iter().any(|s| s.link.is_some());
    if let Some(note) = pane.note.as_ref().filter(|_| !crossed_link) {
        let with = format!("{title} · {note}");
        if with.chars().count() + 4 <= usize::from(left.width) {
            title = with;
        }
    }
    // The flags of the rows in sight, each explained as it is written.
    let mut in_sight: Vec<String> = Vec::new();
    for row in ladder.rows.iter().skip(start).take(rows) {
        if let Row::One(i) = row {
            let f = ladder.segments[*i].flags_short();
            if !in_sight.contains(&f) {
                in_sight.push(f);
            }
        }
    }
    let legend = legend(&in_sight, usize::from(left.width.saturating_sub(4)));
    let b = block(app, title, None).title_bottom(Line::styled(legend, app.theme.dim()));
    frame.render_widget(Paragraph::new(shown).block(b), left);
}

/// What the flags in sight mean, each written as the rows write it
/// (`R. RST+ACK`), and what the rows' times count where room is left, as
/// long as fits `width`; where the flags do not fit, what each letter
/// means, which every combination is made of.
fn legend(in_sight: &[String], width: usize) -> String {
    let mut flags: Vec<&String> = in_sight.iter().collect();
    // In the order a connection sends them: handshake, ACK, data, FIN, RST.
    flags.sort_by_key(|f| match f.as_str() {
        "S" => 0,
        "S." => 1,
        "." => 2,
        f if f.contains('R') => 5,
        f if f.contains('F') => 4,
        _ => 3,
    });
    let each = flags
        .iter()
        .map(|f| format!("{f} {}", flags_meaning(f)))
        .collect::<Vec<_>>()
        .join(" · ");
    [
        // The times at the left of the rows: where room is left, their unit.
        if each.is_empty() {
            String::new()
        } else {
            format!("{each} · times: s since the lab began")
        },
        each,
        "S SYN · F FIN · R RST · P data · . ACK, as in S. R.".to_string(),
        "S SYN · F FIN · R RST · P data · . ACK".to_string(),
        String::new(),
    ]
    .into_iter()
    .find(|l| !l.is_empty() && l.chars().count() <= width)
    .unwrap_or_default()
}

/// What tcpdump's flags `f` mean: `S.` a SYN-ACK, `P.` data, else the
/// flags' names joined (`R.` RST+ACK, `F.` FIN+ACK).
fn flags_meaning(f: &str) -> String {
    match f {
        "S." => return "SYN-ACK".into(),
        "P." => return "data".into(),
        _ => {}
    }
    f.chars()
        .map(|c| match c {
            'S' => "SYN",
            'F' => "FIN",
            'P' => "data",
            'R' => "RST",
            'U' => "URG",
            'E' => "ECE",
            'W' => "CWR",
            '.' => "ACK",
            _ => "?",
        })
        .collect::<Vec<_>>()
        .join("+")
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
