//! A lesson's results read aloud to a class: the lab's own words for what
//! it did (`drain(on)`, `set(timeout=0)`, "until `link up`") said as a
//! Python program or in plain words. Free play, `sockplay run`, the
//! transcript and JSON keep the lab's words.

use std::borrow::Cow;

/// The lab's words and what a class reads in their place, in order.
const PLAIN: &[(&str, &str)] = &[
    // A `drain on` is a loop of recv() calls the lesson later stops.
    (
        "[draining] reads all that arrives until drain off or end of stream",
        "[reading] recv() after recv(), until the lesson stops it or the stream ends",
    ),
    (
        "[draining] until drain off; its result is further down",
        "[reading] at first; stopped since, its result further down",
    ),
    ("; drain off", "; stopped"),
    // The link between the lab's two sides: what passes, not how it is made.
    (" (TUN devices)", ""),
    (" (veth pairs)", ""),
    ("until `link up`", "until the link is up again"),
];

/// A recv loop turned off, and the time its result line gives it.
const STOPPED: &str = "; drain off  (";

/// A call in flight as the connections pane writes it (`drain 74.2s`),
/// in the words the results use for it in a lesson: `recv loop 74.2s`.
pub fn call_in_flight(text: &str) -> Cow<'_, str> {
    match text.strip_prefix("drain ") {
        Some(rest) => Cow::Owned(format!("recv loop {rest}")),
        None => Cow::Borrowed(text),
    }
}

/// `text` (a result, a call told blocked, a notice) with the lab's words
/// a class would stumble on said plainly: `drain(on)` as `recv loop`,
/// `set(timeout=0)` as Python's `settimeout(0)`, the columns after the
/// call kept where they were.
pub fn plain(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    // A recv loop's time is how long it ran until the lesson stopped it,
    // not how long its bytes took (the sentence says when they came): it
    // is said as when it stopped.
    if let Some(at) = out.find(STOPPED)
        && let Some(len) = out[at + STOPPED.len()..].find(')')
    {
        let from = at + STOPPED.len();
        let time = &out[from..from + len];
        out = Cow::Owned(format!(
            "{}; stopped at {time}{}",
            &out[..at],
            &out[from + len + 1..]
        ));
    }
    for (lab, class) in PLAIN {
        if out.contains(lab) {
            out = Cow::Owned(out.replace(lab, class));
        }
    }
    if out.contains("drain(on)") {
        out = Cow::Owned(in_column(&out, "drain(on)", "recv loop"));
        // `→ 65536` says the count already: the sentence keeps the calls
        // and the times, a row shorter on a small screen.
        if let Some(at) = out.find("  read ")
            && let Some(len) = out[at..].find(" bytes in ")
            && out[at + "  read ".len()..at + len]
                .chars()
                .all(|c| c.is_ascii_digit())
        {
            out = Cow::Owned(format!(
                "{}  in {}",
                &out[..at],
                &out[at + len + " bytes in ".len()..]
            ));
        }
    }
    if let Some(at) = out.find("set(timeout=")
        && let Some(len) = out[at..].find(')')
    {
        let call = out[at..=at + len].to_string();
        let value = &call["set(timeout=".len()..call.len() - 1];
        if let Some(seconds) = python_timeout(value) {
            out = Cow::Owned(in_column(&out, &call, &format!("settimeout({seconds})")));
        }
    }
    out
}

/// `text` with `old` replaced by `new`, the spaces after it grown or
/// shrunk so that what follows stays in its column (at least one space
/// is kept where there was one).
fn in_column(text: &str, old: &str, new: &str) -> String {
    let Some(at) = text.find(old) else {
        return text.to_string();
    };
    let after = &text[at + old.len()..];
    let spaces = after.len() - after.trim_start_matches(' ').len();
    let width = old.chars().count() + spaces;
    let pad = width
        .saturating_sub(new.chars().count())
        .max(usize::from(spaces > 0));
    format!(
        "{}{new}{}{}",
        &text[..at],
        " ".repeat(pad),
        &after[spaces..]
    )
}

/// A `timeout=` value as Python's `settimeout` takes it: `0`, `None`,
/// seconds (`0.5` for `500ms`).
fn python_timeout(value: &str) -> Option<String> {
    match value.to_ascii_lowercase().as_str() {
        "none" | "blocking" => return Some("None".into()),
        "0" | "nonblocking" | "non-blocking" => return Some("0".into()),
        _ => {}
    }
    let d = crate::script::units::duration(value).ok()?;
    let s = d.as_secs_f64();
    Some(format!("{s}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_labs_words_read_plainly_in_their_columns() {
        assert_eq!(
            plain(
                "#63  A1  drain(on)          → 8485912  read 8485912 bytes in 80 recv calls; drain off  (8.34 s)"
            ),
            "#63  A1  recv loop          → 8485912  in 80 recv calls; stopped at 8.34 s"
        );
        assert_eq!(
            plain(
                "#682 A2  drain(on)          → 101360   read 101360 bytes in 121 recv calls, bytes from 75.02 s to 78.12 s after the loop began; drain off  (124.10 s)"
            ),
            "#682 A2  recv loop          → 101360   in 121 recv calls, bytes from 75.02 s to 78.12 s after the loop began; stopped at 124.10 s"
        );
        assert_eq!(
            plain(
                "#8   A1  drain(on)          → 1048576  read 1048576 bytes in 23 recv calls, the last at 4.25 s; drain off  (4.35 s)"
            ),
            "#8   A1  recv loop          → 1048576  in 23 recv calls, the last at 4.25 s; stopped at 4.35 s"
        );
        assert_eq!(call_in_flight("drain 74.2s"), "recv loop 74.2s");
        assert_eq!(call_in_flight("recvall(16) 2.9s"), "recvall(16) 2.9s");
        assert_eq!(
            plain("#6   L1  set(timeout=0)     → 0         now non-blocking  (0.06 ms)"),
            "#6   L1  settimeout(0)      → 0         now non-blocking  (0.06 ms)"
        );
        assert_eq!(
            plain("#9   A1  set(timeout=500ms) → 0"),
            "#9   A1  settimeout(0.5)    → 0"
        );
        assert_eq!(
            plain(
                "link down: nothing passes either way until `link up` (0 packets on the link lost)"
            ),
            "link down: nothing passes either way until the link is up again (0 packets on the link lost)"
        );
        assert_eq!(
            plain("#8   C1  send(5)            → 5"),
            "#8   C1  send(5)            → 5"
        );
    }
}
