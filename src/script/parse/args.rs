//! The words after a command and how to read them: socket names, sizes,
//! durations, quoted texts, `key=value` options, counts (`x10`), and the
//! range checks and messages every command shares.

use std::time::Duration;

use super::{MAX_BUFFER, MAX_COUNT, MAX_RATE};
use crate::lab::{SockName, SockOpts};
use crate::script::error::ParseError;
use crate::script::help;
use crate::script::lexer::Token;
use crate::script::units;

/// The words after the command, and how to read them.
pub(super) struct Args<'a> {
    /// The command word, in lower case.
    pub(super) cmd: String,
    /// The words after it.
    pub(super) tokens: &'a [Token],
    /// The column just past the line, where "missing" errors point.
    pub(super) end: usize,
}

impl Args<'_> {
    fn usage(&self) -> &'static str {
        help::usage(&self.cmd).map_or("", |u| u.usage)
    }

    pub(super) fn missing(&self, what: &str) -> ParseError {
        ParseError::new(
            self.end,
            format!("{} needs {what}; usage: {}", self.cmd, self.usage()),
        )
    }

    pub(super) fn get(&self, i: usize, what: &str) -> Result<&Token, ParseError> {
        self.tokens.get(i).ok_or_else(|| self.missing(what))
    }

    pub(super) fn err(&self, t: &Token, message: String) -> ParseError {
        ParseError::new(t.col, message)
    }

    /// No words after position `i`.
    pub(super) fn done(&self, i: usize) -> Result<(), ParseError> {
        match self.tokens.get(i) {
            None => Ok(()),
            Some(t) => Err(self.err(
                t,
                format!("unexpected '{}'; usage: {}", t.text, self.usage()),
            )),
        }
    }

    pub(super) fn sock(&self, i: usize) -> Result<SockName, ParseError> {
        let t = self.get(i, "a socket name (L1, C1, A1)")?;
        t.text.parse().map_err(|e| self.err(t, format!("{e}")))
    }

    pub(super) fn size(&self, i: usize, what: &str, min: u64, max: u64) -> Result<u64, ParseError> {
        let t = self.get(i, what)?;
        let n = units::size(&t.text).map_err(|e| self.err(t, e))?;
        // "a buffer size N" when missing; "N 0 is out of range" when wrong.
        let noun = what.rsplit(' ').next().unwrap_or(what);
        in_range(t, noun, n, min, max)
    }

    pub(super) fn duration(&self, i: usize) -> Result<Duration, ParseError> {
        let t = self.get(i, "a duration (250ms, 2s)")?;
        units::duration(&t.text).map_err(|e| self.err(t, e))
    }

    pub(super) fn text(&self, i: usize) -> Result<String, ParseError> {
        let t = self.get(i, "a quoted text")?;
        if !t.quoted {
            return Err(self.err(
                t,
                format!("expected a quoted text (\"…\"), found '{}'", t.text),
            ));
        }
        Ok(t.text.clone())
    }

    /// `key=value` options from position `i` on; returns whether any was
    /// given and the socket options among them.
    pub(super) fn options(
        &self,
        i: usize,
        allowed: &[&str],
    ) -> Result<(bool, SockOpts), ParseError> {
        let mut opts = SockOpts::default();
        let mut seen: Vec<String> = Vec::new();
        for t in self.tokens.iter().skip(i) {
            let Some((key, value)) = t.text.split_once('=') else {
                return Err(self.err(
                    t,
                    format!("unexpected '{}'; usage: {}", t.text, self.usage()),
                ));
            };
            let key = key.to_ascii_lowercase();
            if !allowed.contains(&key.as_str()) {
                return Err(self.err(
                    t,
                    format!(
                        "{} has no option '{key}'; options: {}",
                        self.cmd,
                        allowed.join(", ")
                    ),
                ));
            }
            if seen.contains(&key) {
                return Err(self.err(t, format!("{key} is given twice")));
            }
            let bad = |e: String| self.err(t, e);
            match key.as_str() {
                "rcvbuf" | "sndbuf" => {
                    let n = units::size(value).map_err(bad)?;
                    let n = in_range(t, &key, n, 1, MAX_BUFFER)?;
                    if key == "rcvbuf" {
                        opts.rcvbuf = Some(n);
                    } else {
                        opts.sndbuf = Some(n);
                    }
                }
                "timeout" => opts.timeout = Some(units::timeout_mode(value).map_err(bad)?),
                "nodelay" => opts.nodelay = Some(units::on_off(value).map_err(bad)?),
                "rcvtimeo" => opts.rcvtimeo = Some(units::kernel_timeout(value).map_err(bad)?),
                "sndtimeo" => opts.sndtimeo = Some(units::kernel_timeout(value).map_err(bad)?),
                "keepalive" => opts.keepalive = Some(units::on_off(value).map_err(bad)?),
                "keepidle" => opts.keepidle = Some(units::whole_seconds(value).map_err(bad)?),
                "keepintvl" => opts.keepintvl = Some(units::whole_seconds(value).map_err(bad)?),
                "keepcnt" => {
                    let n = value.parse::<u64>().map_err(|_| {
                        bad(format!(
                            "bad keepcnt '{value}': expected a number of probes, 1 to 127"
                        ))
                    })?;
                    opts.keepcnt = Some(in_range(t, "keepcnt", n, 1, 127)? as u32);
                }
                "user_timeout" => {
                    opts.user_timeout = Some(units::kernel_timeout(value).map_err(bad)?);
                }
                "quickack" => opts.quickack = Some(units::on_off(value).map_err(bad)?),
                "cork" => opts.cork = Some(units::on_off(value).map_err(bad)?),
                "congestion" => {
                    opts.congestion = Some(crate::lab::Congestion::new(value).ok_or_else(|| {
                        bad(format!(
                            "bad congestion '{value}': expected a congestion control's name, as cubic, reno or bbr"
                        ))
                    })?);
                }
                // backlog and reuseaddr are read by `listen` itself.
                _ => {}
            }
            seen.push(key);
        }
        Ok((!seen.is_empty(), opts))
    }

    /// `rate=SIZE/s` at position `i`, if there is a word there.
    pub(super) fn rate(&self, i: usize) -> Result<Option<u64>, ParseError> {
        let Some(t) = self.tokens.get(i) else {
            return Ok(None);
        };
        let Some(value) = t
            .text
            .split_once('=')
            .filter(|(k, _)| k.eq_ignore_ascii_case("rate"))
            .map(|(_, v)| v)
        else {
            return Err(self.err(
                t,
                format!("unexpected '{}'; usage: {}", t.text, self.usage()),
            ));
        };
        let n = units::rate(value).map_err(|e| self.err(t, e))?;
        Ok(Some(in_range(t, "rate", n, 1, MAX_RATE)?))
    }

    /// The value of `key=` among the words from `i` on.
    pub(super) fn value(&self, i: usize, key: &str) -> Option<(&Token, String)> {
        self.tokens.iter().skip(i).find_map(|t| {
            let (k, v) = t.text.split_once('=')?;
            k.eq_ignore_ascii_case(key).then(|| (t, v.to_string()))
        })
    }
}

