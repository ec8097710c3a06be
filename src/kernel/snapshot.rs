//! The kernel view: one whole picture of every lab socket, as `show` prints
//! it and the JSON `snapshot` record carries it (docs/reference.md).

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;

pub(crate) use super::held::HeldFields;
pub use super::held::{Held, Rare};
pub use super::phrases::{Phrase, PhraseList};
use super::proc::{Counters, System};
use super::state::TcpState;
use crate::lab::{SockName, TimeoutMode};

/// What a socket of the view is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViewRole {
    /// A lab listener.
    Listener,
    /// A lab client.
    Client,
    /// A lab socket returned by `accept()`.
    Accepted,
    /// A connection waiting in a lab listener's accept queue.
    Queued,
    /// A half-open connection a lab listener holds (SYN received).
    SynRecv,
    /// A lab UDP socket.
    Udp,
}

impl ViewRole {
    /// The word of the JSON contract.
    pub fn word(self) -> &'static str {
        match self {
            ViewRole::Listener => "listener",
            ViewRole::Client => "client",
            ViewRole::Accepted => "accepted",
            ViewRole::Queued => "queued",
            ViewRole::SynRecv => "syn-recv",
            ViewRole::Udp => "udp",
        }
    }
}

/// TCP_INFO figures of a connection: the same as what TCP_INFO holds.
pub type TcpView = super::tcp_info::TcpInfo;

/// One socket of the view: a lab socket, or a kernel entry a lab listener holds.
#[derive(Debug, Clone, PartialEq)]
pub struct SockView {
    /// The lab name; `None` for a queued or SYN-RECV entry.
    pub id: Option<SockName>,
    /// What it is.
    pub role: ViewRole,
    /// TCP state.
    pub state: TcpState,
    /// Local address.
    pub local: Option<SocketAddr>,
    /// Peer address.
    pub peer: Option<SocketAddr>,
    /// The application closed it; the kernel still holds it.
    pub closed: bool,
    /// The other end, when it is a lab socket (`A1 ⇄ C3`; a queued entry's client).
    pub pair: Option<SockName>,
    /// The listener an accepted, queued or SYN-RECV socket came through.
    pub listener: Option<SockName>,
    /// Calls in flight (`send(1048576) 1.2 s`).
    pub in_flight: PhraseList,
    /// Where the kernel surprises: short explanations of this socket's figures.
    pub notes: PhraseList,
    /// SYN-SENT clients: when the kernel sends the SYN again, in ms
    /// (sock_diag's `idiag_expires`).
    pub next_syn_ms: Option<u32>,
    /// A connection resending into silence (its retransmission timer has
    /// backed off): when the kernel sends again, in ms (`idiag_expires`).
    pub next_resend_ms: Option<u32>,
    /// SO_REUSEADDR as the kernel holds it (kept by a closed socket's
    /// TIME-WAIT entry); absent for entries that are not lab sockets.
    pub reuseaddr: Option<bool>,
    /// TIME-WAIT: how long, in ms, before the kernel lets the entry go.
    pub time_wait_ms: Option<u32>,
    /// A watched socket's process (`watch`); `None` for the lab's own, and
    /// for a connection no process holds any more (TIME-WAIT).
    pub owner: Option<super::watch::owners::Owner>,
    /// What few sockets of a view have: a listener's queues, a SYN-RECV
    /// entry's timer, the buffer sizes asked for, UDP drops (read and set
    /// with [`SockView::accept_queue`], [`SockView::set_accept_queue`] and
    /// the like).
    pub rare: Rare,
    /// What many sockets of a view hold alike: the queues, the buffers and
    /// their memory, the bytes moved, TCP_INFO, the TCP options and the
    /// time-outs (read and set with [`SockView::recvq`],
    /// [`SockView::set_recvq`], [`SockView::tcp`] and the like).
    pub held: Held,
}

