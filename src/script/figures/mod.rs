//! Figures beside a handout (`run --markdown --figures DIR`), drawn from
//! the run's own data as SVG: for each step whose segments were captured,
//! its ladder and (when data moved) the time-sequence graph of its busiest
//! connection; for each step that checks a listener's queues, that
//! listener's accept queue and SYN queue over the step, from kernel views
//! sampled meanwhile.
//! Black and white, with axes, labels and units, so they print.

pub mod ladder;
pub mod queues;
pub mod sampler;
pub mod svg;
pub mod tsg;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::lab::SockName;
use crate::wire::Segment;
pub use queues::QueueSample;
pub use sampler::QueueSampler;

/// A figure written, as the handout links it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// What it shows, in words (the image's alternative text).
    pub alt: String,
    /// The path the handout links: the directory as given, and the file.
    pub link: String,
}

/// The figures of one run, step by step.
pub struct Figures {
    dir: PathBuf,
    samples: Arc<Mutex<Vec<QueueSample>>>,
    packets: Vec<Segment>,
    step: usize,
    title: String,
    start: f64,
    /// The sockets whose queues the step under way checks.
    checked: Vec<SockName>,
    report: Arc<Mutex<Report>>,
}

/// What the figures came to, for the caller to tell.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// The files written.
    pub written: Vec<PathBuf>,
    /// The first error writing one (the others are not tried again).
    pub failed: Option<String>,
}

/// The fields whose checks make a step about a listener's queues.
const QUEUE_FIELDS: [&str; 4] = [
    "accept_queue",
    "syn_recv",
    "accept_queue_max",
    "syn_queue_limit",
];

impl Figures {
    /// Figures written into `dir` (made if missing), named in links as `dir` was given.
    pub fn new(dir: &Path, title: &str) -> std::io::Result<Figures> {
        std::fs::create_dir_all(dir)?;
        Ok(Figures {
            dir: dir.to_path_buf(),
            samples: Arc::default(),
            packets: Vec::new(),
            step: 0,
            title: title.to_string(),
            start: 0.0,
            checked: Vec::new(),
            report: Arc::default(),
        })
    }

    /// Where a sampler puts the listeners' queues as it reads them.
    pub fn samples(&self) -> Arc<Mutex<Vec<QueueSample>>> {
        Arc::clone(&self.samples)
    }

    /// What was written, and the first error, as the run goes on.
    pub fn report(&self) -> Arc<Mutex<Report>> {
        Arc::clone(&self.report)
    }

    /// A segment on the wire, in the step under way.
    pub fn packet(&mut self, s: &Segment) {
        self.packets.push(s.clone());
    }

    /// An `expect` of this socket's field ran in the step under way.
    pub fn checked(&mut self, sock: SockName, field: &str) {
        if QUEUE_FIELDS.contains(&field) && !self.checked.contains(&sock) {
            self.checked.push(sock);
        }
    }

    /// A step begins at `t` (seconds since the lab started): the figures
    /// of the one before it, to link at its end.
    pub fn step(&mut self, title: &str, t: f64) -> Vec<Figure> {
        let figures = self.draw(t);
        self.step += 1;
        self.title = title.to_string();
        self.start = t;
        figures
    }

    /// The run is over: the last step's figures.
    pub fn finish(&mut self) -> Vec<Figure> {
        let end = self
            .packets
            .iter()
            .map(|s| s.t.as_secs_f64())
            .chain(self.lock().iter().map(|s| s.t_us as f64 / 1e6))
            .fold(self.start, f64::max);
        self.draw(end)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<QueueSample>> {
        self.samples.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Draws the step that ends at `end`, and forgets its data.
    fn draw(&mut self, end: f64) -> Vec<Figure> {
        let mut figures = Vec::new();
        let packets = std::mem::take(&mut self.packets);
        let n = self.step;
        let what = if n == 0 {
            self.title.clone()
        } else {
            format!("step {n}, {}", self.title)
        };
        let heading = |kind: &str| format!("{kind} · {what}");
        if let Some(svg) = ladder::ladder(&packets, &heading("Ladder"), self.start) {
            let alt =
                format!("Ladder of {what}: each segment between the lab's sockets, in time order");
            self.write(&mut figures, &format!("{n:02}-ladder.svg"), &svg, alt);
        }
        let span = (self.start, end);
        if let Some(svg) = tsg::time_sequence(&packets, &heading("Time-sequence graph"), span) {
            let alt = format!(
                "Time-sequence graph of {what}: bytes sent, acknowledged, and the edge of the receiver's window over time"
            );
            self.write(
                &mut figures,
                &format!("{n:02}-time-sequence.svg"),
                &svg,
                alt,
            );
        }
        let checked = std::mem::take(&mut self.checked);
        if !checked.is_empty() {
            let start_us = (self.start * 1e6) as u64;
            let end_us = (end * 1e6) as u64;
            let samples = {
                let all = self.lock();
                // Each listener's last view before the step, then the step's own.
                let mut before: Vec<QueueSample> = Vec::new();
                for s in all.iter().filter(|s| s.t_us < start_us) {
                    before.retain(|b| b.listener != s.listener);
                    before.push(*s);
                }
                before.extend(all.iter().filter(|s| (start_us..=end_us).contains(&s.t_us)));
                // The listeners the step checks, not every one the lab has.
                before.retain(|s| checked.contains(&s.listener));
                before
            };
            if let Some(svg) = queues::queues(
                &samples,
                &heading("Accept queue and SYN queue"),
                self.start,
                end,
            ) {
                let alt = format!("The listeners' accept queue and SYN queue over {what}");
                self.write(&mut figures, &format!("{n:02}-queues.svg"), &svg, alt);
            }
        }
        figures
    }

    fn write(&mut self, figures: &mut Vec<Figure>, name: &str, svg: &str, alt: String) {
        let mut report = self.report.lock().unwrap_or_else(|e| e.into_inner());
        if report.failed.is_some() {
            return;
        }
        let path = self.dir.join(name);
        match std::fs::write(&path, svg) {
            Ok(()) => {
                let link = path.to_string_lossy().into_owned();
                figures.push(Figure { alt, link });
                report.written.push(path);
            }
            Err(e) => report.failed = Some(format!("{}: {e}", path.display())),
        }
    }
}
