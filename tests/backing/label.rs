//! Figures a note ties to a label (`recvq 6912`, `C1's snd_wnd is still
//! 0`): the screen must draw the figure beside that label, for that socket.

use super::cite::{Cite, cites, is_word};
use super::names::{is_identifier, words};

/// Words that name a figure on the lab's screen, written lower case: a
/// note that puts one right before a figure ("recvq 16", "snd_wnd is
/// still 0") cites the pair, and the screen must draw the figure beside
/// that label. Words with `_` (`snd_wnd`, `tcp_syn_retries`) and counter
/// names (`ListenOverflows`) are labels too.
const LABELS: &[&str] = &[
    "recvq",
    "sendq",
    "rcvbuf",
    "sndbuf",
    "wnd",
    "maximum",
    "somaxconn",
    "mss",
    "backlog",
];

/// Words that may stand between a label and its figure.
const FILLERS: &[&str] = &[
    "is", "are", "was", "were", "still", "stays", "stayed", "of", "=", ":", "here", "now", "back",
    "to",
];

/// A figure a note ties to a label: the screen must draw it beside that
/// label (on the label's row, as the first figure after it; or in the
/// label's column of a table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The socket the note gives it to (`C1's snd_wnd`), if it does.
    pub sock: Option<String>,
    /// The label, as the note writes it.
    pub label: String,
    /// The figure, as the note writes it, and the ways the screen may.
    pub value: Cite,
}

/// The label/figure pairs of a note.
pub fn pairs(note: &str) -> Vec<Pair> {
    let raw: Vec<&str> = note.split_whitespace().collect();
    let clean = words(note);
    let mut out: Vec<Pair> = Vec::new();
    for i in 0..raw.len() {
        let token = raw[i].trim_start_matches('(');
        if !token.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        // The figure with a unit after it, as `cites` reads it.
        let tail = raw[i..raw.len().min(i + 2)].join(" ");
        let Some(value) = cites(tail.trim_start_matches('(')).into_iter().next() else {
            continue;
        };
        if !value.text.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        // The word before it, past fillers.
        let mut j = i;
        let label = loop {
            if j == 0 {
                break None;
            }
            j -= 1;
            let w = clean[j].as_str();
            // A sentence ended: what came before is not this figure's label.
            if raw[j].ends_with(['.', ';', '?', '!']) {
                break None;
            }
            if FILLERS.contains(&w) || w.is_empty() {
                continue;
            }
            break Some(w.to_string());
        };
        let Some(label) = label else { continue };
        if LABELS.contains(&label.as_str()) || is_identifier(&label) {
            // `C1's snd_wnd`: the socket whose figure it is.
            let sock = j
                .checked_sub(1)
                .filter(|&k| raw[k].trim_end_matches(',').ends_with("'s"))
                .map(|k| clean[k].clone())
                .filter(|w| is_socket_name(w));
            let pair = Pair { sock, label, value };
            if !out.contains(&pair) {
                out.push(pair);
            }
        }
    }
    out
}

/// Whether a word is a lab socket's name (`L1`, `C12`).
pub fn is_socket_name(w: &str) -> bool {
    w.len() >= 2
        && w.starts_with(['L', 'C', 'A', 'U'])
        && w[1..].chars().all(|c| c.is_ascii_digit())
}

/// The socket a row of the screen is about at column `x`: the one its box
/// (from the last border before `x`) names first, or, for a row that names
/// none (a field under a socket's heading in the kernel view), the one
/// named first by the nearest row above in the same box.
fn row_socket(rows: &[Vec<char>], y: usize, x: usize) -> Option<String> {
    for k in (0..=y).rev() {
        let full = &rows[k];
        let start = full[..x.min(full.len())]
            .iter()
            .rposition(|&c| c == '│')
            .map_or(0, |b| b + 1);
        let row: String = full[start.min(full.len())..].iter().collect();
        let row = row.split('│').next().unwrap_or("");
        if k != y && full.get(x).is_some_and(|c| matches!(c, '─' | '┌' | '└')) {
            // The box's top: its title may name the socket
            // (`Selected · C4 · …`).
            let title: String = full.iter().collect();
            return title
                .split(" · ")
                .nth(1)
                .and_then(|t| t.split_whitespace().next())
                .filter(|t| is_socket_name(t))
                .map(str::to_string);
        }
        let first = row
            .split(|c: char| !is_word(c))
            .find(|w| !w.is_empty())
            .unwrap_or("");
        if is_socket_name(first) {
            return Some(first.to_string());
        }
        if k != y && row.split(|c: char| !is_word(c)).any(is_socket_name) {
            return None;
        }
    }
    None
}

