//! The lab's own link on one row, above the results: its settings, the
//! cable with a mark for each stretch of it that segments are crossing now
//! (`▸` towards the server, `◂` back, `◆` both), the bytes in flight each
//! way against the pipe's size (the bandwidth-delay product), the queue at
//! its entry, and its drops; the cable's state. A narrow screen leaves out
//! whole fields, the least telling first, and never cuts a figure.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::lab::sides::{LinkView, TRACK_CELLS};
use crate::tui::app::App;

/// What separates the row's fields.
const SEP: &str = " · ";

/// `12.3k`, `800`: a byte count in few cells.
fn bytes(n: u64) -> String {
    match n {
        0..1024 => n.to_string(),
        1024..1_048_576 => format!("{:.1}k", n as f64 / 1024.0),
        _ => format!("{:.1}m", n as f64 / 1_048_576.0),
    }
}

/// The bandwidth-delay product: what the pipe holds in flight each way,
/// the rate times the round trip; none without a rate.
pub fn pipe_bytes(l: &LinkView) -> Option<u64> {
    let bps = l.rate_bps?;
    let round_trip = 2.0 * l.delay_ms / 1000.0;
    Some((bps as f64 * round_trip / 8.0) as u64)
}

/// `client▕─▸──▸◂─…▏server`: the cable, as many cells wide at any
/// screen width, each marked when segments are crossing that stretch.
pub fn cable(l: &LinkView) -> String {
    let mut s = String::from("client▕");
    for i in 0..TRACK_CELLS {
        // The way back is measured from the server side.
        let right = l.track[0][i] > 0;
        let left = l.track[1][TRACK_CELLS - 1 - i] > 0;
        s.push(match (right, left) {
            (true, true) => '◆',
            (true, false) => '▸',
            (false, true) => '◂',
            _ if l.up => '─',
            _ => '╌',
        });
    }
    s.push_str("▏server");
    s
}

/// What kind of field, for what a narrow row leaves out first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Settings,
    Down,
    Cable,
    ToServer,
    Queued,
    ToClient,
    Dropped,
}

/// One field of the row: its text, whether it warns, a shorter text.
#[derive(Debug, Clone)]
struct Field {
    kind: Kind,
    text: String,
    warn: bool,
    short: Option<String>,
}

fn field(kind: Kind, text: String) -> Field {
    Field {
        kind,
        text,
        warn: false,
        short: None,
    }
}

/// Every field, in the row's order.
fn fields(l: &LinkView) -> Vec<Field> {
    let mut settings = format!("link {}ms/way", l.delay_ms);
    if l.jitter_ms > 0.0 {
        settings.push_str(&format!(" ±{}ms", l.jitter_ms));
    }
    if let Some(r) = l.rate_bps {
        settings.push(' ');
        settings.push_str(&crate::link::settings::rate_text(r));
    }
    if l.loss_percent > 0.0 {
        settings.push_str(&format!(" loss {}%", l.loss_percent));
    }
    let mut out = vec![field(Kind::Settings, settings)];
    if !l.up {
        out.push(Field {
            warn: true,
            short: Some("DOWN".into()),
            ..field(Kind::Down, "DOWN (cable pulled)".into())
        });
    }
    out.push(field(Kind::Cable, cable(l)));
    let (to_s, to_c) = (&l.to_server, &l.to_client);
    out.push(field(
        Kind::ToServer,
        match pipe_bytes(l) {
            Some(pipe) => format!("C→S {}/{} pipe", bytes(to_s.in_flight_bytes), bytes(pipe)),
            None => format!("C→S {} in flight", bytes(to_s.in_flight_bytes)),
        },
    ));
    if to_s.queued_bytes > 0 {
        out.push(field(
            Kind::Queued,
            format!("{} queued", bytes(to_s.queued_bytes)),
        ));
    }
    let mut back = format!("S→C {} in flight", bytes(to_c.in_flight_bytes));
    if to_c.queued_bytes > 0 {
        back.push_str(&format!(", {} queued", bytes(to_c.queued_bytes)));
    }
    out.push(field(Kind::ToClient, back));
    let both = l.both();
    if both.dropped() > 0 {
        let why: Vec<String> = [
            ("loss", both.dropped_loss),
            ("queue", both.dropped_queue),
            ("down", both.dropped_down),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(w, n)| format!("{w} {n}"))
        .collect();
        // Narrow, the count alone: whole, never cut inside it.
        out.push(Field {
            warn: true,
            short: Some(format!("dropped {}", both.dropped())),
            ..field(
                Kind::Dropped,
                format!("dropped {} ({})", both.dropped(), why.join(", ")),
            )
        });
    }
    out
}

