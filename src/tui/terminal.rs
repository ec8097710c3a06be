//! The terminal, always given back as it was: on quit, errors, signals
//! (restore on drop), suspension (Ctrl-Z: restore, stop, set up again on
//! `fg`) and panics in any thread (a hook that restores, chains the previous
//! hook and ends the program).

use std::io::{self, Write};
use std::sync::Once;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::record::{Screen, Shared};

/// Puts the terminal back: leaves the alternate screen, shows the cursor,
/// stops mouse capture, leaves raw mode. Safe to call more than once.
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Sets the terminal up for the lab: raw mode, the alternate screen, mouse
/// capture.
fn set_up() -> io::Result<()> {
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)
}

/// Ctrl-Z or SIGTSTP, as vim and htop take it: gives the terminal back,
/// stops the process until the shell's `fg` continues it, then sets the
/// terminal up again. The caller redraws the whole screen.
pub fn suspend() -> io::Result<()> {
    restore();
    // SIGSTOP cannot be caught: the process stops here, and the shell sees
    // a stopped job, until SIGCONT.
    let _ = rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::STOP);
    set_up()
}

/// A panic in any thread gives the terminal back and ends the program with
/// its message: a lab thread that died would otherwise leave a screen that
/// no longer tells the truth.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Holding stdout until the end keeps the screen's thread from
            // drawing (and hiding the cursor) after the terminal is given
            // back; the lock is reentrant, so restore() can still write.
            let _stdout = io::stdout().lock();
            restore();
            previous(info);
            std::process::exit(101);
        }));
    });
}

/// The terminal in TUI mode; restored when dropped.
pub struct Guard {
    /// The ratatui terminal.
    pub terminal: Terminal<CrosstermBackend<Screen>>,
}

impl Guard {
    /// Enters raw mode, the alternate screen and mouse capture.
    pub fn enter() -> io::Result<Guard> {
        Guard::recording(Shared::default())
    }

    /// As [`Guard::enter`], keeping what the screen writes in the
    /// recording `recording` holds, while it holds one.
    pub fn recording(recording: Shared) -> io::Result<Guard> {
        install_panic_hook();
        if let Err(e) = set_up() {
            restore();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(Screen::new(recording))) {
            Ok(terminal) => Ok(Guard { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}
