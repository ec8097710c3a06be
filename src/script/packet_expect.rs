//! `expect packet FIELD=VALUE … [within D]`: a segment on the wire, seen
//! since the current step began, that matches every field; and `expect no
//! packet …`: none such, from the step's beginning until D has passed.
//! `gap=LOW..HIGH` times a segment against the one before it in the same
//! direction of its connection: how long the sender held it back.
//! `acked=N` is what a segment newly acknowledges: how far its ACK moved
//! on from the one its end sent before (an ACK that covers two pieces at
//! once shows that no ACK came between them).

use std::collections::VecDeque;
use std::time::Duration;

use crate::wire::Segment;

/// The fields `expect packet` may check.
pub const PACKET_FIELDS: &[&str] = &[
    "from", "to", "flags", "win", "len", "kernel", "cause", "seq", "ack", "gap", "acked",
];

/// What an `expect packet` looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketExpect {
    /// Each field and the value wanted, as written.
    pub fields: Vec<(String, String)>,
    /// How long to wait for it; for an absence, how long to watch.
    pub within: Duration,
    /// `expect no packet`: the check holds when no such segment came.
    pub absent: bool,
}

/// Words compared loosely: case, and `-`/`_` for spaces (`window-update`).
fn words(s: &str) -> String {
    s.to_ascii_lowercase().replace(['-', '_'], " ")
}

/// A set of flags as written: `SYN+ACK`, `FIN,ACK`, `S.`, `none`.
fn flag_set(s: &str) -> Option<u8> {
    use crate::wire::parse::flag;
    if s.eq_ignore_ascii_case("none") {
        return Some(0);
    }
    let mut bits = 0u8;
    let named: Vec<&str> = s.split(['+', ',', '|']).collect();
    if named.len() == 1
        && !s.chars().any(|c| c.is_ascii_lowercase())
        && s.len() <= 3
        && !matches!(
            s,
            "SYN" | "FIN" | "RST" | "PSH" | "ACK" | "URG" | "ECE" | "CWR"
        )
    {
        // tcpdump's letters: S F R P . U E W
        for c in s.chars() {
            bits |= match c {
                'S' => flag::SYN,
                'F' => flag::FIN,
                'R' => flag::RST,
                'P' => flag::PSH,
                '.' => flag::ACK,
                'U' => flag::URG,
                'E' => flag::ECE,
                'W' => flag::CWR,
                _ => return None,
            };
        }
        return Some(bits);
    }
    for n in named {
        bits |= match n.trim().to_ascii_uppercase().as_str() {
            "SYN" => flag::SYN,
            "FIN" => flag::FIN,
            "RST" => flag::RST,
            "PSH" => flag::PSH,
            "ACK" => flag::ACK,
            "URG" => flag::URG,
            "ECE" => flag::ECE,
            "CWR" => flag::CWR,
            _ => return None,
        };
    }
    Some(bits)
}

/// Checks one value as written; the error says what was expected.
pub fn check_value(field: &str, value: &str) -> Result<(), String> {
    match field {
        "flags" if flag_set(value).is_none() => Err(format!(
            "flags={value}: expected flag names joined by + (SYN+ACK, FIN+ACK, RST) or none"
        )),
        "win" | "len" | "seq" | "ack" | "acked" if super::units::size(value).is_err() => {
            Err(format!("{field}={value}: expected a number of bytes"))
        }
        "gap" if !is_durations(value) => Err(format!(
            "gap={value}: expected a duration or a range of them (35ms..300ms)"
        )),
        _ => Ok(()),
    }
}

/// A duration, or a range of them with either end left open.
fn is_durations(value: &str) -> bool {
    let one = |s: &str| super::units::duration(s).is_ok();
    match value.split_once("..") {
        Some((lo, hi)) => {
            (lo.is_empty() || one(lo))
                && (hi.is_empty() || one(hi))
                && !(lo.is_empty() && hi.is_empty())
        }
        None => one(value),
    }
}

/// The time from the segment before `segs[at]` in the same direction of
/// its connection to it: `None` for the first one seen.
pub fn gap_before(segs: &VecDeque<Segment>, at: usize) -> Option<Duration> {
    let seg = segs.get(at)?;
    segs.iter()
        .take(at)
        .rev()
        .find(|s| s.conn == seg.conn && s.src_end == seg.src_end)
        .map(|s| seg.t.saturating_sub(s.t))
}

