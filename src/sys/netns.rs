//! Network namespaces of one thread: make a new one, name the current one
//! by a descriptor, move into one by its descriptor. A thread's network
//! namespace is its own: moving one thread moves no other.

use std::fs::File;
use std::io;
use std::os::fd::BorrowedFd;

/// Moves the calling thread into a new network namespace (CAP_SYS_ADMIN
/// over the current one: root, or a user namespace of the process's own).
pub fn unshare_thread() -> io::Result<()> {
    unshare(false)
}

/// Moves the calling thread into a new network namespace, inside a new
/// user namespace first when `user` (where an unprivileged user may make
/// one; the kernel refuses it to a process of more than one thread).
pub fn unshare(user: bool) -> io::Result<()> {
    let flags = if user {
        libc::CLONE_NEWUSER | libc::CLONE_NEWNET
    } else {
        libc::CLONE_NEWNET
    };
    // SAFETY: unshare takes no pointers, and these flags unshare no
    // descriptor table (CLONE_FILES), so no descriptor another thread
    // holds changes meaning; the namespaces are this thread's alone.
    if unsafe { libc::unshare(flags) } != 0 {
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
    use rustix::thread::{LinkNameSpaceType, move_into_link_name_space};
    Ok(move_into_link_name_space(
        ns,
        Some(LinkNameSpaceType::Network),
    )?)
}
