//! Parsing recorded answers, and dumps of live sockets.

use super::*;

/// A recorded `inet_diag_msg` for 127.0.0.1:40000 → 127.0.0.1:5000,
/// ESTABLISHED, rqueue 7, wqueue 0, inode 1234, with TCP_INFO
/// (snd_wnd 65536 at offset 228) and SK_MEMINFO (rcvbuf 8192, sndbuf 16384).
fn recorded() -> Vec<u8> {
    let mut m = vec![0u8; MSG_LEN];
    m[0] = libc::AF_INET as u8;
    m[1] = 1;
    m[4..6].copy_from_slice(&40000u16.to_be_bytes());
    m[6..8].copy_from_slice(&5000u16.to_be_bytes());
    m[8..12].copy_from_slice(&[127, 0, 0, 1]);
    m[24..28].copy_from_slice(&[127, 0, 0, 1]);
    m[56..60].copy_from_slice(&7u32.to_ne_bytes());
    m[68..72].copy_from_slice(&1234u32.to_ne_bytes());
    let mut info = vec![0u8; 232];
    info[228..232].copy_from_slice(&65536u32.to_ne_bytes());
    m.extend_from_slice(&((4 + info.len()) as u16).to_ne_bytes());
    m.extend_from_slice(&INET_DIAG_INFO.to_ne_bytes());
    m.extend_from_slice(&info);
    let mut mem = vec![0u8; 36];
    mem[32..36].copy_from_slice(&197u32.to_ne_bytes());
    mem[0..4].copy_from_slice(&932u32.to_ne_bytes());
    mem[4..8].copy_from_slice(&8192u32.to_ne_bytes());
    mem[12..16].copy_from_slice(&16384u32.to_ne_bytes());
    m.extend_from_slice(&((4 + mem.len()) as u16).to_ne_bytes());
    m.extend_from_slice(&INET_DIAG_SKMEMINFO.to_ne_bytes());
    m.extend_from_slice(&mem);
    m
}

fn wrap(kind: u16, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&((netlink::HEADER + body.len()) as u32).to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&[0u8; 10]);
    out.extend_from_slice(body);
    out
}

#[test]
fn parses_a_recorded_message() {
    let e = parse_msg(&recorded()).unwrap();
    assert_eq!(e.state, TcpState::Established);
    assert_eq!(e.local, "127.0.0.1:40000".parse().unwrap());
    assert_eq!(e.peer, "127.0.0.1:5000".parse().unwrap());
    assert_eq!((e.rqueue, e.wqueue, e.inode), (7, 0, 1234));
    assert_eq!(e.info.unwrap().snd_wnd, Some(65536));
    assert_eq!(e.bufs, Some((8192, 16384)));
    assert_eq!(e.mem, Some((932, 0)));
    assert_eq!(e.drops, Some(197));
}

#[test]
fn parses_a_dump_until_done_and_reports_errors() {
    let mut buf = wrap(SOCK_DIAG_BY_FAMILY, &recorded());
    buf.extend(wrap(SOCK_DIAG_BY_FAMILY, &recorded()));
    buf.extend(wrap(netlink::DONE, &[0, 0, 0, 0]));
    let mut out = Vec::new();
    assert!(parse_messages(&buf, &mut out).unwrap());
    assert_eq!(out.len(), 2);
    let err = wrap(netlink::ERROR, &(-libc::EINVAL).to_ne_bytes());
    let e = parse_messages(&err, &mut out).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
    assert!(parse_messages(&[1, 2, 3], &mut out).is_ok());
}

#[test]
fn entries_of_one_dump_that_hold_the_same_tcp_info_share_one_copy() {
    let mut other = recorded();
    // Another snd_wnd (offset 228 of TCP_INFO, after its attribute's header).
    let at = MSG_LEN + 4 + 228;
    other[at..at + 4].copy_from_slice(&1000u32.to_ne_bytes());
    let mut buf = wrap(SOCK_DIAG_BY_FAMILY, &recorded());
    buf.extend(wrap(SOCK_DIAG_BY_FAMILY, &other));
    buf.extend(wrap(SOCK_DIAG_BY_FAMILY, &recorded()));
    let (mut out, mut infos) = (Vec::new(), Infos::default());
    parse_messages_in(&buf, &mut out, &mut infos).unwrap();
    let info = |i: usize| out[i].info.clone().expect("TCP_INFO");
    assert!(Arc::ptr_eq(&info(0), &info(2)), "the same, kept once");
    assert_eq!(info(1).snd_wnd, Some(1000));
    assert!(!Arc::ptr_eq(&info(0), &info(1)));
    assert_eq!(infos.len(), 2);
}

