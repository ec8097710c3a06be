//! Which of the prelude's helpers a program uses, and which modules: a
//! program carries only those, so that nothing in it is unused.

use std::collections::BTreeSet;

/// The modules a program may import, in the order it imports them.
const MODULES: &[&str] = &[
    "errno",
    "fcntl",
    "os",
    "select",
    "socket",
    "struct",
    "subprocess",
    "sys",
    "threading",
    "time",
];

/// The names Python code uses: identifiers outside strings and comments,
/// not attributes (`time` in `time.sleep`, not `sleep`).
fn words(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if (c == '"' || c == '\'')
            && chars.get(i + 1) == Some(&c)
            && chars.get(i + 2) == Some(&c)
        {
            i += 3;
            while i + 2 < chars.len() && !(chars[i] == c && chars[i + 1] == c && chars[i + 2] == c)
            {
                i += 1;
            }
            i += 3;
        } else if c == '"' || c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != c && chars[i] != '\n' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            // A string's prefix (b'…') is no name.
            let prefix = matches!(word.as_str(), "b" | "r" | "f")
                && chars.get(i).is_some_and(|c| *c == '\'' || *c == '"');
            if (start == 0 || chars[start - 1] != '.') && !prefix {
                found.insert(word);
            }
        } else {
            i += 1;
        }
    }
    found
}

/// Whether Python code uses a name.
pub fn uses(code: &str, name: &str) -> bool {
    words(code).contains(name)
}

/// The names a block of the prelude defines at its top level.
fn defines(block: &str) -> Vec<String> {
    block
        .lines()
        .filter_map(|l| {
            if let Some(rest) = l.strip_prefix("def ") {
                return Some(vec![rest.split('(').next()?.to_string()]);
            }
            let (lhs, _) = l.split_once(" = ")?;
            let names: Vec<String> = lhs.split(", ").map(str::to_string).collect();
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_alphanumeric() || c == '_'))
                .then_some(names)
        })
        .flatten()
        .collect()
}

/// The prelude's blocks (`#: name` opens each) that `body` needs, and the
/// blocks they need in turn, in the prelude's order, markers taken out.
pub fn needed(prelude: &str, body: &str) -> String {
    let blocks: Vec<String> = prelude
        .split("#: ")
        .filter(|b| !b.trim().is_empty())
        .map(|b| b.split_once('\n').map_or("", |(_, rest)| rest).to_string())
        .collect();
    let mut used = words(body);
    let mut taken = vec![false; blocks.len()];
    loop {
        let mut more = false;
        for (i, block) in blocks.iter().enumerate() {
            if !taken[i] && defines(block).iter().any(|n| used.contains(n)) {
                taken[i] = true;
                used.extend(words(block));
                more = true;
            }
        }
        if !more {
            break;
        }
    }
    let kept: Vec<&str> = blocks
        .iter()
        .zip(&taken)
        .filter(|(_, t)| **t)
        .map(|(b, _)| b.trim())
        .collect();
    kept.join("\n\n\n")
}

/// The modules `code` uses, to import.
pub fn imports(code: &str) -> Vec<&'static str> {
    let used = words(code);
    MODULES
        .iter()
        .copied()
        .filter(|m| used.contains(*m))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_strings_comments_and_attributes_do_not_count() {
        let w = words(
            "x = 'time' # select\ny.errno + b'os' + time.sleep(1)\n\"\"\"struct\nfcntl\"\"\"",
        );
        assert!(w.contains("time") && w.contains("x") && w.contains("y"));
        assert!(!w.contains("select") && !w.contains("errno") && !w.contains("os"));
        assert!(!w.contains("sleep") && !w.contains("b"));
        assert!(!w.contains("struct") && !w.contains("fcntl"));
    }

    #[test]
    fn a_helper_brings_the_helpers_it_calls() {
        let prelude = "#: a\ndef a():\n    return b()\n\n#: b\ndef b():\n    pass\n\n#: c\nC = 1\n";
        let kept = needed(prelude, "a()\n");
        assert!(kept.contains("def a") && kept.contains("def b"));
        assert!(!kept.contains("C = 1"));
    }
}
