//! The kernel view against independent readers of the kernel: `ss`, and
//! ioctls/getsockopt on the lab's own descriptors (found via /proc/self/fd).

mod common;

use std::time::{Duration, Instant};

use common::{eventually, fd_of_inode, ioctl_int, live, name, port_of, sockopt_int, ss};
use sockplay::kernel::{Snapshot, TcpState, ViewRole};
use sockplay::script::Runner;

const SIOCOUTQNSD: libc::c_ulong = 0x894B;

fn snap(r: &mut Runner<'_>) -> Snapshot {
    r.snapshot().expect("the kernel view can be read")
}

/// How `ss` writes a state.
fn ss_state(state: TcpState) -> String {
    match state {
        TcpState::Established => "ESTAB".into(),
        TcpState::SynReceived => "SYN-RECV".into(),
        other => other.name().into(),
    }
}

/// The `ss` line of a socket of the view: same local and peer address.
fn ss_line<'a>(
    lines: &'a [common::SsLine],
    v: &sockplay::kernel::SockView,
) -> Option<&'a common::SsLine> {
    let local = v.local?.to_string();
    lines.iter().find(|l| {
        l.local == local
            && match v.peer {
                Some(p) => l.peer == p.to_string(),
                None => l.peer.ends_with(":*"),
            }
    })
}

#[test]
fn backlog_two_six_clients_agrees_with_ss() {
    let (run, ()) = live(
        "listen backlog=2\nconnect L1 x6\nsleep 300ms\nexpect L1 accept_queue=3\nexpect C4 state=SYN-SENT",
        |r| {
            eventually(r, |s| {
                let l1 = s.socket(name("L1")).unwrap();
                let port = l1.local.unwrap().port();
                let listen = ss("-Hltn", port);
                let [line] = listen.as_slice() else {
                    return Err(format!("ss -ltn: {listen:?}"));
                };
                if (line.recv_q, line.send_q)
                    != (
                        u64::from(l1.accept_queue().unwrap()),
                        u64::from(l1.accept_queue_max().unwrap()),
                    )
                {
                    return Err(format!("L1 {l1:?} vs ss {line:?}"));
                }
                if (line.recv_q, line.send_q) != (3, 2) {
                    return Err(format!("expected a full queue: {line:?}"));
                }
                // Each client's state equals what ss -tan says of its local port.
                let all = ss("-Htan", port);
                let mut states = Vec::new();
                for i in 1..=6 {
                    let c = s.socket(name(&format!("C{i}"))).unwrap();
                    let theirs = ss_line(&all, c).map(|l| l.state.clone());
                    let ours = ss_state(c.state);
                    if theirs.as_deref() != Some(ours.as_str()) {
                        return Err(format!("C{i}: ours {} ss {theirs:?}", c.state));
                    }
                    states.push(c.state);
                }
                let est = states
                    .iter()
                    .filter(|s| **s == TcpState::Established)
                    .count();
                let sent = states.iter().filter(|s| **s == TcpState::SynSent).count();
                if (est, sent) != (3, 3) {
                    return Err(format!("states {states:?}"));
                }
                // Three connections wait in the queue, matched to C1..C3.
                let mut waiting: Vec<String> = s
                    .waiting(name("L1"))
                    .filter(|w| w.role == ViewRole::Queued)
                    .map(|w| w.pair.map(|p| p.to_string()).unwrap_or_default())
                    .collect();
                waiting.sort();
                if waiting != ["C1", "C2", "C3"] {
                    return Err(format!("waiting {waiting:?}"));
                }
                Ok(())
            });
            // Overflows counted (system-wide, so at least these three SYNs).
            let s = snap(r);
            assert!(s.counters.listen_overflows >= 3, "{:?}", s.counters);
            let l1 = s.socket(name("L1")).unwrap();
            assert!(
                l1.notes
                    .iter()
                    .any(|n| n.starts_with("holds 3 connections"))
            );
            let _ = port_of(&s, "L1");
        },
    );
    run.assert_ok();
}

