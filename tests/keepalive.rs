//! Keepalive on the real kernel: a blocked `recv` on a connection whose
//! peer stops answering (the lab's own loopback taken down, from outside,
//! as a cable is pulled) ends in ETIMEDOUT after about idle + interval ×
//! count with `keepalive=on keepidle=1s keepintvl=1s keepcnt=2`; without
//! the options a socket holds the namespace's defaults, the sysctls
//! `tcp_keepalive_time`, `tcp_keepalive_intvl` and `tcp_keepalive_probes`.
//! Root only (CI runs as root): the lab is a namespace of its own, entered
//! with nsenter.

mod common;

use std::time::{Duration, Instant};

use common::netns::NetnsLab;

mod needs_root {
    use super::*;

    #[cfg_attr(
        not(ci),
        ignore = "needs root: takes the lab's own loopback down through nsenter"
    )]
    #[test]
    fn keepalive_ends_a_blocked_recv_in_etimedout_after_idle_plus_interval_times_count() {
        common::require_root("entering the lab's namespace");
        let mut lab = NetnsLab::start(
            "listen\nconnect L1 keepalive=on keepidle=1s keepintvl=1s keepcnt=2\naccept L1\nwait L1\n\
             connect L1\naccept L1\nwait L1\nshow C2\nrecv C1 100\n",
        );
        // The defaults a socket that asked for nothing holds are the
        // namespace's sysctls, as the kernel's own files say.
        let snap = lab.next("snapshot");
        let c2 = snap["sockets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "C2")
            .unwrap()
            .clone();
        assert_eq!(c2["keepalive"], false, "{c2}");
        for (field, setting) in [
            ("keepidle", "net.ipv4.tcp_keepalive_time"),
            ("keepintvl", "net.ipv4.tcp_keepalive_intvl"),
            ("keepcnt", "net.ipv4.tcp_keepalive_probes"),
        ] {
            assert_eq!(c2[field].to_string(), lab.sysctl(setting), "{field}: {c2}");
        }
        let blocked = lab.next("blocked");
        assert_eq!(
            (blocked["sock"].as_str(), blocked["call"].as_str()),
            (Some("C1"), Some("recv"))
        );
        // ss, reading the namespace, sees C1's keepalive timer running.
        let ss = lab.inside(&["ss", "-tno", "state", "established"]);
        assert!(ss.contains("timer:(keepalive"), "{ss}");
        // The peer stops answering: nothing crosses the lab's loopback now.
        lab.inside(&["ip", "link", "set", "lo", "down"]);
        let down = Instant::now();
        let op = lab.next("op");
        let waited = down.elapsed();
        assert_eq!(op["sock"], "C1", "{op}");
        assert_eq!(op["call"], "recv", "{op}");
        assert_eq!(op["errno"], "ETIMEDOUT", "{op}");
        // Said as what ran out: the probes, not retransmissions of data.
        let said = op["explain"].as_str().unwrap_or("");
        assert!(said.contains("2 keepalive probes went unanswered"), "{op}");
        // About 1 s + 1 s × 2 after the last sign of life (the handshake,
        // moments before the recv began).
        let elapsed = op["elapsed_ms"].as_f64().unwrap();
        assert!(
            (2500.0..6000.0).contains(&elapsed),
            "recv ended after {elapsed} ms"
        );
        assert!(
            waited < Duration::from_secs(6),
            "{waited:?} after lo went down"
        );
        lab.stop();
    }
}
