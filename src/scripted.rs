//! `sockplay run`: a script played without the screen, printed as a
//! transcript, JSON lines or a handout; or written out as a Python program.

use std::path::PathBuf;
use std::time::Duration;

use sockplay::lab::preview::escape_text;
use sockplay::script::figures::{Figures, QueueSampler};
use sockplay::script::json::JsonLines;
use sockplay::script::markdown::Markdown;
use sockplay::script::transcript::Transcript;
use sockplay::script::{Runner, Sink, parse_script};
use sockplay::wire::PcapTarget;

use crate::script_or_lesson;

/// `run --python`: the script as a Python 3 program, printed; nothing runs.
pub fn python_program(file: &std::path::Path) -> anyhow::Result<u8> {
    let lesson = script_or_lesson(file)?;
    let lines = match parse_script(&lesson.text) {
        Ok(lines) => lines,
        Err(e) => {
            let said = format!("{}: {e}", file.display());
            eprintln!("sockplay: {}", escape_text(&said));
            return Ok(2);
        }
    };
    let name = file.display().to_string();
    // Where the lesson's lab runs in a namespace of its own, its loopback
    // shaped like a network (MTU 1500), so does its program.
    // A lesson on a link runs there too: its pulled cable is the loopback
    // of the program's own namespace taken down.
    let own = lesson.shapes_loopback();
    let link = lesson.link_header();
    print!(
        "{}",
        sockplay::script::program::program_for(&lines, &name, own, link.as_deref())
    );
    Ok(0)
}

/// The directory of the file standard output is written to, when it is
/// a regular file (`sockplay run --markdown … > out/x.md`).
fn stdout_file_dir() -> Option<PathBuf> {
    let target = std::fs::read_link("/proc/self/fd/1").ok()?;
    let meta = std::fs::metadata(&target).ok()?;
    meta.is_file().then(|| target.parent().map(PathBuf::from))?
}

/// `run`: the script played, its results printed as the options ask.
pub fn run(
    file: &std::path::Path,
    json: bool,
    (markdown, figures): (bool, Option<PathBuf>),
    settle: Duration,
    wire: bool,
    pcap: Option<PcapTarget>,
) -> anyhow::Result<u8> {
    let lesson = script_or_lesson(file)?;
    let text = lesson.text.clone();
    let packets_checked = parse_script(&text).is_ok_and(|lines| {
        lines
            .iter()
            .any(|l| matches!(l.statement, sockplay::script::Statement::ExpectPacket(_)))
    });
    let capturing = wire
        || pcap.is_some()
        || lesson.needs_wire()
        || packets_checked
        || (markdown && figures.is_some());
    let stdout = std::io::stdout().lock();
    let mut drawn = None;
    let mut sink: Box<dyn Sink> = if json {
        Box::new(JsonLines::new(stdout))
    } else if markdown {
        // The directory first: when it cannot be made, nothing is printed.
        let made = match &figures {
            Some(dir) => Some(
                Figures::new(dir, &lesson.title)
                    .map_err(|e| anyhow::anyhow!("--figures {}: {e}", dir.display()))?,
            ),
            None => None,
        };
        let mut handout =
            Markdown::new(stdout, &lesson.title, &lesson.summary).with_python(Box::new(
                sockplay::script::python::for_handouts(lesson.link_header().is_some()),
            ));
        if let Some(f) = made {
            drawn = Some((f.report(), f.samples()));
            handout = handout.with_figures(f);
            // Written into a file, the handout links its figures from there.
            if let Some(dir) = stdout_file_dir() {
                handout = handout.with_links_from(dir);
            }
        }
        // Whatever is captured is printed, as a ladder of text.
        if capturing {
            handout = handout.with_wire();
        }
        Box::new(handout)
    } else {
        Box::new(Transcript::new(stdout))
    };
    let lines = match parse_script(&text) {
        Ok(lines) => lines,
        Err(e) => {
            sink.error(e.line, Some(e.error.col), &e.error.message);
            let said = format!("{}: {e}", file.display());
            eprintln!("sockplay: {}", escape_text(&said));
            return Ok(2);
        }
    };
    let mut runner = Runner::new(sink.as_mut()).with_settle(settle);
    let drawing = drawn.is_some();
    if capturing {
        let opts = sockplay::wire::WireOptions { pcap };
        // The figures and the handout take the segments from the records.
        runner = runner.with_wire(&opts, wire || drawing || markdown);
        if drawing && runner.wire().is_none() {
            eprintln!(
                "sockplay: --figures: the segments cannot be captured here ({}); no ladders or time-sequence graphs",
                sockplay::wire::NO_CAPTURE_HINT
            );
        }
    }
    // The listeners' queues, read from the kernel as the run goes.
    let _sampler = match &drawn {
        Some((_, samples)) => Some(QueueSampler::spawn(
            runner.lab().observer(),
            sockplay::kernel::KernelReader::live(),
            std::sync::Arc::clone(samples),
        )?),
        None => None,
    };
    let status = runner.run(&lines);
    if let (Some((report, _)), Some(dir)) = (drawn, figures) {
        let report = report.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = &report.failed {
            eprintln!("sockplay: --figures: {}", escape_text(e));
            return Ok(2);
        }
        let said = format!("{} figures in {}", report.written.len(), dir.display());
        eprintln!("sockplay: {}", escape_text(&said));
    }
    Ok(status.code() as u8)
}
