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
fn words(note: &str) -> Vec<String> {
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
