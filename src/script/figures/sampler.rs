//! The listeners' queues read from the kernel every 100 ms while a run
//! goes on, for the figures: every reading is kept, changed or not, so a
//! queue's line has a point every 100 ms (more often took enough of a
//! busy machine to hold up the lab's own calls).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::queues::QueueSample;
use crate::kernel::KernelReader;
use crate::lab::Observer;

/// How often the queues are read.
pub const EVERY: Duration = Duration::from_millis(100);

/// Reads the queues until dropped.
pub struct QueueSampler {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl QueueSampler {
    /// Starts reading `lab`'s listeners through `kernel` into `samples`.
    pub fn spawn(
        lab: Observer,
        kernel: KernelReader,
        samples: Arc<Mutex<Vec<QueueSample>>>,
    ) -> std::io::Result<QueueSampler> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("sockplay-figures".into())
            .spawn(move || {
                // Bounded: ends when the sampler is dropped.
                while !stopped.load(Ordering::Acquire) {
                    if let Ok(snap) = kernel.take(&lab) {
                        let mut kept = samples.lock().unwrap_or_else(|e| e.into_inner());
                        kept.extend(QueueSample::from_snapshot(&snap));
                    }
                    std::thread::sleep(EVERY);
                }
            })?;
        Ok(QueueSampler {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for QueueSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