/// `n` if it lies in `min..=max`, else "WHAT N is out of range".
pub(super) fn in_range(
    t: &Token,
    what: &str,
    n: u64,
    min: u64,
    max: u64,
) -> Result<u64, ParseError> {
    if n < min || n > max {
        return Err(ParseError::new(
            t.col,
            format!(
                "{what} {n} is out of range: expected {} to {}",
                human(min),
                human(max)
            ),
        ));
    }
    Ok(n)
}

/// 16777216 → "16m", for range messages.
pub(super) fn human(n: u64) -> String {
    for (shift, unit) in [(30, "g"), (20, "m"), (10, "k")] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{}{unit}", n >> shift);
        }
    }
    n.to_string()
}

/// Whether a word is a count (`x10`).
pub(super) fn is_count(word: &str) -> bool {
    word.len() > 1 && (word.starts_with('x') || word.starts_with('X'))
}

/// The number in a count word (`x10` → 10), 1 to [`MAX_COUNT`].
pub(super) fn parse_count(t: &Token) -> Result<u32, ParseError> {
    let n: u64 = t.text[1..].parse().map_err(|_| {
        ParseError::new(
            t.col,
            format!("bad count '{}': expected x and a number (x10)", t.text),
        )
    })?;
    Ok(in_range(t, "count", n, 1, u64::from(MAX_COUNT))? as u32)
}
