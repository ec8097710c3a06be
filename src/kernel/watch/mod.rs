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
//! watch asks for them on every socket.

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Tcp(SocketAddr, SocketAddr),
    Listener(SocketAddr, u64),
    Udp(SocketAddr, SocketAddr, u64),
}

/// How long a family and protocol that had no watched socket is not dumped again.
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
    /// Per family and protocol, when a dump of it last found nothing.
    empty_since: [Option<Instant>; 4],
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
            empty_since: [None; 4],
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

    /// The watched sockets now, and what to say of them.
    pub fn sample(
        &mut self,
        diag: &mut DiagSocket,
        counters: &Counters,
        system: &System,
        t: Duration,
    ) -> io::Result<(Vec<SockView>, WatchStatus)> {
        if let Some(note) = self.process_gone() {
            let status = self.status(Some(note));
            return Ok((self.last.clone(), status));
        }
        let mut entries = std::mem::take(&mut self.entries);
        entries.clear();
        let dumped = self.dump(diag, &mut entries);
        let result = dumped.map(|()| self.views(diag, &mut entries, counters, system, t));
        self.entries = entries;
        let views = result?;
        let note = views.is_empty().then(|| self.nothing_yet());
        // Kept to show after the process exits (a port's watch shows the next one).
        if self.process.is_some() {
            self.last.clone_from(&views);
        }
        Ok((views, self.status(note)))
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
        let kinds = [
            (libc::AF_INET, libc::IPPROTO_TCP),
            (libc::AF_INET, libc::IPPROTO_UDP),
            (libc::AF_INET6, libc::IPPROTO_TCP),
            (libc::AF_INET6, libc::IPPROTO_UDP),
        ];
        for (slot, (family, proto)) in kinds.into_iter().enumerate() {
            // A kind that had nothing is asked again once a second: most
            // servers use one family and one protocol, and each dump is a
            // round trip to the kernel.
            if self.empty_since[slot].is_some_and(|t| t.elapsed() < EMPTY_EVERY) {
                continue;
            }
            let before = out.len();
            diag.dump_filtered(family, proto, filter.as_deref(), ext, out)?;
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
        entries: &mut Vec<DiagEntry>,
        counters: &Counters,
        system: &System,
        t: Duration,
    ) -> Vec<SockView> {
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
        entries.retain(|e| self.keeps(e, &listening));
        self.learn_process_ports(entries);
        let inodes: FxHashSet<u64> = entries
            .iter()
            .map(|e| e.inode)
            .filter(|i| *i != 0)
            .collect();
        if self.process.is_none() {
            self.owners.learn(&inodes);
        }
        let udp = |e: &DiagEntry| e.udp;
        // Listeners first, by name.
        let mut listeners: Vec<(SockName, usize)> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if !udp(e) && e.state == TcpState::Listen {
                let n = self.name(Key::Listener(e.local, e.inode));
                listeners.push((n, i));
            }
        }
        listeners.sort_by_key(|l| l.0);
        // Each listener's name, address and owner, for the entries it holds.
        let held: Vec<(SockName, SocketAddr, Option<Owner>)> = listeners
            .iter()
            .map(|(n, i)| (*n, entries[*i].local, self.owners_of(&entries[*i])))
            .collect();
        let listener_of = |e: &DiagEntry| {
            held.iter().find(|(_, at, _)| {
                at.port() == e.local.port()
                    && (at.ip().is_unspecified() || at.ip() == e.local.ip())
                    && at.is_ipv4() == e.local.is_ipv4()
            })
        };
        let mut out: Vec<SockView> = Vec::with_capacity(entries.len());
        let mut waiting: FxHashMap<SockName, Vec<SockView>> = FxHashMap::default();
        let mut others: Vec<SockView> = Vec::new();
        for (n, i) in &listeners {
            let e = &entries[*i];
            let mut v = self.base_view(e, *n, ViewRole::Listener);
            // A listener's queues are its accept queue, shown as such.
            (v.peer, v.recvq, v.sendq, v.notsent, v.tcp) = (None, None, None, None, None);
            v.accept_queue = Some(e.rqueue);
            v.accept_queue_max = Some(e.wqueue);
            out.push(v);
        }
        for slot in entries.iter_mut() {
            // Taken, not copied: the entries are cleared after the sample.
            let e = std::mem::replace(slot, placeholder());
            if !udp(&e) && e.state == TcpState::Listen {
                continue;
            }
            let listener = if udp(&e) { None } else { listener_of(&e) };
            let queued = e.inode == 0
                && matches!(e.state, TcpState::Established | TcpState::CloseWait)
                && listener.is_some();
            if let Some((ln, _, owner)) =
                listener.filter(|_| queued || e.state == TcpState::SynReceived)
            {
                let mut w = build::waiting_view(&e, *ln, None);
                w.owner.clone_from(owner);
                waiting.entry(*ln).or_default().push(w);
                continue;
            }
            let (k, role) = if udp(&e) {
                (Key::Udp(e.local, e.peer, e.inode), ViewRole::Udp)
            } else if listener.is_some() || self.process.is_none() {
                (Key::Tcp(e.local, e.peer), ViewRole::Accepted)
            } else {
                (Key::Tcp(e.local, e.peer), ViewRole::Client)
            };
            let n = self.name(k);
            let e = match (&self.detail, udp(&e)) {
                (Some(d), false) if d.contains(&n) => {
                    diag.one(&e, libc::IPPROTO_TCP).ok().flatten().unwrap_or(e)
                }
                _ => e,
            };
            let mut v = self.base_view(&e, n, role);
            v.listener = listener.map(|l| l.0);
            others.push(v);
        }
        // Each listener's waiting entries, as the lab shows its own.
        for v in &mut out {
            let Some(n) = v.id else { continue };
            let w = waiting.get(&n).map_or(0, |w| {
                w.iter().filter(|w| w.role == ViewRole::SynRecv).count()
            });
            v.syn_recv = Some(w as u32);
            v.syn_queue = v
                .accept_queue_max
                .map(|max| build::syn_queue(max, None, system));
        }
        let mut listed: Vec<SockView> = Vec::with_capacity(out.len() + entries.len());
        for v in out {
            let n = v.id;
            listed.push(v);
            if let Some(mut w) = n.and_then(|n| waiting.remove(&n)) {
                w.sort_by_key(|w| (w.role != ViewRole::Queued, w.peer));
                listed.extend(w);
            }
        }
        others.sort_by_key(|v| v.id);
        listed.extend(others);
        // Names of sockets the kernel let go are not kept (nor reused).
        let generation = self.generation;
        self.names.retain(|_, (_, g)| *g == generation);
        super::notes::annotate(&mut listed, system, counters, &|_| None);
        let full = fullness(&listed);
        self.alerts.sample(*counters, full, self.was, t);
        self.was = full;
        listed
    }

    /// In a process watch: the ports its sockets hold, for the next dump's filter.
    fn learn_process_ports(&mut self, entries: &[DiagEntry]) {
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
                "owner unknown: its process is not readable by this user (as root, sockplay sees every owner)".to_string()
            } else {
                "owner not known yet".to_string()
            });
        }
        v
    }
}

