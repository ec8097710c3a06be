//! A one-way flag that threads wait on: set once, seen by every waiter.
//! The lab's sockets wait on it for their turn and for being ready; the
//! kernel sampler sleeps on it between ticks, so that stopping it is
//! immediate.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// A one-way flag that threads can wait on.
#[derive(Default)]
pub(crate) struct Latch {
    set: Mutex<bool>,
    cv: Condvar,
}

impl Latch {
    /// A latch that is already set.
    pub fn set_now() -> Self {
        Latch {
            set: Mutex::new(true),
            cv: Condvar::new(),
        }
    }

    /// Sets the latch and wakes every waiter.
    pub fn set(&self) {
        *self.set.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.cv.notify_all();
    }

    /// Waits until the latch is set.
    pub fn wait(&self) {
        self.wait_unless(|| false);
    }

    /// Waits until the latch is set or `give_up` says so (looked at every
    /// 20 ms); true when it was set.
    pub fn wait_unless(&self, give_up: impl Fn() -> bool) -> bool {
        let mut set = self.set.lock().unwrap_or_else(|p| p.into_inner());
        while !*set {
            if give_up() {
                return false;
            }
            set = self
                .cv
                .wait_timeout(set, Duration::from_millis(20))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }

    /// Waits at most `d` for the latch; true when it was set.
    pub fn wait_for(&self, d: Duration) -> bool {
        let set = self.set.lock().unwrap_or_else(|p| p.into_inner());
        let (set, _) = self
            .cv
            .wait_timeout_while(set, d, |set| !*set)
            .unwrap_or_else(|p| p.into_inner());
        *set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_waiter_wakes_when_set_and_a_timed_wait_ends_unset() {
        let latch = Arc::new(Latch::default());
        assert!(!latch.wait_for(Duration::from_millis(10)));
        let l2 = Arc::clone(&latch);
        let waiter = std::thread::spawn(move || l2.wait_for(Duration::from_secs(30)));
        latch.set();
        assert!(waiter.join().unwrap());
        assert!(latch.wait_for(Duration::ZERO));
        assert!(latch.wait_unless(|| true), "a set latch does not give up");
        assert!(Latch::set_now().wait_for(Duration::ZERO));
    }
}