/// How many bytes `segs[at]` newly acknowledges: its ACK number less that
/// of the segment before it from the same end of its connection; `None`
/// for a segment without ACK, and for the first ACK of its end seen.
pub fn acked_before(segs: &VecDeque<Segment>, at: usize) -> Option<u32> {
    use crate::wire::parse::flag;
    let seg = segs.get(at)?;
    if !seg.has(flag::ACK) {
        return None;
    }
    segs.iter()
        .take(at)
        .rev()
        .find(|s| s.conn == seg.conn && s.src_end == seg.src_end && s.has(flag::ACK))
        .map(|s| seg.ack.wrapping_sub(s.ack))
}

/// What a segment found reports: its line, and the gap read where the
/// check times one (`… #11 send (gap 43.1 ms)`).
pub fn found_text(seg: &Segment, gap: Option<Duration>, timed: bool) -> String {
    match gap {
        Some(g) if timed => format!(
            "{} (gap {})",
            seg.line(),
            super::transcript::elapsed_text(g)
        ),
        _ => seg.line(),
    }
}

/// The gap a report of [`found_text`] read (`43.1 ms`), if it timed one.
pub fn gap_read(got: &str) -> Option<&str> {
    got.rsplit_once(" (gap ")
        .and_then(|(_, g)| g.strip_suffix(')'))
}

fn name_matches(want: &str, got: Option<crate::lab::SockName>) -> bool {
    match got {
        Some(n) => n.to_string().eq_ignore_ascii_case(want),
        None => matches!(want.to_ascii_lowercase().as_str(), "none" | "null" | "-"),
    }
}

impl PacketExpect {
    /// Whether a segment has every field wanted; `gap` is the time since
    /// the segment before it in the same direction ([`gap_before`]),
    /// `acked` what it newly acknowledges ([`acked_before`]).
    pub fn matches(&self, seg: &Segment, gap: Option<Duration>, acked: Option<u32>) -> bool {
        self.fields.iter().all(|(field, want)| {
            let number = |got: u32| super::units::size(want).is_ok_and(|w| w == u64::from(got));
            match field.as_str() {
                "from" => name_matches(want, seg.from),
                "to" => name_matches(want, seg.to),
                "flags" => flag_set(want) == Some(seg.flags),
                "win" => number(seg.win),
                "len" => number(seg.len),
                "seq" => number(seg.seq),
                "ack" => number(seg.ack),
                "acked" => acked.is_some_and(number),
                "gap" => gap.is_some_and(|g| {
                    super::expect::matches(want, &format!("{:.6}s", g.as_secs_f64()))
                }),
                "kernel" => match seg.kernel {
                    Some(k) => words(k.word()) == words(want),
                    None => matches!(want.to_ascii_lowercase().as_str(), "none" | "null" | "-"),
                },
                "cause" => match seg.cause {
                    Some(c) => {
                        want.trim_start_matches('#') == c.seq.to_string()
                            || want.eq_ignore_ascii_case(c.call.name())
                    }
                    None => matches!(want.to_ascii_lowercase().as_str(), "none" | "null" | "-"),
                },
                _ => false,
            }
        })
    }

    /// Looks through the segments seen since `since` (oldest first): the
    /// earliest that matches, as [`found_text`] reports it, and how many
    /// were looked at.
    pub fn look(&self, segs: &VecDeque<Segment>, since: Duration) -> (Option<String>, usize) {
        let recent = segs
            .iter()
            .enumerate()
            .rev()
            .take_while(|(_, s)| s.t >= since);
        let mut seen = 0;
        let mut found = None;
        for (at, s) in recent {
            seen += 1;
            let gap = gap_before(segs, at);
            if self.matches(s, gap, acked_before(segs, at)) {
                found = Some(found_text(s, gap, self.timed()));
            }
        }
        (found, seen)
    }

    /// Whether it times a gap (`gap=…`).
    pub fn timed(&self) -> bool {
        self.fields.iter().any(|(f, _)| f == "gap")
    }

    /// The lab socket it is about: its `from`, or else its `to`.
    pub fn sock(&self) -> Option<crate::lab::SockName> {
        ["from", "to"].iter().find_map(|want| {
            self.fields
                .iter()
                .find(|(f, _)| f == want)
                .and_then(|(_, v)| v.parse().ok())
        })
    }

