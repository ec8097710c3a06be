//! The lesson's narration pane: the current step's title and notes, large
//! and calm, for the back of a classroom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub use super::format::blank_no_breaks;
use super::overlay::boxed;
use crate::lab::preview::escape_text;
use crate::tui::app::{App, Mode, Stop};
pub use crate::tui::narration::{
    Arranged, Step, arrange, arranged_paragraph, newest_that_fit, paragraph, question_of, step_at,
    step_filled, step_paged, step_shown,
};

/// The step the narration shows now: the notes that have run.
fn shown(app: &App) -> Option<Step> {
    let s = app.script.as_ref()?;
    Some(step_filled(
        s.player.lines(),
        s.player.position(),
        s.shown_to(),
        &s.name,
        s.player.filled(),
    ))
}

/// The rows `step`'s text takes at `width` columns.
fn rows_of(step: Step, width: u16) -> usize {
    paragraph(step.title, step.notes, Style::default()).line_count(width)
}

/// How many rows the narration's page takes at `width` columns: the pane
/// is sized to it (the notes gone above it come back with Shift-↑).
pub fn text_rows(app: &App, width: u16) -> u16 {
    app.script.as_ref().map_or(1, |s| {
        u16::try_from(rows_of(s.page().0, width)).unwrap_or(u16::MAX)
    })
}

/// How far the narration scrolls back in a pane `inner_h` rows high,
/// `width` wide: to the step's first row. A page that left notes above it
/// scrolls back at least one row, to the whole step.
fn scroll_rows(app: &App, width: u16, inner_h: usize) -> usize {
    let (Some(s), Some(step)) = (&app.script, shown(app)) else {
        return 0;
    };
    let hidden = rows_of(step, width).saturating_sub(inner_h);
    if s.page().1 { hidden.max(1) } else { hidden }
}

/// The heading of the narration pane, as long as the width allows: the
/// lesson, the step, what space does, and whether there is more to read.
/// With `title` (the step's, when the pane's text has no row for it), the
/// heading names the step too: after the lesson where there is room, else
/// in its place, shortened after whole words ("…") where it must be.
fn heading(
    name: &str,
    step: &Step,
    status: (&str, &str),
    more: (&str, &str),
    width: u16,
    title: Option<&str>,
) -> String {
    // The border's corners and the spaces around the title.
    let fits = |h: &String| h.chars().count() + 4 <= usize::from(width);
    let Some(title) = title else {
        let long = format!(
            "{name} · step {} of {} · {}{}",
            step.number, step.of, status.0, more.0
        );
        if fits(&long) {
            return long;
        }
        return format!(
            "{name} · step {}/{} · {}{}",
            step.number, step.of, status.1, more.1
        );
    };
    let title = escape_text(title);
    let titled = |name: &str, title: &str| {
        let lead = if name.is_empty() {
            String::new()
        } else {
            format!("{name} · ")
        };
        format!(
            "{lead}step {}/{}: {title} · {}{}",
            step.number, step.of, status.1, more.1
        )
    };
    for lead in [name, ""] {
        let h = titled(lead, &title);
        if fits(&h) {
            return h;
        }
    }
    // The title shortened after whole words, at least its first, without
    // a word that only joins ("time-out, and…") or the stop that ended the
    // last word kept ("privilege:…" reads badly).
    let words: Vec<&str> = title.split_whitespace().collect();
    let joining = [
        "and", "or", "a", "an", "the", "of", "on", "in", "to", "with", "at",
    ];
    let cut = |k: usize| {
        let mut k = k;
        while k > 1 && joining.contains(&words[k - 1]) {
            k -= 1;
        }
        let kept = words[..k].join(" ");
        titled("", &format!("{}…", kept.trim_end_matches([',', ':', ';'])))
    };
    (1..words.len())
        .rev()
        .map(cut)
        .find(fits)
        .unwrap_or_else(|| cut(1.min(words.len())))
}

/// The rows of the narration's text that the pane drawn at `area` cannot
/// show: how far it scrolls back.
pub fn hidden_rows(app: &App, area: Rect) -> usize {
    let inner_h = usize::from(area.height.saturating_sub(2));
    scroll_rows(app, area.width.saturating_sub(2), inner_h)
}

