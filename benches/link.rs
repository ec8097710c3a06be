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
//! Run: `cargo bench --bench link` (as root).

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

/// UDP from the client side to the server side at `per_second` packets of
/// `size` bytes (0: as fast as it goes), until `stop`.
fn udp_load(per_second: u64, size: usize, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    let sink = UdpSocket::bind((SERVER_IP, 0)).unwrap();
    let to = sink.local_addr().unwrap();
    let drain = Arc::clone(&stop);
    std::thread::spawn(move || {
        sink.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut buf = [0u8; 2048];
        while !drain.load(Ordering::Relaxed) {
            let _ = sink.recv(&mut buf);
        }
    });
    let sock = sides::get()
        .unwrap()
        .on_client_side(|| UdpSocket::bind("0.0.0.0:0"))
        .unwrap()
        .unwrap();
    std::thread::spawn(move || {
        let payload = vec![1u8; size];
        let began = Instant::now();
        let mut sent = 0u64;
        while !stop.load(Ordering::Relaxed) {
            if per_second > 0 {
                let due = began + Duration::from_secs_f64(sent as f64 / per_second as f64);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
            }
            if sock.send_to(&payload, to).is_ok() {
                sent += 1;
            }
        }
        sent
    })
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
    let loopback = on_lo();

    set("delay=0");
    let server = TcpListener::bind((SERVER_IP, 0)).unwrap();
    let addr = server.local_addr().unwrap();
    let cpu0 = link_cpu();
    let through = throughput(server, || client(addr));
    let cpu = link_cpu() - cpu0;
    let per_gib = cpu.as_secs_f64() / (TRANSFER as f64 / f64::from(1u32 << 30));
    println!(
        "throughput, 512 MiB: link {through:.2} Gbit/s, loopback at MTU 1500 {loopback:.2} Gbit/s: {:.2}× (target ≥ 1 Gbit/s or ≥ 0.3×); loopback at MTU 65536 {big_lo:.2} Gbit/s",
        through / loopback
    );
    println!(
        "link thread CPU: {:.2} s per GiB ({:.0}% of one core while it ran)",
        per_gib,
        100.0 * cpu.as_secs_f64() / (TRANSFER as f64 * 8.0 / (through * 1e9))
    );

    // The round trip at delay=50ms, under 10,000 packets a second.
    set("delay=50ms");
    let stop = Arc::new(AtomicBool::new(false));
    let load = udp_load(10_000, 100, Arc::clone(&stop));
    let server = TcpListener::bind((SERVER_IP, 0)).unwrap();
    let addr = server.local_addr().unwrap();
    let echo = std::thread::spawn(move || {
        let (mut s, _) = server.accept().unwrap();
        s.set_nodelay(true).unwrap();
        let mut b = [0u8; 1];
        while s.read_exact(&mut b).is_ok() {
            if s.write_all(&b).is_err() {
                break;
            }
        }
    });
    let mut c = client(addr);
    let mut rtts = Vec::new();
    for _ in 0..100 {
        let t = Instant::now();
        c.write_all(b"x").unwrap();
        let mut b = [0u8; 1];
        c.read_exact(&mut b).unwrap();
        rtts.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let tcp = tcp_info(&c);
    drop(c);
    stop.store(true, Ordering::Relaxed);
    let sent = load.join().unwrap();
    let _ = echo.join();
    rtts.sort_by(f64::total_cmp);
    let median = percentile(&rtts, 0.5);
    println!(
        "delay=50ms: ping-pong median {median:.2} ms (p5 {:.2}, p95 {:.2}: jitter {:.2} ms), TCP_INFO rtt {:.2} ms (targets: within 2 ms of 100, jitter < 1 ms); {sent} UDP packets beside it",
        percentile(&rtts, 0.05),
        percentile(&rtts, 0.95),
        percentile(&rtts, 0.95) - percentile(&rtts, 0.05),
        f64::from(tcp.rtt_us) / 1e3,
    );

    // Floods: the queue bounds what waits, the cap bounds what is in flight.
    for settings in ["delay=0,rate=10mbit", "delay=200ms,rate=off"] {
        set(settings);
        let stop = Arc::new(AtomicBool::new(false));
        let load = udp_load(0, 1400, Arc::clone(&stop));
        std::thread::sleep(Duration::from_secs(3));
        let view = sides::link_view().unwrap();
        stop.store(true, Ordering::Relaxed);
        let sent = load.join().unwrap();
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
