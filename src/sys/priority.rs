//! How soon the kernel runs a thread once it wakes: for a thread that
//! holds packets for a delay and must hand each over when it is due, on
//! a machine whose cores are busy with other work.

/// What [`run_ahead`] obtained for the calling thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ahead {
    /// The lowest real-time priority (SCHED_FIFO 1): it runs as soon as it
    /// wakes, ahead of every ordinary thread.
    Realtime,
    /// An ordinary thread with a short slice (0.1 ms), so that its wake-up
    /// preempts a thread running a longer one, and a nice value of -10
    /// where that was allowed.
    ShortSlice,
    /// Nothing: the thread keeps its priority.
    Ordinary,
}

/// Asks the kernel to run the calling thread as soon as it wakes, as a
/// wire would carry a packet: the lowest real-time priority where that is
/// allowed (CAP_SYS_NICE: root, not a user namespace), otherwise a short
/// slice (allowed to anyone since Linux 6.12) and a nice value of -10
/// where allowed. Measured on 2 busy cores (load 10-17): a nice of -10
/// alone still left packets 2-8 ms late at the 99th percentile, a wake-up
/// waiting for the running thread's slice or the next tick (4 ms here);
/// real-time, 0.1-0.5 ms.
pub fn run_ahead() -> Ahead {
    if set(libc::SCHED_FIFO, 0, 1, 0) {
        return Ahead::Realtime;
    }
    let tid = rustix::thread::gettid();
    let _ = rustix::process::setpriority_process(Some(tid), -10);
    let nice = rustix::process::getpriority_process(Some(tid)).unwrap_or(0);
    // The slice in ns; an ordinary thread's is 0.75 ms or more.
    if set(libc::SCHED_OTHER, nice, 0, 100_000) {
        Ahead::ShortSlice
    } else {
        Ahead::Ordinary
    }
}

/// sched_setattr(2) on the calling thread: a policy, with its nice value,
/// real-time priority and, for an ordinary thread, slice (0: the default).
fn set(policy: i32, nice: i32, priority: u32, slice_ns: u64) -> bool {
    let attr = libc::sched_attr {
        size: size_of::<libc::sched_attr>() as u32,
        sched_policy: policy as u32,
        sched_flags: 0,
        sched_nice: nice,
        sched_priority: priority,
        sched_runtime: slice_ns,
        sched_deadline: 0,
        sched_period: 0,
    };
    // SAFETY: `attr` lives for the call and says its own size; pid 0 is
    // the calling thread; flags 0.
    unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &raw const attr, 0) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the kernel says of the calling thread: its policy and, for an
    /// ordinary thread, its slice in ns (`se.slice` in /proc's sched).
    fn policy_and_slice() -> (i32, Option<u64>) {
        // SAFETY: pid 0 is the calling thread.
        let policy = unsafe { libc::sched_getscheduler(0) };
        let tid = rustix::thread::gettid().as_raw_nonzero().get();
        let sched =
            std::fs::read_to_string(format!("/proc/self/task/{tid}/sched")).unwrap_or_default();
        let slice = sched
            .lines()
            .find(|l| l.starts_with("se.slice"))
            .and_then(|l| l.split(':').nth(1)?.trim().parse().ok());
        (policy, slice)
    }

    #[test]
    fn the_kernel_reports_what_run_ahead_says_it_got() {
        let got = std::thread::spawn(|| (run_ahead(), policy_and_slice()))
            .join()
            .unwrap();
        match got {
            (Ahead::Realtime, (policy, _)) => assert_eq!(policy, libc::SCHED_FIFO),
            (Ahead::ShortSlice, (policy, slice)) => {
                assert_eq!(policy, libc::SCHED_OTHER);
                // /proc shows the slice where the kernel has it.
                if let Some(slice) = slice {
                    assert_eq!(slice, 100_000);
                }
            }
            (Ahead::Ordinary, (policy, _)) => assert_eq!(policy, libc::SCHED_OTHER),
        }
    }
}
