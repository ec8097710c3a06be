//! The selected listener, when the Listeners pane has the focus: everyone
//! waiting in its accept queue, whole; its SYN queue, each half-open entry
//! with its SYN-ACK retransmits and timer; the counters of both queues by
//! their TcpExt names; and the notes on what the kernel made of its
//! backlog (B+1, a somaxconn cap, a queue past its limit, cookies).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::block;
use super::format::notes_in;
use super::listeners::waiting_in;
use crate::kernel::{HalfOpen, PastLimit, SockView, time_left};
use crate::tui::app::App;

/// Draws the pane for listener `l`.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect, l: &SockView) {
    let t = app.theme;
    let name = l.id.map_or_else(|| "?".into(), |n| n.to_string());
    let b = block(app, format!("Selected · {name} · both queues"), None);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let width = usize::from(inner.width);
    // The accept queue's connections here; the SYN queue's entries below.
    let waiting = waiting_in(app, l, Some(crate::kernel::ViewRole::Queued));
    let who = if waiting.is_empty() {
        "accept queue: nobody waits".to_string()
    } else {
        format!("accept queue ({}): {}", waiting.len(), waiting.join(" "))
    };
    let mut lines = Vec::new();
    match syn_queue_line(app, l) {
        // A pane of one row (80×24) still shows both queues its title
        // names: the SYN queue follows the accept queue on that row.
        Some(syn) if inner.height <= 1 => {
            lines.push(Line::styled(format!("{who} · {syn}"), t.text()));
        }
        Some(syn) => {
            lines.push(Line::styled(who, t.text()));
            lines.push(Line::styled(syn, t.text()));
        }
        None => lines.push(Line::styled(who, t.text())),
    }
    if let Some(counts) = counters_line(app) {
        lines.push(Line::styled(counts, t.dim()));
    }
    for n in &l.notes {
        lines.push(Line::styled(format!("· {n}"), t.note()));
    }
    // What does not fit ends in "…", never cut mid-word.
    let lines = notes_in(&lines, usize::from(inner.height), width);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// "SYN queue 5 of 5, FULL: past it, SYN cookies · syn1 ×0 0.7s · …".
fn syn_queue_line(app: &App, l: &SockView) -> Option<String> {
    let (snap, id, q) = (app.snapshot.as_deref()?, l.id?, l.syn_queue()?);
    let len = l.syn_recv().unwrap_or(0);
    let past = match q.syn_queue_past_limit {
        PastLimit::Cookies => "SYN cookies",
        PastLimit::Drop => "drops",
        PastLimit::CookiesAlways => "every SYN gets a cookie",
    };
    let full = if len >= q.syn_queue_limit {
        ", FULL"
    } else {
        ""
    };
    let mut text = format!(
        "SYN queue {len} of {}{full}: past it, {past}",
        q.syn_queue_limit
    );
    let half_open = || {
        snap.waiting(id)
            .filter(|w| w.role == crate::kernel::ViewRole::SynRecv)
    };
    // A crowded queue lets its old entries go sooner: said once an entry
    // has been resent as often as the cut allows, so that its next timer
    // lets it go where it would have been resent (before that the cut
    // has changed nothing, and saying it would claim what has not been).
    if let (Some(set), None) = (
        snap.system.tcp_synack_retries,
        q.defer_accept.filter(|&d| d > 0),
    ) {
        let young = half_open()
            .filter(|w| w.half_open().is_some_and(|h| h.synack_retrans == 0))
            .count();
        let backlog = l.accept_queue_max().unwrap_or(0);
        let now = HalfOpen::retries_now(set, half_open().count(), young, backlog);
        let reached = half_open().any(|w| {
            w.half_open()
                .is_some_and(|h| u64::from(h.synack_retrans) >= now)
        });
        if now < set && reached {
            text.push_str(&format!(
                "; while crowded, an entry resent {now}× is let go next"
            ));
        }
    }
    for w in half_open() {
        let who = match (w.pair, w.half_open().and_then(|h| h.syn)) {
            (Some(c), _) => c.to_string(),
            (None, Some(n)) => format!("syn{n}"),
            _ => w.peer.map_or_else(|| "?".into(), |p| p.to_string()),
        };
        let timer = w.half_open().map_or_else(String::new, |h| {
            // A bound only where it is one: while the queue is crowded the
            // time left holds only as long as the crowding does.
            let left = match (h.left_crowded_ms, h.left_ms) {
                (Some(c), _) => format!(" {} left if still this crowded", time_left(c)),
                (None, Some(l)) => format!(" ≤{} left", time_left(l)),
                (None, None) => String::new(),
            };
            format!(
                " SYN-ACK×{} next {}{left}",
                h.synack_retrans,
                seconds(u64::from(h.expires_ms))
            )
        });
        text.push_str(&format!(" · {}", phrase(&format!("{who}{timer}"))));
    }
    Some(text)
}

