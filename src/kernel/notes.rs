//! Short explanations where the kernel surprises: they
//! belong to the data, so the transcript and the TUI say the same.

use std::net::SocketAddr;

use super::phrases::Phrases;
use super::proc::{Counters, System};
use super::snapshot::{PastLimit, SockView, SynQueue, ViewRole};
use super::state::TcpState;
use crate::lab::syn_limit::SynLimit;
use crate::lab::{Ended, Errno, SockName};

/// The state of the dumped socket with this (local, peer) address, among
/// those with no inode (connections not accepted, SYN-RECV entries).
pub(crate) type ByPair<'a> = dyn Fn((SocketAddr, SocketAddr)) -> Option<TcpState> + 'a;

/// Adds notes to the views that need them.
pub(crate) fn annotate(
    sockets: &mut [SockView],
    system: &System,
    counters: &Counters,
    phrases: &mut Phrases,
    entries: &ByPair<'_>,
) {
    let listeners: Vec<Listening> = sockets
        .iter()
        .filter(|s| s.role == ViewRole::Listener && !s.closed)
        .filter_map(|s| {
            Some(Listening {
                at: s.local?,
                name: s.id?,
                full: matches!((s.accept_queue(), s.accept_queue_max()), (Some(q), Some(m)) if q > m),
                defer: s.syn_queue().and_then(|q| q.defer_accept),
                syn_drops: s.syn_queue().is_some_and(|q| {
                    q.syn_queue_past_limit == PastLimit::Drop
                        && s.syn_recv().unwrap_or(0) >= q.syn_queue_limit
                }),
            })
        })
        .collect();
    // Most listeners of a large lab share a backlog, and so the words of
    // their notes: each is written once per snapshot.
    let mut backlog_said: rustc_hash::FxHashMap<BacklogKey, Vec<String>> = Default::default();
    // How long a listener's entries from `syn` last is said once, on the
    // first of them: twenty entries saying it each filled the view.
    let mut syn_entries: rustc_hash::FxHashMap<Option<SocketAddr>, usize> = Default::default();
    for v in sockets.iter() {
        if v.role == ViewRole::SynRecv && v.half_open().is_some_and(|h| h.syn.is_some()) {
            *syn_entries.entry(v.local).or_default() += 1;
        }
    }
    let mut syn_said: rustc_hash::FxHashSet<Option<SocketAddr>> = Default::default();
    for v in sockets.iter_mut() {
        let mut notes = Vec::new();
        if v.role == ViewRole::Listener {
            let said = backlog_said
                .entry(backlog_key(v))
                .or_insert_with(|| backlog_notes(v));
            notes.extend(said.iter().cloned());
            if let Some(q) = v.syn_queue() {
                notes.extend(syn_queue_notes(
                    v.syn_recv().unwrap_or(0),
                    v.accept_queue_max(),
                    q,
                    system,
                    counters,
                ));
            }
        }
        if v.role == ViewRole::SynRecv {
            let first = v.half_open().is_none_or(|h| h.syn.is_none()) || syn_said.insert(v.local);
            if first {
                let others = syn_entries.get(&v.local).is_some_and(|n| *n > 1);
                notes.extend(syn_recv_note(v, others, &listeners, system));
            }
        }
        if v.role == ViewRole::Udp {
            notes.extend(udp_notes(v));
        }
        if let (Some(asked), Some(eff)) = (v.rcvbuf_asked(), v.rcvbuf()) {
            notes.extend(buffer_note(
                "rcvbuf",
                asked,
                eff,
                system.rmem_max,
                "rmem_max",
            ));
        }
        if let (Some(asked), Some(eff)) = (v.sndbuf_asked(), v.sndbuf()) {
            notes.extend(buffer_note(
                "sndbuf",
                asked,
                eff,
                system.wmem_max,
                "wmem_max",
            ));
        }
        // A paired client's server side is an accepted lab socket: no surprise.
        if v.role == ViewRole::Client && v.state == TcpState::Established && v.pair.is_none() {
            notes.extend(half_open_note(v, &listeners, entries));
        }
        if v.role == ViewRole::Client && v.state == TcpState::SynSent && !v.closed {
            notes.push(syn_sent_note(v, &listeners, system));
            if v.sendq() == Some(1) {
                notes.push("sendq 1 is the SYN itself: it takes one sequence number, unacknowledged until a SYN-ACK comes".into());
            }
        }
        let synchronized = matches!(v.state, TcpState::Established | TcpState::CloseWait);
        if synchronized && v.tcp().and_then(|t| t.snd_wnd) == Some(0) {
            notes.push("the peer advertises a zero window: it takes nothing more for now (its buffer may still have memory free), so nothing more is sent until the peer reads and its window opens again".into());
        }
        if let (Some(q), Some(buf)) = (v.sendq(), v.sndbuf())
            && q > buf
        {
            notes.push(format!("sendq {q} is more than sndbuf {buf}: the kernel checks for room before it takes each piece of a send, not after, so what it holds may go past the limit"));
        }
        if v.closed && v.role == ViewRole::Listener {
            notes.push("closed: the kernel holds nothing for it any more, and a connect to its port is refused (RST), unless another socket listens there".into());
        } else if v.closed {
            notes.push(closed_note(v.state, v.reuseaddr, v.id));
        } else if v.state == TcpState::Closed && v.id.is_some() {
            notes.push(gone_note(v.ended(), v.syns_unanswered()));
        }
        v.notes = phrases.all(&notes);
    }
}

