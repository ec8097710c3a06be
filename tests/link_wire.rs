//! The wire on the lab's own link: every segment seen when it enters the
//! link and when it leaves it, drops marked with their cause, and `--pcap`
//! holding what tcpdump on each side's device reads, packet for packet.

mod common;

use std::path::Path;

use common::link::{LinkLab, client_ns};
use common::netns::socket;
use common::tcpdump::{Tcpdump, read};
use serde_json::Value;

/// tcpdump's lines without their time stamps, sorted: a multiset of packets.
fn packets(lines: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = lines
        .into_iter()
        .filter_map(|l| l.split_once(' ').map(|(_, rest)| rest.to_string()))
        .collect();
    out.sort();
    out
}

/// How many one-second waits for a quiet link the script holds.
const QUIET_TRIES: usize = 8;

mod needs_root {
    use super::*;

    #[cfg_attr(
        not(ci),
        ignore = "needs root: runs tcpdump in the link's namespaces through nsenter"
    )]
    #[test]
    fn the_wire_and_the_pcap_file_hold_what_tcpdump_reads_on_both_sides() {
        common::require_root("running tcpdump in the link's namespaces");
        let dir = std::env::temp_dir().join(format!("sockplay-link-wire-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ours = dir.join("lab.pcapng");
        let (client_file, server_file) = (dir.join("c.pcap"), dir.join("s.pcap"));
        // The pause after `listen` lets the test start tcpdump on both sides
        // before the first SYN. After the closes, a kernel view each second:
        // with 10% loss a FIN may be resent seconds later, and a packet the
        // link takes as a view is read may reach the wire's lines after it.
        // The test compares at the first view after a second in which the
        // link took nothing.
        let mut script = String::from(
            "listen\nsleep 3s\nconnect L1\naccept L1\nwait L1 30s\n\
            sendall C1 96k\nrecvall A1 96k\nwait A1 60s\nclose C1\nclose A1\n\
            expect C1 state=TIME-WAIT within 20s\nshow",
        );
        for _ in 0..QUIET_TRIES {
            script.push_str("\nsleep 1s\nshow");
        }
        let pcap = ours.to_str().unwrap();
        let mut lab = LinkLab::start_with(
            &[],
            &["--link", "delay=20ms,loss=10%", "--pcap", pcap],
            &["run", "--wire", "--json", "-"],
            &script,
        );
        lab.op("L1", "listen");
        // In immediate mode tcpdump's buffer holds a slot of its snap length
        // per packet: at the default (256 KiB) a burst of a dozen segments
        // overflows it. The headers are enough here.
        let opts = ["-s", "200", "-B", "8192"];
        let client_side = client_ns(lab.pid());
        let client = Tcpdump::start_in(Some(&client_side), "splink0", "tcp", &opts, &client_file);
        let home = format!("/proc/{}/ns/net", lab.pid());
        let server = Tcpdump::start_in(Some(&home), "splink0", "tcp", &opts, &server_file);
        let mut snap = lab.snapshot();
        let mut quiet = false;
        for _ in 0..QUIET_TRIES {
            let next = lab.snapshot();
            quiet = next["link"] == snap["link"];
            snap = next;
            if quiet {
                break;
            }
        }
        assert!(
            quiet,
            "the link never went a second without a packet: {}",
            snap["link"]
        );
        client.stop();
        server.stop();
        let segs: Vec<Value> = lab
            .run
            .seen
            .iter()
            .filter(|v| v["type"] == "packet")
            .cloned()
            .collect();
        let link = &snap["link"];
        let way = |w: &str, f: &str| link[w][f].as_u64().unwrap();
        let entered = way("to_server", "delivered_packets")
            + way("to_client", "delivered_packets")
            + way("to_server", "dropped_loss")
            + way("to_client", "dropped_loss");
        // The wire saw every packet the link took, and marked the ones it lost.
        assert_eq!(segs.len() as u64, entered, "{link}");
        let dropped = segs.iter().filter(|s| s["dropped"] == "loss").count() as u64;
        assert_eq!(
            dropped,
            way("to_server", "dropped_loss") + way("to_client", "dropped_loss"),
            "{link}"
        );
        assert!(
            dropped > 0,
            "10% of {entered} packets and none lost: {link}"
        );
        assert_eq!(socket(&snap, "A1")["bytes_received"], 98_304, "{snap}");
        // The retransmissions the losses caused are on the wire, named so.
        assert!(
            segs.iter().any(|s| s["kernel"] == "retransmission"
                || s["kernel"] == "SYN retransmission"
                || s["kernel"] == "SYN-ACK retransmission"),
            "no retransmission among {} segments",
            segs.len()
        );
        lab.stop();
        // The file: each packet leaving a side when it entered the link, and
        // arriving on the other when the link handed it over; tcpdump on the
        // two devices read the same packets, the lost ones on the sender's
        // side alone.
        let both = |f: &Path| packets(read(f, &[]));
        let mut theirs = both(&client_file);
        let from_server = both(&server_file);
        let delivered =
            way("to_server", "delivered_packets") + way("to_client", "delivered_packets");
        assert_eq!(
            (theirs.len() + from_server.len()) as u64,
            entered + delivered,
            "tcpdump's count on the two sides"
        );
        theirs.extend(from_server);
        theirs.sort();
        let mine = both(&ours);
        assert_eq!(mine.len(), theirs.len(), "packets in the pcap file");
        assert_eq!(mine, theirs, "the pcap file against tcpdump on both sides");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
