//! The command line as vim and k9s users expect it: Enter runs the command
//! and leaves the command line, a leading `:` is ignored, and a rejected
//! command is shown whole and kept in the results.

mod common;

use common::tui::{app, key, pump, render, typed};
use crossterm::event::KeyCode;
use sockplay::tui::app::{App, Mode, Msg};
use sockplay::tui::log::Entry;

fn errors(app: &App) -> Vec<String> {
    app.log
        .entries()
        .iter()
        .filter_map(|e| match e {
            Entry::Error(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn enter_runs_the_command_and_leaves_the_command_line() {
    let (mut app, rx) = app();
    key(&mut app, KeyCode::Char(':'));
    assert!(matches!(app.mode, Mode::Command));
    typed(&mut app, "listen backlog=2");
    key(&mut app, KeyCode::Enter);
    assert!(
        matches!(app.mode, Mode::Normal),
        "Enter left the command line"
    );
    assert!(
        pump(&mut app, &rx, |a| a.lab.socket_count() == 1),
        "timed out waiting"
    );
    assert_eq!(app.lab.socket_count(), 1);
    // The next `:` opens the command line afresh, with nothing in it.
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "connect L1 x2");
    key(&mut app, KeyCode::Enter);
    assert!(
        pump(&mut app, &rx, |a| a.lab.socket_count() == 3),
        "timed out waiting"
    );
    assert_eq!(app.lab.socket_count(), 3, "{:?}", errors(&app));
    assert!(errors(&app).is_empty(), "{:?}", errors(&app));
    // And the single keys work at once: q quits (nothing is blocked).
    assert!(
        pump(&mut app, &rx, |a| !a.calls_in_flight()),
        "timed out waiting"
    );
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit, "q after a command quits");
}

#[test]
fn a_leading_colon_is_ignored() {
    let (mut app, rx) = app();
    // `::listen`: the second `:` is typed out of habit.
    key(&mut app, KeyCode::Char(':'));
    key(&mut app, KeyCode::Char(':'));
    assert_eq!(app.input.value(), "");
    typed(&mut app, "listen");
    key(&mut app, KeyCode::Enter);
    assert!(
        pump(&mut app, &rx, |a| a.lab.socket_count() == 1),
        "timed out waiting"
    );
    assert_eq!(app.lab.socket_count(), 1, "{:?}", errors(&app));
    // A `:` inside a command is kept (an address).
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "connect 127.0.0.1:1");
    assert_eq!(app.input.value(), "connect 127.0.0.1:1");
    // A pasted or recalled `:listen` runs too.
    key(&mut app, KeyCode::Esc);
    app.submit(":listen", sockplay::tui::log::Source::Typed);
    assert!(
        pump(&mut app, &rx, |a| a.lab.socket_count() == 2),
        "timed out waiting"
    );
    assert_eq!(app.lab.socket_count(), 2, "{:?}", errors(&app));
}

#[test]
fn a_rejected_command_is_shown_whole_and_kept_in_the_results() {
    let (mut app, _rx) = app();
    app.update(Msg::Resize(80, 24));
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "frobnicate L1 with a long tail of words");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.mode, Mode::Normal));
    let logged = errors(&app);
    assert_eq!(logged.len(), 1, "{logged:?}");
    let message = &logged[0];
    assert!(message.starts_with("frobnicate L1"), "{message}");
    assert!(message.contains("unknown command"), "{message}");
    assert!(
        message.len() > 80,
        "a message longer than the screen: {message}"
    );
    // Under the panes, the whole message, over as many rows as it needs.
    let screen = render(&mut app, 80, 24);
    let rows: Vec<&str> = screen.lines().collect();
    let start = rows
        .iter()
        .rposition(|l| l.starts_with("✗ frobnicate"))
        .unwrap_or_else(|| panic!("the error under the panes:\n{screen}"));
    let shown: String = rows[start..rows.len() - 1]
        .iter()
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" ");
    let words: Vec<&str> = message.split_whitespace().collect();
    let shown_words: Vec<&str> = shown.split_whitespace().skip(1).collect();
    assert_eq!(shown_words, words, "{screen}");
    // The next `:` clears it and gives the line back.
    key(&mut app, KeyCode::Char(':'));
    assert!(app.cmd_error.is_none());
    let screen = render(&mut app, 80, 24);
    assert!(!screen.contains("✗ frobnicate"), "{screen}");
}

#[test]
fn the_help_lists_every_key_at_80x24() {
    let (mut app, _rx) = app();
    app.update(Msg::Resize(80, 24));
    key(&mut app, KeyCode::Char('?'));
    assert!(matches!(app.mode, Mode::Help));
    let screen = render(&mut app, 80, 24);
    for k in [
        ":",
        "n c a",
        "s r d x",
        "Tab",
        "⇧Tab",
        "↑↓ k j",
        "/",
        "PgUp PgDn End",
        "p",
        "w",
        "space",
        "⌫",
        "Home",
        "?",
        "q  Ctrl-C",
        "Esc",
        "wheel",
        "click",
    ] {
        assert!(screen.contains(k), "the help lacks {k:?}:\n{screen}");
    }
    // Every command's name fits under the keys.
    for c in sockplay::script::help::COMMANDS {
        assert!(
            screen.contains(c.name),
            "the help lacks {}:\n{screen}",
            c.name
        );
    }
    key(&mut app, KeyCode::Char('x'));
    assert!(matches!(app.mode, Mode::Normal));
}
