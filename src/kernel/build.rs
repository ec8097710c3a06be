//! Joining the lab's sockets with a sock_diag dump into one [`Snapshot`].
//!
//! Open lab sockets are matched by inode. Closed ones have lost their inode
//! (the kernel keeps the connection as an orphan or a TIME-WAIT entry), so
//! they are matched by their address pair. Entries left with inode 0 on a
//! lab listener's port are connections in its accept queue, or SYN-RECV.

use std::net::SocketAddr;
use std::time::Duration;

use rustc_hash::FxHashMap as HashMap;

use super::diag::DiagEntry;
use super::notes;
use super::phrases::{Phrase, PhraseList, Phrases};
use super::proc::{Counters, System};
use super::snapshot::{
    CounterScope, HalfOpen, Held, HeldFields, PastLimit, Snapshot, SockView, SynQueue, ViewRole,
};
use super::state::TcpState;
use crate::lab::{Role, SockName, SocketInfo};

/// `idiag_timer` of a socket whose retransmission timer runs.
const RETRANSMIT_TIMER: u8 = 1;

/// Everything a snapshot is made of, read at one moment.
pub struct Readings<'a> {
    /// The lab's sockets.
    pub lab: &'a [SocketInfo],
    /// The dump of their ports.
    pub entries: &'a [DiagEntry],
    /// System settings.
    pub system: System,
    /// Counters since the lab started.
    pub counters: Counters,
    /// Whom the counters count.
    pub scope: CounterScope,
    /// When.
    pub t: Duration,
}

/// FIONREAD leaves out the sequence number a received FIN takes; sock_diag
/// counts it. Give the application's figure.
fn recvq(e: &DiagEntry) -> u32 {
    if e.state.fin_received() {
        e.rqueue.saturating_sub(1)
    } else {
        e.rqueue
    }
}

fn role(r: Role) -> ViewRole {
    match r {
        Role::Listener => ViewRole::Listener,
        Role::Client => ViewRole::Client,
        Role::Accepted => ViewRole::Accepted,
        Role::Udp => ViewRole::Udp,
        // Never a lab socket: the watched ones are built apart.
        Role::Watched => ViewRole::Accepted,
    }
}

/// Calls in flight, short: `send(1.0m) 1.2s`, `connect 0.4s`.
fn in_flight(s: &SocketInfo, phrases: &mut Phrases) -> PhraseList {
    let calls: Vec<Phrase> = s
        .in_flight
        .iter()
        .map(|f| {
            let call = match f.call.arg {
                crate::lab::Arg::Bytes(n) => format!(
                    "{}({})",
                    f.call.call.name(),
                    crate::lab::command::format_size(n)
                ),
                _ => f.call.call.name().to_string(),
            };
            // A paced loop between its steps waits by choice: not blocked.
            let paced = if f.pacing { " paced" } else { "" };
            phrases.of(&format!(
                "{call} {:.1}s{paced}",
                f.since.elapsed().as_secs_f64()
            ))
        })
        .collect();
    phrases.list(&calls)
}

