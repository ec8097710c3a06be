//! The check on a small synthetic lesson: a note backed by the screen
//! passes; the same note moved ahead of its command, or with a figure
//! changed, is found.

use std::time::Duration;

use sockplay::script::parse_script;

use super::play::play;

const LESSON: &str = "step \"One\"\nlisten\nconnect L1\naccept L1\nselect A1\nsend C1 \"Hi there, server\"\nexpect A1 recvq=16\nNOTE\n";

const NOTE: &str = "note \"A1's recvq holds 16 bytes; the kernel says {A1.recvq}.\"";

fn misses(text: &str) -> Vec<String> {
    let (lab, events) = sockplay::lab::Lab::new();
    let lines = parse_script(text).unwrap();
    let played = play(
        lab,
        events,
        None,
        "synthetic",
        lines,
        (100, 30),
        Duration::from_secs(30),
    );
    assert!(played.done, "the synthetic lesson ran to its end");
    // A miss found when the note appears and again when the lesson stops
    // for space counts once here.
    let mut found: Vec<String> = played
        .misses
        .iter()
        .flat_map(|m| m.missing.clone())
        .map(|m| {
            m.trim_end_matches(", when the lesson stopped for space")
                .trim_end_matches(" (in a pane that shows it, not only the log)")
                .to_string()
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

/// What is wrong with the checker, if anything.
pub fn check() -> Vec<String> {
    let mut failures = Vec::new();
    let backed = misses(&LESSON.replace("NOTE", NOTE));
    if !backed.is_empty() {
        failures.push(format!("synthetic: a backed note was missed: {backed:?}"));
    }
    // Moved ahead of the send: 16 is on screen nowhere yet.
    let early = LESSON.replace("NOTE\n", "").replace(
        "send C1 \"Hi there, server\"",
        &format!("{NOTE}\nsend C1 \"Hi there, server\""),
    );
    let found = misses(&early);
    if !found.contains(&"16".to_string()) {
        failures.push(format!(
            "synthetic: a note ahead of its command passed: {found:?}"
        ));
    }
    // A figure changed.
    let changed = misses(&LESSON.replace("NOTE", &NOTE.replace("holds 16", "holds 61")));
    if changed != ["61"] {
        failures.push(format!(
            "synthetic: a changed figure was not found alone: {changed:?}"
        ));
    }
    // A socket the screen does not show.
    let named = misses(&LESSON.replace("NOTE", &NOTE.replace("A1's", "C9's")));
    if named != ["C9"] {
        failures.push(format!(
            "synthetic: a socket not on screen passed: {named:?}"
        ));
    }
    // A note that sends the class to a pane, still on the page after the
    // wire has taken that pane's place.
    let moved = "step \"One\"\nlisten\nconnect L1\naccept L1\nselect A1\nnote \"Selected shows A1.\"\npause\nselect A1 wire\nnote \"On the wire.\"\n";
    let gone = misses(moved);
    if !gone
        .iter()
        .any(|m| m.starts_with("the Selected pane it names") && m.contains("again"))
    {
        failures.push(format!(
            "synthetic: a note left on the page after its pane went passed: {gone:?}"
        ));
    }
    failures
}
