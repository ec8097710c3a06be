//! The cost of the lab's own link, measured in a lab of its own (as root:
//! the bench makes its network namespace and the link's as `sockplay
//! --link` does, then moves real TCP and UDP through them).
//!
//! - Throughput with no delay, rate or loss: 512 MiB through the link
//!   against the same transfer on the namespace's loopback. Target ≥ 1
//!   Gbit/s, or ≥ 0.3× the loopback on this 2-core machine.
//! - The link thread's CPU time per GiB moved (from its /proc stat).
//! - With `delay=50ms`: the round trip TCP measures (TCP_INFO's rtt, and a
//!   1-byte ping-pong's) against 100 ms, while the link also carries
//!   10,000 UDP packets a second. Target: median within 2 ms, jitter (the
//!   spread p95 − p5 of the ping-pong) below 1 ms.
//! - Memory under a flood: UDP as fast as one core sends, through
//!   `rate=10mbit` (the queue fills and drops) and through `delay=200ms`
//!   (the packets in flight are held); the process's peak RSS. Target
//!   ≤ 64 MiB.
//!
//! Run: `cargo bench --bench link` (as root); `-- throughput`, `-- rtt` or
//! `-- flood` runs that part alone (to profile it).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sockplay::lab::sides::{self, SERVER_IP};
use sockplay::script::parse::link::spec;

const TRANSFER: u64 = 512 << 20;

fn set(text: &str) {
    sockplay::link::apply(&spec(text).unwrap()).unwrap();
}

/// Bytes sent from a client made by `connect` to a server accepted from
/// `listener`, in Gbit/s.
fn throughput(listener: TcpListener, connect: impl FnOnce() -> TcpStream) -> f64 {
    let reader = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; 1 << 20];
        let mut got = 0u64;
        while got < TRANSFER {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "the connection ended early");
            got += n as u64;
        }
    });
    let mut c = connect();
    let chunk = vec![7u8; 1 << 20];
    let began = Instant::now();
    for _ in 0..TRANSFER >> 20 {
        c.write_all(&chunk).unwrap();
    }
    reader.join().unwrap();
    TRANSFER as f64 * 8.0 / began.elapsed().as_secs_f64() / 1e9
}

/// The CPU time the link thread has used, from /proc/self/task/TID/stat.
fn link_cpu() -> Duration {
    let tid = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            std::fs::read_to_string(p.join("comm")).is_ok_and(|c| c.trim() == "sockplay-link")
        })
        .expect("the link's thread");
    let stat = std::fs::read_to_string(tid.join("stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15; `after` starts at field 3.
    // SAFETY: sysconf takes no pointers.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Duration::from_secs_f64((fields[11] + fields[12]) as f64 / hz)
}

fn client(addr: SocketAddr) -> TcpStream {
    let s = sides::get()
        .expect("on the link")
        .on_client_side(|| TcpStream::connect(addr))
        .unwrap()
        .unwrap();
    s.set_nodelay(true).unwrap();
    s
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// SIOCGSTAMPNS (linux/sockios.h; no constant in libc): the time the
/// kernel received the last packet a socket's reader has taken.
const SIOCGSTAMPNS: libc::c_ulong = 0x8907;

/// UDP from the client side to the server side at `per_second` packets of
/// `size` bytes (0: as fast as it goes), until `stop`: the packets sent,
/// and, if `timed`, each packet's time across the link in ms — from the moment before
/// its `send_to` (written in it) to the kernel's receive timestamp on the
/// server side (SIOCGSTAMPNS, taken as the link hands it over, whenever
/// the reader gets to it).
fn udp_load(
    per_second: u64,
    size: usize,
    stop: Arc<AtomicBool>,
    timed: bool,
) -> (
    std::thread::JoinHandle<u64>,
    std::thread::JoinHandle<Vec<f64>>,
) {
    use std::os::fd::AsRawFd;
    let sink = UdpSocket::bind((SERVER_IP, 0)).unwrap();
    let to = sink.local_addr().unwrap();
    let drain = Arc::clone(&stop);
    let stamp = move |sink: &UdpSocket| {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a timespec that lives for the call.
        let r = unsafe { libc::ioctl(sink.as_raw_fd(), SIOCGSTAMPNS, &raw mut ts) };
        (r == 0).then(|| ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6)
    };
    // The first call turns the socket's timestamps on (and finds none).
    let _ = stamp(&sink);
    let received = std::thread::spawn(move || {
        sink.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut buf = [0u8; 2048];
        let mut across = Vec::new();
        while !drain.load(Ordering::Relaxed) {
            if sink.recv(&mut buf).is_ok_and(|n| n >= 8)
                && timed
                && let Some(at) = stamp(&sink)
            {
                let sent = u64::from_ne_bytes(buf[..8].try_into().unwrap());
                across.push(at - sent as f64 / 1e6);
            }
        }
        across
    });
    let sock = sides::get()
        .unwrap()
        .on_client_side(|| UdpSocket::bind("0.0.0.0:0"))
        .unwrap()
        .unwrap();
    let sender = std::thread::spawn(move || {
        let mut payload = vec![1u8; size.max(8)];
        let began = Instant::now();
        let mut sent = 0u64;
        while !stop.load(Ordering::Relaxed) {
            if per_second > 0 {
                let due = began + Duration::from_secs_f64(sent as f64 / per_second as f64);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
            }
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64;
            payload[..8].copy_from_slice(&now.to_ne_bytes());
            if sock.send_to(&payload, to).is_ok() {
                sent += 1;
            }
        }
        sent
    });
    (sender, received)
}

/// TCP_INFO of a connection, read with getsockopt.
fn tcp_info(s: &TcpStream) -> sockplay::kernel::tcp_info::TcpInfo {
    use std::os::fd::AsRawFd;
    let mut buf = [0u8; 256];
    let mut len = buf.len() as libc::socklen_t;
    // SAFETY: `buf` and `len` live for the call and say its size.
    let r = unsafe {
        libc::getsockopt(
            s.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            buf.as_mut_ptr().cast(),
            &mut len,
        )
    };
    assert_eq!(r, 0, "TCP_INFO");
    sockplay::kernel::tcp_info::TcpInfo::parse(&buf[..len as usize])
}

fn rss_peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    assert!(
        rustix::process::geteuid().is_root(),
        "the link bench makes network namespaces: run it as root"
    );
    // Before any thread: the bench's own namespace, as --netns makes it.
    sockplay::lab::netns::enter_own().unwrap();
    let base_rss = rss_peak_kib();

    let parts: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let part = |name: &str| parts.is_empty() || parts.iter().any(|p| p == name);
    if part("throughput") {
        throughput_part();
    }
    if part("rtt") {
        rtt_part();
    }
    if part("flood") {
        flood_part(base_rss);
    }
}

/// Rounds of the throughput comparison: the machine's load changes from
/// one transfer to the next, so the link and the loopback take turns and
/// each figure is the median of its rounds.
const ROUNDS: usize = 3;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    percentile(&v, 0.5)
}

