//! The capture thread and the handle the front ends hold: start it, tell it
//! the lab's ports, read the segments it saw.

use std::collections::{BTreeSet, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use super::capture::{Capture, CaptureError};
use super::flow::Flows;
use super::names::Directory;
use super::parse::{flag, parse_frame};
use super::pcap::{PcapFile, PcapTarget};
use super::segment::Segment;
use crate::lab::{Observer, Role, SockName};

/// How many recent segments the ring keeps for the screen.
pub const RING: usize = 50_000;

/// How the wire is to run.
#[derive(Debug, Clone, Default)]
pub struct WireOptions {
    /// Write every segment to this pcapng file.
    pub pcap: Option<PcapTarget>,
}

/// What the capture has counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WireStats {
    /// Segments between lab sockets read.
    pub segments: u64,
    /// Frames the kernel dropped because the capture fell behind
    /// (PACKET_STATISTICS).
    pub drops: u64,
    /// Why the pcap file stopped being written, if it did.
    pub pcap_error: Option<String>,
    /// Segments on the lab's own link marked arrived or dropped since
    /// they were read.
    pub marked: u64,
}

struct Ring {
    segments: VecDeque<Segment>,
    /// The index (from the first segment ever) of `segments[0]`.
    first: u64,
}

impl super::link_feed::Ring for Ring {
    fn keep(&mut self, seg: Segment) -> u64 {
        if self.segments.len() == RING {
            self.segments.pop_front();
            self.first += 1;
        }
        self.segments.push_back(seg);
        self.first + self.segments.len() as u64 - 1
    }

    fn at(&mut self, index: u64) -> Option<&mut Segment> {
        let i = index.checked_sub(self.first)?;
        self.segments.get_mut(usize::try_from(i).ok()?)
    }
}

struct Inner {
    capture: Capture,
    ports: Mutex<BTreeSet<u16>>,
    /// Watched listeners' ports: their segments are kept though no end is
    /// the lab's (the screen names the ends from the kernel view).
    followed: Mutex<Vec<u16>>,
    ring: Mutex<Ring>,
    stats: Mutex<WireStats>,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The wire of a lab: a capture thread and what it saw.
pub struct Wire {
    inner: Arc<Inner>,
    thread: Option<JoinHandle<()>>,
}

/// The port of a lab socket that the filter must let through: a
/// listener's own, a client's target.
fn port_of(name: SockName, local: Option<SocketAddr>, peer: Option<SocketAddr>) -> Option<u16> {
    match name.role {
        Role::Listener => local.map(|a| a.port()),
        Role::Client => peer.map(|a| a.port()),
        // A port `watch` follows: a watched listener's.
        Role::Watched => local.map(|a| a.port()),
        _ => None,
    }
}

impl Wire {
    /// Opens the capture and starts its thread. Fails with a one-line
    /// reason (no CAP_NET_RAW: what to do) and changes nothing then.
    pub fn start(lab: Observer, opts: &WireOptions) -> Result<Wire, CaptureError> {
        let ports: BTreeSet<u16> = lab
            .ends()
            .into_iter()
            .filter_map(|(n, l, p)| port_of(n, l, p))
            .collect();
        // Whole frames for a pcap file; only the headers otherwise.
        let snaplen = if opts.pcap.is_some() {
            super::filter::FULL_SNAPLEN
        } else {
            super::filter::SNAPLEN
        };
        let capture = Capture::open(&ports, snaplen)?;
        let pcap = match &opts.pcap {
            Some(target) => Some(PcapFile::create(target).map_err(|e| {
                CaptureError::Io(io::Error::new(
                    e.kind(),
                    format!("cannot write {}: {e}", target.path().display()),
                ))
            })?),
            None => None,
        };
        let target = opts.pcap.clone();
        super::tap::open(snaplen);
        let inner = Arc::new(Inner {
            capture,
            ports: Mutex::new(ports),
            followed: Mutex::new(Vec::new()),
            ring: Mutex::new(Ring {
                // Its whole size at once (the pages are taken as it
                // fills): grown by doubling, it would take room for 65,536
                // and, going round, touch all of it.
                segments: VecDeque::with_capacity(RING),
                first: 0,
            }),
            stats: Mutex::new(WireStats::default()),
            stop: AtomicBool::new(false),
        });
        let thread_inner = Arc::clone(&inner);
        let thread = std::thread::Builder::new()
            .name("sockplay-wire".into())
            .spawn(move || run(&thread_inner, &lab, pcap, target))
            .map_err(|e| {
                super::tap::close();
                CaptureError::Io(e)
            })?;
        Ok(Wire {
            inner,
            thread: Some(thread),
        })
    }

