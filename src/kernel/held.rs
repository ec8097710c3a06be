//! What a socket of the kernel view keeps apart from its own fields:
//! what many sockets of a view hold alike, kept once and shared
//! ([`Held`]), and what few have, boxed ([`Rare`]); each read and set
//! through [`SockView`]'s methods of the same name.

use std::sync::Arc;
use std::time::Duration;

use super::snapshot::{HalfOpen, SockView, SynQueue, TcpOptions, TcpView};
use crate::lab::{Ended, TimeoutMode};

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
    ended: Option<Ended>,
    syns_unanswered: Option<u32>,
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
    ended: None,
    syns_unanswered: None,
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
    /// Lab sockets: how the connection ended, as the lab saw it (this
    /// side's close or shutdown, or an error a call reported).
    ended, set_ended: Ended;
    /// Lab clients whose handshake the kernel gave up, nothing having
    /// answered it: the SYNs they sent.
    syns_unanswered, set_syns_unanswered: u32;
}

impl SockView {
    /// A SYN-RECV entry's timer, to change in place.
    pub fn half_open_mut(&mut self) -> Option<&mut HalfOpen> {
        self.rare.0.as_deref_mut()?.half_open.as_mut()
    }
}
