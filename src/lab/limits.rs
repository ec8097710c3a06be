//! The file-descriptor limit: raised at start, named when it runs out.

/// The soft and hard RLIMIT_NOFILE.
pub fn nofile() -> Option<(u64, u64)> {
    // SAFETY: getrlimit writes one struct we own.
    unsafe {
        let mut r: libc::rlimit = std::mem::zeroed();
        (libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0).then_some((r.rlim_cur, r.rlim_max))
    }
}

/// Raises the soft RLIMIT_NOFILE to the hard limit, so a lab can hold as
/// many sockets as the system lets this process have. Returns the new soft limit.
pub fn raise_nofile() -> Option<u64> {
    let (soft, hard) = nofile()?;
    if soft < hard {
        let r = libc::rlimit {
            rlim_cur: hard,
            rlim_max: hard,
        };
        // SAFETY: setrlimit reads one valid struct.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) };
    }
    nofile().map(|(soft, _)| soft)
}
