//! UDP sockets on the real kernel: datagram boundaries, truncation, drops
//! when the receive buffer is full, no backlog, and ECONNREFUSED from an
//! ICMP port unreachable. The kernel view is checked against `ss -uam` and
//! the counters against `nstat`.

mod common;

use common::netns::{NetnsLab, port_in};
use common::{eventually, name};

use std::process::Command;

use sockplay::kernel::{TcpState, ViewRole};

/// One socket of `ss -Huam`: state, Recv-Q, Send-Q, and the skmem figures
/// rb (rcvbuf) and d (drops).
#[derive(Debug)]
struct SsUdp {
    state: String,
    recv_q: u64,
    send_q: u64,
    rb: u64,
    drops: u64,
}

fn skmem(line: &str, key: &str) -> Option<u64> {
    let inner = line.split("skmem:(").nth(1)?.split(')').next()?;
    inner.split(',').find_map(|kv| {
        let digits = kv.strip_prefix(key)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())?
    })
}

/// Parses `ss -Huam` output (each socket's line, then its skmem line).
fn parse_ss(text: &str) -> Vec<SsUdp> {
    let mut out: Vec<SsUdp> = Vec::new();
    for l in text.lines() {
        if l.contains("skmem:(") {
            if let Some(last) = out.last_mut() {
                last.rb = skmem(l, "rb").unwrap();
                last.drops = skmem(l, "d").unwrap();
            }
            continue;
        }
        let w: Vec<&str> = l.split_whitespace().collect();
        if w.len() >= 5 {
            out.push(SsUdp {
                state: w[0].into(),
                recv_q: w[1].parse().unwrap(),
                send_q: w[2].parse().unwrap(),
                rb: 0,
                drops: 0,
            });
        }
    }
    out
}

fn ss_udp(port: u16) -> Vec<SsUdp> {
    let out = Command::new("ss")
        .args(["-Huam", &format!("sport = :{port}")])
        .output()
        .expect("ss (iproute2) is installed");
    assert!(out.status.success(), "{out:?}");
    parse_ss(&String::from_utf8_lossy(&out.stdout))
}

#[test]
fn a_full_receive_buffer_drops_datagrams_as_ss_counts_them() {
    let script = "udp\nudp rcvbuf=4k\nsendto U1 U2 1000 x200\nexpect U1 bytes_sent=200000";
    let (run, ()) = common::live(script, |r| {
        eventually(r, |s| {
            let u2 = s.socket(name("U2")).unwrap();
            let port = u2.local.unwrap().port();
            let ss = ss_udp(port);
            let [line] = ss.as_slice() else {
                return Err(format!("ss -uam: {ss:?}"));
            };
            let ours = (
                u64::from(u2.recvq().unwrap()),
                u64::from(u2.sendq().unwrap()),
                u64::from(u2.rcvbuf().unwrap()),
                u64::from(u2.drops().unwrap()),
            );
            if ours != (line.recv_q, line.send_q, line.rb, line.drops) {
                return Err(format!("sockplay {ours:?}, ss {line:?}"));
            }
            if line.state != "UNCONN" || u2.state != TcpState::Unconnected {
                return Err(format!("state: ss {}, sockplay {}", line.state, u2.state));
            }
            // Some were dropped, and none of the drops is missing from the
            // system counter (which other programs may move too).
            if line.drops == 0 || s.counters.udp.rcvbuf_errors < line.drops {
                return Err(format!("drops {line:?}, counters {:?}", s.counters));
            }
            if u64::from(u2.drops().unwrap()) + u64::from(u2.recvq().unwrap() > 0) > 200 {
                return Err("more drops than datagrams".into());
            }
            Ok(())
        });
    });
    run.assert_ok();
    // The sender saw every sendto succeed.
    let sends = run.calls("U1", "sendto");
    assert_eq!(sends.len(), 200);
    assert!(sends.iter().all(|r| r.outcome.ret() == Some(1000)));
}

