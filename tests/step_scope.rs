//! A lesson's `expect packet` looks only at the segments seen since its step
//! began, and in the TUI a step begins when space is pressed for it: the
//! player stops before each step's line and passes over it on resume, so
//! the step's start must be taken then. Needs the wire (CAP_NET_RAW).

mod common;

use std::sync::mpsc::Receiver;

use common::tui::{app_on, key, pump_drawn};
use crossterm::event::KeyCode;
use sockplay::lab::{Lab, LabEvent};
use sockplay::script::parse_script;
use sockplay::tui::app::App;
use sockplay::tui::log::Entry;
use sockplay::tui::wire_pane::WirePane;

fn app_with_wire() -> (App, Receiver<LabEvent>) {
    let (lab, rx) = Lab::new();
    let wire = WirePane::start(&lab, None);
    let mut app = app_on(lab);
    app.wire = wire;
    (app, rx)
}

/// The `expect` lines reported so far: (script line, held).
fn expects(app: &App) -> Vec<(usize, bool)> {
    app.log
        .entries()
        .iter()
        .filter_map(|e| match e {
            Entry::Expect(r) => Some((r.line, r.ok)),
            _ => None,
        })
        .collect()
}

mod needs_root {
    use super::*;

    #[cfg_attr(not(ci), ignore = "needs root: captures packets (CAP_NET_RAW)")]
    #[test]
    fn a_step_played_with_space_sees_only_its_own_segments() {
        common::require_root("capturing packets");
        let (mut app, rx) = app_with_wire();
        let lines = parse_script(
            "step \"One\"\nlisten\nconnect L1\nexpect packet from=C1 to=L1 flags=SYN\n\
             step \"Two\"\nnote \"No new connection here.\"\nexpect no packet from=C1 to=L1 flags=SYN\n",
        )
        .unwrap();
        app.play("Scope", lines, true);
        key(&mut app, KeyCode::Char(' '));
        assert!(
            pump_drawn(&mut app, &rx, |a| expects(a).len() == 1),
            "step one's expect was reported: {:?}",
            expects(&app)
        );
        assert_eq!(expects(&app), [(4, true)], "step one saw C1's SYN");
        key(&mut app, KeyCode::Char(' '));
        assert!(
            pump_drawn(&mut app, &rx, |a| expects(a).len() == 2),
            "step two's expect was reported: {:?}",
            expects(&app)
        );
        assert_eq!(
            expects(&app)[1],
            (7, true),
            "step two began when space was pressed, after C1's SYN"
        );
    }
}
