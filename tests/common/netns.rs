//! A lab in a network namespace of its own (`sockplay --netns run --json -`),
//! fed a script and read as JSON Lines, with the namespace's own `nstat`,
//! `ss` and `/proc/sys` read from inside through `nsenter` (root only:
//! such tests call [`super::require_root`]).

use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Runs `cmd` inside the network namespace of process `pid` and returns
/// what it printed.
pub fn inside(pid: u32, cmd: &[&str]) -> String {
    inside_ns(&format!("/proc/{pid}/ns/net"), cmd)
}

/// Runs `cmd` inside the network namespace at `ns` (a `/proc/…/ns/net`
/// path) and returns what it printed.
pub fn inside_ns(ns: &str, cmd: &[&str]) -> String {
    let out = Command::new("nsenter")
        .arg(format!("--net={ns}"))
        .args(cmd)
        .output()
        .expect("nsenter (util-linux) is installed");
    assert!(out.status.success(), "{cmd:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The port of an address in a JSON line (`"127.0.0.1:40000"` → `"40000"`).
pub fn port_in(addr: &Value) -> String {
    let addr = addr.as_str().expect("an address");
    addr.rsplit(':').next().unwrap().to_string()
}

/// `sockplay ARGS…` (`run --json -` among them) on `script`, run to its
/// end: its JSON lines. A run that could not make the namespace it asks
/// for fails the test ([`super::require_netns`]), as does any failed run.
pub fn run_json(args: &[&str], script: &str) -> Vec<Value> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sockplay"));
    let out = super::fed(cmd.args(args), script.as_bytes());
    let stderr = String::from_utf8_lossy(&out.stderr);
    super::require_netns(out.status.code(), &stderr);
    assert!(
        out.status.success(),
        "{stderr}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    super::json_lines(&out.stdout)
}

/// The socket `id` (`"C1"`) in a snapshot line.
pub fn socket<'a>(snap: &'a Value, id: &str) -> &'a Value {
    snap["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {snap}"))
}

/// A sockplay run fed a script, held open at its end by a sleep, its JSON
/// Lines read as they come: what [`NetnsLab`] and
/// [`super::link::LinkLab`] share.
pub struct JsonRun {
    pub child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    /// Every line read so far.
    pub seen: Vec<Value>,
}

impl JsonRun {
    /// Starts `cmd` (its stderr set up by the caller) on `script`, then
    /// `sleep HOLD` to keep the lab open while the test looks.
    pub fn start(cmd: &mut Command, script: &str, hold: &str) -> JsonRun {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let text = format!("{script}\nsleep {hold}\n");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        JsonRun {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The next line matching `want`; panics on an error line, a failed
    /// expectation, or the end (with what the process said on a piped
    /// stderr).
    pub fn until(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        for line in self.lines.by_ref() {
            let v: Value = serde_json::from_str(&line.unwrap()).unwrap();
            self.seen.push(v.clone());
            assert_ne!(v["type"], "error", "{v}");
            if v["type"] == "expect" {
                assert_eq!(v["ok"], true, "{v}");
            }
            if want(&v) {
                return v;
            }
        }
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        panic!("no {what}; the run said: {err}\n{:?}", self.seen);
    }

    /// The process id, whose namespace is the lab's.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then up to 5 s for the process to end; whether it ended.
    pub fn terminate(&mut self) -> bool {
        // SAFETY: kill on the child this test started, by its pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        exited_within(&mut self.child, Duration::from_secs(5))
    }
}

/// A lab run in its own namespace, fed a script, read as JSON Lines.
pub struct NetnsLab {
    run: JsonRun,
}

impl NetnsLab {
    /// Starts the lab on `script`; a long sleep at the end keeps it open
    /// while the test looks.
    pub fn start(script: &str) -> NetnsLab {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sockplay"));
        cmd.args(["--netns", "run", "--json", "-"]);
        NetnsLab {
            run: JsonRun::start(&mut cmd, script, "20s"),
        }
    }

    /// The process id, whose namespace is the lab's.
    pub fn pid(&self) -> u32 {
        self.run.pid()
    }

    /// The next line of this type; panics on an error line, a failed
    /// expectation, or the end.
    pub fn next(&mut self, kind: &str) -> Value {
        self.run
            .until(&format!("{kind} line"), |v| v["type"] == kind)
    }

    /// Runs `cmd` inside the lab's namespace; what it printed.
    pub fn inside(&self, cmd: &[&str]) -> String {
        inside(self.pid(), cmd)
    }

    /// nstat's absolute counters in the namespace (new, so they are the
    /// lab's), in the order asked.
    pub fn nstat(&self, names: &[&str]) -> Vec<u64> {
        let mut cmd = vec!["nstat", "-asz"];
        cmd.extend_from_slice(names);
        let text = self.inside(&cmd);
        names
            .iter()
            .map(|n| {
                text.lines()
                    .find(|l| l.split_whitespace().next() == Some(n))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .unwrap_or_else(|| panic!("{n} in {text}"))
                    .parse()
                    .unwrap()
            })
            .collect()
    }

    /// A kernel setting as the namespace sees it (`net.core.somaxconn`).
    pub fn sysctl(&self, name: &str) -> String {
        let path = format!("/proc/sys/{}", name.replace('.', "/"));
        self.inside(&["cat", &path]).trim().to_string()
    }

    /// Ends the lab as `kill` would, and checks that it ends within 5 s.
    pub fn stop(mut self) {
        assert!(self.run.terminate(), "sockplay did not end");
    }
}

/// Waits up to `limit` for `child` to end; kills it then. Whether it ended.
pub fn exited_within(child: &mut Child, limit: Duration) -> bool {
    let began = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if began.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

impl Drop for NetnsLab {
    fn drop(&mut self) {
        if self.run.child.try_wait().unwrap().is_none() {
            self.run.terminate();
        }
    }
}

/// Waits until process `pid` has a network namespace other than ours.
pub fn own_netns(pid: u32) {
    let mine = std::fs::read_link("/proc/self/ns/net").unwrap();
    let began = Instant::now();
    while std::fs::read_link(format!("/proc/{pid}/ns/net")).ok() == Some(mine.clone()) {
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "the lab made no namespace"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `sockplay --netns ARGS…` (`run --json -` among them) on `script`, with
/// tcpdump in the lab's own namespace capturing `filter` on `lo` into
/// `file` from before the script is fed until a moment after the run
/// ends: what the run printed. A run that could not make its namespace
/// fails the test ([`super::require_netns`]), as does any failed run.
pub fn run_captured(args: &[&str], script: &str, filter: &str, file: &std::path::Path) -> String {
    let mut lab = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .arg("--netns")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    own_netns(lab.id());
    let ns = format!("/proc/{}/ns/net", lab.id());
    let dump = super::tcpdump::Tcpdump::start_in(Some(&ns), "lo", filter, &[], file);
    lab.stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = lab.wait_with_output().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    dump.stop();
    let stderr = String::from_utf8_lossy(&out.stderr);
    super::require_netns(out.status.code(), &stderr);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stderr}\n{text}");
    text
}
