//! What `close` and `shutdown` say they sent is what went on the wire: told
//! from the socket's state at the call, and checked against tcpdump on the
//! same port. Needs CAP_NET_RAW (root, as in CI).

mod common;

use std::time::Duration;

use common::tcpdump::{self, Tcpdump};

/// The client port a connect's sentence names (`C1 connected: 127.0.0.1:P → …`).
fn client_port(run: &common::Run, sock: &str) -> u16 {
    let e = &run.call(sock, "connect").explain;
    let from = e.split("connected: ").nth(1).expect(e);
    let addr = from.split_whitespace().next().unwrap();
    addr.rsplit(':').next().unwrap().parse().expect(e)
}

/// tcpdump's segments sent from client port `p` to the server, by flags,
/// each once: a segment sent again (a lost one's retransmission, or the ACK
/// a TIME-WAIT gives a FIN sent again when its first ACK was lost) has the
/// same flags, sequence and acknowledgment numbers. A loaded machine's
/// loopback drops packets when its queue is full, and tcpdump sees them
/// before the drop; what close() adds is a new segment all the same.
fn flags_from(lines: &[String], p: u16, server: u16) -> Vec<String> {
    let from = format!("127.0.0.1.{p} > 127.0.0.1.{server}:");
    let mut seen: Vec<&str> = Vec::new();
    lines
        .iter()
        .filter(|l| l.contains(&from))
        .filter_map(|l| l.split("Flags [").nth(1))
        .filter(|rest| {
            // "S], seq 1" or ".], ack 2": up to the window, which may move.
            let segment = rest.split(", win").next().unwrap_or(rest);
            let new = !seen.contains(&segment);
            seen.push(segment);
            new
        })
        .map(|f| f.split(']').next().unwrap_or("").to_string())
        .collect()
}

/// SO_LINGER 0 says what its reset threw away: the bytes the peer had not
/// acknowledged (ss's Send-Q), or nothing when nothing was queued.
#[test]
fn a_reset_says_what_it_threw_away() {
    // C1's peer does not read and its buffer is small: C1's send queue
    // keeps what the window could not take. A2 has sent nothing.
    let run = common::run(
        "listen rcvbuf=4k\n\
         connect L1\n\
         accept L1\n\
         set C1 timeout=0\n\
         send C1 200000\n\
         sleep 200ms\n\
         expect C1 sendq=1..200000\n\
         close C1 rst\n\
         connect L1\n\
         accept L1\n\
         close A2 rst\n",
    );
    run.assert_ok();
    let full = &run.call("C1", "close").explain;
    assert!(
        full.contains("bytes not yet acknowledged were thrown away"),
        "{full}"
    );
    let empty = &run.call("A2", "close").explain;
    assert!(
        empty.contains("nothing was waiting to be sent or acknowledged"),
        "{empty}"
    );
    assert!(!empty.contains("thrown away"), "{empty}");
}

mod needs_root {
    use super::*;

