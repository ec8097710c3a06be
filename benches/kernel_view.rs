//! The cost of the kernel view: for 100, 1,000 and 2,000 loopback
//! connections made by the lab, the time of one snapshot, of a bare
//! sock_diag dump of the same sockets, and of one `ss -tani` run on them.
//!
//! Run: `cargo bench --bench kernel_view`. Prints medians; targets: a
//! snapshot within 1.5× the bare dump, and faster than `ss -tani`.

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
    println!("kernel view: median of {RUNS} runs");
    println!(
        "{:>12} {:>12} {:>12} {:>12} {:>12} {:>10} {:>10}",
        "connections", "lab sockets", "snapshot", "bare dump", "ss -tani", "snap/dump", "ss/snap"
    );
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
        // Interleaved, so that noise on this small machine hits both alike.
        let mut diag = DiagSocket::open().unwrap();
        let (mut snaps, mut dumps, mut reads) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let t = Instant::now();
            std::hint::black_box(snapshotter.take(&observer).unwrap());
            snaps.push(t.elapsed());
            let t = Instant::now();
            let mut out = Vec::new();
            diag.dump(libc::AF_INET, &[port], &mut out).unwrap();
            dumps.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(observer.sockets());
            reads.push(t.elapsed());
        }
        let (t_snap, t_dump, t_read) = (median(snaps), median(dumps), median(reads));
        let filter = format!("sport = :{port} or dport = :{port}");
        let t_ss = time(|| {
            Process::new("ss")
                .args(["-tani", &filter])
                .output()
                .unwrap()
        });
        println!(
            "{:>12} {:>12} {:>12} {:>12} {:>12} {:>9.2}× {:>9.2}×   (of which reading the lab {})",
            n,
            snap.sockets.len(),
            ms(t_snap),
            ms(t_dump),
            ms(t_ss),
            t_snap.as_secs_f64() / t_dump.as_secs_f64(),
            t_ss.as_secs_f64() / t_snap.as_secs_f64(),
            ms(t_read),
        );
    }
    many_ports();
}

/// Past the most ports one kernel filter holds: the dump is whole and
/// filtered in user space. 3,000 listeners, each its own port.
fn many_ports() {
    use sockplay::lab::{Command, Lab, SockOpts};
    let count = sockplay::kernel::bytecode::MAX_PORTS + 270;
    let (lab, _events) = Lab::new();
    let listen = Command::Listen {
        addr: None,
        backlog: 5,
        reuseaddr: None,
        opts: SockOpts::default(),
        defer_accept: None,
    };
    for _ in 0..count {
        lab.execute(&listen).unwrap();
    }
    let observer = lab.observer();
    let mut snapshotter = Snapshotter::live().unwrap();
    let snap = snapshotter.take(&observer).unwrap();
    assert_eq!(snap.sockets.len(), count, "every listener is in the view");
    let t_snap = time(|| snapshotter.take(&observer).unwrap());
    let t_ss = time(|| Process::new("ss").args(["-tanli"]).output().unwrap());
    println!(
        "{count} listeners on {count} ports (past one filter's {}): snapshot {}, ss -tanli {}",
        sockplay::kernel::bytecode::MAX_PORTS,
        ms(t_snap),
        ms(t_ss)
    );
}
