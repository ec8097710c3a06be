//! Both queues on the real kernel, checked against `ss` and `nstat`:
//! defer_accept on the host (no privilege needed); `syn` and `sysctl`
//! inside the lab's own namespace, read there through `nsenter`.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::netns::{NetnsLab, port_in};

use serde_json::Value;

/// `ss -Htn FILTER…` run here or inside a namespace; its lines.
fn ss(pid: Option<u32>, args: &[&str]) -> Vec<String> {
    let mut cmd = match pid {
        Some(pid) => {
            let mut c = Command::new("nsenter");
            c.arg(format!("--net=/proc/{pid}/ns/net")).arg("ss");
            c
        }
        None => Command::new("ss"),
    };
    let out = cmd.args(args).output().expect("ss (iproute2) is installed");
    assert!(out.status.success(), "ss {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn defer_accept_holds_syn_recv_while_the_client_is_established_as_ss_sees() {
    let script = "listen backlog=4 defer_accept=5s\nconnect L1 x2\nexpect L1 syn_recv=2\n";
    let (run, (snap, syn_recv, established)) = common::live(script, |runner| {
        let snap = runner.snapshot().unwrap();
        // The listener's whole address: another program's connection may
        // use the same port number on another address (127.0.1.2:P).
        let at = snap.socket("L1".parse().unwrap()).unwrap().local.unwrap();
        let syn_recv = ss(None, &["-Htn", "state", "syn-recv", "src", &at.to_string()]);
        let established = ss(
            None,
            &["-Htn", "state", "established", "dst", &at.to_string()],
        );
        (snap, syn_recv, established)
    });
    run.assert_ok();
    let l1 = snap.socket("L1".parse().unwrap()).unwrap();
    let q = l1.syn_queue().expect("a listener shows its SYN queue");
    // 5 s are rounded up to whole SYN-ACK retransmit periods: 1 + 2 + 4.
    assert_eq!(q.defer_accept, Some(7), "{q:?}");
    assert_eq!((l1.accept_queue(), l1.syn_recv()), (Some(0), Some(2)));
    let mut ours: Vec<String> = snap
        .waiting("L1".parse().unwrap())
        .filter(|w| w.role == sockplay::kernel::ViewRole::SynRecv)
        .inspect(|w| assert!(w.pair.is_some() && w.half_open().is_some(), "{w:?}"))
        .map(|w| w.peer.unwrap().to_string())
        .collect();
    ours.sort();
    for c in ["C1", "C2"] {
        let v = snap.socket(c.parse().unwrap()).unwrap();
        assert_eq!(v.state.name(), "ESTABLISHED");
        assert!(
            v.notes.iter().any(|n| n.contains("defer_accept holds")),
            "{:?}",
            v.notes
        );
    }
    // ss, at the same moment: the server holds two SYN-RECV entries, from
    // the very clients that are ESTABLISHED.
    assert_eq!(established.len(), 2, "ss: {established:?}");
    let mut peers: Vec<String> = syn_recv
        .iter()
        .map(|l| l.split_whitespace().last().unwrap().to_string())
        .collect();
    peers.sort();
    assert_eq!(peers, ours, "ss: {syn_recv:?}");
    // The view says so on each entry: half-open at L1, ESTABLISHED at C1.
    let view = sockplay::script::show::table(&snap, &[]);
    for c in ["C1", "C2"] {
        assert!(
            view.lines()
                .any(|l| l.contains("└ syn-recv") && l.contains(&format!("({c} is ESTABLISHED)"))),
            "{view}"
        );
    }
}

#[test]
fn data_moves_a_deferred_handshake_into_the_accept_queue() {
    let script = "listen defer_accept=5s\nconnect L1\nexpect L1 syn_recv=1\nsend C1 \"hi\"\n\
                  expect L1 accept_queue=1\nexpect L1 syn_recv=0\naccept L1\nexpect A1 recvq=2\n";
    let (run, listening) = common::live(script, |runner| {
        let snap = runner.snapshot().unwrap();
        let at = snap.socket("L1".parse().unwrap()).unwrap().local.unwrap();
        ss(None, &["-Htln", "src", &at.to_string()])
    });
    run.assert_ok();
    // Accepted: the accept queue is empty again, as ss's Recv-Q says.
    let fields: Vec<&str> = listening[0].split_whitespace().collect();
    assert_eq!(&fields[1..3], &["0", "5"], "{listening:?}");
}

#[test]
fn a_queued_connection_holds_what_its_client_sent_as_ss_sees() {
    let script = "listen\nconnect L1 x2\nsend C1 \"hello\"\nexpect L1 accept_queue=2\n";
    let (run, (snap, queued)) = common::live(script, |runner| {
        let snap = runner.snapshot().unwrap();
        let at = snap.socket("L1".parse().unwrap()).unwrap().local.unwrap();
        // The server's side of each connection not yet accepted.
        let queued = ss(
            None,
            &["-Htn", "state", "established", "src", &at.to_string()],
        );
        (snap, queued)
    });
    run.assert_ok();
    assert_eq!(queued.len(), 2, "ss: {queued:?}");
    // `Recv-Q Send-Q Local Peer` without the state column: the entry from
    // each peer says what ss says waits in it.
    let view = sockplay::script::show::table(&snap, &[]);
    for line in &queued {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (recvq, peer) = (f[0], f[3]);
        assert!(
            view.lines().any(|l| l.contains("└ not yet accepted")
                && l.contains(&format!("from {peer}, recvq {recvq} "))),
            "ss: {line}\n{view}"
        );
    }
    assert!(queued.iter().any(|l| l.starts_with("5 ")), "ss: {queued:?}");
}

fn listener<'a>(snap: &'a Value, name: &str) -> &'a Value {
    snap["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == name)
        .unwrap()
}

