//! The lessons that ship with sockplay (`assets/lessons`), built into the
//! binary, in teaching order; and finding a lesson by name or path.
//!
//! A lesson is a script whose first comment lines name it:
//! `# lesson: TITLE` and `# summary: ONE LINE`.

use std::path::Path;

/// The lessons, in the order a course would take them.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "first-connection",
        include_str!("../../assets/lessons/first-connection.sp"),
    ),
    ("backlog", include_str!("../../assets/lessons/backlog.sp")),
    (
        "partial-recv",
        include_str!("../../assets/lessons/partial-recv.sp"),
    ),
    (
        "partial-send",
        include_str!("../../assets/lessons/partial-send.sp"),
    ),
    (
        "flow-control",
        include_str!("../../assets/lessons/flow-control.sp"),
    ),
    ("timeouts", include_str!("../../assets/lessons/timeouts.sp")),
    (
        "buffer-sizes",
        include_str!("../../assets/lessons/buffer-sizes.sp"),
    ),
    ("closing", include_str!("../../assets/lessons/closing.sp")),
    (
        "time-wait",
        include_str!("../../assets/lessons/time-wait.sp"),
    ),
    ("deadlock", include_str!("../../assets/lessons/deadlock.sp")),
    ("nagle", include_str!("../../assets/lessons/nagle.sp")),
    (
        "keepalive",
        include_str!("../../assets/lessons/keepalive.sp"),
    ),
    (
        "two-queues",
        include_str!("../../assets/lessons/two-queues.sp"),
    ),
    ("ports", include_str!("../../assets/lessons/ports.sp")),
    ("udp", include_str!("../../assets/lessons/udp.sp")),
    ("distance", include_str!("../../assets/lessons/distance.sp")),
];

/// A lesson: its name, its header, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// The name to ask for it by (`backlog`), or the path it was read from.
    pub name: String,
    /// Its title, from `# lesson:` (the name when there is none).
    pub title: String,
    /// One line on what it teaches, from `# summary:`.
    pub summary: String,
    /// The script.
    pub text: String,
}

impl Lesson {
    /// Whether its header says `# needs: wire`: it shows segments and
    /// checks them with `expect packet`, so it needs a capture.
    pub fn needs_wire(&self) -> bool {
        header_fields(&self.text)
            .any(|(k, v)| k == "needs" && v.split([',', ' ']).any(|w| w.trim() == "wire"))
    }

    /// A lesson from a script's text, reading its header.
    pub fn from_text(name: &str, text: &str) -> Lesson {
        Lesson {
            name: name.to_string(),
            title: header(text, "lesson").unwrap_or(name).to_string(),
            summary: header(text, "summary").unwrap_or_default().to_string(),
            text: text.to_string(),
        }
    }
}

impl Lesson {
    /// The lesson's link, from its header (`# link: delay=50ms,rate=2mbit`):
    /// the lab is on it from the first line.
    pub fn link_header(&self) -> Option<String> {
        header(&self.text, "link").map(str::to_string)
    }

    /// Whether the lesson puts the lab on a link: a `# link:` header or a
    /// `link` line. A link needs a lab of its own.
    pub fn uses_link(&self) -> bool {
        self.link_header().is_some()
            || self.text.lines().any(|l| {
                l.split_whitespace()
                    .next()
                    .is_some_and(|w| w.eq_ignore_ascii_case("link"))
            })
    }

    /// Whether the lesson runs in a lab of its own where one can be made,
    /// and in the machine's namespace otherwise: it shows the wire (`#
    /// needs: wire`), or its header says `# netns: own where possible`, so
    /// that the counters it shows are its own, not the machine's.
    pub fn wants_own_netns(&self) -> bool {
        self.needs_wire() || header_says(&self.text, "netns", "own where possible")
    }

    /// Whether the lesson's lab of its own has its loopback shaped like a
    /// network (MTU 1500, TSO/GSO off): one that shows the wire, runs in a
    /// namespace of its own (`# netns: own`) or on a link, or whose header
    /// says `# loopback: like a network` (its figures then read as in the
    /// lessons that show the wire: a send buffer nobody set, say, is sized
    /// by the kernel from the segment size, 64 KiB ones on the machine's
    /// loopback).
    pub fn shapes_loopback(&self) -> bool {
        self.needs_own_netns()
            || self.needs_wire()
            || self.uses_link()
            || header_says(&self.text, "loopback", "like a network")
    }

