//! A client whose SYNs nothing answers: once the kernel gives up its
//! handshake, the kernel view says how many SYNs it sent and that none was
//! answered, and tcpdump, in the lab's own namespace, counts the same SYNs
//! and no segment back. A refused client (a reset answered it) is not
//! told so. Needs root (a namespace, and CAP_NET_RAW for tcpdump).

mod common;

use common::netns::socket;
use serde_json::Value;

mod needs_root {
    use super::*;

    #[test]
    #[cfg_attr(not(ci), ignore = "needs root: a namespace and tcpdump in it")]
    fn a_handshake_nothing_answered_counts_its_syns_as_tcpdump_does() {
        common::require_root("tcpdump in the lab's namespace");
        let dir = std::env::temp_dir().join(format!("sockplay-gaveup-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("syns.pcap");
        // 1 SYN + 1 resend a second apart + 1 at a doubled gap; the kernel
        // gives up some 4 s after the first. listen(0) with C1 waiting
        // drops C2's SYNs; nothing listens on port 9, so C3 is refused.
        let script = "sysctl tcp_syn_retries=1\n\
             sysctl tcp_syn_linear_timeouts=1\n\
             listen 8080 backlog=0\n\
             sleep 1s\n\
             connect L1\n\
             wait C1\n\
             connect L1 timeout=0\n\
             connect 127.0.0.1:9 timeout=0\n\
             expect C2 state=CLOSED within 20s\n\
             expect C3 state=CLOSED within 5s\n\
             show C2 C3\n";
        let text = common::netns::run_captured(&["run", "--json", "-"], script, "tcp", &file);
        let lines = common::tcpdump::read(&file, &[]);
        let _ = std::fs::remove_dir_all(&dir);

        let snapshot: Value = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|r| r["type"] == "snapshot")
            .unwrap_or_else(|| panic!("no snapshot: {text}"));
        let (c2, c3) = (socket(&snapshot, "C2"), socket(&snapshot, "C3"));
        let port = c2["local"].as_str().unwrap().rsplit(':').next().unwrap();
        // tcpdump: what C2's port sent, and what came to it.
        let from = format!("127.0.0.1.{port} > ");
        let to = format!("> 127.0.0.1.{port}:");
        let sent: Vec<&String> = lines.iter().filter(|l| l.contains(&from)).collect();
        let syns = sent.iter().filter(|l| l.contains("Flags [S]")).count();
        assert_eq!(syns, sent.len(), "C2 sent only SYNs: {sent:?}");
        assert!(
            !lines.iter().any(|l| l.contains(&to)),
            "nothing came to C2: {lines:?}"
        );
        // As many as the two settings allow: 1 + 1 + 1.
        assert_eq!(syns, 3, "{lines:?}");
        assert_eq!(c2["syns_unanswered"], syns, "{c2}");
        let note = format!("no connection: nothing answered its {syns} SYNs");
        assert!(
            c2["notes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n.as_str().unwrap().starts_with(&note)),
            "{c2}"
        );
        // A reset answered C3's SYN: not a handshake nothing answered.
        assert!(c3["syns_unanswered"].is_null(), "{c3}");
        assert!(
            !c3["notes"].to_string().contains("nothing answered"),
            "{c3}"
        );
    }
}
