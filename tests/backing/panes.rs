//! A note that sends the class to a pane by its name ("ESTAB in
//! Connections", "Results lists them", "the kernel view says") is read
//! where that pane is drawn: not under the kernel view, the help or a
//! form, and not where the wire has taken the place of Selected and
//! Results.

use sockplay::tui::app::{App, Mode};
use sockplay::tui::view;

/// The panes a note may name, as it writes them.
const PANES: &[&str] = &[
    "Connections",
    "Listeners",
    "Selected",
    "Results",
    "kernel view",
];

/// The panes `note` names, each once: each name as a word of its own,
/// capitalised as the panes are headed ("Connections to the same server"
/// is about connections, not the pane).
pub fn named(note: &str) -> Vec<&'static str> {
    PANES
        .iter()
        .copied()
        .filter(|pane| {
            note.match_indices(pane).any(|(at, _)| {
                let before = note[..at].chars().next_back();
                let after = note[at + pane.len()..].chars().next();
                before.is_none_or(|c| !c.is_alphanumeric())
                    && after.is_none_or(|c| !c.is_alphanumeric())
                    // "Connections to the same server" is about
                    // connections, not the pane.
                    && !note[at + pane.len()..].starts_with(" to ")
            })
        })
        .collect()
}

/// Whether the rows of `rect` are drawn, at least one of them, outside
/// whatever covers the panes now.
fn uncovered(app: &App, w: u16, h: u16, rect: ratatui::layout::Rect) -> bool {
    rect.height > 0 && (rect.y..rect.y + rect.height).any(|y| !view::covered(app, w, h, y))
}

/// The panes `note` names that the screen does not draw now.
pub fn hidden(app: &App, (w, h): (u16, u16), note: &str) -> Vec<String> {
    let areas = view::areas(app, w, h);
    let wire = app.wire.shown;
    named(note)
        .into_iter()
        .filter(|pane| !match *pane {
            "Connections" => uncovered(app, w, h, areas.connections),
            "Listeners" => uncovered(app, w, h, areas.listeners),
            "Selected" => !wire && uncovered(app, w, h, areas.selected),
            "Results" => !wire && uncovered(app, w, h, areas.results),
            _ => matches!(app.mode, Mode::Show),
        })
        .map(|pane| format!("the {pane} pane it names, drawn (not covered) on this page"))
        .collect()
}

/// The checks of this file, run by the test's `main`.
pub fn self_test() -> Vec<String> {
    let mut failures = Vec::new();
    let mut check = |ok: bool, what: &str| {
        if !ok {
            failures.push(what.to_string());
        }
    };
    check(
        named("A3 is ESTAB (ESTAB in Connections, ESTABLISHED in the kernel view).")
            == ["Connections", "kernel view"],
        "panes named",
    );
    check(
        named("Connections to the same server need ports of their own.").is_empty(),
        "connections in general",
    );
    check(
        named("Results lists them under the listener.") == ["Results"],
        "a pane at a sentence's start",
    );
    check(
        named("SelectedX and Listenersy").is_empty(),
        "part of a word",
    );
    failures
}
