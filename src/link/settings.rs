//! What a link is set to, and the changes `link` asks for.

use std::time::Duration;

/// The queue at each way's entry unless `queue=` says otherwise.
pub const DEFAULT_QUEUE: u64 = 256 << 10;
/// The smallest queue: one packet of the link's MTU.
pub const MIN_QUEUE: u64 = 1500;
/// The largest queue `queue=` takes.
pub const MAX_QUEUE: u64 = 16 << 20;
/// The longest delay (and jitter) each way.
pub const MAX_DELAY: Duration = Duration::from_secs(10);
/// The slowest rate, in bits a second.
pub const MIN_RATE: u64 = 1_000;
/// The fastest rate, in bits a second.
pub const MAX_RATE: u64 = 100_000_000_000;

/// A link's settings, the same each way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long a packet takes to cross, each way.
    pub delay: Duration,
    /// The most a packet's delay varies either way (packets keep their order).
    pub jitter: Duration,
    /// Bits a second; `None`: no limit.
    pub rate_bps: Option<u64>,
    /// The share of packets lost, in parts per million.
    pub loss_ppm: u32,
    /// The most bytes waiting at each way's entry.
    pub queue: u64,
    /// Whether packets pass.
    pub up: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            rate_bps: None,
            loss_ppm: 0,
            queue: DEFAULT_QUEUE,
            up: true,
        }
    }
}

/// The settings a `link` line changes; the others stay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Change {
    /// `delay=`.
    pub delay: Option<Duration>,
    /// `jitter=`.
    pub jitter: Option<Duration>,
    /// `rate=`: `Some(None)` is `rate=off`.
    pub rate_bps: Option<Option<u64>>,
    /// `loss=`, in parts per million.
    pub loss_ppm: Option<u32>,
    /// `queue=`.
    pub queue: Option<u64>,
}

/// What a `link` line asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkCommand {
    /// Make the link, or change its settings.
    Set(Change),
    /// The cable pulled: nothing passes.
    Down,
    /// The cable plugged back.
    Up,
}

impl Settings {
    /// These settings with `c` applied.
    pub fn with(mut self, c: &Change) -> Settings {
        if let Some(d) = c.delay {
            self.delay = d;
        }
        if let Some(j) = c.jitter {
            self.jitter = j;
        }
        if let Some(r) = c.rate_bps {
            self.rate_bps = r;
        }
        if let Some(l) = c.loss_ppm {
            self.loss_ppm = l;
        }
        if let Some(q) = c.queue {
            self.queue = q;
        }
        self
    }

    /// `delay 50ms, rate 2mbit, loss 1%, queue 256k`: as `link` writes them.
    pub fn describe(&self) -> String {
        let mut parts = vec![format!("delay {} each way", ms(self.delay))];
        if !self.jitter.is_zero() {
            parts.push(format!("jitter ±{}", ms(self.jitter)));
        }
        parts.push(match self.rate_bps {
            Some(r) => format!("rate {}", rate_text(r)),
            None => "rate off".into(),
        });
        parts.push(format!("loss {}", percent_text(self.loss_ppm)));
        parts.push(format!("queue {}", bytes_text(self.queue)));
        parts.join(", ")
    }
}

fn ms(d: Duration) -> String {
    let ms = format!("{:.3}", d.as_secs_f64() * 1000.0);
    format!("{}ms", ms.trim_end_matches('0').trim_end_matches('.'))
}

/// `2mbit`, `500kbit`, `1gbit`, `1500bit`.
pub fn rate_text(bps: u64) -> String {
    for (unit, n) in [
        ("gbit", 1_000_000_000),
        ("mbit", 1_000_000),
        ("kbit", 1_000),
    ] {
        if bps >= n && bps.is_multiple_of(n) {
            return format!("{}{unit}", bps / n);
        }
    }
    format!("{bps}bit")
}

/// `10%`, `0.5%`.
pub fn percent_text(ppm: u32) -> String {
    let p = f64::from(ppm) / 10_000.0;
    format!("{p}%")
}

fn bytes_text(b: u64) -> String {
    if b.is_multiple_of(1 << 20) {
        format!("{}m", b >> 20)
    } else if b.is_multiple_of(1024) {
        format!("{}k", b >> 10)
    } else {
        b.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_read_as_the_command_writes() {
        let s = Settings::default().with(&Change {
            delay: Some(Duration::from_millis(50)),
            rate_bps: Some(Some(2_000_000)),
            loss_ppm: Some(5_000),
            ..Change::default()
        });
        assert_eq!(
            s.describe(),
            "delay 50ms each way, rate 2mbit, loss 0.5%, queue 256k"
        );
        assert_eq!(rate_text(1_500), "1500bit");
        assert_eq!(ms(Duration::from_micros(1500)), "1.5ms");
    }
}
