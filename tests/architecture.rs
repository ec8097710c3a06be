//! The layers, kept visible: the engine (`lab`), the kernel view
//! (`kernel`), the wire (`wire`, and the lab's own `link` when it comes)
//! and the command language (`script`) never reach the terminal, so that
//! `sockplay run` and the TUI are two front ends on one engine; the
//! dependencies run one way (`tui` → `script` → `kernel`, `wire`, `link` →
//! `lab` → `sys`); and the files stay small enough to hold one idea each.
//!
//! One crate, checked by this test rather than split into a workspace of
//! crates that the compiler would keep apart: the test reads every `use`
//! (grouped, nested, renamed, through `super`) and every `crate::` path,
//! which is what a split would enforce, without moving every file while
//! others work on them.

use std::path::Path;

/// The crate's top modules, each with the ones it may import. `sys` (the
/// system calls no crate wraps) is below them all.
const LAYERS: [(&str, &[&str]); 7] = [
    ("sys", &[]),
    ("lab", &["sys"]),
    ("kernel", &["sys", "lab"]),
    ("wire", &["sys", "lab"]),
    ("link", &["sys", "lab", "wire"]),
    ("script", &["sys", "lab", "kernel", "wire", "link"]),
    ("tui", &["sys", "lab", "kernel", "wire", "link", "script"]),
];

/// Crates that draw on a terminal: only `tui` (and `main.rs`) use them.
const TERMINAL_CRATES: [&str; 3] = ["ratatui", "crossterm", "tui_input"];

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }
    out
}