    /// The name of the check, as the transcript shows it before the
    /// fields: `packet`, or `no packet`.
    pub fn kind(&self) -> &'static str {
        if self.absent { "no packet" } else { "packet" }
    }

    /// The fields as written: `from=A1 kernel=window-update`.
    pub fn want_text(&self) -> String {
        self.fields
            .iter()
            .map(|(f, v)| format!("{f}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_written_by_name_or_as_tcpdump_prints_them() {
        use crate::wire::parse::flag;
        assert_eq!(flag_set("SYN"), Some(flag::SYN));
        assert_eq!(flag_set("syn+ack"), Some(flag::SYN | flag::ACK));
        assert_eq!(flag_set("FIN,ACK"), Some(flag::FIN | flag::ACK));
        assert_eq!(flag_set("S."), Some(flag::SYN | flag::ACK));
        assert_eq!(flag_set("none"), Some(0));
        assert_eq!(flag_set("SYNACK"), None);
        assert!(check_value("win", "64k").is_ok());
        assert!(check_value("win", "wide").is_err());
    }

    fn seg(t_ms: u64, from_client: bool, len: u32) -> Segment {
        crate::wire::segment::c1_a1(t_ms, from_client, len, 1)
    }

    #[test]
    fn a_gap_is_timed_from_the_segment_before_in_the_same_direction() {
        // A held piece: 6 B, the peer's ACK 41 ms later, then 9 B.
        let segs: VecDeque<Segment> =
            [seg(100, true, 6), seg(141, false, 0), seg(141, true, 9)].into();
        assert_eq!(gap_before(&segs, 0), None);
        assert_eq!(gap_before(&segs, 1), None);
        assert_eq!(gap_before(&segs, 2), Some(Duration::from_millis(41)));
        let want = |v: &str| PacketExpect {
            fields: vec![("len".into(), "9".into()), ("gap".into(), v.into())],
            within: Duration::ZERO,
            absent: false,
        };
        let gap = gap_before(&segs, 2);
        assert!(want("35ms..300ms").matches(&segs[2], gap, None));
        assert!(!want("50ms..").matches(&segs[2], gap, None));
        assert!(!want("..20ms").matches(&segs[2], gap, None));
        // The first of its direction has no gap to time.
        assert!(!want("0ms..").matches(&segs[0], None, None));
        let got = found_text(&segs[2], gap, true);
        assert_eq!(gap_read(&got), Some("41.0 ms"), "{got}");
        assert_eq!(gap_read(&found_text(&segs[2], gap, false)), None);
        assert!(check_value("gap", "35ms..300ms").is_ok());
        assert!(check_value("gap", "..1s").is_ok());
        assert!(check_value("gap", "40").is_err());
        assert!(check_value("gap", "..").is_err());
    }

    #[test]
    fn acked_is_how_far_an_ack_moved_on_from_the_one_its_end_sent_before() {
        // C sends 6 B then 9 B (seq 1..7..16); A's ACK before them acked 1.
        let with_ack = |mut s: Segment, ack: u32| {
            s.ack = ack;
            s
        };
        let want = |v: &str| PacketExpect {
            fields: vec![("from".into(), "A1".into()), ("acked".into(), v.into())],
            within: Duration::ZERO,
            absent: false,
        };
        // Held: A acknowledges the 6 B on its own, then the 9 B.
        let held: VecDeque<Segment> = [
            with_ack(seg(0, false, 0), 1),
            seg(100, true, 6),
            with_ack(seg(141, false, 0), 7),
            seg(141, true, 9),
            with_ack(seg(141, false, 0), 16),
        ]
        .into();
        assert_eq!(acked_before(&held, 0), None);
        assert_eq!(acked_before(&held, 2), Some(6));
        assert_eq!(acked_before(&held, 4), Some(9));
        assert!(want("6").look(&held, Duration::ZERO).0.is_some());
        // Not held: both pieces left before A's one ACK, which covers both.
        let sent: VecDeque<Segment> = [
            with_ack(seg(0, false, 0), 1),
            seg(100, true, 6),
            seg(101, true, 9),
            with_ack(seg(102, false, 0), 16),
        ]
        .into();
        assert_eq!(acked_before(&sent, 3), Some(15));
        assert!(want("15").look(&sent, Duration::ZERO).0.is_some());
        assert!(want("6").look(&sent, Duration::ZERO).0.is_none());
        assert!(check_value("acked", "15").is_ok());
        assert!(check_value("acked", "both").is_err());
    }
}