/// What a listener's backlog notes say depends on: the backlog asked, the
/// queue's maximum, and the queue's length only when it is past the limit.
type BacklogKey = (Option<i32>, Option<u32>, Option<u32>);

fn backlog_key(v: &SockView) -> BacklogKey {
    let holds = v.accept_queue_max().map(|m| u64::from(m) + 1);
    let past = v
        .accept_queue()
        .filter(|q| holds.is_some_and(|h| u64::from(*q) > h));
    (v.backlog(), v.accept_queue_max(), past)
}

fn backlog_notes(v: &SockView) -> Vec<String> {
    let (Some(backlog), Some(max)) = (v.backlog(), v.accept_queue_max()) else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    if backlog < 0 {
        notes.push(format!(
            "listen({backlog}) asks for the most there is: net.core.somaxconn, {max}"
        ));
    } else if backlog as u32 > max {
        notes.push(format!(
            "backlog {backlog} capped to {max} by net.core.somaxconn"
        ));
    }
    let holds = u64::from(max) + 1;
    let connections = if holds == 1 {
        "connection"
    } else {
        "connections"
    };
    notes.push(format!(
        "holds {holds} {connections}: Linux calls the queue full only when more than {max} wait"
    ));
    if let Some(q) = v.accept_queue().map(u64::from).filter(|q| *q > holds) {
        notes.push(format!(
            "{q} wait, more than {holds}: Linux checks \"is the queue full?\" without a lock, so handshakes that finished at the same instant on different CPUs passed it together"
        ));
    }
    notes
}

fn buffer_note(
    what: &str,
    asked: u64,
    eff: u32,
    max: Option<u64>,
    max_name: &str,
) -> Option<String> {
    let eff = u64::from(eff);
    let capped = max.filter(|m| asked > *m && eff == 2 * m);
    Some(if let Some(m) = capped {
        format!("{what} {asked} → {eff}: capped at 2 × net.core.{max_name} ({m})")
    } else if eff == 2 * asked {
        format!("{what} {asked} → {eff}: the kernel doubles what is asked, for its bookkeeping")
    } else if eff > 2 * asked {
        format!("{what} {asked} → {eff}: raised to the kernel's minimum")
    } else {
        format!("{what} {asked} → {eff}")
    })
}

