//! The kernel view: one whole picture of every lab socket, as `show` prints
//! it and the JSON `snapshot` record carries it (docs/reference.md).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

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

/// The queues, buffers, bytes moved, TCP_INFO, TCP options and time-outs
/// of a socket of the view, shared by every socket of the view that holds
/// the same: twenty thousand clients waiting for a SYN-ACK hold a few
/// hundred different ones, and each would carry 252 bytes of them in each
/// of the two views alive at once. Equal when both hold the same, shared
/// or not.
#[derive(Debug, Clone, Default)]
pub struct Held(Option<Arc<HeldFields>>);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) struct HeldFields {
    pub(crate) recvq: Option<u32>,
    pub(crate) sendq: Option<u32>,
    pub(crate) notsent: Option<u32>,
    pub(crate) rcvbuf: Option<u32>,
    pub(crate) sndbuf: Option<u32>,
    pub(crate) rcv_mem: Option<u32>,
    pub(crate) snd_mem: Option<u32>,
    pub(crate) bytes_sent: Option<u64>,
    pub(crate) bytes_received: Option<u64>,
    tcp: Option<TcpView>,
    options: Option<TcpOptions>,
    timeout: Option<TimeoutMode>,
    rcvtimeo: Option<Duration>,
    sndtimeo: Option<Duration>,
}

const NOTHING_HELD: HeldFields = HeldFields {
    recvq: None,
    sendq: None,
    notsent: None,
    rcvbuf: None,
    sndbuf: None,
    rcv_mem: None,
    snd_mem: None,
    bytes_sent: None,
    bytes_received: None,
    tcp: None,
    options: None,
    timeout: None,
    rcvtimeo: None,
    sndtimeo: None,
};

impl Held {
    fn get(&self) -> &HeldFields {
        self.0.as_deref().unwrap_or(&NOTHING_HELD)
    }

    /// These fields, shared with the sockets of the view that hold the
    /// same (`phrases` keeps one copy of each per view).
    pub(crate) fn of(fields: HeldFields, phrases: &mut super::phrases::Phrases) -> Held {
        if fields == NOTHING_HELD {
            return Held(None);
        }
        Held(Some(phrases.held(fields)))
    }
}

