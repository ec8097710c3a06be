//! Misbehaving peers and broken input: each leaves a clear result and a
//! working lab. Peers are plain std sockets outside sockplay.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{errno, live};
use sockplay::lab::Outcome;

fn line(r: &mut sockplay::script::Runner<'_>, text: &str) -> bool {
    let statement = sockplay::script::parse_line(text).unwrap().unwrap();
    r.run_line(&sockplay::script::Line {
        number: 1,
        text: text.into(),
        statement,
    })
}

/// Whether a call of `sock` is still running in the lab: after a line's
/// settling time, the runner has reported it blocked.
fn in_flight(r: &sockplay::script::Runner<'_>, sock: &str) -> bool {
    r.lab()
        .socket(sock.parse().unwrap())
        .is_some_and(|s| !s.in_flight.is_empty())
}

#[test]
fn a_reset_in_the_middle_of_a_blocked_send() {
    let peer = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = peer.local_addr().unwrap().port();
    let script = format!("connect 127.0.0.1:{port} sndbuf=4k\nwait C1\nsend C1 16m");
    let (run, ()) = live(&script, |r| {
        let (conn, _) = peer.accept().unwrap();
        assert!(
            in_flight(r, "C1"),
            "the send is blocked, past the settling time"
        );
        // The peer resets: SO_LINGER 0, then close, never having read.
        socket2::SockRef::from(&conn)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(conn);
        r.idle(Duration::from_millis(500));
        assert!(line(r, "send C1 10"), "the lab still works");
        r.idle(Duration::from_millis(200));
    });
    let sends = run.calls("C1", "send");
    assert_eq!(sends.len(), 2, "{sends:#?}");
    // The blocked send ends: with what it had copied, or the reset.
    let first = sends[0];
    assert!(
        first.outcome.ret().is_some_and(|n| n < 16 << 20)
            || errno(first).as_deref() == Some("ECONNRESET"),
        "{first:?}"
    );
    // Afterwards the socket says what happened, plainly.
    let second = errno(sends[1]);
    assert!(
        matches!(second.as_deref(), Some("EPIPE" | "ECONNRESET")),
        "{second:?}"
    );
    assert!(!sends[1].explain.is_empty());
}

#[test]
fn the_peer_closing_during_a_blocked_recv() {
    let peer = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = peer.local_addr().unwrap().port();
    let (run, ()) = live(
        &format!("connect 127.0.0.1:{port}\nwait C1\nrecv C1 100"),
        |r| {
            let (conn, _) = peer.accept().unwrap();
            assert!(
                in_flight(r, "C1"),
                "the recv is blocked, past the settling time"
            );
            drop(conn);
            r.idle(Duration::from_millis(500));
        },
    );
    let recv = run.call("C1", "recv");
    assert_eq!(recv.outcome, Outcome::Ret(0));
    assert_eq!(recv.kind, sockplay::lab::Kind::EndOfStream);
    assert!(
        run.blocked().iter().any(|b| b.sock.to_string() == "C1"),
        "it was blocked first"
    );
}

