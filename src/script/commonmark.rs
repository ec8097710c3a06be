//! Text into Markdown (CommonMark) as itself: a title, a note or a line of a
//! result renders as the characters it holds, never as markup, HTML or a
//! fence that swallows what follows. What a terminal would act on is
//! escaped first, as everywhere else ([`escape_text`]).

use crate::lab::preview::escape_text;

/// One line of text as inline Markdown that renders as exactly
/// `escape_text(line)`: the characters that make markup anywhere (`\`,
/// `` ` ``, `*`, `[`, `]`, `<`, `&`, `~`, `|`, `#`, and `_` unless inside
/// a word) are backslash-escaped, the first character is escaped when it
/// would start a block (a heading, a list, a quote, a setext line), and
/// spaces at either end, which Markdown drops, are
/// written as `&#32;`.
pub fn text(line: &str) -> String {
    let line = escape_text(line);
    let chars: Vec<char> = line.chars().collect();
    let lead = chars.iter().take_while(|&&c| c == ' ').count();
    let trail = if lead == chars.len() {
        0
    } else {
        chars.iter().rev().take_while(|&&c| c == ' ').count()
    };
    let body = &chars[lead..chars.len() - trail];
    let mut out = String::with_capacity(line.len() + 8);
    out.push_str(&"&#32;".repeat(lead));
    // A run of digits at the start makes an ordered list with `.` or `)`.
    let digits = body.iter().take_while(|c| c.is_ascii_digit()).count();
    for (i, &c) in body.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| body[p]);
        let next = body.get(i + 1).copied();
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '&' | '~' | '|' | '#' => true,
            '_' => {
                !(prev.is_some_and(|p| p.is_alphanumeric())
                    && next.is_some_and(|n| n.is_alphanumeric()))
            }
            '-' | '+' | '=' | '>' => i == 0,
            '.' | ')' => i == digits && digits > 0,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str(&"&#32;".repeat(trail));
    out
}

/// One line for a fenced code block opened with three backticks: escaped
/// for a terminal, and a line that would close the fence (three or more
/// backticks alone) has its first backtick written `\x60`, as sockplay
/// writes any byte it will not show raw.
pub fn code_line(line: &str) -> String {
    let line = escape_text(line).into_owned();
    let indent = line.chars().take_while(|&c| c == ' ').count();
    let rest = &line[indent..];
    let ticks = rest.chars().take_while(|&c| c == '`').count();
    if indent <= 3 && ticks >= 3 && rest[ticks..].chars().all(|c| c == ' ' || c == '\t') {
        return format!("{}\\x60{}", &line[..indent], &rest[1..]);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_words_stay_readable() {
        assert_eq!(text("tcp_rmem holds 3."), "tcp_rmem holds 3.");
        assert_eq!(
            text("<script>alert(1)</script>"),
            "\\<script>alert(1)\\</script>"
        );
        assert_eq!(text("~~~ fence"), "\\~\\~\\~ fence");
        assert_eq!(text("# not a heading"), "\\# not a heading");
        assert_eq!(text("1. not a list"), "1\\. not a list");
        assert_eq!(text("  two spaces  "), "&#32;&#32;two spaces&#32;&#32;");
        assert_eq!(text("bell\x07"), "bell\\\\x07");
        assert_eq!(code_line("```"), "\\x60``");
        assert_eq!(code_line("  ```` "), "  \\x60``` ");
        assert_eq!(code_line("a ```"), "a ```");
    }
}