impl SockView {
    /// A socket in `state` known by nothing else yet: no name, addresses,
    /// queues, buffers or figures; each builder fills in what it reads.
    pub fn bare(role: ViewRole, state: TcpState) -> SockView {
        SockView {
            id: None,
            role,
            state,
            local: None,
            peer: None,
            closed: false,
            pair: None,
            listener: None,
            in_flight: PhraseList::default(),
            notes: PhraseList::default(),
            next_syn_ms: None,
            next_resend_ms: None,
            reuseaddr: None,
            time_wait_ms: None,
            owner: None,
            rare: Rare::default(),
            held: Held::default(),
        }
    }
}

/// A view as the JSON `snapshot` record carries it: every field in its
/// place, the rare ones among them.
#[derive(Serialize)]
struct ViewJson<'a> {
    id: Option<SockName>,
    role: ViewRole,
    state: TcpState,
    local: Option<SocketAddr>,
    peer: Option<SocketAddr>,
    closed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pair: Option<SockName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    listener: Option<SockName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    accept_queue: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    accept_queue_max: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    backlog: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    syn_recv: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recvq: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sendq: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notsent: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rcvbuf: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sndbuf: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rcv_mem: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snd_mem: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rcvbuf_asked: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sndbuf_asked: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "mode")]
    timeout: Option<TimeoutMode>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "kernel_timeout"
    )]
    rcvtimeo: Option<Duration>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "kernel_timeout"
    )]
    sndtimeo: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes_sent: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes_received: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcp: Option<TcpView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    drops: Option<u32>,
    #[serde(skip_serializing_if = "said_nothing")]
    in_flight: &'a [Phrase],
    #[serde(skip_serializing_if = "said_nothing")]
    notes: &'a [Phrase],
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    syn_queue: Option<SynQueue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_syn_ms: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_resend_ms: Option<u32>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    half_open: Option<HalfOpen>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    options: Option<TcpOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reuseaddr: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_wait_ms: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a super::watch::owners::Owner>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ended: Option<crate::lab::Ended>,
    #[serde(skip_serializing_if = "Option::is_none")]
    syns_unanswered: Option<u32>,
}

fn said_nothing(p: &&[Phrase]) -> bool {
    p.is_empty()
}

impl Serialize for SockView {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ViewJson {
            id: self.id,
            role: self.role,
            state: self.state,
            local: self.local,
            peer: self.peer,
            closed: self.closed,
            pair: self.pair,
            listener: self.listener,
            accept_queue: self.accept_queue(),
            accept_queue_max: self.accept_queue_max(),
            backlog: self.backlog(),
            syn_recv: self.syn_recv(),
            recvq: self.recvq(),
            sendq: self.sendq(),
            notsent: self.notsent(),
            rcvbuf: self.rcvbuf(),
            sndbuf: self.sndbuf(),
            rcv_mem: self.rcv_mem(),
            snd_mem: self.snd_mem(),
            rcvbuf_asked: self.rcvbuf_asked(),
            sndbuf_asked: self.sndbuf_asked(),
            timeout: self.timeout(),
            rcvtimeo: self.rcvtimeo(),
            sndtimeo: self.sndtimeo(),
            bytes_sent: self.bytes_sent(),
            bytes_received: self.bytes_received(),
            tcp: self.tcp(),
            drops: self.drops(),
            in_flight: &self.in_flight,
            notes: &self.notes,
            syn_queue: self.syn_queue(),
            next_syn_ms: self.next_syn_ms,
            next_resend_ms: self.next_resend_ms,
            half_open: self.half_open(),
            options: self.options(),
            reuseaddr: self.reuseaddr,
            time_wait_ms: self.time_wait_ms,
            owner: self.owner.as_ref(),
            ended: self.ended(),
            syns_unanswered: self.syns_unanswered(),
        }
        .serialize(s)
    }
}