    /// A socket joined the lab: let its port through the filter, at once,
    /// before its first segment.
    pub fn watch(&self, name: SockName, local: Option<SocketAddr>, peer: Option<SocketAddr>) {
        let Some(port) = port_of(name, local, peer) else {
            return;
        };
        if name.role == Role::Watched {
            let mut followed = lock(&self.inner.followed);
            if !followed.contains(&port) {
                followed.push(port);
            }
        }
        let mut ports = lock(&self.inner.ports);
        if ports.insert(port)
            && let Err(e) = self.inner.capture.set_ports(&ports)
        {
            lock(&self.inner.stats).pcap_error = Some(format!("the filter could not change: {e}"));
        }
    }

    /// A function for [`crate::lab::Lab::on_register`] that calls [`Wire::watch`].
    pub fn watcher(self: &Arc<Self>) -> crate::lab::RegisterHook {
        let me = Arc::downgrade(self);
        Arc::new(move |name, local, peer| {
            if let Some(w) = me.upgrade() {
                w.watch(name, local, peer);
            }
        })
    }

    /// The segments from index `next` on (indices count from the first
    /// segment ever), the index to ask for next time, and how many were
    /// already gone from the ring.
    pub fn since(&self, next: u64) -> (Vec<Segment>, u64, u64) {
        let ring = lock(&self.inner.ring);
        let end = ring.first + ring.segments.len() as u64;
        let from = next.max(ring.first);
        let missed = from - next.min(from);
        let segs = ring
            .segments
            .iter()
            .skip((from - ring.first) as usize)
            .cloned()
            .collect();
        (segs, end, missed)
    }

    /// The index the next segment will have (indices count from the first
    /// segment ever): where [`Wire::since`] would start after reading all.
    pub fn next_index(&self) -> u64 {
        let ring = lock(&self.inner.ring);
        ring.first + ring.segments.len() as u64
    }

    /// Looks at the recent segments, oldest first.
    pub fn with_recent<R>(&self, read: impl FnOnce(&VecDeque<Segment>) -> R) -> R {
        read(&lock(&self.inner.ring).segments)
    }

    /// What the capture has counted so far.
    pub fn stats(&self) -> WireStats {
        lock(&self.inner.stats).clone()
    }

    /// Waits until the capture thread has read every frame queued now (or
    /// `limit` passed): a run's last segments reach the transcript.
    pub fn settle(&self, limit: Duration) {
        let began = Instant::now();
        let mut last = self.stats().segments;
        // Bounded by `limit`: quiet for 60 ms means drained.
        while began.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(60));
            let now = self.stats().segments;
            if now == last {
                break;
            }
            last = now;
        }
    }

    /// Tells the capture thread to stop after the frames it holds (the
    /// pcap file is complete once it is joined, by [`Wire::stop`] or when
    /// the wire is dropped): a lab that is ending is not read any more
    /// while its sockets close.
    pub fn stop_soon(&self) {
        self.inner.stop.store(true, Ordering::Release);
    }

    /// Stops the capture thread; the pcap file is complete after this.
    pub fn stop(&mut self) {
        self.inner.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            super::tap::close();
            let _ = t.join();
        }
    }
}

