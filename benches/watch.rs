//! The cost of watching a real server: a python3 server holds
//! 1,000 / 10,000 / 30,000 loopback connections, and sockplay watches its
//! port from outside (the server-side sockets: 1 + N).
//!
//! For each size: one snapshot as the screen takes it (a dump without
//! extensions, TCP_INFO only for 30 rows on screen), against a bare
//! sock_diag dump of the same sockets; one as `watch --json` takes it
//! (TCP_INFO for every socket) against a bare dump with TCP_INFO; both
//! against `ss -tni '( sport = :PORT )'`. Then the real binary in a
//! pseudo-terminal at 100×30: idle CPU at 4 samples a second, RSS, and
//! key to frame while moving the selection and typing a `/` filter.
//!
//! Run: `cargo bench --bench watch` (`-- 1000` for one size). The server
//! is python3, in workers of 10,000 connections each, and so are its
//! clients: no process needs more descriptors than the usual limits give.
//! Targets: snapshot ≤ 1.5× bare dump; ≥ 3× faster than ss; idle CPU ≤ 3%
//! at 10,000; RSS ≤ 64 MiB at 30,000; key to frame ≤ 50 ms at 30,000.

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sockplay::kernel::Snapshotter;
use sockplay::kernel::diag::{DiagSocket, Extensions};
use sockplay::kernel::watch::{Target, Watch};
use sockplay::lab::{Role, SockName};

const RUNS: usize = 40;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// The helper: `server N SHARE` listens (backlog 4096), prints its port,
/// and forks workers that each accept SHARE connections and hold them;
/// `clients PORT COUNT SRC` opens COUNT connections from address SRC and
/// holds them. Each process stays under the descriptor limit (20,000
/// here, and only root with CAP_SYS_RESOURCE may raise it).
const HELPER: &str = r#"
import os, socket, sys, time
if sys.argv[1] == "server":
    n, share = int(sys.argv[2]), int(sys.argv[3])
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(4096)
    for w in range(0, n, share):
        if os.fork() == 0:
            held = [l.accept()[0] for _ in range(min(share, n - w))]
            time.sleep(3600)
    print(l.getsockname()[1], flush=True)
    time.sleep(3600)
else:
    port, count, src = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    held = []
    for _ in range(count):
        c = socket.socket()
        c.bind((src, 0))
        c.connect(("127.0.0.1", port))
        held.append(c)
    print("held", flush=True)
    time.sleep(3600)
"#;

/// Connections per process.
const SHARE: usize = 10_000;

/// A python3 server holding `n` accepted connections in workers of
/// SHARE each, and the client processes at the other ends.
struct Server {
    port: u16,
    procs: Vec<Child>,
}

impl Drop for Server {
    fn drop(&mut self) {
        // The server's workers are its children, in its process group.
        for p in &mut self.procs {
            // SAFETY: kill takes no pointers; the group is the helper's own.
            unsafe { libc::kill(-(p.id() as i32), libc::SIGKILL) };
            let _ = p.kill();
            let _ = p.wait();
        }
    }
}

fn helper(args: &[String]) -> (Child, String) {
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(HELPER).args(args).stdout(Stdio::piped());
    cmd.process_group(0);
    let mut child = cmd.spawn().expect("python3 runs");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    (child, line.trim().to_string())
}

fn server(n: usize) -> Server {
    let (srv, port) = helper(&["server".into(), n.to_string(), SHARE.to_string()]);
    let port: u16 = port.parse().expect("the server's port");
    let mut procs = vec![srv];
    for (i, w) in (0..n).step_by(SHARE).enumerate() {
        let count = SHARE.min(n - w);
        // A source address each: one has ~28,000 ephemeral ports.
        let src = format!("127.0.{}.2", i + 1);
        let (c, said) = helper(&["clients".into(), port.to_string(), count.to_string(), src]);
        assert_eq!(said, "held");
        procs.push(c);
    }
    Server { port, procs }
}

fn main() {
    let only: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes: Vec<usize> = if only.is_empty() {
        vec![1_000, 10_000, 30_000]
    } else {
        only
    };
    println!(
        "watch: median of {RUNS} runs; targets: snap/dump ≤ 1.5×, ss/snap ≥ 3×, idle CPU ≤ 3% at 10,000, RSS ≤ 64 MiB at 30,000, key→frame ≤ 50 ms"
    );
    println!(
        "{:>7} {:>9} {:>12} {:>12} {:>10} {:>12} {:>12} {:>10} {:>12} {:>9} {:>9}",
        "conns",
        "sockets",
        "screen snap",
        "dump no-ext",
        "snap/dump",
        "json snap",
        "dump +info",
        "json/dump",
        "ss -tni",
        "ss/screen",
        "ss/json",
    );
    for n in sizes {
        let s = server(n);
        kernel_figures(&s, n);
        process_figures(&s, n);
    }
}

