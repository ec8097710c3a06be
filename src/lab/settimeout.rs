//! Calls under a time-out, made the way CPython's `settimeout` makes them.
//!
//! A socket with a time-out is non-blocking in the kernel. Each call first
//! waits with `poll()` until the socket is ready, at most until its
//! deadline, then makes one non-blocking call. When `poll()` said ready but
//! the call still finds nothing (EAGAIN), it waits again with the time that
//! is left. Nothing ready in time is "timed out": no return value, no errno.
//! So a send returns at once with what fits, and a recv with what is there,
//! where SO_SNDTIMEO/SO_RCVTIMEO would keep a blocking call in the kernel.

use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

use socket2::{SockAddr, Socket};

use super::errno::Errno;
use super::result::Outcome;

/// How long one `poll()` waits before looking whether the call is still wanted.
const SLICE: Duration = Duration::from_millis(100);

/// What a wait for readiness came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// The socket is ready for the call.
    Ready,
    /// The deadline passed first.
    TimedOut,
    /// The lab woke the call (its socket is being closed).
    Interrupted,
}

/// Waits until `fd` is ready for `events` or `deadline` passes, looking every
/// 100 ms whether `gone` says the wait is no longer wanted.
pub(crate) fn wait_until(
    fd: BorrowedFd<'_>,
    events: libc::c_short,
    deadline: Instant,
    gone: &dyn Fn() -> bool,
) -> Wait {
    loop {
        if gone() {
            return Wait::Interrupted;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let slice = left.min(SLICE);
        // Round up, so that a wait never ends a hair before its deadline.
        let ms = slice.as_micros().div_ceil(1000);
        let wait = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: i64::try_from(ms * 1_000_000).unwrap_or(i64::MAX),
        };
        let mut fds = [rustix::event::PollFd::from_borrowed_fd(
            fd,
            rustix::event::PollFlags::from_bits_retain(events as _),
        )];
        match rustix::event::poll(&mut fds, Some(&wait)) {
            Ok(n) if n > 0 => return Wait::Ready,
            Err(rustix::io::Errno::INTR) => return Wait::Interrupted,
            _ => {}
        }
        if Instant::now() >= deadline {
            return Wait::TimedOut;
        }
    }
}

/// One call under a time-out: wait for readiness up to `deadline`, then one
/// non-blocking call; a false alarm (EAGAIN) waits again with the time left.
pub(crate) fn call(
    fd: BorrowedFd<'_>,
    events: libc::c_short,
    deadline: Instant,
    gone: &dyn Fn() -> bool,
    mut once: impl FnMut() -> Result<u64, Errno>,
) -> Outcome {
    loop {
        match wait_until(fd, events, deadline, gone) {
            Wait::Ready => {}
            Wait::TimedOut => return Outcome::TimedOut,
            Wait::Interrupted => return Outcome::Err(Errno(libc::EINTR)),
        }
        match once() {
            Err(Errno(libc::EAGAIN)) => continue,
            r => return r.into(),
        }
    }
}

/// The result of a connect in progress that the kernel answered or the lab
/// woke: the kernel's error (SO_ERROR) if it has one; else, woken before
/// the connection was made, `woken`; else success.
pub(crate) fn connect_outcome(sock: &Socket, woken: Option<i32>) -> Outcome {
    match sock.take_error() {
        Ok(Some(e)) | Err(e) => Outcome::Err(Errno::of(&e)),
        Ok(None) => match woken {
            Some(errno) if sock.peer_addr().is_err() => Outcome::Err(Errno(errno)),
            _ => Outcome::Ret(0),
        },
    }
}

/// Waits for a connect in progress as a blocking `connect()` waits: until
/// the kernel answers, or the lab wakes it (EINTR, as a signal would).
pub(crate) fn connect_wait(sock: &Socket, gone: &dyn Fn() -> bool) -> Outcome {
    loop {
        let far = Instant::now() + Duration::from_secs(3600);
        match wait_until(sock.as_fd(), libc::POLLOUT, far, gone) {
            Wait::Ready => return connect_outcome(sock, None),
            Wait::Interrupted => return connect_outcome(sock, Some(libc::EINTR)),
            Wait::TimedOut => {}
        }
    }
}

/// `connect()` under a time-out: start the handshake without blocking, wait
/// until the socket is writable, then read the handshake's result (SO_ERROR).
pub(crate) fn connect(
    sock: &Socket,
    addr: &SockAddr,
    limit: Duration,
    gone: &dyn Fn() -> bool,
) -> Outcome {
    let deadline = Instant::now() + limit;
    match sock.connect(addr) {
        Ok(()) => return Outcome::Ret(0),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Outcome::Err(Errno::of(&e)),
    }
    match wait_until(sock.as_fd(), libc::POLLOUT, deadline, gone) {
        Wait::Ready => match sock.take_error() {
            Ok(None) => Outcome::Ret(0),
            Ok(Some(e)) | Err(e) => Outcome::Err(Errno::of(&e)),
        },
        Wait::TimedOut => Outcome::TimedOut,
        Wait::Interrupted => Outcome::Err(Errno(libc::EINTR)),
    }
}
