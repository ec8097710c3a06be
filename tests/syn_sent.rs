//! A client in SYN-SENT has a sendq of 1, and the kernel view says why: the
//! SYN takes one sequence number. ss reads the same Send-Q.

mod common;

use common::live;

#[test]
fn a_syn_sent_client_s_sendq_of_one_is_the_syn() {
    // Backlog 0 holds one connection; C2's SYNs are dropped.
    let (run, (snap, lines)) = live(
        "listen backlog=0\nconnect L1 x2\nexpect C2 state=SYN_SENT within 5s\n",
        |runner| {
            let port = runner.lab().sockets()[0].meta.local.unwrap().port();
            // ss, reading the kernel on its own, at the same moment.
            (runner.snapshot().unwrap(), common::ss("-Htan", port))
        },
    );
    run.assert_ok();
    let c2 = snap
        .sockets
        .iter()
        .find(|s| s.id.is_some_and(|n| n.to_string() == "C2"))
        .expect("C2 in the view");
    assert_eq!(c2.sendq(), Some(1), "{c2:?}");
    assert!(
        c2.notes.iter().any(|n| n.contains("sendq 1 is the SYN")),
        "{:?}",
        c2.notes
    );
    // ss shows the same Send-Q of 1.
    let local = c2.local.unwrap().to_string();
    let ss_c2 = lines
        .iter()
        .find(|l| l.local == local)
        .unwrap_or_else(|| panic!("C2 ({local}) in ss: {lines:?}"));
    assert_eq!((ss_c2.state.as_str(), ss_c2.send_q), ("SYN-SENT", 1));
}
