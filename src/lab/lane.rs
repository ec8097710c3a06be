//! A lane: one side of a socket (sending or receiving), running its calls in
//! order on a thread of its own, like a program's writer or reader thread.
//!
//! The thread exists only while the lane has work, so ten thousand idle
//! sockets cost no threads.

use std::collections::VecDeque;
use std::os::unix::thread::JoinHandleExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use super::interrupt;
use super::result::Started;

/// Stack size of lane threads: calls keep their buffers on the heap.
const STACK_SIZE: usize = 256 * 1024;

/// A call waiting in a lane. `run(false)` carries it out; `run(true)` tells it
/// it was cancelled (its socket closed first) so it can report that.
pub(crate) struct Job {
    /// What the call is, for the view of calls in flight.
    pub started: Started,
    /// The call.
    pub run: Box<dyn FnOnce(bool) + Send>,
}

thread_local! {
    /// The lane whose worker this thread is, while it is one.
    static RUNNING: std::cell::RefCell<Option<Lane>> = const { std::cell::RefCell::new(None) };
}

/// The call `seq` is about to report its result: on a lane's worker, it
/// stops being shown as the call in flight now, so that a kernel view read
/// after the result never shows it still running. (A step of a longer call,
/// such as one `send` of a `sendall`, leaves that call in flight.)
pub(crate) fn finishing(seq: u64) {
    RUNNING.with(|r| {
        if let Some(lane) = &*r.borrow() {
            let mut state = lane.lock();
            if state.current.as_ref().is_some_and(|c| c.call.seq == seq) {
                // Still pending until its thread lets go of the socket (a
                // close waits for that), but no longer shown running.
                state.reported = true;
            }
        }
    });
}

/// The next call of a loop that runs as one job (`sendto … xN`) begins
/// on this thread's lane: it is the call in flight now.
pub(crate) fn now_running(call: &Started) {
    RUNNING.with(|r| {
        if let Some(lane) = &*r.borrow() {
            let mut state = lane.lock();
            state.current = Some(InFlight {
                call: call.clone(),
                since: Instant::now(),
                pacing: false,
            });
            state.reported = false;
            state.pacing = false;
        }
    });
}

/// This lane's worker waits by choice (a paced loop between its steps), or
/// no longer does: asleep, yet not held by the kernel.
pub(crate) fn pacing(on: bool) {
    RUNNING.with(|r| {
        if let Some(lane) = &*r.borrow() {
            lane.lock().pacing = on;
        }
    });
}

/// A call that waits in the kernel without its lane's thread, until
/// [`Parked::done`]: still in flight, still pending, and the lane runs
/// nothing after it before then.
pub(crate) struct Parked {
    lane: Lane,
    seq: u64,
}

/// Parks the call running on this thread's lane, which lets its thread go
/// when the call's job returns; `wake` is how the lane wakes it (its socket
/// is being closed). `None` off a lane's worker: the call blocks as usual.
pub(crate) fn park(wake: Box<dyn Fn() + Send>) -> Option<Parked> {
    RUNNING.with(|r| {
        let lane = r.borrow().clone()?;
        let mut state = lane.lock();
        let seq = state.current.as_ref()?.call.seq;
        state.parked = true;
        state.parked_wake = Some(wake);
        drop(state);
        Some(Parked { lane, seq })
    })
}

impl Parked {
    /// The call is about to report its result: no longer shown in flight,
    /// so that a kernel view read after the result never shows it running.
    pub fn reporting(&self) {
        let mut state = self.lane.lock();
        if state
            .current
            .as_ref()
            .is_some_and(|c| c.call.seq == self.seq)
        {
            state.reported = true;
        }
    }

    /// The call has reported: the lane runs what was queued after it.
    pub fn done(self) {
        let mut state = self.lane.lock();
        state.parked = false;
        state.parked_wake = None;
        state.current = None;
        if state.queue.is_empty() {
            self.lane.inner().busy.store(false, Ordering::Release);
        } else if self.lane.start(&mut state).is_err() {
            // No thread now: the calls stay queued for the next push.
        }
        drop(state);
        self.lane.inner().changed.notify_all();
    }
}

