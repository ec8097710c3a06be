//! The kernel view as a readable table, in the spirit of `ss`: queues
//! against their maxima, states, buffers asked → effective, and the notes.

use crate::kernel::{Snapshot, SockView, ViewRole};
use crate::lab::SockName;

fn addr(a: Option<std::net::SocketAddr>) -> String {
    a.map_or_else(|| "*".into(), |a| a.to_string())
}

fn buffer(eff: Option<u32>, asked: Option<u64>) -> String {
    match (eff, asked) {
        (Some(e), Some(a)) => format!("{a}→{e}"),
        (Some(e), None) => e.to_string(),
        _ => "-".into(),
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

/// `v`'s lines in the view; `snap` holds the lab's other sockets, for an
/// entry of a listener's queues to say what its client reads at its end.
fn socket_lines(v: &SockView, snap: &Snapshot) -> Vec<String> {
    let name = v.id.map_or_else(String::new, |n| n.to_string());
    let state = if v.closed {
        format!("{} (closed)", v.state)
    } else {
        v.state.to_string()
    };
    let mut line = match v.role {
        ViewRole::Listener if v.closed => {
            format!("{name:<5} {:<13} {}", v.state, addr(v.local))
        }
        ViewRole::Listener => {
            let holds = v.accept_queue_max().map(|m| u64::from(m) + 1);
            let full = match (v.accept_queue(), holds) {
                (Some(q), Some(h)) if u64::from(q) >= h => "  FULL",
                _ => "",
            };
            let syn = match v.syn_queue() {
                Some(q) => syn_queue_text(v.syn_recv().unwrap_or(0), q),
                None => format!("syn-recv {}", opt(v.syn_recv())),
            };
            // What its accepted sockets inherit, and a restart depends on.
            let reuse = if v.reuseaddr == Some(true) {
                "  SO_REUSEADDR"
            } else {
                ""
            };
            format!(
                "{name:<5} {state:<13} {:<21}   accept queue {} of {} (backlog {}, kept as {}){full}  {syn}{reuse}",
                addr(v.local),
                opt(v.accept_queue()),
                opt(holds),
                opt(v.backlog()),
                opt(v.accept_queue_max()),
            )
        }
        ViewRole::Udp => {
            let pair = v.pair.map_or_else(String::new, |p| format!("→ {p}"));
            format!(
                "{name:<5} {state:<13} {:<21} → {:<21} {pair:<5}  recvq {}  sendq {}  drops {}  rcvbuf {}  sndbuf {}  {}  app sent {}  app received {}",
                addr(v.local),
                addr(v.peer),
                opt(v.recvq()),
                opt(v.sendq()),
                opt(v.drops()),
                buffer(v.rcvbuf(), v.rcvbuf_asked()),
                buffer(v.sndbuf(), v.sndbuf_asked()),
                opt(v.timeout()),
                opt(v.bytes_sent()),
                opt(v.bytes_received()),
            )
        }
        ViewRole::Queued | ViewRole::SynRecv => {
            // The client's own state beside the entry's: under
            // defer_accept C4 reads ESTABLISHED while L2 keeps it half-open.
            let client_state = |c: SockName| {
                snap.sockets
                    .iter()
                    .find(|s| s.id == Some(c) && !s.closed)
                    .map(|s| s.state)
            };
            let who = match (v.pair, v.half_open().and_then(|h| h.syn)) {
                (Some(c), _) => match client_state(c) {
                    Some(st) => format!(" ({c} is {st})"),
                    None => format!(" ({c})"),
                },
                (None, Some(n)) => format!(" (syn {n})"),
                _ => String::new(),
            };
            let timer = v.half_open().map_or_else(String::new, |h| {
                // A bound only where it is one: the crowded queue's cut
                // holds while the crowding does.
                let secs = crate::kernel::tenths_left;
                let left = match (h.left_crowded_ms, h.left_ms) {
                    (Some(c), Some(l)) => format!(
                        ", gone in {} if the queue stays this crowded (within {} if not)",
                        secs(c),
                        crate::kernel::time_left(l)
                    ),
                    (Some(c), None) => {
                        format!(", gone in {} if the queue stays this crowded", secs(c))
                    }
                    (None, Some(l)) => format!(", gone within {}", crate::kernel::time_left(l)),
                    (None, None) => String::new(),
                };
                format!(
                    "  SYN-ACK resent {}×, timer {}{left}",
                    h.synack_retrans,
                    secs(u64::from(h.expires_ms))
                )
            });
            // A queued connection is one not yet accepted, not a buffer,
            // though what its client sent already waits in it (under
            // defer_accept, the data that let it in).
            let (role, bytes) = match v.role {
                ViewRole::Queued => (
                    "not yet accepted",
                    v.recvq()
                        .map_or_else(String::new, |n| format!(", recvq {n}")),
                ),
                _ => (v.role.word(), String::new()),
            };
            format!(
                "  └ {role:<16} {state:<13} from {}{bytes}{who}{timer}",
                addr(v.peer)
            )
        }
        ViewRole::Client | ViewRole::Accepted => {
            let pair = v.pair.map_or_else(String::new, |p| format!("⇄ {p}"));
            let tcp = v.tcp().map_or_else(String::new, |t| {
                format!(
                    "  snd_wnd {}  rcv_wnd {}  rcv_wscale {}  snd_wscale {}  rtt {}µs  cwnd {}{}  retrans {}  dsack_dups {}",
                    opt(t.snd_wnd),
                    opt(t.rcv_wnd),
                    t.rcv_wscale,
                    t.snd_wscale,
                    t.rtt_us,
                    t.cwnd,
                    t.congestion.map_or_else(String::new, |c| format!(" ({c})")),
                    t.retrans,
                    opt(t.dsack_dups)
                )
            });
            format!(
                "{name:<5} {state:<13} {:<21} → {:<21} {pair:<5}  recvq {}  sendq {}  notsent {}  rcvbuf {}  sndbuf {}{}  {}  app sent {}  app received {}{tcp}",
                addr(v.local),
                addr(v.peer),
                opt(v.recvq()),
                opt(v.sendq()),
                opt(v.notsent()),
                buffer(v.rcvbuf(), v.rcvbuf_asked()),
                buffer(v.sndbuf(), v.sndbuf_asked()),
                memory(v),
                mode_text(v),
                opt(v.bytes_sent()),
                opt(v.bytes_received()),
            )
        }
    };
    if !v.in_flight.is_empty() {
        line.push_str(&format!("  in flight: {}", v.in_flight.join(", ")));
    }
    if let Some(ms) = v.time_wait_ms {
        line.push_str(&format!(
            "  TIME-WAIT ends in {:.1}s",
            f64::from(ms) / 1000.0
        ));
    }
    // A watched socket's process (the waiting connections are their listener's).
    if let (Some(o), Some(_)) = (&v.owner, v.id) {
        line.push_str(&format!("  owner {} (pid {})", o.name, o.pid));
    }
    let mut lines = vec![line];
    lines.extend(v.notes.iter().map(|n| format!("      · {n}")));
    lines
}

/// The memory charged to a connection's buffers where they hold data
/// (`  rcv_mem 5760`): what fills a buffer is memory, not data alone.
fn memory(v: &SockView) -> String {
    let mut text = String::new();
    for (name, queued, mem) in [
        ("rcv_mem", v.recvq(), v.rcv_mem()),
        ("snd_mem", v.sendq(), v.snd_mem()),
    ] {
        if let (Some(q), Some(m)) = (queued, mem)
            && q > 0
        {
            text.push_str(&format!("  {name} {m}"));
        }
    }
    text
}

/// The timeout mode, with the kernel's own time-outs where they are set:
/// `blocking, SO_RCVTIMEO 500ms`.
pub fn mode_text(v: &SockView) -> String {
    let mut text = opt(v.timeout());
    for (what, d) in [("SO_RCVTIMEO", v.rcvtimeo()), ("SO_SNDTIMEO", v.sndtimeo())] {
        if let Some(d) = d.filter(|d| !d.is_zero()) {
            text.push_str(&format!(
                ", {what} {}",
                crate::kernel::kernel_timeout_text(d)
            ));
        }
    }
    if let Some(o) = v.options() {
        if o.nodelay {
            text.push_str(", nodelay");
        }
        if o.cork {
            text.push_str(", cork");
        }
        if o.keepalive {
            text.push_str(&format!(
                ", keepalive {}s+{}s×{}",
                o.keepidle, o.keepintvl, o.keepcnt
            ));
        }
        if !o.user_timeout.is_zero() {
            text.push_str(&format!(
                ", TCP_USER_TIMEOUT {}",
                crate::kernel::kernel_timeout_text(o.user_timeout)
            ));
        }
    }
    if v.reuseaddr == Some(true) {
        text.push_str(", SO_REUSEADDR");
    }
    text
}

/// "SYN queue 5 of 5 FULL → cookies  defer_accept 7s".
fn syn_queue_text(len: u32, q: crate::kernel::SynQueue) -> String {
    let full = if len >= q.syn_queue_limit {
        " FULL"
    } else {
        ""
    };
    let past = match q.syn_queue_past_limit {
        crate::kernel::PastLimit::Cookies => "then SYN cookies",
        crate::kernel::PastLimit::Drop => "then drops",
        crate::kernel::PastLimit::CookiesAlways => "cookies for every SYN",
    };
    let defer = q
        .defer_accept
        .map_or_else(String::new, |d| format!("  defer_accept {d}s"));
    format!(
        "SYN queue {len} of {}{full} ({past}){defer}",
        q.syn_queue_limit
    )
}

/// The sockets of a snapshot that `show S…` shows: each S, and for a
/// listener the entries waiting in it; every socket when `only` is empty.
pub fn selected<'a>(snap: &'a Snapshot, only: &[SockName]) -> Vec<&'a SockView> {
    snap.sockets
        .iter()
        .filter(|s| {
            only.is_empty()
                || only
                    .iter()
                    .any(|&n| s.id == Some(n) || s.listener == Some(n) && s.id.is_none())
        })
        .collect()
}

