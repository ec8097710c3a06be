//! Slow motion on real sockets: `sendall … rate=` and `drain … on rate=`
//! move their bytes in paced calls, no faster than asked, and every byte
//! still arrives.

mod common;

use std::time::Duration;

#[test]
fn a_paced_sendall_sends_a_quarter_second_at_a_time_and_takes_its_time() {
    let run = common::run(
        "listen\nconnect L1\naccept L1\ndrain A1 on\nsendall C1 8k rate=16k/s\nwait C1 10s\nexpect C1 ret=8192\nexpect A1 bytes_received=8192\ndrain A1 off\n",
    );
    run.assert_ok();
    let all = run.call("C1", "sendall");
    // 16k/s is 4 KiB a quarter second: two steps, the second due 0.25 s in.
    let steps: Vec<_> = run
        .calls("C1", "send")
        .into_iter()
        .filter(|r| r.part_of == Some(all.seq))
        .collect();
    assert_eq!(steps.len(), 2, "{steps:#?}");
    assert!(steps.iter().all(|s| s.outcome.ret() == Some(4096)));
    assert!(all.elapsed >= Duration::from_millis(240), "{all:?}");
}

#[test]
fn a_paced_drain_reads_slowly_so_the_receive_queue_stays_full_for_a_while() {
    // 64 KiB queued, read at 32 KiB/s: after 0.5 s a good part is still queued.
    let (run, recvq) = common::live(
        "listen\nconnect L1\naccept L1\nsend C1 64k\nexpect A1 recvq=65536\ndrain A1 on rate=32k/s\nsleep 500ms\n",
        |runner| {
            let snap = runner.snapshot().unwrap();
            let a1 = snap.socket("A1".parse().unwrap()).unwrap();
            a1.recvq.unwrap_or(0)
        },
    );
    run.assert_ok();
    // Against the kernel's own count: FIONREAD says bytes are still waiting.
    assert!(recvq > 0 && recvq < 65536, "recvq {recvq}");
}
