//! The wire pane's state (`w`): the capture the TUI runs, whether the pane
//! is shown, how far it is scrolled, and the instant a freeze holds it at.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::lab::{Lab, SockName};
use crate::wire::fold::{Row, fold};
use crate::wire::{Segment, Wire, WireOptions};

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
    /// Ladder lines scrolled up by (0: follow the newest).
    pub scroll: usize,
    /// Frozen (`p`): the lab time the pane stands still at.
    pub frozen_at: Option<Duration>,
    /// Segments counted at the last look, to redraw when more came.
    seen: u64,
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
    pub fn start(lab: &Lab, pcap: Option<PathBuf>) -> WirePane {
        let mut pane = WirePane::default();
        match Wire::start(lab.observer(), &WireOptions { pcap }) {
            Ok(w) => {
                let w = Arc::new(w);
                lab.on_register(w.watcher());
                pane.wire = Some(w);
            }
            Err(e) => pane.off = Some(e.to_string()),
        }
        if crate::lab::netns::is_own() {
            let mtu = crate::wire::loopback::mtu().unwrap_or(0);
            pane.note = Some(if mtu == crate::wire::loopback::MTU {
                format!("own lo: MTU {mtu}, no TSO/GSO")
            } else {
                format!("own lo: MTU {mtu}")
            });
        }
        pane
    }

    /// Shows or hides the pane.
    pub fn toggle(&mut self) {
        self.shown = !self.shown;
        self.scroll = 0;
    }

    /// Scrolls the ladder by `lines` (up is positive).
    pub fn scroll_by(&mut self, lines: isize) {
        self.scroll = self.scroll.saturating_add_signed(lines);
    }

    /// Whether segments came since the last call (the pane needs a redraw).
    pub fn changed(&mut self) -> bool {
        let Some(w) = &self.wire else { return false };
        let n = w.stats().segments;
        let changed = n != self.seen;
        self.seen = n;
        changed && self.shown && self.frozen_at.is_none()
    }

    /// The newest segments (at most [`LADDER_MAX`]) of the connections
    /// `sel` is an end of (all connections when nothing is selected), up
    /// to the freeze, folded for the ladder.
    pub fn ladder(&self, sel: Option<SockName>) -> Ladder {
        let Some(w) = &self.wire else {
            return Ladder {
                segments: Vec::new(),
                rows: Vec::new(),
            };
        };
        let until = self.frozen_at;
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
                        if (s.from == Some(n) || s.to == Some(n)) && !conns.contains(&s.conn) {
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