/// A call in flight: what it is and when it began.
#[derive(Debug, Clone)]
pub struct InFlight {
    /// The call.
    pub call: Started,
    /// When it began to run.
    pub since: Instant,
    /// It waits now by choice, between the steps of a paced loop.
    pub pacing: bool,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    /// The worker thread, while one runs.
    worker: Option<libc::pthread_t>,
    /// Its kernel id, once it has started.
    tid: Option<i32>,
    /// The call it is running.
    current: Option<InFlight>,
    /// That call has reported its result (its thread is finishing).
    reported: bool,
    /// That call is parked: it waits in the kernel without a thread of the
    /// lane's (a blocked connect watched by the lab's one poller). The lane
    /// runs nothing else until it is done.
    parked: bool,
    /// Wakes the parked call (the socket is being closed).
    parked_wake: Option<Box<dyn Fn() + Send>>,
    /// That call waits by choice now, between the steps of a paced loop.
    pacing: bool,
}

#[derive(Default)]
struct Inner {
    state: Mutex<State>,
    changed: Condvar,
    /// Whether a worker runs (so calls are queued or running), set and
    /// cleared under the lock: the kernel view reads ten thousand idle
    /// lanes without taking their locks.
    busy: AtomicBool,
    /// Whether the worker is inside a call's code, from taking it off the
    /// queue until it returns: between two calls the worker may sleep in
    /// the kernel waiting for this lane's own lock, and that is no call
    /// asleep there (the call just done would pass for settled, and the
    /// one queued behind it with it).
    in_call: AtomicBool,
}

/// One side of a socket.
#[derive(Default)]
pub(crate) struct Lane {
    /// Made at the side's first call: of twenty thousand clients whose
    /// connects wait for a full queue, none has used its receiving side.
    inner: OnceLock<Arc<Inner>>,
}

impl Clone for Lane {
    /// The same lane: a copy made before its first call shares the state
    /// that call makes.
    fn clone(&self) -> Lane {
        Lane {
            inner: OnceLock::from(Arc::clone(self.inner())),
        }
    }
}

/// Clears a lane's worker when its thread unwinds out of [`Lane::work`]
/// (a job panicked): otherwise the lane would keep the id of a thread that
/// no longer exists, never run its queue again, and `interrupt` would send
/// a signal to whatever thread took that id. Calls still queued get a new
/// thread. A thread that returns has cleared its state under the lock.
struct Leaving<'a>(&'a Lane);

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let mut state = self.0.lock();
        state.worker = None;
        state.tid = None;
        state.current = None;
        self.0.inner().in_call.store(false, Ordering::Release);
        self.0.inner().busy.store(false, Ordering::Release);
        // When no thread can start, the calls stay queued for the next push.
        let _ = self.0.start(&mut state);
        self.0.inner().changed.notify_all();
    }
}

impl Lane {
    /// The lane's state, made now if no call has come yet.
    fn inner(&self) -> &Arc<Inner> {
        self.inner.get_or_init(Arc::default)
    }