#[test]
fn request_carries_the_filter() {
    let r = request(libc::AF_INET as u8, &[80], 1);
    assert_eq!(u32_ne(&r, 0) as usize, r.len());
    assert_eq!(r[netlink::HEADER], libc::AF_INET as u8);
    // One port: two conditions and one JMP: 8 + 4 + 8 bytes of bytecode.
    assert_eq!(r.len(), netlink::HEADER + REQ_LEN + 4 + 20);
}

#[test]
fn a_live_dump_finds_a_listener() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let mut d = DiagSocket::open().unwrap();
    let mut out = Vec::new();
    d.dump(libc::AF_INET, &[port], &mut out).unwrap();
    // A TIME-WAIT left by another test's connection to an earlier owner
    // of the port matches the filter too (as peer), and so does another
    // test's socket on the same port of another loopback address
    // (127.0.1.2): only ours counts.
    let ours = l.local_addr().unwrap();
    out.retain(|e| e.local == ours);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].state, TcpState::Listen);
    assert_eq!(out[0].wqueue, 128, "std's TcpListener listens with 128");
}

#[test]
fn many_lookups_in_one_message_find_each_socket_or_say_it_is_gone() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let clients: Vec<std::net::TcpStream> = (0..3)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    let mut d = DiagSocket::open().unwrap();
    let filter = bytecode::source_ports(&[port]);
    let mut out = Vec::new();
    d.dump_filtered(
        libc::AF_INET,
        libc::IPPROTO_TCP,
        filter.as_deref(),
        Extensions::None,
        &mut out,
    )
    .unwrap();
    let mut conns: Vec<&DiagEntry> = out
        .iter()
        .filter(|e| e.state == TcpState::Established)
        .collect();
    assert_eq!(conns.len(), 3, "{out:?}");
    assert!(conns.iter().all(|e| e.info.is_none()));
    // One the kernel does not hold: a cookie of no socket.
    let mut gone = conns[0].clone();
    gone.cookie ^= 0xdead_beef;
    conns.insert(1, &gone);
    let found = d.many(&conns, libc::IPPROTO_TCP).unwrap();
    assert_eq!(found.len(), 4);
    assert!(found[1].is_none(), "{found:?}");
    for (asked, got) in conns.iter().zip(&found).filter(|(_, g)| g.is_some()) {
        let got = got.as_ref().unwrap();
        assert_eq!((got.local, got.peer), (asked.local, asked.peer));
        assert!(got.info.is_some() && got.bufs.is_some());
    }
    assert_eq!(found.iter().flatten().count(), 3);
    // The socket goes on working for dumps after.
    let mut again = Vec::new();
    d.dump_filtered(
        libc::AF_INET,
        libc::IPPROTO_TCP,
        filter.as_deref(),
        Extensions::None,
        &mut again,
    )
    .unwrap();
    assert_eq!(again.len(), out.len());
    drop(clients);
}

#[test]
fn one_walk_finds_both_families() {
    let v4 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = v4.local_addr().unwrap().port();
    // The same port on ::1, where the machine has IPv6.
    let v6 = std::net::TcpListener::bind(("::1", port)).ok();
    let mut d = DiagSocket::open().unwrap();
    let filter = bytecode::source_ports(&[port]);
    let mut out = Vec::new();
    d.dump_tcp_both_families(filter.as_deref(), Extensions::None, &mut out)
        .unwrap();
    let mine = |a: SocketAddr| {
        out.iter()
            .any(|e| e.local == a && e.state == TcpState::Listen)
    };
    assert!(mine(v4.local_addr().unwrap()), "{out:?}");
    if let Some(v6) = &v6 {
        assert!(mine(v6.local_addr().unwrap()), "{out:?}");
    }
    // As the dumps by family find them.
    let mut by_family = Vec::new();
    for family in [libc::AF_INET, libc::AF_INET6] {
        d.dump_filtered(
            family,
            libc::IPPROTO_TCP,
            filter.as_deref(),
            Extensions::None,
            &mut by_family,
        )
        .unwrap();
    }
    let key = |e: &DiagEntry| (e.local, e.peer, e.state.name(), e.inode);
    let mut a: Vec<_> = out.iter().map(key).collect();
    let mut b: Vec<_> = by_family.iter().map(key).collect();
    a.sort();
    b.sort();
    // Other tests' sockets on the port may come and go between the dumps.
    let a: Vec<_> = a.into_iter().filter(|k| k.0.port() == port).collect();
    let b: Vec<_> = b.into_iter().filter(|k| k.0.port() == port).collect();
    assert_eq!(a, b);
}
