//! Watching sockets the lab did not make: a real server's, found by port,
//! address or process. It is the kernel view with another filter — the
//! watched ports, run in the kernel — and owners read from
//! `/proc/PID/fd`; the snapshotter takes it with the lab's view, so there
//! is one sampler for both.
//!
//! Sockets are named `S1`, `S2` … by first appearance. A connection keeps
//! its name from the accept queue through TIME-WAIT (it is known by its
//! addresses, not its inode, which it has only while a process holds it).
//!
//! At scale the dump asks for no extensions (addresses, state, queues and
//! inode are in every message); TCP_INFO and the buffers are read for the
//! sockets in [`Watch::set_detail`] only, one lookup each. A headless
//! watch asks for them on every socket. The kernel walks its whole table
//! of connections for each TCP dump, whatever the filter keeps: one dump
//! covers both families. The views are built once, in the snapshot.

pub mod alerts;
pub mod owners;
pub mod status;
pub mod target;

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rustc_hash::{FxHashMap, FxHashSet};

use super::build;
use super::diag::{DiagEntry, DiagSocket, Extensions};
use super::proc::{Counters, System};
use super::snapshot::{SockView, ViewRole};
use super::state::TcpState;
use crate::lab::{Role, SockName};
pub use alerts::Alert;
use alerts::{Alerts, Fullness};
pub use owners::{Owner, Owners};
pub use status::WatchStatus;
pub use target::Target;

/// A socket's identity through its life: a connection is its address
/// pair (the inode comes only at `accept()` and goes at `close()`); a
/// listener or an unconnected UDP socket is its address and inode.
///
/// Kept as plain integers: the map of names is looked up for every watched
/// socket at every sample, and integers hash and compare fastest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    local: u128,
    peer: u128,
    /// Local port, peer port.
    ports: u32,
    inode: u64,
    /// What the socket is, and its family.
    kind: u8,
}

const TCP: u8 = 0;
const LISTENER: u8 = 1;
const UDP: u8 = 2;

fn ip_bits(a: SocketAddr) -> u128 {
    match a.ip() {
        std::net::IpAddr::V4(v4) => u128::from(u32::from(v4)),
        std::net::IpAddr::V6(v6) => u128::from(v6),
    }
}

impl Key {
    fn of(kind: u8, local: SocketAddr, peer: SocketAddr, inode: u64) -> Key {
        Key {
            local: ip_bits(local),
            peer: ip_bits(peer),
            ports: u32::from(local.port()) << 16 | u32::from(peer.port()),
            inode,
            kind: kind | if local.is_ipv6() { 0x10 } else { 0 },
        }
    }

    fn tcp(local: SocketAddr, peer: SocketAddr) -> Key {
        Key::of(TCP, local, peer, 0)
    }

    fn listener(local: SocketAddr, inode: u64) -> Key {
        Key::of(LISTENER, local, local, inode)
    }

    fn udp(local: SocketAddr, peer: SocketAddr, inode: u64) -> Key {
        Key::of(UDP, local, peer, inode)
    }
}

/// How long a family that had no watched UDP socket is not dumped again.
const EMPTY_EVERY: Duration = Duration::from_secs(1);

/// How often the sockets of a watched process that holds many are read again at most.
const PROCESS_EVERY: Duration = Duration::from_millis(500);

/// A watch in progress: its names, owners and alerts carry from one sample to the next.
pub struct Watch {
    target: Target,
    owners: Owners,
    names: FxHashMap<Key, (u32, u64)>,
    next: u32,
    generation: u64,
    alerts: Alerts,
    was: Fullness,
    detail: Option<FxHashSet<SockName>>,
    entries: Vec<DiagEntry>,
    process: Option<Process>,
    last: Vec<SockView>,
    /// Per family (UDP), when a dump of it last found nothing.
    empty_since: [Option<Instant>; 2],
}

/// A watched process: its sockets as last read.
struct Process {
    pid: u32,
    owner: Option<Owner>,
    inodes: FxHashSet<u64>,
    ports: Vec<u16>,
    read: Option<Instant>,
    /// A socket of it was missing from the last filtered dump: dump all.
    whole: bool,
    exited: Option<String>,
}

/// Why a watch cannot start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// No process has that pid.
    #[error("there is no process {0}")]
    NoProcess(u32),
}