#[test]
fn outside_a_lab_of_its_own_syn_and_setting_a_sysctl_are_refused_in_one_line() {
    let before = std::fs::read_to_string("/proc/sys/net/core/somaxconn").unwrap();
    for (script, says) in [
        (
            "sysctl net.core.somaxconn=8\n",
            "would change the whole machine",
        ),
        ("listen\nsyn L1 x3\n", "run `sockplay --netns"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_sockplay"))
            .args(["run", "--json", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin.take().unwrap().write_all(script.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        let error: Vec<&str> = text.lines().filter(|l| l.contains("\"error\"")).collect();
        assert_eq!(error.len(), 1, "{text}");
        assert!(error[0].contains(says), "{text}");
        assert!(
            !text.contains("\"call\":\"syn\""),
            "nothing was sent: {text}"
        );
    }
    assert_eq!(
        std::fs::read_to_string("/proc/sys/net/core/somaxconn").unwrap(),
        before
    );
    // Reading works anywhere.
    let r = common::run("sysctl somaxconn\n");
    r.assert_ok();
    assert!(
        r.records.iter().any(|x| matches!(x, common::Rec::Info(t)
            if t == &format!("sysctl net.core.somaxconn = {}", before.trim()))),
        "{:?}",
        r.records
    );
}

mod needs_root {
    use super::*;

    #[cfg_attr(
        not(ci),
        ignore = "needs root: reads the lab's own namespace through nsenter"
    )]
    #[test]
    fn syn_fills_the_syn_queue_to_backlog_plus_one_then_cookies_as_ss_and_nstat_count() {
        common::require_root("entering the lab's namespace");
        let mut lab = NetnsLab::start(
            "listen backlog=4\nsyn L1 x8\nexpect L1 syn_recv=5\nshow\nsleep 1500ms\nshow",
        );
        let op = lab.next("op"); // listen
        assert_eq!(op["call"], "listen");
        let op = lab.next("op");
        assert_eq!(
            (op["call"].as_str(), op["ret"].as_u64()),
            (Some("syn"), Some(8))
        );
        let snap = lab.next("snapshot");
        let l1 = listener(&snap, "L1");
        assert_eq!(l1["syn_recv"], 5, "{l1}");
        assert_eq!(l1["syn_queue_limit"], 5, "{l1}");
        assert_eq!(l1["syn_queue_past_limit"], "cookies", "{l1}");
        assert!(
            l1["notes"].as_array().unwrap().iter().any(|n| n
                .as_str()
                .unwrap()
                .starts_with("cookies sent: the SYN queue was full")),
            "{l1}"
        );
        let port = port_in(&l1["local"]);
        let entries = ss(
            Some(lab.pid()),
            &["-Htn", "state", "syn-recv", &format!("sport = :{port}")],
        );
        assert_eq!(entries.len(), 5, "ss inside: {entries:?}");
        assert!(
            entries.iter().all(|e| e.contains("192.0.2.")),
            "{entries:?}"
        );
        let c = &snap["counters"];
        assert_eq!(snap["counters_scope"], "this-lab");
        let counted = lab.nstat(&[
            "TcpExtTCPReqQFullDoCookies",
            "TcpExtSyncookiesSent",
            "TcpExtTCPReqQFullDrop",
            "TcpExtListenOverflows",
        ]);
        assert_eq!(counted, [3, 3, 0, 0], "nstat inside");
        assert_eq!(
            [
                &c["TCPReqQFullDoCookies"],
                &c["SyncookiesSent"],
                &c["TCPReqQFullDrop"],
                &c["ListenOverflows"]
            ],
            [3, 3, 0, 0],
            "{c}"
        );
        // Each entry is one of ours, numbered, with its SYN-ACK timer.
        let syns: Vec<&Value> = snap["sockets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["role"] == "syn-recv")
            .collect();
        assert_eq!(syns.len(), 5);
        assert!(
            syns.iter()
                .all(|s| s["syn"].as_u64().is_some() && s["expires_ms"].as_u64().is_some()),
            "{syns:?}"
        );
        // A second and a half later each SYN-ACK has been resent: no ACK and no
        // reset came back. ss reads the same count in its timer field.
        let later = lab.next("snapshot");
        let retrans: Vec<u64> = later["sockets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["role"] == "syn-recv")
            .map(|s| s["synack_retrans"].as_u64().unwrap())
            .collect();
        assert!(
            retrans.len() == 5 && retrans.iter().all(|r| *r >= 1),
            "{later}"
        );
        let timers = ss(
            Some(lab.pid()),
            &["-Htno", "state", "syn-recv", &format!("sport = :{port}")],
        );
        let ss_retrans: Vec<u64> = timers
            .iter()
            .map(|l| {
                let timer = l.split("timer:(").nth(1).unwrap();
                timer
                    .trim_end_matches(')')
                    .rsplit(',')
                    .next()
                    .unwrap()
                    .trim_end_matches(')')
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(
            ss_retrans.len() == 5 && ss_retrans.iter().all(|r| *r >= 1),
            "{timers:?}"
        );
        // Nothing could leave: the namespace has no interface but lo.
        let links = Command::new("nsenter")
            .arg(format!("--net=/proc/{}/ns/net", lab.pid()))
            .args(["ip", "-o", "link"])
            .output()
            .unwrap();
        let links = String::from_utf8_lossy(&links.stdout);
        assert_eq!(links.lines().count(), 1, "{links}");
        assert!(links.contains(": lo:"), "{links}");
    }

    #[cfg_attr(
        not(ci),
        ignore = "needs root: reads the lab's own namespace through nsenter"
    )]
    #[test]
    fn with_cookies_off_past_the_syn_queue_is_dropped_and_sysctl_stays_in_the_lab() {
        common::require_root("entering the lab's namespace");
        let host = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_syncookies").unwrap();
        let mut lab = NetnsLab::start(
            "sysctl tcp_syncookies=0\nlisten backlog=4\nsyn L1 x8\nexpect L1 syn_recv=5\nshow",
        );
        let changed = lab.next("sysctl");
        assert_eq!(changed["name"], "net.ipv4.tcp_syncookies");
        assert_eq!(
            (changed["value"].as_str(), changed["was"].as_str()),
            (Some("0"), Some(host.trim()))
        );
        let snap = lab.next("snapshot");
        assert_eq!(snap["system"]["tcp_syncookies"], 0);
        let l1 = listener(&snap, "L1");
        assert_eq!(l1["syn_queue_past_limit"], "drop", "{l1}");
        let c = &snap["counters"];
        assert_eq!(
            [
                &c["TCPReqQFullDrop"],
                &c["ListenDrops"],
                &c["ListenOverflows"],
                &c["SyncookiesSent"]
            ],
            [3, 3, 0, 0],
            "{c}"
        );
        let counted = lab.nstat(&[
            "TcpExtTCPReqQFullDrop",
            "TcpExtListenDrops",
            "TcpExtListenOverflows",
            "TcpExtSyncookiesSent",
        ]);
        assert_eq!(counted, [3, 3, 0, 0], "nstat inside");
        assert_eq!(lab.sysctl("net.ipv4.tcp_syncookies"), "0");
        // The machine's own setting did not move.
        assert_eq!(
            std::fs::read_to_string("/proc/sys/net/ipv4/tcp_syncookies").unwrap(),
            host
        );
    }

    #[cfg_attr(
        not(ci),
        ignore = "needs root: reads the lab's own namespace through nsenter"
    )]
    #[test]
    fn with_cookies_off_tcp_max_syn_backlog_bounds_the_syn_queue_at_three_quarters() {
        common::require_root("entering the lab's namespace");
        let mut lab = NetnsLab::start(
            "sysctl tcp_syncookies=0\nsysctl tcp_max_syn_backlog=8\nlisten backlog=100\n\
             syn L1 x20\nexpect L1 syn_recv=7\nshow",
        );
        let snap = lab.next("snapshot");
        let l1 = listener(&snap, "L1");
        // 8 − 8/4 + 1: the last quarter is kept for peers proven alive.
        assert_eq!(l1["syn_queue_limit"], 7, "{l1}");
        let port = port_in(&l1["local"]);
        let entries = ss(
            Some(lab.pid()),
            &["-Htn", "state", "syn-recv", &format!("sport = :{port}")],
        );
        assert_eq!(entries.len(), 7, "ss inside: {entries:?}");
        // The 13 past them were dropped by tcp_max_syn_backlog's check, before
        // the queue was full: ListenDrops counts them, TCPReqQFullDrop does not.
        assert_eq!(snap["counters"]["ListenDrops"], 13);
        assert_eq!(snap["counters"]["TCPReqQFullDrop"], 0);
        assert_eq!(
            lab.nstat(&["TcpExtListenDrops", "TcpExtTCPReqQFullDrop"]),
            [13, 0],
            "nstat inside"
        );
        // The kernel view says so, and does not credit the queue-full counter.
        let notes = l1["notes"].to_string();
        assert!(
            notes.contains("SYNs dropped by that check, not by a full queue"),
            "{notes}"
        );
        assert!(!notes.contains("the SYN queue is full"), "{notes}");
    }

    #[cfg_attr(
        not(ci),
        ignore = "needs root: reads the lab's own namespace through nsenter"
    )]
    #[test]
    fn somaxconn_set_in_the_lab_caps_a_backlog_as_ss_shows() {
        common::require_root("entering the lab's namespace");
        let mut lab = NetnsLab::start("sysctl net.core.somaxconn=8\nlisten backlog=100\nshow");
        let changed = lab.next("sysctl");
        assert_eq!(changed["value"], "8");
        let snap = lab.next("snapshot");
        assert_eq!(snap["system"]["somaxconn"], 8);
        let l1 = listener(&snap, "L1");
        assert_eq!(
            (l1["backlog"].as_u64(), l1["accept_queue_max"].as_u64()),
            (Some(100), Some(8))
        );
        let port = port_in(&l1["local"]);
        let listening = ss(Some(lab.pid()), &["-Hltn", &format!("sport = :{port}")]);
        let fields: Vec<&str> = listening[0].split_whitespace().collect();
        assert_eq!(&fields[1..3], &["0", "8"], "ss inside: {listening:?}");
        assert_eq!(lab.sysctl("net.core.somaxconn"), "8");
    }

    /// two-queues: a silent client gets in when the defer time runs out
    /// because the listener resends its SYN-ACK then, and the client's
    /// bare ACK in reply is let in: the namespace's counters hold one
    /// dropped ACK before, and exactly one SYN-ACK resent by the time the
    /// client is in the accept queue.
    #[cfg_attr(
        not(ci),
        ignore = "needs root: reads the lab's own namespace through nsenter"
    )]
    #[test]
    fn a_silent_client_gets_in_by_answering_the_syn_ack_resent_at_the_defer_times_end() {
        common::require_root("entering the lab's namespace");
        let mut lab = NetnsLab::start(
            "listen defer_accept=1s\nconnect L1\nexpect L1 syn_recv=1\nshow L1\n\
             expect L1 accept_queue=1 within 10s\nshow L1\n",
        );
        let before = lab.next("snapshot");
        assert_eq!(listener(&before, "L1")["syn_recv"], 1, "{before}");
        let resent_before = lab.nstat(&["TcpExtTCPSynRetrans", "TcpExtTCPDeferAcceptDrop"]);
        let after = lab.next("snapshot");
        assert_eq!(listener(&after, "L1")["accept_queue"], 1, "{after}");
        let resent_after = lab.nstat(&["TcpExtTCPSynRetrans", "TcpExtTCPDeferAcceptDrop"]);
        // Before: the client's bare ACK dropped, nothing resent yet (the
        // defer time, 1 s, is one round of the SYN-ACK timer).
        assert_eq!(resent_before, vec![0, 1], "before it got in");
        // After: one SYN-ACK resent, and the ACK that answered it let in.
        assert_eq!(resent_after, vec![1, 1], "once it got in");
        lab.stop();
    }

    #[cfg_attr(
        not(ci),
        ignore = "needs root: drops CAP_NET_RAW alone, keeping CAP_SYS_ADMIN"
    )]
    #[test]
    fn without_cap_net_raw_syn_says_so_in_one_line_and_sends_nothing() {
        common::require_root("starting sockplay with every capability but CAP_NET_RAW");
        // Root without CAP_NET_RAW: setpriv drops it from the bounding set, so
        // sockplay starts without it (and keeps CAP_SYS_ADMIN for --netns).
        let out = Command::new("setpriv")
            .args(["--bounding-set=-net_raw", env!("CARGO_BIN_EXE_sockplay")])
            .args(["--netns", "run", "--json", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin
                    .take()
                    .unwrap()
                    .write_all(b"listen backlog=4\nsyn L1 x3\nexpect L1 syn_recv=0\n")?;
                c.wait_with_output()
            })
            .expect("setpriv (util-linux) is installed");
        let text = String::from_utf8_lossy(&out.stdout);
        let syn: Value = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|v| v["call"] == "syn")
            .unwrap_or_else(|| panic!("{text}"));
        assert_eq!(syn["errno"], "EPERM", "{syn}");
        assert!(
            syn["explain"]
                .as_str()
                .unwrap()
                .contains("needs CAP_NET_RAW"),
            "{syn}"
        );
        assert!(out.status.success(), "no entry was made: {text}");
    }
}
