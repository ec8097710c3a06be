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

/// The most socket views in all the kernel views held, about 9 MiB: a
/// lab of a thousand sockets keeps all [`HELD_SNAPSHOTS`] of its views,
/// one of twenty thousand only its newest (each of its views is 11 MiB).
pub const HELD_SOCKET_VIEWS: usize = 16_384;

/// Makes room in `held` for `adding`: lets the oldest views go while
/// [`HELD_SNAPSHOTS`] are held, or while the views held and the new one
/// would pass [`HELD_SOCKET_VIEWS`] sockets in all. The newest view is
/// always kept. Returns how many went.
pub fn make_room(held: &mut VecDeque<std::sync::Arc<Snapshot>>, adding: &Snapshot) -> u64 {
    let mut sockets: usize = held.iter().map(|s| s.sockets.len()).sum();
    let mut gone = 0;
    while too_many(held.len(), sockets, adding.sockets.len()) {
        if let Some(old) = held.pop_front() {
            sockets -= old.sockets.len();
            gone += 1;
        }
    }
    gone
}

/// Whether `views` views of `sockets` socket views in all leave no room
/// for one of `adding`.
fn too_many(views: usize, sockets: usize, adding: usize) -> bool {
    views >= HELD_SNAPSHOTS || (views > 0 && sockets + adding > HELD_SOCKET_VIEWS)
}

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

    /// Holds a kernel view, dropping the oldest past the bounds.
    pub fn hold_snapshot(&mut self, snap: std::sync::Arc<Snapshot>) {
        self.dropped_snapshots += make_room(&mut self.snapshots, &snap);
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

#[cfg(test)]
mod room_tests {
    use super::*;

    #[test]
    fn large_views_are_held_fewer_and_the_newest_always() {
        // A thousand sockets: all sixteen views fit.
        assert!(!too_many(15, 15 * 1_000, 1_000));
        assert!(too_many(16, 16 * 1_000, 1_000));
        // Twenty thousand: only the newest.
        assert!(too_many(1, 20_000, 20_000));
        assert!(!too_many(0, 0, 20_000));
        // Eight thousand: two.
        assert!(!too_many(1, 8_000, 8_000));
        assert!(too_many(2, 16_000, 8_000));
    }
}