    #[cfg_attr(not(ci), ignore = "needs root: tcpdump captures packets (CAP_NET_RAW)")]
    #[test]
    fn close_says_what_it_sent_from_the_state_at_the_call() {
        common::require_root("tcpdump's capture");
        let dir = std::env::temp_dir().join(format!("sockplay-close-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("close.pcap");
        let port = common::free_port();
        let dump = Tcpdump::start(port, &file);
        // C1: closed after its connection ended (TIME-WAIT). C2: closed while
        // established. C3: closed with bytes it never read. C4: closed after
        // a shutdown(write), its FIN already out.
        let run = common::run(&format!(
            "listen 127.0.0.1:{port}\n\
             connect L1\n\
             accept L1\n\
             shutdown C1 write\n\
             close A1\n\
             expect C1 state=TIME-WAIT\n\
             sleep 200ms\n\
             close C1\n\
             sleep 200ms\n\
             connect L1\n\
             accept L1\n\
             close C2\n\
             expect C2 state=FIN-WAIT-2\n\
             connect L1\n\
             accept L1\n\
             send A3 \"unread\"\n\
             expect C3 recvq=6\n\
             close C3\n\
             connect L1\n\
             accept L1\n\
             shutdown C4 write\n\
             expect C4 state=FIN-WAIT-2\n\
             sleep 200ms\n\
             close C4\n\
             sleep 200ms\n"
        ));
        run.assert_ok();
        // The last segments reach the capture file a moment after the run.
        std::thread::sleep(Duration::from_millis(300));
        dump.stop();
        let lines = tcpdump::read(&file, &[]);
        let _ = std::fs::remove_dir_all(&dir);

        let told = |s: &str| run.call(s, "close").explain.clone();
        let sent = |s: &str| flags_from(&lines, client_port(&run, s), port);

        // C1: the handshake's SYN and ACK, its FIN from shutdown, the ACK of
        // A1's FIN, and nothing from close().
        assert!(told("C1").starts_with("nothing sent"), "{}", told("C1"));
        assert!(told("C1").contains("TIME-WAIT"), "{}", told("C1"));
        let c1 = sent("C1");
        assert_eq!(
            c1.iter().filter(|f| f.contains('F')).count(),
            1,
            "one FIN from C1, the shutdown's: {c1:?}\n{lines:#?}"
        );
        assert!(!c1.iter().any(|f| f.contains('R')), "{c1:?}");
        assert_eq!(
            c1.len(),
            4,
            "SYN, ACK, FIN, ACK and no more: {c1:?}\n{lines:#?}"
        );

        assert!(told("C2").starts_with("FIN sent"), "{}", told("C2"));
        let c2 = sent("C2");
        assert!(c2.iter().any(|f| f.contains('F')), "{c2:?}");

        assert!(told("C3").contains("reset (RST)"), "{}", told("C3"));
        let c3 = sent("C3");
        assert!(c3.iter().any(|f| f.contains('R')), "{c3:?}");
        assert!(!c3.iter().any(|f| f.contains('F')), "{c3:?}");

        assert!(told("C4").starts_with("no new segment"), "{}", told("C4"));
        let c4 = sent("C4");
        assert_eq!(
            c4.iter().filter(|f| f.contains('F')).count(),
            1,
            "one FIN from C4, the shutdown's: {c4:?}"
        );
        assert!(!c4.iter().any(|f| f.contains('R')), "{c4:?}");
    }

    /// Closing a client whose connect waits in SYN-SENT ends that connect
    /// with ECONNRESET, and no reset came from anywhere: tcpdump sees the
    /// client's SYNs and no RST at all. The sentence says this side did it.
    #[cfg_attr(not(ci), ignore = "needs root: tcpdump captures packets (CAP_NET_RAW)")]
    #[test]
    fn closing_a_syn_sent_client_is_no_reset_from_the_peer() {
        common::require_root("tcpdump's capture");
        let dir = std::env::temp_dir().join(format!("sockplay-synclose-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("synclose.pcap");
        let port = common::free_port();
        let dump = Tcpdump::start(port, &file);
        // Backlog 0 holds one connection: C2's SYNs are dropped unanswered.
        let run = common::run(&format!(
            "listen 127.0.0.1:{port} backlog=0\n\
             connect L1 x2\n\
             expect C2 state=SYN_SENT within 5s\n\
             sleep 1500ms\n\
             close C2\n\
             sleep 300ms\n"
        ));
        run.assert_ok();
        std::thread::sleep(Duration::from_millis(300));
        dump.stop();
        let lines = tcpdump::read(&file, &[]);
        let _ = std::fs::remove_dir_all(&dir);

        let connect = &run.calls("C2", "connect")[0];
        assert_eq!(
            common::errno(connect).as_deref(),
            Some("ECONNRESET"),
            "{connect:?}"
        );
        assert!(
            connect.explain.starts_with("no reset came from a peer")
                && connect.explain.contains("close() on this side"),
            "{}",
            connect.explain
        );
        assert!(
            !connect.explain.contains("the peer reset"),
            "{}",
            connect.explain
        );
        // C2's SYNs went out (the first and at least one resent), and no
        // segment to or from C2's port carries a reset. (The lab's end
        // resets C1, still in the closed listener's queue.)
        let c1 = client_port(&run, "C1");
        let syn = format!("> 127.0.0.1.{port}: Flags [S]");
        let ports: Vec<u16> = lines
            .iter()
            .filter(|l| l.contains(&syn))
            .filter_map(|l| l.split(" > ").next()?.rsplit('.').next()?.parse().ok())
            .filter(|p| *p != c1)
            .collect();
        assert!(ports.len() >= 2, "C2's SYN, sent again: {lines:#?}");
        let c2 = ports[0];
        assert!(ports.iter().all(|p| *p == c2), "{lines:#?}");
        let on_c2 = |l: &&String| {
            l.contains(&format!("127.0.0.1.{c2} >")) || l.contains(&format!("> 127.0.0.1.{c2}:"))
        };
        assert!(
            !lines.iter().filter(on_c2).any(|l| l.contains("Flags [R")),
            "no RST to or from C2: {lines:#?}"
        );
    }

    /// A shutdown while connect waits in SYN-SENT drops the handshake, and
    /// nothing after it is a reset: tcpdump sees the clients' SYNs and no
    /// RST on their ports. C2's blocked connect gets ECONNRESET; a second
    /// shutdown, for reading, then makes recv return 0. C3's connect did
    /// not wait (timeout=0), so its recv is the call that gets ECONNRESET;
    /// C3 is shut down for reading only, which drops the handshake too.
    /// The results, the kernel view's note and its JSON say this side did
    /// it.
    #[cfg_attr(not(ci), ignore = "needs root: tcpdump captures packets (CAP_NET_RAW)")]
    #[test]
    fn a_shutdown_in_syn_sent_is_no_reset_later_either() {
        common::require_root("tcpdump's capture");
        let dir = std::env::temp_dir().join(format!("sockplay-synshut-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("synshut.pcap");
        let port = common::free_port();
        let dump = Tcpdump::start(port, &file);
        // Backlog 0 holds one connection: C2's and C3's SYNs go unanswered.
        let (run, c2) = common::live(
            &format!(
                "listen 127.0.0.1:{port} backlog=0\n\
                 connect L1 x2\n\
                 connect L1 timeout=0\n\
                 expect C2 state=SYN_SENT within 5s\n\
                 expect C3 state=SYN_SENT\n\
                 sleep 1500ms\n\
                 shutdown C2 write\n\
                 shutdown C3 read\n\
                 sleep 300ms\n\
                 shutdown C2 read\n\
                 recv C2 10\n\
                 recv C3 10\n\
                 sleep 200ms\n"
            ),
            |runner| {
                let s = runner.snapshot().expect("the kernel view can be read");
                s.socket(common::name("C2"))
                    .cloned()
                    .expect("C2 in the view")
            },
        );
        run.assert_ok();
        std::thread::sleep(Duration::from_millis(300));
        dump.stop();
        let lines = tcpdump::read(&file, &[]);
        let _ = std::fs::remove_dir_all(&dir);

        let connect = &run.calls("C2", "connect")[0];
        assert_eq!(common::errno(connect).as_deref(), Some("ECONNRESET"));
        assert!(
            connect.explain.starts_with("no reset came from a peer"),
            "{}",
            connect.explain
        );
        let recv = run.call("C2", "recv");
        assert_eq!(recv.outcome.ret(), Some(0), "{recv:?}");
        assert!(
            recv.explain.contains("not a FIN from the peer") && !recv.explain.contains("RST"),
            "{}",
            recv.explain
        );
        let shut3 = run.call("C3", "shutdown");
        assert!(
            shut3
                .explain
                .starts_with("the handshake in progress is abandoned"),
            "{}",
            shut3.explain
        );
        let recv3 = run.call("C3", "recv");
        assert_eq!(common::errno(recv3).as_deref(), Some("ECONNRESET"));
        assert!(
            recv3.explain.starts_with("no reset came from a peer")
                && recv3.explain.contains("shutdown()"),
            "{}",
            recv3.explain
        );
        assert!(
            c2.notes
                .iter()
                .any(|n| n.contains("shutdown() here dropped its handshake")),
            "{:?}",
            c2.notes
        );
        let json = serde_json::to_value(&c2).unwrap();
        assert_eq!(
            json["ended"],
            serde_json::json!({"by": "shutdown", "how": "both", "handshake": true}),
            "{json}"
        );
        // The clients' SYNs went out, and no segment to or from their
        // ports carries a reset (the lab's end resets C1, still queued).
        let c1 = client_port(&run, "C1");
        let syn = format!("> 127.0.0.1.{port}: Flags [S]");
        let mut ports: Vec<u16> = lines
            .iter()
            .filter(|l| l.contains(&syn))
            .filter_map(|l| l.split(" > ").next()?.rsplit('.').next()?.parse().ok())
            .filter(|p| *p != c1)
            .collect();
        ports.sort_unstable();
        ports.dedup();
        assert!(ports.len() >= 2, "C2's and C3's SYNs: {lines:#?}");
        for p in ports {
            let on = |l: &&String| {
                l.contains(&format!("127.0.0.1.{p} >")) || l.contains(&format!("> 127.0.0.1.{p}:"))
            };
            assert!(
                !lines.iter().filter(on).any(|l| l.contains("Flags [R")),
                "no RST to or from port {p}: {lines:#?}"
            );
        }
    }
}

/// A recv that this side's own shutdown ended is told as that, not as the
/// peer's FIN: ss reads both ends still ESTABLISHED when it has returned 0
/// (a FIN from A1 would have left C1 in CLOSE-WAIT).
#[test]
fn a_recv_ended_by_this_side_is_not_blamed_on_the_peer() {
    let (run, lines) = common::live(
        "listen\n\
         connect L1\n\
         accept L1\n\
         recv C1 10\n\
         sleep 200ms\n\
         shutdown C1 read\n\
         sleep 100ms\n",
        |runner| {
            let port = runner.lab().sockets()[0].meta.local.unwrap().port();
            common::ss("-Htan", port)
        },
    );
    run.assert_ok();
    let recv = run.call("C1", "recv");
    assert_eq!(recv.outcome.ret(), Some(0), "{recv:?}");
    assert!(
        recv.explain.contains("shut the socket down for reading")
            && recv.explain.contains("not a FIN from the peer"),
        "{}",
        recv.explain
    );
    let states: Vec<&str> = lines.iter().map(|l| l.state.as_str()).collect();
    assert_eq!(
        states.iter().filter(|s| **s == "ESTAB").count(),
        2,
        "C1 and A1 both established: {lines:?}"
    );
}

/// A send after this side's shutdown(write) and an accept woken by this
/// side's close say whose doing their error is.
#[test]
fn errors_this_side_caused_say_so() {
    let run = common::run(
        "listen\n\
         connect L1\n\
         accept L1\n\
         shutdown C1 write\n\
         send C1 3\n\
         accept L1\n\
         sleep 200ms\n\
         close L1\n\
         sleep 200ms\n",
    );
    run.assert_ok();
    let send = run.call("C1", "send");
    assert_eq!(common::errno(send).as_deref(), Some("EPIPE"), "{send:?}");
    assert!(
        send.explain
            .contains("this side shut the socket down for writing"),
        "{}",
        send.explain
    );
    let accept = run.calls("L1", "accept")[1];
    assert_eq!(
        common::errno(accept).as_deref(),
        Some("EINVAL"),
        "{accept:?}"
    );
    assert!(
        accept.explain.starts_with("close() on this side woke it"),
        "{}",
        accept.explain
    );
}
