//! The headless runner: `sockplay run FILE`, and the shell.
//!
//! Commands go on while calls are blocked: after a command, the runner waits
//! a short settling time for its calls, reports the ones still in the kernel
//! as blocked, and moves on; their results are reported when they come.
//! The logic is the [`Player`]'s; the runner only waits for the lab's events.

use std::collections::HashMap;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use super::parse::Line;
pub use super::player::{DEFAULT_SETTLE, RunStatus, help_text};
use super::player::{Host, Player, Progress};
use super::sink::Sink;
use crate::kernel::{KernelReader, Snapshot};
use crate::lab::{CallResult, Lab, LabEvent, SockName};

/// Runs script lines against a lab, reporting to a sink.
pub struct Runner<'s> {
    lab: Lab,
    events: Receiver<LabEvent>,
    sink: &'s mut dyn Sink,
    last: HashMap<SockName, CallResult>,
    kernel: KernelReader,
    player: Player,
    wire: Option<std::sync::Arc<crate::wire::Wire>>,
    /// Why there is no wire (no CAP_NET_RAW: what to do).
    wire_off: Option<String>,
    /// Whether segments go to the sink (`--wire`), not only to the pcap.
    show_packets: bool,
    /// The next segment to report.
    wire_next: u64,
}

impl<'s> Runner<'s> {
    /// A runner on a fresh lab.
    pub fn new(sink: &'s mut dyn Sink) -> Self {
        let (lab, events) = Lab::new();
        Runner {
            lab,
            events,
            sink,
            last: HashMap::new(),
            kernel: KernelReader::live(),
            player: Player::new(Vec::new()),
            wire: None,
            wire_off: None,
            show_packets: false,
            wire_next: 0,
        }
    }

    /// Captures the lab's segments (`--wire`, `--pcap`); `show` puts them
    /// in the records between the results. Where capture is not possible,
    /// one line says what to do, and the run goes on without it.
    pub fn with_wire(mut self, opts: &crate::wire::WireOptions, show: bool) -> Self {
        self.show_packets = show;
        match crate::wire::Wire::start(self.lab.observer(), opts) {
            Ok(wire) => {
                let wire = std::sync::Arc::new(wire);
                self.lab.on_register(wire.watcher());
                self.wire = Some(wire);
            }
            Err(e) => {
                let text = format!("wire: {e}; the run goes on without it");
                self.sink.info(0, &text, self.lab.elapsed());
                self.wire_off = Some(e.to_string());
            }
        }
        self
    }

    /// The wire, when it captures.
    pub fn wire(&self) -> Option<&crate::wire::Wire> {
        self.wire.as_deref()
    }

    /// Reports the segments captured since the last time.
    fn flush_wire(&mut self) {
        let Some(wire) = &self.wire else { return };
        if !self.show_packets {
            // Nothing to copy out: a bulk transfer's segments would be
            // cloned under the capture thread's lock for nobody.
            self.wire_next = wire.next_index();
            return;
        }
        let (segs, next, missed) = wire.since(self.wire_next);
        self.wire_next = next;
        if missed > 0 {
            let text = format!("wire: {missed} segments came faster than they could be shown");
            self.sink.info(0, &text, self.lab.elapsed());
        }
        for seg in &segs {
            self.sink.packet(seg);
        }
    }

    /// Changes the settling time.
    pub fn with_settle(mut self, settle: Duration) -> Self {
        self.player = self.player.with_settle(settle);
        self
    }

    /// The lab the runner drives.
    pub fn lab(&self) -> &Lab {
        &self.lab
    }

    /// The kernel view now.
    pub fn snapshot(&mut self) -> Result<Snapshot, String> {
        self.host_parts().0.snapshot()
    }

    fn host_parts(&mut self) -> (Host<'_>, &mut Player) {
        (
            Host {
                lab: &self.lab,
                last: &self.last,
                kernel: &self.kernel,
                sink: &mut *self.sink,
                wire: self.wire.as_deref(),
                wire_off: self.wire_off.as_deref(),
                view: None,
            },
            &mut self.player,
        )
    }

    /// Runs the lines in order, then closes the lab. Stops at a rejected command.
    pub fn run(mut self, lines: &[Line]) -> RunStatus {
        for line in lines {
            self.player.push(line.clone());
        }
        let status = self.play();
        self.finish();
        status
    }

    /// Runs one more line to its end (the shell); false when it was rejected.
    pub fn run_line(&mut self, line: &Line) -> bool {
        self.player.push(line.clone());
        let ok = self.play() != RunStatus::Rejected;
        self.player.forgive();
        ok
    }

