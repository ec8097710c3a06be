//! The mouse selects the row drawn under the pointer, however far the pane
//! is scrolled: the offsets live in the App beside the selection.

mod common;

use common::tui::{app, key, listener_and_clients, rows, snapshot, submit};
use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use sockplay::tui::app::{App, Msg, Pane};
use sockplay::tui::view;

fn click(app: &mut App, column: u16, row: u16) {
    // A frame comes before the click, as in the program's loop: the click
    // lands on what it drew.
    sockplay::tui::settle(app);
    app.update(Msg::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }));
}

fn name(s: Option<sockplay::lab::SockName>) -> String {
    s.map(|s| s.to_string()).unwrap_or_default()
}

#[test]
fn a_click_on_a_scrolled_connections_pane_selects_the_row_drawn() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    listener_and_clients(&mut app, &rx, 20);
    snapshot(&mut app);
    assert_eq!(app.connections().len(), 20);
    // Select C20 with the keys, as a user would.
    app.pane = Pane::Connections;
    for _ in 0..25 {
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(name(app.sel_conn), "C20");
    let areas = view::areas(&app, 80, 24);
    // The top data row is under the border and the header.
    let top = areas.connections.y + 2;
    let screen = rows(&mut app, 80, 24);
    let drawn = screen[top as usize].clone();
    let first_drawn = drawn
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| w.starts_with('C') && w.len() > 1)
        .unwrap_or_default()
        .to_string();
    assert_eq!(first_drawn, "C15", "the top row drawn: {drawn}");
    click(&mut app, areas.connections.x + 3, top);
    assert_eq!(name(app.sel_conn), "C15", "the click selects the row drawn");
    // Selecting it scrolled nothing: the same row is still on top.
    let screen = rows(&mut app, 80, 24);
    assert!(
        screen[top as usize].contains("C15"),
        "{}",
        screen[top as usize]
    );
}

#[test]
fn a_click_on_a_scrolled_listeners_pane_selects_the_listener_drawn() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    for n in 1..=3 {
        submit(&mut app, &rx, "listen", |a| a.lab.socket_count() == n);
    }
    snapshot(&mut app);
    app.pane = Pane::Listeners;
    for _ in 0..5 {
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(name(app.sel_listener), "L3");
    let areas = view::areas(&app, 80, 24);
    let top = areas.listeners.y + 1;
    let screen = rows(&mut app, 80, 24);
    assert!(
        screen[top as usize].contains("L3"),
        "L3 is drawn on top: {}",
        screen[top as usize]
    );
    click(&mut app, areas.listeners.x + 3, top);
    assert_eq!(
        name(app.sel_listener),
        "L3",
        "the click selects the listener drawn"
    );
    // Up moves to L2, which then shows on top; a click there selects it.
    key(&mut app, KeyCode::Up);
    assert_eq!(name(app.sel_listener), "L2");
    // The frame after the key brings L2 into view.
    sockplay::tui::settle(&mut app);
    assert_eq!(app.listener_offset, 1);
    click(&mut app, areas.listeners.x + 3, top);
    assert_eq!(name(app.sel_listener), "L2");
}

fn wheel(app: &mut App, down: bool) {
    let kind = if down {
        MouseEventKind::ScrollDown
    } else {
        MouseEventKind::ScrollUp
    };
    // A frame comes before each turn of the wheel, as in the program's loop.
    sockplay::tui::settle(app);
    app.update(Msg::Mouse(MouseEvent {
        kind,
        column: 40,
        row: 12,
        modifiers: KeyModifiers::NONE,
    }));
}

#[test]
fn the_wheel_scrolls_the_kernel_view_over_the_screen_not_the_results_under_it() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    listener_and_clients(&mut app, &rx, 12);
    for _ in 0..12 {
        submit(&mut app, &rx, "accept L1", |_| true);
    }
    submit(&mut app, &rx, "show", |a| {
        matches!(a.mode, sockplay::tui::app::Mode::Show)
    });
    let lines = view::kernel_view::wrapped(&app.kernel_view, 78).len();
    assert!(
        lines > app.page_rows() + 3,
        "taller than the screen: {lines}"
    );
    assert_eq!(app.kernel_view_top.offset(), 0);
    wheel(&mut app, true);
    assert_eq!(
        app.kernel_view_top.offset(),
        3,
        "the wheel moved the kernel view"
    );
    assert_eq!(
        app.results_scroll.offset(),
        0,
        "the results under it did not move"
    );
    wheel(&mut app, false);
    assert_eq!(app.kernel_view_top.offset(), 0);
    // Closed, the wheel scrolls the results again.
    key(&mut app, KeyCode::Esc);
    wheel(&mut app, false);
    assert!(app.results_scroll.offset() > 0, "the results scrolled up");
    // The wire (w) takes the results' place: the wheel scrolls its ladder.
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Char('w'));
    wheel(&mut app, false);
    // Without a capture the ladder is empty: nothing to scroll, and the
    // results under it stay where they were.
    assert_eq!(
        app.wire.scroll.offset(),
        0,
        "an empty ladder does not scroll"
    );
    assert_eq!(
        app.results_scroll.offset(),
        0,
        "not the results hidden under it"
    );
}
