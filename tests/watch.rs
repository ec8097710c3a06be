//! `sockplay watch`: a real python3 server's sockets, seen from outside,
//! checked against `ss` and the server's own pid.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

/// A python3 program started for a test, killed when the test ends.
struct Python {
    child: Child,
    /// The first line it printed (a server prints its port).
    first: String,
}

impl Python {
    fn start(code: &str, args: &[&str]) -> Python {
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(code)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs (.ci/run installs it)");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        Python {
            child,
            first: first.trim().to_string(),
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A textbook server: `listen(5)`, never `accept()`; prints its port.
const TEXTBOOK: &str = "
import socket, time
s = socket.socket()
s.bind(('127.0.0.1', 0))
s.listen(5)
print(s.getsockname()[1], flush=True)
time.sleep(120)
";

/// Clients that connect without waiting: those the queue has no room for stay SYN-SENT.
fn knock(port: u16, n: usize) -> Vec<socket2::Socket> {
    (0..n)
        .map(|_| {
            let s =
                socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            s.set_nonblocking(true).unwrap();
            let to: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
            let _ = s.connect(&to.into());
            s
        })
        .collect()
}

fn sockplay(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(args)
        .output()
        .unwrap()
}

fn json_lines(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The listener on `port` as `ss -lnt` shows it: Recv-Q (the accept queue) and Send-Q (its maximum).
fn ss_listener(port: u16) -> Option<(u64, u64)> {
    common::ss("-Hlnt", port)
        .into_iter()
        .find(|l| l.state == "LISTEN" && l.local.ends_with(&format!(":{port}")))
        .map(|l| (l.recv_q, l.send_q))
}

#[test]
fn a_full_textbook_queue_seen_from_outside_as_ss_sees_it() {
    let server = Python::start(TEXTBOOK, &[]);
    let port: u16 = server.first.parse().unwrap();
    let _clients = knock(port, 8);
    // Bounded: the handshakes finish in microseconds on loopback.
    let deadline = Instant::now() + Duration::from_secs(10);
    while ss_listener(port) != Some((6, 5)) {
        assert!(Instant::now() < deadline, "ss: {:?}", ss_listener(port));
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = sockplay(&[
        "watch",
        &port.to_string(),
        "--json",
        "--count",
        "2",
        "--interval",
        "200ms",
    ]);
    assert!(out.status.success(), "{out:?}");
    let lines = json_lines(&out);
    let snaps: Vec<&Value> = lines.iter().filter(|l| l["type"] == "snapshot").collect();
    assert_eq!(snaps.len(), 2, "{lines:?}");
    for snap in snaps {
        let sockets = snap["sockets"].as_array().unwrap();
        let l = sockets
            .iter()
            .find(|s| s["role"] == "listener")
            .unwrap_or_else(|| panic!("a listener: {snap}"));
        assert_eq!(l["id"], "S1");
        assert_eq!(l["local"], format!("127.0.0.1:{port}"));
        // The kernel's figures, as ss shows them: 6 held against a backlog of 5.
        assert_eq!(
            (l["accept_queue"].as_u64(), l["accept_queue_max"].as_u64()),
            (Some(6), Some(5))
        );
        assert_eq!(ss_listener(port), Some((6, 5)));
        assert_eq!(l["owner"]["pid"].as_u64(), Some(u64::from(server.pid())));
        let comm = std::fs::read_to_string(format!("/proc/{}/comm", server.pid())).unwrap();
        assert_eq!(l["owner"]["name"].as_str(), Some(comm.trim()));
        // The six who wait, with their peers, are the listener's.
        let queued: Vec<&Value> = sockets.iter().filter(|s| s["role"] == "queued").collect();
        assert_eq!(queued.len(), 6, "{snap}");
        assert!(
            queued
                .iter()
                .all(|q| q["listener"] == "S1" && q["peer"].is_string())
        );
        assert_eq!(snap["watch"]["target"], format!(":{port}"));
    }
}

#[test]
fn a_port_nobody_listens_on_is_watched_anyway() {
    let port = common::unused_port();
    let out = sockplay(&[
        "watch",
        &port.to_string(),
        "--json",
        "--count",
        "1",
        "--interval",
        "0",
    ]);
    assert!(out.status.success(), "{out:?}");
    let lines = json_lines(&out);
    assert_eq!(lines[0]["watch"]["note"], format!("nothing on :{port} yet"));
    assert_eq!(lines[0]["sockets"].as_array().unwrap().len(), 0);
}

#[test]
fn bad_targets_are_one_line_each() {
    // A pid above the kernel's limit (pid_max ≤ 2^22) names no process.
    for (args, said) in [
        (
            vec!["watch", "pid=99999999", "--json"],
            "there is no process 99999999",
        ),
        (
            vec!["watch", "nonsense", "--json"],
            "is not something to watch",
        ),
        (
            vec!["watch", "--json", "--", "/nonexistent/server"],
            "cannot start /nonexistent/server",
        ),
    ] {
        let out = sockplay(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(said), "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
}

/// A server that waits before it binds, as one that loads its data first.
const LATE: &str = "
import socket, sys, time
time.sleep(0.6)
s = socket.socket()
s.bind(('127.0.0.1', int(sys.argv[1])))
s.listen(3)
print('bound', flush=True)
time.sleep(120)
";

#[test]
fn a_started_program_is_followed_until_it_binds() {
    let port = common::free_port();
    let port_text = port.to_string();
    let out = sockplay(&[
        "watch",
        "--json",
        "--count",
        "40",
        "--interval",
        "150ms",
        "--",
        "python3",
        "-c",
        LATE,
        &port_text,
    ]);
    assert!(out.status.success(), "{out:?}");
    let lines = json_lines(&out);
    let pid = lines[0]["watch"]["process"]["pid"]
        .as_u64()
        .expect("the program's pid");
    assert!(
        lines[0]["watch"]["note"]
            .as_str()
            .unwrap()
            .contains("has no TCP or UDP socket yet"),
        "{}",
        lines[0]
    );
    let bound = lines
        .iter()
        .find(|l| l["sockets"].as_array().is_some_and(|s| !s.is_empty()))
        .unwrap_or_else(|| panic!("the listener appears: {lines:?}"));
    let l = &bound["sockets"][0];
    assert_eq!(l["role"], "listener");
    assert_eq!(l["local"], format!("127.0.0.1:{port}"));
    assert_eq!(l["accept_queue_max"], 3);
    assert_eq!(l["owner"]["pid"].as_u64(), Some(pid));
    // By then the program has become python (a launcher may have come first).
    let name = l["owner"]["name"].as_str().unwrap();
    assert!(name.starts_with("python"), "{name}");
    // The program ended with the watch.
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat.contains(") Z") {
            break;
        }
        assert!(Instant::now() < deadline, "the program still runs");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// ListenOverflows from /proc/net/netstat: a reader of the kernel apart from sockplay.
fn listen_overflows() -> u64 {
    let text = std::fs::read_to_string("/proc/net/netstat").unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("TcpExt:")).collect();
    let names: Vec<&str> = lines[0].split_whitespace().collect();
    let values: Vec<&str> = lines[1].split_whitespace().collect();
    let at = names.iter().position(|n| *n == "ListenOverflows").unwrap();
    values[at].parse().unwrap()
}

#[test]
fn a_full_queue_that_drops_syns_is_an_event_with_the_time() {
    let server = Python::start(TEXTBOOK, &[]);
    let port: u16 = server.first.parse().unwrap();
    let _clients = knock(port, 8);
    let deadline = Instant::now() + Duration::from_secs(10);
    while ss_listener(port) != Some((6, 5)) {
        assert!(Instant::now() < deadline, "ss: {:?}", ss_listener(port));
        std::thread::sleep(Duration::from_millis(20));
    }
    // The two clients left out retry their SYNs about once a second.
    let before = listen_overflows();
    let out = sockplay(&[
        "watch",
        &port.to_string(),
        "--json",
        "--count",
        "16",
        "--interval",
        "250ms",
    ]);
    let after = listen_overflows();
    assert!(out.status.success(), "{out:?}");
    let lines = json_lines(&out);
    let events: Vec<&Value> = lines.iter().filter(|l| l["type"] == "event").collect();
    assert!(!events.is_empty(), "no event: {lines:?}");
    let total: u64 = events.iter().map(|e| e["count"].as_u64().unwrap()).sum();
    assert!(
        total >= 1 && total <= after - before,
        "{total} vs {}",
        after - before
    );
    for e in &events {
        assert_eq!(e["kind"], "accept-queue-full");
        assert_eq!(e["socket"], "S1");
        let text = e["text"].as_str().unwrap();
        let want = format!(
            "accept queue full: {} SYNs dropped at {}",
            e["count"],
            e["at"].as_str().unwrap()
        );
        assert_eq!(text, want);
        let at = e["at"].as_str().unwrap();
        assert!(
            at.len() == 8 && at.as_bytes()[2] == b':' && at.as_bytes()[5] == b':',
            "{at}"
        );
    }
    // The snapshot keeps them for the screen.
    let last = lines
        .iter()
        .rev()
        .find(|l| l["type"] == "snapshot")
        .unwrap();
    assert_eq!(
        last["watch"]["alerts"].as_array().unwrap().len(),
        events.len().min(8)
    );
}

/// A server that accepts one connection, closes it first, and waits.
/// It holds the connection three seconds: watch learns a new socket's
/// owner at its owner's next read of descriptors, at most once a second,
/// and a connection closed after one second was at times never seen owned.
const CLOSES_FIRST: &str = "
import socket, time
s = socket.socket()
s.bind(('127.0.0.1', 0))
s.listen(5)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
time.sleep(3.0)
c.close()
time.sleep(120)
";

#[test]
fn a_connection_keeps_its_name_through_time_wait() {
    let server = Python::start(CLOSES_FIRST, &[]);
    let port: u16 = server.first.parse().unwrap();
    let mut client = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let peer = client.local_addr().unwrap().to_string();
    // The client reads to the end and closes: the server's side, which
    // closed first, waits in TIME-WAIT.
    let reader = std::thread::spawn(move || {
        let mut rest = Vec::new();
        let _ = std::io::Read::read_to_end(&mut client, &mut rest);
    });
    let out = sockplay(&[
        "watch",
        &port.to_string(),
        "--json",
        "--count",
        "30",
        "--interval",
        "200ms",
    ]);
    reader.join().unwrap();
    assert!(out.status.success(), "{out:?}");
    let states: Vec<(String, String, bool)> = json_lines(&out)
        .iter()
        .filter_map(|l| {
            let s = l["sockets"]
                .as_array()?
                .iter()
                .find(|s| s["peer"] == peer)?;
            Some((
                s["id"].as_str()?.to_string(),
                s["state"].as_str()?.to_string(),
                s["owner"]["pid"].as_u64() == Some(u64::from(server.pid())),
            ))
        })
        .collect();
    // Its name: S2 after the listener, unless another program's socket
    // with the same port number on another address came first.
    let name = states.first().map(|s| s.0.clone()).unwrap_or_default();
    assert!(
        states.contains(&(name.clone(), "ESTABLISHED".into(), true)),
        "{states:?}"
    );
    // The same name once no process holds it: no owner.
    assert!(
        states.contains(&(name.clone(), "TIME-WAIT".into(), false)),
        "{states:?}"
    );
    assert!(states.iter().all(|s| s.0 == name), "{states:?}");
}

mod needs_root {
    use super::*;

    #[cfg_attr(not(ci), ignore = "needs root: enters another network namespace")]
    #[test]
    fn netns_watches_a_server_in_another_namespace() {
        common::require_root("entering another network namespace");
        // The textbook server alone in a namespace of its own, as in a container.
        let mut child = Command::new("unshare")
            .args([
                "-n",
                "sh",
                "-c",
                "ip link set lo up && exec python3 -c \"$0\"",
                TEXTBOOK,
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("unshare (util-linux) runs");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let server = Python {
            child,
            first: first.trim().to_string(),
        };
        let port = server.first.clone();
        let pid = server.pid().to_string();
        let out = sockplay(&["watch", "--netns", &pid, &port, "--json", "--count", "1"]);
        assert!(out.status.success(), "{out:?}");
        let lines = json_lines(&out);
        let l = &lines[0]["sockets"][0];
        assert_eq!(l["role"], "listener", "{}", lines[0]);
        assert_eq!(l["accept_queue_max"], 5);
        assert_eq!(l["owner"]["pid"].as_u64(), Some(u64::from(server.pid())));
        // The machine's own namespace has nothing there (a port chosen in
        // the other one may be taken here too, by chance: then not by python3's pid).
        let here = json_lines(&sockplay(&["watch", &port, "--json", "--count", "1"]));
        let mine = here[0]["sockets"].as_array().unwrap();
        assert!(
            mine.iter()
                .all(|s| s["owner"]["pid"].as_u64() != Some(u64::from(server.pid()))),
            "{}",
            here[0]
        );
        // A namespace that is not there: one line.
        let out = sockplay(&[
            "watch",
            "--netns",
            "/run/netns/no-such-namespace",
            &port,
            "--json",
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(
            err.trim(),
            "sockplay: --netns /run/netns/no-such-namespace: there is no namespace /run/netns/no-such-namespace"
        );
    }
}
