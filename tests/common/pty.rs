//! The real binary in a pseudo-terminal, driven by keys; the screen read
//! with a terminal parser.

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// sockplay in a pseudo-terminal of its own.
pub struct Pty {
    master: std::fs::File,
    screen: Arc<Mutex<vt100::Parser>>,
    child: Child,
}

impl Pty {
    /// Starts sockplay with `args` in a `cols`×`rows` terminal.
    pub fn spawn(args: &[&str], cols: u16, rows: u16) -> Pty {
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
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: setsid and TIOCSCTTY are async-signal-safe; the pty
        // becomes the child's controlling terminal.
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

    /// The screen's text now.
    pub fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits up to 10 s for `what` on screen; the screen then.
    #[track_caller]
    pub fn wait_for(&self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.text();
            if text.contains(what) {
                return text;
            }
            assert!(Instant::now() < deadline, "{what:?} never showed:\n{text}");
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

    /// Types `bytes`.
    pub fn keys(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
        self.master.flush().unwrap();
        std::thread::sleep(Duration::from_millis(60));
    }

    /// Types `:TEXT` Enter Esc.
    pub fn command(&mut self, text: &str) {
        self.keys(b":");
        self.keys(text.as_bytes());
        self.keys(b"\r");
        self.keys(b"\x1b");
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
