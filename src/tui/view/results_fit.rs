//! A lesson's results in few rows: on a projector the narration leaves the
//! results pane short, and the calls a note talks about must stay in sight.
//! Only the step's own checks show (an earlier step's would stand beside
//! the next question), none that held while the lesson waits at a
//! question (it could give the answer away), nothing of an earlier step
//! at a question, and those that held fold into one line; when the
//! step's lines still do not fit, what the narration does not talk about
//! gives way first: lines of earlier steps, the step's title (the
//! narration shows it), `show` tables and notices, the commands as written
//! (the result line names the call), then the folded checks. The calls'
//! results, failed checks and errors go last, newest kept. Scrolling up
//! shows every line as it was.

use std::collections::VecDeque;

use ratatui::text::Line;

use super::format::wrap;
use crate::lab::{CallResult, Outcome};
use crate::script::stated::{Stated, joined};
use crate::tui::app::App;
use crate::tui::lesson::Stop;
use crate::tui::log::Entry;

/// How readily a block of lines gives way, first to go first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Weight {
    /// Anything from an earlier step.
    Earlier,
    /// The step's title.
    Title,
    /// A `show` table, a notice, a call's "blocked" line once the call
    /// has finished (its result below says how it ended).
    Info,
    /// A command as written.
    Command,
    /// One step of a `sendall`, `recvall` or `drain`: the call itself
    /// says where it stands.
    Part,
    /// Checks that held, folded.
    Checks,
    /// Results, blocked calls, failed checks, errors.
    Kept,
}

struct Block<'a> {
    lines: Vec<Line<'a>>,
    weight: Weight,
    /// For one step of a loop still running: which loop, the calls the
    /// block stands for and the bytes they moved. When such steps give
    /// way, a count of them stays in their place.
    step: Option<Step>,
}

/// The calls of a running loop that one block stands for.
#[derive(Debug, Clone, Default)]
struct Step {
    /// The loop's own number (`#12 sendall`).
    of: u64,
    /// The call the step made (`send()`).
    call: String,
    /// The block's call first, then the alike ones counted with it.
    seqs: Vec<u64>,
    /// The bytes they moved together.
    bytes: u64,
}

/// `✓ C1 is ESTABLISHED · L1 accept queue 1 · +2 more`: checks that
/// held, in one row of `width`.
fn folded(app: &App, checks: &[Stated], width: usize) -> Line<'static> {
    let checks = joined(checks);
    let mut text = String::from("✓ ");
    for (i, c) in checks.iter().enumerate() {
        let sep = if i == 0 { "" } else { " · " };
        let left = checks.len() - i - 1;
        let more = if left > 0 {
            format!(" · +{left} more")
        } else {
            String::new()
        };
        let next = format!("{sep}{c}");
        let fits = text.chars().count() + next.chars().count() + more.chars().count() <= width;
        if i > 0 && !fits {
            text.push_str(&format!(" · +{} more", checks.len() - i));
            break;
        }
        text.push_str(&next);
    }
    Line::styled(text, app.theme.ok())
}

/// The lines of the newest entries for a lesson's results pane of `h`
/// rows of `width`, and whether any line was left out. The checks that
/// held fold into one line only when the step's lines do not fit as they are.
pub fn fit<'a>(
    app: &'a App,
    lines_of: impl Fn(&'a Entry) -> Vec<Line<'a>> + Copy,
    width: usize,
    h: usize,
) -> (Vec<Line<'a>>, bool) {
    let whole = fit_with(app, lines_of, width, h, false);
    if whole.1 {
        fit_with(app, lines_of, width, h, true)
    } else {
        whole
    }
}

