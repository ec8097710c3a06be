//! How long a listener's half-open entries last, as the kernel view says
//! and as the kernel does it: a crowded SYN queue has its resends cut
//! while it stays crowded; `left_crowded_ms` counts with the cut, and
//! `left_ms` is the bound no entry outlives, the cut or not. Checked
//! against `ss`'s timers inside the lab's own namespace and against when
//! the entries actually go.

mod common;

use common::netns::{NetnsLab, port_in, socket};

use serde_json::Value;

/// The SYN-RECV entries of `listener` in a snapshot, as (synack_retrans,
/// expires_ms, left_ms, left_crowded_ms).
fn entries(snap: &Value, listener: &str) -> Vec<(u64, u64, u64, Option<u64>)> {
    snap["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["listener"] == listener && s["role"] == "syn-recv")
        .map(|s| {
            let n = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("{k} in {s}"));
            (
                n("synack_retrans"),
                n("expires_ms"),
                n("left_ms"),
                s["left_crowded_ms"].as_u64(),
            )
        })
        .collect()
}

/// Tests that need root, run as root under CI.
mod needs_root {
    use super::*;

    #[cfg_attr(
        not(ci),
        ignore = "needs root: reads the lab's own namespace through nsenter"
    )]
    #[test]
    fn a_crowded_syn_queue_lets_old_entries_go_when_left_crowded_ms_says() {
        common::require_root("entering the lab's namespace");
        // somaxconn 8 keeps listen(100) to a SYN queue of 9: more than half of
        // 8, so once no entry is young the kernel cuts 100 resends to 2.
        let mut lab = NetnsLab::start(
            "sysctl net.core.somaxconn=8\nsysctl tcp_synack_retries=100\n\
             listen backlog=100\nsyn L1 x20\nexpect L1 syn_recv=9\nshow L1\n\
             sleep 1500ms\nshow L1\nexpect L1 syn_recv=4 within 10s\nshow L1\n\
             sleep 2s\nexpect L1 syn_recv=4\nshow L1",
        );
        // Young (never resent): nothing is cut yet, the bound is the long one.
        let young = lab.next("snapshot");
        let at_start = entries(&young, "L1");
        assert_eq!(at_start.len(), 9, "{young}");
        assert!(
            at_start
                .iter()
                .all(|e| e.0 == 0 && e.2 > 1_000_000 && e.3.is_none()),
            "{at_start:?}"
        );

        // Resent once each: none young, so two resends, 1 + 2 + 4 s from the SYN.
        let crowded = lab.next("snapshot");
        let t1 = crowded["t"].as_f64().unwrap();
        let old = entries(&crowded, "L1");
        assert_eq!(old.len(), 9, "{crowded}");
        // The bound stays the long one: the cut holds only while the
        // queue is crowded, and some of these entries outlive it.
        for &(retrans, expires, left, crowded) in &old {
            assert_eq!(retrans, 1, "{old:?}");
            assert_eq!(crowded, Some(expires + 4_000), "{old:?}");
            assert!(left > 1_000_000, "{old:?}");
        }
        // ss reads the same timers: resent once, the next in about as long.
        let port = port_in(&socket(&crowded, "L1")["local"]);
        let ss = lab.inside(&[
            "ss",
            "-Htno",
            "state",
            "syn-recv",
            &format!("sport = :{port}"),
        ]);
        let timers: Vec<&str> = ss
            .lines()
            .filter_map(|l| l.split("timer:").nth(1))
            .collect();
        assert_eq!(timers.len(), 9, "{ss}");
        assert!(timers.iter().all(|t| t.ends_with(",1)")), "{ss}");

        // They go when left_crowded_ms said, not before its timer's last
        // resend; the kernel stops cutting at 4 (not more than half of 8).
        let cut = lab.next("snapshot");
        let t2 = cut["t"].as_f64().unwrap();
        let (least, most) = old
            .iter()
            .filter_map(|e| e.3)
            .fold((u64::MAX, 0), |(lo, hi), c| (lo.min(c), hi.max(c)));
        let gone_after = t2 - t1;
        assert!(
            gone_after >= least as f64 / 1000.0 - 1.0 && gone_after <= most as f64 / 1000.0 + 1.0,
            "gone {gone_after:.2}s after the snapshot that said {least}–{most} ms"
        );
        let kept = entries(&cut, "L1");
        assert_eq!(kept.len(), 4, "{cut}");
        assert!(
            kept.iter().all(|e| e.2 > 60_000 && e.3.is_none()),
            "no longer crowded: {kept:?}"
        );
        // The four kept outlive the crowded time they were given, but not
        // the bound each was given then.
        let later = lab.next("snapshot");
        let t3 = later["t"].as_f64().unwrap();
        assert_eq!(entries(&later, "L1").len(), 4, "{later}");
        let bound = old.iter().map(|e| e.2).min().unwrap();
        assert!(
            (t3 - t1) * 1000.0 > least as f64 && (t3 - t1) * 1000.0 < bound as f64,
            "kept {:.2}s after the crowded snapshot: crowded {least}–{most} ms, bound {bound} ms",
            t3 - t1
        );
        lab.stop();
    }
}
