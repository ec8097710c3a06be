//! The joining of the lab and the dump, on recorded entries.

use super::*;
use crate::lab::Meta;

fn a(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn entry(state: TcpState, local: &str, peer: &str, inode: u64, rq: u32, wq: u32) -> DiagEntry {
    DiagEntry {
        state,
        local: a(local),
        peer: a(peer),
        rqueue: rq,
        wqueue: wq,
        inode,
        info: None,
        bufs: Some((131_072, 16_384)),
        mem: None,
        retrans: 0,
        timer: 0,
        expires_ms: 0,
        drops: None,
        cookie: 0,
        udp: false,
    }
}

fn sock(name: &str, meta: Meta, inode: u64) -> SocketInfo {
    let name: SockName = name.parse().unwrap();
    SocketInfo {
        name,
        role: name.role,
        meta: meta.into(),
        inode,
        bytes_sent: 0,
        bytes_received: 0,
        in_flight: Vec::new(),
        pending: 0,
        handshake_read: false,
    }
}

fn listener(name: &str, port: u16, backlog: i32, inode: u64) -> SocketInfo {
    let meta = Meta {
        local: Some(a(&format!("127.0.0.1:{port}"))),
        backlog: Some(backlog),
        ..Meta::default()
    };
    sock(name, meta, inode)
}

fn client(name: &str, port: u16, to: u16, inode: u64, closed: bool) -> SocketInfo {
    let meta = Meta {
        local: Some(a(&format!("127.0.0.1:{port}"))),
        peer: Some(a(&format!("127.0.0.1:{to}"))),
        closed,
        ..Meta::default()
    };
    sock(name, meta, inode)
}

fn readings<'a>(lab: &'a [SocketInfo], entries: &'a [DiagEntry]) -> Readings<'a> {
    Readings {
        lab,
        entries,
        system: System::default(),
        counters: Counters::default(),
        scope: CounterScope::SystemWide,
        t: Duration::ZERO,
    }
}

#[test]
fn each_listener_finds_the_queue_on_its_own_port_and_address() {
    let wildcard = Meta {
        local: Some(a("0.0.0.0:6000")),
        backlog: Some(5),
        ..Meta::default()
    };
    let lab = vec![
        listener("L1", 5000, 5, 10),
        listener("L2", 5001, 5, 20),
        sock("L3", wildcard, 30),
    ];
    let queued = |local: &str, peer: &str| entry(TcpState::Established, local, peer, 0, 0, 0);
    let entries = vec![
        entry(TcpState::Listen, "127.0.0.1:5001", "0.0.0.0:0", 20, 1, 5),
        entry(TcpState::Listen, "127.0.0.1:5000", "0.0.0.0:0", 10, 1, 5),
        entry(TcpState::Listen, "0.0.0.0:6000", "0.0.0.0:0", 30, 1, 5),
        queued("127.0.0.1:5001", "127.0.0.1:41001"),
        queued("127.0.0.1:5000", "127.0.0.1:41000"),
        queued("127.0.0.2:6000", "127.0.0.1:41002"),
        // Another address on L1's port is not L1's.
        queued("127.0.0.2:5000", "127.0.0.1:41003"),
    ];
    let snap = snapshot(readings(&lab, &entries));
    let peers_of = |l: &str| -> Vec<String> {
        snap.waiting(l.parse().unwrap())
            .map(|w| w.peer.unwrap().to_string())
            .collect()
    };
    assert_eq!(peers_of("L1"), ["127.0.0.1:41000"]);
    assert_eq!(peers_of("L2"), ["127.0.0.1:41001"]);
    assert_eq!(peers_of("L3"), ["127.0.0.1:41002"]);
}

#[test]
fn matches_by_inode_then_by_address_and_finds_the_queue() {
    let lab = vec![
        listener("L1", 5000, 2, 10),
        client("C1", 40000, 5000, 11, false),
        client("C2", 40001, 5000, 12, true),
        client("C3", 40003, 5000, 13, true),
    ];
    let entries = vec![
        entry(TcpState::Listen, "127.0.0.1:5000", "0.0.0.0:0", 10, 1, 2),
        entry(
            TcpState::Established,
            "127.0.0.1:40000",
            "127.0.0.1:5000",
            11,
            0,
            0,
        ),
        entry(
            TcpState::Established,
            "127.0.0.1:5000",
            "127.0.0.1:40000",
            0,
            5,
            0,
        ),
        entry(
            TcpState::TimeWait,
            "127.0.0.1:40001",
            "127.0.0.1:5000",
            0,
            0,
            0,
        ),
        entry(
            TcpState::SynReceived,
            "127.0.0.1:5000",
            "127.0.0.1:40002",
            0,
            0,
            0,
        ),
        entry(
            TcpState::CloseWait,
            "127.0.0.1:5000",
            "127.0.0.1:40009",
            0,
            8,
            0,
        ),
    ];
    let snap = snapshot(readings(&lab, &entries));
    let ids: Vec<Option<String>> = snap
        .sockets
        .iter()
        .map(|s| s.id.map(|n| n.to_string()))
        .collect();
    // C3 is closed and the kernel has let it go: it is not shown.
    assert_eq!(
        ids,
        [
            Some("L1".into()),
            None,
            None,
            None,
            Some("C1".into()),
            Some("C2".into())
        ]
    );
    let l1 = &snap.sockets[0];
    assert_eq!(
        (l1.accept_queue(), l1.accept_queue_max(), l1.syn_recv()),
        (Some(1), Some(2), Some(1))
    );
    let queued = &snap.sockets[1];
    assert_eq!(
        (queued.role, queued.pair.map(|p| p.to_string())),
        (ViewRole::Queued, Some("C1".into()))
    );
    assert_eq!(queued.recvq(), Some(5));
    // A client that closed while still queued: CLOSE-WAIT, its FIN not counted.
    assert_eq!(
        (snap.sockets[2].role, snap.sockets[2].recvq()),
        (ViewRole::Queued, Some(7))
    );
    // SYN-RECV entries come after the queue.
    assert_eq!(snap.sockets[3].role, ViewRole::SynRecv);
    let c2 = &snap.sockets[5];
    assert_eq!((c2.state, c2.closed), (TcpState::TimeWait, true));
    assert!(c2.notes[0].contains("TIME-WAIT"));
    assert!(
        l1.notes
            .iter()
            .any(|n| n.starts_with("holds 3 connections"))
    );
}

#[test]
fn waiting_connections_are_listed_in_client_order() {
    let lab = vec![
        listener("L1", 5000, 8, 10),
        client("C1", 40001, 5000, 11, false),
        client("C2", 40002, 5000, 12, false),
    ];
    let waiting = |local: &str, peer: &str, state| entry(state, local, peer, 0, 0, 0);
    let entries = vec![
        entry(TcpState::Listen, "127.0.0.1:5000", "0.0.0.0:0", 10, 3, 8),
        waiting("127.0.0.1:5000", "127.0.0.1:40009", TcpState::SynReceived),
        waiting("127.0.0.1:5000", "127.0.0.1:40005", TcpState::Established),
        waiting("127.0.0.1:5000", "127.0.0.1:40002", TcpState::Established),
        waiting("127.0.0.1:5000", "127.0.0.1:40001", TcpState::Established),
    ];
    let snap = snapshot(readings(&lab, &entries));
    let shown: Vec<String> = snap
        .waiting("L1".parse().unwrap())
        .map(|w| match w.pair {
            Some(c) => c.to_string(),
            None => w.peer.unwrap().port().to_string(),
        })
        .collect();
    assert_eq!(shown, ["C1", "C2", "40005", "40009"]);
}

#[test]
fn a_queue_past_its_limit_says_why() {
    for (queued, extra) in [(3, false), (4, true)] {
        let lab = vec![listener("L1", 5000, 2, 10)];
        let entries = vec![entry(
            TcpState::Listen,
            "127.0.0.1:5000",
            "0.0.0.0:0",
            10,
            queued,
            2,
        )];
        let snap = snapshot(readings(&lab, &entries));
        let notes = &snap.sockets[0].notes;
        assert_eq!(
            notes.iter().any(|n| n.starts_with("4 wait, more than 3")),
            extra,
            "{notes:?}"
        );
    }
}

#[test]
fn a_client_established_where_the_server_holds_syn_recv_is_explained() {
    let lab = vec![
        listener("L1", 5000, 0, 10),
        client("C2", 40001, 5000, 12, false),
    ];
    let entries = vec![
        entry(TcpState::Listen, "127.0.0.1:5000", "0.0.0.0:0", 10, 1, 0),
        entry(
            TcpState::Established,
            "127.0.0.1:40001",
            "127.0.0.1:5000",
            12,
            0,
            0,
        ),
        entry(
            TcpState::SynReceived,
            "127.0.0.1:5000",
            "127.0.0.1:40001",
            0,
            0,
            0,
        ),
    ];
    let snap = snapshot(readings(&lab, &entries));
    let c2 = snap.socket("C2".parse().unwrap()).unwrap();
    assert!(
        c2.notes
            .iter()
            .any(|n| n.contains("holds only a SYN-RECV entry")),
        "{:?}",
        c2.notes
    );
    // With the accept queue empty, the note must not blame it.
    let lab = vec![
        listener("L1", 5000, 2, 10),
        client("C2", 40001, 5000, 12, false),
    ];
    let mut entries = entries;
    entries[0].rqueue = 0;
    entries[0].wqueue = 2;
    let snap = snapshot(readings(&lab, &entries));
    let notes = &snap.socket("C2".parse().unwrap()).unwrap().notes;
    assert!(
        notes
            .iter()
            .any(|n| n.contains("last ACK has not reached it"))
            && !notes.iter().any(|n| n.contains("accept queue was full")),
        "{notes:?}"
    );
}

#[test]
fn a_client_dropped_by_a_full_syn_queue_without_cookies_is_told_so() {
    let lab = vec![
        listener("L1", 5000, 0, 10),
        client("C1", 40001, 5000, 11, false),
    ];
    let mut entries = vec![
        entry(TcpState::Listen, "127.0.0.1:5000", "0.0.0.0:0", 10, 0, 0),
        entry(
            TcpState::SynSent,
            "127.0.0.1:40001",
            "127.0.0.1:5000",
            11,
            0,
            1,
        ),
    ];
    entries.push(entry(
        TcpState::SynReceived,
        "127.0.0.1:5000",
        "192.0.2.1:20000",
        0,
        0,
        0,
    ));
    let mut r = readings(&lab, &entries);
    r.system.tcp_syncookies = Some(0);
    r.system.tcp_max_syn_backlog = Some(128);
    let snap = snapshot(r);
    let l1 = snap.socket("L1".parse().unwrap()).unwrap();
    assert_eq!(l1.syn_queue().map(|q| q.syn_queue_limit), Some(1));
    let notes = &snap.socket("C1".parse().unwrap()).unwrap().notes;
    assert!(
        notes
            .iter()
            .any(|n| n.contains("SYN queue is full and cookies are off")),
        "{notes:?}"
    );
    let half = snap.waiting("L1".parse().unwrap()).next().unwrap();
    assert_eq!(half.half_open().and_then(|h| h.syn), Some(1));
}

#[test]
fn an_entry_is_let_go_after_its_last_synack_resend() {
    // Resent 0 times, the first timer 0.7 s away, 5 resends: 1 + 2 + 4 +
    // 8 + 16 + 32 s in all, less the 0.3 s gone.
    assert_eq!(HalfOpen::left(0, 700, 5), 62_700);
    assert_eq!(HalfOpen::left(5, 900, 5), 900);
    assert_eq!(HalfOpen::left(1, 1000, 2), 5_000);
}

#[test]
fn a_crowded_syn_queue_cuts_the_resends_as_the_kernel_does() {
    // Half of max(8, backlog) or less: nothing is cut.
    assert_eq!(HalfOpen::retries_now(100, 4, 0, 3), 100);
    assert_eq!(HalfOpen::retries_now(100, 20, 0, 101), 100);
    // Past half, but every entry young: 9 < 2 × 9.
    assert_eq!(HalfOpen::retries_now(100, 9, 9, 3), 100);
    // Past half, none young: down to two.
    assert_eq!(HalfOpen::retries_now(100, 9, 0, 3), 2);
    // Three young of nine: one resend off (9 ≥ 6), then 9 < 12.
    assert_eq!(HalfOpen::retries_now(5, 9, 3, 3), 4);
    // Never below what was set when that is two or less.
    assert_eq!(HalfOpen::retries_now(1, 9, 0, 3), 1);
}

#[test]
fn the_syn_queue_limit_follows_the_backlog_and_with_cookies_off_tcp_max_syn_backlog() {
    let system = |cookies, msb| System {
        tcp_syncookies: Some(cookies),
        tcp_max_syn_backlog: Some(msb),
        ..System::default()
    };
    let q = syn_queue(4, None, &system(1, 8));
    assert_eq!(
        (q.syn_queue_limit, q.syn_queue_past_limit),
        (5, PastLimit::Cookies)
    );
    let q = syn_queue(100, Some((5, 7)), &system(0, 8));
    assert_eq!(
        (q.syn_queue_limit, q.syn_queue_past_limit),
        (7, PastLimit::Drop)
    );
    assert_eq!(q.defer_accept, Some(7));
    assert_eq!(syn_queue(4, None, &system(0, 128)).syn_queue_limit, 5);
    assert_eq!(syn_queue(4, None, &system(2, 128)).syn_queue_limit, 0);
}

#[test]
fn clients_that_hold_the_same_share_one_copy_of_it_in_the_view() {
    // Clients waiting for a SYN-ACK: the same queues, buffers, memory and
    // notes, each on its own port.
    let mut lab = vec![listener("L1", 5000, 1, 10)];
    let mut entries = vec![entry(
        TcpState::Listen,
        "127.0.0.1:5000",
        "0.0.0.0:0",
        10,
        1,
        1,
    )];
    for i in 0..3u16 {
        lab.push(client(
            &format!("C{}", i + 1),
            40000 + i,
            5000,
            20 + u64::from(i),
            false,
        ));
        let mut e = entry(
            TcpState::SynSent,
            &format!("127.0.0.1:{}", 40000 + i),
            "127.0.0.1:5000",
            20 + u64::from(i),
            0,
            1,
        );
        e.mem = Some((0, 1280));
        e.expires_ms = 1000;
        entries.push(e);
    }
    // The third has sent a byte the others have not (as if).
    lab[3].bytes_sent = 1;
    let snap = snapshot(readings(&lab, &entries));
    let c = |n: &str| snap.socket(n.parse().unwrap()).unwrap();
    let (c1, c2, c3) = (c("C1"), c("C2"), c("C3"));
    assert_eq!(
        (c1.sendq(), c1.snd_mem(), c1.sndbuf()),
        (Some(1), Some(1280), Some(16_384))
    );
    assert_ne!(c1.local, c2.local);
    assert!(c1.held.shared_with(&c2.held), "the same facts, kept once");
    assert!(!c1.held.shared_with(&c3.held), "C3 has sent a byte");
    assert_eq!((c3.bytes_sent(), c3.sendq()), (Some(1), Some(1)));
    assert!(!c1.notes.is_empty());
    assert!(c1.notes.shared_with(&c2.notes), "the same notes, one list");
    assert_eq!(c1.notes, c3.notes);
}
