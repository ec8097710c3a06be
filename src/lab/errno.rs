//! Errno values as data: their symbolic names and the system's message.
//!
//! An errno is a result to show, not a failure of sockplay.

use std::fmt;

/// An errno value returned by a socket call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

/// Symbolic names for the errnos a socket call can return on Linux.
const NAMES: &[(i32, &str)] = &[
    (libc::EAGAIN, "EAGAIN"),
    (libc::EINPROGRESS, "EINPROGRESS"),
    (libc::EALREADY, "EALREADY"),
    (libc::ECONNREFUSED, "ECONNREFUSED"),
    (libc::ECONNRESET, "ECONNRESET"),
    (libc::ECONNABORTED, "ECONNABORTED"),
    (libc::EPIPE, "EPIPE"),
    (libc::ENOTCONN, "ENOTCONN"),
    (libc::EISCONN, "EISCONN"),
    (libc::EADDRINUSE, "EADDRINUSE"),
    (libc::EADDRNOTAVAIL, "EADDRNOTAVAIL"),
    (libc::EACCES, "EACCES"),
    (libc::EPERM, "EPERM"),
    (libc::EMFILE, "EMFILE"),
    (libc::ENFILE, "ENFILE"),
    (libc::EINVAL, "EINVAL"),
    (libc::EINTR, "EINTR"),
    (libc::EBADF, "EBADF"),
    (libc::ETIMEDOUT, "ETIMEDOUT"),
    (libc::EHOSTUNREACH, "EHOSTUNREACH"),
    (libc::ENETUNREACH, "ENETUNREACH"),
    (libc::ENOBUFS, "ENOBUFS"),
    (libc::ENOMEM, "ENOMEM"),
    (libc::EAFNOSUPPORT, "EAFNOSUPPORT"),
    (libc::EOPNOTSUPP, "EOPNOTSUPP"),
    (libc::ENOTSOCK, "ENOTSOCK"),
    (libc::EMSGSIZE, "EMSGSIZE"),
    (libc::EPROTO, "EPROTO"),
    (libc::EDESTADDRREQ, "EDESTADDRREQ"),
    (libc::ENOPROTOOPT, "ENOPROTOOPT"),
    // getaddrinfo's errors (negative, as glibc numbers them): a lookup's result.
    (libc::EAI_NONAME, "EAI_NONAME"),
    (libc::EAI_AGAIN, "EAI_AGAIN"),
    (libc::EAI_FAIL, "EAI_FAIL"),
    (libc::EAI_NODATA, "EAI_NODATA"),
    (libc::EAI_FAMILY, "EAI_FAMILY"),
    (libc::EAI_SERVICE, "EAI_SERVICE"),
    (libc::EAI_MEMORY, "EAI_MEMORY"),
];

impl Errno {
    /// The errno of an I/O error from a syscall; `EIO` when it carries none.
    pub fn of(err: &std::io::Error) -> Errno {
        Errno(err.raw_os_error().unwrap_or(libc::EIO))
    }

    /// The symbolic name (`"EAGAIN"`); `"E<n>"` for a number not in the table.
    pub fn name(self) -> String {
        NAMES
            .iter()
            .find(|(n, _)| *n == self.0)
            .map_or_else(|| format!("E{}", self.0), |(_, s)| (*s).to_string())
    }

    /// The errno for a symbolic name, as `expect` and tests write it.
    pub fn from_name(name: &str) -> Option<Errno> {
        let upper = name.to_ascii_uppercase();
        if upper == "EWOULDBLOCK" {
            return Some(Errno(libc::EAGAIN));
        }
        NAMES
            .iter()
            .find(|(_, s)| *s == upper)
            .map(|(n, _)| Errno(*n))
    }

    /// The system's message (`strerror`), without Rust's "(os error N)".
    pub fn message(self) -> String {
        if self.0 < 0 {
            return crate::sys::getaddrinfo::error_text(self.0);
        }
        let text = std::io::Error::from_raw_os_error(self.0).to_string();
        match text.rfind(" (os error") {
            Some(i) => text[..i].to_string(),
            None => text,
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_messages() {
        assert_eq!(Errno(libc::EAGAIN).name(), "EAGAIN");
        assert_eq!(Errno::from_name("ewouldblock"), Some(Errno(libc::EAGAIN)));
        assert_eq!(
            Errno::from_name("ECONNREFUSED"),
            Some(Errno(libc::ECONNREFUSED))
        );
        assert_eq!(Errno(libc::ECONNREFUSED).message(), "Connection refused");
        assert_eq!(Errno(9999).name(), "E9999");
    }
}