/// A TCP socket's options that decide when segments go out and how a dead
/// peer is found, read back with getsockopt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct TcpOptions {
    /// TCP_NODELAY: Nagle's algorithm off.
    pub nodelay: bool,
    /// TCP_CORK.
    pub cork: bool,
    /// SO_KEEPALIVE.
    pub keepalive: bool,
    /// TCP_KEEPIDLE, seconds (unset: `tcp_keepalive_time`).
    pub keepidle: u64,
    /// TCP_KEEPINTVL, seconds (unset: `tcp_keepalive_intvl`).
    pub keepintvl: u64,
    /// TCP_KEEPCNT (unset: `tcp_keepalive_probes`).
    pub keepcnt: u32,
    /// TCP_USER_TIMEOUT (`"3s"`, or `"off"`).
    #[serde(serialize_with = "kernel_timeout_plain")]
    pub user_timeout: Duration,
}

impl From<crate::lab::TcpOpts> for TcpOptions {
    fn from(o: crate::lab::TcpOpts) -> Self {
        TcpOptions {
            nodelay: o.nodelay,
            cork: o.cork,
            keepalive: o.keepalive,
            keepidle: o.keepidle.as_secs(),
            keepintvl: o.keepintvl.as_secs(),
            keepcnt: o.keepcnt,
            user_timeout: o.user_timeout.unwrap_or_default(),
        }
    }
}

fn kernel_timeout_plain<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&kernel_timeout_text(*d))
}

/// What the kernel does with a SYN that finds the SYN queue full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PastLimit {
    /// `tcp_syncookies=1`: answer with a SYN cookie, keep no entry.
    Cookies,
    /// `tcp_syncookies=0`: drop the SYN (TCPReqQFullDrop, ListenDrops).
    Drop,
    /// `tcp_syncookies=2`: every SYN gets a cookie; the queue is never used.
    CookiesAlways,
}

impl PastLimit {
    /// The word of the JSON contract and of `expect`.
    pub fn word(self) -> &'static str {
        match self {
            PastLimit::Cookies => "cookies",
            PastLimit::Drop => "drop",
            PastLimit::CookiesAlways => "cookies-always",
        }
    }
}

/// A listener's SYN queue (its SYN-RECV entries are counted in `syn_recv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SynQueue {
    /// The most SYN-RECV entries the kernel keeps for this listener now:
    /// the backlog + 1, and with cookies off also
    /// `tcp_max_syn_backlog − tcp_max_syn_backlog/4 + 1`, whichever is less.
    pub syn_queue_limit: u32,
    /// What a SYN past the limit meets.
    pub syn_queue_past_limit: PastLimit,
    /// TCP_DEFER_ACCEPT as the kernel holds it, in seconds; absent when off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defer_accept: Option<u32>,
}

/// A SYN-RECV entry's timer (sock_diag's `idiag_retrans`, `idiag_expires`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HalfOpen {
    /// How many times the SYN-ACK was sent again.
    pub synack_retrans: u32,
    /// When the timer fires next (the next SYN-ACK, or the end), in ms.
    pub expires_ms: u32,
    /// The number of the bare SYN that made it, when `syn` sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syn: Option<u32>,
    /// At most how long, in ms, before the kernel lets the entry go if no
    /// ACK comes: the timer now, then a resend each 2, 4, 8… s (at most
    /// 120) until `tcp_synack_retries`. A crowded queue lets it go sooner
    /// ([`HalfOpen::left_crowded_ms`]), never later. Absent under
    /// TCP_DEFER_ACCEPT, which keeps its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_ms: Option<u64>,
    /// While the SYN queue is crowded (more than half of the larger of 8
    /// and the backlog, few of its entries young), how long, in ms, before
    /// the kernel lets the entry go if the queue stays as crowded as now:
    /// each time a timer fires the kernel cuts the resends by the queue as
    /// it stands then ([`HalfOpen::retries_now`]), so an entry outlives
    /// this once the queue thins, and goes sooner if it grows more
    /// crowded. Absent when nothing is cut now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_crowded_ms: Option<u64>,
}