impl Watch {
    /// A watch of `target`, reading owners from the live `/proc`. A
    /// process that does not exist is refused.
    pub fn new(target: Target) -> Result<Watch, WatchError> {
        let owners = Owners::live();
        let process = match target {
            Target::Pid(pid) => {
                let name = owners
                    .name_of(pid)
                    .filter(|_| owners.alive(pid))
                    .ok_or(WatchError::NoProcess(pid))?;
                Some(Process {
                    pid,
                    owner: Some(Owner {
                        pid,
                        name: name.into(),
                    }),
                    inodes: FxHashSet::default(),
                    ports: Vec::new(),
                    read: None,
                    whole: true,
                    exited: None,
                })
            }
            _ => None,
        };
        Ok(Watch {
            target,
            owners,
            names: FxHashMap::default(),
            next: 0,
            generation: 0,
            alerts: Alerts::default(),
            was: Fullness::default(),
            detail: None,
            entries: Vec::new(),
            process,
            last: Vec::new(),
            empty_since: [None; 2],
        })
    }

    /// What is watched.
    pub fn target(&self) -> Target {
        self.target
    }

    /// Reads TCP_INFO and the buffers only for these sockets (those on
    /// screen and the selected one); `None`: for every socket.
    pub fn set_detail(&mut self, detail: Option<FxHashSet<SockName>>) {
        self.detail = detail;
    }

    /// The watched sockets now, appended to `out` (the snapshot's, so
    /// that they are built once, where they stay), and what to say of them.
    pub fn sample(
        &mut self,
        diag: &mut DiagSocket,
        counters: &Counters,
        system: &System,
        t: Duration,
        out: &mut Vec<SockView>,
    ) -> io::Result<WatchStatus> {
        if let Some(note) = self.process_gone() {
            out.extend_from_slice(&self.last);
            return Ok(self.status(Some(note)));
        }
        let mut entries = std::mem::take(&mut self.entries);
        entries.clear();
        let start = out.len();
        let dumped = self.dump(diag, &mut entries);
        let result = dumped.map(|()| self.views(diag, &entries, counters, system, t, out));
        self.entries = entries;
        result?;
        let note = (out.len() == start).then(|| self.nothing_yet());
        // Kept to show after the process exits (a port's watch shows the next one).
        if self.process.is_some() {
            self.last.clear();
            self.last.extend_from_slice(&out[start..]);
        }
        Ok(self.status(note))
    }

    fn status(&self, note: Option<String>) -> WatchStatus {
        WatchStatus {
            target: self.target.to_string(),
            process: self.process.as_ref().and_then(|p| p.owner.clone()),
            note,
            alerts: self.alerts.recent(),
        }
    }

    fn nothing_yet(&self) -> String {
        match self.target {
            Target::Port(p) => format!("nothing on :{p} yet"),
            Target::Addr(a) => format!("nothing on {a} yet"),
            Target::Pid(pid) => {
                let name = self
                    .process
                    .as_ref()
                    .and_then(|p| p.owner.as_ref())
                    .map_or(String::new(), |o| format!("{} ", o.name));
                format!("{name}(pid {pid}) has no TCP or UDP socket yet")
            }
        }
    }

    /// For a watched process that has exited: what to say (the last view stays).
    fn process_gone(&mut self) -> Option<String> {
        let p = self.process.as_mut()?;
        // A program just started may not have reached its exec yet: its name changes.
        if p.exited.is_none()
            && let Some(name) = self.owners.name_of(p.pid)
            && p.owner.as_ref().is_none_or(|o| *o.name != *name)
        {
            p.owner = Some(Owner {
                pid: p.pid,
                name: name.into(),
            });
        }
        if p.exited.is_none() && !self.owners.alive(p.pid) {
            let who = p.owner.as_ref().map_or(format!("process {}", p.pid), |o| {
                format!("{} (pid {})", o.name, o.pid)
            });
            p.exited = Some(format!(
                "{who} exited at {}; the last view stays",
                alerts::time_of_day()
            ));
        }
        p.exited.clone()
    }

    /// Dumps the watched ports' sockets (TCP and UDP, both families).
    fn dump(&mut self, diag: &mut DiagSocket, out: &mut Vec<DiagEntry>) -> io::Result<()> {
        let ext = if self.detail.is_some() {
            Extensions::None
        } else {
            Extensions::Full
        };
        let ports: Vec<u16> = match (&self.target, &mut self.process) {
            (Target::Port(p), _) => vec![*p],
            (Target::Addr(a), _) => vec![a.port()],
            (Target::Pid(_), Some(p)) => {
                // A process of many sockets is read at most twice a second.
                let small = p.inodes.len() < 1024;
                if small || p.read.is_none_or(|r| r.elapsed() >= PROCESS_EVERY) {
                    p.read = Some(Instant::now());
                    if let Ok(inodes) = self.owners.sockets_of(p.pid) {
                        p.inodes = inodes.into_iter().collect();
                    }
                }
                if p.whole { Vec::new() } else { p.ports.clone() }
            }
            (Target::Pid(_), None) => Vec::new(),
        };
        let filter = if ports.is_empty() {
            None
        } else {
            super::bytecode::source_ports(&ports)
        };
        // TCP in one walk of the kernel's table for both families: a dump
        // by family walks all of it each time, whatever the filter keeps.
        diag.dump_tcp_both_families(filter.as_deref(), ext, out)?;
        let kinds = [libc::AF_INET, libc::AF_INET6];
        for (slot, family) in kinds.into_iter().enumerate() {
            // A family that had no UDP socket is asked again once a
            // second: most servers use one, and each dump is a round trip.
            if self.empty_since[slot].is_some_and(|t| t.elapsed() < EMPTY_EVERY) {
                continue;
            }
            let before = out.len();
            diag.dump_filtered(family, libc::IPPROTO_UDP, filter.as_deref(), ext, out)?;
            self.empty_since[slot] = (out.len() == before).then(Instant::now);
        }
        Ok(())
    }

