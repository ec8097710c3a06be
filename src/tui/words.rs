//! Where text may break: a figure and its unit (`0.08 ms`, `60 s`, `9
//! times`) are one word, for the helpers that shorten and wrap the
//! panes' text and for the narration's paragraphs alike.

/// Units that follow a figure after a space (`0.08 ms`, `60 s`, `9 times`):
/// a figure and its unit are one word to the helpers that shorten and
/// wrap, so no row ends between them and no "…" stands for the unit.
const UNITS: &[&str] = &[
    "s",
    "ms",
    "µs",
    "us",
    "ns",
    "min",
    "h",
    "%",
    "B",
    "KiB",
    "MiB",
    "GiB",
    "k",
    "m",
    "bytes",
    "byte",
    "times",
    "SYNs",
    "SYN-ACKs",
    "segments",
    "datagrams",
    "packets",
];

/// Whether `word` is a figure (`54`, `(0.08`, `≤3.3`, `+2`).
fn is_figure(word: &str) -> bool {
    let w = word.trim_start_matches(['(', '[', '<', '≤', '~', '+', '-', '−', '#']);
    w.starts_with(|c: char| c.is_ascii_digit())
        && w.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

/// Whether `word` is a unit a figure before it needs (`ms)`, `s;`).
fn is_unit(word: &str) -> bool {
    UNITS.contains(&word.trim_end_matches([')', ']', ',', ';', ':', '.', '…']))
}

/// Whether a break between `before` and `after` (two words) would part a
/// figure from its unit.
pub fn joined(before: &str, after: &str) -> bool {
    is_figure(before) && is_unit(after)
}

/// Where `text` may break: the byte offsets of its spaces, but for the
/// space between a figure and its unit.
pub(crate) fn breaks(text: &str) -> Vec<usize> {
    let spaces: Vec<usize> = text.match_indices(' ').map(|(i, _)| i).collect();
    spaces
        .iter()
        .enumerate()
        .filter(|&(k, &at)| {
            let start = if k == 0 { 0 } else { spaces[k - 1] + 1 };
            let end = spaces.get(k + 1).copied().unwrap_or(text.len());
            !joined(&text[start..at], &text[at + 1..end])
        })
        .map(|(_, &at)| at)
        .collect()
}

/// `text` with a no-break space between each figure and its unit
/// (`30\u{a0}s`), so that a wrapping paragraph keeps them on one row;
/// the narration's drawing shows those spaces as plain ones.
pub fn keep_units(text: &str) -> String {
    words(text)
        .iter()
        .map(|w| w.replace(' ', "\u{a0}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text`'s words, a figure and its unit kept as one (`0.08 ms`).
pub fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    for at in breaks(text) {
        out.push(&text[from..at]);
        from = at + 1;
    }
    out.push(&text[from..]);
    out
}