fn kernel_figures(s: &Server, n: usize) {
    let port = s.port;
    let mut screen = Snapshotter::live().unwrap();
    screen.watch(Watch::new(Target::Port(port)).unwrap());
    screen.set_watch_detail(Some(Default::default()));
    let first = screen.take_of(&[], Duration::ZERO).unwrap();
    // Every server socket; a TIME-WAIT left on the port may add one.
    assert!(
        first.sockets.len() > n,
        "every server socket is in the view"
    );
    // The rows a 30-row screen shows.
    let rows: rustc_hash::FxHashSet<SockName> = first
        .sockets
        .iter()
        .filter_map(|v| v.id)
        .filter(|id| id.role == Role::Watched && id.number > 1)
        .take(30)
        .collect();
    screen.set_watch_detail(Some(rows));
    let mut json = Snapshotter::live().unwrap();
    json.watch(Watch::new(Target::Port(port)).unwrap());
    json.take_of(&[], Duration::ZERO).unwrap();
    let filter = sockplay::kernel::bytecode::source_ports(&[port]);
    let mut diag = DiagSocket::open().unwrap();
    let (mut t_screen, mut t_bare, mut t_json, mut t_full) = (vec![], vec![], vec![], vec![]);
    for _ in 0..RUNS {
        // Timed with handing back the view before (as the sampler does once
        // the screen has let it go): its sockets are dropped then.
        let t = Instant::now();
        let snap = std::hint::black_box(screen.take_of(&[], Duration::ZERO).unwrap());
        screen.recycle(snap);
        t_screen.push(t.elapsed());
        let t = Instant::now();
        let mut out = Vec::new();
        diag.dump_filtered(
            libc::AF_INET,
            libc::IPPROTO_TCP,
            filter.as_deref(),
            Extensions::None,
            &mut out,
        )
        .unwrap();
        t_bare.push(t.elapsed());
        assert!(out.len() > n);
        let t = Instant::now();
        let snap = std::hint::black_box(json.take_of(&[], Duration::ZERO).unwrap());
        json.recycle(snap);
        t_json.push(t.elapsed());
        let t = Instant::now();
        let mut out = Vec::new();
        diag.dump_filtered(
            libc::AF_INET,
            libc::IPPROTO_TCP,
            filter.as_deref(),
            Extensions::Full,
            &mut out,
        )
        .unwrap();
        t_full.push(t.elapsed());
    }
    let ss_filter = format!("( sport = :{port} )");
    let ss: Vec<Duration> = (0..RUNS.min(15))
        .map(|_| {
            let t = Instant::now();
            let out = Command::new("ss")
                .args(["-tni", &ss_filter])
                .output()
                .unwrap();
            assert!(out.status.success());
            t.elapsed()
        })
        .collect();
    let (a, b, c, d, e) = (
        median(t_screen),
        median(t_bare),
        median(t_json),
        median(t_full),
        median(ss),
    );
    let r = |x: Duration, y: Duration| x.as_secs_f64() / y.as_secs_f64();
    println!(
        "{:>7} {:>9} {:>12} {:>12} {:>9.2}× {:>12} {:>12} {:>9.2}× {:>12} {:>8.1}× {:>8.1}×",
        n,
        n + 1,
        ms(a),
        ms(b),
        r(a, b),
        ms(c),
        ms(d),
        r(c, d),
        ms(e),
        r(e, a),
        r(e, c),
    );
}

/// The real binary watching the port in a pseudo-terminal at 100×30.
struct Screen {
    child: Child,
    master: std::fs::File,
    parser: Arc<Mutex<vt100::Parser>>,
    writes: Arc<AtomicU64>,
}

