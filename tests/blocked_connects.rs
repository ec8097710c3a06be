//! Connects that wait in SYN-SENT hold no thread each: two hundred clients
//! at a listener whose queue takes two stay blocked (the kernel's table,
//! `ss`, shows them in SYN-SENT) while the process keeps a few threads;
//! closing one still ends its connect as the kernel says, and the lab's
//! end wakes the rest. Such a connect is told blocked as soon as one that
//! held a sleeping thread was, before the kernel resends its SYN.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn threads(pid: u32) -> Option<usize> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

/// Clients in SYN-SENT towards `port` (ss).
fn syn_sent_to(port: u16) -> usize {
    let out = Command::new("ss")
        .args(["-Htn", "state", "syn-sent", &format!("( dport = :{port} )")])
        .output()
        .expect("ss (iproute2) is installed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(&format!("127.0.0.1:{port}")))
        .count()
}

#[test]
fn two_hundred_blocked_connects_hold_a_few_threads() {
    let port = common::free_port();
    let script = format!(
        "listen 127.0.0.1:{port} backlog=1\nconnect L1 x200\nsleep 2500ms\nclose C150\nsleep 300ms\n"
    );
    let file = std::env::temp_dir().join(format!("sockplay-blocked-{}.sp", std::process::id()));
    std::fs::write(&file, script).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", "--json"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (mut most_threads, mut most_waiting) = (0, 0);
    let began = Instant::now();
    while began.elapsed() < Duration::from_millis(2300) {
        if let Some(n) = threads(pid) {
            most_threads = most_threads.max(n);
        }
        most_waiting = most_waiting.max(syn_sent_to(port));
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let _ = std::fs::remove_file(&file);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        most_waiting >= 150,
        "the clients the queue cannot take wait in SYN-SENT (ss): {most_waiting}"
    );
    assert!(
        most_threads <= 64,
        "{most_waiting} connects in SYN-SENT held {most_threads} threads"
    );
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let connect_of = |sock: &str| {
        records
            .iter()
            .find(|r| r["type"] == "op" && r["call"] == "connect" && r["sock"] == sock)
    };
    // Closed while it waited: the kernel's answer, as a blocked connect() gets it.
    let c150 = connect_of("C150").expect("C150's connect told");
    assert_eq!(c150["errno"], "ECONNRESET", "{c150}");
    // The first clients got in; every other one was told it was blocked.
    assert_eq!(connect_of("C1").unwrap()["ret"], 0);
    let blocked = records
        .iter()
        .filter(|r| r["type"] == "blocked" && r["call"] == "connect")
        .count();
    assert!(blocked >= 150, "{blocked} told blocked");
}

/// ss's count of SYNs resent by each client in SYN-SENT towards `port`
/// (the last field of its timer, `timer:(on,780ms,0)`).
fn syn_resends_to(port: u16) -> Vec<u64> {
    let out = Command::new("ss")
        .args([
            "-Htno",
            "state",
            "syn-sent",
            &format!("( dport = :{port} )"),
        ])
        .output()
        .expect("ss (iproute2) is installed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split("timer:(").nth(1))
        .map(|t| {
            let t = t.split(')').next().unwrap();
            t.rsplit(',').next().unwrap().parse().unwrap()
        })
        .collect()
}

#[test]
fn a_connect_waiting_without_its_thread_is_told_blocked_before_its_syn_is_resent() {
    // The listener's accept queue takes two; the third client's SYN is
    // dropped, and the kernel resends it a second later. A script that
    // says what happens meanwhile (a lesson counting the drops) must be
    // told the connect blocked before then, as it was when a thread slept
    // in connect().
    let port = common::free_port();
    let script = format!("listen 127.0.0.1:{port} backlog=1\nconnect L1 x3\nsleep 2500ms\n");
    let file = std::env::temp_dir().join(format!("sockplay-told-{}.sp", std::process::id()));
    std::fs::write(&file, script).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", "--json"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut resends = None;
    for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
        let record: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if record["type"] == "blocked" && resends.is_none() {
            // Read at once, while the script goes on sleeping.
            resends = Some(syn_resends_to(port));
        }
    }
    let status = child.wait().unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(status.success());
    let resends = resends.expect("a connect was told blocked");
    assert!(!resends.is_empty(), "ss shows the client in SYN-SENT");
    assert!(
        resends.iter().all(|&n| n == 0),
        "told blocked only after the kernel resent its SYN (ss: {resends:?})"
    );
}

/// The clients of one `connect … xN` share what the lab knows of them
/// until theirs changes: those still waiting in SYN-SENT (ss) hold one
/// copy, one that got in holds its own (its local address), and closing
/// one changes that one alone.
#[test]
fn clients_that_wait_alike_share_what_the_lab_knows_of_them() {
    let port = common::free_port();
    let script = format!("listen 127.0.0.1:{port} backlog=1\nconnect L1 x8\n");
    let (run, ()) = common::live(&script, |r| {
        let deadline = Instant::now() + Duration::from_secs(5);
        while syn_sent_to(port) < 5 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(syn_sent_to(port) >= 5, "clients wait in SYN-SENT (ss)");
        let info = |r: &sockplay::script::Runner<'_>, n: &str| {
            r.lab()
                .socket(common::name(n))
                .expect("a client of the line")
        };
        let (c1, c7, c8) = (info(r, "C1"), info(r, "C7"), info(r, "C8"));
        assert!(
            std::sync::Arc::ptr_eq(&c7.meta, &c8.meta),
            "two clients waiting alike hold one copy"
        );
        assert_ne!(c7.inode, c8.inode, "each its own socket");
        assert!(c1.meta.local.is_some(), "C1 got in: {:?}", c1.meta);
        assert!(!std::sync::Arc::ptr_eq(&c1.meta, &c8.meta));
        assert_eq!(c8.meta.local, None);
        let line = &sockplay::script::parse_script("close C8").unwrap()[0];
        assert!(r.run_line(line));
        let (c7, c8) = (info(r, "C7"), info(r, "C8"));
        assert!(c8.meta.closed, "C8 is closed");
        assert!(!c7.meta.closed, "closing C8 left C7 as it was");
    });
    run.assert_ok();
}