/// Why a listener's SYN queue holds what it holds, and what a SYN past it
/// meets. `backlog` is the backlog as the kernel keeps it.
fn syn_queue_notes(
    len: u32,
    backlog: Option<u32>,
    q: SynQueue,
    system: &System,
    c: &Counters,
) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(secs) = q.defer_accept {
        notes.push(format!(
            "defer_accept holds the handshake until data comes: the client's bare last ACK is dropped (TCPDeferAcceptDrop) and the entry stays SYN-RECV while the client reads ESTABLISHED; after {secs}s, counted in rounds of the entry's SYN-ACK timer, the client's next ACK gets it in without data"
        ));
    }
    let limit = q.syn_queue_limit;
    match q.syn_queue_past_limit {
        PastLimit::CookiesAlways => notes.push(
            "tcp_syncookies=2: every SYN is answered with a SYN cookie, so no SYN-RECV entry is kept".into(),
        ),
        PastLimit::Cookies if c.syncookies_sent > 0 && len >= limit => notes.push(format!(
            "cookies sent: the SYN queue was full ({len} of {limit}), so further SYNs got a SYN cookie and left no entry (so far SyncookiesSent {}, counted for all listeners together)",
            c.syncookies_sent
        )),
        PastLimit::Cookies if len >= limit => notes.push(format!(
            "SYN queue full ({len} of {limit}; the backlog bounds it too): a further SYN gets a SYN cookie and leaves no entry"
        )),
        PastLimit::Drop => {
            // Two checks drop a SYN with cookies off (`tcp_conn_request`):
            // a full queue (more than the backlog wait), counted in
            // TCPReqQFullDrop and ListenDrops; and, before it is full, the
            // last quarter of tcp_max_syn_backlog kept for peers proven
            // alive, counted in ListenDrops alone. The limit says which.
            let by_msb = system.tcp_max_syn_backlog.filter(|msb| {
                u64::from(limit) == msb - msb / 4 + 1
                    && backlog.is_none_or(|b| u64::from(limit) < u64::from(b) + 1)
            });
            let whole = "counted for all listeners together";
            if let Some(msb) = by_msb {
                notes.push(format!(
                    "cookies off: tcp_max_syn_backlog {msb} keeps its last quarter for peers proven alive, so SYNs from others are dropped once {limit} wait"
                ));
                if len >= limit {
                    notes.push(format!(
                        "SYNs dropped by that check, not by a full queue: ListenDrops counts them, TCPReqQFullDrop does not (so far ListenDrops {} and TCPReqQFullDrop {}, {whole})",
                        c.listen_drops, c.reqq_full_drop
                    ));
                }
            } else if len >= limit {
                notes.push(format!(
                    "SYNs dropped: the SYN queue is full ({len} of {limit}) and cookies are off; TCPReqQFullDrop and ListenDrops count them, ListenOverflows does not (so far TCPReqQFullDrop {} and ListenDrops {}, {whole})",
                    c.reqq_full_drop, c.listen_drops
                ));
            }
        }
        PastLimit::Cookies => {}
    }
    notes
}

/// A half-open entry: whose, and how long the kernel keeps it (for an
/// entry from `syn`, said for all of its listener's).
fn syn_recv_note(
    v: &SockView,
    others: bool,
    listeners: &[Listening],
    system: &System,
) -> Option<String> {
    let h = v.half_open()?;
    if let Some(n) = h.syn {
        let limit = system
            .tcp_synack_retries
            .map(|r| {
                // The crowded queue's cut goes no lower than 2: it
                // shortens only a limit above that.
                let fewer = if r > 2 {
                    " (fewer, never below 2, when its timer finds the SYN queue holding more than half of the larger of 8 and the backlog: one fewer for each of ½, ¼, ⅛… of the queue that its young entries, not yet resent, do not exceed)"
                } else {
                    ""
                };
                if r == 1 {
                    " at most once (tcp_synack_retries 1)".to_string()
                } else {
                    format!(" up to tcp_synack_retries ({r}) times{fewer}")
                }
            })
            .unwrap_or_default();
        let all = if others {
            ", as are the other entries from syn here"
        } else {
            ""
        };
        return Some(format!(
            "half-open from syn {n}{all}: no ACK will come; the SYN-ACK is resent{limit}, then the entry goes"
        ));
    }
    let listener = v
        .local
        .and_then(|l| listener_of(l, listeners))
        .filter(|l| l.defer.is_some());
    match (v.pair, listener) {
        (Some(c), Some(l)) => Some(format!(
            "{c} is ESTABLISHED; {} keeps this entry until {c} sends data or the defer time runs out",
            l.name
        )),
        _ => None,
    }
}

/// A lab listener, as the notes on its clients need it.
struct Listening {
    at: SocketAddr,
    name: SockName,
    /// Its accept queue holds more than its backlog: SYNs are dropped.
    full: bool,
    /// TCP_DEFER_ACCEPT, in seconds, when set.
    defer: Option<u32>,
    /// Its SYN queue is full and cookies are off: SYNs are dropped.
    syn_drops: bool,
}

/// The lab listener a client connects to, if any.
fn listener_of(peer: SocketAddr, listeners: &[Listening]) -> Option<&Listening> {
    listeners.iter().find(|l| {
        l.at.port() == peer.port() && (l.at.ip().is_unspecified() || l.at.ip() == peer.ip())
    })
}

