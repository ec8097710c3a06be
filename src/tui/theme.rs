//! Styles, with colour only where it helps and none under NO_COLOR
//! (no-color.org). Meaning never rests on colour alone: words say it too.

use ratatui::style::{Color, Modifier, Style};

use crate::lab::Kind;

/// The styles of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// Colour unless the `NO_COLOR` environment variable is set and not empty.
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    /// A theme with or without colour.
    pub fn new(color: bool) -> Theme {
        Theme { color }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// Plain text.
    pub fn text(self) -> Style {
        Style::new()
    }

    /// Less important text.
    pub fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    /// Titles and names.
    pub fn strong(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The border of the focused pane.
    pub fn focus(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// The selected row.
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Something full or stopped: a full queue, a zero window, a blocked call.
    pub fn alarm(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// Something filling up.
    pub fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }

    /// Something fine.
    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }

    /// Commands echoed to the results.
    pub fn command(self) -> Style {
        self.fg(Color::Cyan)
    }

    /// Narration.
    pub fn note(self) -> Style {
        self.fg(Color::Magenta)
    }

    /// A result of this kind.
    pub fn kind(self, kind: Kind) -> Style {
        match kind {
            Kind::Complete => self.ok(),
            Kind::Partial => self.warn(),
            Kind::WouldBlock => self.fg(Color::Blue).add_modifier(Modifier::BOLD),
            Kind::TimedOut => self.fg(Color::Magenta).add_modifier(Modifier::BOLD),
            Kind::EndOfStream => self.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            Kind::Error => self.alarm(),
            Kind::Truncated => self.warn(),
        }
    }

    /// A bar's fill for a share from 0 to 1.
    pub fn level(self, share: f64) -> Style {
        if share >= 0.999 {
            self.alarm()
        } else if share >= 0.75 {
            self.warn()
        } else {
            self.ok()
        }
    }
}
