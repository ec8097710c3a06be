//! The kernel view: what the kernel holds for every lab socket, read live.
//!
//! One sock_diag dump per snapshot (filtered in the kernel to the lab's
//! ports, with TCP_INFO and SK_MEMINFO), plus /proc for the system settings
//! and the TcpExt counters. No per-socket syscalls: the dump's receive and
//! send queues are the figures FIONREAD and TIOCOUTQ give (the receive queue
//! less the sequence number of a FIN), and TCP_INFO's notsent is SIOCOUTQNSD;
//! the tests check that against the ioctls and `ss`.
//!
//! This module knows nothing of terminals.

mod build;
pub mod bytecode;
pub mod diag;
pub mod fields;
mod held;
mod notes;
pub mod phrases;
pub mod proc;
mod reader;
mod sampler;
pub mod snapshot;
pub mod state;
pub mod sysctl;
pub mod tcp_info;
pub mod udp;
pub mod watch;

use std::io;

pub use build::Readings;
pub use notes::{
    next_resend_words, next_syn_words, syn_limit_words, syn_timer_words, tenths_left, time_left,
};
pub use proc::{Counters, System};
pub use reader::KernelReader;
pub use sampler::Sampler;
pub use snapshot::{
    CounterScope, HalfOpen, PastLimit, Snapshot, SockView, SynQueue, TcpOptions, TcpView, ViewRole,
    kernel_timeout_text, rtt_text,
};
pub use state::TcpState;

use crate::lab::{Observer, Role, SockName, SocketInfo};
use diag::DiagSocket;

/// Takes snapshots of a lab from the running kernel; counts the TcpExt
/// counters from its creation (or from [`Snapshotter::count_from_now`]).
///
/// A front end builds one and shares it through a [`KernelReader`], so that
/// every figure it shows counts from the same moment.
pub struct Snapshotter {
    diag: DiagSocket,
    base: Counters,
    scope: CounterScope,
    /// The system settings, and when they were read: at most once a second.
    system: Option<(System, std::time::Instant)>,
    /// The lab's sockets and the dump, kept from one snapshot to the next
    /// so that their memory is reused, not asked of the system each time.
    lab: Vec<SocketInfo>,
    entries: Vec<diag::DiagEntry>,
    /// Another process's sockets, watched beside the lab's.
    watch: Option<watch::Watch>,
    /// A sock_diag socket on the link's client side, once the lab is on a
    /// link: sock_diag answers for its own namespace only.
    client_side: Option<DiagSocket>,
    /// The sockets of a view nobody shows any more: the next snapshot's
    /// are built in this memory.
    spare: Vec<SockView>,
}

