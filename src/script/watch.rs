//! `sockplay watch`: what it watches, the program it may start, and the
//! headless run that prints one `snapshot` per interval.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::kernel::Snapshotter;
use crate::kernel::watch::{Target, Watch};

use super::json::{JsonLines, terminal_safe};
use super::sink::Sink;

/// A program `watch -- COMMAND…` started, and where its output goes.
pub struct Started {
    child: Child,
    /// The file its output goes to, when not inherited.
    pub output: Option<PathBuf>,
    /// The command line it was started with.
    pub command: String,
}

impl Started {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it has exited (reaping it, so that /proc lets it go).
    pub fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Started {
    /// A program sockplay started ends with it: SIGTERM, then SIGKILL
    /// after a moment.
    fn drop(&mut self) {
        if self.exited() {
            return;
        }
        // Our own child, not yet reaped: the pid cannot name another process.
        let _ = rustix::process::kill_process(
            rustix::process::Pid::from_child(&self.child),
            rustix::process::Signal::TERM,
        );
        // Bounded: a tenth of a second at a time, two seconds in all.
        for _ in 0..20 {
            if self.exited() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` with its output going to `output` (a file), or, with
/// none, to this process's standard error. Says in one line why it could not.
pub fn start(command: &[String], output: Option<PathBuf>) -> Result<Started, String> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| "watch --: which program? (watch -- python3 server.py)".to_string())?;
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::null());
    match &output {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| {
                format!(
                    "cannot write the program's output to {}: {e}",
                    path.display()
                )
            })?;
            let err = file
                .try_clone()
                .map_err(|e| format!("cannot write the program's output: {e}"))?;
            cmd.stdout(file).stderr(err);
        }
        None => {
            cmd.stdout(Stdio::from(std::io::stderr().as_fd_owned()?))
                .stderr(Stdio::inherit());
        }
    }
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {program}: {}", plain(&e)))?;
    Ok(Started {
        child,
        output,
        command: command.join(" "),
    })
}

/// An I/O error without Rust's "(os error N)".
fn plain(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(at) => s[..at].to_string(),
        None => s,
    }
}

/// A duplicate of standard error to give a child as its standard output.
trait FdOwned {
    fn as_fd_owned(&self) -> Result<std::os::fd::OwnedFd, String>;
}

impl FdOwned for std::io::Stderr {
    fn as_fd_owned(&self) -> Result<std::os::fd::OwnedFd, String> {
        use std::os::fd::AsFd;
        self.as_fd()
            .try_clone_to_owned()
            .map_err(|e| format!("cannot give the program an output: {e}"))
    }
}

/// How a headless watch runs.
#[derive(Debug, Clone, Copy)]
pub struct Headless {
    /// How many snapshots to print; `None`: until interrupted.
    pub count: Option<u64>,
    /// Time between snapshots; zero: back to back.
    pub interval: Duration,
}

/// The `event` record of an alert.
pub fn event_record(alert: &crate::kernel::watch::Alert) -> Value {
    let mut value = serde_json::Map::new();
    value.insert("type".into(), json!("event"));
    if let Value::Object(fields) = json!(alert) {
        value.extend(fields);
    }
    Value::Object(value)
}

/// Prints one JSON `snapshot` per interval of what `target` shows (and an
/// `event` for each alert), `count` times. `started` is the program
/// `watch --` started, if any: it is watched by its pid.
pub fn run_json(
    target: Target,
    how: Headless,
    mut started: Option<&mut Started>,
    out: impl Write,
) -> Result<(), String> {
    let mut snapshotter =
        Snapshotter::live().map_err(|e| format!("cannot read the kernel view: {e}"))?;
    snapshotter.watch(Watch::new(target).map_err(|e| e.to_string())?);
    let began = Instant::now();
    let mut sink = JsonLines::new(out);
    let mut said = 0u64;
    let mut n = 0u64;
    // Bounded by --count, or by the reader going away (a closed pipe).
    while how.count.is_none_or(|c| n < c) {
        let tick = Instant::now();
        if let Some(s) = started.as_deref_mut() {
            // Reaped, so that its /proc entry goes and the watch says so.
            s.exited();
        }
        let snap = snapshotter
            .take_of(&[], began.elapsed())
            .map_err(|e| format!("cannot read the kernel view: {e}"))?;
        for alert in snap.watch.iter().flat_map(|w| &w.alerts) {
            if alert.seq > said {
                said = alert.seq;
                let line = terminal_safe(event_record(alert).to_string());
                if writeln!(sink_out(&mut sink), "{line}").is_err() {
                    return Ok(());
                }
            }
        }
        sink.snapshot(0, &snap, &[]);
        // Written: the next is built in its memory.
        snapshotter.recycle(snap);
        if sink_out(&mut sink).flush().is_err() {
            return Ok(());
        }
        n += 1;
        if how.count.is_some_and(|c| n >= c) {
            break;
        }
        let rest = how.interval.saturating_sub(tick.elapsed());
        std::thread::sleep(rest);
    }
    Ok(())
}

fn sink_out<W: Write>(sink: &mut JsonLines<W>) -> &mut W {
    sink.out_mut()
}
