//! The themes on real screens: every cell the TUI draws in a theme has a
//! known text and background colour, and every pair meets the theme's
//! contrast (7:1 for `contrast`, 4.5:1 for the others); without colour,
//! nothing is coloured; and the contrast theme's alarm, warning and
//! fine stay apart for the common colour blindnesses.

use std::collections::BTreeMap;

mod common;

use common::tui::{app, key, pump, snapshot};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use sockplay::lab::Kind;
use sockplay::script::parse_script;
use sockplay::tui::app::App;
use sockplay::tui::log::{Entry, Source};
use sockplay::tui::theme::{Theme, ThemeName, contrast_ratio};
use sockplay::tui::view;

/// How many results the log holds.
fn ops(app: &App) -> usize {
    app.log
        .entries()
        .iter()
        .filter(|e| matches!(e, Entry::Op(_)))
        .count()
}

/// A lab showing a result of every kind, a full accept queue and a
/// narration: the screens every style appears on.
fn busy_lab() -> (App, std::sync::mpsc::Receiver<sockplay::lab::LabEvent>) {
    let (mut app, rx) = app();
    // Each command and the results it gives (the third client stays
    // blocked in SYN-SENT: the queue of backlog 1 holds two).
    let script = [
        ("listen backlog=1", 1),
        ("connect L1 x3", 2),
        ("accept L1", 1),
        // More than the buffers hold, without waiting: a partial send.
        ("set C2 timeout=0", 1),
        ("send C2 16m", 1),
        ("send C1 \"Hi there\"", 1),
        ("recv A1 4", 1),
        ("set A1 timeout=0", 1),
        ("recv A1 100", 1),
        ("recv A1 100", 1),
        ("set A1 timeout=100ms", 1),
        ("recv A1 100", 1),
        ("close C1", 1),
        ("set A1 timeout=none", 1),
        ("recv A1 100", 1),
        ("connect 127.0.0.1:1", 1),
    ];
    let mut want = 0;
    for (line, results) in script {
        want += results;
        // Ticks too: a command waits behind a blocked call's settling time.
        app.submit(line, Source::Typed);
        assert!(
            pump(&mut app, &rx, |a| ops(a) >= want),
            "{line} did not finish"
        );
    }
    let kinds: Vec<Kind> = app
        .log
        .entries()
        .iter()
        .filter_map(|e| match e {
            Entry::Op(r) => Some(r.kind),
            _ => None,
        })
        .collect();
    for k in [
        Kind::Complete,
        Kind::Partial,
        Kind::WouldBlock,
        Kind::TimedOut,
        Kind::EndOfStream,
        Kind::Error,
    ] {
        assert!(kinds.contains(&k), "no {k:?} result among {kinds:?}");
    }
    snapshot(&mut app);
    // A lesson's narration, with a note, over the same lab.
    let lesson = "step \"Colours\"\nnote \"A note in the narration.\"\n";
    app.play("theme test", parse_script(lesson).unwrap(), true);
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump(&mut app, &rx, |a| {
            a.log.entries().iter().any(|e| matches!(e, Entry::Note(_)))
        }),
        "the lesson's note never came"
    );
    (app, rx)
}

/// Each (text, background) pair drawn with a visible character, how often.
fn pairs_drawn(app: &App, w: u16, h: u16) -> BTreeMap<(String, String), usize> {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(f, app)).unwrap();
    let mut seen = BTreeMap::new();
    for cell in term.backend().buffer().content() {
        let (mut fg, mut bg) = (cell.fg, cell.bg);
        if cell.modifier.contains(Modifier::REVERSED) {
            std::mem::swap(&mut fg, &mut bg);
        }
        if app.theme.has_color() {
            assert!(
                matches!(fg, Color::Rgb(..)) && matches!(bg, Color::Rgb(..)),
                "{:?} drawn in {fg:?} on {bg:?}: the terminal's own colours, contrast unknown",
                cell.symbol()
            );
            assert!(
                !cell.modifier.contains(Modifier::DIM),
                "{:?} drawn DIM in a theme with colours: contrast unknown",
                cell.symbol()
            );
        }
        if cell.symbol().trim().is_empty() {
            continue;
        }
        *seen
            .entry((format!("{fg:?}"), format!("{bg:?}")))
            .or_insert(0) += 1;
        if let (Color::Rgb(..), Color::Rgb(..)) = (fg, bg) {
            let ratio = contrast_ratio(fg, bg).unwrap();
            let name = app.theme;
            let least = ThemeName::ALL
                .into_iter()
                .find(|n| Theme::named(*n) == name)
                .map_or(4.5, ThemeName::min_contrast);
            assert!(
                ratio >= least,
                "{:?} in {fg:?} on {bg:?}: contrast {ratio:.2}:1, below {least}:1",
                cell.symbol()
            );
        }
    }
    seen
}

