//! Notes that quote the kernel: `{C1.snd_wnd}`, `{L1.accept_queue}`,
//! `{A1.ret}`, `{L1.listen_overflows}`, `{sysctl.tcp_syn_retries}`. A note
//! names any field `expect` takes, or a setting; the player fills it from
//! the kernel view the screen draws, so the narration cannot disagree
//! with what is drawn. `{{` and `}}` write a brace.

use std::collections::HashMap;

use super::expect::{self, RESULT_FIELDS};
use crate::kernel::{Counters, Snapshot, fields, sysctl};
use crate::lab::{CallResult, SockName};

/// What a quote reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quote {
    /// A field of a socket, as `expect S FIELD=…` reads it.
    Field {
        /// The socket.
        sock: SockName,
        /// The field's name.
        field: String,
    },
    /// A kernel setting (`sysctl.tcp_syn_retries`).
    Sysctl(String),
}

/// A piece of a note: text as written, or a quote to fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text as written.
    Text(String),
    /// A figure read from the kernel.
    Quote(Quote),
}

/// Settings a note may quote besides those `sysctl` may set: the caps on
/// buffer sizes, the congestion control new sockets get, and whether a
/// receive window once offered may be taken back.
const READABLE: &[&str] = &[
    "net.core.rmem_max",
    "net.core.wmem_max",
    "net.ipv4.tcp_congestion_control",
    "net.ipv4.tcp_shrink_window",
];

/// The settings a note may quote, by full name.
fn settings() -> impl Iterator<Item = &'static str> {
    sysctl::SETTABLE.iter().chain(READABLE).copied()
}

/// The full name of a setting a note may quote (`tcp_syn_retries` →
/// `net.ipv4.tcp_syn_retries`), without looking at the kernel.
fn setting(name: &str) -> Option<&'static str> {
    settings().find(|full| *full == name || full.rsplit('.').next() == Some(name))
}

/// Reads `{…}` in a note. The error is the offset (in characters) of the
/// brace at fault, and what is wrong.
pub fn parse(text: &str) -> Result<Vec<Part>, (usize, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if (c == '{' || c == '}') && chars.get(i + 1) == Some(&c) {
            plain.push(c);
            i += 2;
            continue;
        }
        if c == '}' {
            return Err((i, "a '}' without its '{' (write }} for a brace)".into()));
        }
        if c != '{' {
            plain.push(c);
            i += 1;
            continue;
        }
        let Some(len) = chars[i + 1..].iter().position(|&c| c == '}') else {
            return Err((i, "a '{' without its '}' (write {{ for a brace)".into()));
        };
        let inner: String = chars[i + 1..i + 1 + len].iter().collect();
        let quote = quote(&inner).map_err(|e| (i, e))?;
        if !plain.is_empty() {
            parts.push(Part::Text(std::mem::take(&mut plain)));
        }
        parts.push(Part::Quote(quote));
        i += len + 2;
    }
    if !plain.is_empty() {
        parts.push(Part::Text(plain));
    }
    Ok(parts)
}

/// One quote's inside: `C1.snd_wnd` or `sysctl.tcp_syn_retries`.
fn quote(inner: &str) -> Result<Quote, String> {
    let Some((who, field)) = inner.split_once('.') else {
        return Err(format!(
            "'{{{inner}}}' quotes nothing: write {{S.FIELD}} (as {{C1.snd_wnd}}) or {{sysctl.NAME}}"
        ));
    };
    if who == "sysctl" {
        return setting(field)
            .map(|full| Quote::Sysctl(full.to_string()))
            .ok_or_else(|| {
                format!(
                    "unknown setting '{field}' in {{{inner}}}; settings: {}",
                    settings().collect::<Vec<_>>().join(", ")
                )
            });
    }
    let sock: SockName = who
        .parse()
        .map_err(|e| format!("{e} in {{{inner}}}; write {{S.FIELD}}, as {{C1.snd_wnd}}"))?;
    let field = field.to_ascii_lowercase();
    let known = RESULT_FIELDS.contains(&field.as_str())
        || fields::find(&field).is_some()
        || Counters::FIELDS.contains(&field.as_str());
    if !known {
        return Err(format!(
            "unknown field '{field}' in {{{inner}}}; fields: {}, {}, {}",
            RESULT_FIELDS.join(", "),
            fields::names().collect::<Vec<_>>().join(", "),
            Counters::FIELDS.join(", ")
        ));
    }
    Ok(Quote::Field { sock, field })
}

/// Whether a note quotes anything.
pub fn quotes(text: &str) -> bool {
    parse(text).is_ok_and(|parts| parts.iter().any(|p| matches!(p, Part::Quote(_))))
}