    /// Whether an entry is one of the watched ones (before names).
    fn keeps(&self, e: &DiagEntry, listening: &FxHashSet<u16>) -> bool {
        match &self.process {
            None => self.target.holds(e.local),
            Some(p) => {
                (e.inode != 0 && p.inodes.contains(&e.inode))
                    || (e.inode == 0
                        && (listening.contains(&e.local.port())
                            || self.names.contains_key(&key(e))))
            }
        }
    }

    fn name(&mut self, k: Key) -> SockName {
        let generation = self.generation;
        let next = &mut self.next;
        let slot = self.names.entry(k).or_insert_with(|| {
            *next += 1;
            (*next, generation)
        });
        slot.1 = generation;
        SockName::new(Role::Watched, slot.0)
    }

    fn views(
        &mut self,
        diag: &mut DiagSocket,
        entries: &[DiagEntry],
        counters: &Counters,
        system: &System,
        t: Duration,
        out: &mut Vec<SockView>,
    ) {
        self.generation += 1;
        // The watched process's listening ports: connections on them are its.
        let listening: FxHashSet<u16> = match &self.process {
            Some(p) => entries
                .iter()
                .filter(|e| e.state == TcpState::Listen && p.inodes.contains(&e.inode))
                .map(|e| e.local.port())
                .collect(),
            None => FxHashSet::default(),
        };
        let kept: Vec<&DiagEntry> = entries
            .iter()
            .filter(|e| self.keeps(e, &listening))
            .collect();
        self.learn_process_ports(&kept);
        if self.process.is_none() {
            let inodes: FxHashSet<u64> = kept.iter().map(|e| e.inode).filter(|i| *i != 0).collect();
            self.owners.learn(&inodes);
        }
        let listens = |e: &DiagEntry| !e.udp && e.state == TcpState::Listen;
        // Listeners first, by name.
        let mut listeners: Vec<(SockName, &DiagEntry)> = Vec::new();
        for e in kept.iter().copied().filter(|e| listens(e)) {
            listeners.push((self.name(Key::listener(e.local, e.inode)), e));
        }
        listeners.sort_by_key(|l| l.0);
        // Each listener's name, address and owner, for the entries it holds.
        let held: Vec<(SockName, SocketAddr, Option<Owner>)> = listeners
            .iter()
            .map(|(n, e)| (*n, e.local, self.owners_of(e)))
            .collect();
        let listener_of = |e: &DiagEntry| {
            held.iter().find(|(_, at, _)| {
                at.port() == e.local.port()
                    && (at.ip().is_unspecified() || at.ip() == e.local.ip())
                    && at.is_ipv4() == e.local.is_ipv4()
            })
        };
        // Entries in a listener's queues are shown under it; the others
        // are named now and built in name order below, straight into `out`.
        let mut waiting: FxHashMap<SockName, Vec<SockView>> = FxHashMap::default();
        let mut others: Vec<(SockName, ViewRole, Option<SockName>, &DiagEntry)> =
            Vec::with_capacity(kept.len());
        for e in kept.iter().copied().filter(|e| !listens(e)) {
            let listener = if e.udp { None } else { listener_of(e) };
            let queued = e.inode == 0
                && matches!(e.state, TcpState::Established | TcpState::CloseWait)
                && listener.is_some();
            if let Some((ln, _, owner)) =
                listener.filter(|_| queued || e.state == TcpState::SynReceived)
            {
                let mut w = build::waiting_view(e, *ln, None);
                w.owner.clone_from(owner);
                waiting.entry(*ln).or_default().push(w);
                continue;
            }
            let (k, role) = if e.udp {
                (Key::udp(e.local, e.peer, e.inode), ViewRole::Udp)
            } else if listener.is_some() || self.process.is_none() {
                (Key::tcp(e.local, e.peer), ViewRole::Accepted)
            } else {
                (Key::tcp(e.local, e.peer), ViewRole::Client)
            };
            others.push((self.name(k), role, listener.map(|l| l.0), e));
        }
        others.sort_unstable_by_key(|o| o.0);
        let start = out.len();
        out.reserve(listeners.len() + waiting.values().map(Vec::len).sum::<usize>() + others.len());
        for (n, e) in &listeners {
            let mut v = self.base_view(e, *n, ViewRole::Listener);
            // A listener's queues are its accept queue, shown as such.
            v.peer = None;
            v.set_recvq(None);
            v.set_sendq(None);
            v.set_notsent(None);
            v.set_tcp(None);
            v.set_accept_queue(Some(e.rqueue));
            v.set_accept_queue_max(Some(e.wqueue));
            // Its waiting entries, as the lab shows its own.
            let mut w = waiting.remove(n).unwrap_or_default();
            let syn = w.iter().filter(|w| w.role == ViewRole::SynRecv).count();
            v.set_syn_recv(Some(syn as u32));
            v.set_syn_queue(
                v.accept_queue_max()
                    .map(|max| build::syn_queue(max, None, system)),
            );
            out.push(v);
            w.sort_by_key(|w| (w.role != ViewRole::Queued, w.peer));
            out.extend(w);
        }
        // TCP_INFO and the buffers only for the rows asked for, all asked
        // in one message.
        let asked: Vec<usize> = match &self.detail {
            Some(d) => others
                .iter()
                .enumerate()
                .filter(|(_, o)| !o.3.udp && d.contains(&o.0))
                .map(|(i, _)| i)
                .collect(),
            None => Vec::new(),
        };
        let looked: Vec<&DiagEntry> = asked.iter().map(|&i| others[i].3).collect();
        let mut detailed = diag
            .many(&looked, libc::IPPROTO_TCP)
            .unwrap_or_else(|_| vec![None; looked.len()])
            .into_iter();
        let mut next_asked = asked.iter().peekable();
        for (i, (n, role, listener, e)) in others.into_iter().enumerate() {
            let detail = if next_asked.next_if(|&&a| a == i).is_some() {
                detailed.next().flatten()
            } else {
                None
            };
            let mut v = self.base_view(detail.as_ref().unwrap_or(e), n, role);
            v.listener = listener;
            out.push(v);
        }
        // Names of sockets the kernel let go are not kept (nor reused).
        let generation = self.generation;
        self.names.retain(|_, (_, g)| *g == generation);
        let listed = &mut out[start..];
        super::notes::annotate(
            listed,
            system,
            counters,
            &mut super::phrases::Phrases::default(),
            &|_| None,
        );
        let full = fullness(listed);
        self.alerts.sample(*counters, full, self.was, t);
        self.was = full;
    }