impl HalfOpen {
    /// The SYN-ACK resends the kernel allows when an entry's timer fires
    /// with `qlen` entries in the SYN queue, `young` of them never resent,
    /// under a listen backlog of `backlog` and `tcp_synack_retries` = `set`:
    /// past half of the larger of 8 and the backlog, it takes one resend
    /// off for each doubling of the young entries the queue outnumbers,
    /// down to 2 ("reserve half of room for young embrions; and abort old
    /// ones without pity", `reqsk_timer_handler`).
    pub fn retries_now(set: u64, qlen: usize, young: usize, backlog: u32) -> u64 {
        let qlen = qlen as u64;
        let mut retries = set;
        if qlen << 1 > u64::from(backlog.max(8)) {
            let mut young = (young as u64) << 1;
            while retries > 2 && qlen >= young {
                retries -= 1;
                young = young.saturating_mul(2);
            }
        }
        retries
    }

    /// [`HalfOpen::left_ms`] for an entry resent `retrans` times whose
    /// timer fires in `expires_ms`, under `tcp_synack_retries`.
    pub fn left(retrans: u32, expires_ms: u32, synack_retries: u64) -> u64 {
        let resends = (u64::from(retrans) + 1)..=synack_retries;
        u64::from(expires_ms)
            + resends
                .map(|k| (1000u64 << k.min(20)).min(120_000))
                .sum::<u64>()
    }
}

/// Whether the counters count this lab alone or the whole system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CounterScope {
    /// The lab shares its network namespace: other programs count too.
    SystemWide,
    /// The lab runs in a network namespace of its own.
    ThisLab,
}

/// The whole kernel view at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// When it was taken, since the lab started.
    #[serde(serialize_with = "secs")]
    pub t: Duration,
    /// Lab sockets the kernel holds, and the entries their listeners hold.
    pub sockets: Vec<SockView>,
    /// System settings.
    pub system: System,
    /// The TcpExt counters of both queues, since the lab started.
    pub counters: Counters,
    /// Whom the counters count.
    pub counters_scope: CounterScope,
    /// What a watch of another process's sockets says (`watch`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watch: Option<super::watch::status::WatchStatus>,
    /// The lab's own link between its client side and its server side,
    /// when it is on one (`link`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<crate::lab::sides::LinkView>,
}

fn mode<S: serde::Serializer>(m: &Option<TimeoutMode>, s: S) -> Result<S::Ok, S::Error> {
    match m {
        Some(m) => s.collect_str(m),
        None => s.serialize_none(),
    }
}

/// A round trip (TCP_INFO's rtt, in µs) as the screen writes it: whole
/// milliseconds from 10 ms on (`101ms`), else tenths (`0.3ms`).
pub fn rtt_text(us: u32) -> String {
    if us >= 10_000 {
        format!("{}ms", (us + 500) / 1000)
    } else {
        format!("{:.1}ms", f64::from(us) / 1000.0)
    }
}

/// A kernel time-out as the command language writes it: `500ms`, or `off`.
pub fn kernel_timeout_text(d: Duration) -> String {
    if d.is_zero() {
        "off".into()
    } else {
        crate::lab::command::format_duration(d)
    }
}

fn kernel_timeout<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.collect_str(&kernel_timeout_text(*d)),
        None => s.serialize_none(),
    }
}

fn secs<S: serde::Serializer>(t: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((t.as_secs_f64() * 1e6).round() / 1e6)
}

impl Snapshot {
    /// The view of a lab socket, by name.
    pub fn socket(&self, name: SockName) -> Option<&SockView> {
        self.sockets.iter().find(|s| s.id == Some(name))
    }

    /// The entries waiting in (or half-open at) a listener.
    pub fn waiting(&self, listener: SockName) -> impl Iterator<Item = &SockView> {
        self.sockets.iter().filter(move |s| {
            s.listener == Some(listener) && matches!(s.role, ViewRole::Queued | ViewRole::SynRecv)
        })
    }
}
