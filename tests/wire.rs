//! The wire against the kernel: sockplay's capture holds the same segments
//! as tcpdump's on the same port, and each segment names the call that
//! caused it. These tests need CAP_NET_RAW (root, as in CI) and say so
//! when they cannot run.

mod common;

use common::free_port;
use common::tcpdump::{self, Tcpdump};

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sockplay::wire::Kernel;
use sockplay::wire::parse::flag;

/// tcpdump's reading of a capture file: one line per segment, the time
/// left out, numbers absolute (-S).
fn tcpdump_read(file: &std::path::Path) -> Vec<String> {
    tcpdump::read(file, &["-tt"])
        .iter()
        .map(|l| {
            l.split_once(' ')
                .map_or(l.as_str(), |(_, rest)| rest)
                .to_string()
        })
        .collect()
}

/// How many packets tcpdump reads from a capture still being written (a
/// record cut short at the end is not counted).
fn packets_in(file: &std::path::Path) -> usize {
    Command::new("tcpdump")
        .args(["-r"])
        .arg(file)
        .arg("-nn")
        .stderr(Stdio::null())
        .output()
        .map_or(0, |out| {
            out.stdout
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .count()
        })
}

mod needs_root {
    use super::*;

    #[cfg_attr(not(ci), ignore = "needs root: captures packets (CAP_NET_RAW)")]
    #[test]
    fn sockplays_pcap_holds_what_tcpdump_saw() {
        common::require_root("capturing packets");
        if Command::new("tcpdump").arg("--version").output().is_err() {
            panic!("tcpdump is missing: .ci/run installs it");
        }
        let dir = std::env::temp_dir().join(format!("sockplay-wire-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let theirs = dir.join("tcpdump.pcap");
        let mine = dir.join("sockplay.pcapng");
        // Made new by sockplay: a file left by an earlier run would be refused.
        let _ = std::fs::remove_file(&mine);
        let port = free_port();
        let tcpdump = Tcpdump::start(port, &theirs);
        let script = format!(
            "listen 127.0.0.1:{port} rcvbuf=4k\n\
             connect L1\n\
             accept L1\n\
             send C1 \"Hi there, server\"\n\
             recv A1 100\n\
             set C1 timeout=0\n\
             send C1 64k\n\
             sleep 300ms\n\
             recv A1 8k\n\
             sleep 50ms\n\
             close A1 rst\n\
             sleep 50ms\n"
        );
        let out = Command::new(env!("CARGO_BIN_EXE_sockplay"))
            .arg("--pcap")
            .arg(&mine)
            .args(["run", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(script.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        // tcpdump writes each packet as it comes (-U, immediate mode): stop it
        // once its file holds as many as sockplay's, or after 10 s.
        let mine_count = tcpdump_read(&mine).len();
        let began = Instant::now();
        while packets_in(&theirs) < mine_count && began.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        tcpdump.stop();

        let (a, b) = (tcpdump_read(&theirs), tcpdump_read(&mine));
        let _ = std::fs::remove_dir_all(&dir);

        assert!(a.len() >= 10, "tcpdump saw {} segments: {a:#?}", a.len());
        // The same segments in the same order: flags, seq, ack, window, length,
        // options and all, as tcpdump prints them.
        assert_eq!(
            a, b,
            "tcpdump's capture (left) and sockplay's (right) differ"
        );
        assert!(
            a.iter().any(|l| l.contains("win 0,")),
            "the window closed: {a:#?}"
        );
        assert!(
            a.iter().any(|l| l.contains("Flags [R")),
            "the reset: {a:#?}"
        );
    }

    #[cfg_attr(not(ci), ignore = "needs root: captures packets (CAP_NET_RAW)")]
    #[test]
    fn each_segment_names_the_call_that_caused_it() {
        common::require_root("capturing packets");
        let run = common::run_wire(
            "listen rcvbuf=4k\n\
             connect L1\n\
             accept L1\n\
             send C1 \"Hi there, server\"\n\
             recv A1 100\n\
             set C1 timeout=0\n\
             send C1 64k\n\
             sleep 300ms\n\
             recv A1 8k\n\
             sleep 100ms\n\
             drain A1 on\n\
             expect C1 sendq=0 within 5s\n\
             close C1\n\
             sleep 100ms\n\
             close A1 rst\n",
        );
        run.assert_ok();
        let seq = |sock: &str, call: &str| {
            run.calls(sock, call)
                .iter()
                .map(|r| r.seq)
                .collect::<Vec<_>>()
        };
        let connect = seq("C1", "connect")[0];
        let sends = seq("C1", "send");
        let recvs = seq("A1", "recv");
        let close_c = seq("C1", "close")[0];
        let close_a = seq("A1", "close")[0];
        let p = run.packets();
        let named = |s: &&sockplay::wire::Segment| s.from.map(|n| n.to_string());

        // The handshake: C1's SYN to L1, L1's SYN-ACK, C1's ACK, all the connect's.
        let syn = p.iter().find(|s| s.flags == flag::SYN).expect("a SYN");
        assert_eq!(
            (
                named(syn).as_deref(),
                syn.to.map(|n| n.to_string()).as_deref()
            ),
            (Some("C1"), Some("L1"))
        );
        assert_eq!(syn.cause.map(|c| c.seq), Some(connect));
        assert_eq!(syn.seq, 0);
        let synack = p
            .iter()
            .find(|s| s.flags == flag::SYN | flag::ACK)
            .expect("a SYN-ACK");
        assert_eq!((synack.seq, synack.ack), (0, 1));
        assert_eq!(synack.cause.map(|c| c.seq), Some(connect));

        // 16 bytes of the first send, relative numbers as tcpdump shows them.
        let hi = p.iter().find(|s| s.len == 16).expect("the 16-byte send");
        assert_eq!((hi.seq, hi.ack), (1, 1));
        assert_eq!(hi.cause.map(|c| c.seq), Some(sends[0]));
        assert_eq!(named(hi).as_deref(), Some("C1"));
        assert_eq!(hi.to.map(|n| n.to_string()).as_deref(), Some("A1"));

        // The 64k send's data is the second send's; A1's window closes to 0 in
        // its ACKs, which answer that send.
        let bulk: Vec<_> = p.iter().filter(|s| s.is_data() && s.seq > 17).collect();
        assert!(!bulk.is_empty());
        assert!(
            bulk.iter()
                .all(|s| s.cause.map(|c| c.seq) == Some(sends[1]) || s.kernel.is_some())
        );
        let zero = p
            .iter()
            .find(|s| named(s).as_deref() == Some("A1") && s.win == 0 && s.kernel.is_none())
            .expect("A1 advertises a zero window");
        assert_eq!(zero.cause.map(|c| c.seq), Some(sends[1]));
        // The kernel probes the zero window, and A1's read reopens it.
        assert!(p.iter().any(
            |s| s.kernel == Some(Kernel::ZeroWindowProbe) && named(s).as_deref() == Some("C1")
        ));
        let update = p
            .iter()
            .find(|s| s.kernel == Some(Kernel::WindowUpdate) && named(s).as_deref() == Some("A1"))
            .expect("a window update from A1");
        assert!(update.win > 0);
        assert_eq!(update.after.map(|c| c.seq), Some(recvs[1]));

        // C1's FIN is its close's; A1's reset is its close's.
        let fin = p
            .iter()
            .find(|s| s.has(flag::FIN) && named(s).as_deref() == Some("C1"))
            .expect("C1's FIN");
        assert_eq!(fin.cause.map(|c| c.seq), Some(close_c));
        let rst = p.iter().find(|s| s.has(flag::RST)).expect("a reset");
        assert_eq!(named(rst).as_deref(), Some("A1"));
        assert_eq!(rst.cause.map(|c| c.seq), Some(close_a));
    }

    #[cfg_attr(not(ci), ignore = "needs root: captures packets (CAP_NET_RAW)")]
    #[test]
    fn expect_no_packet_holds_on_silence_and_fails_on_the_segment() {
        common::require_root("capturing packets");
        // A full accept queue: the listener drops C3's SYN without a word, and
        // C3's kernel sends it again about a second later.
        let run = common::run_wire(
            "listen backlog=1\n\
             connect L1 x2\n\
             sleep 100ms\n\
             connect L1\n\
             step \"the third client\"\n\
             expect packet from=C3 to=L1 flags=SYN kernel=SYN-retransmission within 4s\n\
             expect no packet from=L1 to=C3 within 300ms\n\
             expect no packet from=C3 to=L1 flags=SYN\n",
        );
        let checks: Vec<_> = run
            .records
            .iter()
            .filter_map(|r| match r {
                common::Rec::Expect(e) => Some(e),
                _ => None,
            })
            .collect();
        assert_eq!(checks.len(), 3, "{:#?}", run.failures());
        assert!(checks[0].ok, "C3's SYN came again: {:?}", checks[0].got);
        assert!(
            checks[1].ok,
            "the listener answered nothing: {:?}",
            checks[1].got
        );
        assert!(checks[1].waited >= Duration::from_millis(300));
        assert_eq!(checks[1].expectation.field, "no packet");
        // The SYN it saw is the failure's evidence.
        assert!(!checks[2].ok);
        let got = checks[2].got.as_deref().unwrap_or("");
        assert!(got.starts_with("it came: C3 → L1  [S]"), "{got}");
    }
}