#[test]
fn every_pair_of_every_theme_meets_its_contrast() {
    for name in ThemeName::ALL {
        let theme = Theme::named(name);
        let pairs = theme.pairs();
        assert!(pairs.len() >= 10, "{name:?}: {pairs:?}");
        for (fg, bg) in pairs {
            let ratio = contrast_ratio(fg, bg).expect("a theme's colours are RGB");
            println!("{:<8} {fg:?} on {bg:?}: {ratio:.2}:1", name.as_str());
            assert!(
                ratio >= name.min_contrast(),
                "{name:?}: {fg:?} on {bg:?} is {ratio:.2}:1, below {}:1",
                name.min_contrast()
            );
        }
    }
    assert!(Theme::new(false).pairs().is_empty());
}

#[test]
fn every_cell_drawn_in_a_theme_meets_its_contrast() {
    let (mut app, _rx) = busy_lab();
    for name in ThemeName::ALL {
        app.theme = Theme::named(name);
        let palette: Vec<_> = app
            .theme
            .pairs()
            .into_iter()
            .map(|(fg, bg)| (format!("{fg:?}"), format!("{bg:?}")))
            .collect();
        let mut all = BTreeMap::new();
        for (w, h) in [(100, 30), (80, 24)] {
            all.extend(pairs_drawn(&app, w, h));
            // The help overlay, drawn over the panes.
            key(&mut app, KeyCode::Char('?'));
            all.extend(pairs_drawn(&app, w, h));
            key(&mut app, KeyCode::Esc);
        }
        for pair in all.keys() {
            // A reversed cell (the selected row) draws the pair swapped.
            let swapped = (pair.1.clone(), pair.0.clone());
            assert!(
                palette.contains(pair) || palette.contains(&swapped),
                "{name:?} drew {pair:?}, which is not one of its pairs {palette:?}"
            );
        }
        // The screen uses the palette's colours, not just its text.
        assert!(all.len() >= 5, "{name:?} drew only {all:?}");
    }
}

#[test]
fn without_colour_nothing_is_coloured() {
    let (mut app, _rx) = busy_lab();
    app.theme = Theme::new(false);
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    term.draw(|f| view::draw(f, &app)).unwrap();
    for cell in term.backend().buffer().content() {
        assert_eq!(
            (cell.fg, cell.bg),
            (Color::Reset, Color::Reset),
            "{:?}",
            cell.symbol()
        );
    }
}

/// Machado, Oliveira and Fernandes (2009): how a person with protanopia,
/// deuteranopia or tritanopia sees a linear-RGB colour (severity 1).
const COLOUR_BLINDNESS: [(&str, [[f64; 3]; 3]); 3] = [
    (
        "protanopia",
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ],
    ),
    (
        "deuteranopia",
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ],
    ),
    (
        "tritanopia",
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ],
    ),
];

fn linear(c: Color) -> [f64; 3] {
    let Color::Rgb(r, g, b) = c else {
        panic!("{c:?} is not RGB")
    };
    [r, g, b].map(|v| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    })
}

/// CIE L*a*b* of a linear-RGB colour (D65).
fn lab([r, g, b]: [f64; 3]) -> [f64; 3] {
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f64| {
        if t > 0.008856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

#[test]
fn the_contrast_themes_alarm_warning_and_fine_stay_apart_in_colour_blindness() {
    let t = Theme::named(ThemeName::Contrast);
    let colours = [
        ("alarm", t.alarm().fg.unwrap()),
        ("warn", t.warn().fg.unwrap()),
        ("ok", t.ok().fg.unwrap()),
    ];
    for (who, m) in COLOUR_BLINDNESS {
        let seen = |c: Color| {
            let v = linear(c);
            lab([0, 1, 2]
                .map(|i| (m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2]).clamp(0.0, 1.0)))
        };
        for (i, (a, ca)) in colours.iter().enumerate() {
            for (b, cb) in &colours[i + 1..] {
                let (la, lb) = (seen(*ca), seen(*cb));
                let delta = (0..3).map(|k| (la[k] - lb[k]).powi(2)).sum::<f64>().sqrt();
                println!("{who}: {a} and {b} differ by ΔE {delta:.1}");
                // 20 is far past "just noticeable" (about 2.3).
                assert!(
                    delta >= 20.0,
                    "{who}: {a} and {b} look alike (ΔE {delta:.1})"
                );
            }
        }
    }
}
