//! The layers, kept visible: the engine (`lab`), the kernel view
//! (`kernel`) and the command language (`script`) never reach the terminal,
//! so that `sockplay run` and the TUI are two front ends on one engine;
//! and the files stay small enough to hold one idea each.

use std::path::Path;

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
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

#[test]
fn the_engine_knows_nothing_of_the_terminal() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut crossings = Vec::new();
    for layer in ["lab", "kernel", "script"] {
        for (path, text) in sources(&root.join(layer)) {
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                if ["crate::tui", "ratatui", "crossterm", "tui_input"]
                    .iter()
                    .any(|t| code.contains(t))
                {
                    crossings.push(format!("{path}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(crossings.is_empty(), "{crossings:#?}");
    // And the engine stays below the kernel view.
    for (path, text) in sources(&root.join("lab")) {
        assert!(
            !text.contains("crate::kernel") && !text.contains("crate::script"),
            "{path} reaches up"
        );
    }
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