#[test]
fn queues_of_a_stalled_sender_agree_with_ss_and_the_ioctls() {
    let script = "
        listen
        connect L1 timeout=0
        wait C1
        accept L1
        send C1 8m
        sleep 100ms
        send C1 8m
        sleep 100ms
        send C1 8m
        sleep 100ms
        send C1 8m
    ";
    let (run, accepted) = live(script, |r| {
        r.idle(Duration::from_millis(300));
        let inode = |r: &Runner<'_>, n: &str| r.lab().socket(name(n)).unwrap().inode;
        let fd_a1 = fd_of_inode(inode(r, "A1")).expect("A1's descriptor");
        let fd_c1 = fd_of_inode(inode(r, "C1")).expect("C1's descriptor");
        let mut accepted = 0;
        eventually(r, |s| {
            let (c1, a1) = (s.socket(name("C1")).unwrap(), s.socket(name("A1")).unwrap());
            let port = port_of(s, "L1");
            let lines = ss("-Htn", port);
            let by_local =
                |v: &sockplay::kernel::SockView| ss_line(&lines, v).cloned().ok_or("missing in ss");
            let (ss_c1, ss_a1) = (by_local(c1)?, by_local(a1)?);
            let ours = (
                u64::from(a1.recvq().unwrap()),
                u64::from(c1.sendq().unwrap()),
            );
            if ours != (ss_a1.recv_q, ss_c1.send_q) {
                return Err(format!("recvq/sendq {ours:?} vs ss {ss_a1:?} {ss_c1:?}"));
            }
            accepted = c1.bytes_sent().unwrap();
            if accepted != ours.0 + ours.1 {
                return Err(format!("sent {accepted} != recvq + sendq {ours:?}"));
            }
            // The same figures from the ioctls on the lab's own descriptors.
            let fionread = ioctl_int(fd_a1, libc::FIONREAD) as u64;
            let outq = ioctl_int(fd_c1, libc::TIOCOUTQ) as u64;
            let notsent = ioctl_int(fd_c1, SIOCOUTQNSD) as u64;
            if (fionread, outq, notsent) != (ours.0, ours.1, u64::from(c1.notsent().unwrap())) {
                return Err(format!(
                    "ioctls {fionread} {outq} {notsent} vs {ours:?} {c1:?}"
                ));
            }
            Ok(())
        });
        accepted
    });
    run.assert_ok();
    // With default buffers a receiver that never reads takes megabytes.
    assert!(accepted > 1 << 20, "{accepted}");
    let last = run.calls("C1", "send").last().unwrap().outcome.errno();
    assert_eq!(last.map(|e| e.name()).as_deref(), Some("EAGAIN"));
}

#[test]
fn buffer_sizes_asked_and_effective_agree_with_getsockopt_and_ss() {
    let (run, ()) = live(
        "listen rcvbuf=4k sndbuf=1k\nconnect L1 rcvbuf=100k sndbuf=64m\naccept L1",
        |r| {
            let s = snap(r);
            let system = s.system.clone();
            for n in ["L1", "C1", "A1"] {
                let v = s.socket(name(n)).unwrap();
                let fd = fd_of_inode(r.lab().socket(name(n)).unwrap().inode).unwrap();
                let rcv = sockopt_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF) as u32;
                let snd = sockopt_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUF) as u32;
                assert_eq!((v.rcvbuf(), v.sndbuf()), (Some(rcv), Some(snd)), "{n}");
                let port = v.local.unwrap().port();
                let args = if n == "L1" { "-Hltnm" } else { "-Htnm" };
                let lines = ss(args, port);
                let line = ss_line(&lines, v).unwrap();
                assert_eq!(
                    (line.rb, line.tb),
                    (Some(u64::from(rcv)), Some(u64::from(snd))),
                    "{n}"
                );
            }
            let l1 = s.socket(name("L1")).unwrap();
            assert_eq!((l1.rcvbuf_asked(), l1.rcvbuf()), (Some(4096), Some(8192)));
            // 1k doubled is 2048, under the floor: raised to the minimum.
            assert_eq!(l1.sndbuf_asked(), Some(1024));
            assert!(l1.sndbuf().unwrap() > 2048);
            assert!(
                l1.notes
                    .iter()
                    .any(|n| n.contains("raised to the kernel's minimum")),
                "{:?}",
                l1.notes
            );
            // A1 is a copy of L1: what was asked of L1 was asked of it.
            let a1 = s.socket(name("A1")).unwrap();
            assert_eq!(
                (
                    a1.rcvbuf_asked(),
                    a1.rcvbuf(),
                    a1.sndbuf_asked(),
                    a1.sndbuf()
                ),
                (Some(4096), Some(8192), Some(1024), l1.sndbuf())
            );
            let c1 = s.socket(name("C1")).unwrap();
            assert_eq!(c1.rcvbuf(), Some(204_800));
            // 64m is over wmem_max: capped at twice wmem_max.
            let wmem_max = system.wmem_max.unwrap();
            if wmem_max < 64 << 20 {
                assert_eq!(u64::from(c1.sndbuf().unwrap()), 2 * wmem_max);
                assert!(
                    c1.notes
                        .iter()
                        .any(|n| n.contains("capped at 2 × net.core.wmem_max")),
                    "{:?}",
                    c1.notes
                );
            }
        },
    );
    run.assert_ok();
}

