//! `link [delay=DURATION] [rate=RATE] [loss=PERCENT] [queue=SIZE]
//! [jitter=DURATION]`, `link down`, `link up`: the lab's own link. The same
//! words, joined by commas, are `--link SPEC` and a lesson's `# link:`.

use std::time::Duration;

use super::Statement;
use super::args::Args;
use crate::link::settings::{
    Change, LinkCommand, MAX_DELAY, MAX_QUEUE, MAX_RATE, MIN_QUEUE, MIN_RATE,
};
use crate::script::error::ParseError;
use crate::script::units;

/// The settings `link` takes, in the order its usage lists them.
pub const LINK_OPTIONS: &[&str] = &["delay", "rate", "loss", "queue", "jitter"];

/// `link …` as a statement.
pub(super) fn link(args: &Args<'_>) -> Result<Statement, ParseError> {
    if args.tokens.is_empty() {
        return Err(args.missing("delay=, rate=, loss=, queue= or jitter=, or down or up"));
    }
    let mut words = Vec::new();
    for t in args.tokens {
        words.push((t.col, t.text.as_str()));
    }
    spec_words(&words)
        .map(Statement::Link)
        .map_err(|(col, message)| ParseError::new(col, message))
}

/// What the command line asks of the lab's link.
#[derive(Debug)]
pub struct Plan {
    /// The link to make before anything runs (`--link`, a `# link:` header).
    pub now: Option<LinkCommand>,
    /// The lesson's name, when the lesson puts the lab on a link.
    pub lesson: Option<String>,
}

/// The link `--link` (`flag`) or the lesson about to run asks for.
pub fn plan(
    flag: Option<&str>,
    lesson: Option<&crate::script::lessons::Lesson>,
) -> Result<Plan, String> {
    let on_link = lesson.filter(|l| l.uses_link());
    let now = match (flag, on_link.and_then(|l| l.link_header())) {
        (Some(text), _) => Some(spec(text).map_err(|e| format!("--link: {e}"))?),
        (None, Some(header)) => {
            Some(spec(&header).map_err(|e| format!("the lesson's `# link: {header}`: {e}"))?)
        }
        (None, None) => None,
    };
    if let Some(LinkCommand::Down | LinkCommand::Up) = now {
        return Err("--link makes a link: give its settings (delay=50ms,rate=2mbit)".into());
    }
    Ok(Plan {
        now,
        lesson: on_link.map(|l| l.name.clone()),
    })
}