#[test]
fn datagrams_keep_their_boundaries_and_a_short_buffer_truncates() {
    let run = common::run(
        "udp\nudp\nsendto U1 U2 100\nsendto U1 U2 \"hello\"\nsendto U1 U2 \"world!\"\n\
         recvfrom U2 16\nrecvfrom U2 100\nrecv U2 3 peek\nrecvfrom U2 3\nexpect U2 recvq=0",
    );
    run.assert_ok();
    let got = run.calls("U2", "recvfrom");
    let cut = got[0];
    assert_eq!(cut.outcome.ret(), Some(16));
    let d = cut.datagram.as_ref().unwrap();
    assert!(d.truncated && d.len == 100, "{cut:?}");
    assert_eq!(d.peer_name, Some(name("U1")));
    let line = sockplay::script::transcript::result_line(cut);
    assert!(
        line.contains("recvfrom(16)       → 16       [truncated: the datagram had 100 bytes; the other 84 are gone]"),
        "{line}"
    );
    // The rest of the first datagram is gone: the next call gets the next one, whole.
    assert_eq!(got[1].outcome.ret(), Some(5));
    assert_eq!(got[1].data.as_ref().unwrap().escaped(), "hello");
    assert!(!got[1].partial, "a whole datagram is not partial");
    let peek = run.call("U2", "recv");
    let pd = peek.datagram.as_ref().unwrap();
    assert!(pd.truncated && pd.peek && pd.len == 6, "{peek:?}");
    assert!(sockplay::script::transcript::kind_text(peek).contains("stays queued"));
    assert_eq!(got[2].data.as_ref().unwrap().escaped(), "wor");
    // The JSON op adds the sender, truncated and the real length.
    let op = sockplay::script::json::op_record(cut);
    assert_eq!(op["truncated"], true);
    assert_eq!(op["datagram_len"], 100);
    assert_eq!(op["from_sock"], "U1");
    assert!(op["from"].as_str().unwrap().starts_with("127.0.0.1:"));
}

#[test]
fn listen_and_accept_on_udp_are_refused_by_the_kernel() {
    let run = common::run(
        "udp\nlisten U1 backlog=5\nexpect U1 errno=EOPNOTSUPP\naccept U1 all\nexpect U1 errno=EOPNOTSUPP",
    );
    run.assert_ok();
    let listen = run.call("U1", "listen");
    assert!(listen.explain.contains("backlog"), "{}", listen.explain);
    assert_eq!(
        run.calls("U1", "accept").len(),
        1,
        "accept all makes one call"
    );
}

#[test]
fn only_a_connected_socket_hears_of_a_closed_port() {
    let run = common::run(
        "udp\nudp\nudp\nclose U3\n\
         sendto U1 U3 \"a\"\nsleep 100ms\nsendto U1 U3 \"b\"\nexpect U1 errno=null\n\
         connect U2 U3\nsend U2 \"a\"\nsleep 100ms\nsend U2 \"b\"\nexpect U2 errno=ECONNREFUSED\n\
         send U2 \"c\"\nexpect U2 ret=1",
    );
    run.assert_ok();
    let refused = &run.calls("U2", "send")[1];
    assert!(
        refused.explain.contains("ICMP port unreachable"),
        "{refused:?}"
    );
}

#[test]
fn a_connected_socket_takes_datagrams_from_its_peer_alone() {
    let (run, ()) = common::live(
        "udp\nudp\nudp\nconnect U1 U2\nexpect U1 state=ESTABLISHED\nsendto U3 U1 \"stranger\"\nsendto U2 U1 \"peer\"\nrecv U1 100\nexpect U1 from=U2",
        |r| {
            eventually(r, |s| {
                let u1 = s.socket(name("U1")).unwrap();
                let port = u1.local.unwrap().port();
                let ss = ss_udp(port);
                match ss.as_slice() {
                    [l] if l.state == "ESTAB" && u1.peer == s.socket(name("U2")).unwrap().local => {
                        Ok(())
                    }
                    other => Err(format!("ss {other:?}, sockplay {u1:?}")),
                }
            });
        },
    );
    run.assert_ok();
    assert_eq!(
        run.call("U1", "recv").data.as_ref().unwrap().escaped(),
        "peer"
    );
}

#[test]
fn wrong_udp_commands_are_refused_and_change_nothing() {
    for (script, says) in [
        ("udp\nsendall U1 10", "byte-stream"),
        ("udp\nrecvall U1 10", "byte-stream"),
        ("listen\nsendto L1 127.0.0.1:9 10", "TCP socket"),
        ("udp\nlisten\nsendto U1 L1 10", "expected a UDP socket"),
        ("udp\nrecvfrom U1 0", "out of range"),
        ("udp\nsendto U1 U9 10", "no socket U9"),
        ("udp\nsendto U1 127.0.0.1:9 10 y3", "expected xN"),
        ("udp\nconnect U1", "needs a target"),
        ("udp nodelay=on", "no option 'nodelay'"),
    ] {
        let error = match sockplay::script::parse_script(script) {
            Err(e) => Some(e.to_string()),
            Ok(_) => common::run(script).records.iter().find_map(|r| match r {
                common::Rec::Error(_, m) => Some(m.clone()),
                _ => None,
            }),
        };
        let error = error.unwrap_or_else(|| panic!("{script}: accepted"));
        assert!(error.contains(says), "{script}: {error}");
        assert!(!error.contains('\n'), "one line: {error}");
    }
}

