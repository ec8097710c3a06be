//! Styles: three palettes (dark, light, and contrast for projectors and low
//! vision), or no colour at all under NO_COLOR (no-color.org). Meaning never
//! rests on colour alone: words, marks and bold say it too.
//!
//! A palette paints its own background, so that every pair of text and
//! background colours is known and its contrast can be measured: at least
//! 4.5:1 in `dark` and `light` (WCAG AA), 7:1 in `contrast` (WCAG AAA).

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

use crate::lab::Kind;

/// The themes a user picks by name (`--theme`, `SOCKPLAY_THEME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ThemeName {
    /// Light text on a dark background.
    Dark,
    /// Dark text on a light background, for bright rooms.
    Light,
    /// White and bright colours on black, 7:1 or more: projectors, low vision.
    Contrast,
}

impl ThemeName {
    /// Every theme, in the order the help lists them.
    pub const ALL: [ThemeName; 3] = [ThemeName::Dark, ThemeName::Light, ThemeName::Contrast];

    /// The name a user types.
    pub fn as_str(self) -> &'static str {
        match self {
            ThemeName::Dark => "dark",
            ThemeName::Light => "light",
            ThemeName::Contrast => "contrast",
        }
    }

    /// The theme called `name`, or a line saying which names there are.
    pub fn parse(name: &str) -> Result<ThemeName, String> {
        ThemeName::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| format!("no theme {name:?}: dark, light or contrast"))
    }

    /// The least contrast any text of this theme has against its background.
    pub fn min_contrast(self) -> f64 {
        match self {
            ThemeName::Contrast => 7.0,
            ThemeName::Dark | ThemeName::Light => 4.5,
        }
    }

    fn palette(self) -> &'static Palette {
        match self {
            ThemeName::Dark => &DARK,
            ThemeName::Light => &LIGHT,
            ThemeName::Contrast => &CONTRAST,
        }
    }
}

/// The colours of one theme: a background and what is drawn on it.
#[derive(Debug, PartialEq, Eq)]
struct Palette {
    background: Color,
    text: Color,
    dim: Color,
    focus: Color,
    alarm: Color,
    warn: Color,
    ok: Color,
    command: Color,
    note: Color,
    would_block: Color,
    timed_out: Color,
    end_of_stream: Color,
}

const fn rgb(hex: u32) -> Color {
    Color::Rgb((hex >> 16) as u8, (hex >> 8) as u8, hex as u8)
}

const DARK: Palette = Palette {
    background: rgb(0x121212),
    text: rgb(0xe4e4e4),
    dim: rgb(0xa0a0a0),
    focus: rgb(0x5fd7ff),
    alarm: rgb(0xff7a7a),
    warn: rgb(0xe5c07b),
    ok: rgb(0x87d787),
    command: rgb(0x5fafd7),
    note: rgb(0xd7a0ff),
    would_block: rgb(0x82aaff),
    timed_out: rgb(0xe08ee0),
    end_of_stream: rgb(0x5fd7d7),
};

const LIGHT: Palette = Palette {
    background: rgb(0xfafafa),
    text: rgb(0x1a1a1a),
    dim: rgb(0x595959),
    focus: rgb(0x005f87),
    alarm: rgb(0xb00020),
    warn: rgb(0x8a5300),
    ok: rgb(0x1b6e20),
    command: rgb(0x005f87),
    note: rgb(0x7a1f8f),
    would_block: rgb(0x0040a0),
    timed_out: rgb(0x8f1f6f),
    end_of_stream: rgb(0x006060),
};

/// Black and white first; the accents are light tints of the Okabe–Ito
/// colours (orange for alarm, sky blue for fine, yellow for filling), which
/// stay apart for red–green and blue–yellow colour blindness, and differ in
/// lightness as well as hue.
const CONTRAST: Palette = Palette {
    background: rgb(0x000000),
    text: rgb(0xffffff),
    dim: rgb(0xc8c8c8),
    focus: rgb(0xffff00),
    alarm: rgb(0xffa070),
    warn: rgb(0xffe84a),
    ok: rgb(0x80c8ff),
    command: rgb(0xffffff),
    note: rgb(0xffb0e0),
    would_block: rgb(0xa0d8ff),
    timed_out: rgb(0xffb0e0),
    end_of_stream: rgb(0xc0ffc0),
};

/// The styles of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    palette: Option<&'static Palette>,
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::named(ThemeName::Dark)
    }
}

impl Theme {
    /// The theme the environment asks for: `SOCKPLAY_THEME` (dark when it
    /// is unset or not a theme's name), or none under `NO_COLOR`.
    pub fn from_env() -> Theme {
        Theme::choose(None).unwrap_or_default()
    }

    /// The theme for a `--theme` given (or not): a theme asked for by name
    /// wins over `NO_COLOR`; then `NO_COLOR` (set and not empty) means no
    /// colour; then `SOCKPLAY_THEME`; then dark. A `SOCKPLAY_THEME` that
    /// names no theme is an error.
    pub fn choose(asked: Option<ThemeName>) -> Result<Theme, String> {
        let env = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
        Theme::resolve(asked, env("NO_COLOR").is_some(), env("SOCKPLAY_THEME"))
    }

    /// [`Theme::choose`] with the environment given.
    pub fn resolve(
        asked: Option<ThemeName>,
        no_color: bool,
        from_env: Option<String>,
    ) -> Result<Theme, String> {
        if let Some(name) = asked {
            return Ok(Theme::named(name));
        }
        if no_color {
            return Ok(Theme::new(false));
        }
        match from_env {
            Some(name) => ThemeName::parse(&name)
                .map(Theme::named)
                .map_err(|e| format!("SOCKPLAY_THEME: {e}")),
            None => Ok(Theme::default()),
        }
    }