/// `ms` in seconds, rounded up (a time left is never said short of what
/// it is): tenths under ten seconds, so that a timer about to fire reads
/// "0.1s", not "0s".
fn seconds(ms: u64) -> String {
    if ms < 10_000 {
        crate::kernel::tenths_left(ms)
    } else {
        format!("{}s", ms.div_ceil(1000))
    }
}

/// One entry as one phrase: joined by no-break spaces, a short row keeps
/// it whole or leaves it out, and never ends it at "next".
fn phrase(entry: &str) -> String {
    entry.replace(' ', "\u{a0}")
}

/// The counters of both queues that moved, by their TcpExt names.
fn counters_line(app: &App) -> Option<String> {
    let s = app.snapshot.as_deref()?;
    let c = &s.counters;
    let moved: Vec<String> = [
        ("ListenOverflows", c.listen_overflows),
        ("ListenDrops", c.listen_drops),
        ("TCPReqQFullDoCookies", c.reqq_full_do_cookies),
        ("TCPReqQFullDrop", c.reqq_full_drop),
        ("SyncookiesSent", c.syncookies_sent),
        ("SyncookiesRecv", c.syncookies_recv),
        ("SyncookiesFailed", c.syncookies_failed),
        ("TCPDeferAcceptDrop", c.defer_accept_drop),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(name, n)| format!("{name} +{n}"))
    .collect();
    if moved.is_empty() {
        return None;
    }
    let scope = match s.counters_scope {
        crate::kernel::CounterScope::SystemWide => "system-wide",
        crate::kernel::CounterScope::ThisLab => "this lab",
    };
    Some(format!("since start ({scope}): {}", moved.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::{phrase, seconds, time_left};
    use crate::tui::view::format::shorten;

    #[test]
    fn a_time_left_is_rounded_up() {
        assert_eq!(seconds(40), "0.1s");
        assert_eq!(seconds(3_300), "3.3s");
        assert_eq!(seconds(3_301), "3.4s");
        assert_eq!(seconds(11_403_200), "11404s");
        assert_eq!(time_left(11_403_200), "3 h 11 min");
    }

    #[test]
    fn a_short_row_keeps_an_entry_whole_or_leaves_it_out() {
        let e = phrase("syn2 SYN-ACK×3 next 2.9s ≤11395s left");
        let line = format!("SYN queue 4 of 4, FULL: past it, SYN cookies · {e} · {e}");
        for room in 20..line.chars().count() {
            let short = shorten(&line, room);
            assert!(!short.contains("next…"), "{short}");
            // Each word shown is a whole word of the line: an entry is one.
            let trim = |w: &str| w.trim_end_matches(['…', ',', ':']).to_string();
            let words: Vec<String> = line.split(' ').map(trim).collect();
            for w in short.split(' ') {
                let w = trim(w);
                assert!(w.is_empty() || words.contains(&w), "{room}: {short}");
            }
        }
    }
}
