//! Short histories of the kernel's figures, for sparklines and charts.

use std::collections::VecDeque;

use crate::kernel::{Snapshot, ViewRole};
use crate::lab::SockName;
use rustc_hash::FxHashMap;

/// Samples kept per series: a minute at five samples a second.
pub const SAMPLES: usize = 300;

/// Connections that get histories, at most (memory stays bounded at scale).
pub const MAX_SERIES: usize = 256;

/// A bounded series of samples, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Series {
    samples: VecDeque<u64>,
}

impl Series {
    /// Adds a sample.
    pub fn push(&mut self, v: u64) {
        if self.samples.len() == SAMPLES {
            self.samples.pop_front();
        }
        self.samples.push_back(v);
    }

    /// The last `n` samples, oldest first.
    pub fn last(&self, n: usize) -> Vec<u64> {
        let skip = self.samples.len().saturating_sub(n);
        self.samples.iter().skip(skip).copied().collect()
    }

    /// The largest sample.
    pub fn max(&self) -> u64 {
        self.samples.iter().copied().max().unwrap_or(0)
    }
}

/// Histories of the lab's sockets.
#[derive(Debug, Default)]
pub struct History {
    /// Accept queue length per listener.
    pub accept_queue: FxHashMap<SockName, Series>,
    /// recvq per connection.
    pub recvq: FxHashMap<SockName, Series>,
    /// sendq per connection.
    pub sendq: FxHashMap<SockName, Series>,
    /// Datagrams dropped so far, per UDP socket.
    pub drops: FxHashMap<SockName, Series>,
}

impl History {
    /// Records a snapshot's figures.
    pub fn record(&mut self, snap: &Snapshot) {
        // A socket the view no longer shows (the kernel let it go) keeps no
        // history: the series follow the sockets there are, not all ever made.
        let shown: rustc_hash::FxHashSet<SockName> =
            snap.sockets.iter().filter_map(|s| s.id).collect();
        for series in [
            &mut self.accept_queue,
            &mut self.recvq,
            &mut self.sendq,
            &mut self.drops,
        ] {
            series.retain(|id, _| shown.contains(id));
        }
        for s in &snap.sockets {
            let Some(id) = s.id else { continue };
            match s.role {
                ViewRole::Listener => {
                    let q = u64::from(s.accept_queue().unwrap_or(0));
                    self.accept_queue.entry(id).or_default().push(q);
                }
                ViewRole::Client | ViewRole::Accepted | ViewRole::Udp => {
                    if self.recvq.len() >= MAX_SERIES && !self.recvq.contains_key(&id) {
                        continue;
                    }
                    let r = u64::from(s.recvq().unwrap_or(0));
                    let w = u64::from(s.sendq().unwrap_or(0));
                    self.recvq.entry(id).or_default().push(r);
                    self.sendq.entry(id).or_default().push(w);
                    if let Some(d) = s.drops() {
                        self.drops.entry(id).or_default().push(u64::from(d));
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_are_bounded() {
        let mut s = Series::default();
        for i in 0..1000 {
            s.push(i);
        }
        assert_eq!(s.last(3), vec![997, 998, 999]);
        assert_eq!(s.last(10_000).len(), SAMPLES);
        assert_eq!(s.max(), 999);
    }
}
