//! The link's thread: it lives in the client side's namespace, reads the IP
//! packets each side's TUN device routes out, holds each on its way (the
//! rate, the delay, the loss, the queue; see [`super::way`]) and writes it
//! into the other side's device when it arrives.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};

use crate::wire::tap::{self, Event, LinkPacket};

use super::packet::is_whole_ipv4;
use super::port::Port;
use super::settings::Settings;
use super::way::{Held, Way};

/// The most packets read from one device before the other gets its turn.
const BATCH: usize = 64;
/// The longest the thread sleeps with nothing due (it also wakes when told).
const IDLE: Duration = Duration::from_millis(500);
/// The largest packet a device hands over (its MTU is 1500).
const MAX_PACKET: usize = 65_536;
/// The room a packet is read into: a whole one at the devices' MTU (a
/// larger one spills and is appended).
const SLOT: usize = 2048;
/// The most packet buffers kept for reuse once their packets have left.
const POOL: usize = 1024;

/// Packet buffers whose packets have left the link, kept for the next
/// reads: no allocation per packet.
#[derive(Default)]
struct Pool(Vec<Vec<u8>>);

impl Pool {
    /// A buffer of `SLOT` bytes to read into.
    fn take(&mut self) -> Vec<u8> {
        let mut b = self.0.pop().unwrap_or_default();
        b.resize(SLOT, 0);
        b
    }

    /// A buffer back, while the pool has room.
    fn give(&mut self, b: Vec<u8>) {
        if self.0.len() < POOL && b.capacity() >= SLOT {
            self.0.push(b);
        }
    }
}

/// What the thread and the rest of the lab share.
pub struct State {
    /// The settings now.
    pub settings: Settings,
    /// Client side to server side, and back.
    pub ways: [Way; 2],
    /// Packets that were not whole IPv4 packets.
    pub malformed: u64,
    /// The loss's and the jitter's random numbers.
    rng: u64,
    /// The number the next packet read gets.
    next_id: u64,
}

impl State {
    /// A link with these settings and nothing on it.
    pub fn new(settings: Settings) -> State {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            | 1;
        State {
            settings,
            ways: [Way::default(), Way::default()],
            malformed: 0,
            rng: seed,
            next_id: 0,
        }
    }

