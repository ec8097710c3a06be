//! The names a note writes that the screen must show too: errnos
//! (`EOPNOTSUPP`), the kernel's identifiers (`snd_wnd`,
//! `TCPReqQFullDrop`), and the calls it says returned something.

use super::cite::{Cite, is_word, push};

/// Whether a word (trimmed of punctuation) is an identifier the screen
/// writes: `snd_wnd`, `tcp_syncookies`, `ListenOverflows`,
/// `TCPReqQFullDrop`. Constants in capitals (`TCP_DEFER_ACCEPT`,
/// `SO_RCVBUF`) name options, not something the screen draws.
pub fn is_identifier(word: &str) -> bool {
    if word.is_empty()
        || !word.chars().all(is_word)
        || word.contains(char::is_numeric) && !word.contains(char::is_alphabetic)
    {
        return false;
    }
    let has_lower = word.chars().any(|c| c.is_ascii_lowercase());
    if !has_lower {
        return false;
    }
    if word.contains('_') {
        return !word.starts_with('_');
    }
    // CamelCase: a capital right after a small letter, and a capital first.
    let chars: Vec<char> = word.chars().collect();
    chars[0].is_ascii_uppercase()
        && chars
            .windows(2)
            .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
        && !word.ends_with("Error")
        && !matches!(word, "KiB" | "MiB" | "GiB")
}

/// Whether a word is an errno's name (`EOPNOTSUPP`, `ETIMEDOUT`).
pub fn is_errno(word: &str) -> bool {
    ERRNOS.contains(&word)
}

/// The errnos a lesson may name.
const ERRNOS: &[&str] = &[
    "EOPNOTSUPP",
    "ETIMEDOUT",
    "ECONNREFUSED",
    "ECONNRESET",
    "EAGAIN",
    "EWOULDBLOCK",
    "EPIPE",
    "EINPROGRESS",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "EINVAL",
    "EISCONN",
    "ENOTCONN",
    "EALREADY",
    "EMSGSIZE",
    "ENOBUFS",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "EINTR",
    "EBADF",
    "ECONNABORTED",
];

/// The words of a note, trimmed of the punctuation around them and of a
/// possessive `'s`.
pub fn words(note: &str) -> Vec<String> {
    note.split_whitespace()
        .map(|w| {
            let w = w.trim_matches(|c: char| !(is_word(c) || c == '-' || c == '/'));
            let w = w.strip_suffix("'s").unwrap_or(w);
            w.trim_matches(|c: char| !is_word(c)).to_string()
        })
        .collect()
}

/// The names a note gives that the screen must show: errnos and the
/// kernel's identifiers, each once.
pub fn names(note: &str) -> Vec<Cite> {
    let mut out = Vec::new();
    for w in note.split_whitespace() {
        // `getsockopt(TCP_INFO)`, `_draining['A1']`: code, not a name.
        if w.contains('(') && w.contains(')') || w.contains('[') || w.contains('{') {
            continue;
        }
        let w = w.trim_matches(|c: char| !is_word(c));
        let w = w.strip_suffix("'s").unwrap_or(w);
        if is_errno(w) || is_identifier(w) {
            push(&mut out, w.to_string(), vec![w.to_string()]);
        }
    }
    out
}

/// The calls a note says a result of, written `name()` and a verb
/// (`connect() returned at once`, `every sendto() succeeded`): their
/// results must be in the log on screen. A call named in passing
/// (`waits for accept()`) is not one.
pub fn calls(note: &str) -> Vec<String> {
    let raw: Vec<&str> = note.split_whitespace().collect();
    let mut out = Vec::new();
    for (i, w) in raw.iter().enumerate() {
        let w = w.trim_start_matches(|c: char| !is_word(c));
        let Some(at) = w.find("()") else { continue };
        let name = &w[..at];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            continue;
        }
        let said = raw
            .get(i + 1)
            .is_some_and(|v| RESULT_VERBS.contains(&v.trim_matches(|c: char| !c.is_alphabetic())));
        if !said || w.len() > at + 2 && !w[at + 2..].chars().all(|c| !is_word(c)) {
            continue;
        }
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    out
}

/// Verbs that tell a call's result.
const RESULT_VERBS: &[&str] = &[
    "returned",
    "returns",
    "took",
    "succeeded",
    "failed",
    "gave",
    "says",
    "said",
    "found",
    "got",
    "blocked",
    "refused",
    "fails",
];

/// Whether the log on screen shows a call's result: `#7 C1 connect(…) →`,
/// `#3 U1 accept → EOPNOTSUPP`.
pub fn call_shown(log: &str, name: &str) -> bool {
    log.lines().any(|row| {
        let mut words = row.trim_start_matches(['│', ' ']).split_whitespace();
        words.next().is_some_and(|n| n.starts_with('#'))
            && words
                .nth(1)
                .is_some_and(|w| w != "↳" || words.next().is_some())
            && row
                .split_whitespace()
                .find(|w| w.contains('(') || *w == name)
                .is_some_and(|call| {
                    call == name || call.strip_prefix(name).is_some_and(|r| r.starts_with('('))
                })
    })
}