/// The names of `show S…` that none of the views `shown` is: sockets the
/// kernel no longer holds. The view says so, not leaves them out: a class
/// looks for them.
pub fn not_held(shown: &[&SockView], only: &[SockName]) -> Vec<SockName> {
    only.iter()
        .copied()
        .filter(|n| !shown.iter().any(|v| v.id == Some(*n)))
        .collect()
}

/// What the view says when it has nothing to show for `show [S…]`.
pub fn nothing_to_show(only: &[SockName]) -> String {
    match only {
        [] => "no sockets yet".into(),
        [n] => format!("{n}: the kernel holds nothing for it any more"),
        _ => {
            let names: Vec<String> = only.iter().map(ToString::to_string).collect();
            format!(
                "{}: the kernel holds nothing for them any more",
                names.join(", ")
            )
        }
    }
}

/// The table for `show [S…]`.
pub fn table(snap: &Snapshot, only: &[SockName]) -> String {
    let mut lines = vec![format!("kernel view at {:.3} s", snap.t.as_secs_f64())];
    let shown = selected(snap, only);
    let gone = not_held(&shown, only);
    for v in shown {
        lines.extend(socket_lines(v, snap));
    }
    if !gone.is_empty() || only.is_empty() && lines.len() == 1 {
        lines.push(nothing_to_show(&gone));
    }
    if let Some(link) = &snap.link {
        lines.extend(link_lines(link));
    }
    // The counters are a listener's too, what its overflows added to; and
    // a UDP socket's, what its drops added to. A view of UDP sockets alone
    // leaves out TCP's counters and settings: they say nothing of them.
    let asked = |role: crate::lab::Role| only.is_empty() || only.iter().any(|n| n.role == role);
    let tcp = asked(crate::lab::Role::Listener);
    let udp = asked(crate::lab::Role::Udp) && snap.sockets.iter().any(|v| v.role == ViewRole::Udp);
    if tcp || udp {
        let c = &snap.counters;
        let scope = match snap.counters_scope {
            crate::kernel::CounterScope::SystemWide => "system-wide",
            // On a link, the lab's namespace is the server side's.
            crate::kernel::CounterScope::ThisLab if snap.link.is_some() => "this lab, server side",
            crate::kernel::CounterScope::ThisLab => "this lab",
        };
        if tcp {
            lines.push(format!(
                "counters since start ({scope}): ListenOverflows {}  ListenDrops {}  TCPReqQFullDoCookies {}  TCPReqQFullDrop {}  SyncookiesSent {}  SyncookiesRecv {}  SyncookiesFailed {}  TCPDeferAcceptDrop {}",
                c.listen_overflows,
                c.listen_drops,
                c.reqq_full_do_cookies,
                c.reqq_full_drop,
                c.syncookies_sent,
                c.syncookies_recv,
                c.syncookies_failed,
                c.defer_accept_drop,
            ));
        }
        if udp {
            let u = &c.udp;
            lines.push(format!(
                "udp counters since start ({scope}): UdpRcvbufErrors {}  UdpInErrors {}  UdpNoPorts {}  UdpSndbufErrors {}",
                u.rcvbuf_errors, u.in_errors, u.no_ports, u.sndbuf_errors
            ));
        }
        let s = &snap.system;
        let three = |v: Option<[u64; 3]>| {
            v.map_or_else(|| "-".into(), |v| format!("{} {} {}", v[0], v[1], v[2]))
        };
        lines.push(if tcp {
            format!(
                "system: somaxconn {}  tcp_max_syn_backlog {}  tcp_rmem {}  tcp_wmem {}  rmem_max {}  wmem_max {}  tcp_syncookies {}  tcp_abort_on_overflow {}  tcp_syn_retries {}  tcp_syn_linear_timeouts {}  tcp_synack_retries {}",
                opt(s.somaxconn),
                opt(s.tcp_max_syn_backlog),
                three(s.tcp_rmem),
                three(s.tcp_wmem),
                opt(s.rmem_max),
                opt(s.wmem_max),
                opt(s.tcp_syncookies),
                opt(s.tcp_abort_on_overflow),
                opt(s.tcp_syn_retries),
                opt(s.tcp_syn_linear_timeouts),
                opt(s.tcp_synack_retries),
            )
        } else {
            // What caps a UDP socket's SO_RCVBUF and SO_SNDBUF.
            format!(
                "system: rmem_max {}  wmem_max {}",
                opt(s.rmem_max),
                opt(s.wmem_max)
            )
        });
    }
    lines.join("\n")
}

