//! One way across the link: the packets on it, each with the moment its
//! last bit leaves the entry (the rate) and the moment it arrives (plus the
//! delay), and what was delivered and dropped. Pure bookkeeping: the
//! forwarder thread reads and writes the devices.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::settings::Settings;
use crate::lab::sides::LinkWay;

/// The most bytes one way holds in flight whatever the settings (a delay
/// at a high rate): memory stays bounded; more is dropped as overflow.
pub const MAX_HELD: u64 = 16 << 20;

/// A packet on the link.
#[derive(Debug)]
pub struct Held {
    /// Its number on the link (the wire knows it by it).
    pub id: u64,
    /// The IP packet.
    pub data: Vec<u8>,
    /// When its last bit leaves the entry at the rate.
    pub sent: Instant,
    /// When it reaches the other side.
    pub arrives: Instant,
}

/// Why a packet did not cross.
pub use crate::wire::LinkDrop as Drop;

/// One way: the packets on it in order of arrival, and its counts.
#[derive(Debug, Default)]
pub struct Way {
    held: VecDeque<Held>,
    /// Bytes of every held packet.
    held_bytes: u64,
    /// When the entry is free to send the next packet.
    free_at: Option<Instant>,
    /// The latest arrival so far: packets keep their order.
    last_arrival: Option<Instant>,
    counts: LinkWay,
}

impl Way {
    /// Packet `id` enters at `now`. `lost` says whether the loss picked
    /// it; `jitter` is this packet's share of the jitter, from -1 to 1.
    pub fn enter(
        &mut self,
        id: u64,
        data: Vec<u8>,
        now: Instant,
        s: &Settings,
        lost: bool,
        jitter: f64,
    ) -> Result<(), Drop> {
        let len = data.len() as u64;
        let why = if !s.up {
            Some(Drop::Down)
        } else if lost {
            Some(Drop::Loss)
        } else if self.queued(now).0 + len > s.queue.max(len) || self.held_bytes + len > MAX_HELD {
            Some(Drop::Queue)
        } else {
            None
        };
        if let Some(why) = why {
            self.count_drop(why, 1);
            return Err(why);
        }
        let start = self.free_at.map_or(now, |f| f.max(now));
        let sent = match s.rate_bps {
            Some(bps) => start + Duration::from_secs_f64(len as f64 * 8.0 / bps as f64),
            None => start,
        };
        self.free_at = Some(sent);
        let spread = s.jitter.as_secs_f64() * jitter.clamp(-1.0, 1.0);
        let delay = (s.delay.as_secs_f64() + spread).max(0.0);
        let mut arrives = sent + Duration::from_secs_f64(delay);
        if let Some(last) = self.last_arrival {
            arrives = arrives.max(last);
        }
        self.last_arrival = Some(arrives);
        self.held_bytes += len;
        self.held.push_back(Held {
            id,
            data,
            sent,
            arrives,
        });
        Ok(())
    }

    /// The next packet that has arrived by `now`, counted as delivered.
    pub fn arrived(&mut self, now: Instant) -> Option<Held> {
        if self.held.front()?.arrives > now {
            return None;
        }
        let h = self.held.pop_front()?;
        let len = h.data.len() as u64;
        self.held_bytes -= len;
        self.counts.delivered_packets += 1;
        self.counts.delivered_bytes += len;
        Some(h)
    }

    /// When the next packet arrives.
    pub fn next_arrival(&self) -> Option<Instant> {
        self.held.front().map(|h| h.arrives)
    }

    /// The cable pulled: everything on the link is lost.
    pub fn drop_all(&mut self) -> Vec<Held> {
        let n = self.held.len() as u64;
        self.count_drop(Drop::Down, n);
        self.held_bytes = 0;
        self.free_at = None;
        self.held.drain(..).collect()
    }

    fn count_drop(&mut self, why: Drop, n: u64) {
        match why {
            Drop::Loss => self.counts.dropped_loss += n,
            Drop::Queue => self.counts.dropped_queue += n,
            Drop::Down => self.counts.dropped_down += n,
        }
    }

    /// Bytes and packets waiting at the entry at `now` (not yet sent at the rate).
    fn queued(&self, now: Instant) -> (u64, u64) {
        self.held
            .iter()
            .rev()
            .take_while(|h| h.sent > now)
            .fold((0, 0), |(b, p), h| (b + h.data.len() as u64, p + 1))
    }