fn throughput_part() {
    // The loopback of the same namespace: first as the kernel makes it
    // (MTU 65536, TSO), then as the lab sets it (MTU 1500, no TSO/GSO),
    // the size of segment the link carries.
    let on_lo = || {
        let lo = TcpListener::bind("127.0.0.1:0").unwrap();
        let lo_addr = lo.local_addr().unwrap();
        throughput(lo, || TcpStream::connect(lo_addr).unwrap())
    };
    let big_lo = on_lo();
    sockplay::wire::loopback::like_a_network().unwrap();
    set("delay=0");
    let (mut lo, mut link, mut ratio, mut cpu_per_gib, mut busy) =
        (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        let loopback = on_lo();
        let server = TcpListener::bind((SERVER_IP, 0)).unwrap();
        let addr = server.local_addr().unwrap();
        let cpu0 = link_cpu();
        let through = throughput(server, || client(addr));
        let cpu = (link_cpu() - cpu0).as_secs_f64();
        lo.push(loopback);
        link.push(through);
        ratio.push(through / loopback);
        cpu_per_gib.push(cpu / (TRANSFER as f64 / f64::from(1u32 << 30)));
        busy.push(100.0 * cpu / (TRANSFER as f64 * 8.0 / (through * 1e9)));
    }
    let each = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "throughput, 512 MiB, median of {ROUNDS} rounds taking turns: link {:.2} Gbit/s ({}), loopback at MTU 1500 {:.2} Gbit/s ({}): {:.2}× ({}) (target ≥ 1 Gbit/s or ≥ 0.3×); loopback at MTU 65536 {big_lo:.2} Gbit/s",
        median(link.clone()),
        each(&link),
        median(lo.clone()),
        each(&lo),
        median(ratio.clone()),
        each(&ratio),
    );
    println!(
        "link thread CPU: {:.2} s per GiB ({:.0}% of one core while it ran)",
        median(cpu_per_gib),
        median(busy),
    );
}

/// Puts the calling thread at the lowest real-time priority.
fn realtime() {
    let param = libc::sched_param { sched_priority: 1 };
    // SAFETY: `param` lives for the call; pid 0 is the calling thread.
    let r = unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) };
    assert_eq!(r, 0, "SCHED_FIFO as root");
}