fn fit_with<'a>(
    app: &'a App,
    lines_of: impl Fn(&'a Entry) -> Vec<Line<'a>>,
    width: usize,
    h: usize,
    fold: bool,
) -> (Vec<Line<'a>>, bool) {
    let mut blocks: Vec<Block<'a>> = Vec::new();
    let mut checks: Vec<Stated> = Vec::new();
    let mut in_step = true;
    // Stopped at a question: the checks that held stay out of sight until
    // the class has answered (one could give the answer away); the results
    // and any check that failed stay.
    let asking = app
        .script
        .as_ref()
        .is_some_and(|s| matches!(s.stop(), Some(Stop::Pause(_))));
    // Rows of the step's own results, and of earlier steps: past `h` of
    // either, nothing older can show.
    let (mut kept_rows, mut earlier_rows) = (0, 0);
    let mut newest_kept = false;
    let flush = |checks: &mut Vec<Stated>, blocks: &mut Vec<Block<'a>>, in_step: bool| {
        if !checks.is_empty() {
            checks.reverse();
            let weight = if in_step {
                Weight::Checks
            } else {
                Weight::Earlier
            };
            blocks.push(Block {
                lines: vec![folded(app, checks, width)],
                weight,
                step: None,
            });
            checks.clear();
        }
    };
    // The newest result of a run of alike ones (`sendto … x200`), and the
    // numbers of the older ones like it that were passed over.
    let mut alike: Option<(&CallResult, Vec<u64>)> = None;
    // Where the newest of the run is among the blocks: the count of the
    // older ones goes with it (above it), and gives way with it, so that
    // the pane never shows a count without the result it counts.
    let mut alike_at = 0;
    // Where the newest of the run is in the log.
    let mut alike_idx = 0;
    let said = |newest: &CallResult, seqs: &[u64], at: usize, blocks: &mut Vec<Block<'a>>| {
        if !seqs.is_empty()
            && let Some(b) = blocks.get_mut(at)
            && !b.lines.is_empty()
        {
            b.lines.insert(
                0,
                Line::styled(alike_text(newest.seq, seqs), app.theme.dim()),
            );
            if let Some(step) = &mut b.step {
                step.seqs.extend_from_slice(seqs);
                step.bytes += moved(newest) * seqs.len() as u64;
            }
        }
    };
    // Commands newer than every result are what runs now: they stay.
    let mut running = true;
    // The calls whose results came: their "blocked" lines are history.
    let mut finished: Vec<u64> = Vec::new();
    // The calls whose results were counted with a run of alike ones:
    // their "blocked" lines would promise a result the pane does not
    // show; the count names them instead.
    let mut counted: Vec<u64> = Vec::new();
    // Whether the newest step of a loop still running is kept already,
    // and the newest that moved bytes.
    let (mut running_step_kept, mut running_moved_kept) = (false, false);
    let entries = app.log.entries();
    for (i, e) in entries.iter().enumerate().rev() {
        let now_running = running && matches!(e, Entry::Command(..));
        // A check or a note the script went on to says the command before
        // it has finished (a `wait` logs no result of its own).
        if !matches!(e, Entry::Command(..)) {
            running = false;
        }
        // The commands between results alike (`sleep 100ms`, `send C1
        // 100k`, five times over) go with the results they fold into:
        // they would part the run, and a lesson's retries would each take
        // their rows and push out the result before them that its note
        // talks about.
        if let Some((newer, _)) = &alike
            && between_alike(entries, i, newer, alike_idx)
        {
            continue;
        }
        if let Entry::Op(r) = e
            && let Some((newer, seqs)) = &mut alike
            && same(newer, r)
        {
            seqs.push(r.seq);
            finished.push(r.seq);
            counted.push(r.seq);
            continue;
        }
        if let Some((newest, seqs)) = alike.take() {
            said(newest, &seqs, alike_at, &mut blocks);
        }
        if let Entry::Blocked(b) = e
            && counted.contains(&b.seq)
        {
            continue;
        }
        if let Entry::Op(r) = e {
            finished.push(r.seq);
            alike = Some((r, Vec::new()));
            alike_idx = i;
            // Not drawn (yet): no block to count in.
            alike_at = usize::MAX;
        }
        // At a question, nothing of an earlier step: a result explained
        // there ("8 bytes were queued: recv returns what is there, at most
        // the 16 asked") can state the rule that answers the question.
        if kept_rows >= h || earlier_rows >= h || (asking && !in_step) {
            break;
        }
        // An earlier step's checks that held belong to that step: beside
        // the question of the step after, they would give its answer away
        // or muddle it with a figure of another run.
        if let Entry::Expect(r) = e
            && r.ok
            && (!in_step || asking)
        {
            continue;
        }
        if let Entry::Expect(r) = e
            && r.ok
            && fold
            && let Some(said) = app.log.stated(i)
        {
            checks.push(said);
            continue;
        }
        flush(&mut checks, &mut blocks, in_step);
        // One step of a loop still running.
        let step = match e {
            Entry::Op(r) if in_step => r.part_of.filter(|p| !finished.contains(p)).map(|of| Step {
                of,
                call: format!("{}()", r.call),
                seqs: vec![r.seq],
                bytes: moved(r),
            }),
            _ => None,
        };
        let weight = match e {
            _ if !in_step => Weight::Earlier,
            Entry::Step(_) => Weight::Title,
            // A setting read or changed is a result of the step.
            Entry::Info(t) if t.starts_with("sysctl ") => Weight::Kept,
            Entry::Info(_) => Weight::Info,
            Entry::Blocked(s) if finished.contains(&s.seq) => Weight::Info,
            Entry::Command(..) if now_running => Weight::Kept,
            Entry::Command(..) => Weight::Command,
            Entry::Expect(r) if r.ok => Weight::Checks,
            // The newest step of a loop still running is where it stands
            // now ("sendall calls send() … and calls send() again"), and
            // the newest that moved bytes shows it moving ("send(8192) →
            // 4096" above "send(4096) → EAGAIN"): they stay as results
            // do; the older steps give way to a count.
            Entry::Op(_)
                if step.as_ref().is_some_and(|s| {
                    !running_step_kept || (s.bytes > 0 && !running_moved_kept)
                }) =>
            {
                Weight::Kept
            }
            Entry::Op(r) if r.part_of.is_some() => Weight::Part,
            _ => Weight::Kept,
        };
        if let Some(s) = &step
            && weight == Weight::Kept
        {
            running_step_kept = true;
            running_moved_kept |= s.bytes > 0;
        }
        let lines: Vec<Line<'a>> = lines_of(e)
            .into_iter()
            .flat_map(|l| wrap(l, width))
            .collect();
        match weight {
            // The newest result keeps its rows; an older one gives way
            // to its first row before anything older goes.
            Weight::Kept if newest_kept => kept_rows += lines.len().min(1),
            Weight::Kept => {
                kept_rows += lines.len();
                newest_kept = !lines.is_empty();
            }
            Weight::Earlier => earlier_rows += lines.len(),
            _ => {}
        }
        if !lines.is_empty() {
            // The newest of a run of alike results: its count goes here.
            if matches!(e, Entry::Op(_)) {
                alike_at = blocks.len();
            }
            blocks.push(Block {
                lines,
                weight,
                step,
            });
        }
        if matches!(e, Entry::Step(_)) {
            in_step = false;
        }
    }
    if let Some((newest, seqs)) = alike {
        said(newest, &seqs, alike_at, &mut blocks);
    }
    flush(&mut checks, &mut blocks, in_step);
    blocks.reverse();
    // What gives way first goes first; of equals, the oldest. The steps
    // of a running loop that give way leave one row counting them.
    let mut rows: usize = blocks.iter().map(|b| b.lines.len()).sum();
    let mut left_out = false;
    let mut count_rows = 0;
    for weight in [
        Weight::Earlier,
        Weight::Title,
        Weight::Info,
        Weight::Command,
        Weight::Part,
        Weight::Checks,
    ] {
        for b in blocks
            .iter_mut()
            .filter(|b| b.weight == weight && !b.lines.is_empty())
        {
            if rows + count_rows <= h {
                break;
            }
            rows -= b.lines.len();
            b.lines.clear();
            left_out = true;
            if b.step.is_some() {
                count_rows = 1;
            }
        }
    }
    rows += counted_steps(app, &mut blocks);
    // Still too many: the older results give way down to their first row
    // (the call and what it returned), oldest first, so that more of them
    // stay in sight.
    // A result with a count of alike ones above it keeps the count too.
    // The newest keeps what rows are left then: it is the one the note
    // beside it talks about, and one row of it can cut the reason it gives
    // ("EADDRINUSE …") with rows free below.
    let newest = blocks.iter().rposition(|b| !b.lines.is_empty());
    for (i, b) in blocks.iter_mut().enumerate() {
        if rows <= h {
            break;
        }
        // No more than the rows past the pane's: a row left free below
        // would have shown more of it.
        let keep = first_kept(b).max(b.lines.len().saturating_sub(rows - h));
        if Some(i) == newest || b.lines.len() <= keep {
            continue;
        }
        rows -= b.lines.len() - keep;
        if keep > first_kept(b) {
            cut_to(b, keep, width);
        } else {
            // The call and what it returned, as its first row has them.
            let time = time_of(&b.lines[keep - 1..]);
            let first = b.lines.remove(keep - 1);
            b.lines.truncate(keep - 1);
            b.lines.push(ellipsis_timed(first, time, width));
        }
        left_out = true;
    }
    if let Some(i) = newest
        && rows > h
    {
        let b = &mut blocks[i];
        let others = rows - b.lines.len();
        let keep = h.saturating_sub(others).max(first_kept(b));
        if keep < b.lines.len() {
            cut_to(b, keep, width);
            left_out = true;
        }
    }
    // Still too many: the newest blocks that fit whole, and when not even
    // the newest does, its first rows (the call and what it returned).
    let mut shown: Vec<Block<'a>> = Vec::new();
    let mut room = h;
    for b in blocks.into_iter().rev().filter(|b| !b.lines.is_empty()) {
        if b.lines.len() <= room {
            room -= b.lines.len();
            shown.push(b);
        } else {
            left_out = true;
            if shown.is_empty() && room > 0 {
                let mut b = b;
                cut_to(&mut b, room, width);
                shown.push(b);
            }
            break;
        }
    }
    let lines = shown.into_iter().rev().flat_map(|b| b.lines).collect();
    (lines, left_out)
}

