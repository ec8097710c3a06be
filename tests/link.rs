//! The lab's own link on the real kernel: its delay, rate, loss and cable
//! as TCP meets them, each figure checked against a reader that is not
//! sockplay (python3's clock and sockets, `ss` and `nstat` inside the
//! link's namespaces through `nsenter`) where one can read it.
//!
//! The client side's namespace is reached through the link's own thread,
//! which lives there (`/proc/PID/task/TID/ns/net`).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::link::{LinkLab, client_ns, least, port_of, ss_rtts_ms, within};
use common::netns::{exited_within, socket};
use common::pty::Pty;

/// A thread or a descriptor of any process that holds the network
/// namespace `inode`, if one does.
fn no_namespace_holds(inode: &str) -> Option<String> {
    let want = format!("net:[{inode}]");
    for proc_entry in std::fs::read_dir("/proc").unwrap().filter_map(Result::ok) {
        let pid = proc_entry.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let tasks = std::fs::read_dir(format!("/proc/{pid}/task"));
        for t in tasks.into_iter().flatten().filter_map(Result::ok) {
            let p = t.path().join("ns/net");
            if std::fs::read_link(&p).is_ok_and(|l| l.to_string_lossy() == want) {
                return Some(p.display().to_string());
            }
        }
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd"));
        for f in fds.into_iter().flatten().filter_map(Result::ok) {
            if std::fs::read_link(f.path()).is_ok_and(|l| l.to_string_lossy() == want) {
                return Some(f.path().display().to_string());
            }
        }
    }
    None
}

fn client_ns_inode(pid: u32) -> String {
    let link = std::fs::read_link(client_ns(pid)).unwrap();
    let text = link.to_string_lossy().into_owned();
    text.trim_start_matches("net:[")
        .trim_end_matches(']')
        .to_string()
}

#[test]
fn the_link_works_unprivileged_in_a_user_namespace() {
    // As root (CI), the run drops to nobody; elsewhere it is already
    // unprivileged. Either way sockplay makes a user namespace of its own,
    // and where /dev/net/tun is root's alone (mode 0600, as here) the link
    // goes over veth pairs instead of TUN devices.
    let prefix: &[&str] = if rustix::process::geteuid().is_root() {
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ]
    } else {
        &[]
    };
    // The four figures of the tests above, one after another on one link.
    let script = "listen\nconnect L1\naccept L1\nconnect L1\naccept L1\nconnect L1\naccept L1\n\
        connect L1\naccept L1\nconnect L1\naccept L1\nwait L1\nsleep 300ms\nshow\n\
        link delay=0 rate=2mbit\nsendall C1 256k\nrecvall A1 256k\nwait A1 10s\n\
        link rate=off loss=10%\nsendall C1 512k\nrecvall A1 512k\nwait A1 60s\nshow\n\
        link loss=0% delay=10ms\nlink down\nsend C1 100\nsleep 1500ms\nexpect A1 recvq=0\n\
        link up\nexpect A1 recvq=100 within 10s";
    let mut lab = LinkLab::start_as(prefix, "delay=50ms", script);
    // The least of five connects and of their round-trip times, as in the
    // test above (see `least`).
    let clients = ["C1", "C2", "C3", "C4", "C5"];
    let took: Vec<f64> = clients
        .iter()
        .map(|c| lab.op(c, "connect")["elapsed_ms"].as_f64().unwrap())
        .collect();
    assert!(
        within(least(&took), 100.0, 0.15),
        "connects took {took:?} ms"
    );
    let snap = lab.snapshot();
    let rtts: Vec<f64> = clients
        .iter()
        .map(|c| socket(&snap, c)["tcp"]["rtt_us"].as_f64().unwrap() / 1000.0)
        .collect();
    assert!(within(least(&rtts), 100.0, 0.15), "rtts {rtts:?} ms");
    // Its threads run as nobody, or as the unprivileged user it started as.
    let status = std::fs::read_to_string(format!("/proc/{}/status", lab.pid())).unwrap();
    let uid = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .unwrap()
        .to_string();
    assert!(!uid.split_whitespace().skip(1).any(|u| u == "0"), "{uid}");
    let send = lab.op("C1", "sendall");
    let recv = lab.op("A1", "recvall");
    let start = send["t"].as_f64().unwrap() - send["elapsed_ms"].as_f64().unwrap() / 1000.0;
    let took = recv["t"].as_f64().unwrap() - start;
    assert!(
        (262_144.0 * 8.0 / 2e6..1.6).contains(&took),
        "256k at 2mbit took {took} s"
    );
    let recv = lab.op("A1", "recvall");
    assert_eq!(recv["ret"], 524_288, "{recv}");
    let snap = lab.snapshot();
    let link = &snap["link"];
    let lost = link["to_server"]["dropped_loss"].as_u64().unwrap()
        + link["to_client"]["dropped_loss"].as_u64().unwrap();
    assert!(lost > 0, "{link}");
    // `until` fails on a failed expect: recvq 0 while down, 100 after up.
    let up = lab.until("A1 recvq=100", |v| {
        v["type"] == "expect" && v["field"] == "recvq" && v["want"] == "100"
    });
    assert_eq!(up["ok"], true, "{up}");
    lab.stop();
}

