//! The sampler thread: one whole snapshot per tick, sent only when it
//! changed, sleeping cancellably between ticks.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::KernelReader;
use super::snapshot::Snapshot;
use crate::lab::Observer;
use crate::lab::latch::Latch;

/// The sampler sleeps at least this many times as long as a snapshot took.
const MAX_SHARE_INVERSE: u32 = 50;

/// A running sampler; stops (and joins its thread) when dropped.
pub struct Sampler {
    stop: Arc<Latch>,
    thread: Option<JoinHandle<()>>,
}

/// Whether two snapshots show the same thing (their times aside).
fn same(a: &Snapshot, b: &Snapshot) -> bool {
    a.sockets == b.sockets
        && a.counters == b.counters
        && a.system == b.system
        && a.watch == b.watch
        && a.link == b.link
}

impl Sampler {
    /// Starts sampling `lab` every `every` (or less often, when a snapshot
    /// costs more than a fiftieth of that), handing each changed snapshot to
    /// `send`; sampling ends when `send` returns false or the sampler is dropped.
    pub fn spawn(
        lab: Observer,
        every: Duration,
        kernel: KernelReader,
        mut send: impl FnMut(std::sync::Arc<Snapshot>) -> bool + Send + 'static,
    ) -> std::io::Result<Sampler> {
        let stop = Arc::new(Latch::default());
        let stop2 = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("sockplay-sampler".into())
            .spawn(move || {
                let mut last: Option<std::sync::Arc<Snapshot>> = None;
                // The view before the last: once the screen has let it go,
                // the next snapshot is built in its memory.
                let mut spare: Option<std::sync::Arc<Snapshot>> = None;
                let mut last_cost = std::time::Duration::ZERO;
                loop {
                    let began = std::time::Instant::now();
                    if let Some(old) = spare.take() {
                        match std::sync::Arc::try_unwrap(old) {
                            Ok(old) => kernel.recycle(old),
                            // Still on screen (or held by a freeze): later.
                            Err(old) => spare = Some(old),
                        }
                    }
                    if let Ok(snap) = kernel.take(&lab) {
                        // Shared with the screen, not copied: at tens of
                        // thousands of watched sockets a copy is megabytes.
                        let snap = std::sync::Arc::new(snap);
                        if last.as_ref().is_none_or(|l| !same(l, &snap)) {
                            if !send(std::sync::Arc::clone(&snap)) {
                                return;
                            }
                            spare = last.replace(snap);
                        }
                    }
                    // A big lab is sampled less often: sampling never costs
                    // more than about 2% of a core. The lesser of the last
                    // two costs: one dear sample (a watch reading /proc for
                    // a new socket's owner) does not stall the view.
                    let cost = began.elapsed();
                    let steady = cost.min(last_cost);
                    last_cost = cost;
                    if stop2.wait_for(every.max(steady * MAX_SHARE_INVERSE)) {
                        return;
                    }
                }
            })?;
        Ok(Sampler {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.set();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
