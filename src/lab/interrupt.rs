//! Waking a thread that is blocked in a syscall.
//!
//! `shutdown()` wakes most blocked socket calls, but not all (a `send` blocked
//! on a full buffer ignores SHUT_RD, and `close rst` must not send a FIN first).
//! A signal sent to the thread, with a handler installed without SA_RESTART,
//! makes any blocking socket call return EINTR. The handler does nothing.

use std::sync::Once;

/// The signal used; a real-time one, so it never collides with a signal the
/// user or the terminal sends.
fn signal() -> libc::c_int {
    libc::SIGRTMIN() + 3
}

extern "C" fn on_signal(_: libc::c_int) {}

/// Installs the do-nothing handler once per process.
pub(crate) fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: a zeroed sigaction is valid; the handler is async-signal-safe
        // (it does nothing), and sa_flags has no SA_RESTART, so blocking
        // syscalls in the signalled thread return EINTR.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            action.sa_flags = 0;
            libc::sigaction(signal(), &action, std::ptr::null_mut());
        }
    });
}

/// Sends the wake-up signal to `thread`.
///
/// # Safety
/// `thread` must be a live thread: the caller holds the lock that the thread
/// must take before it exits.
pub(crate) unsafe fn wake(thread: libc::pthread_t) {
    // SAFETY: the caller guarantees that the thread is alive.
    unsafe {
        libc::pthread_kill(thread, signal());
    }
}