    /// In a process watch: the ports its sockets hold, for the next dump's filter.
    fn learn_process_ports(&mut self, entries: &[&DiagEntry]) {
        let Some(p) = &mut self.process else { return };
        let mut ports: Vec<u16> = entries.iter().map(|e| e.local.port()).collect();
        ports.sort_unstable();
        ports.dedup();
        let found: FxHashSet<u64> = entries.iter().map(|e| e.inode).collect();
        // A socket of the process was not in a filtered dump (a new port):
        // the next dump is whole.
        p.whole = p.inodes.iter().any(|i| !found.contains(i));
        p.ports = ports;
    }

    fn owners_of(&self, e: &DiagEntry) -> Option<Owner> {
        if e.inode == 0 {
            return None;
        }
        match &self.process {
            Some(p) => p.owner.clone(),
            None => self.owners.get(e.inode).cloned(),
        }
    }

    /// The view of one watched socket, as the lab's kernel view has it.
    fn base_view(&self, e: &DiagEntry, name: SockName, role: ViewRole) -> SockView {
        let mut v = build::entry_view(e, role);
        v.id = Some(name);
        v.owner = self.owners_of(e);
        if e.inode == 0 && role != ViewRole::Listener {
            v.closed = true;
        }
        if v.owner.is_none() && e.inode != 0 {
            v.notes.push(if self.owners.some_unreadable() {
                "owner unknown: its process is not readable by this user (as root, sockplay sees every owner)".into()
            } else {
                "owner not known yet".into()
            });
        }
        v
    }
}

fn key(e: &DiagEntry) -> Key {
    if e.udp {
        Key::udp(e.local, e.peer, e.inode)
    } else {
        Key::tcp(e.local, e.peer)
    }
}

/// Which watched listeners are full now.
fn fullness(views: &[SockView]) -> Fullness {
    let mut f = Fullness::default();
    for v in views.iter().filter(|v| v.role == ViewRole::Listener) {
        f.any = f.any.or(v.id);
        if matches!((v.accept_queue(), v.accept_queue_max()), (Some(q), Some(m)) if q > m) {
            f.accept_full = f.accept_full.or(v.id);
        }
        if let (Some(q), Some(n)) = (v.syn_queue(), v.syn_recv())
            && n >= q.syn_queue_limit
        {
            f.syn_full = f.syn_full.or(v.id);
        }
    }
    f
}
