//! `timeout=` is Python's `settimeout`, and `rcvtimeo=`/`sndtimeo=` are the
//! kernel's own time-outs: each situation of the timeouts lesson runs in
//! python3 on this kernel and in sockplay, and the results must agree.

mod common;

use std::process::Command;
use std::time::Duration;

use common::claims::{lesson, python3};
use common::run;
use serde_json::Value;
use sockplay::lab::{CallResult, Outcome};

/// Python's side: `outcome(f)` runs one call and says what it came to, in
/// sockplay's terms: a count, an errno name, or timed out; and how long it took.
const PRELUDE: &str = r#"
import errno, json, socket, struct, time

def outcome(f):
    t = time.monotonic()
    try:
        r = f()
        n = len(r) if isinstance(r, bytes) else r if isinstance(r, int) else 0
        res = {"ret": n, "errno": None, "timed_out": False}
    except TimeoutError:
        res = {"ret": None, "errno": None, "timed_out": True}
    except OSError as e:
        res = {"ret": None, "errno": errno.errorcode[e.errno], "timed_out": False}
    res["elapsed"] = time.monotonic() - t
    return res

def listener(backlog=5, rcvbuf=None):
    l = socket.socket()
    if rcvbuf:
        l.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    l.bind(("127.0.0.1", 0))
    l.listen(backlog)
    return l

def client(l, sndbuf=None, timeout=None, sndtimeo=None):
    c = socket.socket()
    if sndbuf:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    c.settimeout(timeout)
    if sndtimeo:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 0, int(sndtimeo * 1e6)))
    return c

results = []
"#;

/// What one call came to, comparable between python3 and sockplay.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    ret: Option<u64>,
    errno: Option<String>,
    timed_out: bool,
    /// Waited about the time-out (at least 0.4 s), rather than returning at once.
    waited: bool,
}

fn python(body: &str) -> Vec<Seen> {
    let code = format!("{PRELUDE}\n{body}\nprint(json.dumps(results))\n");
    let out = Command::new("python3")
        .args(["-c", &code])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Vec<Value> = serde_json::from_slice(&out.stdout).expect("python3 printed JSON");
    all.iter()
        .map(|v| Seen {
            ret: v["ret"].as_u64(),
            errno: v["errno"].as_str().map(String::from),
            timed_out: v["timed_out"].as_bool().unwrap_or(false),
            waited: v["elapsed"].as_f64().unwrap_or(0.0) >= 0.4,
        })
        .collect()
}

fn seen(r: &CallResult) -> Seen {
    Seen {
        ret: r.outcome.ret(),
        errno: r.outcome.errno().map(|e| e.name()),
        // Python has no "timed out" for a kernel time-out: it raises the errno.
        timed_out: r.outcome == Outcome::TimedOut,
        waited: r.elapsed >= Duration::from_millis(400),
    }
}

/// Runs `script` in sockplay and `body` in python3, and compares the
/// results of `sock`'s `call`s with Python's, in order; a `None` count
/// leaves the exact count out (a partial count that timing decides).
fn agree(script: &str, sock: &str, call: &str, body: &str, exact_ret: bool) -> Vec<Seen> {
    let r = run(script);
    r.assert_ok();
    let mut ours: Vec<Seen> = r.calls(sock, call).into_iter().map(seen).collect();
    let mut theirs = python(body);
    if !exact_ret {
        for s in ours.iter_mut().chain(theirs.iter_mut()) {
            s.ret = s.ret.map(|n| u64::from(n > 0 && n < 1 << 20));
        }
    }
    assert_eq!(ours, theirs, "sockplay (left) and python3 (right) differ");
    ours
}

#[test]
fn a_timed_out_accept_with_nothing_queued() {
    let seen = agree(
        "listen timeout=500ms\naccept L1\nwait L1\nset L1 timeout=0\naccept L1\n",
        "L1",
        "accept",
        "l = listener(); l.settimeout(0.5)\n\
         results.append(outcome(lambda: l.accept()))\n\
         l.settimeout(0)\n\
         results.append(outcome(lambda: l.accept()))",
        true,
    );
    assert!(seen[0].timed_out && seen[0].waited && seen[0].errno.is_none());
    assert_eq!(seen[1].errno.as_deref(), Some("EAGAIN"));
}

