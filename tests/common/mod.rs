//! Test harness: run a script on a real lab and look at what it reported.
#![allow(dead_code)]

pub mod claims;
pub mod link;
pub mod netns;
pub mod pty;
pub mod tcpdump;
pub mod tui;
pub mod views;

use std::time::Duration;

use sockplay::kernel::Snapshot;
use sockplay::lab::{CallResult, SockName, Started};
use sockplay::script::sink::{ExpectReport, Sink};
use sockplay::script::{Line, RunStatus, Runner, parse_script};

/// One record of a run.
#[derive(Debug, Clone)]
pub enum Rec {
    Op(CallResult),
    Blocked(Started),
    Expect(ExpectReport),
    Error(usize, String),
    Info(String),
    Snapshot(Box<Snapshot>),
    Packet(Box<sockplay::wire::Segment>),
}

/// A sink that keeps every record.
#[derive(Default)]
pub struct Collect {
    pub records: Vec<Rec>,
}

impl Sink for Collect {
    fn command(&mut self, _line: &Line) {}
    fn op(&mut self, r: &CallResult) {
        self.records.push(Rec::Op(r.clone()));
    }
    fn blocked(&mut self, call: &Started, _t: Duration) {
        self.records.push(Rec::Blocked(call.clone()));
    }
    fn expect(&mut self, r: &ExpectReport, _t: Duration) {
        self.records.push(Rec::Expect(r.clone()));
    }
    fn note(&mut self, _line: usize, _text: &str, _t: Duration) {}
    fn step(&mut self, _line: usize, _title: &str, _t: Duration) {}
    fn error(&mut self, line: usize, _column: Option<usize>, message: &str) {
        self.records.push(Rec::Error(line, message.to_string()));
    }
    fn info(&mut self, _line: usize, text: &str, _t: Duration) {
        self.records.push(Rec::Info(text.to_string()));
    }
    fn snapshot(&mut self, _line: usize, snap: &Snapshot, _only: &[SockName]) {
        self.records.push(Rec::Snapshot(Box::new(snap.clone())));
    }
    fn packet(&mut self, seg: &sockplay::wire::Segment) {
        self.records.push(Rec::Packet(Box::new(seg.clone())));
    }
}

/// What a run reported.
pub struct Run {
    pub status: RunStatus,
    pub records: Vec<Rec>,
}

impl Run {
    /// Finished calls, in the order they were reported.
    pub fn ops(&self) -> Vec<&CallResult> {
        self.records
            .iter()
            .filter_map(|r| match r {
                Rec::Op(op) => Some(op),
                _ => None,
            })
            .collect()
    }

    /// Finished calls of one socket and call name (`"C1"`, `"send"`), in order.
    pub fn calls(&self, sock: &str, call: &str) -> Vec<&CallResult> {
        self.ops()
            .into_iter()
            .filter(|r| r.sock.to_string() == sock && r.call.name() == call)
            .collect()
    }

    /// The one finished call of that socket and name; panics unless exactly one.
    pub fn call(&self, sock: &str, call: &str) -> &CallResult {
        let found = self.calls(sock, call);
        assert_eq!(found.len(), 1, "{sock} {call}: {found:#?}");
        found[0]
    }

    /// Calls reported blocked.
    pub fn blocked(&self) -> Vec<&Started> {
        self.records
            .iter()
            .filter_map(|r| match r {
                Rec::Blocked(b) => Some(b),
                _ => None,
            })
            .collect()
    }

    /// Failed expectations, for assertion messages.
    pub fn failures(&self) -> Vec<&Rec> {
        self.records
            .iter()
            .filter(|r| matches!(r, Rec::Expect(e) if !e.ok) || matches!(r, Rec::Error(..)))
            .collect()
    }

    /// Asserts that the run went well.
    pub fn assert_ok(&self) {
        assert_eq!(self.status, RunStatus::Ok, "{:#?}", self.failures());
    }
}

/// Runs a script on a fresh lab and collects its records.
pub fn run(script: &str) -> Run {
    let lines = parse_script(script).unwrap_or_else(|e| panic!("{e}"));
    let mut sink = Collect::default();
    let status = Runner::new(&mut sink).run(&lines);
    Run {
        status,
        records: sink.records,
    }
}

