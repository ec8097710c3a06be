//! What covers the panes: help, a form, the quit question.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::script::help::COMMANDS;
use crate::tui::app::{App, Mode};

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [c] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    c
}

pub(crate) fn boxed<'a>(app: &App, title: &str) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focus())
        .title(Line::styled(format!(" {title} "), app.theme.strong()))
}

/// Draws the overlay, if any.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    match &app.mode {
        Mode::Normal | Mode::Command | Mode::Filter => {}
        Mode::Help => help(frame, app, area),
        Mode::Show => super::kernel_view::draw(frame, app, area),
        Mode::ConfirmQuit => {
            let r = centered(area, 56, 5);
            frame.render_widget(Clear, r);
            let text = vec![
                Line::raw(format!(
                    "{} call(s) are still blocked in the kernel.",
                    app.lab.pending_all()
                )),
                Line::raw("Quit anyway? They are woken and every socket closed."),
                Line::styled("y: quit · any other key: stay", app.theme.dim()),
            ];
            frame.render_widget(Paragraph::new(text).block(boxed(app, "quit?")), r);
        }
        Mode::Form(form) => {
            let h = form.fields.len() as u16 * 2 + 4;
            let r = centered(area, 72, h);
            frame.render_widget(Clear, r);
            // Hints go beside the values when they all fit, else under them.
            let room = usize::from(r.width.saturating_sub(2)).saturating_sub(LABEL + VALUE + 2);
            let beside = form.fields.iter().all(|f| f.hint.chars().count() <= room);
            let mut lines = Vec::new();
            for (i, f) in form.fields.iter().enumerate() {
                let focus = i == form.focus;
                let style = if focus {
                    app.theme.selected()
                } else {
                    app.theme.text()
                };
                let mut line = vec![
                    Span::styled(format!("{:>9}: ", f.label), app.theme.strong()),
                    Span::styled(format!("{:<VALUE$}", f.input.value()), style),
                ];
                let hint = Span::styled(f.hint, app.theme.dim());
                if beside {
                    line.extend([Span::raw("  "), hint]);
                    lines.extend([Line::from(line), Line::raw("")]);
                } else {
                    let under = Line::from(vec![Span::raw(" ".repeat(LABEL)), hint]);
                    lines.extend([Line::from(line), under]);
                }
            }
            lines.push(Line::from(vec![
                Span::styled("runs: ", app.theme.dim()),
                Span::styled(form.command(), app.theme.command()),
            ]));
            frame.render_widget(Paragraph::new(lines).block(boxed(app, &form.title())), r);
            let fx = r.x + 1 + LABEL as u16 + form.fields[form.focus].input.visual_cursor() as u16;
            let fy = r.y + 1 + form.focus as u16 * 2;
            frame.set_cursor_position((fx.min(r.x + r.width - 2), fy));
        }
    }
}

/// A form's label column ("  backlog: ") and value column, in cells.
const LABEL: usize = 11;
const VALUE: usize = 24;

fn help(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let t = app.theme;
    let r = centered(
        area,
        area.width.saturating_sub(4).min(110),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, r);
    let keys = [
        (
            ":",
            "command: Enter runs, Esc leaves, ↑↓ recall, Tab completes",
        ),
        (
            "n c a u",
            "new listener · connect · accept · new UDP socket",
        ),
        (
            "s r d x",
            "send · recv · shutdown · close the selected socket",
        ),
        (
            "Tab ⇧Tab ←→",
            "next · previous pane (a click focuses one too)",
        ),
        (
            "↑↓ k j",
            "select a row (a click selects the row under the pointer)",
        ),
        (
            "/",
            "filter connections (name or state); Enter keeps, Esc clears",
        ),
        (
            "PgUp PgDn End",
            "scroll the results by a page (or the wheel) · End: newest",
        ),
        (
            "p",
            "freeze the view to talk over a still picture; p again thaws",
        ),
        (
            "w",
            "the wire: the selected connection's segments and its graph",
        ),
        (
            "y",
            "each call's Python equivalent under its result; y again hides it",
        ),
        ("space", "lesson: run the next step"),
        ("⌫", "lesson: run this step again, in a fresh lab"),
        ("Home", "lesson: back to the start, in a fresh lab"),
        ("?", "this help; any key closes it"),
        (
            "q  Ctrl-C",
            "quit (asks if calls are blocked); q closes the kernel view",
        ),
    ];
    let mut lines: Vec<Line<'_>> = keys
        .iter()
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!("{k:>13}  "), t.strong()),
                Span::raw(*v),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    // Full usage lines when they fit as drawn (a long usage wraps onto a
    // second row); otherwise the names, and how to ask.
    let mut full = lines.clone();
    full.push(Line::styled("Commands", t.strong()));
    for u in COMMANDS {
        full.push(Line::styled(format!("  {}", u.usage), t.command()));
    }
    full.push(Line::styled(
        "SIZE 100, 4k, 1m · MODE none (blocking), 0 (non-blocking), 2s",
        t.dim(),
    ));
    let room = r.height.saturating_sub(2) as usize;
    let rows = Paragraph::new(full.clone())
        .wrap(Wrap { trim: false })
        .line_count(r.width.saturating_sub(2));
    if rows <= room {
        lines = full;
    } else {
        let names: Vec<&str> = COMMANDS.iter().map(|u| u.name).collect();
        lines.push(Line::from(vec![
            Span::styled("Commands: ", t.strong()),
            Span::styled(names.join(" "), t.command()),
        ]));
        lines.push(Line::styled(
            "Type :help NAME for one command's usage; Tab on the command line completes.",
            t.dim(),
        ));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(boxed(app, "help · any key closes"))
            .wrap(Wrap { trim: false }),
        r,
    );
}
