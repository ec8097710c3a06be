//! Network namespaces of one thread: make a new one, name the current one
//! by a descriptor, move into one by its descriptor. A thread's network
//! namespace is its own: moving one thread moves no other.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// Moves the calling thread into a new network namespace (CAP_SYS_ADMIN
/// over the current one: root, or a user namespace of the process's own).
pub fn unshare_thread() -> io::Result<()> {
    // SAFETY: unshare takes no pointers; CLONE_NEWNET moves this thread only.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The calling thread's network namespace, as a descriptor that keeps it.
pub fn current() -> io::Result<File> {
    File::open("/proc/thread-self/ns/net")
}

/// Moves the calling thread into the network namespace `ns` names.
pub fn enter(ns: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: setns takes a descriptor, which the borrow keeps open.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
