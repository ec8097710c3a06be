//! A network namespace of the lab's own (`--netns`). Its loopback, its
//! sockets and its TcpExt counters belong to the lab alone, so the overflow
//! counters count only what the lab did, and nothing outside can reach it.
//!
//! The namespace is entered first thing in `main`, before any thread
//! starts: a thread takes the namespace of the thread that started it, and
//! `/proc/self/net` shows the main thread's.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

static OWN: AtomicBool = AtomicBool::new(false);

/// Whether the process runs in a network namespace it made itself.
pub fn is_own() -> bool {
    OWN.load(Ordering::Relaxed)
}

static ASKED: AtomicBool = AtomicBool::new(false);

/// Records that the user asked for the lab's own namespace (`--netns`),
/// rather than a lesson bringing it: only then does a listen's result say
/// where the listener can be reached from (a lesson's class connects from
/// nowhere else, and the sentence would be talk about the tool).
pub fn mark_asked() {
    ASKED.store(true, Ordering::Relaxed);
}

/// Whether the user asked for the lab's own namespace (`--netns`).
pub fn was_asked() -> bool {
    ASKED.load(Ordering::Relaxed)
}

/// Moves the process into a new network namespace and brings its loopback
/// up. With CAP_SYS_ADMIN (root) the namespace is made directly; without
/// it, inside a new user namespace, where unprivileged users may make one.
/// Call it while the process has one thread.
pub fn enter_own() -> io::Result<()> {
    if let Err(err) = crate::sys::netns::unshare(false) {
        if err.raw_os_error() != Some(libc::EPERM) {
            return Err(err);
        }
        enter_as_user().map_err(|e| io::Error::new(e.kind(), user_namespace_refused(&e)))?;
    }
    crate::sys::loopback::up()?;
    OWN.store(true, Ordering::Relaxed);
    Ok(())
}

/// Why a user namespace could not be made, and the ways there are: the
/// kernel says ENOSPC when `user.max_user_namespaces` is 0, and EPERM or
/// EACCES when a policy (AppArmor on Ubuntu) forbids unprivileged ones.
pub fn user_namespace_refused(e: &io::Error) -> String {
    let why = match e.raw_os_error() {
        Some(libc::ENOSPC) => {
            "user namespaces are turned off (sysctl user.max_user_namespaces is 0)".to_string()
        }
        Some(libc::EPERM | libc::EACCES) => {
            "unprivileged user namespaces are not allowed here".to_string()
        }
        _ => format!("a user namespace could not be made ({e})"),
    };
    format!(
        "no network namespace: not root, and {why}; run as root, or allow user namespaces \
         (sysctl user.max_user_namespaces=15000; on Ubuntu, also \
         kernel.apparmor_restrict_unprivileged_userns=0)"
    )
}

/// A user namespace with a network namespace in it, mapping our own user
/// and group to themselves (the creator holds every capability inside).
fn enter_as_user() -> io::Result<()> {
    let (uid, gid) = (
        rustix::process::geteuid().as_raw(),
        rustix::process::getegid().as_raw(),
    );
    // A single-threaded process, which the caller guarantees.
    crate::sys::netns::unshare(true)?;
    // setgroups must be denied before an unprivileged gid_map is written.
    match std::fs::write("/proc/self/setgroups", "deny") {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1"))?;
    std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1"))?;
    Ok(())
}

/// Moves the process into another network namespace: a process's
/// (`PID`, through `/proc/PID/ns/net`) or a named one (`/run/netns/NAME`,
/// as `ip netns add` makes). Needs CAP_SYS_ADMIN. Call it while the
/// process has one thread.
pub fn enter_other(which: &str) -> io::Result<()> {
    let path = match which.parse::<u32>() {
        Ok(pid) => format!("/proc/{pid}/ns/net"),
        Err(_) => which.to_string(),
    };
    let file = std::fs::File::open(&path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound if which.parse::<u32>().is_ok() => {
            io::Error::new(e.kind(), format!("there is no process {which}"))
        }
        io::ErrorKind::NotFound => {
            io::Error::new(e.kind(), format!("there is no namespace {path}"))
        }
        _ => io::Error::new(e.kind(), format!("cannot open {path}: {e}")),
    })?;
    if let Err(e) = crate::sys::netns::enter(std::os::fd::AsFd::as_fd(&file)) {
        return Err(match e.raw_os_error() {
            Some(libc::EPERM) => io::Error::new(
                e.kind(),
                "entering another network namespace needs CAP_SYS_ADMIN: run as root",
            ),
            Some(libc::EINVAL) => {
                io::Error::new(e.kind(), format!("{path} is not a network namespace"))
            }
            _ => e,
        });
    }
    Ok(())
}