    /// Plays the lines there are, waiting for the lab where they wait.
    fn play(&mut self) -> RunStatus {
        loop {
            self.flush_wire();
            let progress = {
                let (mut host, player) = self.host_parts();
                player.advance(&mut host, Instant::now())
            };
            match progress {
                Progress::Wait(until) => self.pump_until(until),
                Progress::Step(_) | Progress::Pause(_) => {
                    self.player.resume();
                }
                Progress::Show(_) => self.player.shown(),
                Progress::Done(status) => return status,
            }
        }
    }

    /// Reports a line that did not parse, as the sink reports rejected
    /// commands: with its line and column.
    pub fn reject(&mut self, line: usize, error: &super::ParseError) {
        self.sink.error(line, Some(error.col), &error.message);
    }

    /// Reports the results that arrive within `wait`, between commands.
    pub fn idle(&mut self, wait: Duration) {
        self.pump_until(Instant::now() + wait);
    }

    /// Reports calls still blocked, then closes the lab.
    pub fn close(mut self) {
        self.finish();
    }

    fn handle(&mut self, event: LabEvent) {
        match event {
            LabEvent::Finished(r) => {
                self.flush_wire();
                self.player.finished(r.seq);
                self.sink.op(&r);
                self.last.insert(r.sock, r);
            }
        }
    }

    /// Handles the events there are; when there were none, waits for one
    /// until the deadline.
    fn pump_until(&mut self, deadline: Instant) {
        // With the wire on, wake often enough to report segments as they come.
        let deadline = match &self.wire {
            Some(_) => deadline.min(Instant::now() + Duration::from_millis(20)),
            None => deadline,
        };
        let mut handled = false;
        while let Ok(e) = self.events.try_recv() {
            self.handle(e);
            handled = true;
        }
        let now = Instant::now();
        if !handled
            && now < deadline
            && let Ok(e) = self.events.recv_timeout(deadline - now)
        {
            self.handle(e);
            while let Ok(e) = self.events.try_recv() {
                self.handle(e);
            }
        }
    }

    /// Reports calls still blocked at the end, then closes the lab.
    fn finish(&mut self) {
        // A lookup's socket call is told just after the lookup: wait for
        // it, so that the last line's results are all here.
        self.lab.told();
        self.pump_until(Instant::now());
        if let Some(wire) = &self.wire {
            wire.settle(Duration::from_millis(500));
        }
        self.flush_wire();
        let calls: Vec<String> = self
            .player
            .blocked()
            .map(|(seq, sock, call, arg)| {
                format!("#{seq} {sock} {}", crate::lab::call_text(call, arg))
            })
            .collect();
        if !calls.is_empty() {
            let text = format!(
                "end of script; still blocked, woken as the lab closes: {}",
                list_some(&calls, BLOCKED_LISTED)
            );
            self.sink.info(0, &text, self.lab.elapsed());
        }
        if let Some(wire) = self.wire.take() {
            // The last handle (the lab holds only a weak one): stopping it
            // completes the pcap file and the kernel's count of drops.
            let stats = match std::sync::Arc::try_unwrap(wire) {
                Ok(mut w) => {
                    w.stop();
                    w.stats()
                }
                Err(w) => w.stats(),
            };
            let mut text = format!(
                "wire: {} segments, {} dropped by the kernel",
                stats.segments, stats.drops
            );
            if let Some(e) = stats.pcap_error {
                text.push_str(&format!("; the pcap file stopped: {e}"));
            }
            self.sink.info(0, &text, self.lab.elapsed());
        }
        self.lab.shutdown(Duration::from_secs(1));
        self.sink.finish();
    }
}

/// How many blocked calls the end-of-script line names before it counts.
const BLOCKED_LISTED: usize = 8;

/// The first `most` items, then how many more there are: a thousand blocked
/// connects make one readable line, not a page.
fn list_some(items: &[String], most: usize) -> String {
    if items.len() <= most {
        return items.join(", ");
    }
    format!(
        "{}, and {} more",
        items[..most].join(", "),
        items.len() - most
    )
}

#[cfg(test)]
mod tests {
    use super::list_some;

    #[test]
    fn long_lists_are_counted_not_spelled_out() {
        let items: Vec<String> = (1..=10).map(|i| format!("C{i}")).collect();
        assert_eq!(list_some(&items[..3], 8), "C1, C2, C3");
        assert_eq!(list_some(&items[..8], 8), items[..8].join(", "));
        assert_eq!(
            list_some(&items, 8),
            "C1, C2, C3, C4, C5, C6, C7, C8, and 2 more"
        );
    }
}