fn width(fields: &[Field]) -> usize {
    let text: usize = fields.iter().map(|f| f.text.chars().count()).sum();
    text + SEP.chars().count() * fields.len().saturating_sub(1)
}

/// `text` cut to at most `room` columns after a whole word, ending in "…".
fn shorten(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        return text.to_string();
    }
    let mut out = String::new();
    for word in super::format::words(text) {
        let next = if out.is_empty() {
            word.to_string()
        } else {
            format!("{out} {word}")
        };
        if next.chars().count() + 1 > room {
            break;
        }
        out = next;
    }
    format!("{out}…")
}

/// The row's fields for `cols` columns: all of them when they fit; else
/// without the way back, the queue, the way out's figure and the cable, in
/// that order, until they do: the drops, their count and why, are the
/// row's news and go last, their causes first (with the cable pulled the
/// empty cable goes before the queue, and "DOWN" says no more); the
/// settings shortened last. A figure is never cut: a field goes whole or
/// gives way to its shorter form.
fn fit(l: &LinkView, cols: usize) -> Vec<Field> {
    let mut fs = fields(l);
    let order: &[Kind] = if l.up {
        &[
            Kind::ToClient,
            Kind::Queued,
            Kind::ToServer,
            Kind::Cable,
            Kind::Dropped,
        ]
    } else {
        &[
            Kind::ToClient,
            Kind::Cable,
            Kind::Queued,
            Kind::ToServer,
            Kind::Down,
            Kind::Dropped,
        ]
    };
    // Each step shortens one kind of field, or leaves it out.
    for &kind in order {
        if width(&fs) <= cols {
            return fs;
        }
        match fs.iter_mut().find(|f| f.kind == kind) {
            Some(f) if f.short.is_some() => f.text = f.short.take().unwrap_or_default(),
            _ => fs.retain(|f| f.kind != kind),
        }
    }
    if width(&fs) > cols {
        let others = width(&fs) - fs[0].text.chars().count();
        let room = cols.saturating_sub(others).max(1);
        fs[0].text = shorten(&fs[0].text, room);
    }
    fs
}

/// The row's text at `cols` columns: each field with whether it warns.
pub fn text(l: &LinkView, cols: usize) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for (i, f) in fit(l, cols).into_iter().enumerate() {
        if i > 0 {
            out.push((SEP.to_string(), false));
        }
        out.push((f.text, f.warn));
    }
    out
}