#[test]
fn an_empty_datagram_is_told_apart_from_a_wake_by_close() {
    let run = common::run(
        "udp\nudp\nsendto U1 U2 0\nrecvfrom U2 10\nexpect U2 ret=0\nexpect U2 datagram_len=0\n\
         recvfrom U2 10\nclose U2",
    );
    run.assert_ok();
    let got = run.calls("U2", "recvfrom");
    assert_eq!(got.len(), 2, "{got:#?}");
    // A datagram of no bytes: it came from U1.
    assert_eq!(got[0].kind, sockplay::lab::Kind::Complete);
    assert_eq!(
        got[0].datagram.as_ref().unwrap().peer_name,
        Some(name("U1"))
    );
    // The blocked call woken by close got no datagram, and says so.
    assert_eq!(got[1].outcome.ret(), Some(0));
    assert!(got[1].datagram.is_none(), "{:?}", got[1]);
    assert_eq!(got[1].kind, sockplay::lab::Kind::EndOfStream);
    assert!(got[1].explain.contains("no datagram"), "{}", got[1].explain);
}

mod needs_root {
    use super::*;

    #[cfg_attr(
        not(ci),
        ignore = "needs root: reads the lab's own namespace through nsenter"
    )]
    #[test]
    fn in_a_lab_of_its_own_the_udp_counters_are_nstats() {
        common::require_root("entering the lab's namespace");
        let mut lab = NetnsLab::start(
            "udp\nudp rcvbuf=4k\nudp\nclose U3\nsendto U1 U2 1000 x40\nsendto U1 U3 10 x3\n\
             sleep 300ms\nshow",
        );
        let snap = lab.next("snapshot");
        assert_eq!(snap["counters_scope"], "this-lab", "{snap}");
        let c = &snap["counters"];
        let u2 = snap["sockets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "U2")
            .unwrap();
        assert_eq!(u2["role"], ViewRole::Udp.word());
        let drops = u2["drops"].as_u64().unwrap();
        assert!(drops > 0, "{u2}");
        assert_eq!(c["UdpRcvbufErrors"].as_u64(), Some(drops), "{c}");
        assert_eq!(c["UdpNoPorts"].as_u64(), Some(3), "{c}");
        // A datagram dropped for want of room counts in UdpInErrors too,
        // the count of every datagram dropped on receipt (the udp lesson
        // says so beside both).
        assert_eq!(c["UdpInErrors"].as_u64(), Some(drops), "{c}");
        // Inside: the namespace is new, so its absolute counters are the lab's.
        let names = [
            "UdpRcvbufErrors",
            "UdpInErrors",
            "UdpNoPorts",
            "UdpSndbufErrors",
        ];
        for (name, counted) in names.iter().zip(lab.nstat(&names)) {
            assert_eq!(c[name].as_u64(), Some(counted), "{name} in {c}");
        }
        let port = port_in(&u2["local"]);
        let ss = parse_ss(&lab.inside(&["ss", "-Huam", &format!("sport = :{port}")]));
        assert_eq!(ss.len(), 1, "{ss:?}");
        assert_eq!(ss[0].drops, drops);
        assert_eq!(Some(ss[0].recv_q), u2["recvq"].as_u64());
        lab.stop();
    }
}

#[test]
fn a_view_of_udp_sockets_alone_leaves_tcp_s_counters_and_settings_out() {
    let dir = std::env::temp_dir().join(format!("sockplay-udp-view-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("view.sp");
    std::fs::write(
        &script,
        "udp\nudp\nlisten\nshow U2 counters\nshow L1\nshow\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", script.to_str().unwrap()])
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let views: Vec<&str> = text.split("kernel view at").skip(1).collect();
    assert_eq!(views.len(), 3, "{text}");
    // U2 alone: UDP's counters and what caps its buffers, nothing of TCP.
    assert!(
        views[0].contains("udp counters since start"),
        "{}",
        views[0]
    );
    assert!(views[0].contains("system: rmem_max"), "{}", views[0]);
    for tcp in ["ListenOverflows", "tcp_syn_retries", "somaxconn"] {
        assert!(!views[0].contains(tcp), "{tcp}: {}", views[0]);
    }
    // L1: TCP's, nothing of UDP.
    assert!(views[1].contains("ListenOverflows"), "{}", views[1]);
    assert!(views[1].contains("tcp_syn_retries"), "{}", views[1]);
    assert!(!views[1].contains("UdpRcvbufErrors"), "{}", views[1]);
    // Everything: both.
    assert!(views[2].contains("ListenOverflows"), "{}", views[2]);
    assert!(views[2].contains("UdpRcvbufErrors"), "{}", views[2]);
}
