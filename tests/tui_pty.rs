//! End to end: the real binary in a pseudo-terminal, driven by keys, with a
//! plain socket client as the peer; the screen read with a terminal parser.

use std::io::Write;
use std::time::{Duration, Instant};

mod common;

use common::pty::Pty;

#[test]
fn a_session_in_a_real_terminal_with_a_hostile_peer() {
    let mut pty = Pty::spawn(&[], 120, 36);
    // The modes the terminal had before sockplay took it over.
    let cooked = libc::ICANON | libc::ECHO;
    pty.wait_for("Welcome to sockplay");
    {
        let screen = pty.screen.lock().unwrap();
        assert!(
            screen.screen().alternate_screen(),
            "the lab uses the alternate screen"
        );
    }
    assert_eq!(
        pty.termios().c_lflag & cooked,
        0,
        "raw mode while the lab runs"
    );
    pty.command("listen 127.0.0.1:0 backlog=2");
    let text = pty.wait_for("L1 127.0.0.1:");
    let port: u16 = text
        .split("L1 127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|p| p.parse().ok())
        .expect("the listener's port on screen");
    // A peer from outside: plain bytes, with escape sequences and invalid UTF-8.
    let mut peer = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    peer.write_all(b"Hi\x1b[2J\x1b]0;pwned\x07\xff\r\n")
        .unwrap();
    // A peer on the listener's address is shown by its port.
    pty.wait_for(&format!("waiting: :{}", peer.local_addr().unwrap().port()));
    pty.command("accept L1");
    pty.wait_for("A1 from 127.0.0.1:");
    pty.command("recv A1 100");
    let text = pty.wait_for(r#""Hi\x1b[2J\x1b]0;pwned\x07\xff\r\n""#);
    assert!(text.contains("#3   A1  recv(100)"), "{text}");
    {
        let raw = pty.raw.lock().unwrap();
        let has = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
        assert!(
            !has(b"\x1b]0;pwned"),
            "the peer's title sequence reached the terminal"
        );
        assert!(
            !has(b"Hi\x1b[2J"),
            "the peer's clear-screen reached the terminal"
        );
        assert!(
            text.contains("Listeners"),
            "the screen was cleared:\n{text}"
        );
    }
    // q quits (no call is blocked), and the terminal comes back as it was.
    pty.keys(b"q");
    let status = pty.wait_exit();
    assert!(status.success(), "{status:?}");
    assert_given_back(&pty);
    assert_eq!(
        pty.termios().c_lflag & cooked,
        cooked,
        "cooked mode is back, echo too"
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut pty = Pty::spawn(&[], 100, 30);
    pty.wait_for("Welcome to sockplay");
    pty.command("listen");
    pty.command("connect L1");
    pty.command("recv C1 10");
    pty.wait_for("[blocked]");
    let status = pty.ends_within(libc::SIGTERM, Duration::from_secs(2));
    // As a shell reports a program the signal killed: 128 + 15.
    assert_eq!(status.code(), Some(128 + libc::SIGTERM), "{status:?}");
    assert_given_back(&pty);
}

#[test]
fn quit_asks_while_calls_are_blocked() {
    let mut pty = Pty::spawn(&[], 100, 30);
    pty.wait_for("Welcome to sockplay");
    pty.command("listen");
    pty.command("connect L1");
    pty.command("recv C1 10");
    pty.wait_for("[blocked]");
    pty.keys(b"q");
    pty.wait_for("Quit anyway?");
    pty.keys(b"y");
    let began = Instant::now();
    assert!(pty.wait_exit().success());
    assert!(
        began.elapsed() < Duration::from_secs(1),
        "{:?}",
        began.elapsed()
    );
}

#[test]
fn sighup_ends_the_lab_cleanly() {
    let mut pty = Pty::spawn(&["--listen", "--backlog", "1"], 100, 30);
    pty.wait_for("L1 127.0.0.1:");
    let status = pty.ends_within(libc::SIGHUP, Duration::from_secs(2));
    assert_eq!(status.code(), Some(128 + libc::SIGHUP), "{status:?}");
    assert_given_back(&pty);
}

#[test]
fn no_color_means_no_colour_codes() {
    let mut pty = Pty::spawn_with(&[], 100, 30, &[("NO_COLOR", "1")]);
    pty.wait_for("Welcome to sockplay");
    pty.command("listen backlog=0");
    pty.command("connect L1 x2");
    pty.wait_for("SYN-SENT");
    {
        let raw = pty.raw.lock().unwrap();
        let text = String::from_utf8_lossy(&raw);
        // SGR colour codes: 30–37/90–97 and 38;… foregrounds, 40–47/48;… backgrounds.
        let colour = regex_lite_sgr(&text);
        assert!(colour.is_none(), "a colour code under NO_COLOR: {colour:?}");
    }
    pty.keys(b"q");
    pty.keys(b"y");
    pty.wait_exit();
    // The same screen without NO_COLOR has colour: the check can fail.
    let mut pty = Pty::spawn(&[], 100, 30);
    pty.wait_for("Welcome to sockplay");
    pty.command("listen backlog=0");
    pty.command("connect L1 x2");
    pty.wait_for("SYN-SENT");
    let raw = String::from_utf8_lossy(&pty.raw.lock().unwrap()).into_owned();
    assert!(regex_lite_sgr(&raw).is_some(), "no colour without NO_COLOR");
}

/// The first SGR sequence that sets a colour, if any.
fn regex_lite_sgr(text: &str) -> Option<String> {
    text.split("\x1b[").skip(1).find_map(|rest| {
        let end = rest.find('m')?;
        let params = &rest[..end];
        if !params.bytes().all(|b| b.is_ascii_digit() || b == b';') {
            return None;
        }
        let colour = params.split(';').any(|p| {
            matches!(
                p.parse::<u32>(),
                Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)
            )
        });
        colour.then(|| params.to_string())
    })
}

/// The terminal is as the shell left it: main screen, cursor shown, no
/// mouse reporting, cooked mode. The reader thread may still be behind the
/// program's last bytes on a loaded machine, so this waits (at most 5 s)
/// for the screen to settle before it judges.
fn assert_given_back(pty: &Pty) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let given_back = {
            let parser = pty.screen.lock().unwrap();
            let screen = parser.screen();
            (
                !screen.alternate_screen(),
                !screen.hide_cursor(),
                screen.mouse_protocol_mode() == vt100::MouseProtocolMode::None,
            )
        };
        let cooked = pty.termios().c_lflag & libc::ICANON == libc::ICANON;
        if given_back == (true, true, true) && cooked || Instant::now() >= deadline {
            assert!(given_back.0, "left the alternate screen");
            assert!(given_back.1, "the cursor is shown");
            assert!(given_back.2, "mouse reporting is off");
            assert!(cooked, "cooked mode again");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigquit_restores_the_terminal() {
    let mut pty = Pty::spawn(&["--listen"], 100, 30);
    pty.wait_for("L1 127.0.0.1:");
    let status = pty.ends_within(libc::SIGQUIT, Duration::from_secs(1));
    assert_eq!(status.code(), Some(128 + libc::SIGQUIT), "{status:?}");
    assert_given_back(&pty);
}

/// Waits until the child has stopped (true) or continued (false).
fn wait_stopped(pid: i32, stopped: bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let flags = libc::WNOHANG
        | if stopped {
            libc::WUNTRACED
        } else {
            libc::WCONTINUED
        };
    loop {
        let mut status = 0;
        // SAFETY: waitpid on our own child, without reaping a running one.
        let r = unsafe { libc::waitpid(pid, &mut status, flags) };
        if r == pid
            && ((stopped && libc::WIFSTOPPED(status)) || (!stopped && libc::WIFCONTINUED(status)))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the child never {}",
            if stopped { "stopped" } else { "continued" }
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_z_suspends_like_vim_and_fg_brings_the_lab_back() {
    let mut pty = Pty::spawn(&["--listen"], 100, 30);
    pty.wait_for("L1 127.0.0.1:");
    let pid = pty.child.id() as i32;
    for stop in [&b"\x1a"[..], b"SIGTSTP"] {
        if stop == b"SIGTSTP" {
            // SAFETY: signalling the child we started.
            unsafe { libc::kill(pid, libc::SIGTSTP) };
        } else {
            pty.keys(stop);
        }
        wait_stopped(pid, true);
        assert_given_back(&pty);
        pty.screen.lock().unwrap().process(b"\x1b[2J");
        // `fg`: the shell continues the job.
        // SAFETY: signalling the child we started.
        unsafe { libc::kill(pid, libc::SIGCONT) };
        wait_stopped(pid, false);
        let text = pty.wait_for("L1 127.0.0.1:");
        assert!(
            text.contains("Listeners"),
            "the whole screen is drawn again:\n{text}"
        );
        assert!(pty.screen.lock().unwrap().screen().alternate_screen());
        assert_eq!(pty.termios().c_lflag & libc::ICANON, 0, "raw mode again");
    }
    pty.keys(b"q");
    assert!(pty.wait_exit().success());
    assert_given_back(&pty);
}

#[test]
fn a_panic_in_another_thread_restores_the_terminal_and_ends_the_program() {
    let mut pty = Pty::spawn_with(&["--listen"], 100, 30, &[("SOCKPLAY_TEST_PANIC", "thread")]);
    let status = pty.wait_exit();
    assert_eq!(status.code(), Some(101), "{status:?}");
    assert_given_back(&pty);
    let raw = String::from_utf8_lossy(&pty.raw.lock().unwrap()).into_owned();
    let left = raw.rfind("\x1b[?1049l").expect("left the alternate screen");
    assert!(
        raw[left..].contains("a test panic in a lab thread"),
        "the message is printed after the screen is given back"
    );
}

/// The port of the listener shown on screen as `L1 127.0.0.1:PORT`.
fn shown_port(text: &str) -> u16 {
    text.split("L1 127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|p| p.parse().ok())
        .expect("the listener's port on screen")
}

/// A chatty peer: one byte per send, Nagle off, for at most 20 s.
fn chatty_peer(port: u16) -> std::thread::JoinHandle<()> {
    let peer = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    peer.set_nodelay(true).unwrap();
    std::thread::spawn(move || {
        let mut peer = peer;
        let end = Instant::now() + Duration::from_secs(20);
        while Instant::now() < end && peer.write_all(b"A").is_ok() {}
    })
}

#[test]
fn frozen_under_a_chatty_peer_the_lab_still_quits_at_once() {
    for (how, signal) in [("SIGHUP", libc::SIGHUP), ("Ctrl-C", 0)] {
        let mut pty = Pty::spawn(&["--listen"], 100, 30);
        let port = shown_port(&pty.wait_for("L1 127.0.0.1:"));
        let _peer = chatty_peer(port);
        pty.command("accept L1");
        pty.wait_for("A1 from 127.0.0.1:");
        pty.command("recvall A1 16m");
        pty.keys(b"p");
        pty.wait_for("FROZEN");
        // The held results pass their bound, and the screen says so.
        let text = pty.wait_for("older ones dropped");
        assert!(text.contains("5000 results held"), "{text}");
        let began = Instant::now();
        if signal == 0 {
            pty.keys(b"\x03");
        } else {
            pty.signal(signal);
        }
        pty.wait_exit();
        let took = began.elapsed();
        assert!(took < Duration::from_secs(1), "{how} took {took:?}");
        assert_given_back(&pty);
    }
}

/// `sockplay shell` at a terminal: the line typed is shown once (by the
/// terminal), not again by sockplay; `quit` and `exit` end it.
#[test]
fn the_shell_does_not_echo_typed_lines_and_quit_or_exit_ends_it() {
    for word in ["quit", "exit"] {
        let mut pty = Pty::spawn(&["shell"], 100, 30);
        pty.wait_for("sockplay> ");
        pty.keys(b"listen backlog=3\r");
        pty.wait_for("#1");
        let raw = String::from_utf8_lossy(&pty.raw.lock().unwrap()).to_string();
        assert_eq!(
            raw.matches("listen backlog=3").count(),
            1,
            "the typed line shows once, as typed:\n{}",
            pty.text()
        );
        assert!(!raw.contains("│ listen"), "not echoed:\n{}", pty.text());
        pty.keys(format!("{word}\r").as_bytes());
        let status = pty.wait_exit();
        assert!(status.success(), "{word}: {status:?}\n{}", pty.text());
    }
}

/// What sockplay holds in memory now (VmRSS), in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

#[test]
fn a_stalled_terminal_under_a_chatty_peer_keeps_memory_bounded() {
    let mut pty = Pty::spawn(&["--listen"], 100, 30);
    let port = shown_port(&pty.wait_for("L1 127.0.0.1:"));
    let _peer = chatty_peer(port);
    pty.command("accept L1");
    pty.wait_for("A1 from 127.0.0.1:");
    // One recv per step: the peer's bytes come a few at a time, so the
    // loop reports steps as fast as the peer sends.
    pty.command("recvall A1 16m");
    pty.wait_for("recv(");
    let pid = pty.child.id();
    // `recvall A1 16m` reads into one buffer of the 16 MiB asked for, as
    // the classic loop keeps what it read: its pages fill as the peer's
    // bytes come, however the screen fares. Those bytes are the call's, not
    // the stall's; the kernel says how many the call has read (received,
    // less what still waits in the queue), and that much is set aside.
    // A dump of the kernel's table is not one atomic look: among the
    // machine's thousands of sockets coming and going, one read may pass
    // A1 over. It is read again then, a few times.
    let read_kib = || {
        let a1 = (0..20)
            .find_map(|_| {
                let seen = common::ss("-tinH", port)
                    .into_iter()
                    .find(|l| l.state == "ESTAB" && l.local.ends_with(&format!(":{port}")));
                if seen.is_none() {
                    std::thread::sleep(Duration::from_millis(10));
                }
                seen
            })
            .expect("A1 in ss");
        let received = a1.bytes_received.expect("bytes_received in ss -i");
        received.saturating_sub(a1.recv_q) / 1024
    };
    // Read before the memory, so the bytes set aside are never more than
    // the buffer already holds.
    let held = |pid| {
        let read = read_kib();
        rss_kib(pid).saturating_sub(read)
    };
    let before = held(pid);
    // Nobody reads the terminal now: the screen's thread blocks in its
    // writes while the lab's threads go on reporting.
    pty.stalled
        .store(true, std::sync::atomic::Ordering::Release);
    let mut most = before;
    for _ in 0..40 {
        std::thread::sleep(Duration::from_millis(200));
        most = most.max(held(pid));
    }
    pty.stalled
        .store(false, std::sync::atomic::Ordering::Release);
    let grew = most.saturating_sub(before) / 1024;
    assert!(
        grew < 24,
        "memory grew by {grew} MiB in 8 s while the screen was held up, \
         beside the bytes recvall read"
    );
    // The screen catches up and answers. The peer never stops sending, so
    // close() meets either an empty queue (a FIN) or unread bytes (a reset).
    pty.command("close A1");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = pty.text();
        if text.contains("FIN sent") || text.contains("reset (RST)") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "close's result never showed:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
