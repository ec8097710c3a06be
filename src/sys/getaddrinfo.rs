//! The system's resolver, `getaddrinfo(3)`, and its error texts
//! (`gai_strerror`).

use std::ffi::CStr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The addresses the resolver gives for `host` with these hints, in its
/// order; or its error: an `EAI_*` code (negative), or the errno when the
/// code is EAI_SYSTEM.
pub fn lookup(host: &CStr, family: libc::c_int, socktype: libc::c_int) -> Result<Vec<IpAddr>, i32> {
    let hints = libc::addrinfo {
        ai_flags: 0,
        ai_family: family,
        ai_socktype: socktype,
        ai_protocol: 0,
        ai_addrlen: 0,
        ai_addr: std::ptr::null_mut(),
        ai_canonname: std::ptr::null_mut(),
        ai_next: std::ptr::null_mut(),
    };
    let mut list = List(std::ptr::null_mut());
    // SAFETY: `host` is a NUL-terminated string and `hints` a valid addrinfo,
    // both alive for the call; on success `list.0` receives a list that
    // `List`'s drop frees once.
    let rc = unsafe { libc::getaddrinfo(host.as_ptr(), std::ptr::null(), &hints, &mut list.0) };
    if rc != 0 {
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        return Err(if rc == libc::EAI_SYSTEM { errno } else { rc });
    }
    let mut addrs = Vec::new();
    let mut at = list.0;
    // Bounded: the resolver's list ends with a null next pointer.
    while !at.is_null() {
        // SAFETY: `at` is the list's head or a next pointer in it, not null,
        // and the list lives until `list` drops, after this loop.
        let ai = unsafe { &*at };
        addrs.extend(address(ai));
        at = ai.ai_next;
    }
    Ok(addrs)
}

/// The text of a resolver error code (`EAI_*`).
pub fn error_text(code: i32) -> String {
    // SAFETY: gai_strerror returns a pointer to a static NUL-terminated
    // string for any code, known or not.
    let text = unsafe { CStr::from_ptr(libc::gai_strerror(code)) };
    text.to_string_lossy().into_owned()
}

/// The list getaddrinfo returned, freed once when dropped.
struct List(*mut libc::addrinfo);

impl Drop for List {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer came from a successful getaddrinfo and is
            // freed here only, once.
            unsafe { libc::freeaddrinfo(self.0) };
        }
    }
}

/// The IP address one entry holds, when it is IPv4 or IPv6.
fn address(ai: &libc::addrinfo) -> Option<IpAddr> {
    if ai.ai_addr.is_null() {
        return None;
    }
    // SAFETY: `ai_addr` points at `ai_addrlen` bytes of socket address that
    // live as long as the list `ai` belongs to, which outlives this call.
    let bytes =
        unsafe { std::slice::from_raw_parts(ai.ai_addr.cast::<u8>(), ai.ai_addrlen as usize) };
    match ai.ai_family {
        // sockaddr_in: family, port, then the address at 4.
        libc::AF_INET => {
            let a: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
            Some(IpAddr::V4(Ipv4Addr::from(a)))
        }
        // sockaddr_in6: family, port, flow info, then the address at 8.
        libc::AF_INET6 => {
            let a: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_localhost_resolve_and_errors_have_text() {
        let v4 = lookup(c"127.0.0.1", libc::AF_UNSPEC, libc::SOCK_STREAM).unwrap();
        assert_eq!(v4, [IpAddr::V4(Ipv4Addr::LOCALHOST)]);
        let v6 = lookup(c"::1", libc::AF_INET6, libc::SOCK_STREAM).unwrap();
        assert_eq!(v6, [IpAddr::V6(Ipv6Addr::LOCALHOST)]);
        let bad = lookup(c"no such host.invalid", libc::AF_UNSPEC, libc::SOCK_STREAM).unwrap_err();
        assert!(bad < 0, "{bad}");
        assert!(!error_text(bad).is_empty());
    }
}