/// Runs a script, then `check` while the lab is still open, then closes it.
pub fn live<T>(script: &str, check: impl FnOnce(&mut Runner<'_>) -> T) -> (Run, T) {
    let lines = parse_script(script).unwrap_or_else(|e| panic!("{e}"));
    let mut sink = Collect::default();
    let mut runner = Runner::new(&mut sink);
    for line in &lines {
        assert!(runner.run_line(line), "line {} was rejected", line.number);
    }
    let out = check(&mut runner);
    runner.close();
    let status = if sink
        .records
        .iter()
        .any(|r| matches!(r, Rec::Expect(e) if !e.ok))
    {
        RunStatus::ExpectFailed
    } else {
        RunStatus::Ok
    };
    (
        Run {
            status,
            records: sink.records,
        },
        out,
    )
}

/// One line of `ss -Htan` (or `-ltn`): state, Recv-Q, Send-Q, local, peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsLine {
    pub state: String,
    pub recv_q: u64,
    pub send_q: u64,
    pub local: String,
    pub peer: String,
    /// The `skmem:(…)` details when asked for with -m: rb (rcvbuf) and tb (sndbuf).
    pub rb: Option<u64>,
    pub tb: Option<u64>,
    /// Retransmissions in all, from `retrans:now/total` when asked for with -i.
    pub retrans: Option<u64>,
    /// Payload bytes the kernel received in all (`bytes_received:`), with -i.
    pub bytes_received: Option<u64>,
}

/// Runs `ss` with `args` and a filter on `port` (source or destination), and parses it.
pub fn ss(args: &str, port: u16) -> Vec<SsLine> {
    let filter = format!("sport = :{port} or dport = :{port}");
    let out = std::process::Command::new("ss")
        .arg(args)
        .arg(&filter)
        .output()
        .expect("ss (iproute2) is installed");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines: Vec<SsLine> = Vec::new();
    for l in text.lines() {
        let w: Vec<&str> = l.split_whitespace().collect();
        if let Some(skmem) = w.iter().find(|w| w.starts_with("skmem:(")) {
            let field = |key: &str| -> Option<u64> {
                skmem
                    .trim_start_matches("skmem:(")
                    .trim_end_matches(')')
                    .split(',')
                    .find_map(|kv| kv.strip_prefix(key)?.parse().ok())
            };
            if let Some(last) = lines.last_mut() {
                last.rb = field("rb");
                last.tb = field("tb");
            }
            continue;
        }
        // -i details: on a line of their own, after the socket's.
        if l.starts_with(char::is_whitespace) {
            let total = w
                .iter()
                .find_map(|w| w.strip_prefix("retrans:")?.split('/').nth(1)?.parse().ok());
            let received = w
                .iter()
                .find_map(|w| w.strip_prefix("bytes_received:")?.parse().ok());
            if let Some(last) = lines.last_mut() {
                last.retrans = total.or(last.retrans);
                last.bytes_received = received.or(last.bytes_received);
            }
            continue;
        }
        if w.len() < 5 {
            continue;
        }
        lines.push(SsLine {
            state: w[0].to_string(),
            recv_q: w[1].parse().unwrap(),
            send_q: w[2].parse().unwrap(),
            local: w[3].to_string(),
            peer: w[4].to_string(),
            rb: None,
            tb: None,
            retrans: None,
            bytes_received: None,
        });
    }
    lines
}

/// The descriptor of this process that holds the socket with `inode`,
/// found through /proc/self/fd: a reader of the kernel independent of sockplay.
pub fn fd_of_inode(inode: u64) -> Option<i32> {
    let want = format!("socket:[{inode}]");
    std::fs::read_dir("/proc/self/fd").ok()?.find_map(|e| {
        let e = e.ok()?;
        let link = std::fs::read_link(e.path()).ok()?;
        (link.to_string_lossy() == want).then(|| e.file_name().to_string_lossy().parse().ok())?
    })
}

/// An `int` ioctl on a descriptor.
pub fn ioctl_int(fd: i32, request: libc::c_ulong) -> i32 {
    let mut v: libc::c_int = 0;
    // SAFETY: the requests used write one int.
    let r = unsafe { libc::ioctl(fd, request, &mut v) };
    assert_eq!(r, 0, "ioctl {request:#x} failed");
    v
}

/// An `int` socket option.
pub fn sockopt_int(fd: i32, level: i32, name: i32) -> i32 {
    let mut v: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: a valid int and its length.
    let r = unsafe { libc::getsockopt(fd, level, name, (&raw mut v).cast(), &mut len) };
    assert_eq!(r, 0);
    v
}

/// A port on 127.0.0.1 with nothing listening (bound, then released).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A port no socket uses now, below the kernel's range of local ports:
/// the kernel hands out ports from that range to binds of port 0 and to
/// connects, so none takes it meanwhile. (A port from that range, free a
/// moment ago, can be another program's client end by the time it is
/// watched, or a listener's on 127.0.1.2; `watch PORT` sees every socket
/// with that port number.) Each call tries other ports.
pub fn unused_port() -> u16 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap();
    let low: u16 = range.split_whitespace().next().unwrap().parse().unwrap();
    let base = 10_000.min(low / 2);
    let span = u32::from(low - base);
    (0..200)
        .map(|_| {
            let i = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            base + (std::process::id()
                .wrapping_mul(7919)
                .wrapping_add(i * 104_729)
                % span) as u16
        })
        .find(|p| {
            let out = std::process::Command::new("ss")
                .args(["-tanH", &format!("sport = :{p} or dport = :{p}")])
                .output()
                .expect("ss (iproute2) is installed");
            out.status.success() && out.stdout.is_empty()
        })
        .expect("a port below the local range that nothing uses")
}