/// A quote's value: what `expect` would read, from `snap` and the last
/// results; a setting from the kernel view where it holds it, else read
/// now. What cannot be read is written `?`.
pub fn value(q: &Quote, snap: Option<&Snapshot>, last: &HashMap<SockName, CallResult>) -> String {
    let got = match q {
        Quote::Field { sock, field } if RESULT_FIELDS.contains(&field.as_str()) => {
            last.get(sock).and_then(|r| expect::result_field(r, field))
        }
        Quote::Field { sock, field } => snap.and_then(|s| match s.counters.field(field) {
            Some(n) => Some(n.to_string()),
            None => s.socket(*sock).and_then(|v| v.field(field)),
        }),
        Quote::Sysctl(name) => snap
            .and_then(|s| system_setting(s, name))
            .or_else(|| sysctl::read(name).ok().map(|r| r.value)),
    };
    got.unwrap_or_else(|| "?".into())
}

/// A setting the kernel view holds, written as `sysctl` writes it.
fn system_setting(snap: &Snapshot, name: &str) -> Option<String> {
    let s = &snap.system;
    let three = |v: Option<[u64; 3]>| v.map(|[a, b, c]| format!("{a} {b} {c}"));
    match name.rsplit('.').next()? {
        "somaxconn" => s.somaxconn.map(|n| n.to_string()),
        "tcp_max_syn_backlog" => s.tcp_max_syn_backlog.map(|n| n.to_string()),
        "tcp_rmem" => three(s.tcp_rmem),
        "tcp_wmem" => three(s.tcp_wmem),
        "rmem_max" => s.rmem_max.map(|n| n.to_string()),
        "wmem_max" => s.wmem_max.map(|n| n.to_string()),
        "tcp_syncookies" => s.tcp_syncookies.map(|n| n.to_string()),
        "tcp_abort_on_overflow" => s.tcp_abort_on_overflow.map(|n| n.to_string()),
        "tcp_syn_retries" => s.tcp_syn_retries.map(|n| n.to_string()),
        "tcp_syn_linear_timeouts" => s.tcp_syn_linear_timeouts.map(|n| n.to_string()),
        "tcp_synack_retries" => s.tcp_synack_retries.map(|n| n.to_string()),
        _ => None,
    }
}

/// Each quote of a note with the value it is filled with, in order. A
/// note that does not parse quotes nothing.
pub fn values(
    text: &str,
    snap: Option<&Snapshot>,
    last: &HashMap<SockName, CallResult>,
) -> Vec<(Quote, String)> {
    parse(text)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| match p {
            Part::Quote(q) => {
                let v = value(&q, snap, last);
                Some((q, v))
            }
            Part::Text(_) => None,
        })
        .collect()
}

/// A note with its quotes filled. A note that does not parse (it was
/// checked when the script was read) is returned as written.
pub fn fill(text: &str, snap: Option<&Snapshot>, last: &HashMap<SockName, CallResult>) -> String {
    let Ok(parts) = parse(text) else {
        return text.to_string();
    };
    parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => t.clone(),
            Part::Quote(q) => value(q, snap, last),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_fields_counters_results_and_settings() {
        let parts =
            parse("snd_wnd {C1.snd_wnd}, {L1.listen_overflows} {A1.ret} {sysctl.tcp_syn_retries}.")
                .unwrap();
        let quotes: Vec<&Quote> = parts
            .iter()
            .filter_map(|p| match p {
                Part::Quote(q) => Some(q),
                Part::Text(_) => None,
            })
            .collect();
        assert_eq!(quotes.len(), 4);
        assert_eq!(
            quotes[0],
            &Quote::Field {
                sock: "C1".parse().unwrap(),
                field: "snd_wnd".into()
            }
        );
        assert_eq!(quotes[3], &Quote::Sysctl("net.ipv4.tcp_syn_retries".into()));
        assert_eq!(
            parse("{{not a quote}}").unwrap(),
            [Part::Text("{not a quote}".into())]
        );
    }

    #[test]
    fn unknown_fields_and_stray_braces_say_where() {
        let (at, why) = parse("ab {C1.snd_wdn}").unwrap_err();
        assert_eq!(at, 3);
        assert!(why.contains("unknown field 'snd_wdn'"), "{why}");
        assert!(parse("{X1.recvq}").is_err());
        assert!(
            parse("{sysctl.no_such}")
                .unwrap_err()
                .1
                .contains("unknown setting")
        );
        assert!(parse("{C1}").is_err());
        assert_eq!(parse("a } b").unwrap_err().0, 2);
        assert_eq!(parse("a { b").unwrap_err().0, 2);
    }

    #[test]
    fn what_cannot_be_read_is_a_question_mark() {
        let last = HashMap::new();
        assert_eq!(fill("q {C1.recvq}.", None, &last), "q ?.");
    }
}