#[test]
fn recv_under_a_timeout_returns_what_is_there_or_times_out() {
    let seen = agree(
        "listen\nconnect L1\naccept L1\nset A1 timeout=500ms\nsend C1 \"Hi there\"\n\
         expect A1 recvq=8\nrecv A1 100\nrecv A1 100\nwait A1\n",
        "A1",
        "recv",
        "l = listener(); c = client(l); c.connect(l.getsockname()); a, _ = l.accept()\n\
         a.settimeout(0.5); c.send(b'Hi there'); time.sleep(0.1)\n\
         results.append(outcome(lambda: a.recv(100)))\n\
         results.append(outcome(lambda: a.recv(100)))",
        true,
    );
    assert_eq!((seen[0].ret, seen[0].waited), (Some(8), false));
    assert!(seen[1].timed_out && seen[1].waited);
}

#[test]
fn recv_under_so_rcvtimeo_is_eagain_after_the_limit() {
    let seen = agree(
        "listen\nconnect L1\naccept L1\nset A1 rcvtimeo=500ms\nrecv A1 100\nwait A1\n",
        "A1",
        "recv",
        "l = listener(); c = client(l); c.connect(l.getsockname()); a, _ = l.accept()\n\
         a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack('ll', 0, 500000))\n\
         results.append(outcome(lambda: a.recv(100)))",
        true,
    );
    assert_eq!(seen[0].errno.as_deref(), Some("EAGAIN"));
    assert!(seen[0].waited);
}

#[test]
fn the_same_send_under_settimeout_returns_at_once_with_what_fits() {
    // The counts are the kernel's: the same buffers give the same counts.
    let seen = agree(
        "listen rcvbuf=4k\nconnect L1 sndbuf=4k timeout=500ms\naccept L1\n\
         send C1 1m\nwait C1\nsend C1 1m\nwait C1\nsend C1 1m\nwait C1\n",
        "C1",
        "send",
        "l = listener(rcvbuf=4096); c = client(l, sndbuf=4096, timeout=0.5)\n\
         c.connect(l.getsockname()); a, _ = l.accept()\n\
         for _ in range(3):\n    results.append(outcome(lambda: c.send(b'a' * 1048576)))",
        true,
    );
    assert!(seen[0].ret.is_some_and(|n| n > 0) && !seen[0].waited);
    assert!(seen[2].timed_out && seen[2].waited);
}

#[test]
fn the_same_send_under_so_sndtimeo_returns_a_partial_count_after_the_limit() {
    // How much more fits on later sends depends on when the kernel moves
    // bytes on; the first send and the last (nothing fits) do not.
    let r = run(
        "listen rcvbuf=4k\nconnect L1 sndbuf=4k sndtimeo=500ms\naccept L1\n\
         send C1 1m\nwait C1\nsend C1 1m\nwait C1\nsend C1 1m\nwait C1\nsend C1 1m\nwait C1\n",
    );
    r.assert_ok();
    let ours: Vec<Seen> = r.calls("C1", "send").into_iter().map(seen).collect();
    let theirs = python(
        "l = listener(rcvbuf=4096); c = client(l, sndbuf=4096, sndtimeo=0.5)\n\
         c.connect(l.getsockname()); a, _ = l.accept()\n\
         for _ in range(4):\n    results.append(outcome(lambda: c.send(b'a' * 1048576)))",
    );
    let partial = |s: &Seen| s.ret.is_some_and(|n| n > 0 && n < 1 << 20) && s.waited;
    for side in [&ours, &theirs] {
        assert!(partial(&side[0]), "partial after the limit: {side:?}");
        let last = &side[3];
        assert_eq!(last.errno.as_deref(), Some("EAGAIN"), "{side:?}");
        assert!(last.waited && !last.timed_out, "{side:?}");
    }
}

