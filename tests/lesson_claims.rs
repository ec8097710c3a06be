//! Claims the lessons make that their `expect` lines cannot check: what
//! Python does, checked against python3 on loopback.

use std::process::Command;

fn python(program: &str) -> String {
    let out = Command::new("python3")
        .args(["-c", program])
        .output()
        .expect("python3 runs (.ci/run installs it)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn lesson(name: &str) -> String {
    sockplay::script::lessons::find(name)
        .unwrap_or_else(|e| panic!("{e}"))
        .text
}

/// partial-send: Python's sendall on a non-blocking socket raises
/// BlockingIOError once the buffers are full; it does not loop.
#[test]
fn pythons_sendall_on_a_non_blocking_socket_raises_blocking_io_error() {
    let got = python(
        r#"
import socket
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
c = socket.create_connection(srv.getsockname()); a, _ = srv.accept()
c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
c.setblocking(False)
try:
    c.sendall(b"x" * (8 << 20))
    print("returned")
except BlockingIOError as e:
    print("BlockingIOError")
"#,
    );
    assert_eq!(got, "BlockingIOError");
    assert!(lesson("partial-send").contains(
        "Python's socket.sendall does not: on a non-blocking socket it raises BlockingIOError"
    ));
}

/// Runs a script in a lab of its own (`--netns --wire --json`) and returns
/// its JSON lines. Needs root, as in CI.
fn netns_json(script: &str) -> Vec<serde_json::Value> {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["--netns", "run", "--wire", "--json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sockplay runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Whether this process may make a network namespace and capture (root).
/// Under CI it must.
fn root_or_say(test: &str) -> bool {
    // SAFETY: geteuid takes no arguments and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        assert!(std::env::var_os("CI").is_none(), "{test} needs root");
        eprintln!("NOT RUN {test}: needs root (a namespace and capture)");
    }
    root
}

/// backlog: a client whose SYNs are dropped sends 1 + tcp_syn_retries +
/// tcp_syn_linear_timeouts of them, then connect() fails with ETIMEDOUT;
/// the note on it reads the count from both settings. Small settings in a
/// lab of its own keep it short: 4 SYNs at 0, 1, 2 and 4 s, ETIMEDOUT at 8 s.
#[test]
fn a_waiting_client_sends_one_plus_both_settings_syns_then_times_out() {
    if !root_or_say("a_waiting_client_sends_one_plus_both_settings_syns_then_times_out") {
        return;
    }
    let lines = netns_json(
        "sysctl net.ipv4.tcp_syn_retries=2\n\
         sysctl net.ipv4.tcp_syn_linear_timeouts=1\n\
         listen backlog=0\n\
         connect L1\n\
         connect L1\n\
         sleep 1500ms\n\
         show C2\n\
         wait C2 20s\n\
         expect C2 errno=ETIMEDOUT\n",
    );
    let syns: Vec<f64> = lines
        .iter()
        .filter(|l| {
            l["type"] == "packet" && l["from"] == "C2" && l["flags"] == serde_json::json!(["SYN"])
        })
        .map(|l| l["t"].as_f64().unwrap())
        .collect();
    assert_eq!(syns.len(), 4, "1 + 2 + 1 SYNs: {syns:?}");
    // The second SYN one second after the first (linear), then doubling.
    let gaps: Vec<f64> = syns.windows(2).map(|w| w[1] - w[0]).collect();
    assert!((0.8..1.5).contains(&gaps[0]), "{gaps:?}");
    assert!((1.7..2.6).contains(&gaps[2]), "{gaps:?}");
    let failed = lines
        .iter()
        .find(|l| l["type"] == "op" && l["sock"] == "C2" && l["call"] == "connect")
        .expect("C2's connect finished");
    assert_eq!(failed["errno"], "ETIMEDOUT", "{failed}");
    let snap = lines
        .iter()
        .find(|l| l["type"] == "snapshot")
        .expect("show C2");
    let c2 = snap["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "C2")
        .expect("C2 in the view");
    let notes = c2["notes"].to_string();
    assert!(
        notes.contains("at most 4 SYNs (1 + tcp_syn_retries 2 + tcp_syn_linear_timeouts 1)"),
        "{notes}"
    );
    assert!(notes.contains("SYN sent 2 times"), "{notes}");
    assert!(
        c2["next_syn_ms"].as_u64().is_some_and(|ms| ms <= 1000),
        "{c2}"
    );
}

/// closing: Python sets SIGPIPE aside from its start, so writing to a
/// connection that a reset broke raises BrokenPipeError (after the
/// ECONNRESET that reports the reset); a program that keeps the default
/// action is killed by SIGPIPE instead.
#[test]
fn python_ignores_sigpipe_and_raises_broken_pipe_error() {
    let program = r#"
import signal, socket, struct, sys, time
if len(sys.argv) > 1:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
print(signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN)
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
c = socket.create_connection(srv.getsockname()); a, _ = srv.accept()
a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
a.close(); time.sleep(0.1)
for _ in range(2):
    try:
        c.send(b"x" * 10)
        print("sent")
    except OSError as e:
        print(type(e).__name__)
sys.stdout.flush()
"#;
    assert_eq!(
        python(program),
        "True\nConnectionResetError\nBrokenPipeError"
    );
    // With SIGPIPE's default action back, the second send kills it.
    let out = Command::new("python3")
        .args(["-c", program, "default"])
        .output()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{out:?}");
    assert!(lesson("closing").contains(
        "Python ignores SIGPIPE from its start, so there send() raises BrokenPipeError instead"
    ));
}

/// closing: the side whose FIN went first holds TIME-WAIT for 60 seconds
/// on Linux; `ss -o` reads its timer.
#[test]
fn time_wait_lasts_sixty_seconds() {
    let port = python(
        r#"
import socket, time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
c = socket.create_connection(srv.getsockname()); a, _ = srv.accept()
c.shutdown(socket.SHUT_WR); a.recv(1); a.close(); time.sleep(0.1); c.close()
print(srv.getsockname()[1])
"#,
    );
    let out = Command::new("ss")
        .args(["-tanoH", "state", "time-wait", &format!("dport = :{port}")])
        .output()
        .expect("ss (iproute2) runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("timer:(timewait,59sec") || text.contains("timer:(timewait,60sec"),
        "{text}"
    );
    assert!(lesson("closing").contains("ends in TIME-WAIT, here for 60 seconds"));
}