    /// Whether a worker runs (calls are queued or running); false for a
    /// lane that never had a call.
    fn busy(&self) -> bool {
        self.inner
            .get()
            .is_some_and(|i| i.busy.load(Ordering::Acquire))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner()
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues a call; starts the lane's thread when none runs. When no
    /// thread can be started, gives the call back with the error.
    pub fn push(&self, job: Job) -> Result<(), (std::io::Error, Job)> {
        let mut state = self.lock();
        state.queue.push_back(job);
        self.start(&mut state).map_err(|e| {
            let job = state.queue.pop_back().expect("the job just queued");
            (e, job)
        })
    }

    /// Queues calls to run next, before any already queued, in their
    /// order: the calls a call on this lane leads to (the `sendto` after
    /// its name lookup) follow it at once. Starts the lane's thread when
    /// none runs; when none can be started, gives the calls back.
    pub fn push_next(&self, jobs: Vec<Job>) -> Result<(), (std::io::Error, Vec<Job>)> {
        let count = jobs.len();
        let mut state = self.lock();
        for job in jobs.into_iter().rev() {
            state.queue.push_front(job);
        }
        self.start(&mut state)
            .map_err(|e| (e, state.queue.drain(..count).collect()))
    }

    /// Starts the lane's thread unless one runs (or a parked call holds
    /// the lane), under the lane's lock.
    fn start(&self, state: &mut State) -> std::io::Result<()> {
        if state.worker.is_some() || state.queue.is_empty() || state.parked {
            return Ok(());
        }
        let lane = self.clone();
        let handle = std::thread::Builder::new()
            .name("sockplay-lane".into())
            .stack_size(STACK_SIZE)
            .spawn(move || lane.work())?;
        // Recorded before the lock is released; the worker takes the lock
        // before it does anything, so it cannot exit unseen.
        state.worker = Some(handle.as_pthread_t());
        self.inner().busy.store(true, Ordering::Release);
        Ok(())
    }

    fn work(&self) {
        // However this thread leaves, a job that panics included, the lane
        // forgets it: `interrupt` must never signal a thread that is gone.
        let _leaving = Leaving(self);
        RUNNING.with(|r| *r.borrow_mut() = Some(self.clone()));
        self.lock().tid = Some(crate::sys::task::current_tid());
        loop {
            let job = {
                let mut state = self.lock();
                let next = state.queue.pop_front();
                if state.queue.is_empty() && state.queue.capacity() > 0 {
                    // Room for a few calls stays with every socket that
                    // made one otherwise: a connect's, for the socket's life.
                    state.queue = VecDeque::new();
                }
                match next {
                    Some(job) => {
                        state.current = Some(InFlight {
                            call: job.started.clone(),
                            since: Instant::now(),
                            pacing: false,
                        });
                        state.reported = false;
                        state.pacing = false;
                        self.inner().in_call.store(true, Ordering::Release);
                        job
                    }
                    None => {
                        state.worker = None;
                        state.tid = None;
                        state.current = None;
                        self.inner().busy.store(false, Ordering::Release);
                        self.inner().changed.notify_all();
                        drop(state);
                        RUNNING.with(|r| r.borrow_mut().take());
                        return;
                    }
                }
            };
            (job.run)(false);
            self.inner().in_call.store(false, Ordering::Release);
            let mut state = self.lock();
            if state.parked {
                // The call waits on without this thread; [`Parked::done`]
                // moves the lane on. Still busy: the call is in flight.
                state.worker = None;
                state.tid = None;
                self.inner().changed.notify_all();
                drop(state);
                RUNNING.with(|r| r.borrow_mut().take());
                return;
            }
            state.current = None;
            drop(state);
            self.inner().changed.notify_all();
        }
    }

    /// Calls queued or running.
    pub fn pending(&self) -> usize {
        if !self.busy() {
            return 0;
        }
        let state = self.lock();
        state.queue.len() + usize::from(state.current.is_some())
    }

    /// Calls queued or running, and the one running, in one look.
    pub fn status(&self) -> (usize, Option<InFlight>) {
        // No worker: nothing queued, nothing running.
        if !self.busy() {
            return (0, None);
        }
        let state = self.lock();
        let pending = state.queue.len() + usize::from(state.current.is_some());
        let running = state
            .current
            .clone()
            .filter(|_| !state.reported)
            .map(|c| InFlight {
                pacing: state.pacing,
                ..c
            });
        (pending, running)
    }

    /// Whether call `seq`, when this lane has it, has settled: it runs and
    /// its thread sleeps in the kernel (or it is parked there, watched by
    /// the poller), or it is queued behind a call that does. None when the lane does not have it (not yet queued, or done).
    /// A call whose thread waits for a CPU, or has not started, or has
    /// finished but not yet been told, has not settled.
    pub fn settled(&self, seq: u64) -> Option<bool> {
        if !self.busy() {
            return None;
        }
        let state = self.lock();
        let running = state.current.as_ref().is_some_and(|c| c.call.seq == seq);
        if !running && !state.queue.iter().any(|j| j.started.seq == seq) {
            return None;
        }
        // A parked call waits in the kernel as surely as a thread asleep in
        // it: the poller watches it, and no thread of the lane runs.
        Some(
            state.current.is_some()
                && !state.reported
                && (state.parked
                    || (self.inner().in_call.load(Ordering::Acquire)
                        && state.tid.is_some_and(crate::sys::task::asleep))),
        )
    }

    /// Drops the queued calls (not the running one), telling each it was cancelled.
    pub fn cancel_queued(&self) {
        if self.inner.get().is_none() {
            return;
        }
        let jobs: Vec<Job> = self.lock().queue.drain(..).collect();
        for job in jobs {
            (job.run)(true);
        }
    }

    /// Makes a blocked call on this lane return EINTR.
    pub fn interrupt(&self) {
        if self.inner.get().is_none() {
            return;
        }
        let state = self.lock();
        if let Some(wake) = &state.parked_wake {
            wake();
            return;
        }
        if let (Some(thread), Some(_)) = (state.worker, &state.current) {
            // SAFETY: `worker` is Some only while the thread runs: it clears
            // the field under this lock before it exits, and we hold the lock.
            unsafe { interrupt::wake(thread) };
        }
    }

    /// Waits until the lane has no thread and no parked call, or the
    /// deadline passes; true when idle.
    pub fn wait_idle(&self, deadline: Instant) -> bool {
        if self.inner.get().is_none() {
            return true;
        }
        let mut state = self.lock();
        while state.worker.is_some() || state.parked {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            let wait = (deadline - now).min(Duration::from_millis(50));
            state = self
                .inner()
                .changed
                .wait_timeout(state, wait)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::name::{Role, SockName};
    use crate::lab::result::{Arg, Call, WaitsIn};
    use std::sync::mpsc;

    fn started(seq: u64) -> Started {
        Started {
            seq,
            sock: SockName::new(Role::Client, 1),
            call: Call::Recv,
            arg: Arg::None,
            t: Duration::ZERO,
            paced: false,
            waits: WaitsIn::Kernel,
        }
    }

    #[test]
    fn a_job_that_panics_leaves_no_worker_behind_and_the_next_runs() {
        let lane = Lane::default();
        let (tx, rx) = mpsc::channel();
        lane.push(Job {
            started: started(0),
            run: Box::new(|_| panic!("a job that panics (expected in this test)")),
        })
        .map_err(|(e, _)| e)
        .unwrap();
        lane.push(Job {
            started: started(1),
            run: Box::new(move |cancelled| tx.send(cancelled).unwrap()),
        })
        .map_err(|(e, _)| e)
        .unwrap();
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)),
            Ok(false),
            "the next job ran"
        );
        assert!(lane.wait_idle(Instant::now() + Duration::from_secs(2)));
        assert_eq!(lane.pending(), 0);
        assert!(lane.lock().worker.is_none(), "no worker left set");
        // Nothing is running, so interrupt signals nobody.
        lane.interrupt();
    }

