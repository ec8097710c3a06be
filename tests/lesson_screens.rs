//! Every step of every lesson on a projector (100×30) and at 80×24: the
//! narration pane as the lesson shows it at the step's end, drawn by the
//! lab's own narration code: the step's title on the first row (in the
//! heading where the question and its answer need that row), then the
//! newest notes that fit whole (all of them when they fit), under the
//! question they answer when its note went above. The heading is whole at
//! both sizes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Widget};
use sockplay::script::{Statement, parse_script};
use sockplay::tui::view::{layout::Areas, narration};

/// The narration pane of one step at the end of the step at `w`×`h`.
fn pane(name: &str, step: &narration::Step, w: u16, h: u16) -> String {
    let command = u16::from(h >= 30);
    let rows = narration::paragraph(step.title.clone(), step.notes.clone(), Style::default())
        .line_count(w - 2);
    let areas = Areas::with_narration(w, h, Some(u16::try_from(rows).unwrap()), command);
    let area = areas.narration.unwrap();
    assert!(
        areas.results.height >= 6,
        "{name}: the results keep four rows of text"
    );
    let inner = usize::from(area.height - 2);
    let mut heading = format!(" {name} · step {}/{} ", step.number, step.of);
    let text = if rows > inner {
        let arranged = narration::arrange(step, w - 2, inner);
        // A page with no row for the title: the heading names the step.
        if !arranged.title {
            heading = format!(" step {}/{}: {} ", step.number, step.of, step.title);
        }
        narration::arranged_paragraph(&step.title, &arranged, Style::default())
    } else {
        narration::paragraph(step.title.clone(), step.notes.clone(), Style::default())
    };
    let mut buf = Buffer::empty(Rect::new(0, 0, w, area.height));
    text.block(Block::default().borders(Borders::ALL).title(heading))
        .render(Rect::new(0, 0, w, area.height), &mut buf);
    narration::blank_no_breaks(&mut buf, Rect::new(0, 0, w, area.height));
    let shown: Vec<String> = (0..area.height)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect();
    shown.join("\n")
}

#[test]
fn every_lesson_step_shows_its_title_and_newest_notes_at_100x30_and_80x24() {
    for lesson in sockplay::script::lessons::all() {
        let lines = parse_script(&lesson.text).unwrap();
        let starts: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| matches!(l.statement, Statement::Step(_)))
            .map(|(i, _)| i)
            .collect();
        let mut screens = Vec::new();
        for &at in &starts {
            let step = narration::step_at(&lines, at + 1, &lesson.name);
            for (w, h) in [(100, 30), (80, 24)] {
                screens.push(format!("{w}×{h}:\n{}", pane(&lesson.name, &step, w, h)));
            }
        }
        insta::assert_snapshot!(format!("narration_{}", lesson.name), screens.join("\n\n"));
    }
}