/// Draws the row for the link in the App's newest kernel view.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(l) = app.snapshot.as_ref().and_then(|s| s.link.as_ref()) else {
        return;
    };
    let spans: Vec<Span<'_>> = text(l, usize::from(area.width))
        .into_iter()
        .map(|(t, warn)| {
            if warn {
                Span::styled(t, app.theme.warn())
            } else if t == SEP {
                Span::styled(t, app.theme.dim())
            } else {
                Span::styled(t, app.theme.strong())
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::sides::{CLIENT_IP, LinkWay, SERVER_IP};

    fn link() -> LinkView {
        LinkView {
            up: false,
            delay_ms: 50.0,
            jitter_ms: 0.0,
            rate_bps: Some(4_000_000),
            loss_percent: 0.0,
            queue_limit: 256 << 10,
            client: CLIENT_IP,
            server: SERVER_IP,
            to_server: LinkWay::default(),
            to_client: LinkWay::default(),
            malformed: 0,
            track: Default::default(),
        }
    }

    fn row(l: &LinkView, cols: usize) -> String {
        text(l, cols).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn the_row_draws_the_flight_against_the_pipe_and_names_the_drops() {
        let mut l = link();
        // 4 Mbit/s for a 100 ms round trip: 50,000 bytes.
        assert_eq!(pipe_bytes(&l), Some(50_000));
        l.to_server.in_flight_bytes = 25_000;
        l.to_server.dropped_down = 3;
        assert_eq!(
            row(&l, 1000),
            "link 50ms/way 4mbit · DOWN (cable pulled) · client▕╌╌╌╌╌╌╌╌╌╌╌╌▏server · C→S 24.4k/48.8k pipe · S→C 0 in flight · dropped 3 (down 3)"
        );
    }

    #[test]
    fn marks_stand_where_segments_cross_each_way() {
        let mut l = link();
        l.up = true;
        l.track[0][0] = 2;
        l.track[0][5] = 1;
        // One on its way back, a quarter of the way from the server.
        l.track[1][TRACK_CELLS / 4] = 1;
        l.track[1][TRACK_CELLS - 6] = 1;
        let c = cable(&l);
        let cells: Vec<char> = c
            .chars()
            .skip("client▕".chars().count())
            .take(TRACK_CELLS)
            .collect();
        assert_eq!(cells[0], '▸');
        assert_eq!(cells[5], '◆');
        assert_eq!(cells[TRACK_CELLS - 1 - TRACK_CELLS / 4], '◂');
    }

    #[test]
    fn a_narrow_row_leaves_out_whole_fields_and_shortens_after_words() {
        let mut l = link();
        l.up = true;
        l.loss_percent = 20.0;
        l.to_server.queued_bytes = 3000;
        l.to_server.dropped_loss = 9;
        l.to_client.dropped_queue = 2;
        for cols in [60, 80, 100, 120, 200] {
            let r = row(&l, cols);
            assert!(r.chars().count() <= cols, "{cols}: {r}");
            assert!(r.starts_with("link 50ms/way 4mbit loss 20%"), "{cols}: {r}");
        }
        assert!(row(&l, 80).contains("dropped 11"), "{}", row(&l, 80));
        // With the cable pulled, its causes stay and the empty cable goes.
        l.up = false;
        l.to_server.dropped_down = 3;
        let r = row(&l, 78);
        assert!(r.contains("dropped 14 (loss 9, queue 2, down 3)"), "{r}");
        assert!(!r.contains("client▕"), "{r}");
        assert_eq!(
            shorten("link 50ms/way 4mbit loss 20%", 22),
            "link 50ms/way 4mbit…"
        );
    }

    #[test]
    fn the_drops_stay_whole_with_their_causes_at_80_columns() {
        // distance at 80×24: 40 Mbit/s, 5% loss, the cable back in after
        // it was pulled, segments crossing both ways.
        let mut l = link();
        l.up = true;
        l.rate_bps = Some(40_000_000);
        l.loss_percent = 5.0;
        l.to_server.in_flight_bytes = 300_000;
        l.to_client.in_flight_bytes = 2_000;
        l.to_server.dropped_loss = 17;
        l.to_client.dropped_down = 8;
        l.track[1][3] = 1;
        let r = row(&l, 80);
        assert!(r.chars().count() <= 80, "{r}");
        assert!(r.starts_with("link 50ms/way 40mbit loss 5%"), "{r}");
        // The cable gives way to the drops and their causes.
        assert_eq!(
            r,
            "link 50ms/way 40mbit loss 5% · dropped 25 (loss 17, down 8)"
        );
        assert!(
            row(&l, 100).contains("client▕")
                && row(&l, 100).contains("dropped 25 (loss 17, down 8)"),
            "{}",
            row(&l, 100)
        );
        // Narrower still, the count stays whole: the causes go, and no
        // figure is cut ("dropped 2…").
        for cols in 20..=120 {
            let r = row(&l, cols);
            assert!(!r.contains("dropped 2…"), "{cols}: {r}");
            if r.contains("dropped") {
                assert!(
                    r.contains("dropped 25 (loss 17, down 8)") || r.ends_with("dropped 25"),
                    "{cols}: {r}"
                );
            }
        }
        assert!(
            row(&l, 60).contains("dropped 25 (loss 17, down 8)"),
            "{}",
            row(&l, 60)
        );
        assert!(row(&l, 50).ends_with("dropped 25"), "{}", row(&l, 50));
    }
}