#[test]
fn closed_sockets_keep_their_names_through_fin_wait_2_and_time_wait() {
    let (run, ()) = live(
        "listen\nconnect L1\naccept L1\nclose C1\nsleep 100ms",
        |r| {
            eventually(r, |s| {
                let c1 = s.socket(name("C1")).ok_or("C1 gone")?;
                let a1 = s.socket(name("A1")).unwrap();
                if (c1.state, c1.closed, a1.state)
                    != (TcpState::FinWait2, true, TcpState::CloseWait)
                {
                    return Err(format!("C1 {} A1 {}", c1.state, a1.state));
                }
                let lines = ss("-Htan", port_of(s, "L1"));
                let of =
                    |v: &sockplay::kernel::SockView| ss_line(&lines, v).map(|l| l.state.clone());
                if (of(c1).as_deref(), of(a1).as_deref())
                    != (Some("FIN-WAIT-2"), Some("CLOSE-WAIT"))
                {
                    return Err(format!("ss: {lines:?}"));
                }
                Ok(())
            });
            let line = sockplay::script::parse_line("close A1").unwrap().unwrap();
            assert!(r.run_line(&sockplay::script::Line {
                number: 99,
                text: "close A1".into(),
                statement: line
            }));
            eventually(r, |s| {
                let c1 = s.socket(name("C1")).ok_or("C1 gone")?;
                if c1.state != TcpState::TimeWait {
                    return Err(format!("C1 {}", c1.state));
                }
                if s.socket(name("A1")).is_some() {
                    return Err("A1 should be gone: the kernel let it go after LAST-ACK".into());
                }
                let lines = ss("-Htan", port_of(s, "L1"));
                let tw = ss_line(&lines, c1);
                if tw.map(|l| l.state.as_str()) != Some("TIME-WAIT") {
                    return Err(format!("ss: {lines:?}"));
                }
                Ok(())
            });
        },
    );
    run.assert_ok();
}