    /// A random number from 0 to 1 (xorshift64*).
    fn random(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let n = self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (n >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A packet read from way `w`'s entry at `now`: its number and what
    /// became of it; `None` when it was not a whole IPv4 packet.
    fn take(&mut self, w: usize, data: Vec<u8>, now: Instant) -> Option<(u64, Event)> {
        if !is_whole_ipv4(&data) {
            self.malformed += 1;
            return None;
        }
        self.next_id += 1;
        let id = self.next_id;
        let lost = self.settings.loss_ppm > 0
            && self.random() * 1_000_000.0 < f64::from(self.settings.loss_ppm);
        let jitter = if self.settings.jitter.is_zero() {
            0.0
        } else {
            self.random() * 2.0 - 1.0
        };
        let settings = self.settings;
        let event = match self.ways[w].enter(id, data, now, &settings, lost, jitter) {
            Ok(()) => Event::Entered,
            Err(why) => Event::Dropped(why),
        };
        Some((id, event))
    }
}

/// The thread's devices and what it shares.
pub struct Forwarder {
    /// The client side's device (way 0 enters here, way 1 leaves).
    pub client: Port,
    /// The server side's device.
    pub server: Port,
    /// The shared state.
    pub state: Arc<Mutex<State>>,
    /// Set to end the thread.
    pub stop: Arc<AtomicBool>,
    /// Written to wake the thread.
    pub wake: Arc<OwnedFd>,
}

impl Forwarder {
    /// Moves packets until told to stop.
    pub fn run(mut self) {
        let mut spill = vec![0u8; MAX_PACKET];
        let mut pool = Pool::default();
        let mut batch: Vec<(usize, Vec<u8>, Instant)> = Vec::with_capacity(2 * BATCH);
        let mut out: Vec<(usize, Held)> = Vec::new();
        let mut seen: Vec<LinkPacket> = Vec::new();
        while !self.stop.load(Ordering::Acquire) {
            let due = {
                let s = lock(&self.state);
                s.ways.iter().filter_map(Way::next_arrival).min()
            };
            let wait = due.map_or(IDLE, |d| {
                d.saturating_duration_since(Instant::now()).min(IDLE)
            });
            // Which devices to read: those poll found a packet on, or
            // both when the thread did not sleep.
            let ready = if wait.is_zero() {
                [true; 2]
            } else {
                self.sleep(wait).unwrap_or_else(|_| {
                    std::thread::sleep(Duration::from_millis(1));
                    [true; 2]
                })
            };
            self.read_both(ready, &mut pool, &mut spill, &mut batch, &mut seen);
            #[cfg(debug_assertions)]
            panic_for_tests(&self.state);
            {
                let mut s = lock(&self.state);
                let now = Instant::now();
                for (w, way) in s.ways.iter_mut().enumerate() {
                    while let Some(h) = way.arrived(now) {
                        out.push((w, h));
                    }
                }
            }
            let snaplen = tap::snaplen();
            for (w, h) in out.drain(..) {
                let dev = if w == 0 {
                    &mut self.server
                } else {
                    &mut self.client
                };
                // A device that cannot take a packet now loses it, as a
                // full interface queue does; TCP sends it again.
                if dev.write(&h.data).is_ok()
                    && let Some(n) = snaplen
                {
                    seen.push(seen_packet(h.id, w, Event::Arrived, &h.data, n));
                }
                pool.give(h.data);
            }
            tap::push(&mut seen);
        }
    }

    /// Waits until a device has a packet, the thread is woken, or `wait`
    /// passes; says which devices have a packet.
    fn sleep(&self, wait: Duration) -> io::Result<[bool; 2]> {
        let ts = Timespec {
            tv_sec: wait.as_secs() as _,
            tv_nsec: wait.subsec_nanos() as _,
        };
        let mut fds = [
            PollFd::new(&self.client, PollFlags::IN),
            PollFd::new(&self.server, PollFlags::IN),
            PollFd::new(&*self.wake, PollFlags::IN),
        ];
        match rustix::event::poll(&mut fds, Some(&ts)) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
        if fds[2].revents().contains(PollFlags::IN) {
            let mut n = [0u8; 8];
            let _ = rustix::io::read(self.wake.as_fd(), &mut n);
        }
        // An error or a hang-up is found by the read that follows.
        let any = PollFlags::IN | PollFlags::ERR | PollFlags::HUP;
        Ok([
            fds[0].revents().intersects(any),
            fds[1].revents().intersects(any),
        ])
    }

    /// Reads what each `ready` device has, a batch at a time, into
    /// buffers from `pool`, then hands the batch to the link under one
    /// lock; what the wire is to see goes to `seen`.
    fn read_both(
        &mut self,
        ready: [bool; 2],
        pool: &mut Pool,
        spill: &mut [u8],
        batch: &mut Vec<(usize, Vec<u8>, Instant)>,
        seen: &mut Vec<LinkPacket>,
    ) {
        for w in (0..2).filter(|&w| ready[w]) {
            let dev = if w == 0 {
                &mut self.client
            } else {
                &mut self.server
            };
            for _ in 0..BATCH {
                let mut packet = pool.take();
                match dev.read(&mut packet, spill) {
                    Ok(()) => batch.push((w, packet, Instant::now())),
                    Err(_) => {
                        pool.give(packet);
                        break;
                    }
                }
            }
        }
        if batch.is_empty() {
            return;
        }
        let snaplen = tap::snaplen();
        let mut s = lock(&self.state);
        for (w, data, at) in batch.drain(..) {
            // The wire's copy is cut before the link takes the packet.
            let copy = snaplen.map(|n| seen_packet(0, w, Event::Entered, &data, n));
            if let (Some((id, event)), Some(mut p)) = (s.take(w, data, at), copy) {
                p.id = id;
                p.event = event;
                p.at = at;
                seen.push(p);
            }
        }
        // Told while the state is held: a `link down` that loses these
        // packets on the link is told after them.
        tap::push(seen);
    }
}

/// What the wire is told of packet `id` on way `w`: the first `snaplen`
/// bytes of it, and what happened now.
pub fn seen_packet(id: u64, w: usize, event: Event, data: &[u8], snaplen: usize) -> LinkPacket {
    LinkPacket {
        id,
        to_server: w == 0,
        at: Instant::now(),
        event,
        bytes: data[..data.len().min(snaplen)].to_vec(),
        len: data.len(),
    }
}

/// In test builds only: `SOCKPLAY_TEST_PANIC=link` panics in the link's
/// thread once a packet is on the link, to show that nothing is left
/// behind.
#[cfg(debug_assertions)]
fn panic_for_tests(state: &Mutex<State>) {
    if std::env::var_os("SOCKPLAY_TEST_PANIC").is_some_and(|v| v == "link")
        && lock(state).ways.iter().any(|w| w.next_arrival().is_some())
    {
        panic!("a test panic in the link's thread, packets on the link");
    }
}

/// The state, even after a panic elsewhere left its lock poisoned.
pub fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}