/// The text with comments, string and char literals blanked out (lines
/// kept), so that a path in a doc comment or a message is not code.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let blank = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.extend(bytes.iter().map(|&c| if c == b'\n' { b'\n' } else { b' ' }));
    };
    let mut i = 0;
    while i < b.len() {
        let word_before = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        let end = if b[i..].starts_with(b"//") {
            b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p)
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            let mut j = i;
            while j < b.len() {
                if b[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if b[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            j
        } else if b[i] == b'r' && !word_before && matches!(b.get(i + 1), Some(b'"' | b'#')) {
            // A raw string: r"…", r#"…"#.
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            let open = i + 1 + hashes;
            if b.get(open) != Some(&b'"') {
                out.push(b[i]);
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            b[open + 1..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(b.len(), |p| open + 1 + p + close.len())
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            (j + 1).min(b.len())
        } else if b[i] == b'\'' && b.get(i + 1) == Some(&b'\\') {
            // An escaped char literal: '\n', '\'', '\x41', '\u{…}'.
            b[i + 3..]
                .iter()
                .position(|&c| c == b'\'')
                .map_or(b.len(), |p| i + 4 + p)
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            i + 3
        } else {
            out.push(b[i]);
            i += 1;
            continue;
        };
        blank(&mut out, &b[i..end]);
        i = end;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The module path of a source file under `src/` (`src/lab/open.rs` →
/// `["lab", "open"]`, `src/lab/mod.rs` → `["lab"]`).
fn module_of(path: &str) -> Vec<String> {
    let rel = path.split("/src/").last().unwrap().trim_end_matches(".rs");
    let mut parts: Vec<String> = rel.split('/').map(String::from).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Tokens of code, with their byte offsets: names, `::`, `{`, `}`, `,`,
/// `*`, `;` (the rest is dropped).
fn tokens(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut word = c.to_string();
            while let Some(&(_, n)) = chars
                .peek()
                .filter(|(_, n)| n.is_alphanumeric() || *n == '_')
            {
                word.push(n);
                chars.next();
            }
            out.push((at, word));
        } else if c == ':' && chars.peek().is_some_and(|&(_, n)| n == ':') {
            chars.next();
            out.push((at, "::".into()));
        } else if "{},*;".contains(c) {
            out.push((at, c.to_string()));
        }
    }
    out
}

/// Every path a `use` tree names, each as its segments
/// (`crate::{tui, lab::{a, b}}` → `crate::tui`, `crate::lab::a`, `crate::lab::b`).
fn use_paths(t: &[String]) -> Vec<Vec<String>> {
    fn walk(t: &[String], at: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
        let mut path = prefix.to_vec();
        while *at < t.len() {
            match t[*at].as_str() {
                "::" => *at += 1,
                "{" => {
                    *at += 1;
                    while *at < t.len() && t[*at] != "}" {
                        walk(t, at, &path, out);
                        if *at < t.len() && t[*at] == "," {
                            *at += 1;
                        }
                    }
                    *at += 1;
                    return;
                }
                "," | "}" => break,
                "as" => *at += 2,
                word => {
                    path.push(word.to_string());
                    *at += 1;
                }
            }
        }
        out.push(path);
    }
    let mut out = Vec::new();
    let mut at = 0;
    while at < t.len() {
        walk(t, &mut at, &[], &mut out);
        at += 1;
    }
    out
}

/// Every path in the code that may name another module, with its line:
/// each `use` tree expanded, and each `crate::…` or `super::…` path
/// written in place.
fn paths_in(code: &str) -> Vec<(usize, Vec<String>)> {
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let t = tokens(code);
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        let (at, w) = (&t[i].0, t[i].1.as_str());
        if w == "use" {
            let end = t[i..]
                .iter()
                .position(|(_, s)| s == ";")
                .map_or(t.len(), |p| i + p);
            let tree: Vec<String> = t[i + 1..end].iter().map(|(_, s)| s.clone()).collect();
            out.extend(use_paths(&tree).into_iter().map(|p| (line_of(*at), p)));
            i = end + 1;
            continue;
        }
        let starts = (w == "crate" || w == "super")
            && (i == 0 || t[i - 1].1 != "::")
            && t.get(i + 1).is_some_and(|(_, n)| n == "::");
        if starts {
            let path: Vec<String> = t[i..]
                .iter()
                .map(|(_, s)| s.clone())
                .take_while(|s| !matches!(s.as_str(), "{" | "}" | "," | ";" | "*"))
                .filter(|s| s != "::")
                .collect();
            out.push((line_of(*at), path));
        }
        i += 1;
    }
    out
}

/// The top module a path reaches from `module` (`super` resolved), or the
/// external crate it names.
fn top_of(module: &[String], path: &[String]) -> Option<String> {
    let first = path.first()?;
    if first == "crate" {
        return path.get(1).cloned();
    }
    if first == "super" || first == "self" {
        let ups = path.iter().take_while(|s| *s == "super").count();
        let mut abs: Vec<String> = module[..module.len().saturating_sub(ups)].to_vec();
        abs.extend(path[ups..].iter().filter(|s| *s != "self").cloned());
        return abs.first().cloned();
    }
    Some(first.clone())
}

/// The imports in `text` (the file `path`, in the top module `layer`) that
/// go against the layers: a line each.
fn crossings(layer: &str, path: &str, text: &str) -> Vec<String> {
    let allowed = LAYERS
        .iter()
        .find(|(name, _)| *name == layer)
        .map_or(&[][..], |(_, may)| *may);
    let module = module_of(path);
    let mut out = Vec::new();
    for (line, p) in paths_in(&code_only(text)) {
        let Some(top) = top_of(&module, &p) else {
            continue;
        };
        let other_layer = LAYERS.iter().any(|(name, _)| *name == top) && top != layer;
        let terminal = layer != "tui" && TERMINAL_CRATES.contains(&top.as_str());
        if (other_layer && !allowed.contains(&top.as_str())) || terminal {
            out.push(format!("{path}:{line}: {layer} → {top} ({})", p.join("::")));
        }
    }
    out
}

#[test]
fn the_layers_import_one_way_and_only_tui_draws() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut files = 0;
    for (layer, _) in LAYERS {
        for (path, text) in sources(&root.join(layer)) {
            files += 1;
            found.extend(crossings(layer, &path, &text));
        }
    }
    assert!(files > 100, "read {files} files: the tree moved?");
    assert!(found.is_empty(), "imports against the layers: {found:#?}");
}

/// The checker itself: what it must catch, and what it must let be.
#[test]
fn the_check_sees_grouped_nested_and_super_imports() {
    let lab = "/x/src/lab/open.rs";
    for bad in [
        "use crate::{tui};",
        "use crate::{lab::x, tui::App};",
        "use crate::{\n    kernel,\n    tui::{self, app::App},\n};",
        "pub(crate) use crate::{wire::Segment as S};",
        "use super::super::tui::App;",
        "use crate::wire;",
        "fn f() { crate::tui::draw(); }",
        "fn f() { let _ = super::super::script::parse(\"x\"); }",
        "use ratatui::Frame;",
        "use {std::io, crossterm::event};",
    ] {
        assert!(!crossings("lab", lab, bad).is_empty(), "missed: {bad}");
    }
    for fine in [
        "use super::record::Recorder;",
        "use crate::lab::Call;",
        "use std::{io, net::{SocketAddr, Ipv4Addr}};",
        "// use crate::tui;\nfn f() {}",
        "/// See [`crate::tui`].\nfn f() {}",
        "fn f() -> &'static str { \"crate::tui::App\" }",
        "fn g<'a>(x: &'a str) -> char { let _ = x; '\\'' }",
    ] {
        assert!(crossings("lab", lab, fine).is_empty(), "flagged: {fine}");
    }
    // The direction: the wire may use the lab, the lab not the wire.
    assert!(
        crossings(
            "wire",
            "/x/src/wire/flow.rs",
            "use crate::lab::{Call, SockName};"
        )
        .is_empty()
    );
    assert_eq!(
        crossings("lab", lab, "use crate::{wire::Segment};").len(),
        1
    );
    // script may not draw either.
    assert!(
        !crossings(
            "script",
            "/x/src/script/show.rs",
            "use crate::{tui::theme};"
        )
        .is_empty()
    );
    // A line number points at the import.
    let found = crossings("lab", lab, "use std::io;\n\nuse crate::{\n    tui,\n};\n");
    assert_eq!(found, [format!("{lab}:3: lab → tui (crate::tui)")]);
}

/// The most lines a source file may have: past this, a file usually holds
/// two ideas and reads better as two files.
const MAX_LINES: usize = 700;

#[test]
fn no_source_file_holds_two_ideas_worth_of_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut long = Vec::new();
    for dir in ["src", "tests", "benches"] {
        for (path, text) in sources(&root.join(dir)) {
            let lines = text.lines().count();
            if lines > MAX_LINES {
                long.push(format!("{path}: {lines} lines"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines; split along the file's seams: {long:#?}"
    );
}

/// The module path a path in `module` reaches, `crate`, `super` and `self`
/// resolved (`super::view::areas` in `tui::rows` → `tui::view::areas`).
fn absolute(module: &[String], path: &[String]) -> Vec<String> {
    match path.first().map(String::as_str) {
        Some("crate") => path[1..].to_vec(),
        Some("super" | "self") => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            let mut abs: Vec<String> = module[..module.len().saturating_sub(ups)].to_vec();
            abs.extend(path[ups..].iter().filter(|s| *s != "self").cloned());
            abs
        }
        _ => path.to_vec(),
    }
}

/// The places in `text` (the file `path`) that reach the TUI's drawing
/// code: a line each.
fn view_calls(path: &str, text: &str) -> Vec<String> {
    let module = module_of(path);
    paths_in(&code_only(text))
        .into_iter()
        .filter(|(_, p)| absolute(&module, p).starts_with(&["tui".to_string(), "view".to_string()]))
        .map(|(line, p)| format!("{path}:{line}: {}", p.join("::")))
        .collect()
}

/// The TUI's state (the App, its keys, rows, lesson and kernel view) never
/// calls into the drawing code: it is told the layout, measured once per
/// turn of the loop, and keeps its offsets within it. Only the drawing
/// code and the loops that draw (`tui/mod.rs`, `tui/headless.rs`) reach
/// `tui::view`.
#[test]
fn the_tui_state_never_calls_into_the_view() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
    let mut found = Vec::new();
    for (path, text) in sources(&root) {
        let drawing = path.contains("/tui/view/")
            || path.ends_with("/tui/mod.rs")
            || path.ends_with("/tui/headless.rs");
        if !drawing {
            found.extend(view_calls(&path, &text));
        }
    }
    assert!(
        found.is_empty(),
        "state calls into the view:\n{}",
        found.join("\n")
    );
    // The check sees a call written in place, a grouped import and one
    // through `crate`, and lets the layout's own module by.
    let rows = "/x/src/tui/rows.rs";
    for seen in [
        "fn f() { let a = super::view::areas(self, 1, 2); }",
        "use super::{app::App, view::connections};",
        "use crate::tui::view;",
    ] {
        assert_eq!(view_calls(rows, seen).len(), 1, "{seen}");
    }
    for unseen in [
        "use super::layout::Areas;",
        "fn f(a: &App) { a.view(n); }",
        "// super::view::areas\nfn f() {}",
    ] {
        assert!(view_calls(rows, unseen).is_empty(), "{unseen}");
    }
}

/// At most this many `unsafe` blocks in `src`: each one is a promise checked
/// by reading, so the count only goes down.
const MAX_UNSAFE_BLOCKS: usize = 35;

#[test]
fn unsafe_blocks_are_few_and_each_says_why_it_is_sound() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut blocks, mut unexplained) = (0, Vec::new());
    for (path, text) in sources(&root.join("src")) {
        let code = code_only(&text);
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in code.lines().enumerate() {
            let n = line.matches("unsafe {").count();
            if n == 0 {
                continue;
            }
            blocks += n;
            // The comment sits above the block, after the statement before
            // it (an attribute or the statement's first line may come
            // between).
            let explained = lines[..i]
                .iter()
                .rev()
                .take_while(|l| {
                    let t = l.trim();
                    t.starts_with("//")
                        || !(t.ends_with(';') || t.ends_with('}') || t.ends_with('{'))
                })
                .any(|l| l.contains("SAFETY:"));
            if !explained {
                unexplained.push(format!("{path}:{}", i + 1));
            }
        }
    }
    assert!(
        unexplained.is_empty(),
        "unsafe blocks without a `// SAFETY:` comment just above: {unexplained:#?}"
    );
    assert!(
        blocks <= MAX_UNSAFE_BLOCKS,
        "{blocks} unsafe blocks in src; at most {MAX_UNSAFE_BLOCKS}"
    );
}

/// The identifier `s` ends with (`"mod needs_root"` → `"needs_root"`).
fn last_word(s: &str) -> &str {
    let start = s
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |p| p + 1);
    &s[start..]
}

/// The tests ignored for a missing precondition (`ignore = "needs root: …"`)
/// that do not sit in a module named for it (`mod needs_root`), by line.
/// `cargo test -- --list --ignored` prints only a test's path, so the
/// module is what tells a reader there what the test needs.
fn misplaced_ignores(text: &str) -> Vec<String> {
    let code = code_only(text);
    let b = code.as_bytes();
    // The module each open brace starts, if it starts one.
    let mut open: Vec<Option<&str>> = Vec::new();
    let mut out = Vec::new();
    for at in 0..b.len() {
        match b[at] {
            b'{' => {
                let before = code[..at].trim_end();
                let word = last_word(before);
                let keyword = before[..before.len() - word.len()].trim_end();
                let is_mod = !word.is_empty() && last_word(keyword) == "mod";
                open.push(is_mod.then_some(word));
            }
            b'}' => {
                open.pop();
            }
            b'i' if code[at..].starts_with("ignore") && last_word(&code[..at]).is_empty() => {
                let attr = text[at + "ignore".len()..].trim_start();
                let Some(reason) = attr
                    .strip_prefix('=')
                    .map(str::trim_start)
                    .and_then(|a| a.strip_prefix("\"needs "))
                else {
                    continue;
                };
                let need: String = reason
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let wanted = format!("needs_{need}");
                if open.last().copied().flatten() != Some(wanted.as_str()) {
                    let line = text[..at].lines().count();
                    out.push(format!("line {line}: not in `mod {wanted}`"));
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_test_ignored_for_a_precondition_sits_in_a_module_named_for_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut misplaced = Vec::new();
    for (path, text) in sources(&root.join("tests")) {
        for m in misplaced_ignores(&text) {
            misplaced.push(format!("{path}: {m}"));
        }
    }
    assert!(
        misplaced.is_empty(),
        "`cargo test -- --list --ignored` would not say what these need: {misplaced:#?}"
    );
}

#[test]
fn the_ignore_check_sees_a_test_outside_its_module() {
    let inside = "mod needs_root {\n    use super::*;\n\n    \
                  #[cfg_attr(not(ci), ignore = \"needs root: x\")]\n    \
                  #[test]\n    fn t() {}\n}\n";
    assert!(misplaced_ignores(inside).is_empty());
    for bad in [
        "#[ignore = \"needs root: x\"]\n#[test]\nfn t() {}\n",
        "mod needs_python3 {\n    #[ignore = \"needs root: x\"]\n    fn t() {}\n}\n",
        "mod needs_root {\n    fn f() {}\n}\n#[cfg_attr(not(ci), ignore = \"needs root: x\")]\nfn t() {}\n",
        "mod needs_root {\n    fn f() {\n        #[ignore = \"needs root: x\"]\n        fn t() {}\n    }\n}\n",
    ] {
        assert_eq!(misplaced_ignores(bad).len(), 1, "{bad}");
    }
    let quoted = "/// `ignore = \"needs root: …\"`\nfn f() {\n    let _ = \"ignore = \\\"needs root\\\"\";\n}\n";
    assert!(misplaced_ignores(quoted).is_empty());
}
