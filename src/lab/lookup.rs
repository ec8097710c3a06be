//! Name lookups (`connect example.org:80`, `listen myhost:0`, `udp
//! myhost:0`, `sendto U1 myhost:9 …`) off the caller's thread: a lookup can
//! wait for a resolver that never answers, and the caller may be the
//! screen's thread.
//!
//! A host name is looked up as a call of its own, `getaddrinfo(HOST)`; it
//! is in flight (with its time) while the resolver works, and its result is
//! a result like any other: the address found, or the resolver's error
//! (`EAI_NONAME`, …). A lookup for a socket about to be made runs on a
//! thread of its own, and the socket call follows under the name the lookup
//! kept for it. A lookup for a socket that exists (`sendto`, and `connect`
//! on a UDP socket) runs on its sending lane, in order with its other
//! sends, as a program's `sendto(data, (HOST, PORT))` looks the name up on
//! the thread that sends; the call follows it there. An address literal
//! needs no lookup and none is shown.

use std::ffi::CString;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use super::command::Endpoint;
use super::errno::Errno;
use super::lane::Job;
use super::name::{Role, SockName};
use super::open::AfterLookup;
use super::record::{Extra, Recorder};
use super::result::{Arg, Call, Started};
use super::socket::LabSocket;
use super::{LabError, Shared};

/// Looks a host up: its addresses, or the resolver's error as a negative
/// `EAI_*` code (glibc's values).
pub type Resolver = Arc<dyn Fn(&str, u16) -> Result<Vec<SocketAddr>, Errno> + Send + Sync>;

/// What a lookup tells the resolver of the socket the address is for, as
/// a program's hints do: its type, and its family once it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    /// `SOCK_STREAM` or `SOCK_DGRAM`.
    pub socktype: libc::c_int,
    /// `AF_INET`, `AF_INET6`, or `AF_UNSPEC` for a socket not yet made.
    pub family: libc::c_int,
}

impl Hints {
    /// For a socket of `role`, of the family of `bound` when it has an
    /// address already (a bound UDP socket reaches only its own family).
    fn for_socket(role: Role, bound: Option<SocketAddr>) -> Hints {
        Hints {
            socktype: match role {
                Role::Udp => libc::SOCK_DGRAM,
                _ => libc::SOCK_STREAM,
            },
            family: match bound {
                Some(SocketAddr::V4(_)) => libc::AF_INET,
                Some(SocketAddr::V6(_)) => libc::AF_INET6,
                None => libc::AF_UNSPEC,
            },
        }
    }
}

/// The lookups of a lab: how it resolves, and which lookups are in flight.
#[derive(Default)]
pub(crate) struct Lookups {
    resolver: Mutex<Option<Resolver>>,
    /// Each lookup not answered yet, and whether it runs on a socket's lane
    /// (where the lane counts it as pending) or on a thread of its own.
    in_flight: Mutex<Vec<(Started, bool)>>,
}

impl Lookups {
    fn resolver(&self, hints: Hints) -> Resolver {
        self.resolver
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_else(|| {
                Arc::new(move |host: &str, port| getaddrinfo_with(host, port, hints))
            })
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
            .iter()
            .map(|(call, _)| call.clone())
            .collect()
    }

    /// How many lookups not answered yet run on threads of their own (the
    /// others are counted by their sockets' lanes).
    pub(crate) fn free_standing(&self) -> usize {
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(_, on_lane)| !on_lane)
            .count()
    }

    fn begin(&self, call: &Started, on_lane: bool) {
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((call.clone(), on_lane));
    }

    /// The lookup `call` is answered. Matched by its number and its start,
    /// since numbers begin again after a reset.
    fn end(&self, call: &Started) {
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(c, _)| (c.seq, c.t) != (call.seq, call.t));
    }

    /// Forgets every lookup in flight (the lab starts afresh; an old
    /// lookup that answers later is not reported).
    pub(crate) fn forget_all(&self) {
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

/// The system's resolver, as a program calls it: `getaddrinfo(3)` for
/// stream sockets, any family.
pub fn getaddrinfo(host: &str, port: u16) -> Result<Vec<SocketAddr>, Errno> {
    getaddrinfo_with(
        host,
        port,
        Hints {
            socktype: libc::SOCK_STREAM,
            family: libc::AF_UNSPEC,
        },
    )
}

/// The system's resolver, `getaddrinfo(3)`, with a socket's type and
/// family as hints: the addresses in the resolver's order, each once.
pub fn getaddrinfo_with(host: &str, port: u16, hints: Hints) -> Result<Vec<SocketAddr>, Errno> {
    let c_host = CString::new(host).map_err(|_| Errno(libc::EAI_NONAME))?;
    let found =
        crate::sys::getaddrinfo::lookup(&c_host, hints.family, hints.socktype).map_err(Errno)?;
    let mut addrs = Vec::new();
    for ip in found {
        let a = SocketAddr::new(ip, port);
        if !addrs.contains(&a) {
            addrs.push(a);
        }
    }
    Ok(addrs)
}

/// The address of an endpoint written as an address literal; `None` when
/// its host is a name that needs a lookup.
pub(crate) fn literal(ep: &Endpoint) -> Option<SocketAddr> {
    ep.host
        .parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, ep.port))
}

/// Where a call goes: somewhere known now, or a host name to look up first.
pub(crate) enum Dest<'a, T> {
    /// Known without a lookup: a lab socket's address, or an address literal.
    Known(T),
    /// A host name, looked up as a call of its own before the call.
    Named(&'a Endpoint),
}

/// An endpoint as a destination: its address when it is a literal.
pub(crate) fn dest(ep: &Endpoint) -> Dest<'_, SocketAddr> {
    literal(ep).map_or(Dest::Named(ep), Dest::Known)
}

