//! The lab's events and the sampler's kernel views on their way to the
//! screen, within bounds.
//!
//! The lab's threads report every finished call at once, and the sampler a
//! view several times a second; the screen takes them when its thread is
//! free. While that thread is held up (a terminal that does not read, as
//! over a stalled link), a peer that makes a loop call step by step
//! (`recvall` one byte at a time) would otherwise pile up results without
//! end. The inbox keeps at most [`HELD_STEPS`] steps of loops and counts
//! the ones past that instead of keeping them, and at most
//! [`HELD_SNAPSHOTS`] views, the newest, fewer when they are large (see
//! [`super::freeze::make_room`]): in a storm of twenty thousand connects
//! the screen falls behind, and sixteen views were 170 MiB. Whole calls
//! are always kept: each comes from a command, not from a peer, and the
//! players wait for them.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::kernel::Snapshot;
use crate::lab::LabEvent;

/// The most loop steps held for the screen: as many as the results log
/// keeps, since older ones would fall off it anyway.
pub const HELD_STEPS: usize = super::log::LOG_LIMIT;

/// The most kernel views held for the screen, the newest: the one shown,
/// and a few for the sparklines.
pub const HELD_SNAPSHOTS: usize = super::freeze::HELD_SNAPSHOTS;

#[derive(Default)]
struct Held {
    events: VecDeque<LabEvent>,
    /// How many of `events` are steps of loops.
    steps: usize,
    /// Steps let go since the screen last asked.
    dropped: u64,
    snapshots: VecDeque<std::sync::Arc<Snapshot>>,
}

/// Lab events waiting for the screen.
#[derive(Default)]
pub struct Inbox {
    held: Mutex<Held>,
    ready: Notify,
}

fn is_step(e: &LabEvent) -> bool {
    match e {
        LabEvent::Finished(r) => r.part_of.is_some(),
    }
}

impl Inbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Holds an event for the screen; a step past [`HELD_STEPS`] is only counted.
    pub fn push(&self, e: LabEvent) {
        let mut held = self.lock();
        if is_step(&e) {
            if held.steps >= HELD_STEPS {
                held.dropped += 1;
                return;
            }
            held.steps += 1;
        }
        held.events.push_back(e);
        drop(held);
        self.ready.notify_one();
    }

    /// Holds a kernel view for the screen, letting the oldest go past
    /// [`HELD_SNAPSHOTS`].
    pub fn push_snapshot(&self, snap: std::sync::Arc<Snapshot>) {
        let mut held = self.lock();
        super::freeze::make_room(&mut held.snapshots, &snap);
        held.snapshots.push_back(snap);
        drop(held);
        self.ready.notify_one();
    }

    /// The oldest kernel view held.
    pub fn pop_snapshot(&self) -> Option<std::sync::Arc<Snapshot>> {
        self.lock().snapshots.pop_front()
    }

    /// The oldest event held.
    pub fn pop(&self) -> Option<LabEvent> {
        let mut held = self.lock();
        let e = held.events.pop_front()?;
        if is_step(&e) {
            held.steps -= 1;
        }
        Some(e)
    }

    /// How many events and kernel views are held.
    pub fn len(&self) -> usize {
        let held = self.lock();
        held.events.len() + held.snapshots.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The steps let go since the last call.
    pub fn take_dropped(&self) -> u64 {
        std::mem::take(&mut self.lock().dropped)
    }

    /// Waits until an event may be held (at once if one came since the
    /// last wait).
    pub async fn ready(&self) {
        self.ready.notified().await;
    }

    /// Makes the next [`Inbox::ready`] return at once: events are left
    /// for the next turn.
    pub fn again(&self) {
        self.ready.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{Arg, Call, CallResult, Kind, Outcome, SockName};
    use std::time::Duration;

    fn finished(seq: u64, part_of: Option<u64>) -> LabEvent {
        LabEvent::Finished(CallResult {
            seq,
            part_of,
            sock: "A1".parse::<SockName>().unwrap(),
            call: Call::Recv,
            arg: Arg::Bytes(1),
            t: Duration::ZERO,
            elapsed: Duration::ZERO,
            outcome: Outcome::Ret(1),
            partial: false,
            timed_out: false,
            kind: Kind::Complete,
            created: Vec::new(),
            explain: String::new(),
            data: None,
            datagram: None,
        })
    }

    fn seq(e: &LabEvent) -> u64 {
        match e {
            LabEvent::Finished(r) => r.seq,
        }
    }

    #[test]
    fn a_flood_of_steps_is_held_within_bounds_and_whole_calls_are_all_kept() {
        let inbox = Inbox::default();
        // Nobody takes them: the screen's thread is held up.
        inbox.push(finished(1, None));
        for s in 0..100_000 {
            inbox.push(finished(2 + s, Some(1)));
        }
        inbox.push(finished(200_000, None));
        assert_eq!(inbox.len(), HELD_STEPS + 2);
        assert_eq!(inbox.take_dropped(), 100_000 - HELD_STEPS as u64);
        assert_eq!(inbox.take_dropped(), 0, "counted once");
        // In order: the first call, the steps kept, the last call.
        let got: Vec<u64> = std::iter::from_fn(|| inbox.pop())
            .map(|e| seq(&e))
            .collect();
        assert_eq!(got.first(), Some(&1));
        assert_eq!(got.last(), Some(&200_000));
        assert!(got.windows(2).all(|w| w[0] < w[1]));
        // Emptied, it holds steps again.
        inbox.push(finished(300_000, Some(1)));
        assert_eq!(inbox.len(), 1);
    }

    #[test]
    fn only_the_newest_kernel_views_are_held() {
        let inbox = Inbox::default();
        let view = |secs: u64| {
            std::sync::Arc::new(Snapshot {
                t: Duration::from_secs(secs),
                sockets: Vec::new(),
                system: Default::default(),
                counters: Default::default(),
                counters_scope: crate::kernel::CounterScope::SystemWide,
                watch: None,
                link: None,
            })
        };
        for s in 0..1000 {
            inbox.push_snapshot(view(s));
        }
        assert_eq!(inbox.len(), HELD_SNAPSHOTS);
        let times: Vec<u64> = std::iter::from_fn(|| inbox.pop_snapshot())
            .map(|s| s.t.as_secs())
            .collect();
        assert_eq!(
            times,
            (1000 - HELD_SNAPSHOTS as u64..1000).collect::<Vec<_>>()
        );
    }
}
