//! Splitting a line of the command language into words, with their columns.

use super::error::ParseError;

/// A word of a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The word; for a quoted text, its bytes after escapes, as written
    /// otherwise (see [`Token::bytes`]).
    pub text: String,
    /// The bytes of a quoted text after its escapes (`\xff` is one byte).
    pub bytes: Vec<u8>,
    /// 1-based column where the word starts.
    pub col: usize,
    /// The word was a quoted text (`"Hi"`), or ended in one (`note="…"`).
    pub quoted: bool,
}

impl Token {
    /// A word with no quotes.
    fn word(text: &str, col: usize) -> Self {
        Token {
            text: text.to_string(),
            bytes: text.as_bytes().to_vec(),
            col,
            quoted: false,
        }
    }
}

/// The longest word outside quotes: longer than any command, name, size
/// or host name, so an error that repeats a word stays one line.
pub const MAX_WORD: usize = 256;

/// Splits a line into words. Whitespace separates words, `"…"` is one word
/// with escapes (`\n \r \t \\ \" \xNN`), and `#` outside quotes starts a comment.
pub fn tokenize(line: &str) -> Result<Vec<Token>, ParseError> {
    let mut tokens = Vec::new();
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    // `chars` counts characters, so the i-th is at column i + 1: no
    // counting from the line's start for each word.
    let col_of = |i: usize| i + 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '#' {
            break;
        }
        let start = i;
        let mut word = String::new();
        let mut bytes = Vec::new();
        let mut quoted = false;
        while i < chars.len() && !chars[i].1.is_whitespace() {
            let c = chars[i].1;
            if c == '"' {
                quoted = true;
                i = read_quoted(&chars, i, &mut bytes, &col_of)?;
                word = String::from_utf8_lossy(&bytes).into_owned();
                continue;
            }
            if c == '#' && !quoted {
                break;
            }
            word.push(c);
            let mut buf = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            i += 1;
        }
        if !quoted && i - start > MAX_WORD {
            return Err(ParseError::new(
                col_of(start),
                format!(
                    "a word of {} characters: outside quotes a word is at most {MAX_WORD}",
                    i - start
                ),
            ));
        }
        let mut token = Token::word(&word, col_of(start));
        if quoted {
            token.bytes = bytes;
            token.quoted = true;
        }
        tokens.push(token);
        if i < chars.len() && chars[i].1 == '#' {
            break;
        }
    }
    Ok(tokens)
}

/// Reads a quoted text starting at the `"` at `open`; returns the index after
/// the closing quote. Bytes before the quote (`note=`) stay in `out`.
fn read_quoted(
    chars: &[(usize, char)],
    open: usize,
    out: &mut Vec<u8>,
    col_of: &dyn Fn(usize) -> usize,
) -> Result<usize, ParseError> {
    let mut i = open + 1;
    while i < chars.len() {
        let c = chars[i].1;
        match c {
            '"' => return Ok(i + 1),
            '\\' => {
                let esc = chars.get(i + 1).map(|c| c.1);
                let simple = match esc {
                    Some('n') => Some(b'\n'),
                    Some('r') => Some(b'\r'),
                    Some('t') => Some(b'\t'),
                    Some('\\') => Some(b'\\'),
                    Some('"') => Some(b'"'),
                    Some('0') => Some(0),
                    _ => None,
                };
                if let Some(b) = simple {
                    out.push(b);
                    i += 2;
                    continue;
                }
                if esc == Some('x') {
                    let hex: String = chars.iter().skip(i + 2).take(2).map(|c| c.1).collect();
                    if hex.len() == 2
                        && let Ok(b) = u8::from_str_radix(&hex, 16)
                    {
                        out.push(b);
                        i += 4;
                        continue;
                    }
                    return Err(ParseError::new(
                        col_of(i),
                        "bad escape: \\x takes two hex digits (\\x1b)",
                    ));
                }
                return Err(ParseError::new(
                    col_of(i),
                    "unknown escape: expected \\n, \\r, \\t, \\\\, \\\", \\0 or \\xNN",
                ));
            }
            _ => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += 1;
            }
        }
    }
    Err(ParseError::new(
        col_of(open),
        "unterminated text: a closing \" is missing",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<(String, usize)> {
        tokenize(line)
            .unwrap()
            .into_iter()
            .map(|t| (t.text, t.col))
            .collect()
    }

    #[test]
    fn words_columns_and_comments() {
        assert_eq!(
            words("  send C1  4k # a comment"),
            vec![("send".into(), 3), ("C1".into(), 8), ("4k".into(), 12)]
        );
        assert!(tokenize("# only a comment").unwrap().is_empty());
    }

    #[test]
    fn quoted_text_with_escapes() {
        let t = tokenize(r#"send C1 "Hi there\n\x1b# \"x\"""#).unwrap();
        assert_eq!(t.len(), 3);
        assert!(t[2].quoted);
        assert_eq!(t[2].bytes, b"Hi there\n\x1b# \"x\"");
        let t = tokenize(r#"send C1 "\xff""#).unwrap();
        assert_eq!(t[2].bytes, vec![0xff]);
    }

    #[test]
    fn a_long_word_is_refused_without_being_repeated() {
        let line = format!("listen {}", "x".repeat(MAX_WORD + 1));
        let e = tokenize(&line).unwrap_err();
        assert_eq!(e.col, 8);
        assert!(e.message.len() < 100, "{}", e.message);
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(
            words("note é \"à\" x"),
            vec![
                ("note".into(), 1),
                ("é".into(), 6),
                ("à".into(), 8),
                ("x".into(), 12)
            ]
        );
    }

    #[test]
    fn quoted_errors_have_columns() {
        let e = tokenize(r#"note "abc"#).unwrap_err();
        assert_eq!(e.col, 6);
        let e = tokenize(r#"note "a\qb""#).unwrap_err();
        assert_eq!(e.col, 8);
        let e = tokenize(r#"note "\xZZ""#).unwrap_err();
        assert!(e.message.contains("hex"), "{}", e.message);
    }
}