/// The address to use among those found: one of the socket's own family
/// when it has one, else IPv4 first, as listeners default to 127.0.0.1.
fn pick(addrs: &[SocketAddr], family: libc::c_int) -> Option<SocketAddr> {
    let v6 = family == libc::AF_INET6;
    addrs
        .iter()
        .find(|a| a.is_ipv6() == v6)
        .or(addrs.first())
        .copied()
}

/// A lookup's answer: the address to use, if any, and what finishes the
/// lookup's record (called once the address has been put to use, so that
/// a script's next line finds its effect).
struct Answer {
    addr: Option<SocketAddr>,
    report: Box<dyn FnOnce() + Send>,
}

/// Asks `resolver` for `host` under the record of `call`, made for the
/// socket `name` (of `family`, when it has one).
fn answer(
    shared: &Arc<Shared>,
    call: &Started,
    resolver: &Resolver,
    (host, port): (&str, u16),
    name: SockName,
    family: libc::c_int,
) -> Answer {
    let rec = Recorder::begin(shared, call, None);
    let found = resolver(host, port);
    let addr = found.as_ref().ok().and_then(|a| pick(a, family));
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
    // A bound socket asks for its own family only, as a program's sendto()
    // does: say so when that found nothing (glibc's EAI_ADDRFAMILY is -9).
    let nothing_found = |e: Errno| matches!(e.0, libc::EAI_NONAME | libc::EAI_NODATA | -9);
    let note = match (family, outcome) {
        (libc::AF_INET | libc::AF_INET6, Err(e)) if nothing_found(e) => Some(format!(
            "{name} is an IPv{} socket, so only IPv{0} addresses were asked for",
            if family == libc::AF_INET { 4 } else { 6 }
        )),
        _ => None,
    };
    let (shared, call) = (Arc::clone(shared), call.clone());
    Answer {
        addr,
        report: Box::new(move || {
            shared.lookups.end(&call);
            rec.finish(
                outcome,
                Extra {
                    sentence,
                    note,
                    ..Extra::default()
                },
            );
        }),
    }
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
    let call = shared.begin(name, Call::Lookup, Arg::Text(ep.host.clone().into()));
    let hints = Hints::for_socket(role, None);
    let resolver = shared.lookups.resolver(hints);
    shared.lookups.begin(&call, false);
    let epoch = shared.epoch();
    let (shared2, call2, host, port) = (Arc::clone(shared), call.clone(), ep.host.clone(), ep.port);
    let spawned = std::thread::Builder::new()
        .name("sockplay-lookup".into())
        .spawn(move || {
            let found = answer(
                &shared2,
                &call2,
                &resolver,
                (&host, port),
                name,
                hints.family,
            );
            // The lab was reset meanwhile: the name belongs to the old run,
            // and no socket is made for it in the new one.
            if shared2.epoch() != epoch {
                return;
            }
            // The lookup and the calls it leads to are told as one.
            let _told = shared2.telling();
            match found.addr {
                // The lookup is reported once its socket is in the lab, so
                // that the line after it finds the socket there.
                Some(addr) => then(
                    &shared2,
                    addr,
                    AfterLookup {
                        name,
                        report: found.report,
                    },
                ),
                None => (found.report)(),
            }
        });
    if let Err(e) = spawned {
        shared.lookups.end(&call);
        return Err(LabError::Thread(name, e));
    }
    Ok(vec![call])
}

/// What a call on an existing socket does once its target's name is
/// looked up: the calls to run next on the socket's sending lane.
pub(crate) type Then =
    Box<dyn FnOnce(&Arc<Shared>, &Arc<LabSocket>, SocketAddr) -> Vec<Job> + Send>;

/// Looks `ep`'s host up as the call `getaddrinfo(HOST)` on `sock`'s
/// sending lane, after the sends queued there and before any queued
/// later; then `then`, with the address found, gives the calls that follow
/// it at once on that lane. A socket closed before its turn comes makes
/// no lookup (EBADF). Returns the lookup's call at once.
pub(crate) fn resolve_on_lane(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    ep: &Endpoint,
    then: Then,
) -> Result<Vec<Started>, LabError> {
    let call = shared.begin(sock.name, Call::Lookup, Arg::Text(ep.host.clone().into()));
    let hints = Hints::for_socket(sock.name.role, sock.meta().local);
    let resolver = shared.lookups.resolver(hints);
    shared.lookups.begin(&call, true);
    let (shared2, sock2, call2, host, port) = (
        Arc::clone(shared),
        Arc::clone(sock),
        call.clone(),
        ep.host.clone(),
        ep.port,
    );
    let run = move |cancelled: bool| {
        if cancelled || sock2.is_closed() {
            shared2.lookups.end(&call2);
            Recorder::begin(&shared2, &call2, None)
                .finish(Err(Errno(libc::EBADF)), Extra::default());
            return;
        }
        let found = answer(
            &shared2,
            &call2,
            &resolver,
            (&host, port),
            sock2.name,
            hints.family,
        );
        let Some(addr) = found.addr else {
            (found.report)();
            return;
        };
        // The calls are numbered and queued before the lookup is reported,
        // so that they keep their place before any the next line queues.
        let jobs = then(&shared2, &sock2, addr);
        let refused = sock2.send.push_next(jobs).err();
        (found.report)();
        if let Some((_, jobs)) = refused {
            // No thread for the lane: each call says it never ran.
            for job in jobs {
                (job.run)(true);
            }
        }
    };
    let job = Job {
        started: call.clone(),
        run: Box::new(run),
    };
    if let Err((e, _)) = sock.send.push(job) {
        shared.lookups.end(&call);
        return Err(LabError::Thread(sock.name, e));
    }
    Ok(vec![call])
}
