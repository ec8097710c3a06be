//! The lab's own link, as the wire sees it: the link's thread hands over
//! every packet when it enters a way, when it arrives on the other side,
//! and when it is dropped (by the loss, by a full queue, by a pulled
//! cable). The wire reads them here: no capture socket sees a packet
//! that the link holds, and none could tell a dropped one from a late one.
//!
//! The link pushes only while a wire listens ([`snaplen`] says how much
//! of each packet to copy); what the wire has not read yet is bounded, and
//! what would pass the bound is counted as the capture's drops.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

/// Why the link did not deliver a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkDrop {
    /// The loss picked it.
    Loss,
    /// The queue at the way's entry was full.
    Queue,
    /// The cable was pulled (`link down`): at the entry, or on the link.
    Down,
}

impl LinkDrop {
    /// The word shown, and the JSON `dropped` field.
    pub fn word(self) -> &'static str {
        match self {
            LinkDrop::Loss => "loss",
            LinkDrop::Queue => "queue",
            LinkDrop::Down => "down",
        }
    }
}

/// What happened to a packet at the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// It entered its way (it arrives after the queue, the rate, the delay).
    Entered,
    /// It arrived and was handed to the other side.
    Arrived,
    /// It was dropped at the entry: it never entered.
    Dropped(LinkDrop),
    /// It was on the link when the cable was pulled, and is lost.
    Lost,
}

/// One packet seen at the link.
#[derive(Debug, Clone)]
pub struct LinkPacket {
    /// The packet's number on the link: its entry, arrival or drop share it.
    pub id: u64,
    /// From the client side to the server side (else back).
    pub to_server: bool,
    /// When it happened.
    pub at: Instant,
    /// What happened.
    pub event: Event,
    /// The IP packet, cut to [`snaplen`].
    pub bytes: Vec<u8>,
    /// The packet's whole length.
    pub len: usize,
}

/// The most packets waiting for the wire to read them.
pub const MAX_WAITING: usize = 200_000;

struct Tap {
    /// Bytes of each packet to copy; 0: no wire listens.
    snaplen: AtomicU32,
    waiting: Mutex<VecDeque<LinkPacket>>,
    /// Packets the wire had no room for.
    lost: AtomicU64,
}

static TAP: Tap = Tap {
    snaplen: AtomicU32::new(0),
    waiting: Mutex::new(VecDeque::new()),
    lost: AtomicU64::new(0),
};

fn waiting() -> std::sync::MutexGuard<'static, VecDeque<LinkPacket>> {
    TAP.waiting.lock().unwrap_or_else(|p| p.into_inner())
}

/// How many bytes of each packet the wire wants, when a wire listens.
pub fn snaplen() -> Option<usize> {
    match TAP.snaplen.load(Ordering::Acquire) {
        0 => None,
        n => Some(n as usize),
    }
}

/// Hands the wire these packets (the link's thread, in the order seen);
/// empties `batch`. Nothing is kept while no wire listens.
pub fn push(batch: &mut Vec<LinkPacket>) {
    if batch.is_empty() {
        return;
    }
    if snaplen().is_none() {
        batch.clear();
        return;
    }
    let mut w = waiting();
    let room = MAX_WAITING.saturating_sub(w.len());
    if batch.len() > room {
        TAP.lost
            .fetch_add((batch.len() - room) as u64, Ordering::Relaxed);
        batch.truncate(room);
    }
    w.extend(batch.drain(..));
}

/// A wire listens from now on, wanting `snaplen` bytes of each packet.
pub(super) fn open(snaplen: u32) {
    TAP.snaplen.store(snaplen.max(1), Ordering::Release);
}

/// No wire listens any more: what waits is let go.
pub(super) fn close() {
    TAP.snaplen.store(0, Ordering::Release);
    waiting().clear();
}

/// Everything waiting, oldest first, into `out`; and how many packets
/// there was no room for since the last call.
pub(super) fn take(out: &mut Vec<LinkPacket>) -> u64 {
    out.extend(waiting().drain(..));
    TAP.lost.swap(0, Ordering::Relaxed)
}