/// Draws the narration pane. The step's title stays on its first row; when
/// the notes are longer than the pane, the newest ones show whole under
/// it, below the question they answer (see [`arrange`]); the reader
/// scrolls back through all of it with Shift-↑.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(s) = &app.script else { return };
    let Some(step) = shown(app) else { return };
    // A kernel view the lesson opened holds it until the reader closes it.
    let viewing = matches!(app.mode, Mode::Show);
    let status = match (s.stop(), s.done) {
        (_, true) if viewing => (
            "the end: space or q closes the kernel view, then q quits",
            "the end",
        ),
        (_, true) => ("the end: q quits, : to keep exploring", "the end"),
        (Some(Stop::Pause(_)), _) => ("paused: predict, then press space", "predict, then space"),
        (Some(Stop::More(_)), _) => ("press space for more", "space: more"),
        (Some(Stop::View(_)), _) => ("press space for the kernel view", "space: view"),
        (Some(Stop::Step(_)), _) if step.number == 0 => ("press space to begin", "space: begin"),
        (Some(Stop::Step(_)), _) => ("press space for the next step", "space: next step"),
        (None, _) if viewing => ("space closes the kernel view and goes on", "space: go on"),
        (None, _) => ("running…", "running…"),
    };
    let width = area.width.saturating_sub(2);
    let inner_h = usize::from(area.height.saturating_sub(2));
    let (page, paged) = s.page();
    let whole = rows_of(page.clone(), width);
    if (paged || whole > inner_h) && app.narration_back.offset() == 0 {
        let arranged = arrange(&page, width, inner_h);
        let more = if arranged.more_above || paged {
            (" · ↑ more above (Shift-↑)", " · ↑ Shift-↑")
        } else {
            ("", "")
        };
        // A page with no row for the step's title names the step above.
        let title = (!arranged.title).then_some(step.title.as_str());
        let head = heading(
            &escape_text(&s.name),
            &step,
            status,
            more,
            area.width,
            title,
        );
        let text = arranged_paragraph(&step.title, &arranged, app.theme.strong());
        frame.render_widget(text.block(boxed(app, &head)), area);
        super::format::blank_no_breaks(frame.buffer_mut(), area);
        return;
    }
    let text = paragraph(step.title.clone(), step.notes.clone(), app.theme.strong());
    let hidden = scroll_rows(app, width, inner_h);
    let back = app.narration_back.offset().min(hidden);
    let top = hidden - back;
    let more = match (top > 0, back > 0) {
        (true, true) => (" · ↑↓ more (Shift-↑/↓)", " · ↑↓ Shift-↑/↓"),
        (true, false) => (" · ↑ more above (Shift-↑)", " · ↑ Shift-↑"),
        (false, true) => (" · ↓ more below (Shift-↓)", " · ↓ Shift-↓"),
        (false, false) => ("", ""),
    };
    let head = heading(&escape_text(&s.name), &step, status, more, area.width, None);
    frame.render_widget(
        text.scroll((u16::try_from(top).unwrap_or(u16::MAX), 0))
            .block(boxed(app, &head)),
        area,
    );
    super::format::blank_no_breaks(frame.buffer_mut(), area);
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;
    use ratatui::widgets::Widget;

    /// The narration never ends a row between a figure and its unit
    /// (`30 │ s.` at 100×30 once): the unit goes down with its figure, and
    /// the no-break space between them is drawn as a space.
    #[test]
    fn a_figure_and_its_unit_share_a_row() {
        let note = "L2 will set its time to 30 s. Two clients connect.".to_string();
        let area = Rect::new(0, 0, 26, 4);
        let mut buf = Buffer::empty(area);
        crate::tui::narration::paragraph("T".into(), vec![note], Style::default())
            .render(area, &mut buf);
        super::blank_no_breaks(&mut buf, area);
        let rows: Vec<String> = (0..4)
            .map(|y| (0..26).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .collect();
        assert_eq!(rows[1].trim_end(), "L2 will set its time to", "{rows:?}");
        assert!(rows[2].starts_with("30 s. Two clients"), "{rows:?}");
        assert!(rows.iter().all(|r| !r.contains('\u{a0}')), "{rows:?}");
    }

    /// A page with no row for the step's title names the step in its
    /// heading: after the lesson where there is room, else in its place,
    /// shortened after whole words.
    #[test]
    fn a_heading_names_the_step_when_the_text_cannot() {
        let step = super::Step {
            number: 10,
            of: 11,
            title: "how Python waits: poll, then one non-blocking call".into(),
            notes: vec![],
            questions: vec![],
        };
        let status = ("press space for more", "space: more");
        let more = (" · ↑ more above (Shift-↑)", " · ↑ Shift-↑");
        let plain = super::heading("Backlog", &step, status, more, 80, None);
        assert_eq!(
            plain,
            "Backlog · step 10 of 11 · press space for more · ↑ more above (Shift-↑)"
        );
        let short = super::Step {
            title: "Six clients".into(),
            ..step.clone()
        };
        let named = super::heading("Backlog", &short, status, more, 80, Some("Six clients"));
        assert_eq!(
            named,
            "Backlog · step 10/11: Six clients · space: more · ↑ Shift-↑"
        );
        let long = super::heading("Backlog", &step, status, more, 80, Some(&step.title));
        assert_eq!(
            long,
            "step 10/11: how Python waits: poll, then one… · space: more · ↑ Shift-↑"
        );
        assert!(long.chars().count() + 4 <= 80);
    }
}