impl Screen {
    fn start(port: u16) -> Screen {
        let (mut master, mut slave) = (-1, -1);
        let size = libc::winsize {
            ws_row: 30,
            ws_col: 100,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two descriptors; the rest may be null.
        let r = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(r, 0, "openpty");
        // SAFETY: both descriptors are new and ours.
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sockplay"));
        cmd.args(["watch", &port.to_string()])
            .env("TERM", "xterm-256color")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: setsid and TIOCSCTTY are async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY, 0);
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        let master = std::fs::File::from(master);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(30, 100, 0)));
        let writes = Arc::new(AtomicU64::new(0));
        let (mut reader, p2, w2) = (
            master.try_clone().unwrap(),
            Arc::clone(&parser),
            Arc::clone(&writes),
        );
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            // Bounded: the read fails once the child is gone.
            while let Ok(k) = reader.read(&mut buf) {
                if k == 0 {
                    break;
                }
                p2.lock().unwrap().process(&buf[..k]);
                w2.fetch_add(1, Ordering::Release);
            }
        });
        Screen {
            child,
            master,
            parser,
            writes,
        }
    }

    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_until(&self, done: impl Fn(&str) -> bool, what: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !done(&self.text()) {
            assert!(
                Instant::now() < deadline,
                "{what:?} never showed:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Time from a key to the screen's next write that changes it.
    fn key_to_frame(&mut self, key: &[u8]) -> Duration {
        let before = self.text();
        let t = Instant::now();
        self.master.write_all(key).unwrap();
        let deadline = t + Duration::from_secs(5);
        // Bounded by the deadline.
        while self.text() == before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(200));
        }
        let took = t.elapsed();
        let _ = self.writes.load(Ordering::Acquire);
        // Let the frame settle before the next key.
        std::thread::sleep(Duration::from_millis(120));
        took
    }

    /// CPU seconds the process has used (user + system).
    fn cpu(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let f: Vec<&str> = after.split_whitespace().collect();
        // utime and stime are fields 14 and 15 (11 and 12 after the state).
        let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
        // SAFETY: sysconf takes no pointers.
        ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
    }

    /// RSS of the capture's ring (a packet socket's mapping, shared with
    /// the kernel), in KiB: 0 without CAP_NET_RAW.
    fn ring_kib(&self) -> u64 {
        let smaps =
            std::fs::read_to_string(format!("/proc/{}/smaps", self.child.id())).unwrap_or_default();
        let mut in_ring = false;
        let mut kib = 0;
        for line in smaps.lines() {
            let first = line.split_whitespace().next().unwrap_or("");
            if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                in_ring = line.contains("socket:[");
            } else if in_ring && let Some(v) = line.strip_prefix("Rss:") {
                kib += v
                    .trim()
                    .trim_end_matches(" kB")
                    .trim()
                    .parse::<u64>()
                    .unwrap_or(0);
            }
        }
        kib
    }

    fn status_kib(&self, key: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    }
}

/// The count in the connections pane's title (`Connections · 10000`).
fn connections_shown(text: &str) -> Option<usize> {
    let after = &text[text.find("Connections · ")? + "Connections · ".len()..];
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn process_figures(s: &Server, n: usize) {
    let mut screen = Screen::start(s.port);
    // n or more: a client's ephemeral port may equal the server's (on
    // another address), and `sport = :PORT` holds it too, as for ss.
    screen.wait_until(
        |t| connections_shown(t).is_some_and(|k| k >= n),
        "every connection",
        Duration::from_secs(60),
    );
    // Settled: the owners read, the first frames drawn.
    std::thread::sleep(Duration::from_secs(3));
    let (cpu0, t0) = (screen.cpu(), Instant::now());
    std::thread::sleep(Duration::from_secs(10));
    let share = (screen.cpu() - cpu0) / t0.elapsed().as_secs_f64() * 100.0;
    let (rss, hwm) = (screen.status_kib("VmRSS:"), screen.status_kib("VmHWM:"));
    let ring = screen.ring_kib();
    let mut keys = Vec::new();
    for _ in 0..10 {
        keys.push(screen.key_to_frame(b"\x1b[B"));
    }
    // The filter: `/` and a few letters of a state, then Esc.
    for k in [&b"/"[..], b"E", b"S", b"T", b"\x1b"] {
        keys.push(screen.key_to_frame(k));
    }
    keys.sort();
    println!(
        "{:>7} TUI at 100×30, idle 10 s: CPU {:.2}% of a core · RSS {:.1} MiB (peak {:.1} MiB; of it the capture's ring {:.1} MiB) · key→frame median {} worst {} ({} keys: ↓ and a / filter)",
        n,
        share,
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0,
        ring as f64 / 1024.0,
        ms(keys[keys.len() / 2]),
        ms(keys[keys.len() - 1]),
        keys.len(),
    );
}