#[test]
fn a_half_closed_peer_still_reads() {
    let peer = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = peer.local_addr().unwrap().port();
    let (run, got) = live(&format!("connect 127.0.0.1:{port}\nwait C1"), |r| {
        let (mut conn, _) = peer.accept().unwrap();
        conn.shutdown(std::net::Shutdown::Write).unwrap();
        assert!(line(r, "recv C1 100"));
        assert!(line(r, "expect C1 ret=0"));
        assert!(line(r, "send C1 \"still here\""));
        conn.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut buf = [0u8; 32];
        let n = conn.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    run.assert_ok();
    assert_eq!(got, "still here");
}

#[test]
fn escape_sequences_and_invalid_utf8_stay_escaped_in_json() {
    let peer = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = peer.local_addr().unwrap().port();
    let (run, ()) = live(&format!("connect 127.0.0.1:{port}\nwait C1"), |r| {
        let (mut conn, _) = peer.accept().unwrap();
        let bytes = b"\x1b]52;c;AAAA\x07\x1b[?1049l\xc3\x28\r\n";
        conn.write_all(bytes).unwrap();
        // Waits (up to 2 s) for the bytes to be queued at C1.
        assert!(line(r, &format!("expect C1 recvq={}", bytes.len())));
        assert!(line(r, "recv C1 100"));
    });
    run.assert_ok();
    let recv = run.call("C1", "recv");
    let record = sockplay::script::json::op_record(recv).to_string();
    assert!(
        record.contains(r#"\\x1b]52;c;AAAA\\x07\\x1b[?1049l\\xc3(\\r\\n"#),
        "{record}"
    );
    assert!(!record.contains('\u{1b}'));
}

#[test]
fn bad_addresses_are_one_line_and_change_nothing() {
    for (text, want) in [
        ("listen 300.1.1.1:80", "bad IPv4 address '300.1.1.1'"),
        ("listen 127.0.0.1:99999", "bad port '99999'"),
        ("connect [zz]:80", "bad IPv6 address"),
    ] {
        let e = sockplay::script::parse_line(text).unwrap_err();
        assert!(e.message.contains(want), "{text}: {}", e.message);
    }
    // A name that does not resolve is the lookup's result, as a program
    // meets it: getaddrinfo fails, and no socket is made.
    let run = common::run("listen\nconnect no-such-host.invalid:80\n");
    let lookup = run.call("C1", "getaddrinfo");
    assert!(lookup.outcome.errno().is_some(), "{lookup:?}");
    assert!(!lookup.explain.contains('\n'));
    assert!(run.calls("C1", "connect").is_empty());
}

/// Runs `sockplay run --json` on a script in a child set up by `pre`.
fn run_child(
    script: &str,
    pre: impl FnMut() -> std::io::Result<()> + Send + Sync + 'static,
) -> Vec<serde_json::Value> {
    let dir = std::env::temp_dir().join(format!(
        "sockplay-hostile-{}-{}",
        std::process::id(),
        script.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.sp");
    std::fs::write(&path, script).unwrap();
    // Readable by an unprivileged user too.
    let _ = std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755));
    let _ = std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sockplay"));
    cmd.args(["run", "--json"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: `pre` only makes async-signal-safe calls (setrlimit, setuid).
    unsafe { cmd.pre_exec(pre) };
    let out = cmd.output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn running_out_of_descriptors_is_emfile_said_plainly_and_the_lab_goes_on() {
    let records = run_child(
        "listen\nconnect L1 x100\nclose C1\nclose C2\nconnect L1\nwait L1 1s\n",
        || {
            let r = libc::rlimit {
                rlim_cur: 24,
                rlim_max: 24,
            };
            // SAFETY: setrlimit with a valid struct, in the child before exec.
            unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) };
            Ok(())
        },
    );
    let ops: Vec<&serde_json::Value> = records.iter().filter(|r| r["type"] == "op").collect();
    let emfile: Vec<_> = ops.iter().filter(|o| o["errno"] == "EMFILE").collect();
    assert_eq!(
        emfile.len(),
        1,
        "one clear line, then connect x100 stops: {ops:#?}"
    );
    assert!(
        emfile[0]["explain"]
            .as_str()
            .unwrap()
            .contains("all 24 file descriptors"),
        "{}",
        emfile[0]
    );
    let made = ops
        .iter()
        .filter(|o| o["call"] == "connect" && o["errno"].is_null())
        .count();
    assert!((5..24).contains(&made), "{made} clients before the limit");
    // After two closes, a new client connects: the lab goes on.
    let last_connect = ops.iter().rev().find(|o| o["call"] == "connect").unwrap();
    assert!(last_connect["errno"].is_null(), "{last_connect}");
}

#[test]
#[allow(
    clippy::zombie_processes,
    reason = "reaped with libc::wait4, for its rusage"
)]
fn a_gigabyte_into_a_drained_socket_leaves_memory_small() {
    let port = common::free_port();
    let dir = std::env::temp_dir().join(format!("sockplay-flood-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.sp");
    std::fs::write(
        &path,
        format!("listen 127.0.0.1:{port}\naccept L1\nwait L1 10s\ndrain A1 on\nwait A1 60s\n"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", "--json"])
        .arg(&path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut conn = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(c) => break c,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("{e}"),
        }
    };
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..1024 {
        conn.write_all(&chunk).unwrap();
    }
    drop(conn);
    let mut status = 0;
    // SAFETY: an empty rusage for wait4 to fill, for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for the child we spawned.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let drained: serde_json::Value = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["call"] == "drain" && r["type"] == "op")
        .expect("the drain reported");
    assert_eq!(drained["ret"], 1u64 << 30, "every byte counted: {drained}");
    let peak_mib = usage.ru_maxrss as f64 / 1024.0;
    eprintln!("peak resident memory after 1 GiB drained: {peak_mib:.1} MiB");
    assert!(peak_mib < 64.0, "{peak_mib} MiB");
}

#[test]
fn a_listener_reachable_from_the_network_says_so() {
    let run = common::run("listen 0.0.0.0:0\nlisten\n");
    run.assert_ok();
    let listens = run.calls("L1", "listen");
    assert!(
        listens[0].explain.contains("reachable from the network"),
        "{}",
        listens[0].explain
    );
    let loopback = run.call("L2", "listen");
    assert!(
        !loopback.explain.contains("reachable"),
        "{}",
        loopback.explain
    );
}

mod needs_root {
    use super::*;

    #[cfg_attr(not(ci), ignore = "needs root: becomes an unprivileged user")]
    #[test]
    fn a_privileged_port_without_the_right_is_eacces() {
        common::require_root("becoming an unprivileged user");
        let records = run_child("listen 127.0.0.1:80\nlisten\n", || {
            // SAFETY: setgid/setuid to nobody in the child before exec.
            unsafe {
                libc::setgid(65534);
                libc::setuid(65534);
            }
            Ok(())
        });
        let ops: Vec<&serde_json::Value> = records.iter().filter(|r| r["type"] == "op").collect();
        assert_eq!(ops[0]["errno"], "EACCES", "{ops:#?}");
        assert_eq!(
            ops[0]["explain"],
            "ports below 1024 need root or CAP_NET_BIND_SERVICE"
        );
        assert!(ops[1]["errno"].is_null(), "the next listen works");
    }
}
