//! What a note cites, and whether a screen shows it: the lab sockets it
//! names (`L1`, `C2`, `A1`, `U1`) and the figures it writes (`8192`,
//! `64 KiB`, `500ms`), each looked for on the screen written the same way.

/// One thing a note cites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cite {
    /// As the note writes it.
    pub text: String,
    /// The ways the screen may write it (`64 KiB`: `64k`, `65536`).
    pub forms: Vec<String>,
}

/// Units a figure may carry, and what one of them is in bytes where the
/// lab writes sizes (`4k`).
const UNITS: &[(&str, u64)] = &[
    ("KiB", 1024),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("ms", 0),
    ("s", 0),
    ("k", 1024),
    ("m", 1 << 20),
];

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The sockets and figures a note cites, in order, each once.
pub fn cites(note: &str) -> Vec<Cite> {
    let chars: Vec<char> = note.chars().collect();
    let mut out: Vec<Cite> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let before = i.checked_sub(1).map(|j| chars[j]);
        let starts = before.is_none_or(|c| !is_word(c) && c != '.' && c != ',');
        // A lab socket: L1, C12, A3, U2.
        if starts
            && matches!(chars[i], 'L' | 'C' | 'A' | 'U')
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        {
            let mut j = i + 1;
            while chars.get(j).is_some_and(char::is_ascii_digit) {
                j += 1;
            }
            if !chars.get(j).copied().is_some_and(is_word) {
                let name: String = chars[i..j].iter().collect();
                push(&mut out, name.clone(), vec![name]);
                i = j;
                continue;
            }
        }
        if starts && chars[i].is_ascii_digit() {
            let mut j = i;
            // 200,000 · 0.5 · 1048576
            while j < chars.len()
                && (chars[j].is_ascii_digit()
                    || (matches!(chars[j], '.' | ',')
                        && chars.get(j + 1).is_some_and(char::is_ascii_digit)))
            {
                j += 1;
            }
            let number: String = chars[i..j].iter().collect();
            let plain = number.replace(',', "");
            // A unit right after it, or after one space.
            let rest: String = chars[j..].iter().collect();
            let (gap, unit_part) = match rest.strip_prefix(' ') {
                Some(r) => (" ", r.to_string()),
                None => ("", rest.clone()),
            };
            let unit = UNITS.iter().find(|(u, _)| {
                unit_part.starts_with(u)
                    && !unit_part[u.len()..].chars().next().is_some_and(is_word)
            });
            // A hyphened term (4-tuple, 3-way) is a word, not a figure.
            let mut after = rest.chars();
            let hyphened =
                after.next() == Some('-') && after.next().is_some_and(|c| c.is_alphabetic());
            let word_after = rest.chars().next().is_some_and(is_word) || hyphened;
            if word_after && unit.is_none() {
                // Part of a word or a formula (3B/2, 2x): not a figure.
                i = j;
                while i < chars.len() && is_word(chars[i]) {
                    i += 1;
                }
                continue;
            }
            match unit {
                Some((u, bytes)) => {
                    let text = format!("{number}{gap}{u}");
                    let mut forms = vec![text.clone(), format!("{plain}{u}")];
                    if *bytes > 0 {
                        let short = u.chars().next().unwrap().to_ascii_lowercase();
                        forms.push(format!("{plain}{short}"));
                        forms.push(format!("{plain} {u}"));
                        if let Ok(n) = plain.parse::<u64>() {
                            forms.push((n * bytes).to_string());
                        }
                    } else {
                        forms.push(format!("{plain} {u}"));
                    }
                    push(&mut out, text, forms);
                    i = j + gap.len() + u.len();
                }
                None => {
                    push(&mut out, number.clone(), vec![number, plain]);
                    i = j;
                }
            }
            continue;
        }
        i += 1;
    }
    out
}

fn push(out: &mut Vec<Cite>, text: String, mut forms: Vec<String>) {
    forms.dedup();
    if !out.iter().any(|c| c.text == text) {
        out.push(Cite { text, forms });
    }
}

/// Whether `screen` writes `form` as a word of its own: not inside a
/// longer name or figure (`8` is not in `8192`, `L1` not in `L12`).
pub fn shows(screen: &str, form: &str) -> bool {
    let mut from = 0;
    while let Some(at) = screen[from..].find(form) {
        let start = from + at;
        let end = start + form.len();
        let before = screen[..start].chars().next_back();
        let mut after = screen[end..].chars();
        let a1 = after.next();
        let a2 = after.next();
        let ok_before = before.is_none_or(|c| !is_word(c) && c != '.' && c != ',' && c != '#');
        let ok_after = a1.is_none_or(|c| {
            !(is_word(c) || matches!(c, '.' | ',') && a2.is_some_and(|d| d.is_ascii_digit()))
        });
        if ok_before && ok_after {
            return true;
        }
        from = start + form.chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Whether the screen shows a cite in any of its forms.
pub fn backed(screen: &str, cite: &Cite) -> bool {
    cite.forms.iter().any(|f| shows(screen, f))
}

/// The checks of this file, run by the test's `main`.
pub fn self_test() -> Vec<String> {
    let mut failures = Vec::new();
    let mut check = |ok: bool, what: &str| {
        if !ok {
            failures.push(what.to_string());
        }
    };
    let c = cites(
        "C1's recvq is 16; L1 holds 3 of 6, 64 KiB, 500ms, 200,000 bytes; 3B/2 and x200, IPv4.",
    );
    let texts: Vec<&str> = c.iter().map(|c| c.text.as_str()).collect();
    check(
        texts
            == [
                "C1", "16", "L1", "3", "6", "64 KiB", "500ms", "200,000", "2",
            ],
        &format!("cites: {texts:?}"),
    );
    check(shows("recvq 16 ", "16"), "16 alone");
    check(!shows("recvq 160", "16"), "16 in 160");
    check(!shows("6.8k", "8"), "8 in 6.8k");
    check(!shows("#16 A1", "16"), "a result's number is not a figure");
    check(!shows("L12", "L1"), "L1 in L12");
    check(shows("A1 ⇄ C1", "C1"), "C1 after an arrow");
    let kib = &c[5];
    check(backed("rcvbuf=64k", kib), "64 KiB as 64k");
    check(backed("65536 bytes", kib), "64 KiB as 65536");
    check(!backed("6912", &cites("6.8k")[0]), "6.8k is not 6912");
    failures
}
