//! Blocked sends share one pattern buffer: memory does not grow with the
//! number of sends waiting in the kernel. Alone in its test binary, so the
//! process's resident size is this test's.

mod common;

use std::time::{Duration, Instant};

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn ten_blocked_sends_of_16_mib_hold_one_pattern_buffer() {
    // Ten clients wait in the accept queue, never read: each 16 MiB send
    // fills the buffers and blocks in the kernel.
    let (run, grown) = common::live("listen backlog=16\nconnect L1 x10\n", |r| {
        let before = rss_kib();
        for i in 1..=10 {
            let script = format!("send C{i} 16m");
            let line = &sockplay::script::parse_script(&script).unwrap()[0];
            assert!(r.run_line(line));
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while r.lab().pending_all() < 10 && Instant::now() < deadline {
            r.idle(Duration::from_millis(50));
        }
        assert_eq!(r.lab().pending_all(), 10, "all ten sends are blocked");
        r.idle(Duration::from_millis(300));
        rss_kib().saturating_sub(before)
    });
    // One buffer of 16 MiB is shared; ten of their own would be 160 MiB.
    assert!(grown < 64 * 1024, "resident size grew by {grown} KiB");
    assert!(run.blocked().len() >= 10);
}