/// A client still waiting for the SYN-ACK: how often it has tried, when it
/// tries next, how often it will, and why it gets no answer when its
/// listener is ours.
fn syn_sent_note(v: &SockView, listeners: &[Listening], system: &System) -> String {
    let times = syn_count_words(v.tcp().map_or(0, |t| t.retrans) + 1, system);
    let next = syn_timer_words(v, system)
        .map(|w| format!("; {w}"))
        .unwrap_or_default();
    // A connect() still waiting fails; one that returned (a time-out,
    // EINPROGRESS) left the handshake to the kernel, and the program
    // learns its end from SO_ERROR.
    let waiting = v.in_flight.iter().any(|c| c.starts_with("connect"));
    // Once its last SYN has gone, the timer's words already say
    // ETIMEDOUT is next: the limit is then only the sum.
    let last_sent = next.contains("gives up");
    let limit = syn_limit(system)
        .map(|l| match (last_sent, waiting) {
            (true, _) => format!("; {l}"),
            (false, true) => format!("; {l}, then connect() fails with ETIMEDOUT"),
            (false, false) => format!("; {l}, then SO_ERROR gives ETIMEDOUT"),
        })
        .unwrap_or_default();
    match v.peer.and_then(|p| listener_of(p, listeners)) {
        Some(l) if l.full => format!(
            "SYN sent {times}; {}'s full accept queue drops each one{next}{limit}",
            l.name
        ),
        Some(l) if l.syn_drops => format!(
            "SYN sent {times}; {}'s SYN queue is full and cookies are off, so it drops each one{next}{limit}",
            l.name
        ),
        _ => format!("SYN sent {times}, no SYN-ACK yet{next}{limit}"),
    }
}

/// When a waiting client's SYN goes again (`next SYN in 12 s`).
pub fn next_syn_words(ms: u32) -> String {
    format!("next SYN in {}", seconds_words(ms))
}

/// When a connection resending into silence sends again (`next try in
/// 95 s`).
pub fn next_resend_words(ms: u32) -> String {
    format!("next try in {}", seconds_words(ms))
}

