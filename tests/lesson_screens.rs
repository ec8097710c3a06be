//! Every step of every lesson on a projector (100×30) and at 80×24: the
//! narration pane as the lesson shows it at the step's end, with every
//! line of its text. At 100×30 it fits whole; at 80×24 a long step
//! scrolls, and each scroll position is in the snapshot, so the text is
//! whole there too.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Widget};
use sockplay::script::{Statement, parse_script};
use sockplay::tui::view::{layout::Areas, narration};

/// The narration pane of one step at `w`×`h`, scrolled `top` lines down.
fn pane(name: &str, step: &narration::Step, w: u16, h: u16, top: u16) -> (String, usize, Rect) {
    let text = || narration::paragraph(step.title.clone(), step.notes.clone(), Style::default());
    let rows = text().line_count(w - 2);
    let areas = Areas::with_narration(w, h, Some(u16::try_from(rows).unwrap()), 1);
    let area = areas.narration.unwrap();
    assert!(
        areas.results.height >= 3,
        "{name}: the results keep three rows"
    );
    let mut buf = Buffer::empty(Rect::new(0, 0, w, area.height));
    let heading = format!(" {name} · step {} of {} ", step.number, step.of);
    text()
        .scroll((top, 0))
        .block(Block::default().borders(Borders::ALL).title(heading))
        .render(Rect::new(0, 0, w, area.height), &mut buf);
    let shown: Vec<String> = (0..area.height)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect();
    (shown.join("\n"), rows, area)
}

#[test]
fn every_lesson_step_shows_its_narration_whole_at_100x30_and_80x24() {
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
                let (first, rows, area) = pane(&lesson.name, &step, w, h, 0);
                let inner = usize::from(area.height - 2);
                let hidden = rows.saturating_sub(inner);
                if (w, h) == (100, 30) {
                    assert_eq!(
                        hidden, 0,
                        "{} step {}: the narration fits whole at 100×30",
                        lesson.name, step.number
                    );
                }
                screens.push(format!("{w}×{h}:\n{first}"));
                // Each further scroll position, until the last line shows.
                let mut top = 0;
                while top < hidden {
                    top = (top + inner).min(hidden);
                    let (page, _, _) = pane(&lesson.name, &step, w, h, top as u16);
                    screens.push(format!("{w}×{h}, scrolled {top}:\n{page}"));
                }
            }
        }
        insta::assert_snapshot!(format!("narration_{}", lesson.name), screens.join("\n\n"));
    }
}