#[test]
fn bad_link_values_are_one_line_and_nothing_runs() {
    let bin = env!("CARGO_BIN_EXE_sockplay");
    for (spec, says) in [
        ("delay=50", "bad duration '50'"),
        ("rate=2mb", "bad rate '2mb'"),
        ("loss=120%", "bad loss '120%'"),
        ("queue=10", "out of range"),
        ("colour=red", "unknown link setting 'colour'"),
        ("down", "give its settings"),
    ] {
        let out = Command::new(bin)
            .args(["--link", spec, "run", "-"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{spec}: {err}");
        assert_eq!(err.lines().count(), 1, "{spec}: {err}");
        assert!(err.contains(says), "{spec}: {err}");
        assert!(out.stdout.is_empty(), "{spec}");
    }
    // In a script: the line is refused where it stands, before anything runs.
    let out = Command::new(bin)
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .unwrap()
                .write_all(b"listen\nlink delay=5\n")?;
            c.wait_with_output()
        })
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("line 2") && err.contains("bad duration"),
        "{err}"
    );
}

#[test]
fn the_listen_key_offers_the_server_side_of_the_link() {
    // Without root the link makes a user namespace of its own, so this
    // runs either way. A listener on the loopback would never see the link.
    let mut pty = Pty::spawn(&["--link", "delay=20ms"], 100, 30);
    pty.wait_for("link 20ms/way");
    pty.keys(b"n");
    pty.wait_for("198.51.100.2:0");
    pty.keys(b"\r");
    pty.wait_for("L1 198.51.100.2:");
    pty.command("connect L1");
    // The client is on the link's other side: it crossed the link.
    pty.wait_for("C1 connected: 198.51.100.1:");
    pty.keys(b"q");
    assert!(pty.exited_within(Duration::from_secs(5)), "{}", pty.text());
}

mod needs_root {
    use super::*;