    #[test]
    fn a_call_settles_when_its_thread_sleeps_in_the_kernel_not_while_it_runs() {
        let lane = Lane::default();
        let stop = Arc::new(AtomicBool::new(false));
        let spin = Arc::clone(&stop);
        // A call busy in user space (as one waiting for a CPU would be
        // runnable), then one that sleeps in read() behind it.
        lane.push(Job {
            started: started(0),
            run: Box::new(move |_| {
                while !spin.load(Ordering::Acquire) {
                    std::hint::spin_loop();
                }
            }),
        })
        .map_err(|(e, _)| e)
        .unwrap();
        let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
        lane.push(Job {
            started: started(1),
            run: Box::new(move |_| {
                let mut buf = [0u8; 1];
                let _ = std::io::Read::read(&mut b, &mut buf);
            }),
        })
        .map_err(|(e, _)| e)
        .unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(lane.settled(0), Some(false), "running in user space");
        assert_eq!(lane.settled(1), Some(false), "queued behind a running call");
        assert_eq!(lane.settled(7), None, "not this lane's");
        stop.store(true, Ordering::Release);
        // Bounded: the reader reaches read() within 5 s.
        let deadline = Instant::now() + Duration::from_secs(5);
        while lane.settled(1) != Some(true) {
            assert!(Instant::now() < deadline, "the read never settled");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(lane.settled(0), None, "done");
        std::io::Write::write_all(&mut &a, b"x").unwrap();
        assert!(lane.wait_idle(Instant::now() + Duration::from_secs(5)));
        assert_eq!(lane.settled(1), None);
    }

    #[test]
    fn runs_jobs_in_order_then_lets_its_thread_go() {
        let lane = Lane::default();
        let (tx, rx) = mpsc::channel();
        for i in 0..5 {
            let tx = tx.clone();
            lane.push(Job {
                started: started(i),
                run: Box::new(move |cancelled| tx.send((i, cancelled)).unwrap()),
            })
            .map_err(|(e, _)| e)
            .unwrap();
        }
        assert!(lane.wait_idle(Instant::now() + Duration::from_secs(2)));
        let got: Vec<_> = rx.try_iter().collect();
        assert_eq!(got, (0..5).map(|i| (i, false)).collect::<Vec<_>>());
        assert_eq!(lane.pending(), 0);
    }

    #[test]
    fn calls_pushed_next_run_before_those_queued_earlier() {
        let lane = Lane::default();
        let (tx, rx) = mpsc::channel();
        let (go, wait) = mpsc::channel::<()>();
        let lane2 = lane.clone();
        let tx2 = tx.clone();
        // The first call waits until two more are queued, then puts two
        // calls of its own next.
        lane.push(Job {
            started: started(0),
            run: Box::new(move |_| {
                wait.recv_timeout(Duration::from_secs(5)).unwrap();
                let next = (1..=2)
                    .map(|i| {
                        let tx = tx2.clone();
                        Job {
                            started: started(i),
                            run: Box::new(move |_| tx.send(i).unwrap()),
                        }
                    })
                    .collect();
                lane2.push_next(next).map_err(|(e, _)| e).unwrap();
            }),
        })
        .map_err(|(e, _)| e)
        .unwrap();
        for i in 3..=4 {
            let tx = tx.clone();
            lane.push(Job {
                started: started(i),
                run: Box::new(move |_| tx.send(i).unwrap()),
            })
            .map_err(|(e, _)| e)
            .unwrap();
        }
        go.send(()).unwrap();
        assert!(lane.wait_idle(Instant::now() + Duration::from_secs(5)));
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    }

    #[test]
    fn interrupt_wakes_a_blocked_syscall() {
        interrupt::install();
        let lane = Lane::default();
        let (tx, rx) = mpsc::channel();
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        lane.push(Job {
            started: started(1),
            run: Box::new(move |_| {
                use std::io::Read;
                let mut buf = [0u8; 1];
                tx.send((&a).read(&mut buf).map_err(|e| e.raw_os_error()))
                    .unwrap();
            }),
        })
        .map_err(|(e, _)| e)
        .unwrap();
        // The read blocks: nothing arrives within 100 ms.
        assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline && rx.try_recv().is_err() {
            lane.interrupt();
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(lane.wait_idle(deadline), "the blocked read was not woken");
    }
}