    /// A theme by name.
    pub fn named(name: ThemeName) -> Theme {
        Theme {
            palette: Some(name.palette()),
        }
    }

    /// The dark theme, or no colour.
    pub fn new(color: bool) -> Theme {
        Theme {
            palette: color.then_some(&DARK),
        }
    }

    /// Whether this theme has colours.
    pub fn has_color(self) -> bool {
        self.palette.is_some()
    }

    fn fg(self, pick: fn(&Palette) -> Color) -> Style {
        match self.palette {
            Some(p) => Style::new().fg(pick(p)),
            None => Style::new(),
        }
    }

    /// Plain text.
    pub fn text(self) -> Style {
        Style::new()
    }

    /// Less important text: a paler colour, or the terminal's dim without colour.
    pub fn dim(self) -> Style {
        match self.palette {
            Some(p) => Style::new().fg(p.dim),
            None => Style::new().add_modifier(Modifier::DIM),
        }
    }

    /// Titles and names.
    pub fn strong(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The border of the focused pane.
    pub fn focus(self) -> Style {
        self.fg(|p| p.focus).add_modifier(Modifier::BOLD)
    }

    /// The selected row.
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Something full or stopped: a full queue, a zero window, a blocked call.
    pub fn alarm(self) -> Style {
        self.fg(|p| p.alarm).add_modifier(Modifier::BOLD)
    }

    /// Something filling up.
    pub fn warn(self) -> Style {
        self.fg(|p| p.warn)
    }

    /// Something fine.
    pub fn ok(self) -> Style {
        self.fg(|p| p.ok)
    }

    /// Commands echoed to the results.
    pub fn command(self) -> Style {
        self.fg(|p| p.command)
    }

    /// Narration.
    pub fn note(self) -> Style {
        self.fg(|p| p.note)
    }

    /// A result of this kind.
    pub fn kind(self, kind: Kind) -> Style {
        match kind {
            Kind::Complete => self.ok(),
            Kind::Partial => self.warn(),
            Kind::WouldBlock => self.fg(|p| p.would_block).add_modifier(Modifier::BOLD),
            Kind::TimedOut => self.fg(|p| p.timed_out).add_modifier(Modifier::BOLD),
            Kind::EndOfStream => self.fg(|p| p.end_of_stream).add_modifier(Modifier::BOLD),
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

    /// Gives every cell drawn in the terminal's own colours the theme's
    /// text and background, so the whole screen is in the palette.
    pub fn paint(self, buf: &mut Buffer) {
        let Some(p) = self.palette else { return };
        for cell in buf.content.iter_mut() {
            if cell.fg == Color::Reset {
                cell.fg = p.text;
            }
            if cell.bg == Color::Reset {
                cell.bg = p.background;
            }
        }
    }

    /// Every foreground a text may have in this theme, each with the
    /// background it is drawn on (a reversed cell swaps them, which keeps
    /// the pair); empty without colour.
    pub fn pairs(self) -> Vec<(Color, Color)> {
        let Some(p) = self.palette else {
            return Vec::new();
        };
        [
            p.text,
            p.dim,
            p.focus,
            p.alarm,
            p.warn,
            p.ok,
            p.command,
            p.note,
            p.would_block,
            p.timed_out,
            p.end_of_stream,
        ]
        .into_iter()
        .map(|fg| (fg, p.background))
        .collect()
    }
}

/// The contrast ratio of two colours as WCAG 2 defines it, from 1 (the
/// same) to 21 (black on white); `None` for a colour that is not RGB, whose
/// look is the terminal's to choose.
pub fn contrast_ratio(a: Color, b: Color) -> Option<f64> {
    let (la, lb) = (luminance(a)?, luminance(b)?);
    let (hi, lo) = if la >= lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

/// WCAG 2's relative luminance of an sRGB colour.
fn luminance(c: Color) -> Option<f64> {
    let Color::Rgb(r, g, b) = c else { return None };
    let linear = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    Some(0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_ratio_matches_the_wcag_examples() {
        let black = Color::Rgb(0, 0, 0);
        let white = Color::Rgb(255, 255, 255);
        assert!((contrast_ratio(black, white).unwrap() - 21.0).abs() < 1e-9);
        assert!((contrast_ratio(white, white).unwrap() - 1.0).abs() < 1e-9);
        // #767676 on white is the classic "just 4.5:1" grey.
        let grey = Color::Rgb(0x76, 0x76, 0x76);
        let r = contrast_ratio(grey, white).unwrap();
        assert!((4.5..4.6).contains(&r), "{r}");
        assert_eq!(contrast_ratio(Color::Red, white), None);
    }

    #[test]
    fn a_theme_asked_for_wins_then_no_color_then_the_environment() {
        let contrast = Theme::named(ThemeName::Contrast);
        assert_eq!(
            Theme::resolve(Some(ThemeName::Contrast), true, None),
            Ok(contrast)
        );
        assert_eq!(
            Theme::resolve(None, true, Some("light".into())),
            Ok(Theme::new(false))
        );
        assert_eq!(
            Theme::resolve(None, false, Some("Light".into())),
            Ok(Theme::named(ThemeName::Light))
        );
        assert_eq!(Theme::resolve(None, false, None), Ok(Theme::default()));
        let bad = Theme::resolve(None, false, Some("neon".into())).unwrap_err();
        assert_eq!(
            bad,
            "SOCKPLAY_THEME: no theme \"neon\": dark, light or contrast"
        );
    }
}
