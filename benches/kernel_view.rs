//! The cost of the kernel view: for 100 to 5,000 loopback connections made
//! by the lab (201 to 10,001 sockets), the time of one snapshot, of a bare
//! sock_diag dump of the same sockets, and of one `ss -tani` run on them;
//! then for 3,000 listeners on 3,000 ports, more than one kernel filter
//! holds, so that the dump is whole and filtered in user space.
//!
//! Run: `cargo bench --bench kernel_view` (`-- sizes` or `-- ports` for one
//! case). Prints medians; targets: a snapshot within 1.5× the bare dump,
//! and faster than `ss`.

use std::process::Command as Process;
use std::time::{Duration, Instant};

use sockplay::kernel::Snapshotter;
use sockplay::kernel::diag::DiagSocket;

mod support;

const RUNS: usize = 60;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(mut f: impl FnMut() -> T) -> Duration {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        std::hint::black_box(f());
        times.push(t.elapsed());
    }
    median(times)
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    // `cargo bench --bench kernel_view -- ports` runs one case (`sizes`, `ports`).
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |case: &str| only.is_empty() || only.iter().any(|a| a == case);
    if wanted("sizes") {
        sizes();
    }
    if wanted("ports") {
        many_ports();
    }
}

/// One listener and its connections, 201 to 10,001 sockets: the kernel
/// filters the dump to the one port.
fn sizes() {
    println!("kernel view: median of {RUNS} runs; targets: snap/dump ≤ 1.5×, ss/snap > 1×");
    header("connections", "ss -tani");
    // 5,000 connections are 10,001 sockets: the largest lab the benchmarks aim at.
    for n in [100u32, 1000, 2000, 5000] {
        let (lab, _events) = support::lab_with_connections(n);
        let port = lab.sockets()[0].meta.local.unwrap().port();
        let observer = lab.observer();
        let mut snapshotter = Snapshotter::live().unwrap();
        let snap = snapshotter.take(&observer).unwrap();
        assert_eq!(
            snap.sockets.len() as u32,
            1 + 2 * n,
            "every socket is in the view"
        );
        let figures = interleaved(&mut snapshotter, &observer, &[port]);
        let filter = format!("sport = :{port} or dport = :{port}");
        let t_ss = time(|| {
            Process::new("ss")
                .args(["-tani", &filter])
                .output()
                .unwrap()
        });
        row(n as usize, snap.sockets.len(), figures, t_ss);
    }
}

/// A snapshot, a bare dump of the same ports (the same call the snapshot
/// makes) and a reading of the lab, each timed RUNS times in turn, so that
/// noise on this small shared machine hits all alike.
struct Figures {
    snap: Vec<Duration>,
    dump: Vec<Duration>,
    read: Vec<Duration>,
}

fn interleaved(
    snapshotter: &mut Snapshotter,
    observer: &sockplay::lab::Observer,
    ports: &[u16],
) -> Figures {
    let mut diag = DiagSocket::open().unwrap();
    let mut f = Figures {
        snap: Vec::new(),
        dump: Vec::new(),
        read: Vec::new(),
    };
    for _ in 0..RUNS {
        let t = Instant::now();
        std::hint::black_box(snapshotter.take(observer).unwrap());
        f.snap.push(t.elapsed());
        let t = Instant::now();
        let mut out = Vec::new();
        diag.dump(libc::AF_INET, ports, &mut out).unwrap();
        f.dump.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(observer.sockets());
        f.read.push(t.elapsed());
    }
    f
}

/// The header of a table of [`row`]s; `what` names the first column and
/// `ss` the `ss` run compared.
fn header(what: &str, ss: &str) {
    println!(
        "{what:>12} {:>12} {:>12} {:>12} {:>12} {:>10} {:>10} {:>11}",
        "lab sockets", "snapshot", "bare dump", ss, "snap/dump", "ss/snap", "best s/d"
    );
}

/// One line of figures: medians, their ratios, and the ratio of the
/// fastest runs (the least disturbed by other work on the machine).
fn row(n: usize, sockets: usize, f: Figures, t_ss: Duration) {
    let best = |v: &[Duration]| *v.iter().min().unwrap();
    let best_ratio = best(&f.snap).as_secs_f64() / best(&f.dump).as_secs_f64();
    let (t_snap, t_dump, t_read) = (median(f.snap), median(f.dump), median(f.read));
    println!(
        "{:>12} {:>12} {:>12} {:>12} {:>12} {:>9.2}× {:>9.2}× {:>10.2}×   (of which reading the lab {})",
        n,
        sockets,
        ms(t_snap),
        ms(t_dump),
        ms(t_ss),
        t_snap.as_secs_f64() / t_dump.as_secs_f64(),
        t_ss.as_secs_f64() / t_snap.as_secs_f64(),
        best_ratio,
        ms(t_read),
    );
}

/// Past the most ports one kernel filter holds: the dump is whole and
/// filtered in user space. 3,000 listeners, each its own port.
fn many_ports() {
    use sockplay::lab::{Command, Lab, SockOpts};
    let count = sockplay::kernel::bytecode::MAX_PORTS + 270;
    sockplay::lab::limits::raise_nofile();
    let (lab, _events) = Lab::new();
    let listen = Command::Listen {
        addr: None,
        backlog: 5,
        reuseaddr: None,
        opts: SockOpts::default(),
        defer_accept: None,
        port_alone: false,
    };
    for _ in 0..count {
        lab.execute(&listen).unwrap();
    }
    let observer = lab.observer();
    let ports: Vec<u16> = lab
        .sockets()
        .iter()
        .filter_map(|s| s.meta.local.map(|a| a.port()))
        .collect();
    assert!(ports.len() > sockplay::kernel::bytecode::MAX_PORTS);
    let mut snapshotter = Snapshotter::live().unwrap();
    let snap = snapshotter.take(&observer).unwrap();
    assert_eq!(snap.sockets.len(), count, "every listener is in the view");
    let figures = interleaved(&mut snapshotter, &observer, &ports);
    let t_ss = time(|| Process::new("ss").args(["-tanli"]).output().unwrap());
    println!(
        "\n{count} listeners on {count} ports, past one filter's {}: the dump is whole, filtered here; same targets",
        sockplay::kernel::bytecode::MAX_PORTS,
    );
    header("listeners", "ss -tanli");
    row(count, snap.sockets.len(), figures, t_ss);
}