    /// Whether the lesson runs in a lab of its own (`# netns: own`): it
    /// floods a listener or changes a setting, which only a network
    /// namespace of the lab's own keeps from the machine.
    pub fn needs_own_netns(&self) -> bool {
        header_says(&self.text, "netns", "own")
    }
}

/// The fields of a lesson's header: of its first lines, those that are
/// comments or blank, each comment with a colon as its key (what comes
/// before the first colon, `#` and spaces before it left off) and its
/// value (what follows the colon, trimmed). `# needs: wire` is `("needs",
/// "wire")`; the first line that is neither ends the header.
fn header_fields(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines()
        .take_while(|l| l.trim_start().starts_with('#') || l.trim().is_empty())
        .filter_map(|l| {
            let (key, value) = l
                .trim_start()
                .trim_start_matches('#')
                .trim()
                .split_once(':')?;
            Some((key, value.trim()))
        })
}

/// The value of the header's first `key` field.
fn header<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    header_fields(text).find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// Whether a `key` field of the header says `value`.
fn header_says(text: &str, key: &str, value: &str) -> bool {
    header_fields(text).any(|(k, v)| k == key && v == value)
}

/// The built-in lessons, in teaching order.
pub fn all() -> Vec<Lesson> {
    BUILT_IN
        .iter()
        .map(|(name, text)| Lesson::from_text(name, text))
        .collect()
}

/// A lesson by built-in name, or a teacher's own file by path.
pub fn find(name_or_path: &str) -> Result<Lesson, String> {
    if let Some(l) = all().into_iter().find(|l| l.name == name_or_path) {
        return Ok(l);
    }
    let path = Path::new(name_or_path);
    match super::source::read(path) {
        Ok(text) => Ok(Lesson::from_text(name_or_path, &text)),
        Err(e) if path.exists() => Err(format!("{name_or_path}: {e}")),
        Err(_) => {
            let names: Vec<String> = all().into_iter().map(|l| l.name).collect();
            Err(format!(
                "no lesson '{name_or_path}': expected one of {} or the path of a lesson file",
                names.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_lesson_has_a_title_and_a_summary() {
        let lessons = all();
        assert_eq!(lessons.len(), BUILT_IN.len());
        assert!(find("two-queues").unwrap().needs_own_netns());
        assert!(find("backlog").unwrap().needs_own_netns());
        assert!(!find("first-connection").unwrap().needs_own_netns());
        assert!(find("partial-recv").unwrap().wants_own_netns());
        assert!(find("partial-recv").unwrap().shapes_loopback());
        assert!(!find("partial-send").unwrap().shapes_loopback());
        assert!(!find("partial-recv").unwrap().needs_own_netns());
        for l in &lessons {
            assert!(!l.summary.is_empty(), "{}", l.name);
            assert_ne!(l.title, l.name, "{} has no # lesson: title", l.name);
            crate::script::parse_script(&l.text).unwrap_or_else(|e| panic!("{}: {e}", l.name));
        }
        assert_eq!(find("backlog").unwrap().title, "Backlog");
        assert_eq!(
            find("keepalive").unwrap().link_header().as_deref(),
            Some("delay=5ms")
        );
        assert_eq!(find("distance").unwrap().link_header(), None);
        assert!(find("distance").unwrap().uses_link());
        assert!(
            find("no-such-lesson")
                .unwrap_err()
                .contains("first-connection")
        );
    }

    #[test]
    fn the_header_is_its_first_comment_and_blank_lines() {
        let text = "# lesson: A title: with a colon\n\n#needs:wire, pcap\n# netns : own\n# netns: own\nnote \"x\"\n# link: delay=1ms\n";
        let fields: Vec<_> = header_fields(text).collect();
        assert_eq!(
            fields,
            [
                ("lesson", "A title: with a colon"),
                ("needs", "wire, pcap"),
                ("netns ", "own"),
                ("netns", "own"),
            ]
        );
        let l = Lesson::from_text("x", text);
        assert_eq!(l.title, "A title: with a colon");
        assert_eq!((l.summary.as_str(), l.link_header()), ("", None));
        assert!(l.needs_wire() && l.needs_own_netns());
    }
}
