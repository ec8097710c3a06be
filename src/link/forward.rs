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

use super::packet::is_whole_ipv4;
use super::port::Port;
use super::settings::Settings;
use super::way::Way;

/// The most packets read from one device before the other gets its turn.
const BATCH: usize = 64;
/// The longest the thread sleeps with nothing due (it also wakes when told).
const IDLE: Duration = Duration::from_millis(500);
/// The largest packet a device hands over (its MTU is 1500).
const MAX_PACKET: usize = 65_536;

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

    /// A packet read from way `w`'s entry at `now`.
    fn take(&mut self, w: usize, data: Vec<u8>, now: Instant) {
        if !is_whole_ipv4(&data) {
            self.malformed += 1;
            return;
        }
        let lost = self.settings.loss_ppm > 0
            && self.random() * 1_000_000.0 < f64::from(self.settings.loss_ppm);
        let jitter = if self.settings.jitter.is_zero() {
            0.0
        } else {
            self.random() * 2.0 - 1.0
        };
        let settings = self.settings;
        let _ = self.ways[w].enter(data, now, &settings, lost, jitter);
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
        let mut buf = vec![0u8; MAX_PACKET];
        let mut out: Vec<(usize, Vec<u8>)> = Vec::new();
        while !self.stop.load(Ordering::Acquire) {
            let due = {
                let s = lock(&self.state);
                s.ways.iter().filter_map(Way::next_arrival).min()
            };
            let wait = due.map_or(IDLE, |d| {
                d.saturating_duration_since(Instant::now()).min(IDLE)
            });
            if !wait.is_zero() && self.sleep(wait).is_err() {
                std::thread::sleep(Duration::from_millis(1));
            }
            self.read_both(&mut buf);
            {
                let mut s = lock(&self.state);
                let now = Instant::now();
                for (w, way) in s.ways.iter_mut().enumerate() {
                    while let Some(h) = way.arrived(now) {
                        out.push((w, h.data));
                    }
                }
            }
            for (w, data) in out.drain(..) {
                let dev = if w == 0 {
                    &mut self.server
                } else {
                    &mut self.client
                };
                // A device that cannot take a packet now loses it, as a
                // full interface queue does; TCP sends it again.
                let _ = dev.write(&data);
            }
        }
    }

    /// Waits until a device has a packet, the thread is woken, or `wait` passes.
    fn sleep(&self, wait: Duration) -> io::Result<()> {
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
        Ok(())
    }

    /// Reads what each device has, a batch at a time, then hands the batch
    /// to the link under one lock.
    fn read_both(&mut self, buf: &mut [u8]) {
        let mut batch: Vec<(usize, Vec<u8>, Instant)> = Vec::with_capacity(2 * BATCH);
        for w in 0..2 {
            let dev = if w == 0 {
                &mut self.client
            } else {
                &mut self.server
            };
            for _ in 0..BATCH {
                match dev.read(buf) {
                    Ok(n) => batch.push((w, buf[..n].to_vec(), Instant::now())),
                    Err(_) => break,
                }
            }
        }
        if batch.is_empty() {
            return;
        }
        let mut s = lock(&self.state);
        for (w, data, at) in batch {
            s.take(w, data, at);
        }
    }
}

/// The state, even after a panic elsewhere left its lock poisoned.
pub fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}
