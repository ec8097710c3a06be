//! The wire pane's state (`w`): the capture the TUI runs, whether the pane
//! is shown, how far it is scrolled, and the instant a freeze holds it at.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use crate::lab::{Lab, SockName};
use crate::wire::fold::{Row, fold};
use crate::wire::{CaptureError, PcapTarget, Segment, Wire, WireOptions};

/// The most segments of one connection the ladder and the graph look at:
/// the newest ones.
pub const LADDER_MAX: usize = 2_000;

/// The wire as the TUI holds it.
#[derive(Default)]
pub struct WirePane {
    /// The capture, when it could start.
    pub wire: Option<Arc<Wire>>,
    /// Why it could not: one line saying what to do.
    pub off: Option<String>,
    /// What the lab did to its loopback, said on screen.
    pub note: Option<String>,
    /// The pane is shown (`w`).
    pub shown: bool,
    /// Ladder lines scrolled up by (0: follow the newest), within the ladder.
    pub scroll: super::scroll::Scroll,
    /// Frozen (`p`): the lab time the pane stands still at.
    pub frozen_at: Option<Duration>,
    /// Held by a lesson (`select S wire held`) at this lab time until its
    /// step ends: the segments its note cites stay in sight.
    pub held_at: Option<Duration>,
    /// Segments counted at the last look, to redraw when more came.
    seen: u64,
    /// The capture being opened on a thread of its own: the kernel takes
    /// some milliseconds to make its ring, and the first frame need not
    /// wait for them.
    opening: Option<Receiver<Result<Wire, CaptureError>>>,
    /// The pcap file asked for, until its failure has been told.
    pcap: Option<PcapTarget>,
}

/// The segments of the selected connection, and the ladder's rows for them.
pub struct Ladder {
    /// Oldest first.
    pub segments: Vec<Segment>,
    /// Lines: single segments and folded runs of data.
    pub rows: Vec<Row>,
}

impl WirePane {
    /// Starts capturing the lab's segments, writing them to `pcap` too.
    /// Where capture is not possible, the pane will say what to do.
    pub fn start(lab: &Lab, pcap: Option<PcapTarget>) -> WirePane {
        let mut pane = WirePane::with_note();
        pane.pcap = pcap.clone();
        pane.install(lab, Wire::start(lab.observer(), &WireOptions { pcap }));
        pane
    }

    /// Like [`WirePane::start`], but opens the capture on a thread of its
    /// own; [`WirePane::opened`] takes it when it is ready.
    pub fn start_in_background(lab: &Lab, pcap: Option<PcapTarget>) -> WirePane {
        let observer = lab.observer();
        let target = pcap.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("sockplay-wire-open".into())
            .spawn(move || {
                let _ = tx.send(Wire::start(observer, &WireOptions { pcap }));
            });
        let mut pane = WirePane::with_note();
        pane.pcap = target;
        match spawned {
            Ok(_) => pane.opening = Some(rx),
            Err(e) => pane.off = Some(format!("cannot start the capture: {e}")),
        }
        pane
    }