/// `0.1s`, `3.3s`: a pending timer's time left in tenths of a second,
/// rounded up, so that it is never said short of what it is. The kernel
/// gives 0 for a timer that is due but has not fired yet: that reads
/// `0.1s` too, never `0.0s`, which would say it had gone off.
pub fn tenths_left(ms: u64) -> String {
    let tenths = ms.max(1).div_ceil(100);
    format!("{}.{}s", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod time_left_tests {
    use super::time_left;

    #[test]
    fn a_long_bound_is_said_in_minutes_and_hours_rounded_up() {
        assert_eq!(time_left(40), "0.1s");
        assert_eq!(time_left(9_950), "10.0s");
        assert_eq!(time_left(10_001), "11s");
        assert_eq!(time_left(599_000), "599s");
        assert_eq!(time_left(600_000), "10 min");
        assert_eq!(time_left(600_001), "11 min");
        assert_eq!(time_left(3_600_000), "1 h");
        assert_eq!(time_left(11_357_000), "3 h 10 min");
    }
}

/// `0.1s`, `3.3s`, `47s`, `12 min`, `3 h 10 min`: a bound on the time
/// left, rounded up: tenths under ten seconds, whole seconds under ten
/// minutes, then minutes (a half-open entry allowed 100 SYN-ACK resends
/// lasts hours: `11357s` said nothing a class could read).
pub fn time_left(ms: u64) -> String {
    if ms < 10_000 {
        return tenths_left(ms);
    }
    if ms < 600_000 {
        return format!("{}s", ms.div_ceil(1000));
    }
    let minutes = ms.div_ceil(60_000);
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// `<1 s`, `12 s`: a timer's time left, rounded up.
fn seconds_words(ms: u32) -> String {
    if ms < 1000 {
        "<1 s".into()
    } else {
        format!("{} s", ms.div_ceil(1000))
    }
}

/// What a waiting client's timer does next: sends its SYN again (`next SYN
/// in 12 s`), or, once it has sent all the SYNs the settings allow, gives
/// up (`gives up in 47 s: ETIMEDOUT`). None when it is not waiting.
pub fn syn_timer_words(v: &SockView, system: &System) -> Option<String> {
    let ms = v.next_syn_ms.filter(|_| v.state == TcpState::SynSent)?;
    let sent = v.tcp().map_or(0, |t| t.retrans) + 1;
    let most = syn_most(system);
    Some(if most.is_some_and(|m| u64::from(sent) >= m) {
        format!("gives up in {}: ETIMEDOUT", seconds_words(ms))
    } else {
        next_syn_words(ms)
    })
}

/// How many SYNs a client has sent, and how many it may send at most
/// (`9 times (at most 11)`): the count comes with the bound, so that a
/// row too narrow for the whole note still shows what it counts towards.
fn syn_count_words(sent: u32, system: &System) -> String {
    let times = if sent == 1 {
        "once".to_string()
    } else {
        format!("{sent} times")
    };
    match syn_most(system) {
        Some(most) => format!("{times} (at most {most})"),
        None => times,
    }
}

/// How many SYNs a client sends at most: the first, `tcp_syn_retries`
/// more, and `tcp_syn_linear_timeouts` more where the kernel has it.
fn syn_most(system: &System) -> Option<u64> {
    syn_limit(system).map(|l| l.total)
}

/// How many SYNs a client sends before connect() fails, from the settings
/// that decide it, said in words a class follows (`11 = 1 + 5 a second
/// apart + 5 at doubling gaps, then connect() fails with ETIMEDOUT`).
pub fn syn_limit_words(system: &System) -> Option<String> {
    Some(format!(
        "{}, then connect() fails with ETIMEDOUT",
        syn_limit(system)?
    ))
}

/// The SYN limit the settings give, when the kernel says them.
fn syn_limit(system: &System) -> Option<SynLimit> {
    Some(SynLimit::new(
        system.tcp_syn_retries?,
        system.tcp_syn_linear_timeouts,
        system.tcp_rto_max_ms,
    ))
}

/// A client ESTABLISHED at a lab listener whose server side is only SYN-RECV, or absent.
fn half_open_note(v: &SockView, listeners: &[Listening], entries: &ByPair<'_>) -> Option<String> {
    let (local, peer) = (v.local?, v.peer?);
    let l = listener_of(peer, listeners)?;
    let name = &l.name;
    match entries((peer, local)) {
        Some(TcpState::SynReceived) if l.defer.is_some() => Some(format!(
            "ESTABLISHED here, but {name} holds only a SYN-RECV entry: defer_accept holds the handshake until data comes or its time runs out, so send something and it moves to the accept queue"
        )),
        Some(TcpState::SynReceived) if l.full => Some(format!(
            "ESTABLISHED here, but {name} holds only a SYN-RECV entry: its accept queue was full when the last ACK came, so the kernel dropped that ACK and will resend the SYN-ACK"
        )),
        Some(TcpState::SynReceived) => Some(format!(
            "ESTABLISHED here, but {name} holds only a SYN-RECV entry: the handshake's last ACK has not reached it (lost, or dropped on the way), so it will resend the SYN-ACK"
        )),
        None if l.full => Some(format!(
            "ESTABLISHED here, but {name} holds no entry for it: its accept queue is full, so the handshake's last ACK was dropped; with a SYN cookie nothing was kept, and the connection is made when an ACK gets in"
        )),
        None => Some(format!(
            "ESTABLISHED here, but {name} holds no entry for it: its SYN was answered with a SYN cookie (nothing kept) or the entry was dropped"
        )),
        Some(_) => None,
    }
}

/// A closed socket the kernel still holds, and why; `name` says whose FIN
/// (a pane titled `A1 ⇄ C1` would read "our" as either).
fn closed_note(state: TcpState, reuseaddr: Option<bool>, name: Option<SockName>) -> String {
    let fin = name.map_or_else(|| "its FIN".to_string(), |n| format!("{n}'s FIN"));
    match state {
        TcpState::TimeWait => match reuseaddr {
            // Short enough that one row of 80×24 keeps the flag and what
            // it allows (the countdown is in the connection's row).
            Some(true) => "closed; TIME-WAIT, SO_REUSEADDR on: a socket that sets it too may bind here; it waits so that late segments cannot confuse a new connection".into(),
            // What holds the port and its flag, not the rule: a lesson
            // asks next whether the flag on a new socket alone would do.
            Some(false) => "closed; TIME-WAIT, SO_REUSEADDR off: holds the port against late segments".into(),
            None => "closed; TIME-WAIT (60 s on Linux): the side whose FIN went first waits so that late segments cannot confuse a new connection".into(),
        },
        TcpState::FinWait2 => {
            format!("closed; FIN-WAIT-2: {fin} was acknowledged, the peer has not closed yet")
        }
        TcpState::FinWait1 => format!("closed; FIN-WAIT-1: {fin} is not yet acknowledged"),
        TcpState::LastAck => {
            format!("closed after the peer; LAST-ACK: waiting for the ACK of {fin}")
        }
        other => format!("closed; the kernel still holds it in {other}"),
    }
}

/// Why a lab socket still open has no connection, from how the lab saw it
/// end; what no call has reported (a reset, the end after a half-close)
/// the kernel's CLOSE alone cannot tell apart, but for a handshake nothing
/// ever answered.
fn gone_note(ended: Option<Ended>, syns_unanswered: Option<u32>) -> String {
    if let Some(syns) = syns_unanswered {
        let told = if ended == Some(Ended::Error(Errno(libc::ETIMEDOUT))) {
            "a call here reported it"
        } else {
            "in SO_ERROR, for the next call"
        };
        return format!(
            "no connection: nothing answered its {syns} SYNs, so the kernel gave up with ETIMEDOUT ({told})"
        );
    }
    let said = match ended {
        Some(Ended::Error(Errno(libc::ECONNRESET))) => {
            "no connection: it was reset (a call here reported ECONNRESET)"
        }
        Some(Ended::Error(Errno(libc::ETIMEDOUT))) => {
            "no connection: it timed out (a call here reported ETIMEDOUT)"
        }
        Some(Ended::Shutdown {
            handshake: true, ..
        }) => "no connection: shutdown() here dropped its handshake in SYN-SENT; no reset came",
        _ => "no connection: it was reset or timed out, or it never connected",
    };
    said.into()
}

/// The notes on a UDP socket's figures.
fn udp_notes(v: &SockView) -> Vec<String> {
    let mut notes = Vec::new();
    if let (Some(q), Some(buf)) = (v.recvq().filter(|q| *q > 0), v.rcvbuf()) {
        notes.push(format!(
            "recvq {q} of rcvbuf {buf}: memory the kernel charged for the queued datagrams, each with its overhead, not bytes of data"
        ));
    }
    if let Some(d) = v.drops().filter(|d| *d > 0) {
        let datagrams = if d == 1 { "datagram" } else { "datagrams" };
        notes.push(format!(
            "{d} {datagrams} dropped: they arrived while the receive buffer was full, and their senders were told nothing"
        ));
    }
    // The ICMP errors are said of a socket that sent: on one that only
    // receives they answer a question no one asked yet.
    if v.peer.is_none() && !v.closed {
        notes.push(if v.bytes_sent().is_some_and(|b| b > 0) {
            "unconnected: takes datagrams from anyone, and never hears of an ICMP error its datagrams draw".into()
        } else {
            "unconnected: takes datagrams from anyone".into()
        });
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syn_count_comes_with_its_bound() {
        let system = System {
            tcp_syn_retries: Some(6),
            tcp_syn_linear_timeouts: Some(4),
            ..System::default()
        };
        assert_eq!(syn_count_words(9, &system), "9 times (at most 11)");
        assert_eq!(syn_count_words(1, &system), "once (at most 11)");
        assert_eq!(syn_count_words(3, &System::default()), "3 times");
    }

    #[test]
    fn the_syn_limit_is_said_in_words_with_its_sum() {
        let mut system = System {
            tcp_syn_retries: Some(6),
            tcp_syn_linear_timeouts: Some(4),
            ..System::default()
        };
        assert_eq!(
            syn_limit_words(&system).unwrap(),
            "11 = 1 + 5 a second apart + 5 at doubling gaps, then connect() fails with ETIMEDOUT"
        );
        system.tcp_syn_retries = Some(0);
        assert_eq!(
            syn_limit_words(&system).unwrap(),
            "5 = 1 + 4 a second apart, then connect() fails with ETIMEDOUT"
        );
        system.tcp_syn_retries = Some(6);
        system.tcp_syn_linear_timeouts = None;
        assert_eq!(
            syn_limit_words(&system).unwrap(),
            "7 = 1 + 6 at doubling gaps, then connect() fails with ETIMEDOUT"
        );
        system.tcp_syn_retries = None;
        assert_eq!(syn_limit_words(&system), None);
    }
}
