//! Shared by the benchmarks: a lab with many real loopback connections.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use sockplay::lab::{AcceptCount, Command, Lab, LabEvent, SockOpts, Target};

#[allow(dead_code)] // each bench uses what it needs
/// A lab with one listener (backlog 4096) and `n` connections, client and
/// accepted ends, made in rounds that fit the accept queue.
pub fn lab_with_connections(n: u32) -> (Lab, Receiver<LabEvent>) {
    let (lab, events) = Lab::new();
    connections_in(&lab, n);
    (lab, events)
}

/// Makes one listener (backlog 4096) and `n` connections in `lab`.
pub fn connections_in(lab: &Lab, n: u32) {
    sockplay::lab::limits::raise_nofile();
    lab.execute(&Command::Listen {
        addr: None,
        backlog: 4096,
        reuseaddr: None,
        opts: SockOpts::default(),
        defer_accept: None,
        port_alone: false,
    })
    .unwrap();
    let l1 = "L1".parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let settle = |lab: &Lab| {
        while lab.pending_all() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let mut left = n;
    while left > 0 {
        let round = left.min(4000);
        left -= round;
        lab.execute(&Command::Connect {
            target: Target::Listener(l1),
            count: round,
            opts: SockOpts::default(),
        })
        .unwrap();
        settle(lab);
        lab.execute(&Command::Accept {
            listener: l1,
            count: AcceptCount::All,
        })
        .unwrap();
        settle(lab);
    }
}

#[allow(dead_code)] // each bench uses what it needs
/// Draws `app` `frames` times at 160×48, as a terminal would; the times,
/// fastest first.
pub fn frame_times(app: &sockplay::tui::app::App, frames: usize) -> Vec<Duration> {
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 48))
        .expect("a test terminal");
    let mut times = Vec::with_capacity(frames);
    for _ in 0..frames {
        let t = Instant::now();
        term.draw(|f| sockplay::tui::view::draw(f, app))
            .expect("a frame draws");
        times.push(t.elapsed());
    }
    times.sort();
    times
}
