//! Which lab socket sits at each end of a segment.

use rustc_hash::FxHashMap;
use std::net::SocketAddr;

use crate::lab::{Observer, Role, SockName};

/// The lab's connection ends by address, read from the lab.
#[derive(Default)]
pub struct Directory {
    clients: FxHashMap<SocketAddr, SockName>,
    accepted: FxHashMap<(SocketAddr, SocketAddr), SockName>,
    listeners: Vec<(SocketAddr, SockName)>,
    /// Clients without a known local address (a connect that failed gave
    /// its port back), by the address they connect to.
    unplaced: Vec<(SocketAddr, SockName)>,
    /// Addresses learned from such a client's SYN.
    learned: FxHashMap<SocketAddr, SockName>,
    /// The lab's generation when the directory was read.
    read: Option<u64>,
}

/// The names of a segment's two ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ends {
    /// The sender.
    pub from: Option<SockName>,
    /// The receiver.
    pub to: Option<SockName>,
}

/// The loopback address of an address's family.
fn loopback_of(a: SocketAddr) -> std::net::IpAddr {
    if a.is_ipv4() {
        std::net::Ipv4Addr::LOCALHOST.into()
    } else {
        std::net::Ipv6Addr::LOCALHOST.into()
    }
}

impl Directory {
    /// Reads the ends again from the lab.
    pub fn refresh(&mut self, lab: &Observer) {
        let generation = lab.generation();
        self.clients.clear();
        self.accepted.clear();
        self.listeners.clear();
        self.unplaced.clear();
        for (name, local, peer) in lab.ends() {
            match (name.role, local, peer) {
                (Role::Client, Some(l), _) if l.port() != 0 => {
                    // A failed connect keeps its port but not its address.
                    let key = if l.ip().is_unspecified() {
                        SocketAddr::new(loopback_of(l), l.port())
                    } else {
                        l
                    };
                    // A port used again: the newer client holds it now.
                    let newest = self
                        .clients
                        .get(&key)
                        .is_none_or(|n| n.number < name.number);
                    if newest {
                        self.clients.insert(key, name);
                    }
                }
                (Role::Client, _, Some(p)) => self.unplaced.push((p, name)),
                (Role::Accepted, Some(l), Some(p)) => {
                    self.accepted.insert((l, p), name);
                }
                (Role::Listener, Some(l), _) => self.listeners.push((l, name)),
                _ => {}
            }
        }
        self.read = Some(generation);
    }

    /// The name at `addr` talking to `peer`. A listener's end is named for
    /// the listener during the handshake (`handshake`) and until a socket
    /// is accepted for it.
    fn name(&self, addr: SocketAddr, peer: SocketAddr, handshake: bool) -> Option<SockName> {
        if let Some(c) = self.clients.get(&addr).or_else(|| self.learned.get(&addr)) {
            return Some(*c);
        }
        if !handshake && let Some(a) = self.accepted.get(&(addr, peer)) {
            return Some(*a);
        }
        self.listeners
            .iter()
            .find(|(l, _)| {
                l.port() == addr.port()
                    && l.is_ipv4() == addr.is_ipv4()
                    && (l.ip() == addr.ip() || l.ip().is_unspecified())
            })
            .map(|(_, n)| *n)
    }

    /// Both ends of a segment from `src` to `dst`, reading the lab again
    /// when an end is not known, or is a listener, and the lab changed
    /// since it was last read. A client in SYN-SENT has no address in the
    /// lab until its connect returns: it is read from the kernel then.
    pub fn ends(
        &mut self,
        lab: &Observer,
        src: SocketAddr,
        dst: SocketAddr,
        handshake: bool,
    ) -> Ends {
        let look = |d: &Self| Ends {
            from: d.name(src, dst, handshake),
            to: d.name(dst, src, handshake),
        };
        let ends = look(self);
        let settled =
            |n: Option<SockName>| n.is_some_and(|n| n.role != Role::Listener || handshake);
        if settled(ends.from) && settled(ends.to) {
            return ends;
        }
        if handshake || self.read != Some(lab.generation()) {
            self.refresh(lab);
        }
        let mut ends = look(self);
        // A SYN from an address no client holds: the newest client that
        // connects there and has no address of its own sent it.
        if handshake
            && ends.from.is_none()
            && let Some((_, name)) = self
                .unplaced
                .iter()
                .filter(|(p, _)| *p == dst)
                .max_by_key(|(_, n)| n.number)
        {
            self.learned.insert(src, *name);
            ends.from = Some(*name);
        }
        ends
    }
}