impl Drop for Wire {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The capture thread: read, parse, follow, name, keep, write.
fn run(inner: &Inner, lab: &Observer, mut pcap: Option<PcapFile>, target: Option<PcapTarget>) {
    // A write that fails stops the file; the reason goes where the user
    // looks (the run's end, the results) and the exit status says so.
    let stopped = |e: &io::Error| {
        let why = e.to_string();
        if let Some(t) = &target {
            t.fail(&why);
        }
        lock(&inner.stats).pcap_error = Some(why);
    };
    let mut flows = Flows::default();
    let mut dir = Directory::default();
    let mut last_flush = Instant::now();
    let mut kept = Vec::new();
    let mut followed: Vec<u16> = Vec::new();
    let mut feed = super::link_feed::Feed::default();
    while !inner.stop.load(Ordering::Acquire) {
        read_link(
            inner, lab, &mut feed, &mut flows, &mut dir, &mut pcap, &stopped,
        );
        if last_flush.elapsed() > Duration::from_millis(200) {
            last_flush = Instant::now();
            if let Ok(k) = inner.capture.stats() {
                lock(&inner.stats).drops += k.drops;
            }
            if let Some(p) = &mut pcap
                && let Err(e) = p.flush()
            {
                stopped(&e);
                pcap = None;
            }
        }
        // On a link, its packets are read at least every 10 ms.
        let wait = Duration::from_millis(if feed.seen { 10 } else { 50 });
        let block = match inner.capture.next_block(wait) {
            Ok(Some(block)) => block,
            Ok(None) => continue,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        followed.clone_from(&lock(&inner.followed));
        let watched = |h: &super::parse::TcpHeader| {
            followed
                .iter()
                .any(|p| *p == h.src.port() || *p == h.dst.port())
        };
        // One clock reading for the block: how long ago each frame was seen.
        let (now_wall, now_lab) = (SystemTime::now(), lab.elapsed());
        for (frame, meta) in block.frames() {
            let Ok(h) = parse_frame(frame) else { continue };
            let ago = now_wall.duration_since(meta.stamp).unwrap_or_default();
            let t = now_lab.saturating_sub(ago);
            let syn = h.flags & flag::SYN != 0;
            let bare_syn = syn && h.flags & flag::ACK == 0;
            let ends = dir.ends(lab, h.src, h.dst, syn, bare_syn);
            if ends.from.is_none() && ends.to.is_none() && !watched(&h) {
                continue;
            }
            let seg = flows.segment(&h, t, ends, lab);
            if let Some(p) = &mut pcap
                && let Err(e) = p.write(frame, meta.wire_len, meta.stamp, &seg)
            {
                stopped(&e);
                pcap = None;
            }
            kept.push(seg);
        }
        // Give the block back to the kernel before taking the segments' lock.
        drop(block);
        if kept.is_empty() {
            continue;
        }
        let count = kept.len() as u64;
        {
            let mut ring = lock(&inner.ring);
            for seg in kept.drain(..) {
                if ring.segments.len() == RING {
                    ring.segments.pop_front();
                    ring.first += 1;
                }
                ring.segments.push_back(seg);
            }
        }
        lock(&inner.stats).segments += count;
    }
    read_link(
        inner, lab, &mut feed, &mut flows, &mut dir, &mut pcap, &stopped,
    );
    if let Ok(k) = inner.capture.stats() {
        lock(&inner.stats).drops += k.drops;
    }
    if let Some(p) = &mut pcap
        && let Err(e) = p.flush()
    {
        stopped(&e);
    }
}

/// Reads what the lab's own link handed over: new segments into the ring,
/// arrivals and drops marked on the segments there.
fn read_link(
    inner: &Inner,
    lab: &Observer,
    feed: &mut super::link_feed::Feed,
    flows: &mut Flows,
    dir: &mut Directory,
    pcap: &mut Option<PcapFile>,
    stopped: &dyn Fn(&io::Error),
) {
    let read = {
        let mut ring = lock(&inner.ring);
        feed.read(lab, flows, dir, &mut *ring, pcap, &mut |e| stopped(e))
    };
    if read != super::link_feed::Read::default() {
        let mut stats = lock(&inner.stats);
        stats.segments += read.segments;
        stats.marked += read.marked;
        stats.drops += read.lost;
    }
}