/// 100 round trips of one byte between a client made by `connect` and an
/// echo accepted from `listener`, its two ends at real-time priority if
/// `ends_realtime`: each in ms, sorted, and TCP_INFO's rtt.
fn ping_pong(
    listener: TcpListener,
    connect: impl FnOnce() -> TcpStream + Send + 'static,
    ends_realtime: bool,
) -> (Vec<f64>, f64) {
    std::thread::spawn(move || ping_pong_here(listener, connect, ends_realtime))
        .join()
        .unwrap()
}

fn ping_pong_here(
    listener: TcpListener,
    connect: impl FnOnce() -> TcpStream,
    ends_realtime: bool,
) -> (Vec<f64>, f64) {
    if ends_realtime {
        realtime();
    }
    let echo = std::thread::spawn(move || {
        if ends_realtime {
            realtime();
        }
        let (mut s, _) = listener.accept().unwrap();
        s.set_nodelay(true).unwrap();
        let mut b = [0u8; 1];
        while s.read_exact(&mut b).is_ok() {
            if s.write_all(&b).is_err() {
                break;
            }
        }
    });
    let mut c = connect();
    c.set_nodelay(true).unwrap();
    let mut rtts = Vec::new();
    for _ in 0..100 {
        let t = Instant::now();
        c.write_all(b"x").unwrap();
        let mut b = [0u8; 1];
        c.read_exact(&mut b).unwrap();
        rtts.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let rtt = f64::from(tcp_info(&c).rtt_us) / 1e3;
    drop(c);
    let _ = echo.join();
    rtts.sort_by(f64::total_cmp);
    (rtts, rtt)
}

fn rtt_part() {
    // The round trip at delay=50ms, under 10,000 packets a second.
    set("delay=50ms");
    let stop = Arc::new(AtomicBool::new(false));
    let (load, received) = udp_load(10_000, 100, Arc::clone(&stop), true);
    let server = TcpListener::bind((SERVER_IP, 0)).unwrap();
    let addr = server.local_addr().unwrap();
    let (rtts, tcp_rtt) = ping_pong(server, move || client(addr), false);
    // The same with its two ends ahead of the machine's other work: what
    // is left is the link's (the link's thread runs so where allowed).
    let server = TcpListener::bind((SERVER_IP, 0)).unwrap();
    let addr = server.local_addr().unwrap();
    let (rt_rtts, rt_tcp_rtt) = ping_pong(server, move || client(addr), true);
    stop.store(true, Ordering::Relaxed);
    let sent = load.join().unwrap();
    let mut across = received.join().unwrap();
    across.sort_by(f64::total_cmp);
    let spread = |v: &[f64]| percentile(v, 0.95) - percentile(v, 0.05);
    println!(
        "delay=50ms, {sent} UDP packets at 10,000/s: time across the link (send to the kernel's receive timestamp) of {}: median {:.3} ms, p5 {:.3}, p95 {:.3}, p99 {:.3}: jitter {:.3} ms (targets, each way: within 1 ms of 50, jitter < 1 ms)",
        across.len(),
        percentile(&across, 0.5),
        percentile(&across, 0.05),
        percentile(&across, 0.95),
        percentile(&across, 0.99),
        spread(&across),
    );
    for (ends, rtts, tcp_rtt) in [
        ("ordinary", &rtts, tcp_rtt),
        ("real-time", &rt_rtts, rt_tcp_rtt),
    ] {
        println!(
            "delay=50ms, ping-pong's ends {ends}: median {:.2} ms (p5 {:.2}, p95 {:.2}: jitter {:.2} ms), TCP_INFO rtt {tcp_rtt:.2} ms (targets: within 2 ms of 100, jitter < 1 ms), beside those UDP packets",
            percentile(rtts, 0.5),
            percentile(rtts, 0.05),
            percentile(rtts, 0.95),
            spread(rtts),
        );
    }
}

fn flood_part(base_rss: u64) {
    // Floods: the queue bounds what waits, the cap bounds what is in flight.
    for settings in ["delay=0,rate=10mbit", "delay=200ms,rate=off"] {
        set(settings);
        let stop = Arc::new(AtomicBool::new(false));
        let (load, received) = udp_load(0, 1400, Arc::clone(&stop), false);
        std::thread::sleep(Duration::from_secs(3));
        let view = sides::link_view().unwrap();
        stop.store(true, Ordering::Relaxed);
        let sent = load.join().unwrap();
        drop(received);
        println!(
            "flood at {settings}: {sent} packets sent in 3 s, {} dropped by the full queue, {} KiB queued and {} KiB in flight at the end; peak RSS {} MiB (before the link: {} MiB; target ≤ 64 MiB)",
            view.to_server.dropped_queue,
            view.to_server.queued_bytes >> 10,
            view.to_server.in_flight_bytes >> 10,
            rss_peak_kib() >> 10,
            base_rss >> 10,
        );
        set("delay=0,rate=off");
        std::thread::sleep(Duration::from_millis(500));
    }
}