/// The rows a result keeps at least: its first (the call and what it
/// returned), and the counts above it when there are any.
fn first_kept(b: &Block<'_>) -> usize {
    let counts = b
        .lines
        .iter()
        .take_while(|l| l.to_string().trim_start().starts_with("⋮ "))
        .count();
    counts + 1
}

/// For each running loop whose steps gave way, a row above the next step
/// of it still shown: `⋮ #13 to #31: 19 send() calls of #12 not shown,
/// moving 24576 bytes`. The steps drawn then read as a loop that goes on,
/// not as calls whose numbers jump. The rows it added.
fn counted_steps(app: &App, blocks: &mut [Block<'_>]) -> usize {
    let mut added = 0;
    let mut gone: Vec<Step> = Vec::new();
    for b in blocks.iter_mut() {
        let Some(step) = &b.step else { continue };
        let at = gone.iter().position(|g| g.of == step.of);
        if b.lines.is_empty() {
            match at {
                Some(at) => {
                    gone[at].seqs.extend_from_slice(&step.seqs);
                    gone[at].bytes += step.bytes;
                }
                None => gone.push(step.clone()),
            }
        } else if let Some(at) = at {
            let mut g = gone.remove(at);
            // The alike ones counted above this step were passed over too:
            // one count says both.
            let line = if step.seqs.len() > 1 {
                let each = step.bytes / step.seqs.len() as u64;
                g.seqs.extend_from_slice(&step.seqs[1..]);
                g.bytes += step.bytes - each;
                b.lines.remove(0);
                0
            } else {
                1
            };
            b.lines
                .insert(0, Line::styled(steps_text(&g), app.theme.dim()));
            added += line;
        }
    }
    added
}

/// `⋮ #13 to #31: 19 send() calls of #12 not shown, moving 24576 bytes`.
fn steps_text(g: &Step) -> String {
    let lo = g.seqs.iter().min().copied().unwrap_or_default();
    let hi = g.seqs.iter().max().copied().unwrap_or_default();
    let (of, call, bytes) = (g.of, &g.call, g.bytes);
    let moving = match bytes {
        0 => "moving nothing".to_string(),
        1 => "moving 1 byte".to_string(),
        n => format!("moving {n} bytes"),
    };
    match g.seqs.len() {
        1 => format!("      ⋮ #{lo}: one {call} call of #{of} not shown, {moving}"),
        n => format!("      ⋮ #{lo} to #{hi}: {n} {call} calls of #{of} not shown, {moving}"),
    }
}

/// The bytes a call moved: what it returned, for a call that succeeded.
fn moved(r: &CallResult) -> u64 {
    match r.outcome {
        Outcome::Ret(n) => n,
        _ => 0,
    }
}

/// Cuts a block to its first `n` rows (at least one), the last of them
/// ending in "…" after whole words, with the call's time: what the block
/// goes on to say is left out whole.
fn cut_to(b: &mut Block<'_>, n: usize, width: usize) {
    let n = n.max(1);
    if b.lines.len() <= n {
        return;
    }
    let rest: Vec<String> = b.lines[n - 1..]
        .iter()
        .map(|l| l.to_string().trim().to_string())
        .collect();
    let style = b.lines[n - 1]
        .spans
        .first()
        .map(|s| s.style)
        .unwrap_or_default();
    let indent: String = b.lines[n - 1]
        .to_string()
        .chars()
        .take_while(|c| *c == ' ')
        .collect();
    let time = time_of(&b.lines[n - 1..]);
    b.lines.truncate(n - 1);
    b.lines.push(ellipsis_timed(
        Line::styled(format!("{indent}{}", rest.join(" ")), style),
        time,
        width,
    ));
}

/// `⋮ #6 to #9 are 4 more like #10 below: same call, same result`: the
/// calls of a run of alike results that only the newest of them, `newest`,
/// stands for, by number, on the row right above it. It names the newest:
/// under a result of another call ("#5 send → 6144"), a count "before it"
/// read as repeats of that one.
fn alike_text(newest: u64, seqs: &[u64]) -> String {
    let lo = seqs.iter().min().copied().unwrap_or_default();
    let hi = seqs.iter().max().copied().unwrap_or_default();
    match seqs.len() {
        1 => format!("      ⋮ #{lo} is one more like #{newest} below: same call, same result"),
        n => format!(
            "      ⋮ #{lo} to #{hi} are {n} more like #{newest} below: same call, same result"
        ),
    }
}

/// How long a call took, as its result's lines end (`(2.14 s)`, before
/// any `· ended after #14`): a figure a note often quotes ("recvall took
/// 2.14 s"), kept when the rest of the result is cut.
fn time_of(lines: &[Line<'_>]) -> Option<String> {
    let text: String = lines
        .iter()
        .map(|l| l.to_string().trim().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let at = text.rfind(" (")?;
    let end = at + text[at..].find(')')?;
    let inside = &text[at + 2..end];
    let (n, unit) = inside.split_once(' ')?;
    let figure = n.parse::<f64>().is_ok() && matches!(unit, "s" | "ms" | "µs");
    figure.then(|| format!("({inside})"))
}

/// A line cut short to one row of `width` as `ellipsis` does, with the
/// call's time after the `…` when the cut took it away.
fn ellipsis_timed(line: Line<'_>, time: Option<String>, width: usize) -> Line<'_> {
    let whole = ellipsis(line.clone(), width);
    match time {
        Some(t) if !whole.to_string().contains(&t) => {
            let style = line.spans.first().map(|s| s.style).unwrap_or_default();
            // Two spaces: the time is a field of its own, as in the
            // whole result.
            let room = width.saturating_sub(t.chars().count() + 2);
            let short = ellipsis(line, room).to_string();
            Line::styled(format!("{short}  {t}"), style)
        }
        _ => whole,
    }
}

/// A line cut short to one row of `width` after whole words, ending in
/// `…`, in its first style.
fn ellipsis(line: Line<'_>, width: usize) -> Line<'_> {
    let style = line.spans.first().map(|s| s.style).unwrap_or_default();
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let body = text.trim_start();
    let indent = text.len() - body.len();
    let room = width.saturating_sub(indent);
    let short = super::format::shorten(body, room);
    // A row that fills the width whole leaves no room for the "…": it
    // gives up its last word for it.
    let short = if short.ends_with('…') {
        short
    } else if short.chars().count() < room {
        format!("{short}…")
    } else {
        super::format::shorten(body, room.saturating_sub(1))
    };
    Line::styled(format!("{}{short}", &text[..indent]), style)
}

/// Whether entry `i` is a command (or a lesson's note, which draws
/// nothing here) with only such entries between it and an older result
/// alike to `newer` (entry `newer_at`), made by a command written the
/// same: `send C1 100k` again, not a `sendto` of other bytes.
fn between_alike(entries: &VecDeque<Entry>, i: usize, newer: &CallResult, newer_at: usize) -> bool {
    if !quiet(&entries[i]) {
        return false;
    }
    let Some(older_at) = (0..i).rev().find(|j| !quiet(&entries[*j])) else {
        return false;
    };
    match &entries[older_at] {
        Entry::Op(r) if same(newer, r) => {
            let made = command_before(entries, newer_at);
            made.is_some() && made == command_before(entries, older_at)
        }
        _ => false,
    }
}

/// A command, a lesson's note, or a call told blocked before its result
/// came (a send that waited half a second): entries that draw no result.
fn quiet(e: &Entry) -> bool {
    matches!(e, Entry::Command(..) | Entry::Note(_) | Entry::Blocked(_))
}

/// The command that made the result at `at`: the nearest command before
/// it, past notes and `sleep`s.
fn command_before(entries: &VecDeque<Entry>, at: usize) -> Option<&str> {
    entries
        .range(..at)
        .rev()
        .take_while(|e| quiet(e))
        .find_map(|e| match e {
            Entry::Command(c, _) if !c.starts_with("sleep ") => Some(c.as_str()),
            _ => None,
        })
}

/// Two results alike: the same call on the same socket, with the same
/// argument, and the same return, kind and part.
fn same(a: &CallResult, b: &CallResult) -> bool {
    (
        a.sock,
        a.call,
        &a.arg,
        a.outcome,
        a.kind,
        a.part_of.is_some(),
    ) == (
        b.sock,
        b.call,
        &b.arg,
        b.outcome,
        b.kind,
        b.part_of.is_some(),
    )
}