    /// Takes the capture being opened once it is ready, waiting at most
    /// `wait`; true when the pane changed. Sockets that joined the lab
    /// while it opened are let through its filter now.
    pub fn opened(&mut self, lab: &Lab, wait: Duration) -> bool {
        let Some(rx) = &self.opening else {
            return false;
        };
        let opened = match rx.recv_timeout(wait) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => return false,
            Err(RecvTimeoutError::Disconnected) => Err(CaptureError::Io(std::io::Error::other(
                "the capture's thread ended",
            ))),
        };
        self.opening = None;
        self.install(lab, opened);
        if let Some(w) = &self.wire {
            lab.observer()
                .each_end(|name, local, peer| w.watch(name, local, peer));
        }
        true
    }

    /// Why the pcap file asked for is not being written, once: when the
    /// capture could not start or a write failed (a full disk).
    pub fn pcap_failure(&mut self) -> Option<String> {
        if self.opening.is_some() {
            return None;
        }
        let target = self.pcap.as_ref()?;
        let why = match &self.off {
            Some(off) => format!("nothing is written: {off}"),
            None => format!("writing stopped: {}", target.fail_reason()?),
        };
        let said = format!("--pcap {}: {why}", target.path().display());
        self.pcap = None;
        Some(said)
    }

    /// Whether the capture is still being opened.
    pub fn opening(&self) -> bool {
        self.opening.is_some()
    }

    fn install(&mut self, lab: &Lab, opened: Result<Wire, CaptureError>) {
        match opened {
            Ok(w) => {
                let w = Arc::new(w);
                lab.on_register(w.watcher());
                self.wire = Some(w);
            }
            Err(e) => self.off = Some(e.to_string()),
        }
    }

    /// A pane with nothing captured yet, saying what a lab of its own did
    /// to its loopback.
    fn with_note() -> WirePane {
        let mut pane = WirePane::default();
        if crate::lab::netns::is_own() {
            let mtu = crate::wire::loopback::mtu().unwrap_or(0);
            pane.note = Some(if mtu == crate::wire::loopback::MTU {
                format!("own lo: MTU {mtu}, no bigger segments")
            } else {
                format!("own lo: MTU {mtu}")
            });
        }
        pane
    }

    /// Lets a watched listener's port through the capture's filter, so
    /// that its connections' segments are seen; false while the capture
    /// is not open (or cannot be).
    pub fn follow(&self, at: SocketAddr) -> bool {
        let Some(w) = &self.wire else { return false };
        w.watch(SockName::new(crate::lab::Role::Watched, 0), Some(at), None);
        true
    }

    /// Shows or hides the pane.
    pub fn toggle(&mut self) {
        self.shown = !self.shown;
        self.scroll.reset();
    }

    /// Shows the pane, following the newest segments.
    pub fn show(&mut self) {
        if !self.shown {
            self.toggle();
        }
    }

    /// The lab time the pane stands still at, frozen or held: the earlier.
    pub fn until(&self) -> Option<Duration> {
        match (self.frozen_at, self.held_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Scrolls the ladder by `lines` (up is positive).
    pub fn scroll_by(&mut self, lines: isize) {
        self.scroll.by(lines);
    }

    /// Whether segments came since the last call (the pane needs a redraw).
    pub fn changed(&mut self) -> bool {
        let Some(w) = &self.wire else { return false };
        let n = w.stats().segments;
        let changed = n != self.seen;
        self.seen = n;
        changed && self.shown && self.until().is_none()
    }

    /// The newest segments (at most [`LADDER_MAX`]) of the connections
    /// `sel` is an end of (all connections when nothing is selected), up
    /// to the freeze, folded for the ladder.
    pub fn ladder(&self, sel: Option<SockName>) -> Ladder {
        self.ladder_of(sel, None)
    }

    /// As [`WirePane::ladder`], knowing the addresses of `sel`'s connection
    /// too (its own, its peer's): an accepted socket's handshake was named
    /// for its listener (`C1 → L1`, or a peer outside the lab `:38644 →
    /// L1`), before the socket had a name, so its addresses find it.
    pub fn ladder_of(
        &self,
        sel: Option<SockName>,
        addrs: Option<(SocketAddr, SocketAddr)>,
    ) -> Ladder {
        let Some(w) = &self.wire else {
            return Ladder {
                segments: Vec::new(),
                rows: Vec::new(),
            };
        };
        let until = self.until();
        let mut segments = w.with_recent(|ring| {
            let mut conns: Vec<u32> = Vec::new();
            let mut picked = Vec::new();
            for s in ring.iter().rev() {
                if until.is_some_and(|u| s.t > u) {
                    continue;
                }
                let mine = match sel {
                    None => true,
                    Some(n) => {
                        let ends = |(a, b): (SocketAddr, SocketAddr)| {
                            (s.src(), s.dst()) == (a, b) || (s.src(), s.dst()) == (b, a)
                        };
                        let named = s.from == Some(n) || s.to == Some(n);
                        if (named || addrs.is_some_and(ends)) && !conns.contains(&s.conn) {
                            conns.push(s.conn);
                        }
                        conns.contains(&s.conn)
                    }
                };
                if mine {
                    picked.push(s.clone());
                    if picked.len() == LADDER_MAX {
                        break;
                    }
                }
            }
            picked
        });
        segments.reverse();
        let rows = fold(&segments);
        Ladder { segments, rows }
    }
}
