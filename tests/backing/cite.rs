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

pub fn is_word(c: char) -> bool {
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

pub fn push(out: &mut Vec<Cite>, text: String, mut forms: Vec<String>) {
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

/// The checks of this file and of the two beside it, run by the test's
/// `main`.
pub fn self_test() -> Vec<String> {
    use super::label::{pair_backed, pairs};
    use super::names::{call_shown, calls, names};
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
    // Labels and their figures.
    let p = pairs(
        "No: C1's snd_wnd is still 0, and recvq is 6912 (TCPReqQFullDrop 4). A backlog of 2.",
    );
    let got: Vec<(String, String)> = p
        .iter()
        .map(|p| (p.label.clone(), p.value.text.clone()))
        .collect();
    check(
        got == [
            ("snd_wnd".into(), "0".into()),
            ("recvq".into(), "6912".into()),
            ("TCPReqQFullDrop".into(), "4".into()),
            ("backlog".into(), "2".into()),
        ],
        &format!("pairs: {got:?}"),
    );
    check(p[0].sock.as_deref() == Some("C1"), "C1's snd_wnd");
    check(
        !pair_backed("A1 rcv_wnd 0  snd_wnd 64512", &p[0]),
        "snd_wnd 0 beside snd_wnd 64512",
    );
    check(
        !pair_backed(
            "│A1  ESTAB\n│    snd_wnd 0\n│C1  ESTAB\n│    snd_wnd 512",
            &p[0],
        ),
        "A1's snd_wnd 0 is not C1's",
    );
    check(
        pair_backed(
            "│A1  ESTAB\n│    snd_wnd 512\n│C1  ESTAB\n│    snd_wnd 0",
            &p[0],
        ),
        "C1's snd_wnd under C1's heading",
    );
    check(
        pair_backed(
            "rcvbuf 65536→131072  rcv_mem 5760",
            &pairs("its rcvbuf of 131072.")[0],
        ),
        "what a figure became",
    );
    let a1 = &pairs("A1's recvq is back to 0")[0];
    check(
        !pair_backed("│name recvq│\n│C1   0    │\n│A1   16   │", a1),
        "another row's 0 in the column",
    );
    check(
        pair_backed("│name recvq│\n│C1   16   │\n│A1   0    │", a1),
        "A1's row in the column",
    );
    check(pair_backed("C1 ▶ snd_wnd 0 ZERO", &p[0]), "snd_wnd 0 drawn");
    check(!pair_backed("C1 ▶ wnd 0 ZERO", &p[0]), "wnd is not snd_wnd");
    check(
        pair_backed("│name  recvq  sendq│\n│U3    6912   0    │", &p[1]),
        "recvq 6912 in a table's column",
    );
    check(
        !pair_backed("│name  recvq  sendq│\n│U3    0      6912 │", &p[1]),
        "6912 in another column",
    );
    check(
        pair_backed(
            "sysctl net.ipv4.tcp_syn_retries = 6",
            &pairs("tcp_syn_retries (6) more")[0],
        ),
        "a dotted sysctl name",
    );
    check(
        !pair_backed(
            "queue 0/4097  kept as 4096",
            &pairs("L3's maximum is 4096.")[0],
        ),
        "maximum is not drawn",
    );
    check(
        calls(
            "Yet U1 can receive; no listen(), no accept(). recvfrom() says who; connect() returned; waits for accept().",
        ) == ["recvfrom", "connect"],
        "calls",
    );
    check(
        call_shown("│#226 U2  connect(127.0.0.1:9)  → 0  │", "connect"),
        "a call's result in the log",
    );
    check(
        call_shown("│#3   U1  accept   → EOPNOTSUPP │", "accept"),
        "accept",
    );
    check(
        call_shown("│#5   C1    ↳ recv(8)  → 8 │", "recv"),
        "a call inside a loop",
    );
    check(
        !call_shown("│#229 U2  send(9)   → 9   one datagram │", "connect"),
        "another call's result",
    );
    let n: Vec<String> = names("EOPNOTSUPP for both; ListenOverflows and snd_wnd, not TCP_DEFER_ACCEPT, BrokenPipeError, ESTABLISHED or 8 KiB.")
        .into_iter()
        .map(|c| c.text)
        .collect();
    check(
        n == ["EOPNOTSUPP", "ListenOverflows", "snd_wnd"],
        &format!("names: {n:?}"),
    );
    failures
}