/// What a taken entry leaves behind (a listener, skipped by the loop).
fn placeholder() -> DiagEntry {
    let nowhere = SocketAddr::from(([0, 0, 0, 0], 0));
    DiagEntry {
        state: TcpState::Listen,
        local: nowhere,
        peer: nowhere,
        rqueue: 0,
        wqueue: 0,
        inode: 0,
        info: None,
        bufs: None,
        mem: None,
        retrans: 0,
        expires_ms: 0,
        drops: None,
        cookie: 0,
        udp: false,
    }
}

fn key(e: &DiagEntry) -> Key {
    if e.udp {
        Key::Udp(e.local, e.peer, e.inode)
    } else {
        Key::Tcp(e.local, e.peer)
    }
}

/// Which watched listeners are full now.
fn fullness(views: &[SockView]) -> Fullness {
    let mut f = Fullness::default();
    for v in views.iter().filter(|v| v.role == ViewRole::Listener) {
        f.any = f.any.or(v.id);
        if matches!((v.accept_queue, v.accept_queue_max), (Some(q), Some(m)) if q > m) {
            f.accept_full = f.accept_full.or(v.id);
        }
        if let (Some(q), Some(n)) = (v.syn_queue, v.syn_recv)
            && n >= q.syn_queue_limit
        {
            f.syn_full = f.syn_full.or(v.id);
        }
    }
    f
}