#[cfg(test)]
impl Held {
    /// Whether both are the same shared copy (not merely equal).
    pub(crate) fn shared_with(&self, other: &Held) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

/// A shared field's reader and setter: setting one makes the socket's
/// own copy; setting `None` where none was set makes none.
macro_rules! held_fields {
    ($($(#[$doc:meta])* $name:ident, $set:ident: $t:ty;)*) => {
        impl SockView {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> Option<$t> {
                    self.held.get().$name
                }

                #[doc = concat!("Sets [`SockView::", stringify!($name), "`].")]
                pub fn $set(&mut self, value: Option<$t>) {
                    if value.is_some() || self.held.0.is_some() {
                        let held = self.held.0.get_or_insert_with(Default::default);
                        Arc::make_mut(held).$name = value;
                    }
                }
            )*
        }
    };
}

held_fields! {
    /// Bytes received, not yet read by the application (FIONREAD).
    recvq, set_recvq: u32;
    /// Bytes sent by the application, not yet acknowledged (TIOCOUTQ).
    sendq, set_sendq: u32;
    /// Of `sendq`, bytes not yet sent at all (SIOCOUTQNSD).
    notsent, set_notsent: u32;
    /// Effective receive buffer (SO_RCVBUF).
    rcvbuf, set_rcvbuf: u32;
    /// Effective send buffer (SO_SNDBUF).
    sndbuf, set_sndbuf: u32;
    /// Memory charged to the receive buffer now (`rmem_alloc`): full at `rcvbuf`.
    rcv_mem, set_rcv_mem: u32;
    /// Memory charged to the send buffer now (`wmem_queued`): full at `sndbuf`.
    snd_mem, set_snd_mem: u32;
    /// Bytes the application sent.
    bytes_sent, set_bytes_sent: u64;
    /// Bytes the application received.
    bytes_received, set_bytes_received: u64;
    /// TCP_INFO figures.
    tcp, set_tcp: TcpView;
    /// TCP sockets the lab holds open: Nagle, cork, keepalive and
    /// TCP_USER_TIMEOUT as the kernel holds them.
    options, set_options: TcpOptions;
    /// Timeout mode, read back from the socket.
    timeout, set_timeout: TimeoutMode;
    /// SO_RCVTIMEO as the kernel holds it (`"252ms"`, or `"off"`).
    rcvtimeo, set_rcvtimeo: Duration;
    /// SO_SNDTIMEO as the kernel holds it (`"252ms"`, or `"off"`).
    sndtimeo, set_sndtimeo: Duration;
}

impl HeldFields {
    /// A lab socket's, before TCP_INFO is read.
    pub(crate) fn new(
        options: Option<TcpOptions>,
        timeout: Option<TimeoutMode>,
        rcvtimeo: Option<Duration>,
        sndtimeo: Option<Duration>,
    ) -> HeldFields {
        HeldFields {
            options,
            timeout,
            rcvtimeo,
            sndtimeo,
            ..NOTHING_HELD
        }
    }

    /// With TCP_INFO.
    pub(crate) fn with_tcp(self, tcp: Option<TcpView>) -> HeldFields {
        HeldFields { tcp, ..self }
    }
}

/// The fields of a view that few sockets have, kept apart: twenty
/// thousand clients waiting for a SYN-ACK would each carry 112 bytes of
/// them, in each of the two views alive at once. Equal when both hold
/// the same fields, kept apart or not.
#[derive(Debug, Clone, Default)]
pub struct Rare(Option<Box<RareFields>>);

#[derive(Debug, Clone, Default, PartialEq)]
struct RareFields {
    accept_queue: Option<u32>,
    accept_queue_max: Option<u32>,
    backlog: Option<i32>,
    syn_recv: Option<u32>,
    rcvbuf_asked: Option<u64>,
    sndbuf_asked: Option<u64>,
    drops: Option<u32>,
    syn_queue: Option<SynQueue>,
    half_open: Option<HalfOpen>,
}

const NO_RARE: RareFields = RareFields {
    accept_queue: None,
    accept_queue_max: None,
    backlog: None,
    syn_recv: None,
    syn_queue: None,
    half_open: None,
    drops: None,
    rcvbuf_asked: None,
    sndbuf_asked: None,
};

impl Rare {
    fn get(&self) -> &RareFields {
        self.0.as_deref().unwrap_or(&NO_RARE)
    }

    /// The fields to set, made apart at the first one set.
    fn get_mut(&mut self) -> &mut RareFields {
        self.0.get_or_insert_with(Default::default)
    }
}

impl PartialEq for Rare {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

/// A rare field's reader and setter: setting `None` where none was set
/// makes no room for the others.
macro_rules! rare_fields {
    ($($(#[$doc:meta])* $name:ident, $set:ident: $t:ty;)*) => {
        impl SockView {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> Option<$t> {
                    self.rare.get().$name
                }

                #[doc = concat!("Sets [`SockView::", stringify!($name), "`].")]
                pub fn $set(&mut self, value: Option<$t>) {
                    if value.is_some() || self.rare.0.is_some() {
                        self.rare.get_mut().$name = value;
                    }
                }
            )*
        }
    };
}

rare_fields! {
    /// Listeners: connections waiting to be accepted.
    accept_queue, set_accept_queue: u32;
    /// Listeners: the effective backlog (the queue is full above it).
    accept_queue_max, set_accept_queue_max: u32;
    /// Listeners: the backlog passed to `listen()`.
    backlog, set_backlog: i32;
    /// Listeners: SYN-RECV entries held.
    syn_recv, set_syn_recv: u32;
    /// Receive buffer asked for.
    rcvbuf_asked, set_rcvbuf_asked: u64;
    /// Send buffer asked for.
    sndbuf_asked, set_sndbuf_asked: u64;
    /// UDP: datagrams dropped because the receive buffer was full (SK_MEMINFO_DROPS).
    drops, set_drops: u32;
    /// Listeners: the SYN queue's limit and what happens past it.
    syn_queue, set_syn_queue: SynQueue;
    /// SYN-RECV entries: the SYN-ACK's retransmits and timer.
    half_open, set_half_open: HalfOpen;
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
            reuseaddr: None,
            time_wait_ms: None,
            owner: None,
            rare: Rare::default(),
            held: Held::default(),
        }
    }

    /// A SYN-RECV entry's timer, to change in place.
    pub fn half_open_mut(&mut self) -> Option<&mut HalfOpen> {
        self.rare.0.as_deref_mut()?.half_open.as_mut()
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
            half_open: self.half_open(),
            options: self.options(),
            reuseaddr: self.reuseaddr,
            time_wait_ms: self.time_wait_ms,
            owner: self.owner.as_ref(),
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
