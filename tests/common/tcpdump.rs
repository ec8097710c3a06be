//! tcpdump as the independent reader of the wire: started on the loopback
//! for one port (or on any device of a namespace), stopped, and its
//! captures read back one line per segment.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// tcpdump capturing one port of the loopback into a file.
pub struct Tcpdump {
    child: Child,
}

impl Tcpdump {
    /// Starts tcpdump on `lo` for TCP `port`, writing each packet to `file`
    /// as it comes; returns once its filter is in place ("listening on lo").
    pub fn start(port: u16, file: &Path) -> Tcpdump {
        Tcpdump::start_in(None, "lo", &format!("tcp port {port}"), &[], file)
    }

    /// Starts tcpdump on `device` for `filter`, in the network namespace at
    /// `ns` (a `/proc/…/ns/net` path, through nsenter) or this one, with
    /// options `extra`, writing each packet to `file` as it comes; returns
    /// once its filter is in place.
    pub fn start_in(
        ns: Option<&str>,
        device: &str,
        filter: &str,
        extra: &[&str],
        file: &Path,
    ) -> Tcpdump {
        let mut cmd = match ns {
            Some(ns) => {
                let mut c = Command::new("nsenter");
                c.arg(format!("--net={ns}")).arg("tcpdump");
                c
            }
            None => Command::new("tcpdump"),
        };
        let mut child = cmd
            .args(["-i", device, "--immediate-mode", "-U", "-nn", "-Z", "root"])
            .args(extra)
            .arg("-w")
            .arg(file)
            .arg(filter)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("tcpdump starts (.ci/run installs it)");
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        assert!(line.contains("listening"), "tcpdump: {line}");
        // Keep reading its messages so that it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = std::io::Read::read_to_string(&mut err, &mut rest);
        });
        Tcpdump { child }
    }

    /// Stops tcpdump as Ctrl-C would, so that it writes out its file, and
    /// waits for it (at most 10 s, then it is killed).
    pub fn stop(mut self) {
        // SAFETY: signalling the child this test started, by its pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let began = Instant::now();
        while self.child.try_wait().unwrap().is_none() && began.elapsed() < Duration::from_secs(10)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tcpdump {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// tcpdump's reading of a capture file (`-nn -S` plus `extra`): one line
/// per segment, sequence numbers absolute.
pub fn read(file: &Path, extra: &[&str]) -> Vec<String> {
    let out = Command::new("tcpdump")
        .arg("-r")
        .arg(file)
        .args(["-nn", "-S"])
        .args(extra)
        .stderr(Stdio::null())
        .output()
        .expect("tcpdump reads its file");
    assert!(
        out.status.success(),
        "tcpdump could not read {}",
        file.display()
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}
