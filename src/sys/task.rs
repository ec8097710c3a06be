//! Whether one of this process's threads sleeps in the kernel: how a call
//! that has not returned yet is told apart from one that has not yet run
//! (on a busy machine a thread may wait long for a CPU).

/// The kernel's id of the calling thread.
pub fn current_tid() -> i32 {
    rustix::thread::gettid().as_raw_nonzero().get()
}

/// Whether thread `tid` of this process sleeps (state S or D in
/// `/proc/self/task/TID/stat`): waiting in a system call for the kernel,
/// not waiting for a CPU. A thread that is gone does not sleep.
pub fn asleep(tid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")) else {
        return false;
    };
    // The name in parentheses may hold spaces and ')': the state follows
    // the last one.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    matches!(state, Some('S' | 'D'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    #[test]
    fn a_thread_in_a_blocking_read_sleeps_and_a_busy_one_does_not() {
        let (tx, rx) = mpsc::channel();
        let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
        let reader = std::thread::spawn(move || {
            tx.send(current_tid()).unwrap();
            let mut buf = [0u8; 1];
            std::io::Read::read(&mut b, &mut buf).unwrap()
        });
        let tid = rx.recv().unwrap();
        // Bounded: the reader reaches read() within 5 s.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !asleep(tid) {
            assert!(
                Instant::now() < deadline,
                "the reader never slept in read()"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        std::io::Write::write_all(&mut &a, b"x").unwrap();
        assert_eq!(reader.join().unwrap(), 1);
        assert!(!asleep(current_tid()), "this thread runs");
        assert!(!asleep(tid), "a thread that is gone does not sleep");
    }
}
