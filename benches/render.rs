//! Rendering the whole screen: 1,000 real loopback connections
//! (500 clients, 500 accepted), a full results log, on `TestBackend` at
//! 160×48. Prints the median time of a frame; target ≤ 2 ms.
//!
//! Run: `cargo bench --bench render`.

use sockplay::kernel::{KernelReader, Snapshotter};
use sockplay::lab::LabEvent;
use sockplay::tui::app::{App, Msg};
use sockplay::tui::theme::Theme;

mod support;

const FRAMES: usize = 200;

fn main() {
    let (lab, events) = support::lab_with_connections(500);
    let mut app = App::new(lab, Theme::from_env(), KernelReader::live());
    // The results log fills with every call the lab made.
    while let Ok(LabEvent::Finished(r)) = events.try_recv() {
        app.update(Msg::Lab(LabEvent::Finished(r)));
    }
    let snap = Snapshotter::live()
        .unwrap()
        .take(&app.lab.observer())
        .unwrap();
    let sockets = snap.sockets.len();
    for _ in 0..60 {
        app.update(Msg::Snapshot(std::sync::Arc::new(snap.clone())));
    }
    app.update(Msg::Resize(160, 48));
    // Select a connection in the middle, so the table scrolls.
    app.sel_conn = Some("C250".parse().unwrap());
    let times = support::frame_times(&app, FRAMES);
    let median = times[FRAMES / 2];
    let p95 = times[FRAMES * 95 / 100];
    println!(
        "render 160x48: {sockets} sockets in the view, {} log entries: median {:.3} ms, p95 {:.3} ms a frame (target ≤ 2 ms)",
        app.log.len(),
        median.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3
    );
}
