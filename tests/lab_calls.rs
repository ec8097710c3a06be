//! Every call and timeout mode on real loopback sockets.

mod common;

use std::time::{Duration, Instant};

use common::{errno, free_port, run};
use sockplay::lab::{Kind, Outcome};

#[test]
fn partial_send_into_small_buffers_then_eagain() {
    let r = run("
        listen rcvbuf=4k
        connect L1 sndbuf=4k timeout=0
        accept L1
        wait C1
        send C1 1m
        sleep 50ms
        send C1 1m
        sleep 50ms
        send C1 1m
        sleep 50ms
        send C1 1m
    ");
    r.assert_ok();
    let sends = r.calls("C1", "send");
    let first = sends[0];
    let n = first
        .outcome
        .ret()
        .expect("the first send accepts some bytes");
    assert!(first.partial && first.kind == Kind::Partial);
    assert!(!first.timed_out);
    // As the bytes move on to the receiver, later sends fit a little more,
    // until both small buffers are full: EAGAIN.
    let total: u64 = sends.iter().filter_map(|s| s.outcome.ret()).sum();
    assert!(
        n > 0 && total < 256 * 1024,
        "accepted {n}, then {total} in all"
    );
    let last = sends.last().unwrap();
    assert_eq!(errno(last).as_deref(), Some("EAGAIN"), "{sends:#?}");
    assert_eq!(last.kind, Kind::WouldBlock);
    assert_eq!(
        last.explain,
        "send buffer full (non-blocking): nothing fitted"
    );
}

#[test]
fn nonblocking_recv_and_accept_say_eagain() {
    let r = run("
        listen timeout=0
        accept L1
        connect L1 timeout=0
        wait C1
        accept L1
        set A1 timeout=0
        recv A1 16
        expect A1 errno=EAGAIN
        expect A1 timed_out=false
    ");
    r.assert_ok();
    let accepts = r.calls("L1", "accept");
    assert_eq!(errno(accepts[0]).as_deref(), Some("EAGAIN"));
    assert_eq!(accepts[0].explain, "accept queue empty (non-blocking)");
    assert_eq!(accepts[1].created.len(), 1);
    let recv = r.call("A1", "recv");
    assert_eq!(recv.kind, Kind::WouldBlock);
    assert_eq!(recv.explain, "nothing queued (non-blocking)");
}

#[test]
fn recv_in_timeout_mode_times_out_after_about_its_timeout() {
    let r = run("
        listen
        connect L1 timeout=500ms
        accept L1
        recv C1 100
        wait C1
        expect C1 errno=null
        expect C1 ret=null
        expect C1 timed_out=true
    ");
    r.assert_ok();
    assert_eq!(r.blocked().len(), 1, "reported blocked while it waits");
    let recv = r.call("C1", "recv");
    assert_eq!(recv.kind, Kind::TimedOut);
    assert_eq!(
        recv.outcome,
        Outcome::TimedOut,
        "Python's TimeoutError has no errno"
    );
    let ms = recv.elapsed.as_millis();
    assert!((450..1500).contains(&ms), "took {ms} ms");
    assert!(
        recv.explain
            .starts_with("poll() waited 0.50 s and nothing arrived"),
        "{}",
        recv.explain
    );
}

#[test]
fn rcvtimeo_gives_eagain_after_the_kernel_time_out() {
    let r = run("
        listen
        connect L1 rcvtimeo=500ms
        accept L1
        recv C1 100
        wait C1
        expect C1 errno=EAGAIN
        expect C1 timed_out=true
        expect C1 rcvtimeo=500ms
        expect C1 timeout=blocking
    ");
    r.assert_ok();
    let recv = r.call("C1", "recv");
    assert_eq!(recv.kind, Kind::TimedOut);
    let ms = recv.elapsed.as_millis();
    assert!((450..1500).contains(&ms), "took {ms} ms");
    assert_eq!(recv.explain, "SO_RCVTIMEO ran out after 0.50 s");
}

#[test]
fn blocking_send_blocks_until_the_peer_drains() {
    let r = run("
        listen rcvbuf=4k
        connect L1 sndbuf=4k
        accept L1
        send C1 1m
        drain A1 on
        wait C1 10s
        expect C1 ret=1m
        expect C1 partial=false
        drain A1 off
        wait A1
        expect A1 bytes_received=1m
    ");
    r.assert_ok();
    let blocked = r.blocked();
    assert!(
        blocked
            .iter()
            .any(|b| b.sock.to_string() == "C1" && b.call.name() == "send"),
        "the send was reported blocked: {blocked:?}"
    );
    let send = r.call("C1", "send");
    assert_eq!(send.outcome, Outcome::Ret(1 << 20));
    assert!(
        send.elapsed > Duration::from_millis(150),
        "{:?}",
        send.elapsed
    );
    let drain = r.call("A1", "drain");
    assert_eq!(drain.outcome, Outcome::Ret(1 << 20));
}

#[test]
fn recvall_reads_a_message_sent_in_two_pieces() {
    let r = run(r#"
        listen
        connect L1
        accept L1
        send C1 "Hi there"
        sleep 100ms
        recvall A1 16
        send C1 ", server"
        wait A1
        expect A1 ret=16
    "#);
    r.assert_ok();
    let all = r.call("A1", "recvall");
    assert_eq!(all.data.as_ref().unwrap().escaped(), "Hi there, server");
    let steps = r.calls("A1", "recv");
    assert_eq!(steps.len(), 2, "{steps:#?}");
    assert_eq!(steps[0].outcome, Outcome::Ret(8));
    // The loop's first recv got what was there: not partial, for the loop
    // goes on; the loop as a whole got all it asked.
    assert!(!steps[0].partial);
    assert!(!all.partial);
    assert_eq!(
        steps.iter().map(|s| s.part_of).collect::<Vec<_>>(),
        vec![Some(all.seq); 2]
    );
    // The loop's own result counts its calls, for its steps' lines give
    // way first on a short screen.
    assert_eq!(all.explain, "in 2 recv calls", "{all:#?}");
}

#[test]
fn connect_to_a_port_with_no_listener_is_refused() {
    let port = free_port();
    let r = run(&format!(
        "connect 127.0.0.1:{port}\nwait C1\nexpect C1 errno=ECONNREFUSED"
    ));
    r.assert_ok();
    let c = r.call("C1", "connect");
    assert_eq!(c.created.len(), 1);
    assert!(
        c.explain
            .contains(&format!("no listener on 127.0.0.1:{port}")),
        "{}",
        c.explain
    );
}

#[test]
fn listen_on_a_port_in_use_is_eaddrinuse() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let r = run(&format!(
        "listen 127.0.0.1:{port}\nexpect L1 errno=EADDRINUSE"
    ));
    r.assert_ok();
    let explain = &r.call("L1", "listen").explain;
    assert!(
        explain.contains(&format!("127.0.0.1:{port} is in use"))
            && explain.contains("a listener outside the lab listens on it"),
        "{explain}"
    );
    drop(taken);
}

#[test]
fn shutdown_write_is_end_of_stream_for_the_peer() {
    let r = run(r#"
        listen
        connect L1
        accept L1
        send C1 "bye"
        shutdown C1 write
        recv A1 100
        recv A1 100
        wait A1
        expect A1 ret=0
    "#);
    r.assert_ok();
    let recvs = r.calls("A1", "recv");
    assert_eq!(recvs[0].outcome, Outcome::Ret(3));
    assert_eq!(recvs[1].kind, Kind::EndOfStream);
}

#[test]
fn close_rst_is_a_reset_for_the_peer() {
    let r = run("
        listen
        connect L1
        accept L1
        close A1 rst
        sleep 50ms
        recv C1 10
        wait C1
        expect C1 errno=ECONNRESET
        send C1 10
        expect C1 errno=EPIPE
        recv C1 10
        expect C1 ret=0
    ");
    r.assert_ok();
    // The kernel reports the reset once; the recv after it reads 0, and
    // its explanation names the reset, not a FIN.
    let after = r.calls("C1", "recv")[1];
    assert!(after.explain.contains("reset (RST)"), "{after:?}");
}

/// The side that shuts down first ends in TIME-WAIT, its socket's state
/// reading CLOSE as after a reset; its recv of the peer's FIN is an
/// orderly end of stream, and says so.
#[test]
fn a_fin_after_our_own_is_no_reset() {
    let port = free_port();
    let r = run(&format!(
        "listen 127.0.0.1:{port}
        connect L1
        accept L1
        shutdown C1 write
        sleep 50ms
        close A1
        sleep 100ms
        recv C1 10
        expect C1 ret=0"
    ));
    r.assert_ok();
    // The client's end (its peer the listener's port) waits in TIME-WAIT.
    let waiting = common::ss("-Htan", port);
    assert!(
        waiting
            .iter()
            .any(|l| l.state == "TIME-WAIT" && l.peer.ends_with(&format!(":{port}"))),
        "C1 is not in TIME-WAIT: {waiting:?}"
    );
    let recv = r.call("C1", "recv");
    assert!(recv.explain.contains("(FIN)"), "{recv:?}");
    assert!(!recv.explain.contains("reset"), "{recv:?}");
}

#[test]
fn extra_clients_wait_in_syn_sent_until_accept() {
    let r = run("
        listen backlog=2
        connect L1 x6
        sleep 300ms
        accept L1
        sleep 2500ms
    ");
    r.assert_ok();
    // A backlog of 2 holds 3: the first three connect at once …
    for i in 1..=3 {
        let c = r.call(&format!("C{i}"), "connect");
        assert_eq!(c.outcome, Outcome::Ret(0));
        assert!(c.elapsed < Duration::from_millis(200), "{c:?}");
    }
    // … the other three are reported blocked: their SYNs are dropped.
    let blocked: Vec<String> = r.blocked().iter().map(|b| b.sock.to_string()).collect();
    assert_eq!(blocked, ["C4", "C5", "C6"]);
    // None gets in before the accept frees a slot; after it, a SYN retry
    // (about a second after the first SYN) gets in. Which of the three wins
    // is the kernel's race, so the test asks for at least one.
    let accept_t = r.call("L1", "accept").t;
    let late: Vec<_> = (4..=6)
        .flat_map(|i| r.calls(&format!("C{i}"), "connect"))
        .collect();
    assert!(late.iter().all(|c| c.t > accept_t), "{late:#?}");
    assert!(
        !late.is_empty(),
        "no waiting client got in after the accept"
    );
    for c in &late {
        assert_eq!(c.outcome, Outcome::Ret(0));
        assert!(c.elapsed > Duration::from_millis(900), "{c:?}");
    }
}

#[test]
fn a_blocked_recv_does_not_stop_a_send_on_the_same_socket() {
    let r = run(r#"
        listen
        connect L1
        accept L1
        recv C1 10
        send C1 "ping"
        expect C1 ret=4
        recv A1 10
        expect A1 ret=4
    "#);
    r.assert_ok();
    assert_eq!(r.blocked().len(), 1);
}

#[test]
fn close_wakes_a_blocked_recv() {
    let r = run("
        listen
        connect L1
        accept L1
        recv C1 10
        close C1
        sleep 200ms
    ");
    r.assert_ok();
    let recv = r.call("C1", "recv");
    // shutdown() woke it: a blocked recv reads end of stream.
    assert_eq!(recv.outcome, Outcome::Ret(0));
    assert!(
        r.call("C1", "close")
            .explain
            .contains("blocked calls were woken")
    );
}

#[test]
fn close_rst_wakes_a_blocked_send() {
    let r = run("
        listen rcvbuf=4k
        connect L1 sndbuf=4k
        accept L1
        send C1 4m
        close C1 rst
        sleep 200ms
        set A1 timeout=0
        recv A1 100k
        recv A1 100k
        recv A1 100k
    ");
    r.assert_ok();
    // Woken by the close: it returns what it had copied (or EINTR if nothing).
    let send = r.call("C1", "send");
    assert!(
        send.outcome.ret().is_some() || errno(send).as_deref() == Some("EINTR"),
        "{send:?}"
    );
    // Bytes that arrived before the reset can still be read; then ECONNRESET.
    let recvs = r.calls("A1", "recv");
    let reset = recvs
        .iter()
        .position(|r| errno(r).as_deref() == Some("ECONNRESET"));
    let reset = reset.unwrap_or_else(|| panic!("no ECONNRESET: {recvs:#?}"));
    assert!(
        recvs[..reset]
            .iter()
            .all(|r| r.outcome.ret().is_some_and(|n| n > 0))
    );
}

#[test]
fn ending_the_lab_with_blocked_calls_takes_under_a_second() {
    let lines = sockplay::script::parse_script(
        "listen backlog=0\nconnect L1 x3\naccept L1\nrecv C1 10\nrecv A1 10\nsendall C1 64m",
    )
    .unwrap();
    let mut sink = common::Collect::default();
    let mut runner = sockplay::script::Runner::new(&mut sink);
    for line in &lines {
        assert!(runner.run_line(line));
    }
    assert!(runner.lab().pending_all() > 0);
    let began = Instant::now();
    runner.close();
    assert!(
        began.elapsed() < Duration::from_secs(1),
        "{:?}",
        began.elapsed()
    );
}

#[test]
fn timeout_modes_for_accept() {
    let r = run("
        listen timeout=300ms
        accept L1
        wait L1
        expect L1 errno=null
        expect L1 timed_out=true
        set L1 timeout=0
        accept L1
        expect L1 timed_out=false
        set L1 timeout=none
        accept L1
        connect L1
        wait L1
        expect L1 errno=null
    ");
    r.assert_ok();
    let accepts = r.calls("L1", "accept");
    assert_eq!(accepts[0].kind, Kind::TimedOut);
    assert_eq!(accepts[1].kind, Kind::WouldBlock);
    assert_eq!(
        accepts[2].created.len(),
        1,
        "the blocking accept waited for C1"
    );
}

#[test]
fn a_connect_out_of_sndtimeo_is_einprogress() {
    let r = run("
        listen backlog=0
        connect L1
        connect L1 sndtimeo=400ms
        wait C2
        expect C2 errno=EINPROGRESS
        expect C2 timed_out=true
    ");
    r.assert_ok();
    let c = r.call("C2", "connect");
    assert!(c.explain.contains("handshake goes on"), "{}", c.explain);
    assert!(
        c.explain.starts_with("SO_SNDTIMEO ran out"),
        "{}",
        c.explain
    );
}

#[test]
fn a_connect_out_of_its_timeout_is_timed_out_without_errno() {
    let r = run("
        listen backlog=0
        connect L1
        connect L1 timeout=400ms
        wait C2
        expect C2 errno=null
        expect C2 timed_out=true
        expect C2 state=SYN-SENT
    ");
    r.assert_ok();
    let c = r.call("C2", "connect");
    assert_eq!(c.outcome, Outcome::TimedOut);
    assert!(c.elapsed >= Duration::from_millis(380), "{:?}", c.elapsed);
}

#[test]
fn a_send_under_a_timeout_returns_at_once_with_what_fits() {
    let r = run("
        listen rcvbuf=4k
        connect L1 sndbuf=4k timeout=500ms
        accept L1
        send C1 1m
        expect C1 partial=true
        expect C1 timed_out=false
        send C1 1m
        wait C1
        send C1 1m
        wait C1
        send C1 1m
        wait C1
    ");
    r.assert_ok();
    let sends = r.calls("C1", "send");
    assert!(
        sends[0].elapsed < Duration::from_millis(250),
        "the first send did not wait for its time-out: {:?}",
        sends[0].elapsed
    );
    // Once both buffers are full, nothing is ready: timed out, no errno.
    let last = sends.last().unwrap();
    assert_eq!(last.outcome, Outcome::TimedOut, "{sends:#?}");
    assert!(
        last.elapsed >= Duration::from_millis(450),
        "{:?}",
        last.elapsed
    );
}

#[test]
fn sendall_shows_every_step_in_nonblocking_mode() {
    let r = run("
        listen rcvbuf=4k
        connect L1 sndbuf=4k timeout=0
        accept L1
        wait C1
        sendall C1 200k
        drain A1 on
        wait C1 10s
        expect C1 ret=200k
        drain A1 off
    ");
    r.assert_ok();
    let all = r.call("C1", "sendall");
    let steps = r.calls("C1", "send");
    assert!(steps.len() > 2, "{} steps", steps.len());
    assert!(steps.iter().all(|s| s.part_of == Some(all.seq)));
    let moved: u64 = steps.iter().filter_map(|s| s.outcome.ret()).sum();
    assert_eq!(moved, 200 * 1024);
}

#[test]
fn peek_leaves_the_bytes_queued() {
    let r = run(r#"
        listen
        connect L1
        accept L1
        send C1 "Hello"
        sleep 50ms
        recv A1 16 peek
        recv A1 16
        expect A1 bytes_received=5
    "#);
    r.assert_ok();
    let recvs = r.calls("A1", "recv");
    assert_eq!(recvs[0].data, recvs[1].data);
    assert!(recvs[0].explain.contains("peeked"));
}

#[test]
fn set_reads_back_what_the_kernel_made_of_it() {
    let r = run("
        listen
        connect L1
        set C1 rcvbuf=4k sndbuf=4k timeout=250ms nodelay=on sndtimeo=250ms
        expect C1 rcvbuf_asked=4096
        expect C1 rcvbuf=8192
        expect C1 sndbuf=8192
        expect C1 timeout=\"timeout 250ms\"
        expect C1 sndtimeo=252ms
    ");
    // The kernel rounds 250 ms to its tick; the test asks what it read.
    let got = r
        .records
        .iter()
        .find_map(|rec| match rec {
            common::Rec::Expect(e) if e.expectation.field == "sndtimeo" => e.got.clone(),
            _ => None,
        })
        .unwrap();
    assert!(got.starts_with("25"), "{got}");
}

#[test]
fn unknown_and_closed_sockets_are_rejected_and_nothing_changes() {
    let r = run("listen\nsend C9 10\n");
    assert_eq!(r.status, sockplay::script::RunStatus::Rejected);
    assert!(
        matches!(&r.records.last(), Some(common::Rec::Error(2, m)) if m.contains("no socket C9"))
    );
    let r = run("listen\nclose L1\naccept L1\n");
    assert!(matches!(&r.records.last(), Some(common::Rec::Error(3, m)) if m == "L1 is closed"));
    let r = run("listen\nconnect L1\nconnect C1\n");
    assert!(
        matches!(&r.records.last(), Some(common::Rec::Error(3, m)) if m.contains("not a listener"))
    );
}

#[test]
fn a_failed_listen_keeps_its_name_and_says_so() {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine.
    let r = run("listen 192.0.2.1:0\nexpect L1 errno=EADDRNOTAVAIL\nlisten\nconnect L1\n");
    assert_eq!(r.status, sockplay::script::RunStatus::Rejected);
    // Names are never reused: the next listener is L2.
    assert!(r.call("L2", "listen").outcome == sockplay::lab::Outcome::Ret(0));
    assert!(
        matches!(&r.records.last(), Some(common::Rec::Error(4, m)) if m.contains("the listen that was to make it failed")),
        "{:#?}",
        r.records.last()
    );
    // A connect that got no socket (EMFILE) burns its name the same way.
    let burned = sockplay::lab::LabError::NeverMade("C5".parse().unwrap());
    assert_eq!(
        burned.to_string(),
        "there is no socket C5: the connect that was to make it failed (see its result)"
    );
}

#[test]
fn accept_on_a_client_is_the_kernels_einval() {
    let r = run("listen\nconnect L1\naccept C1\nwait C1\nexpect C1 errno=EINVAL");
    r.assert_ok();
    assert_eq!(
        r.call("C1", "accept").explain,
        "accept() needs a listening socket"
    );
}

#[test]
fn reset_starts_the_names_again_and_drops_old_results() {
    use sockplay::lab::{Call, Command, Lab, LabEvent, SockOpts, Target};
    let (lab, rx) = Lab::new();
    let listen = Command::Listen {
        addr: None,
        backlog: 1,
        reuseaddr: None,
        opts: SockOpts::default(),
        defer_accept: None,
        port_alone: false,
    };
    lab.execute(&listen).unwrap();
    let l1 = "L1".parse().unwrap();
    lab.execute(&Command::Connect {
        target: Target::Listener(l1),
        count: 1,
        opts: SockOpts::default(),
    })
    .unwrap();
    // A call that blocks, then is woken by the reset: once C1 is
    // connected, and while its recv runs.
    let c1 = "C1".parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !matches!(
        rx.recv_timeout(deadline.saturating_duration_since(Instant::now())),
        Ok(LabEvent::Finished(r)) if r.call == Call::Connect
    ) {
        assert!(Instant::now() < deadline, "C1 never connected");
    }
    lab.execute(&Command::Recv {
        sock: c1,
        size: 10,
        peek: false,
    })
    .unwrap();
    let receiving = || {
        lab.socket(c1)
            .is_some_and(|s| s.in_flight.iter().any(|f| f.call.call == Call::Recv))
    };
    while !receiving() {
        assert!(Instant::now() < deadline, "the recv never ran");
        std::thread::sleep(Duration::from_millis(1));
    }
    while rx.try_recv().is_ok() {}
    lab.reset();
    assert!(lab.sockets().is_empty());
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "the woken recv is not reported"
    );
    let began = lab.execute(&listen).unwrap();
    assert_eq!(
        (began[0].seq, began[0].sock.to_string()),
        (1, "L1".to_string())
    );
    assert!(
        matches!(rx.recv_timeout(Duration::from_secs(1)), Ok(LabEvent::Finished(r)) if r.seq == 1)
    );
}
