//! Keys and mouse: what each does to the App. Single keys offer the common
//! calls on the selected socket through small forms.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use tui_input::backend::crossterm::EventHandler;

use super::app::{App, Mode, Pane};
use super::complete;
use super::form::{Action, Form};
use super::log::Source;

/// Handles a key.
pub fn on_key(app: &mut App, key: KeyEvent) {
    if key.kind == KeyEventKind::Release {
        return;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        app.quit = true;
        return;
    }
    match &app.mode {
        Mode::Help => app.mode = Mode::Normal,
        Mode::ConfirmQuit => match key.code {
            KeyCode::Char('y' | 'Y' | 'q') | KeyCode::Enter => app.quit = true,
            _ => app.mode = Mode::Normal,
        },
        Mode::Form(_) => on_form_key(app, key),
        Mode::Command => on_command_key(app, key),
        Mode::Filter => on_filter_key(app, key),
        Mode::Normal => on_pane_key(app, key),
        Mode::Show => on_kernel_view_key(app, key),
    }
}

/// The kernel view over the screen: arrows and PgUp/PgDn scroll it, Esc,
/// q or space closes it (and a lesson held under it goes on), as q leaves
/// a pager: a teacher closing the view does not end the class.
fn on_kernel_view_key(app: &mut App, key: KeyEvent) {
    let page = app.page_rows() as isize;
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => app.scroll_kernel_view(-1),
        KeyCode::Down | KeyCode::Char('j') => app.scroll_kernel_view(1),
        KeyCode::PageUp => app.scroll_kernel_view(-page),
        KeyCode::PageDown => app.scroll_kernel_view(page),
        KeyCode::Home => app.scroll_kernel_view(isize::MIN),
        KeyCode::End => app.scroll_kernel_view(isize::MAX),
        // A lesson's next note about the view waits for room: space shows
        // it beside the view.
        KeyCode::Char(' ') if app.script.as_ref().is_some_and(|s| s.more.is_some()) => {
            app.next_step()
        }
        // Space goes on as well as closing: where the step ends at the
        // view, on to the next step, so that one space always advances.
        KeyCode::Char(' ') => app.close_view_and_go_on(),
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => app.close_kernel_view(),
        _ => {}
    }
}

fn on_form_key(app: &mut App, key: KeyEvent) {
    let Mode::Form(form) = &mut app.mode else {
        return;
    };
    match key.code {
        KeyCode::Esc => app.mode = Mode::Normal,
        KeyCode::Enter => {
            let cmd = form.command();
            app.mode = Mode::Normal;
            app.submit(&cmd, Source::Key);
        }
        KeyCode::Tab | KeyCode::Down => form.focus = (form.focus + 1) % form.fields.len(),
        KeyCode::BackTab | KeyCode::Up => {
            form.focus = (form.focus + form.fields.len() - 1) % form.fields.len();
        }
        _ => {
            let i = form.focus;
            form.fields[i]
                .input
                .handle_event(&crossterm::event::Event::Key(key));
        }
    }
}

/// Typing the connections filter: Enter keeps it, Esc clears it.
fn on_filter_key(app: &mut App, key: KeyEvent) {
    match key.code {
        KeyCode::Enter => app.mode = Mode::Normal,
        KeyCode::Esc => {
            app.mode = Mode::Normal;
            app.filter.clear();
        }
        KeyCode::Backspace => {
            app.filter.pop();
        }
        KeyCode::Char(c) if !c.is_control() && app.filter.len() < 32 => app.filter.push(c),
        _ => {}
    }
    app.pane = Pane::Connections;
    app.move_selection(0);
}

fn on_command_key(app: &mut App, key: KeyEvent) {
    match key.code {
        KeyCode::Esc => app.mode = Mode::Normal,
        // As in vim and k9s, Enter runs the command and leaves the command
        // line, so single keys (q, space, …) work straight away.
        KeyCode::Enter => {
            let text = app.input.value().to_string();
            app.input.reset();
            app.mode = Mode::Normal;
            app.submit(&text, Source::Typed);
        }
        // A `:` at the start is the prompt, typed again out of habit.
        KeyCode::Char(':') if app.input.value().is_empty() => {}
        KeyCode::Up => app.recall(true),
        KeyCode::Down => app.recall(false),
        KeyCode::Tab => {
            let names = app.socket_names();
            if let Some(done) = complete::complete(app.input.value(), &names) {
                app.input = tui_input::Input::new(done);
            }
        }
        _ => {
            app.input.handle_event(&crossterm::event::Event::Key(key));
        }
    }
}

/// The listener the single keys act on: the selected one, or the selected
/// connection's, or the only one.
pub(crate) fn target_listener(app: &App) -> Option<crate::lab::SockName> {
    if app.pane == Pane::Connections
        && let Some(l) = app
            .sel_conn
            .and_then(|c| app.view(c))
            .and_then(|v| v.listener)
    {
        return Some(l);
    }
    app.sel_listener
}

fn open_form(app: &mut App, action: Option<Action>, missing: &str) {
    match action {
        Some(a) => app.mode = Mode::Form(Form::new(a)),
        None => app.cmd_error = Some(missing.to_string()),
    }
}