/// How long system settings read from /proc/sys are shown before reading again.
const SYSTEM_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The ports whose TCP sockets make up the lab: its listeners', its
/// clients' targets', and those its accepted sockets came in on; with
/// `udp`, its UDP sockets' own ports.
fn lab_ports(lab: &[SocketInfo], udp: bool) -> Vec<u16> {
    let mut ports: Vec<u16> = lab
        .iter()
        .filter(|s| (s.role == Role::Udp) == udp)
        .filter_map(|s| match s.role {
            Role::Listener | Role::Accepted | Role::Udp => s.meta.local.map(|a| a.port()),
            Role::Client => s.meta.peer.map(|a| a.port()),
            Role::Watched => None,
        })
        .filter(|p| *p != 0)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// Names both ends where a lab client is connected to a watched server
/// (`C3 ⇄ S7`), as the lab does for its own pairs.
fn pair_with_lab_clients(sockets: &mut [SockView]) {
    let clients: rustc_hash::FxHashMap<std::net::SocketAddr, (usize, crate::lab::SockName)> =
        sockets
            .iter()
            .enumerate()
            .filter(|(_, v)| v.id.is_some_and(|n| n.role == Role::Client))
            .filter_map(|(i, v)| Some((v.local?, (i, v.id?))))
            .collect();
    if clients.is_empty() {
        return;
    }
    let mut pairs = Vec::new();
    for v in sockets.iter_mut() {
        let watched =
            v.id.is_some_and(|n| n.role == Role::Watched) || (v.id.is_none() && v.owner.is_some());
        if !watched {
            continue;
        }
        if let Some((ci, cn)) = v.peer.and_then(|p| clients.get(&p)) {
            v.pair = Some(*cn);
            if let Some(n) = v.id {
                pairs.push((*ci, n));
            }
        }
    }
    for (ci, n) in pairs {
        sockets[ci].pair = Some(n);
    }
}

impl Snapshotter {
    /// A snapshotter on the live kernel, counting from now. Opens a
    /// sock_diag socket (no privilege needed).
    pub fn live() -> io::Result<Self> {
        Ok(Snapshotter {
            diag: DiagSocket::open()?,
            base: Counters::live().unwrap_or_default(),
            scope: if crate::lab::netns::is_own() {
                CounterScope::ThisLab
            } else {
                CounterScope::SystemWide
            },
            system: None,
            lab: Vec::new(),
            entries: Vec::new(),
            watch: None,
            client_side: None,
            spare: Vec::new(),
        })
    }

    /// Watches another process's sockets beside the lab's from now on.
    pub fn watch(&mut self, watch: watch::Watch) {
        self.watch = Some(watch);
    }

    /// Reads TCP_INFO only for these watched sockets (see
    /// [`watch::Watch::set_detail`]).
    pub fn set_watch_detail(
        &mut self,
        detail: Option<rustc_hash::FxHashSet<crate::lab::SockName>>,
    ) {
        if let Some(w) = &mut self.watch {
            w.set_detail(detail);
        }
    }

    /// Takes back a snapshot nobody shows any more: the next one is built
    /// in its memory. At tens of thousands of watched sockets a view is
    /// megabytes; asking the allocator for them afresh at every sample
    /// costs page faults, and memory the allocator keeps.
    pub fn recycle(&mut self, old: Snapshot) {
        let mut sockets = old.sockets;
        if sockets.capacity() > self.spare.capacity() {
            sockets.clear();
            self.spare = sockets;
        }
    }

    /// Counts the TcpExt counters from now on (a lab started afresh).
    pub fn count_from_now(&mut self) {
        self.base = Counters::live().unwrap_or_default();
    }

    /// Reads the system settings afresh at the next snapshot (after `sysctl` changed one).
    pub fn forget_system(&mut self) {
        self.system = None;
    }

    /// The system settings, read again when a second has passed.
    fn system(&mut self) -> System {
        match &self.system {
            Some((s, at)) if at.elapsed() < SYSTEM_EVERY => s.clone(),
            _ => {
                let s = System::live();
                self.system = Some((s.clone(), std::time::Instant::now()));
                s
            }
        }
    }

    /// The whole kernel view of the lab now.
    pub fn take(&mut self, lab: &Observer) -> io::Result<Snapshot> {
        let mut sockets = std::mem::take(&mut self.lab);
        lab.sockets_into(&mut sockets);
        let t = lab.elapsed();
        let mut snap = self.take_of(&sockets, t);
        if let Ok(s) = &snap
            && settle_handshakes(lab, &sockets, s)
        {
            // What the lab learned belongs in this view, not the next.
            lab.sockets_into(&mut sockets);
            snap = self.take_of(&sockets, t);
        }
        if let Ok(snap) = &snap {
            retire_let_go(lab, &sockets, snap);
        }
        self.lab = sockets;
        snap
    }

    /// The kernel view of these lab sockets.
    pub fn take_of(&mut self, lab: &[SocketInfo], t: std::time::Duration) -> io::Result<Snapshot> {
        let ports = lab_ports(lab, false);
        let udp_ports = lab_ports(lab, true);
        let v4 = lab
            .iter()
            .any(|s| s.meta.local.or(s.meta.peer).is_some_and(|a| a.is_ipv4()));
        let v6 = lab
            .iter()
            .any(|s| s.meta.local.or(s.meta.peer).is_some_and(|a| a.is_ipv6()));
        let mut entries = std::mem::take(&mut self.entries);
        entries.clear();
        let dumped = self.dump(v4, v6, &ports, &udp_ports, &mut entries);
        let snap = dumped.map(|()| self.build(lab, &entries, t));
        self.entries = entries;
        let mut snap = snap?;
        snap.link = crate::lab::sides::link_view();
        if let Some(w) = &mut self.watch {
            let status = w.sample(
                &mut self.diag,
                &snap.counters,
                &snap.system,
                t,
                &mut snap.sockets,
            )?;
            snap.watch = Some(status);
            pair_with_lab_clients(&mut snap.sockets);
        }
        Ok(snap)
    }

    /// Dumps the lab's TCP and UDP ports of the families it uses.
    fn dump(
        &mut self,
        v4: bool,
        v6: bool,
        ports: &[u16],
        udp_ports: &[u16],
        entries: &mut Vec<diag::DiagEntry>,
    ) -> io::Result<()> {
        if v4 && let Some(sides) = crate::lab::sides::get() {
            if self.client_side.is_none() {
                self.client_side = Some(sides.on_client_side(DiagSocket::open)??);
            }
            if let Some(d) = &mut self.client_side {
                d.dump(libc::AF_INET, ports, entries)?;
            }
        }
        if v4 {
            self.diag.dump(libc::AF_INET, ports, entries)?;
            self.diag
                .dump_of(libc::AF_INET, libc::IPPROTO_UDP, udp_ports, entries)?;
        }
        if v6 {
            self.diag.dump(libc::AF_INET6, ports, entries)?;
            self.diag
                .dump_of(libc::AF_INET6, libc::IPPROTO_UDP, udp_ports, entries)?;
        }
        Ok(())
    }

    /// Joins the lab's sockets and the dump, with the counters and settings now.
    fn build(
        &mut self,
        lab: &[SocketInfo],
        entries: &[diag::DiagEntry],
        t: std::time::Duration,
    ) -> Snapshot {
        let counters = Counters::live()
            .map(|c| c.since(self.base))
            .unwrap_or_default();
        let system = self.system();
        build::snapshot_into(
            Readings {
                lab,
                entries,
                system,
                counters,
                scope: self.scope,
                t,
            },
            std::mem::take(&mut self.spare),
        )
    }
}

/// Clients the kernel has let go of that the lab knows no end of (no
/// close, shutdown or error a call reported): how their handshake went is
/// read from the kernel once. Returns whether the lab learned something.
fn settle_handshakes(lab: &Observer, sockets: &[SocketInfo], snap: &Snapshot) -> bool {
    // The lab lists its sockets in name order.
    let unread = |n: SockName| {
        sockets
            .binary_search_by_key(&n, |s| s.name)
            .ok()
            .map(|i| &sockets[i])
            .is_some_and(|s| !s.handshake_read && !s.meta.closed && s.meta.ended.is_none())
    };
    let ended: Vec<SockName> = snap
        .sockets
        .iter()
        .filter(|v| v.state == TcpState::Closed && v.role == ViewRole::Client)
        .filter_map(|v| v.id)
        .filter(|n| unread(*n))
        .collect();
    !ended.is_empty() && lab.settle_handshakes(&ended)
}

/// Closed connection ends the snapshot found no kernel trace of (the
/// kernel let them go: no TIME-WAIT, no FIN-WAIT left) leave the lab's
/// list, so that no reader walks them again.
fn retire_let_go(lab: &Observer, sockets: &[SocketInfo], snap: &Snapshot) {
    let closed = |s: &&SocketInfo| {
        s.meta.closed && s.pending == 0 && matches!(s.role, Role::Client | Role::Accepted)
    };
    if !sockets.iter().any(|s| closed(&s)) {
        return;
    }
    let shown: rustc_hash::FxHashSet<SockName> = snap.sockets.iter().filter_map(|v| v.id).collect();
    let gone: Vec<SockName> = sockets
        .iter()
        .filter(closed)
        .map(|s| s.name)
        .filter(|n| !shown.contains(n))
        .collect();
    if !gone.is_empty() {
        lab.retire(&gone);
    }
}
