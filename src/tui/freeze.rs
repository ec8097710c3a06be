//! The freeze (`p`): what the lab and the sampler report while the picture
//! stands still, held in bounded queues and applied on thaw.
//!
//! However chatty a peer is, the freeze holds at most [`HELD_RESULTS`]
//! results and [`HELD_SNAPSHOTS`] kernel views; past that the oldest go
//! (in O(1)) and are counted, so the screen can say what it did not keep.

use std::collections::VecDeque;

use crate::kernel::Snapshot;
use crate::lab::LabEvent;

/// The most lab events held while frozen: as many as the results log keeps,
/// since older ones would fall off it on thaw anyway.
pub const HELD_RESULTS: usize = super::log::LOG_LIMIT;

/// The most kernel views held while frozen. Only the newest is shown on
/// thaw; the others feed the sparklines, which show a few seconds.
pub const HELD_SNAPSHOTS: usize = 16;

/// What arrived while frozen.
#[derive(Debug, Default)]
pub struct Frozen {
    events: VecDeque<LabEvent>,
    snapshots: VecDeque<std::sync::Arc<Snapshot>>,
    /// Lab events that did not fit, oldest first.
    pub dropped_events: u64,
    /// Kernel views that did not fit.
    pub dropped_snapshots: u64,
}

impl Frozen {
    /// Holds a lab event; returns the oldest one if it had to make room.
    pub fn hold_event(&mut self, event: LabEvent) -> Option<LabEvent> {
        let evicted = if self.events.len() >= HELD_RESULTS {
            self.dropped_events += 1;
            self.events.pop_front()
        } else {
            None
        };
        self.events.push_back(event);
        evicted
    }

    /// Holds a kernel view, dropping the oldest past the bound.
    pub fn hold_snapshot(&mut self, snap: std::sync::Arc<Snapshot>) {
        if self.snapshots.len() >= HELD_SNAPSHOTS {
            self.snapshots.pop_front();
            self.dropped_snapshots += 1;
        }
        self.snapshots.push_back(snap);
    }

    /// How many lab events and kernel views are held now.
    pub fn held(&self) -> (usize, usize) {
        (self.events.len(), self.snapshots.len())
    }

    /// Everything held, lab events first, each in the order it came.
    pub fn into_parts(self) -> (VecDeque<LabEvent>, VecDeque<std::sync::Arc<Snapshot>>) {
        (self.events, self.snapshots)
    }

    /// One line for the screen: what is held and what was let go.
    pub fn summary(&self) -> String {
        let (events, snaps) = self.held();
        let mut s = format!("{events} results held");
        if self.dropped_events > 0 {
            s.push_str(&format!(", {} older ones dropped", self.dropped_events));
        }
        if snaps > 0 || self.dropped_snapshots > 0 {
            s.push_str(&format!(
                " · {} kernel views",
                snaps as u64 + self.dropped_snapshots
            ));
        }
        s
    }
}
