//! A snapshot taken after a call's result never shows that call in flight:
//! the call leaves the view of calls in flight before its result is told.

mod common;

use common::Rec;

#[test]
fn a_snapshot_after_a_result_shows_no_call_in_flight() {
    let mut script = String::from("listen\nconnect L1\naccept L1\n");
    for _ in 0..200 {
        script.push_str("send C1 \"hi\"\nrecv A1 300\nshow A1\n");
    }
    let run = common::run(&script);
    run.assert_ok();
    assert!(run.blocked().is_empty(), "{:?}", run.blocked());
    let mut shown = 0;
    let mut seen_recv = 0;
    for rec in &run.records {
        match rec {
            Rec::Op(op) if op.call.name() == "recv" => seen_recv += 1,
            Rec::Snapshot(snap) => {
                let a1 = snap
                    .sockets
                    .iter()
                    .find(|s| s.id.map(|n| n.to_string()).as_deref() == Some("A1"))
                    .expect("A1 in the snapshot");
                assert!(
                    a1.in_flight.is_empty(),
                    "snapshot {shown}, after {seen_recv} recv results: {:?}",
                    a1.in_flight
                );
                shown += 1;
            }
            _ => {}
        }
    }
    assert_eq!((shown, seen_recv), (200, 200));
}
