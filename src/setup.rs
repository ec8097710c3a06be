//! Where the lab runs, asked before any thread starts: a lesson that
//! floods, changes settings or shows the wire runs in a network namespace
//! of its own, and so does a lab on a link (`--link`, a lesson's `# link:`).

use std::path::PathBuf;

use sockplay::script::lessons;

use super::{Cli, Mode, script_or_lesson};

/// The lesson about to run, when it runs in a lab of its own where it can
/// (it shows the wire, or its header asks), and whether it shows the wire.
pub(crate) fn own_lab_lesson(cli: &Cli) -> Option<(String, bool)> {
    let file = match &cli.mode {
        // A Python program is printed, not run: no lab to capture.
        Some(Mode::Run { python: true, .. }) => return None,
        Some(Mode::Run { file, .. }) => file.clone(),
        Some(Mode::Lesson { name }) => PathBuf::from(name),
        _ => return None,
    };
    if file.as_os_str() == "-" {
        return None;
    }
    let lesson = script_or_lesson(&file).ok()?;
    let wire = lesson.needs_wire();
    lesson.wants_own_netns().then_some((lesson.name, wire))
}

/// Whether the lesson about to run has its lab's loopback shaped like a
/// network (MTU 1500, TSO/GSO off) when it gets a lab of its own.
pub(crate) fn shapes_loopback(cli: &Cli) -> bool {
    let file = match &cli.mode {
        Some(Mode::Run { file, .. }) => file.clone(),
        Some(Mode::Lesson { name }) => PathBuf::from(name),
        _ => return false,
    };
    file.as_os_str() != "-" && script_or_lesson(&file).is_ok_and(|l| l.shapes_loopback())
}

/// `--link SETTINGS`, else the header of the lesson or script about to
/// run; a bad setting is one line.
pub(crate) fn link_plan(cli: &Cli) -> Result<sockplay::script::parse::link::Plan, String> {
    let lesson = match &cli.mode {
        Some(Mode::Run { python: true, .. }) => None,
        Some(Mode::Lesson { name }) => lessons::find(name).ok(),
        Some(Mode::Run { file, .. }) if file.as_os_str() != "-" => script_or_lesson(file).ok(),
        _ => None,
    };
    sockplay::script::parse::link::plan(cli.link.as_deref(), lesson.as_ref())
}

/// The name of the lesson this mode plays, when it needs a lab of its own.
pub(crate) fn lesson_needing_netns(mode: &Option<Mode>) -> Option<String> {
    let lesson = match mode {
        Some(Mode::Lesson { name }) => lessons::find(name).ok()?,
        Some(Mode::Run { file, .. }) if file.as_os_str() != "-" => script_or_lesson(file).ok()?,
        _ => return None,
    };
    lesson.needs_own_netns().then_some(lesson.name)
}
