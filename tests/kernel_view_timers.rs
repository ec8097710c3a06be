//! A pending timer never reads as if it had fired: the kernel view rounds
//! a half-open entry's time left up, to the tenth, as the Selected pane
//! does; 40 ms left, or 0 (due, not fired yet), is "0.1s", never "0.0s".

mod common;

use common::tui::{app, render};
use common::views::{snapshot, sock};
use sockplay::kernel::{HalfOpen, TcpState, ViewRole};
use sockplay::tui::app::{Mode, Msg};

#[test]
fn the_kernel_view_never_says_a_pending_timer_is_at_zero() {
    let mut l1 = sock(
        Some("L1"),
        ViewRole::Listener,
        TcpState::Listen,
        "127.0.0.1:40000",
        None,
    );
    l1.set_backlog(Some(4));
    l1.set_syn_recv(Some(3));
    l1.set_tcp(None);
    let mut socks = vec![l1];
    for (i, expires) in [40u32, 0, 1_449].into_iter().enumerate() {
        let mut half = sock(
            None,
            ViewRole::SynRecv,
            TcpState::SynReceived,
            "127.0.0.1:40000",
            Some(&format!("192.0.2.1:{}", 20_001 + i)),
        );
        half.listener = Some("L1".parse().unwrap());
        half.set_half_open(Some(HalfOpen {
            synack_retrans: 1,
            expires_ms: expires,
            syn: Some(i as u32 + 1),
            left_ms: Some(u64::from(expires)),
            left_crowded_ms: None,
        }));
        socks.push(half);
    }
    let snap = snapshot(socks, 0);
    let table = sockplay::script::show::table(&snap, &[]);
    assert!(!table.contains("0.0s"), "{table}");
    assert_eq!(
        table
            .matches("SYN-ACK resent 1×, timer 0.1s, gone within 0.1s")
            .count(),
        2,
        "{table}"
    );
    // Rounded up, not to the nearest: 1449 ms left is 1.5s.
    assert!(table.contains("timer 1.5s, gone within 1.5s"), "{table}");
    // The same over the screen.
    let mut app = app().0;
    app.kernel_view = table;
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    app.mode = Mode::Show;
    let screen = render(&mut app, 160, 48);
    assert!(!screen.contains("0.0s"), "{screen}");
    assert!(screen.contains("timer 1.5s"), "{screen}");
}