    #[cfg_attr(
        not(ci),
        ignore = "needs root: reads the link's namespaces through nsenter"
    )]
    #[test]
    fn with_50ms_each_way_connect_and_rtt_take_100ms() {
        common::require_root("entering the link's namespaces");
        let mut lab = LinkLab::start(
            "delay=50ms",
            "listen\nconnect L1\naccept L1\nconnect L1\naccept L1\nconnect L1\naccept L1\nconnect L1\naccept L1\nconnect L1\naccept L1\nsleep 300ms\nshow",
        );
        // Five connects, each accepted, so that python3's connects below find
        // room in the accept queue; the least of them (see `least`) takes the
        // two crossings' 100 ms.
        let took: Vec<f64> = ["C1", "C2", "C3", "C4", "C5"]
            .iter()
            .map(|c| lab.op(c, "connect")["elapsed_ms"].as_f64().unwrap())
            .collect();
        assert!(
            within(least(&took), 100.0, 0.15),
            "connects took {took:?} ms"
        );
        let snap = lab.snapshot();
        // Their round-trip times likewise.
        let rtts: Vec<f64> = ["C1", "C2", "C3", "C4", "C5"]
            .iter()
            .map(|c| socket(&snap, c)["tcp"]["rtt_us"].as_f64().unwrap() / 1000.0)
            .collect();
        assert!(within(least(&rtts), 100.0, 0.15), "rtts {rtts:?} ms");
        let c1 = socket(&snap, "C1");
        assert_eq!(
            c1["local"].as_str().unwrap().split(':').next(),
            Some("198.51.100.1")
        );
        assert_eq!(snap["link"]["delay_ms"], 50.0, "{snap}");
        let port = port_of(&socket(&snap, "L1")["local"]);
        // ss on the client side reads the same connections' rtts.
        let ss = lab.client_side(&["ss", "-Hti", &format!("dport = :{port}")]);
        assert!(within(least(&ss_rtts_ms(&ss)), 100.0, 0.15), "ss: {ss}");
        // python3 on the client side times connects of its own across the
        // link; the least of five.
        let py = format!(
            "import socket,time\nts=[]\nfor _ in range(5):\n  t=time.monotonic()\n  s=socket.create_connection(('198.51.100.2',{port}))\n  ts.append((time.monotonic()-t)*1000)\n  s.close()\nprint(min(ts))"
        );
        let took: f64 = lab
            .client_side(&["python3", "-c", &py])
            .trim()
            .parse()
            .unwrap();
        assert!(
            within(took, 100.0, 0.15),
            "python3's connect took {took} ms"
        );
        lab.stop();
    }

    #[cfg_attr(
        not(ci),
        ignore = "needs root: reads the link's namespaces through nsenter"
    )]
    #[test]
    fn at_2mbit_256k_take_about_a_second_and_never_less_than_the_rate_allows() {
        common::require_root("entering the link's namespaces");
        let mut lab = LinkLab::start(
            "rate=2mbit",
            "listen\nconnect L1\naccept L1\nwait L1\nsendall C1 256k\nrecvall A1 256k\nwait A1 10s\nshow",
        );
        lab.op("L1", "accept");
        let began = Instant::now();
        let send = lab.op("C1", "sendall");
        let recv = lab.op("A1", "recvall");
        let seen = began.elapsed().as_secs_f64();
        assert_eq!(recv["ret"], 262_144, "{recv}");
        // 262,144 bytes of payload alone are 1.049 s at 2 Mbit/s; the headers
        // add more. From sendall's start to recvall's end:
        let floor = 262_144.0 * 8.0 / 2e6;
        let start = send["t"].as_f64().unwrap() - send["elapsed_ms"].as_f64().unwrap() / 1000.0;
        let took = recv["t"].as_f64().unwrap() - start;
        assert!((floor..1.6).contains(&took), "the transfer took {took} s");
        assert!((floor - 0.05..1.7).contains(&seen), "the test saw {seen} s");
        let snap = lab.snapshot();
        let way = &snap["link"]["to_server"];
        assert!(way["delivered_bytes"].as_u64().unwrap() > 262_144, "{snap}");
        // The server side's kernel counted the same bytes in.
        let port = port_of(&socket(&snap, "L1")["local"]);
        let ss = lab.server_side(&["ss", "-Hti", &format!("sport = :{port}")]);
        assert!(ss.contains("bytes_received:262144"), "ss: {ss}");
        lab.stop();
    }

    #[cfg_attr(
        not(ci),
        ignore = "needs root: reads the link's namespaces through nsenter"
    )]
    #[test]
    fn at_10_percent_loss_512k_arrive_whole_and_the_link_counts_its_drops() {
        common::require_root("entering the link's namespaces");
        let mut lab = LinkLab::start(
            "loss=10%",
            "listen\nconnect L1\naccept L1\nwait L1 30s\nsendall C1 512k\nrecvall A1 512k\nwait A1 60s\nshow",
        );
        let recv = lab.op("A1", "recvall");
        assert_eq!(recv["ret"], 524_288, "{recv}");
        let snap = lab.snapshot();
        let link = &snap["link"];
        let dropped = link["to_server"]["dropped_loss"].as_u64().unwrap()
            + link["to_client"]["dropped_loss"].as_u64().unwrap();
        assert!(dropped > 0, "{link}");
        assert_eq!(socket(&snap, "A1")["bytes_received"], 524_288, "{snap}");
        // The client side's kernel sent again what the link lost.
        let nstat = lab.client_side(&["nstat", "-asz", "TcpRetransSegs"]);
        let retrans: u64 = nstat
            .lines()
            .find(|l| l.starts_with("TcpRetransSegs"))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or_else(|| panic!("{nstat}"))
            .parse()
            .unwrap();
        assert!(retrans > 0, "nstat on the client side: {nstat}");
        lab.stop();
    }

    #[cfg_attr(
        not(ci),
        ignore = "needs root: reads the link's namespaces through nsenter"
    )]
    #[test]
    fn after_link_down_data_arrives_only_after_link_up() {
        common::require_root("entering the link's namespaces");
        let mut lab = LinkLab::start(
            "delay=10ms",
            "listen\nconnect L1\naccept L1\nlink down\nsend C1 100\nsleep 1500ms\nshow\nlink up\nexpect A1 recvq=100 within 10s\nshow",
        );
        let down = lab.snapshot();
        let port = port_of(&socket(&down, "L1")["local"]);
        assert_eq!(socket(&down, "A1")["recvq"], 0, "{down}");
        assert_eq!(down["link"]["up"], false, "{down}");
        assert!(
            down["link"]["to_server"]["dropped_down"].as_u64().unwrap() >= 1,
            "{down}"
        );
        let up = lab.snapshot();
        assert_eq!(socket(&up, "A1")["recvq"], 100, "{up}");
        // ss on the server side: the 100 bytes wait in A1's receive queue.
        let ss = lab.server_side(&[
            "ss",
            "-Htn",
            "state",
            "established",
            &format!("sport = :{port}"),
        ]);
        assert_eq!(ss.split_whitespace().next(), Some("100"), "ss: {ss}");
        lab.stop();
    }

    #[cfg_attr(
        not(ci),
        ignore = "needs root: writes a packet into the link's device through nsenter"
    )]
    #[test]
    fn a_malformed_packet_on_the_device_is_counted_and_dropped() {
        common::require_root("entering the link's namespaces");
        let mut lab = LinkLab::start(
            "delay=1ms",
            "listen\nconnect L1\naccept L1\nexpect C1 link_malformed=2 within 10s\nshow",
        );
        lab.op("L1", "accept");
        // A packet socket on the client side's device hands its bytes to the
        // link as they are: a cut IPv4 header, then a packet that is not IP.
        let py = "import socket\ns=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\ns.bind(('splink0',0))\ns.send(b'\\x45\\x00\\x00')\ns.send(b'\\x00'*40)";
        lab.client_side(&["python3", "-c", py]);
        let snap = lab.snapshot();
        assert_eq!(snap["link"]["malformed"], 2, "{snap}");
        assert_eq!(snap["link"]["to_server"]["dropped_loss"], 0, "{snap}");
        lab.stop();
    }

    #[cfg_attr(not(ci), ignore = "needs root: reads every process's namespaces")]
    #[test]
    fn sigterm_and_sigint_with_a_dead_or_pulled_link_leave_nothing_behind() {
        common::require_root("reading every process's namespaces");
        for (signal, spec, extra) in [
            (libc::SIGTERM, "loss=100%", ""),
            (
                libc::SIGINT,
                "delay=20ms",
                "accept L1\nlink down\nsendall C1 4m\n",
            ),
        ] {
            let script = format!("listen\nconnect L1\n{extra}sleep 200ms\nshow");
            let mut lab = LinkLab::start(spec, &script);
            lab.snapshot();
            let inode = client_ns_inode(lab.pid());
            assert!(
                no_namespace_holds(&inode).is_some(),
                "the link's namespace is there while it runs"
            );
            // SAFETY: kill on the child this test started, by its pid.
            unsafe { libc::kill(lab.pid() as i32, signal) };
            assert!(
                exited_within(&mut lab.run.child, Duration::from_secs(5)),
                "signal {signal} with {spec}: sockplay did not end"
            );
            assert_eq!(
                no_namespace_holds(&inode),
                None,
                "signal {signal}: the namespace is left"
            );
        }
    }

    #[cfg_attr(not(ci), ignore = "needs root: reads every process's namespaces")]
    #[test]
    fn ctrl_c_in_the_lab_on_a_pulled_link_ends_it_and_its_link() {
        common::require_root("reading every process's namespaces");
        let mut pty = Pty::spawn(&["--link", "delay=20ms"], 100, 30);
        pty.wait_for("sockplay");
        for line in [
            "listen",
            "connect L1",
            "accept L1",
            "link down",
            "sendall C1 4m",
        ] {
            pty.command(line);
        }
        pty.wait_for("link down");
        let pid = pty.pid();
        let inode = client_ns_inode(pid);
        pty.keys(b"\x03");
        assert!(pty.exited_within(Duration::from_secs(5)), "{}", pty.text());
        assert_eq!(no_namespace_holds(&inode), None, "the namespace is left");
    }

    #[cfg_attr(not(ci), ignore = "needs root: reads every process's namespaces")]
    #[test]
    fn a_panic_in_the_link_thread_ends_the_process_and_leaves_nothing_behind() {
        common::require_root("reading every process's namespaces");
        // In a script: the link's thread panics once the first SYN is on the
        // link (a test build's hook), while the namespace is read.
        let mut lab = LinkLab::start_env(
            &[("SOCKPLAY_TEST_PANIC", "link")],
            "delay=200ms",
            "listen\nsleep 1s\nconnect L1\nsleep 5s",
        );
        lab.op("L1", "listen");
        let inode = client_ns_inode(lab.pid());
        assert!(no_namespace_holds(&inode).is_some(), "the link is there");
        assert!(
            exited_within(&mut lab.run.child, Duration::from_secs(10)),
            "sockplay went on without its link"
        );
        assert_eq!(lab.run.child.wait().unwrap().code(), Some(101));
        assert_eq!(no_namespace_holds(&inode), None, "the namespace is left");
        // In the lab's screen: the terminal is given back with the message.
        let mut pty = Pty::spawn_with(
            &["--link", "delay=200ms"],
            100,
            30,
            &[("SOCKPLAY_TEST_PANIC", "link")],
        );
        pty.wait_for("sockplay");
        let inode = client_ns_inode(pty.pid());
        pty.command("listen");
        // The SYN ends it: the screen never comes back to take more keys.
        pty.keys(b":connect L1\r");
        let status = pty.wait_exit();
        assert_eq!(status.code(), Some(101), "{status:?}");
        let raw = String::from_utf8_lossy(&pty.raw.lock().unwrap()).into_owned();
        let left = raw.rfind("\x1b[?1049l").expect("left the alternate screen");
        assert!(raw[left..].contains("a test panic in the link's thread"));
        assert_eq!(no_namespace_holds(&inode), None, "the namespace is left");
    }
}
