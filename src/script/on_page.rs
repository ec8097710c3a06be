//! What a handout's writer asks of the page it has written: whether a
//! figure is printed there, and about which socket; and how a figure's
//! file is linked from where the page is.

use crate::lab::SockName;

/// The entries of printed code (a line and the indented lines that go
/// on from it) that name `sock` as a word, or give the counters.
pub fn about(code: &str, sock: SockName) -> String {
    let name = sock.to_string();
    let names = |entry: &str| {
        entry.starts_with("counters since start")
            || entry.starts_with("UDP counters")
            || entry.match_indices(&name).any(|(i, _)| {
                let before = entry[..i].chars().next_back();
                let after = entry[i + name.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            })
    };
    let mut entries: Vec<String> = Vec::new();
    for line in code.lines() {
        match entries.last_mut() {
            Some(e) if line.starts_with(' ') => {
                e.push('\n');
                e.push_str(line);
            }
            _ => entries.push(line.to_string()),
        }
    }
    entries
        .into_iter()
        .filter(|e| names(e))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `text` shows the figure `v` as a word of its own: `10` in
/// `rcv_wscale 10,`, not in `100` or `1.10`.
pub fn shows_figure(text: &str, v: &str) -> bool {
    let is_part = |c: char| c.is_alphanumeric() || c == '.' || c == '_';
    text.match_indices(v).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let rest = &text[i + v.len()..];
        let mut after = rest.chars();
        let (next, then) = (after.next(), after.next());
        // Not part of a longer word or number (`100`, `1.10`, `10.5`).
        let longer = next.is_some_and(|c| c.is_alphanumeric() || c == '_')
            || (next == Some('.') && then.is_some_and(|c| c.is_ascii_digit()));
        !before.is_some_and(is_part) && !longer
    })
}

/// A path as a Markdown link destination: spaces, parentheses and angle
/// brackets percent-encoded, so the link holds whatever the directory is called.
pub fn link_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            c if c.is_control() => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `path` (relative to the working directory, or absolute) as seen from
/// `dir`: `out/fig/01.svg` from `out` is `fig/01.svg`. Where either cannot
/// be resolved, `path` as it is.
pub fn relative_to(path: &std::path::Path, dir: &std::path::Path) -> String {
    let (Ok(file), Ok(dir)) = (std::path::absolute(path), std::path::absolute(dir)) else {
        return path.to_string_lossy().into_owned();
    };
    let (file, dir): (Vec<_>, Vec<_>) = (file.components().collect(), dir.components().collect());
    let common = file.iter().zip(&dir).take_while(|(a, b)| a == b).count();
    let mut out = std::path::PathBuf::new();
    for _ in common..dir.len() {
        out.push("..");
    }
    for c in &file[common..] {
        out.push(c);
    }
    out.to_string_lossy().into_owned()
}