    /// How many packets are crossing each of `N` equal stretches of the
    /// way at `now` (sent at the rate, not arrived), from its entry on.
    pub fn track<const N: usize>(&self, now: Instant) -> [u32; N] {
        let mut cells = [0u32; N];
        for h in self.held.iter().take_while(|h| h.sent <= now) {
            let whole = h.arrives.saturating_duration_since(h.sent).as_secs_f64();
            if whole <= 0.0 || N == 0 {
                continue;
            }
            let gone = now.saturating_duration_since(h.sent).as_secs_f64() / whole;
            cells[((gone * N as f64) as usize).min(N - 1)] += 1;
        }
        cells
    }

    /// The counts, with what is queued and in flight at `now`.
    pub fn view(&self, now: Instant) -> LinkWay {
        let (qb, qp) = self.queued(now);
        LinkWay {
            queued_bytes: qb,
            queued_packets: qp,
            in_flight_bytes: self.held_bytes - qb,
            in_flight_packets: self.held.len() as u64 - qp,
            ..self.counts
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(delay_ms: u64, rate_bps: Option<u64>, queue: u64) -> Settings {
        Settings {
            delay: Duration::from_millis(delay_ms),
            rate_bps,
            queue,
            ..Settings::default()
        }
    }

    #[test]
    fn a_packet_arrives_after_the_delay_and_not_before() {
        let t0 = Instant::now();
        let s = settings(50, None, 10_000);
        let mut w = Way::default();
        w.enter(0, vec![0; 100], t0, &s, false, 0.0).unwrap();
        assert!(w.arrived(t0 + Duration::from_millis(49)).is_none());
        assert_eq!(w.view(t0).in_flight_packets, 1);
        assert!(w.arrived(t0 + Duration::from_millis(50)).is_some());
        assert_eq!(w.view(t0).delivered_bytes, 100);
    }

    #[test]
    fn the_rate_spaces_packets_and_a_full_queue_drops() {
        let t0 = Instant::now();
        // 1000 bytes at 8000 bit/s: one second each.
        let s = settings(0, Some(8_000), 2_000);
        let mut w = Way::default();
        for _ in 0..2 {
            w.enter(0, vec![0; 1000], t0, &s, false, 0.0).unwrap();
        }
        assert_eq!(
            w.enter(0, vec![0; 1000], t0, &s, false, 0.0),
            Err(Drop::Queue)
        );
        let v = w.view(t0);
        assert_eq!((v.queued_packets, v.dropped_queue), (2, 1));
        assert_eq!(w.next_arrival(), Some(t0 + Duration::from_secs(1)));
        assert!(w.arrived(t0 + Duration::from_secs(1)).is_some());
        assert!(w.arrived(t0 + Duration::from_millis(1999)).is_none());
    }

    #[test]
    fn down_and_loss_drop_and_count_why() {
        let t0 = Instant::now();
        let mut s = settings(10, None, 10_000);
        let mut w = Way::default();
        assert_eq!(w.enter(0, vec![0; 10], t0, &s, true, 0.0), Err(Drop::Loss));
        w.enter(0, vec![0; 10], t0, &s, false, 0.0).unwrap();
        s.up = false;
        assert_eq!(w.enter(0, vec![0; 10], t0, &s, false, 0.0), Err(Drop::Down));
        assert_eq!(w.drop_all().len(), 1);
        let v = w.view(t0);
        assert_eq!(
            (v.dropped_loss, v.dropped_down, v.in_flight_packets),
            (1, 2, 0)
        );
    }

    #[test]
    fn the_track_places_each_packet_by_how_far_it_has_crossed() {
        let t0 = Instant::now();
        let s = settings(100, None, 10_000);
        let mut w = Way::default();
        w.enter(1, vec![0; 10], t0, &s, false, 0.0).unwrap();
        w.enter(
            2,
            vec![0; 10],
            t0 + Duration::from_millis(60),
            &s,
            false,
            0.0,
        )
        .unwrap();
        // At 80 ms the first is four fifths across, the second has crossed
        // a fifth.
        let cells: [u32; 4] = w.track(t0 + Duration::from_millis(80));
        assert_eq!(cells, [1, 0, 0, 1]);
    }

    #[test]
    fn jitter_never_reorders() {
        let t0 = Instant::now();
        let s = Settings {
            jitter: Duration::from_millis(20),
            ..settings(50, None, 10_000)
        };
        let mut w = Way::default();
        w.enter(0, vec![1], t0, &s, false, 1.0).unwrap();
        w.enter(0, vec![2], t0, &s, false, -1.0).unwrap();
        let later = t0 + Duration::from_secs(1);
        assert_eq!(w.arrived(later).unwrap().data, vec![1]);
        assert_eq!(w.arrived(later).unwrap().data, vec![2]);
    }
}