/// The view of a lab socket, with its kernel entry if the kernel holds one.
fn lab_view(s: &SocketInfo, e: Option<&DiagEntry>, phrases: &mut Phrases) -> SockView {
    let m = &s.meta;
    let listening = s.role == Role::Listener;
    let mut v = SockView {
        id: Some(s.name),
        local: e.map(|e| e.local).or(m.local),
        peer: e.map(|e| e.peer).filter(|_| !listening).or(m.peer),
        closed: m.closed,
        pair: m.pair,
        listener: m.listener,
        in_flight: in_flight(s, phrases),
        reuseaddr: (s.role != Role::Udp).then_some(m.reuseaddr),
        time_wait_ms: e
            .filter(|e| e.state == TcpState::TimeWait)
            .map(|e| e.expires_ms),
        ..SockView::bare(role(s.role), e.map_or(TcpState::Closed, |e| e.state))
    };
    let mut held = HeldFields::new(
        m.tcp_opts.filter(|_| !m.closed).map(Into::into),
        m.timeout.filter(|_| !m.closed),
        (!m.closed).then(|| m.rcvtimeo.unwrap_or_default()),
        (!m.closed).then(|| m.sndtimeo.unwrap_or_default()),
    );
    v.set_ended(m.ended);
    v.set_syns_unanswered(m.syns_unanswered);
    held.rcvbuf = e.and_then(|e| e.bufs).map(|b| b.0);
    held.sndbuf = e.and_then(|e| e.bufs).map(|b| b.1);
    held.rcv_mem = e.and_then(|e| e.mem).map(|m| m.0);
    held.snd_mem = e.and_then(|e| e.mem).map(|m| m.1);
    held.bytes_sent = Some(s.bytes_sent);
    held.bytes_received = Some(s.bytes_received);
    let mut tcp = None;
    v.set_backlog(m.backlog);
    v.set_rcvbuf_asked(m.rcvbuf.asked);
    v.set_sndbuf_asked(m.sndbuf.asked);
    if let Some(e) = e {
        if s.role == Role::Udp {
            // The kernel reports a UDP socket without a peer as TCP_CLOSE;
            // its queues are memory charged (what `ss -u` shows), not bytes.
            if e.state == TcpState::Closed {
                v.state = TcpState::Unconnected;
                v.peer = None;
            }
            held.recvq = Some(e.rqueue);
            held.sendq = Some(e.wqueue);
            v.set_drops(e.drops);
        } else if listening && e.state == TcpState::Listen {
            v.set_accept_queue(Some(e.rqueue));
            v.set_accept_queue_max(Some(e.wqueue));
        } else if !listening {
            held.recvq = Some(recvq(e));
            held.sendq = Some(e.wqueue);
            held.notsent = e.info.as_ref().and_then(|i| i.notsent);
            tcp = e.info.as_deref().copied();
            if e.state == TcpState::SynSent {
                v.next_syn_ms = Some(e.expires_ms);
            } else if e.timer == RETRANSMIT_TIMER && tcp.is_some_and(|t| t.backoff > 0) {
                // Resending into silence: every send has this timer
                // running, but only a backed-off one waits long.
                v.next_resend_ms = Some(e.expires_ms);
            }
        }
    }
    v.held = Held::of(held.with_tcp(tcp), phrases);
    v
}

/// How long each of a listener's SYN-RECV entries has at most, under
/// `tcp_synack_retries` = `set`; and, while the kernel would cut the
/// resends when a timer fires with the SYN queue as it stands now (see
/// [`HalfOpen::retries_now`]), how long it has if the queue stays so: not
/// a bound, for the cut goes when the queue thins.
fn half_open_left(waiting: &mut [SockView], set: u64, backlog: u32) {
    let syn_recv = || waiting.iter().filter_map(|w| w.half_open());
    let qlen = syn_recv().count();
    let young = syn_recv().filter(|h| h.synack_retrans == 0).count();
    let retries = HalfOpen::retries_now(set, qlen, young, backlog);
    for h in waiting.iter_mut().filter_map(SockView::half_open_mut) {
        h.left_ms = Some(HalfOpen::left(h.synack_retrans, h.expires_ms, set));
        h.left_crowded_ms =
            (retries < set).then(|| HalfOpen::left(h.synack_retrans, h.expires_ms, retries));
    }
}

/// Whether an entry belongs to a listener bound at `at` (its local address
/// is the listener's, or the listener's is a wildcard of the same port).
fn at_listener(entry: &DiagEntry, at: SocketAddr) -> bool {
    entry.local.port() == at.port()
        && (at.ip().is_unspecified() || entry.local.ip() == at.ip())
        && entry.state != TcpState::Listen
}

/// Builds the snapshot.
#[cfg(test)]
pub fn snapshot(r: Readings<'_>) -> Snapshot {
    snapshot_into(r, Vec::new())
}

