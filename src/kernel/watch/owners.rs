//! Who owns a socket: the process whose `/proc/PID/fd` holds a link to
//! `socket:[INODE]`.
//!
//! Reading every process's descriptors costs a readlink each, so the map
//! is kept between samples and read again only when a socket appears whose
//! owner is not known: first the processes already known to own watched
//! sockets (a server's new connections are its own), then, at most once a
//! second, every process.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustc_hash::{FxHashMap, FxHashSet};

/// The process that holds a socket.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Owner {
    /// Its process id.
    pub pid: u32,
    /// Its name (`/proc/PID/comm`), shared by every socket of the process:
    /// a server's ten thousand connections hold one copy.
    #[serde(serialize_with = "as_str")]
    pub name: std::sync::Arc<str>,
}

fn as_str<S: serde::Serializer>(name: &std::sync::Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(name)
}

/// How long a whole scan of /proc is not repeated.
const SCAN_EVERY: Duration = Duration::from_secs(1);

/// Socket inodes and their owners, read from a `/proc`.
pub struct Owners {
    root: PathBuf,
    by_inode: FxHashMap<u64, Owner>,
    /// Processes known to own watched sockets: read first.
    hot: Vec<u32>,
    /// Processes whose descriptors this user may not read.
    unreadable: FxHashSet<u32>,
    /// When every process was last read.
    scanned: Option<Instant>,
    /// When the known owners were last read.
    hot_scanned: Option<Instant>,
}

impl Owners {
    /// Owners read from the live `/proc`.
    pub fn live() -> Owners {
        Owners::at(Path::new("/proc"))
    }

    /// Owners read from a `/proc` at `root`.
    pub fn at(root: &Path) -> Owners {
        Owners {
            root: root.to_path_buf(),
            by_inode: FxHashMap::default(),
            hot: Vec::new(),
            unreadable: FxHashSet::default(),
            scanned: None,
            hot_scanned: None,
        }
    }

    /// The owner of a socket, when known.
    pub fn get(&self, inode: u64) -> Option<&Owner> {
        self.by_inode.get(&inode)
    }

    /// Whether some process's descriptors could not be read: an unknown
    /// owner may be one of them.
    pub fn some_unreadable(&self) -> bool {
        !self.unreadable.is_empty()
    }

    /// Learns the owners of `inodes` not yet known (as far as /proc lets),
    /// and forgets the sockets not among them.
    pub fn learn(&mut self, inodes: &FxHashSet<u64>) {
        self.by_inode.retain(|i, _| inodes.contains(i));
        let missing = |o: &Owners| {
            inodes
                .iter()
                .any(|i| *i != 0 && !o.by_inode.contains_key(i))
        };
        if !missing(self) {
            return;
        }
        let due = |at: Option<Instant>| at.is_none_or(|t| t.elapsed() >= SCAN_EVERY);
        if !self.hot.is_empty() && due(self.hot_scanned) {
            self.hot_scanned = Some(Instant::now());
            let hot = std::mem::take(&mut self.hot);
            for &pid in &hot {
                self.read_process(pid, inodes);
            }
            self.hot = hot;
            if !missing(self) {
                return;
            }
        }
        if due(self.scanned) {
            self.scanned = Some(Instant::now());
            self.hot_scanned = self.scanned;
            self.unreadable.clear();
            for pid in pids(&self.root) {
                self.read_process(pid, inodes);
            }
        }
        let mut hot: Vec<u32> = self.by_inode.values().map(|o| o.pid).collect();
        hot.sort_unstable();
        hot.dedup();
        self.hot = hot;
    }

    /// The socket inodes of one process, or why they cannot be read.
    pub fn sockets_of(&self, pid: u32) -> std::io::Result<Vec<u64>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.root.join(pid.to_string()).join("fd"))? {
            let Ok(entry) = entry else { continue };
            if let Some(inode) = std::fs::read_link(entry.path())
                .ok()
                .and_then(|l| socket_inode(&l))
            {
                out.push(inode);
            }
        }
        Ok(out)
    }

    /// The name of a process, if it still runs.
    pub fn name_of(&self, pid: u32) -> Option<String> {
        let comm = std::fs::read_to_string(self.root.join(pid.to_string()).join("comm")).ok()?;
        Some(comm.trim_end_matches('\n').to_string())
    }

    /// Whether a process runs (a zombie, exited and not yet reaped, does not).
    pub fn alive(&self, pid: u32) -> bool {
        let Ok(stat) = std::fs::read_to_string(self.root.join(pid.to_string()).join("stat")) else {
            return false;
        };
        // `PID (comm) S …`: the state follows the last parenthesis.
        let state = stat
            .rfind(')')
            .and_then(|at| stat[at + 1..].trim_start().chars().next());
        !matches!(state, Some('Z' | 'X') | None)
    }

    /// Reads one process's descriptors; records the owners of `wanted` sockets.
    fn read_process(&mut self, pid: u32, wanted: &FxHashSet<u64>) {
        let inodes = match self.sockets_of(pid) {
            Ok(i) => i,
            Err(e) => {
                if e.kind() == std::io::ErrorKind::PermissionDenied {
                    self.unreadable.insert(pid);
                }
                return;
            }
        };
        let mut name = None;
        for inode in inodes {
            if !wanted.contains(&inode) || self.by_inode.contains_key(&inode) {
                continue;
            }
            let Some(n) = name.clone().or_else(|| self.name_of(pid).map(Into::into)) else {
                return;
            };
            name = Some(std::sync::Arc::clone(&n));
            self.by_inode.insert(inode, Owner { pid, name: n });
        }
    }
}

/// The inode of a descriptor's link target `socket:[12345]`.
pub fn socket_inode(link: &Path) -> Option<u64> {
    let s = link.to_str()?;
    s.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
}

/// The process ids under a `/proc`.
fn pids(root: &Path) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_socket_link() {
        assert_eq!(socket_inode(Path::new("socket:[4242]")), Some(4242));
        assert_eq!(socket_inode(Path::new("pipe:[4242]")), None);
        assert_eq!(socket_inode(Path::new("/dev/null")), None);
    }

    #[test]
    fn finds_the_owner_of_its_own_socket() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut owners = Owners::live();
        let me = std::process::id();
        let mine = owners.sockets_of(me).unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&l);
        let link = std::fs::read_link(format!("/proc/self/fd/{fd}")).unwrap();
        let inode = socket_inode(&link).unwrap();
        assert!(mine.contains(&inode));
        let wanted: FxHashSet<u64> = [inode].into_iter().collect();
        owners.learn(&wanted);
        let owner = owners.get(inode).expect("an owner");
        assert_eq!(owner.pid, me);
        assert_eq!(Some(owner.name.to_string()), owners.name_of(me));
    }
}