/// Fails the test unless this process is root, saying what needs it.
///
/// A test that calls this is `#[cfg_attr(not(ci), ignore = "needs root: …")]`:
/// outside CI it is listed as ignored with that reason (run it with
/// `cargo test -- --include-ignored` as root); under CI (`CI=true`, root)
/// it runs, and a missing precondition fails here instead of passing unseen.
#[track_caller]
pub fn require_root(what: &str) {
    assert!(
        rustix::process::geteuid().is_root(),
        "{what} needs root (CAP_NET_RAW, or another network namespace); \
         CI runs the tests as root"
    );
}

/// Fails the test with `why` when a run could not make the network
/// namespace it needs (root makes one directly; elsewhere a user namespace
/// is needed, and the kernel may forbid it). Such a test is never a skip.
#[track_caller]
pub fn require_netns(status: Option<i32>, stderr: &str) {
    assert!(
        !(status == Some(2) && stderr.contains("none could be made")),
        "this test needs a network namespace, and none could be made here \
         (run as root, or allow unprivileged user namespaces): {stderr}"
    );
}

/// Runs a script with the wire on: segments come back as `Rec::Packet`.
pub fn run_wire(script: &str) -> Run {
    let lines = parse_script(script).unwrap_or_else(|e| panic!("{e}"));
    let mut sink = Collect::default();
    let opts = sockplay::wire::WireOptions::default();
    let status = Runner::new(&mut sink).with_wire(&opts, true).run(&lines);
    Run {
        status,
        records: sink.records,
    }
}

impl Run {
    /// The segments the wire reported, in order.
    pub fn packets(&self) -> Vec<&sockplay::wire::Segment> {
        self.records
            .iter()
            .filter_map(|r| match r {
                Rec::Packet(p) => Some(&**p),
                _ => None,
            })
            .collect()
    }
}

/// A lab socket's name (`"C1"`).
pub fn name(s: &str) -> SockName {
    s.parse().unwrap()
}

/// The local port of lab socket `n` (`"L1"`) in a kernel view.
pub fn port_of(s: &Snapshot, n: &str) -> u16 {
    s.socket(name(n)).unwrap().local.unwrap().port()
}

/// The errno a call failed with, by name (`"EAGAIN"`), if it failed.
pub fn errno(r: &CallResult) -> Option<String> {
    r.outcome.errno().map(|e| e.name())
}

/// Retries `check` on fresh snapshots for up to 2 s: `ss` and the snapshot
/// are two readings, and the kernel may move between them.
pub fn eventually(r: &mut Runner<'_>, mut check: impl FnMut(&Snapshot) -> Result<(), String>) {
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    loop {
        let s = r.snapshot().expect("the kernel view can be read");
        match check(&s) {
            Ok(()) => return,
            Err(e) if std::time::Instant::now() >= deadline => panic!("{e}\n{s:#?}"),
            Err(_) => r.idle(Duration::from_millis(50)),
        }
    }
}

/// Runs `cmd` with `input` on its standard input, closed after it, and
/// waits for it: how it ended and what it printed on stdout and stderr.
/// A program that ends before it reads all of its input (a refused run)
/// closes the pipe; what it did not read is dropped.
pub fn fed(cmd: &mut std::process::Command, input: &[u8]) -> std::process::Output {
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{:?} starts: {e}", cmd.get_program()));
    let _ = std::io::Write::write_all(&mut child.stdin.take().unwrap(), input);
    child.wait_with_output().unwrap()
}

/// JSON Lines (`run --json`), one value a line.
pub fn json_lines(text: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(text)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `sockplay ARGS… FILE` on `script` written to a file of its own (named
/// after `name` and the script, so tests running at once never share one),
/// removed after the run.
pub fn run_file(args: &[&str], name: &str, script: &str) -> std::process::Output {
    use std::io::Write;
    let hash = script.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    // In the temporary directory itself: a directory the runs shared was
    // removed by the last run out while another was about to write in it.
    let path = std::env::temp_dir().join(format!(
        "sockplay-script-{}-{name}-{hash:x}.sp",
        std::process::id()
    ));
    std::fs::File::create(&path)
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(args)
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    out
}
