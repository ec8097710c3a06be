//! Slow motion (`rate=SIZE/s`): byte-moving loops that keep to a rate, so a
//! class can watch a buffer fill or a window open.

use std::time::{Duration, Instant};

/// How many calls a second a paced loop makes.
const CALLS_PER_SECOND: u64 = 4;

/// The longest one sleep lasts before the loop looks whether to stop.
const SLICE: Duration = Duration::from_millis(100);

/// A rate to keep, from the moment the loop began.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pace {
    rate: u64,
    began: Instant,
}

impl Pace {
    /// A pace of `rate` bytes a second, starting now.
    pub(crate) fn new(rate: u64) -> Pace {
        Pace {
            rate: rate.max(1),
            began: Instant::now(),
        }
    }

    /// The most one call should move: a quarter of a second's worth.
    pub(crate) fn chunk(&self) -> u64 {
        (self.rate / CALLS_PER_SECOND).max(1)
    }

    /// When `moved` bytes are due: the loop may move more from then on.
    fn due(&self, moved: u64) -> Instant {
        let secs = moved as f64 / self.rate as f64;
        self.began + Duration::from_secs_f64(secs.min(1e9))
    }

    /// Sleeps until `moved` bytes are due (a loop passes what it will have
    /// moved after its next call, so that it never runs ahead of the rate),
    /// looking every 100 ms whether the loop is still `wanted`; false when
    /// it no longer is.
    pub(crate) fn wait(&self, moved: u64, wanted: impl Fn() -> bool) -> bool {
        // Asleep here by choice: the lab shows the call paced, not blocked.
        super::lane::pacing(true);
        let _done = Paced;
        let due = self.due(moved);
        // Bounded: each pass sleeps a slice or returns.
        loop {
            if !wanted() {
                return false;
            }
            let now = Instant::now();
            if now >= due {
                return true;
            }
            std::thread::sleep((due - now).min(SLICE));
        }
    }
}

/// Ends a pacing wait however it ends.
struct Paced;

impl Drop for Paced {
    fn drop(&mut self) {
        super::lane::pacing(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_moves_a_quarter_of_a_second() {
        assert_eq!(Pace::new(4096).chunk(), 1024);
        assert_eq!(Pace::new(1).chunk(), 1);
    }

    #[test]
    fn bytes_are_due_at_the_rate() {
        let p = Pace::new(1000);
        assert_eq!(p.due(500) - p.began, Duration::from_millis(500));
        assert_eq!(p.due(0), p.began);
    }

    #[test]
    fn a_loop_no_longer_wanted_stops_waiting() {
        let p = Pace::new(1);
        assert!(!p.wait(1_000_000, || false));
    }
}
