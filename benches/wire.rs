//! The wire's costs, printed beside their targets:
//!
//! - throughput of `sendall 1g` into `drain on` with capture, against the
//!   same without it (target ≥ 0.7×), on the machine's loopback and in a
//!   lab of its own (MTU 1500, no TSO/GSO: 40 times the segments);
//! - frames the kernel dropped from the capture at that load (target 0);
//! - one frame with the wire pane shown at 1,000 connections, its ring full
//!   (target ≤ 2 ms).
//!
//! Needs CAP_NET_RAW (root). Run: `cargo bench --bench wire`.

use std::process::Command as Process;
use std::time::{Duration, Instant};

use sockplay::kernel::{KernelReader, Snapshot};
use sockplay::lab::{CallResult, Lab, SockName, Started};
use sockplay::script::sink::{ExpectReport, Sink};
use sockplay::script::{Line, Runner, parse_script};
use sockplay::tui::app::{App, Msg};
use sockplay::tui::theme::Theme;
use sockplay::tui::wire_pane::WirePane;
use sockplay::wire::WireOptions;

mod support;

const PUMP: &str = "listen\nconnect L1\naccept L1\ndrain A1 on\nsendall C1 1g\nwait C1 120s\n";

/// Keeps the sendall's result and what the wire said.
#[derive(Default)]
struct Keep {
    sendall: Option<CallResult>,
    info: Vec<String>,
}

impl Sink for Keep {
    fn command(&mut self, _: &Line) {}
    fn op(&mut self, r: &CallResult) {
        if r.call.name() == "sendall" {
            self.sendall = Some(r.clone());
        }
    }
    fn blocked(&mut self, _: &Started, _: Duration) {}
    fn expect(&mut self, _: &ExpectReport, _: Duration) {}
    fn note(&mut self, _: usize, _: &str, _: Duration) {}
    fn step(&mut self, _: usize, _: &str, _: Duration) {}
    fn error(&mut self, _: usize, _: Option<usize>, m: &str) {
        panic!("{m}");
    }
    fn snapshot(&mut self, _: usize, _: &Snapshot, _: &[SockName]) {}
    fn info(&mut self, _: usize, text: &str, _: Duration) {
        self.info.push(text.to_string());
    }
}

/// CPU time this process has used, user and system, in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: an all-zero rusage is a valid value for getrusage to fill.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` lives for the call.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

/// One pump: Gbit/s, CPU seconds per GiB (every thread of the process,
/// the kernel's work on its behalf included), and the wire's closing
/// line when it captured.
fn pump(capture: bool) -> (f64, f64, Option<String>) {
    let cpu = cpu_seconds();
    let lines = parse_script(PUMP).unwrap();
    let mut keep = Keep::default();
    let mut runner = Runner::new(&mut keep);
    if capture {
        runner = runner.with_wire(&WireOptions::default(), false);
    }
    runner.run(&lines);
    let r = keep.sendall.expect("the sendall finished");
    let bytes = r.outcome.ret().unwrap_or(0) as f64;
    let gbit = bytes * 8.0 / r.elapsed.as_secs_f64() / 1e9;
    let cpu_per_gib = (cpu_seconds() - cpu) / (bytes / f64::from(1u32 << 30));
    (
        gbit,
        cpu_per_gib,
        keep.info.into_iter().find(|l| l.starts_with("wire:")),
    )
}

fn throughput(place: &str) {
    // Alternate, and keep the best of each, so that the other load on the
    // machine counts against both alike.
    let mut without: f64 = 0.0;
    let mut with: f64 = 0.0;
    let (mut cpu_without, mut cpu_with) = (f64::MAX, f64::MAX);
    let mut said = None;
    for _ in 0..3 {
        let (g, cpu, _) = pump(false);
        without = without.max(g);
        cpu_without = cpu_without.min(cpu);
        let (g, cpu, line) = pump(true);
        with = with.max(g);
        cpu_with = cpu_with.min(cpu);
        said = line;
    }
    println!(
        "wire, {place}: sendall 1 GiB into drain on: {without:.2} Gbit/s without capture, {with:.2} with: ratio {:.2} (target ≥ 0.7)",
        with / without
    );
    // The CPU the transfer takes does not depend on what else the machine
    // runs; on a machine whose cores the transfer keeps busy, its ratio is
    // what the throughput's would be.
    println!(
        "wire, {place}: CPU per GiB: {cpu_without:.2} s without capture, {cpu_with:.2} s with: ratio {:.2}",
        cpu_without / cpu_with
    );
    println!(
        "wire, {place}: {} (target 0 dropped)",
        said.unwrap_or_else(|| "no capture (needs CAP_NET_RAW)".into())
    );
}

fn frame() {
    let (lab, events) = Lab::new();
    let wire = WirePane::start(&lab, None);
    if wire.wire.is_none() {
        println!("wire pane frame: no capture here (needs CAP_NET_RAW)");
        return;
    }
    support::connections_in(&lab, 500);
    let mut app = App::new(lab, Theme::from_env(), KernelReader::live());
    app.wire = wire;
    for c in ["drain A250 on", "sendall C250 64m"] {
        let Ok(Some(sockplay::script::Statement::Lab(cmd))) = sockplay::script::parse_line(c)
        else {
            unreachable!("{c} is a lab command")
        };
        app.lab.execute(&cmd).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while app
        .lab
        .pending(SockName::new(sockplay::lab::Role::Client, 250))
        > 0
        && Instant::now() < deadline
    {
        while let Ok(e) = events.try_recv() {
            app.update(Msg::Lab(e));
        }
        app.update(Msg::Tick(Instant::now()));
        std::thread::sleep(Duration::from_millis(20));
    }
    let segments = app.wire.wire.as_ref().map_or(0, |w| w.stats().segments);
    app.update(Msg::Resize(160, 48));
    app.sel_conn = Some("C250".parse().unwrap());
    app.wire.toggle();
    const FRAMES: usize = 100;
    let times = support::frame_times(&app, FRAMES);
    println!(
        "wire pane frame 160x48, 1,000 connections, {segments} segments captured: median {:.3} ms, p95 {:.3} ms (target ≤ 2 ms)",
        times[FRAMES / 2].as_secs_f64() * 1e3,
        times[FRAMES * 95 / 100].as_secs_f64() * 1e3
    );
    app.lab.shutdown(Duration::from_secs(1));
}

fn main() {
    if std::env::var_os("SOCKPLAY_BENCH_OWN_LAB").is_some() {
        // A child of this bench, in a lab of its own (entered while it has
        // one thread, as namespaces require).
        sockplay::lab::netns::enter_own().expect("a network namespace");
        sockplay::wire::loopback::like_a_network().expect("MTU 1500, no TSO/GSO");
        throughput("a lab of its own (lo MTU 1500, no TSO/GSO)");
        return;
    }
    throughput("the machine's loopback (MTU 65536, TSO)");
    let me = std::env::current_exe().unwrap();
    let status = Process::new(me)
        .env("SOCKPLAY_BENCH_OWN_LAB", "1")
        .args(std::env::args().skip(1))
        .status();
    if !status.as_ref().is_ok_and(|s| s.success()) {
        println!("wire, a lab of its own: could not run ({status:?})");
    }
    frame();
}
