//! Name lookups (`connect example.org:80`, `listen myhost:0`) off the
//! caller's thread: a lookup can wait for a resolver that never answers,
//! and the caller may be the screen's thread.
//!
//! A host name is looked up as a call of its own, `getaddrinfo(HOST)`, on a
//! thread of its own; it is in flight (with its time) while the resolver
//! works, and its result is a result like any other: the address found, or
//! the resolver's error (`EAI_NONAME`, …). Then the socket call runs with
//! the address, under the name the lookup kept for it. An address literal
//! needs no lookup and none is shown.

use std::ffi::CString;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use super::command::Endpoint;
use super::errno::Errno;
use super::name::Role;
use super::open::AfterLookup;
use super::record::{Extra, Recorder};
use super::result::{Arg, Call, Started};
use super::{LabError, Shared};

/// Looks a host up: its addresses, or the resolver's error as a negative
/// `EAI_*` code (glibc's values).
pub type Resolver = Arc<dyn Fn(&str, u16) -> Result<Vec<SocketAddr>, Errno> + Send + Sync>;

/// The lookups of a lab: how it resolves, and which lookups are in flight.
#[derive(Default)]
pub(crate) struct Lookups {
    resolver: Mutex<Option<Resolver>>,
    in_flight: Mutex<Vec<Started>>,
}

impl Lookups {
    fn resolver(&self) -> Resolver {
        self.resolver
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_else(|| Arc::new(getaddrinfo))
    }

    /// Uses `resolver` instead of the system's (tests: a resolver that
    /// never answers).
    pub(crate) fn set_resolver(&self, resolver: Resolver) {
        *self.resolver.lock().unwrap_or_else(|p| p.into_inner()) = Some(resolver);
    }

    /// The lookups not answered yet.
    pub(crate) fn in_flight(&self) -> Vec<Started> {
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn begin(&self, call: &Started) {
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(call.clone());
    }

    fn end(&self, seq: u64) {
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|c| c.seq != seq);
    }
}

/// The system's resolver, as a program calls it: `getaddrinfo(3)` for
/// stream sockets, any family.
pub fn getaddrinfo(host: &str, port: u16) -> Result<Vec<SocketAddr>, Errno> {
    let c_host = CString::new(host).map_err(|_| Errno(libc::EAI_NONAME))?;
    // SAFETY: an all-zero addrinfo is a valid set of hints.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = libc::AF_UNSPEC;
    hints.ai_socktype = libc::SOCK_STREAM;
    let mut list: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: valid C strings and hints; the list is freed below.
    let rc = unsafe { libc::getaddrinfo(c_host.as_ptr(), std::ptr::null(), &hints, &mut list) };
    if rc != 0 {
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        return Err(Errno(if rc == libc::EAI_SYSTEM { errno } else { rc }));
    }
    let mut addrs = Vec::new();
    let mut at = list;
    // Bounded: the resolver's list ends with a null next pointer.
    while !at.is_null() {
        // SAFETY: `at` points into the list getaddrinfo returned.
        let ai = unsafe { &*at };
        if let Some(mut a) = socket_addr(ai) {
            a.set_port(port);
            if !addrs.contains(&a) {
                addrs.push(a);
            }
        }
        at = ai.ai_next;
    }
    // SAFETY: the list came from getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(list) };
    Ok(addrs)
}

/// The address one entry of getaddrinfo's list holds, if IPv4 or IPv6.
fn socket_addr(ai: &libc::addrinfo) -> Option<SocketAddr> {
    if ai.ai_addr.is_null() {
        return None;
    }
    match ai.ai_family {
        libc::AF_INET if ai.ai_addrlen as usize >= std::mem::size_of::<libc::sockaddr_in>() => {
            // SAFETY: an AF_INET entry holds a sockaddr_in of that length.
            let sin = unsafe { std::ptr::read_unaligned(ai.ai_addr.cast::<libc::sockaddr_in>()) };
            let ip = std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
            Some(SocketAddr::new(IpAddr::V4(ip), 0))
        }
        libc::AF_INET6 if ai.ai_addrlen as usize >= std::mem::size_of::<libc::sockaddr_in6>() => {
            // SAFETY: an AF_INET6 entry holds a sockaddr_in6 of that length.
            let sin6 = unsafe { std::ptr::read_unaligned(ai.ai_addr.cast::<libc::sockaddr_in6>()) };
            let ip = std::net::Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Some(SocketAddr::new(IpAddr::V6(ip), 0))
        }
        _ => None,
    }
}

/// The address of an endpoint written as an address literal; `None` when
/// its host is a name that needs a lookup.
pub(crate) fn literal(ep: &Endpoint) -> Option<SocketAddr> {
    ep.host
        .parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, ep.port))
}

/// The address to use among those found: IPv4 first, as listeners default
/// to 127.0.0.1.
fn pick(addrs: &[SocketAddr]) -> Option<SocketAddr> {
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
}

/// Looks `ep`'s host up on a thread of its own, as the call
/// `getaddrinfo(HOST)` of the socket about to be named for `role`; then,
/// with the address found, runs `then` there with that name. Returns the
/// lookup's call at once.
pub(crate) fn resolve_then(
    shared: &Arc<Shared>,
    ep: &Endpoint,
    role: Role,
    then: impl FnOnce(&Arc<Shared>, SocketAddr, AfterLookup<'_>) + Send + 'static,
) -> Result<Vec<Started>, LabError> {
    let name = shared.next_name(role);
    let call = shared.begin(name, Call::Lookup, Arg::Text(ep.host.clone()));
    let resolver = shared.lookups.resolver();
    shared.lookups.begin(&call);
    let (shared2, call2, host, port) = (Arc::clone(shared), call.clone(), ep.host.clone(), ep.port);
    let shared3 = Arc::clone(shared);
    let spawned = std::thread::Builder::new()
        .name("sockplay-lookup".into())
        .spawn(move || {
            let rec = Recorder::begin(&shared2, &call2, None);
            let found = resolver(&host, port);
            let addr = found.as_ref().ok().and_then(|a| pick(a));
            let outcome = match &found {
                Ok(a) if a.is_empty() => Err(Errno(libc::EAI_NODATA)),
                Ok(a) => Ok(a.len() as u64),
                Err(e) => Err(*e),
            };
            let sentence = addr.map(|a| {
                let others = found.as_ref().map_or(0, |f| f.len().saturating_sub(1));
                let more = if others > 0 {
                    format!(" (and {others} more)")
                } else {
                    String::new()
                };
                format!("{host} is {}{more}; {name} will use it", a.ip())
            });
            let report = move || {
                shared2.lookups.end(call2.seq);
                rec.finish(
                    outcome,
                    Extra {
                        sentence,
                        ..Extra::default()
                    },
                );
            };
            match addr {
                // The lookup is reported once its socket is in the lab, so
                // that the line after it finds the socket there.
                Some(addr) => then(
                    &shared3,
                    addr,
                    AfterLookup {
                        name,
                        report: Box::new(report),
                    },
                ),
                None => report(),
            }
        });
    if let Err(e) = spawned {
        shared.lookups.end(call.seq);
        return Err(LabError::Thread(name, e));
    }
    Ok(vec![call])
}
