//! The file-descriptor limit: raised at start, named when it runs out.

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// The soft and hard RLIMIT_NOFILE (`u64::MAX` for no limit).
pub fn nofile() -> Option<(u64, u64)> {
    let r = getrlimit(Resource::Nofile);
    Some((r.current.unwrap_or(u64::MAX), r.maximum.unwrap_or(u64::MAX)))
}

/// Raises the soft RLIMIT_NOFILE to the hard limit, so a lab can hold as
/// many sockets as the system lets this process have. Returns the new soft limit.
pub fn raise_nofile() -> Option<u64> {
    let (soft, hard) = nofile()?;
    if soft < hard {
        let limit = (hard != u64::MAX).then_some(hard);
        // Refused (a container's cap), the soft limit stays as it was.
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: limit,
                maximum: limit,
            },
        );
    }
    nofile().map(|(soft, _)| soft)
}