/// Where a row writes `label` as a word of its own (a dotted sysctl name,
/// `net.ipv4.tcp_syn_retries`, ends in one): the char columns it starts at.
fn label_at(row: &[char], label: &[char]) -> Vec<usize> {
    let mut at = Vec::new();
    if label.is_empty() || row.len() < label.len() {
        return at;
    }
    for s in 0..=row.len() - label.len() {
        if row[s..s + label.len()] != *label {
            continue;
        }
        let before = s.checked_sub(1).map(|k| row[k]);
        let after = row.get(s + label.len()).copied();
        if before.is_none_or(|c| !is_word(c)) && after.is_none_or(|c| !is_word(c)) {
            at.push(s);
        }
    }
    at
}

/// The figure that starts at `from` (after separators): digits with `.`
/// and `,` inside and a unit letter or two after.
fn figure_after(row: &[char], mut from: usize) -> Option<String> {
    while from < row.len()
        && (row[from].is_whitespace()
            || matches!(row[from], '=' | ':' | '(' | '█' | '░' | '▉'..='▏'))
    {
        from += 1;
    }
    figure_at(row, from)
}

/// The first figure after `from`, and the one an arrow after it leads to.
fn figures_after(row: &[char], from: usize) -> Vec<String> {
    let Some(first) = figure_after(row, from) else {
        return Vec::new();
    };
    let mut at = from;
    while row.get(at).is_some_and(|c| !c.is_ascii_digit()) {
        at += 1;
    }
    at += first.chars().count();
    let mut out = vec![first];
    let mut k = at;
    while row.get(k) == Some(&' ') {
        k += 1;
    }
    if row.get(k) == Some(&'→')
        && let Some(then) = figure_after(row, k + 1)
    {
        out.push(then);
    }
    out
}

fn figure_at(row: &[char], from: usize) -> Option<String> {
    let mut end = from;
    while end < row.len()
        && (row[end].is_ascii_digit()
            || (matches!(row[end], '.' | ',')
                && row.get(end + 1).is_some_and(char::is_ascii_digit)))
    {
        end += 1;
    }
    if end == from {
        return None;
    }
    let mut unit_end = end;
    while unit_end < row.len() && row[unit_end].is_ascii_alphabetic() && unit_end - end < 3 {
        unit_end += 1;
    }
    // A unit only if nothing of a word follows it.
    if unit_end < row.len() && is_word(row[unit_end]) {
        unit_end = end;
    }
    Some(row[from..unit_end].iter().collect())
}

/// Whether one of the screen's figures is the pair's figure.
fn same(figure: &str, value: &Cite) -> bool {
    let plain = figure.replace(',', "");
    value
        .forms
        .iter()
        .any(|f| f == figure || f.replace(' ', "") == plain)
}

/// Whether the screen draws the pair's figure beside its label.
pub fn pair_backed(screen: &str, pair: &Pair) -> bool {
    let rows: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let label: Vec<char> = pair.label.chars().collect();
    let whose = |y: usize, x: usize| {
        pair.sock
            .as_ref()
            .is_none_or(|s| row_socket(&rows, y, x).as_ref() == Some(s))
    };
    for (y, row) in rows.iter().enumerate() {
        for x in label_at(row, &label) {
            // On its row, the first figure after it, or what that one
            // became (`rcvbuf 65536→131072`).
            if figures_after(row, x + label.len())
                .iter()
                .any(|f| same(f, &pair.value))
                && whose(y, x)
            {
                return true;
            }
            // A table's column: the rows below, in the label's column,
            // until a border.
            for (b, below) in rows.iter().enumerate().skip(y + 1) {
                if below
                    .get(x)
                    .is_none_or(|c| matches!(c, '─' | '└' | '┘' | '┌' | '┐'))
                {
                    break;
                }
                if !whose(b, x) {
                    continue;
                }
                if below
                    .get(x.wrapping_sub(1))
                    .is_none_or(|c| !c.is_ascii_digit())
                    && figure_at(below, x).is_some_and(|f| same(&f, &pair.value))
                {
                    return true;
                }
            }
        }
    }
    false
}