/// Builds the snapshot in `sockets`' memory (a view nobody shows any
/// more): at twenty thousand sockets a view is ten megabytes, and a fresh
/// one beside the recycled one would be one view too many.
pub fn snapshot_into(r: Readings<'_>, mut sockets: Vec<SockView>) -> Snapshot {
    let by_inode: HashMap<u64, usize> = r
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.inode != 0)
        .map(|(i, e)| (e.inode, i))
        .collect();
    // Only entries without an inode are looked up by address: closed and
    // TIME-WAIT lab sockets, queued and SYN-RECV connections. Few, once accepted.
    let by_pair: HashMap<(SocketAddr, SocketAddr), usize> = r
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.inode == 0)
        .map(|(i, e)| ((e.local, e.peer), i))
        .collect();
    // What a listener may hold (entries without an inode that are not
    // listeners), by local port: each listener looks at its own port only,
    // however many listeners the lab has.
    let mut held_at: HashMap<u16, Vec<usize>> = HashMap::default();
    for (i, e) in r.entries.iter().enumerate() {
        if e.inode == 0 && e.state != TcpState::Listen {
            held_at.entry(e.local.port()).or_default().push(i);
        }
    }
    let mut used = vec![false; r.entries.len()];
    let mut matched: Vec<(usize, Option<usize>)> = Vec::new();
    for (li, s) in r.lab.iter().enumerate() {
        let m = &s.meta;
        // An open socket is found by its inode. A closed one has lost it; so
        // has an open one whose connection went to TIME-WAIT (the kernel moves
        // the connection into a separate entry and marks the socket CLOSED):
        // those are found by their address pair.
        let by_addr = || {
            m.local
                .zip(m.peer)
                .and_then(|pair| by_pair.get(&pair).copied())
        };
        let found = if m.closed {
            by_addr()
        } else {
            by_inode.get(&s.inode).copied().or_else(by_addr)
        };
        // The kernel has let it go. A closed listener stays, CLOSED, so
        // that the listeners it had are still told apart from new ones.
        if m.closed && found.is_none() && s.role != Role::Listener {
            continue;
        }
        if let Some(i) = found {
            used[i] = true;
        }
        matched.push((li, found));
    }
    // Built at the first waiting entry: most snapshots have none.
    let mut client_at: Option<HashMap<SocketAddr, SockName>> = None;
    let mut phrases = Phrases::default();
    sockets.clear();
    // Room for these sockets and a sixteenth more, not double: a view
    // outgrown by a storm of connects would otherwise keep room for up to
    // twice its sockets, in each of the two views alive at once.
    let needed = matched.len() + r.entries.len() - used.iter().filter(|u| **u).count();
    sockets.reserve_exact(needed + needed / 16);
    for (li, found) in matched {
        let s = &r.lab[li];
        let entry = found.map(|i| &r.entries[i]);
        let mut view = lab_view(s, entry, &mut phrases);
        let mut waiting = Vec::new();
        if s.role == Role::Listener
            && let (Some(at), false) = (view.local, s.meta.closed)
        {
            for &i in held_at.get(&at.port()).map_or(&[][..], Vec::as_slice) {
                let e = &r.entries[i];
                if used[i] || !at_listener(e, at) {
                    continue;
                }
                used[i] = true;
                let clients = client_at.get_or_insert_with(|| {
                    r.lab
                        .iter()
                        .filter(|s| s.role == Role::Client)
                        .filter_map(|s| s.meta.local.map(|a| (a, s.name)))
                        .collect()
                });
                waiting.push(waiting_view(e, s.name, clients.get(&e.peer).copied()));
            }
            if let (Some(set), None) = (
                r.system.tcp_synack_retries,
                s.meta.defer_accept.filter(|d| d.1 > 0),
            ) {
                half_open_left(&mut waiting, set, view.accept_queue_max().unwrap_or(0));
            }
            // The dump comes in hash order; a class reads C1 C2 C3.
            waiting.sort_by_key(|w| {
                (
                    w.role != ViewRole::Queued,
                    w.pair.map_or(u64::MAX, |p| u64::from(p.number)),
                    w.peer,
                )
            });
            let syn = waiting
                .iter()
                .filter(|w| w.role == ViewRole::SynRecv)
                .count();
            view.set_syn_recv(Some(syn as u32));
            view.set_syn_queue(
                view.accept_queue_max()
                    .map(|max| syn_queue(max, s.meta.defer_accept, &r.system)),
            );
        }
        sockets.push(view);
        sockets.extend(waiting);
    }
    notes::annotate(
        &mut sockets,
        &r.system,
        &r.counters,
        &mut phrases,
        &|pair| by_pair.get(&pair).map(|i| r.entries[*i].state),
    );
    Snapshot {
        t: r.t,
        sockets,
        system: r.system,
        counters: r.counters,
        counters_scope: r.scope,
        watch: None,
        link: None,
    }
}