/// `delay=50ms,rate=2mbit` (commas or spaces): what `--link` and a
/// lesson's `# link:` header say.
pub fn spec(text: &str) -> Result<LinkCommand, String> {
    let words: Vec<(usize, &str)> = text
        .split([',', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| (0, w))
        .collect();
    if words.is_empty() {
        return Err(
            "a link needs delay=, rate=, loss=, queue= or jitter= (delay=50ms,rate=2mbit)".into(),
        );
    }
    spec_words(&words).map_err(|(_, m)| m)
}

fn spec_words(words: &[(usize, &str)]) -> Result<LinkCommand, (usize, String)> {
    if let [(col, only)] = words {
        match only.to_ascii_lowercase().as_str() {
            "down" => return Ok(LinkCommand::Down),
            "up" => return Ok(LinkCommand::Up),
            _ => {
                let _ = col;
            }
        }
    }
    let mut c = Change::default();
    for &(col, word) in words {
        let err = |m: String| (col, m);
        let Some((key, value)) = word.split_once('=') else {
            let also = if matches!(word.to_ascii_lowercase().as_str(), "down" | "up") {
                format!("`link {word}` stands alone")
            } else {
                format!(
                    "expected KEY=VALUE ({}), or down or up, found '{word}'",
                    LINK_OPTIONS.join(", ")
                )
            };
            return Err(err(also));
        };
        let key = key.to_ascii_lowercase();
        let dup = |set: bool| -> Result<(), (usize, String)> {
            if set {
                Err(err(format!("{key}= is given twice")))
            } else {
                Ok(())
            }
        };
        match key.as_str() {
            "delay" => {
                dup(c.delay.is_some())?;
                c.delay = Some(delay(value).map_err(err)?);
            }
            "jitter" => {
                dup(c.jitter.is_some())?;
                c.jitter = Some(delay(value).map_err(err)?);
            }
            "rate" => {
                dup(c.rate_bps.is_some())?;
                c.rate_bps = Some(rate(value).map_err(err)?);
            }
            "loss" => {
                dup(c.loss_ppm.is_some())?;
                c.loss_ppm = Some(loss(value).map_err(err)?);
            }
            "queue" => {
                dup(c.queue.is_some())?;
                let q = units::size(value).map_err(err)?;
                if !(MIN_QUEUE..=MAX_QUEUE).contains(&q) {
                    return Err(err(format!(
                        "queue={value} is out of range: from {MIN_QUEUE} bytes (one packet) to 16m"
                    )));
                }
                c.queue = Some(q);
            }
            _ => {
                return Err(err(format!(
                    "unknown link setting '{key}'; expected one of: {}",
                    LINK_OPTIONS.join(", ")
                )));
            }
        }
    }
    Ok(LinkCommand::Set(c))
}

/// `50ms`, `0`: a delay each way (or a jitter), at most 10 s.
fn delay(word: &str) -> Result<Duration, String> {
    if word == "0" {
        return Ok(Duration::ZERO);
    }
    let d = units::duration(word)?;
    if d > MAX_DELAY {
        return Err(format!(
            "'{word}' is too long for a link: at most 10s each way"
        ));
    }
    Ok(d)
}

/// `500kbit`, `2mbit`, `1gbit`, `1.5mbit`, `off`: bits a second.
fn rate(word: &str) -> Result<Option<u64>, String> {
    let lower = word.to_ascii_lowercase();
    if lower == "off" {
        return Ok(None);
    }
    let bad =
        || format!("bad rate '{word}': expected bits a second (500kbit, 2mbit, 1gbit) or off");
    let (num, unit) = [("gbit", 1e9), ("mbit", 1e6), ("kbit", 1e3), ("bit", 1.0)]
        .iter()
        .find_map(|(u, n)| lower.strip_suffix(u).map(|rest| (rest, *n)))
        .ok_or_else(bad)?;
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(bad());
    }
    let bps = num.parse::<f64>().map_err(|_| bad())? * unit;
    if !(MIN_RATE as f64..=MAX_RATE as f64).contains(&bps) {
        return Err(format!(
            "rate={word} is out of range: from 1kbit to 100gbit, or off"
        ));
    }
    Ok(Some(bps.round() as u64))
}

/// `10%`, `0.5%`, `10`: a share of packets lost, in parts per million.
fn loss(word: &str) -> Result<u32, String> {
    let num = word.strip_suffix('%').unwrap_or(word);
    let bad = || format!("bad loss '{word}': expected a percentage from 0% to 100% (1%, 0.5%)");
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(bad());
    }
    let p: f64 = num.parse().map_err(|_| bad())?;
    if !(0.0..=100.0).contains(&p) {
        return Err(bad());
    }
    Ok((p * 10_000.0).round() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_read_every_setting_and_refuse_bad_ones() {
        let LinkCommand::Set(c) =
            spec("delay=50ms,rate=2mbit,loss=1.5%,queue=64k,jitter=1ms").unwrap()
        else {
            panic!("a change")
        };
        assert_eq!(c.delay, Some(Duration::from_millis(50)));
        assert_eq!(c.rate_bps, Some(Some(2_000_000)));
        assert_eq!(c.loss_ppm, Some(15_000));
        assert_eq!(c.queue, Some(64 << 10));
        assert_eq!(c.jitter, Some(Duration::from_millis(1)));
        assert_eq!(spec("down"), Ok(LinkCommand::Down));
        assert_eq!(spec("rate=off").map(|_| ()), Ok(()));
        for bad in [
            "",
            "delay=50",
            "delay=11s",
            "rate=2mb",
            "rate=0bit",
            "loss=101%",
            "loss=-1",
            "queue=10",
            "colour=red",
            "delay=1ms,delay=2ms",
            "down,delay=1ms",
        ] {
            assert!(spec(bad).is_err(), "{bad}");
        }
    }
}
