//! Bytes from a peer, kept short and shown escaped, never raw.

use std::borrow::Cow;
use std::fmt;

/// How many bytes a preview keeps.
pub const PREVIEW_BYTES: usize = 64;

/// The first bytes of a read, and how many there were in all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Preview {
    head: Vec<u8>,
    total: u64,
}

impl Preview {
    /// A preview of `bytes`, keeping at most [`PREVIEW_BYTES`].
    pub fn of(bytes: &[u8]) -> Self {
        Preview {
            head: bytes[..bytes.len().min(PREVIEW_BYTES)].to_vec(),
            total: bytes.len() as u64,
        }
    }

    /// A preview from the first bytes of a longer read of `total` bytes.
    pub fn of_prefix(head: &[u8], total: u64) -> Self {
        let mut p = Preview::of(head);
        p.total = total.max(p.head.len() as u64);
        p
    }

    /// How many bytes the read had in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The bytes kept.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Whether bytes were left out.
    pub fn truncated(&self) -> bool {
        self.total > self.head.len() as u64
    }

    /// The escaped text, with `…` when bytes were left out.
    pub fn escaped(&self) -> String {
        let mut s = escape(&self.head);
        if self.truncated() {
            s.push('…');
        }
        s
    }
}

impl fmt::Display for Preview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.escaped())
    }
}

/// Escapes bytes so that no byte reaches a terminal as a control: printable
/// ASCII stays, `\n \r \t \\ \"` are written as in the command language, and
/// everything else as `\xNN`. The output is plain ASCII and reads back with
/// the command language's text escapes.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// Whether a character must not reach a terminal as it is: a control (C0,
/// DEL, C1: escape sequences, bells, clipboard writes) or an invisible mark
/// that reorders the text around it (bidirectional overrides).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Escapes text for a terminal or a file, on one line: printable characters
/// of any script stay as they are, and every [unsafe](is_unsafe) one is
/// written as [`escape`] writes its bytes (`\n`, `\x1b`, `\xc2\x9b`).
/// Everything sockplay prints that came from a script, a lesson, a command
/// line or a peer goes through this (or [`escape_lines`]).
pub fn escape_text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut utf8 = [0u8; 4];
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&escape(c.encode_utf8(&mut utf8).as_bytes()));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`escape_text`] for text of several lines: each line escaped, the line
/// breaks kept.
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<Cow<'_, str>> = text.split('\n').map(escape_text).collect();
    Cow::Owned(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_what_prints_and_escapes_what_would_act() {
        assert_eq!(escape_text("→ A1 ⇄ C3 \"x\\y\""), "→ A1 ⇄ C3 \"x\\y\"");
        assert_eq!(
            escape_text("a\x1b]52;c;QQ==\x07b\nc\r\u{9b}d\u{202e}"),
            "a\\x1b]52;c;QQ==\\x07b\\nc\\r\\xc2\\x9bd\\xe2\\x80\\xae"
        );
        assert_eq!(escape_lines("one\x1b[2J\ntwo\r"), "one\\x1b[2J\ntwo\\r");
    }

    #[test]
    fn escapes_controls_and_non_ascii() {
        assert_eq!(escape(b"Hi\x1b[2J\n\"\\"), "Hi\\x1b[2J\\n\\\"\\\\");
        assert_eq!(escape(&[0xff, 0x00, b'a']), "\\xff\\x00a");
    }

    #[test]
    fn preview_is_bounded() {
        let p = Preview::of(&[b'a'; 1000]);
        assert_eq!(p.head().len(), PREVIEW_BYTES);
        assert!(p.escaped().ends_with('…'));
        assert_eq!(Preview::of(b"Hi").to_string(), "\"Hi\"");
    }
}
