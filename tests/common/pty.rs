//! The real binary in a pseudo-terminal, driven by keys; the screen read
//! with a terminal parser. One harness for every test that needs a real
//! terminal.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// sockplay in a pseudo-terminal of its own.
pub struct Pty {
    master: std::fs::File,
    /// The terminal as a parser has it after every byte sockplay wrote.
    pub screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte sockplay wrote to the terminal.
    pub raw: Arc<Mutex<Vec<u8>>>,
    /// While set, nothing reads the terminal: sockplay's writes fill it
    /// and block, as over a stalled link.
    pub stalled: Arc<AtomicBool>,
    /// sockplay itself.
    pub child: Child,
}

impl Pty {
    /// The process id of sockplay.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Starts sockplay with `args` in a `cols`×`rows` terminal.
    pub fn spawn(args: &[&str], cols: u16, rows: u16) -> Pty {
        Pty::spawn_with(args, cols, rows, &[])
    }

    /// Starts sockplay with `args` and the environment `env` added, in a
    /// `cols`×`rows` terminal. `NO_COLOR` and `SOCKPLAY_THEME` are cleared
    /// first, so the test's own environment does not change the screen.
    pub fn spawn_with(args: &[&str], cols: u16, rows: u16, env: &[(&str, &str)]) -> Pty {
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
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sockplay"));
        cmd.args(args)
            .env("TERM", "xterm-256color")
            .env_remove("NO_COLOR")
            .env_remove("SOCKPLAY_THEME")
            .envs(env.iter().copied())
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: setsid and TIOCSCTTY are async-signal-safe; the pty
        // becomes the child's controlling terminal, as in a real terminal.
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
        let raw = Arc::new(Mutex::new(Vec::new()));
        let stalled = Arc::new(AtomicBool::new(false));
        let (mut reader, screen2, raw2, stalled2) = (
            master.try_clone().unwrap(),
            Arc::clone(&screen),
            Arc::clone(&raw),
            Arc::clone(&stalled),
        );
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                // Bounded: the child is killed when the test ends, and then
                // the read below fails.
                if stalled2.load(Ordering::Acquire) {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                let Ok(n) = reader.read(&mut buf) else { break };
                if n == 0 {
                    break;
                }
                screen2.lock().unwrap().process(&buf[..n]);
                raw2.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            master,
            screen,
            raw,
            stalled,
            child,
        }
    }

    /// The screen's text now.
    pub fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits up to 10 s for `what` on screen; the screen then.
    #[track_caller]
    pub fn wait_for(&self, what: &str) -> String {
        self.wait_for_all(&[what], Duration::from_secs(10))
    }

    /// Waits up to `limit` until every one of `what` is on screen at once;
    /// the screen then.
    #[track_caller]
    pub fn wait_for_all(&self, what: &[&str], limit: Duration) -> String {
        let deadline = Instant::now() + limit;
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

    /// The screen once it has not changed for half a second (at most 10 s).
    pub fn settled(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut last = self.text();
        let mut since = Instant::now();
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            let now = self.text();
            if now != last {
                last = now;
                since = Instant::now();
            } else if since.elapsed() >= Duration::from_millis(500) {
                break;
            }
        }
        last
    }

    /// Types `bytes`, at once.
    pub fn keys(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
        self.master.flush().unwrap();
    }

    /// Types `:TEXT` Enter, each step once the screen shows the last one
    /// taken: the command line open, the text in it, the lab's keys back.
    pub fn command(&mut self, text: &str) {
        self.keys(b":");
        self.wait_for("Esc leave");
        self.keys(text.as_bytes());
        self.wait_for(&format!(": {text}"));
        self.keys(b"\r");
        self.wait_for(": command · ?");
    }

    /// Presses q, and y when asked because calls are still blocked; fails
    /// unless sockplay ends well within 5 s.
    #[track_caller]
    pub fn quits(&mut self) {
        self.keys(b"q");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{status:?}");
                return;
            }
            if self.text().contains("y quit") {
                self.keys(b"y");
            }
            assert!(Instant::now() < deadline, "did not quit:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The terminal's modes now, as sockplay left or set them.
    pub fn termios(&self) -> libc::termios {
        // SAFETY: tcgetattr on the pty master reads the terminal's modes
        // into the zeroed struct it is given.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            assert_eq!(libc::tcgetattr(self.master.as_raw_fd(), &mut t), 0);
            t
        }
    }

    /// Sends `signal` to sockplay, as a terminal or `kill` would.
    pub fn signal(&self, signal: i32) {
        // SAFETY: signalling the child this test started, by its pid.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    /// Sends `signal` and checks that sockplay ends within `limit`.
    #[track_caller]
    pub fn ends_within(&mut self, signal: i32, limit: Duration) -> ExitStatus {
        self.signal(signal);
        let began = Instant::now();
        let status = self.wait_exit();
        let took = began.elapsed();
        assert!(took < limit, "signal {signal}: ended after {took:?}");
        status
    }

    /// Waits up to 3 s for sockplay to end; fails with the screen if not.
    #[track_caller]
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "sockplay did not exit:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether sockplay ended within `limit`.
    pub fn exited_within(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