fn on_pane_key(app: &mut App, key: KeyEvent) {
    let conn = app.sel_conn;
    match key.code {
        KeyCode::Char(':') => {
            app.mode = Mode::Command;
            app.cmd_error = None;
        }
        KeyCode::Char('?') => app.mode = Mode::Help,
        KeyCode::Char('/') => {
            app.mode = Mode::Filter;
            app.pane = Pane::Connections;
        }
        KeyCode::Char('q') => {
            // At a lesson's end its calls still blocked are its own (a
            // client left waiting in SYN-SENT): the end says q quits.
            let lesson_over = app.script.as_ref().is_some_and(|s| s.lesson && s.done);
            if app.calls_in_flight() && !lesson_over {
                app.mode = Mode::ConfirmQuit;
            } else {
                app.quit = true;
            }
        }
        KeyCode::Char('p') => app.toggle_freeze(),
        KeyCode::Char('w') => app.wire.toggle(),
        KeyCode::Char('y') => {
            app.python = !app.python;
            app.dirty = true;
        }
        KeyCode::PageUp if app.wire.shown => app.wire.scroll_by(app.page_rows() as isize),
        KeyCode::PageDown if app.wire.shown => app.wire.scroll_by(-(app.page_rows() as isize)),
        KeyCode::End if app.wire.shown => app.wire.scroll.reset(),
        KeyCode::Char(' ') => app.next_step(),
        KeyCode::Backspace if app.script.as_ref().is_some_and(|s| s.lesson) => {
            app.restart_lesson(true)
        }
        KeyCode::Home if app.script.as_ref().is_some_and(|s| s.lesson) => app.restart_lesson(false),
        KeyCode::Tab | KeyCode::Right => app.pane = app.pane.next(),
        KeyCode::BackTab | KeyCode::Left => app.pane = app.pane.prev(),
        KeyCode::Up if key.modifiers.contains(KeyModifiers::SHIFT) => {
            app.narration_back.by(1);
        }
        KeyCode::Down if key.modifiers.contains(KeyModifiers::SHIFT) => {
            app.narration_back.by(-1);
        }
        KeyCode::Up | KeyCode::Char('k') => app.move_selection(-1),
        KeyCode::Down | KeyCode::Char('j') => app.move_selection(1),
        KeyCode::PageUp => {
            app.pane = Pane::Results;
            app.move_selection(-(app.page_rows() as isize));
        }
        KeyCode::PageDown => {
            app.pane = Pane::Results;
            app.move_selection(app.page_rows() as isize);
        }
        KeyCode::End => app.results_scroll.reset(),
        KeyCode::Char('n') => open_form(app, Some(Action::Listen), ""),
        KeyCode::Char('c') => open_form(
            app,
            target_listener(app).map(Action::Connect),
            "no listener to connect to: press n for one",
        ),
        KeyCode::Char('a') => open_form(
            app,
            target_listener(app).map(Action::Accept),
            "no listener: press n for one",
        ),
        KeyCode::Char('s') => {
            let action = conn.map(|c| Action::send_on(app, c));
            open_form(app, action, "select a connection first");
        }
        KeyCode::Char('r') => {
            open_form(app, conn.map(Action::recv_on), "select a connection first")
        }
        KeyCode::Char('u') => open_form(app, Some(Action::Udp), ""),
        KeyCode::Char('d') => {
            open_form(app, conn.map(Action::Shutdown), "select a connection first");
        }
        KeyCode::Char('x') => {
            let sock = if app.pane == Pane::Listeners {
                app.sel_listener
            } else {
                conn
            };
            open_form(app, sock.map(Action::Close), "select a socket first");
        }
        _ => {}
    }
}

/// Handles the mouse: a click focuses a pane and selects a row; the wheel scrolls.
pub fn on_mouse(app: &mut App, m: MouseEvent) {
    // The wheel scrolls what is in front: the kernel view over the
    // screen, or the wire where it takes the results' place.
    let wheel = match m.kind {
        MouseEventKind::ScrollUp => -3,
        MouseEventKind::ScrollDown => 3,
        _ => 0,
    };
    if matches!(app.mode, Mode::Show) {
        if wheel != 0 {
            app.scroll_kernel_view(wheel);
        }
        return;
    }
    if wheel != 0 && app.wire.shown {
        app.wire.scroll_by(-wheel);
        app.dirty = true;
        return;
    }
    let areas = app.geometry.areas;
    let hit = |r: ratatui::layout::Rect| {
        m.column >= r.x && m.column < r.x + r.width && m.row >= r.y && m.row < r.y + r.height
    };
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if hit(areas.listeners) {
                let row = m.row.saturating_sub(areas.listeners.y + 1) as usize;
                app.select_row(Pane::Listeners, row / super::layout::ROWS_PER_LISTENER);
            } else if hit(areas.connections) {
                // Border and header take two rows.
                let row = m.row.saturating_sub(areas.connections.y + 2) as usize;
                app.select_row(Pane::Connections, row);
            } else if hit(areas.results) {
                app.pane = Pane::Results;
            } else if hit(areas.command) {
                app.mode = Mode::Command;
            } else {
                return;
            }
            app.dirty = true;
        }
        MouseEventKind::ScrollUp => {
            app.pane = Pane::Results;
            app.move_selection(-3);
            app.dirty = true;
        }
        MouseEventKind::ScrollDown => {
            app.pane = Pane::Results;
            app.move_selection(3);
            app.dirty = true;
        }
        _ => {}
    }
}
