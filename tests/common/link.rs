//! A lab on the lab's own link (`sockplay --link SPEC run --json -`), fed a
//! script and read as JSON Lines as they come, with both sides' namespaces
//! reached through `nsenter`: the server side is the process's own, the
//! client side the link thread's (`/proc/PID/task/TID/ns/net`).

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::netns::{JsonRun, inside, inside_ns};

/// A lab on a link, fed a script, its JSON Lines read as they come.
pub struct LinkLab {
    pub run: JsonRun,
}

impl LinkLab {
    /// `sockplay [PREFIX…] --link SPEC run --json -` on `script`, kept open
    /// at the end by a long sleep.
    pub fn start_as(prefix: &[&str], spec: &str, script: &str) -> LinkLab {
        LinkLab::start_with(prefix, &["--link", spec], &["run", "--json", "-"], script)
    }

    /// `sockplay [PREFIX…] ARGS… RUN…` on `script` (RUN: `run --json -`
    /// and its options), kept open at the end by a long sleep.
    pub fn start_with(prefix: &[&str], args: &[&str], run: &[&str], script: &str) -> LinkLab {
        LinkLab::spawn(prefix, args, run, script, &[])
    }

    /// As [`LinkLab::start`], with these variables in sockplay's environment.
    pub fn start_env(env: &[(&str, &str)], spec: &str, script: &str) -> LinkLab {
        let run = ["run", "--json", "-"];
        LinkLab::spawn(&[], &["--link", spec], &run, script, env)
    }

    fn spawn(
        prefix: &[&str],
        args: &[&str],
        run: &[&str],
        script: &str,
        env: &[(&str, &str)],
    ) -> LinkLab {
        let bin = env!("CARGO_BIN_EXE_sockplay");
        let mut cmd = match prefix.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        // A test run in the background of a shell without job control
        // inherits SIGINT ignored; sockplay gets it as a terminal would give it.
        // SAFETY: signal is async-signal-safe and takes no pointers.
        unsafe {
            cmd.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                Ok(())
            });
        }
        cmd.args(args)
            .args(run)
            .envs(env.iter().copied())
            .stderr(Stdio::piped());
        LinkLab {
            run: JsonRun::start(&mut cmd, script, "30s"),
        }
    }

    pub fn start(spec: &str, script: &str) -> LinkLab {
        LinkLab::start_as(&[], spec, script)
    }

    /// The next line matching `want`; panics on an error line, a failed
    /// expectation, or the end (with what the process said).
    pub fn until(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        self.run.until(what, want)
    }

    /// The next finished call of `sock`'s `call`.
    pub fn op(&mut self, sock: &str, call: &str) -> Value {
        self.until(&format!("{sock} {call}"), |v| {
            v["type"] == "op" && v["sock"] == sock && v["call"] == call
        })
    }

    pub fn snapshot(&mut self) -> Value {
        self.until("snapshot", |v| v["type"] == "snapshot")
    }

    pub fn pid(&self) -> u32 {
        self.run.pid()
    }

    /// Runs `cmd` on the client side (the link thread's namespace).
    pub fn client_side(&self, cmd: &[&str]) -> String {
        inside_ns(&client_ns(self.pid()), cmd)
    }

    /// Runs `cmd` on the server side (the lab's namespace).
    pub fn server_side(&self, cmd: &[&str]) -> String {
        inside(self.pid(), cmd)
    }

    /// SIGTERM; the process must end within 5 s.
    pub fn stop(mut self) {
        assert!(self.run.terminate(), "sockplay did not end");
    }
}

/// The namespace path of process `pid`'s link thread (`sockplay-link`).
pub fn client_ns(pid: u32) -> String {
    link_thread(pid)
        .map(|tid| format!("/proc/{pid}/task/{tid}/ns/net"))
        .unwrap_or_else(|| panic!("process {pid} has no sockplay-link thread"))
}

fn link_thread(pid: u32) -> Option<String> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|tid| {
            std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/comm"))
                .is_ok_and(|c| c.trim() == "sockplay-link")
        })
}

pub fn port_of(addr: &Value) -> u16 {
    addr.as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// `ss -Hti` on one side: the rtts it reads for the connections it lists, in ms.
pub fn ss_rtts_ms(text: &str) -> Vec<f64> {
    let rtts: Vec<f64> = text
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("rtt:"))
        .map(|r| r.split('/').next().unwrap().parse().unwrap())
        .collect();
    assert!(!rtts.is_empty(), "no rtt in {text}");
    rtts
}

/// The least of `samples` (times across the link, in ms). A busy machine
/// only ever adds to such a time (the link's thread, or the reader, woken
/// late), and under a loaded suite it added 8 to 21 ms to all five of a
/// run's connects: the least disturbed sample is the one that tells what
/// the link itself takes. No sample is below what the link's delay allows.
pub fn least(samples: &[f64]) -> f64 {
    samples.iter().copied().fold(f64::INFINITY, f64::min)
}

pub fn within(got: f64, want: f64, share: f64) -> bool {
    (got - want).abs() <= want * share
}