#[test]
fn connect_to_a_full_queue_under_each_time_out() {
    agree(
        "listen backlog=0\nconnect L1\nwait C1\n\
         connect L1 timeout=500ms\nwait C2\n\
         connect L1 sndtimeo=500ms\nwait C3\n\
         connect L1 timeout=0\n",
        "C2",
        "connect",
        "l = listener(backlog=0); first = client(l); first.connect(l.getsockname())\n\
         c = client(l, timeout=0.5)\n\
         results.append(outcome(lambda: c.connect(l.getsockname())))",
        true,
    );
    // SO_SNDTIMEO on a blocking connect: Python raises EINPROGRESS, as sockplay shows.
    let r = run("listen backlog=0\nconnect L1\nwait C1\nconnect L1 sndtimeo=500ms\nwait C2\n");
    let theirs = python(
        "l = listener(backlog=0); first = client(l); first.connect(l.getsockname())\n\
         c = client(l, sndtimeo=0.5)\n\
         results.append(outcome(lambda: c.connect(l.getsockname())))\n\
         n = client(l, timeout=0)\n\
         results.append(outcome(lambda: n.connect(l.getsockname())))",
    );
    assert_eq!(seen(r.call("C2", "connect")), theirs[0]);
    assert_eq!(theirs[0].errno.as_deref(), Some("EINPROGRESS"));
    let r = run("listen backlog=0\nconnect L1\nwait C1\nconnect L1 timeout=0\n");
    assert_eq!(seen(r.call("C2", "connect")), theirs[1]);
}

/// timeouts: Python's settimeout does not ask the kernel to time out: it
/// makes the socket non-blocking and waits in poll() (ppoll) for it to be
/// ready, where a blocking recv waits in recvfrom itself (the waiting
/// thread's system call, read from /proc).
#[test]
fn pythons_time_out_makes_the_socket_non_blocking_and_waits_in_poll() {
    let got = python3(
        r#"
import socket, threading, time, fcntl, os
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
c = socket.create_connection(srv.getsockname()); a, _ = srv.accept()
def waiting_in(timeout):
    a.settimeout(timeout)
    box = {}
    def run():
        box["tid"] = threading.get_native_id()
        box["got"] = a.recv(100)
    t = threading.Thread(target=run); t.start()
    time.sleep(0.3)
    with open("/proc/self/task/%d/syscall" % box["tid"]) as f:
        n = int(f.read().split()[0])
    c.send(b"x")
    t.join()
    return n, bool(fcntl.fcntl(a.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK), box["got"]
blocking = waiting_in(None)
timed = waiting_in(2.0)
# poll is 7 and ppoll 271 on x86_64, ppoll 73 on aarch64.
print(blocking[1], timed[1], timed[0] != blocking[0], timed[0] in (7, 271, 73), timed[2])
"#,
    );
    assert_eq!(got, "False True True True b'x'");
    assert!(lesson("timeouts").contains(
        "Python makes the socket non-blocking, waits with poll() up to the time-out until it is ready"
    ));
}

/// timeouts: the exceptions Python raises where the lesson names them:
/// TimeoutError('timed out') for its own time-out (accept, recv, send,
/// connect), BlockingIOError for EAGAIN (non-blocking accept, and recv
/// under the kernel's SO_RCVTIMEO, which Python does not know of).
#[test]
fn pythons_time_outs_raise_what_the_timeouts_lesson_says() {
    let got = python3(
        r#"
import socket, struct
def raised(f):
    try:
        f()
        return "returned"
    except OSError as e:
        return "%s(%r)" % (type(e).__name__, str(e) if isinstance(e, TimeoutError) else e.errno)
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(0)
l.settimeout(0.5); print(raised(l.accept))
l.settimeout(0); print(raised(l.accept) == "BlockingIOError(11)")
l.settimeout(None)
c = socket.create_connection(l.getsockname()); a, _ = l.accept()
a.settimeout(0.5); print(raised(lambda: a.recv(100)))
a.settimeout(None)
a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 500000))
print(raised(lambda: a.recv(100)) == "BlockingIOError(11)")
full = socket.socket(); full.bind(("127.0.0.1", 0)); full.listen(0)
first = socket.create_connection(full.getsockname())
late = socket.socket(); late.settimeout(0.5)
print(raised(lambda: late.connect(full.getsockname())))
"#,
    );
    assert_eq!(
        got,
        "TimeoutError('timed out')\nTrue\nTimeoutError('timed out')\nTrue\nTimeoutError('timed out')"
    );
    let text = lesson("timeouts");
    for said in [
        "Python raises TimeoutError('timed out')",
        "(Python: BlockingIOError)",
        "(Python would raise BlockingIOError here)",
        "connect() timed out (TimeoutError)",
        "then it said 'timed out' (TimeoutError)",
    ] {
        assert!(text.contains(said), "{said}");
    }
}
