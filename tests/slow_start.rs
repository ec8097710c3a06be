//! The distance lesson's slow start, on the real kernel: with reno on the
//! lab's own link, the congestion window doubles each round trip, read by
//! the lab from TCP_INFO and, independently, by tcpdump and `ss` in the
//! link's client-side namespace.

mod common;

use common::link::{LinkLab, client_ns};
use common::tcpdump::{Tcpdump, read};

mod needs_root {
    use super::*;

    /// distance: with reno on the lab's link, slow start doubles the
    /// congestion window each round trip: seventy segments' worth leave as
    /// ten, then twenty, then forty, one burst a round trip, and cwnd reads
    /// 20, 40, 80 after each. The bursts are counted by tcpdump on the client
    /// side's device and the congestion control and cwnd read by `ss` there,
    /// against what the lab's `expect` lines read from TCP_INFO.
    #[cfg_attr(
        not(ci),
        ignore = "needs root: runs tcpdump and ss in the link's namespaces through nsenter"
    )]
    #[test]
    fn reno_slow_start_doubles_cwnd_each_round_trip_on_the_link() {
        common::require_root("running tcpdump in the link's namespaces");
        let dir = std::env::temp_dir().join(format!("sockplay-slow-start-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("client.pcap");
        // The pause after `drain` lets tcpdump start before the first byte.
        let script = "listen\nconnect L1 congestion=reno\naccept L1\nwait L1\nset A1 rcvbuf=4m\n\
            drain A1 on\nsleep 3s\nsendall C1 101360\nexpect C1 cwnd=20 within 3s\n\
            expect C1 cwnd=40 within 1500ms\nexpect C1 cwnd=80 within 1500ms\n\
            expect C1 sendq=0 within 2s\nexpect A1 bytes_received=101360 within 2s\nshow";
        let mut lab = LinkLab::start("delay=250ms,rate=40mbit", script);
        lab.op("A1", "set");
        let ns = client_ns(lab.pid());
        let dump = Tcpdump::start_in(Some(&ns), "splink0", "tcp", &["-s", "200"], &file);
        lab.snapshot();
        let ss = lab.client_side(&["ss", "-tin", "dst", "198.51.100.2"]);
        dump.stop();
        lab.stop();
        assert!(ss.contains(" reno "), "ss on the client side: {ss}");
        assert!(ss.contains(" cwnd:80 "), "ss on the client side: {ss}");
        // Data segments from the client, by when they left: one burst a round
        // trip (half a second), each burst's segments within a few ms.
        let mut bursts: Vec<(f64, usize)> = Vec::new();
        for line in read(&file, &["-tt"]) {
            let len = line
                .rsplit_once("length ")
                .and_then(|(_, n)| n.trim().parse::<u32>().ok())
                .unwrap_or(0);
            if len == 0 || !line.contains(" 198.51.100.1.") || !line.contains("> 198.51.100.2.") {
                continue;
            }
            let t: f64 = line.split(' ').next().unwrap().parse().unwrap();
            match bursts.last_mut() {
                Some((last, n)) if t - *last < 0.2 => {
                    *last = t;
                    *n += 1;
                }
                _ => bursts.push((t, 1)),
            }
        }
        let counts: Vec<usize> = bursts.iter().map(|b| b.1).collect();
        assert_eq!(counts, [10, 20, 40], "data segments per round trip");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