#[test]
fn show_prints_a_snapshot_and_expect_reads_it() {
    let run = common::run(
        "listen backlog=0\nconnect L1 x2\nsleep 200ms\nshow\nexpect L1 accept_queue=1\nexpect L1 accept_queue_max=0\nexpect C2 state=SYN_SENT\nexpect L1 backlog=0",
    );
    run.assert_ok();
    let snaps: Vec<_> = run
        .records
        .iter()
        .filter_map(|r| match r {
            common::Rec::Snapshot(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(snaps.len(), 1);
    let roles: Vec<&str> = snaps[0].sockets.iter().map(|s| s.role.word()).collect();
    assert_eq!(roles, ["listener", "queued", "client", "client"]);
}

/// `show A1 A3`: the two named and nothing else, each with the four parts
/// of its name as ss reads them (the listener's port, and its client's).
#[test]
fn show_of_several_sockets_shows_those_alone_with_their_ports() {
    let (run, (table, from_ss)) = live("listen\nconnect L1 x3\naccept L1 x3\nwait L1", |r| {
        let s = snap(r);
        let port = port_of(&s, "L1");
        let table = sockplay::script::show::table(&s, &[name("A1"), name("A3")]);
        (table, ss("-Htn", port))
    });
    run.assert_ok();
    // The socket lines (their details are indented), after the heading.
    let named: Vec<&str> = table
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(named, ["A1", "A3"], "{table}");
    for a in ["A1", "A3"] {
        let line = table.lines().find(|l| l.starts_with(a)).unwrap();
        // `A1    ESTABLISHED   127.0.0.1:PORT  → 127.0.0.1:PORT  ⇄ C1 …`
        let w: Vec<&str> = line.split_whitespace().collect();
        let (local, peer) = (w[2], w[4]);
        assert!(
            from_ss.iter().any(|l| l.local == local && l.peer == peer),
            "{a}: {local} → {peer} is not in ss: {from_ss:?}"
        );
    }
}

#[test]
fn the_sampler_sends_changed_snapshots_and_stops_at_once() {
    let (lab, _events) = sockplay::lab::Lab::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let sampler = sockplay::kernel::Sampler::spawn(
        lab.observer(),
        Duration::from_millis(20),
        sockplay::kernel::KernelReader::live(),
        move |s| tx.send(s).is_ok(),
    )
    .unwrap();
    let first = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("a first snapshot");
    assert!(first.sockets.is_empty());
    // Nothing in the lab changes: whatever more is sent differs from the
    // one before in what other programs move (the system-wide counters, the
    // settings), never an unchanged copy.
    let mut before = first.clone();
    for _ in 0..50 {
        let Ok(again) = rx.recv_timeout(Duration::from_millis(150)) else {
            break;
        };
        assert!(again.sockets.is_empty());
        assert!(
            again.counters != before.counters || again.system != before.system,
            "an unchanged snapshot was sent again"
        );
        before = again;
    }
    let cmd = sockplay::lab::Command::Listen {
        addr: None,
        backlog: 3,
        reuseaddr: None,
        opts: Default::default(),
        defer_accept: None,
        port_alone: false,
    };
    lab.execute(&cmd).unwrap();
    let next = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("a changed snapshot");
    assert_eq!(next.sockets.len(), 1);
    assert_eq!(next.sockets[0].accept_queue_max(), Some(3));
    let began = Instant::now();
    drop(sampler);
    // Dropping stops the thread at once; the bound leaves room for a
    // loaded machine.
    assert!(
        began.elapsed() < Duration::from_millis(1000),
        "{:?}",
        began.elapsed()
    );
}

/// The system settings in the view are the kernel's, read here from
/// `sysctl`'s files; the SYN retry settings are there on kernels that have
/// them, because they decide when a waiting client tries again.
#[test]
fn system_settings_equal_the_kernels() {
    let (_, s) = live("listen", snap);
    let read = |key: &str| -> Option<String> {
        std::fs::read_to_string(format!("/proc/sys/{}", key.replace('.', "/")))
            .ok()
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let one = |v: Option<u64>| v.map(|v| v.to_string());
    let three = |v: Option<[u64; 3]>| v.map(|v| format!("{} {} {}", v[0], v[1], v[2]));
    let sys = &s.system;
    for (key, ours) in [
        ("net.core.somaxconn", one(sys.somaxconn)),
        ("net.ipv4.tcp_max_syn_backlog", one(sys.tcp_max_syn_backlog)),
        ("net.ipv4.tcp_rmem", three(sys.tcp_rmem)),
        ("net.ipv4.tcp_wmem", three(sys.tcp_wmem)),
        ("net.core.rmem_max", one(sys.rmem_max)),
        ("net.core.wmem_max", one(sys.wmem_max)),
        ("net.ipv4.tcp_syncookies", one(sys.tcp_syncookies)),
        (
            "net.ipv4.tcp_abort_on_overflow",
            one(sys.tcp_abort_on_overflow),
        ),
        ("net.ipv4.tcp_syn_retries", one(sys.tcp_syn_retries)),
        (
            "net.ipv4.tcp_syn_linear_timeouts",
            one(sys.tcp_syn_linear_timeouts),
        ),
    ] {
        assert_eq!(ours, read(key), "{key}");
    }
    assert!(sys.somaxconn.is_some() && sys.tcp_syn_retries.is_some());
}

/// A setting as /proc/sys holds it (0 where this kernel has none).
fn proc_sys(key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/sys/{key}")).map_or(0, |v| v.trim().parse().unwrap_or(0))
}

/// A client whose SYNs a full queue drops says how often it has sent one:
/// its retransmissions equal what `ss -ti` reports, and the note names the
/// listener that drops them.
#[test]
fn a_client_in_syn_sent_counts_its_syns_as_ss_does() {
    let (run, ()) = live(
        "listen backlog=0\nconnect L1\nconnect L1\nsleep 1300ms",
        |r| {
            eventually(r, |s| {
                let c2 = s.socket(name("C2")).unwrap();
                let (local, peer) = (c2.local.unwrap(), c2.peer.unwrap());
                // Its whole address pair: another program's client may
                // have the same local port, connected elsewhere.
                let mut theirs = ss("-Htni", local.port());
                theirs.retain(|l| l.local == local.to_string() && l.peer == peer.to_string());
                let [line] = theirs.as_slice() else {
                    return Err(format!("ss -ti: {theirs:?}"));
                };
                let retrans = c2.tcp().map(|t| u64::from(t.retrans));
                if line.state != "SYN-SENT" || retrans != line.retrans || retrans < Some(1) {
                    return Err(format!("C2 retrans {retrans:?} vs ss {line:?}"));
                }
                // With how many it may send at most, from the settings
                // sysctl reads.
                let most = 1
                    + proc_sys("net/ipv4/tcp_syn_retries")
                    + proc_sys("net/ipv4/tcp_syn_linear_timeouts");
                let want = format!(
                    "SYN sent {} times (at most {most}); L1's full accept queue drops each one",
                    retrans.unwrap() + 1
                );
                if !c2.notes.iter().any(|n| n.starts_with(&want)) {
                    return Err(format!("C2 notes {:?}, want {want}", c2.notes));
                }
                Ok(())
            });
        },
    );
    run.assert_ok();
}

/// The congestion control each connection runs, as `ss -ti` and the
/// machine's default read it: one end switched to reno by setsockopt
/// (TCP_CONGESTION) on the lab's own descriptor, the other left as the
/// system's default.
#[test]
fn the_congestion_control_of_each_end_agrees_with_ss_and_the_default() {
    let default = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_congestion_control")
        .expect("the default congestion control")
        .trim()
        .to_string();
    let (run, ()) = live("listen\nconnect L1\naccept L1\n", |r| {
        r.idle(Duration::from_millis(100));
        let inode = r.lab().socket(name("C1")).unwrap().inode;
        let fd = fd_of_inode(inode).expect("C1's descriptor");
        let reno = b"reno";
        // SAFETY: a valid descriptor of this process, and a buffer of the
        // length given.
        let set = unsafe {
            libc::setsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_CONGESTION,
                reno.as_ptr().cast(),
                reno.len() as libc::socklen_t,
            )
        };
        assert_eq!(set, 0, "{}", std::io::Error::last_os_error());
        eventually(r, |s| {
            let cc = |n: &str| {
                s.socket(name(n))
                    .and_then(|v| v.tcp())
                    .and_then(|t| t.congestion)
                    .map(|c| c.to_string())
            };
            if (cc("C1").as_deref(), cc("A1").as_deref()) != (Some("reno"), Some(&*default)) {
                return Err(format!("C1 {:?}, A1 {:?}", cc("C1"), cc("A1")));
            }
            // ss names the algorithm first in each socket's details.
            let port = port_of(s, "L1");
            let out = std::process::Command::new("ss")
                .args(["-Htin", &format!("sport = :{port} or dport = :{port}")])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let c1 = s.socket(name("C1")).unwrap().local.unwrap().to_string();
            let mut lines = text.lines();
            while let Some(l) = lines.next() {
                let details = lines.next().unwrap_or_default();
                let first = details.split_whitespace().next().unwrap_or_default();
                let want = if l.contains(&format!(" {c1} ")) {
                    "reno"
                } else {
                    &default
                };
                if first != want {
                    return Err(format!("ss: {l} / {details}: want {want}"));
                }
            }
            Ok(())
        });
    });
    run.assert_ok();
}