/// A listener's SYN queue: how many SYN-RECV entries the kernel keeps and
/// what a SYN past them meets (`tcp_conn_request` in net/ipv4/tcp_input.c).
pub(super) fn syn_queue(max: u32, defer: Option<(u64, u32)>, system: &System) -> SynQueue {
    // Full when more than the backlog wait: it holds backlog + 1.
    let by_backlog = max.saturating_add(1);
    let (limit, past) = match system.tcp_syncookies {
        Some(0) => {
            // Without cookies the last quarter of tcp_max_syn_backlog is
            // kept for peers proven alive: others are dropped from
            // max − max/4 + 1 entries on.
            let msb = system.tcp_max_syn_backlog.unwrap_or(u64::MAX);
            let by_msb = msb - msb / 4 + 1;
            let limit = u64::from(by_backlog).min(by_msb);
            (u32::try_from(limit).unwrap_or(u32::MAX), PastLimit::Drop)
        }
        Some(2) => (0, PastLimit::CookiesAlways),
        _ => (by_backlog, PastLimit::Cookies),
    };
    SynQueue {
        syn_queue_limit: limit,
        syn_queue_past_limit: past,
        defer_accept: defer.map(|d| d.1).filter(|s| *s > 0),
    }
}

pub(super) fn waiting_view(
    e: &DiagEntry,
    listener: SockName,
    client: Option<SockName>,
) -> SockView {
    let syn = e.state == TcpState::SynReceived;
    let role = if syn {
        ViewRole::SynRecv
    } else {
        ViewRole::Queued
    };
    let mut v = SockView {
        local: Some(e.local),
        peer: Some(e.peer),
        pair: client,
        listener: Some(listener),
        ..SockView::bare(role, e.state)
    };
    v.set_tcp(if syn {
        None
    } else {
        e.info.as_deref().copied()
    });
    v.set_recvq((!syn).then(|| recvq(e)));
    v.set_sendq((!syn).then_some(e.wqueue));
    v.set_rcvbuf(e.bufs.map(|b| b.0));
    v.set_sndbuf(e.bufs.map(|b| b.1));
    v.set_rcv_mem(e.mem.map(|m| m.0));
    v.set_snd_mem(e.mem.map(|m| m.1));
    v.set_half_open(syn.then(|| HalfOpen {
        synack_retrans: u32::from(e.retrans),
        expires_ms: e.expires_ms,
        syn: crate::lab::syn::number(e.peer),
        left_ms: None,
        left_crowded_ms: None,
    }));
    v
}

/// The view of a socket known only from the dump (a watched one): what
/// the kernel says of it, nothing of the lab's.
pub(super) fn entry_view(e: &DiagEntry, role: ViewRole) -> SockView {
    let mut v = waiting_view(e, SockName::new(Role::Watched, 0), None);
    v.listener = None;
    v.set_half_open(None);
    v.role = role;
    v.set_tcp(e.info.as_deref().copied());
    v.set_notsent(e.info.as_ref().and_then(|i| i.notsent));
    if e.udp {
        if e.state == TcpState::Closed {
            v.state = TcpState::Unconnected;
        }
        v.set_recvq(Some(e.rqueue));
        v.set_sendq(Some(e.wqueue));
        v.set_drops(e.drops);
        v.set_tcp(None);
        v.set_notsent(None);
    } else {
        v.set_recvq(Some(recvq(e)));
        v.set_sendq(Some(e.wqueue));
    }
    if e.peer.ip().is_unspecified() && e.peer.port() == 0 {
        v.peer = None;
    }
    v.time_wait_ms = (e.state == TcpState::TimeWait).then_some(e.expires_ms);
    v
}

#[cfg(test)]
mod tests;
