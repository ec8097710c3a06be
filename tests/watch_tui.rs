//! `sockplay watch` in a real terminal: a python3 server's full queue on
//! screen with its process, and a started program followed until it binds.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

struct Pty {
    master: std::fs::File,
    screen: Arc<Mutex<vt100::Parser>>,
    child: Child,
}

fn spawn(args: &[&str], cols: u16, rows: u16) -> Pty {
    let (mut master, mut slave) = (-1, -1);
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors; the rest may be null.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(r, 0, "openpty");
    // SAFETY: both descriptors are new and ours.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sockplay"));
    cmd.args(args)
        .env("TERM", "xterm-256color")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: setsid and TIOCSCTTY are async-signal-safe; the pty becomes
    // the child's controlling terminal.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY, 0);
            Ok(())
        });
    }
    let child = cmd.spawn().unwrap();
    let master = std::fs::File::from(master);
    let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
    let (mut reader, screen2) = (master.try_clone().unwrap(), Arc::clone(&screen));
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        // Bounded: the read fails once the child is gone.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            screen2.lock().unwrap().process(&buf[..n]);
        }
    });
    Pty {
        master,
        screen,
        child,
    }
}

impl Pty {
    fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until every one of `what` is on screen at once.
    fn wait_for_all(&self, what: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let text = self.text();
            if what.iter().all(|w| text.contains(w)) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{what:?} never all showed:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
        self.master.flush().unwrap();
        std::thread::sleep(Duration::from_millis(60));
    }

    fn quits(&mut self) {
        self.keys(b"q");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{status:?}");
                return;
            }
            // Asked first while calls are blocked: yes.
            if self.text().contains("y quit") {
                self.keys(b"y");
            }
            assert!(Instant::now() < deadline, "did not quit:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Python(Child);

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn textbook_server() -> (Python, u16) {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(
            "import socket, time\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen(5)\nprint(s.getsockname()[1], flush=True)\ntime.sleep(120)\n",
        )
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs (.ci/run installs it)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Python(child), line.trim().parse().unwrap())
}

fn ss_listener(port: u16) -> Option<(u64, u64)> {
    common::ss("-Hlnt", port)
        .into_iter()
        .find(|l| l.state == "LISTEN" && l.local.ends_with(&format!(":{port}")))
        .map(|l| (l.recv_q, l.send_q))
}

#[test]
fn the_panes_show_the_port_the_process_and_the_full_queue() {
    let (server, port) = textbook_server();
    let comm = std::fs::read_to_string(format!("/proc/{}/comm", server.0.id())).unwrap();
    let who = format!("{} {}", comm.trim(), server.0.id());
    let mut pty = spawn(&["watch", &port.to_string()], 100, 30);
    // At 100 columns the listeners pane gives the process room before the host.
    pty.wait_for_all(&["S1 ", &format!(":{port} "), &who, "waiting: none"]);
    // The class knocks from the lab's own command line: eight clients.
    pty.keys(format!(":connect 127.0.0.1:{port} x8\r").as_bytes());
    let screen = pty.wait_for_all(&["6/6 FULL", "waiting: C1 C2 C3 C4 C5 C6", &who]);
    assert_eq!(ss_listener(port), Some((6, 5)), "{screen}");
    assert!(screen.contains(&format!("watch :{port}")), "{screen}");
    assert!(screen.contains("backlog 5"), "{screen}");
    pty.quits();
}

#[test]
fn a_started_server_is_followed_until_it_binds_at_80_by_24() {
    let port = common::free_port();
    let output = std::env::temp_dir().join(format!("sockplay-watch-test-{port}.log"));
    let late = "import socket, sys, time\ntime.sleep(3.0)\ns = socket.socket()\ns.bind(('127.0.0.1', int(sys.argv[1])))\ns.listen(3)\nprint('bound', flush=True)\ntime.sleep(120)\n";
    let out_arg = output.display().to_string();
    let port_arg = port.to_string();
    let mut pty = spawn(
        &[
            "watch", "--output", &out_arg, "--", "python3", "-c", late, &port_arg,
        ],
        80,
        24,
    );
    pty.wait_for_all(&["has no TCP or"]);
    let screen = pty.wait_for_all(&["S1 ", &format!(":{port} "), "python", "0/4"]);
    assert!(screen.contains("watch pid "), "{screen}");
    pty.quits();
    // The program sockplay started ended with it; its output went to the file.
    let deadline = Instant::now() + Duration::from_secs(5);
    while ss_listener(port).is_some() {
        assert!(Instant::now() < deadline, "the server still listens");
        std::thread::sleep(Duration::from_millis(50));
    }
    let said = std::fs::read_to_string(&output).unwrap_or_default();
    let _ = std::fs::remove_file(&output);
    assert_eq!(said.trim(), "bound");
}