/// The link's lines in `show`: its settings, then each way's queue, flight,
/// deliveries and drops.
pub fn link_lines(l: &crate::lab::sides::LinkView) -> Vec<String> {
    let settings = crate::link::Settings {
        delay: std::time::Duration::from_secs_f64(l.delay_ms / 1000.0),
        jitter: std::time::Duration::from_secs_f64(l.jitter_ms / 1000.0),
        rate_bps: l.rate_bps,
        loss_ppm: (l.loss_percent * 10_000.0).round() as u32,
        queue: l.queue_limit,
        up: l.up,
    };
    let mut lines = vec![format!(
        "link {} {} ⇄ {}: {}",
        if l.up { "up" } else { "DOWN" },
        l.client,
        l.server,
        settings.describe()
    )];
    for (way, w) in [("→ server", &l.to_server), ("→ client", &l.to_client)] {
        lines.push(format!(
            "  {way}: queued {} B ({})  in flight {} B ({})  delivered {} ({} B)  dropped: loss {}, queue {}, down {}",
            w.queued_bytes,
            packets(w.queued_packets),
            w.in_flight_bytes,
            packets(w.in_flight_packets),
            packets(w.delivered_packets),
            w.delivered_bytes,
            w.dropped_loss,
            w.dropped_queue,
            w.dropped_down
        ));
    }
    if l.malformed > 0 {
        lines.push(format!("  malformed packets dropped: {}", l.malformed));
    }
    lines
}

/// `1 packet`, `3 packets`.
fn packets(n: u64) -> String {
    if n == 1 {
        "1 packet".into()
    } else {
        format!("{n} packets")
    }
}
