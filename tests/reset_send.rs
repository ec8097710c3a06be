//! A blocking send that a reset cuts short says so: it returns the bytes
//! it had taken, and the reason is the reset, not a lack of room. Checked
//! against what the kernel reports next on the same socket.

mod common;

#[test]
fn a_send_cut_short_by_a_reset_is_explained_by_the_reset() {
    // 1 MiB does not fit 64 KiB buffers: the send blocks until A1 resets.
    let run = common::run(
        "listen rcvbuf=64k\nconnect L1 sndbuf=64k\naccept L1\nsend C1 1m\nclose A1 rst\nwait C1\nsend C1 10\n",
    );
    run.assert_ok();
    let sends = run.calls("C1", "send");
    assert_eq!(sends.len(), 2, "{sends:#?}");
    let cut = sends[0];
    let n = cut
        .outcome
        .ret()
        .expect("a count: the bytes taken before the reset");
    assert!(n > 0 && n < 1 << 20, "{cut:?}");
    // The kernel's own word on what happened: the next call reports the reset.
    assert_eq!(
        sends[1].outcome.errno().map(|e| e.name()).as_deref(),
        Some("ECONNRESET"),
        "{:?}",
        sends[1]
    );
    assert!(cut.explain.contains("reset (RST)"), "{}", cut.explain);
    assert!(
        cut.explain.contains(&format!("{n} of {}", 1 << 20)),
        "{}",
        cut.explain
    );
    assert!(!cut.explain.contains("had room"), "{}", cut.explain);
}

#[test]
fn a_sendall_stopped_by_a_reset_says_what_ended_it_once() {
    let run = common::run(
        "listen rcvbuf=64k\nconnect L1 sndbuf=64k\naccept L1\nsendall C1 1m\nclose A1 rst\nwait C1\n",
    );
    run.assert_ok();
    let all = run.call("C1", "sendall");
    let n = all.outcome.ret().expect("the bytes sent before the reset");
    assert!(n > 0 && n < 1 << 20, "{all:?}");
    assert!(
        all.explain.contains("ECONNRESET ended it"),
        "{}",
        all.explain
    );
    assert_eq!(
        all.explain.matches(&n.to_string()).count(),
        1,
        "{}",
        all.explain
    );
}
