//! `run --markdown LESSON --figures DIR`: SVG figures beside the handout,
//! linked from it, drawn from the run's own segments and kernel views;
//! black and white, with axes, labels and units. Each figure is read back
//! with python3's XML parser, as a browser or a converter would.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sockplay-figures-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The handout and what stderr said, with figures in `dir`.
fn handout(lesson: &str, dir: &Path) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", "--markdown", lesson, "--figures"])
        .arg(dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{lesson}: {err}");
    (String::from_utf8(out.stdout).unwrap(), err)
}

/// The image links of a handout: (alternative text, path).
fn links(md: &str) -> Vec<(String, String)> {
    md.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("![")?;
            let (alt, rest) = rest.split_once("](")?;
            Some((alt.to_string(), rest.strip_suffix(')')?.to_string()))
        })
        .collect()
}

/// Every text in an SVG, and every colour it paints with, read by python3.
fn svg_texts_and_colours(path: &str) -> (Vec<String>, Vec<String>) {
    let program = r#"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == '{http://www.w3.org/2000/svg}svg', root.tag
for e in root.iter():
    if e.text and e.text.strip():
        print('T', e.text.strip())
    for a in ('fill', 'stroke'):
        if a in e.attrib:
            print('C', e.attrib[a])
"#;
    let out = Command::new("python3")
        .args(["-c", program, path])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let pick = |tag: &str| {
        text.lines()
            .filter_map(|l| l.strip_prefix(tag))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    (pick("T "), pick("C "))
}

/// Black, white, greys and nothing else: the figure prints as it shows.
fn assert_grey(path: &str, colours: &[String]) {
    for c in colours {
        let grey = match c.as_str() {
            "white" | "none" | "black" => true,
            c => c
                .strip_prefix("rgb(")
                .and_then(|c| c.strip_suffix(')'))
                .map(|c| c.split(',').collect::<Vec<_>>())
                .is_some_and(|v| v.len() == 3 && v[0] == v[1] && v[1] == v[2]),
        };
        assert!(grey, "{path}: colour {c}");
    }
}

#[test]
fn flow_control_gets_ladders_and_time_sequence_graphs_its_handout_links() {
    let dir = scratch("flow-control");
    let (md, err) = handout("flow-control", &dir);
    let links = links(&md);
    let files: Vec<&str> = links.iter().map(|(_, p)| p.as_str()).collect();
    // The handshake in the first step, the window opening in the sixth;
    // what lands in the steps between depends on when the kernel probes.
    for n in [1, 6] {
        let ladder = format!("{}/0{n}-ladder.svg", dir.display());
        assert!(
            files.contains(&ladder.as_str()),
            "no ladder for step {n}: {files:?}"
        );
    }
    assert!(
        files.iter().any(|f| f.ends_with("01-time-sequence.svg")),
        "{files:?}"
    );
    // Each step's figures come at its end, before the next step's heading.
    let at = |s: &str| md.find(s).unwrap_or_else(|| panic!("no {s} in\n{md}"));
    assert!(at("01-ladder.svg") < at("## 2. "));
    assert!(at("## 1. ") < at("01-ladder.svg"));
    // No file in the directory that the handout does not link.
    let mut written: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    written.sort();
    let mut linked: Vec<String> = files.iter().map(|s| s.to_string()).collect();
    linked.sort();
    assert_eq!(written, linked);
    assert!(
        err.contains(&format!("{} figures in {}", files.len(), dir.display())),
        "{err}"
    );
    let (mut probes, mut zero_windows) = (0, 0);
    for (alt, path) in &links {
        assert!(!alt.is_empty());
        let (texts, colours) = svg_texts_and_colours(path);
        assert_grey(path, &colours);
        if path.ends_with("ladder.svg") {
            assert!(
                texts.iter().any(|t| t == "C1") && texts.iter().any(|t| t == "A1"),
                "{path}: {texts:?}"
            );
            assert!(texts.iter().any(|t| t == "time (s)"), "{path}");
            zero_windows += texts
                .iter()
                .filter(|t| t.contains("win 0 (zero window)") || t.contains("→ 0"))
                .count();
        }
        if path.ends_with("time-sequence.svg") {
            for label in [
                "time since the step began (s)",
                "C1's sequence number (bytes)",
            ] {
                assert!(
                    texts.iter().any(|t| t == label),
                    "{path}: no axis label {label}"
                );
            }
            assert!(
                texts
                    .iter()
                    .any(|t| t.ends_with("KiB") || t.ends_with("MiB")),
                "{path}: no byte ticks"
            );
            probes += texts.iter().filter(|t| *t == "probe").count();
        }
    }
    // The receiver's window shut: the sender probed it, and the graphs say so.
    assert!(probes > 0, "no zero-window probe marked");
    // The first step's ladder begins with the handshake it ran.
    let (texts, _) = svg_texts_and_colours(&format!("{}/01-ladder.svg", dir.display()));
    assert!(
        texts.iter().any(|t| t.starts_with("[S] seq 0 win")),
        "{texts:?}"
    );
    assert!(zero_windows > 0, "no ladder shows the zero window");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn backlog_gets_its_queues_over_time() {
    let dir = scratch("backlog");
    let (md, _) = handout("backlog", &dir);
    let links = links(&md);
    let queues: Vec<&str> = links
        .iter()
        .map(|(_, p)| p.as_str())
        .filter(|p| p.ends_with("queues.svg"))
        .collect();
    // Step 1 checks L1's queue: its figure, with the limit the kernel made of backlog 2.
    let first = format!("{}/01-queues.svg", dir.display());
    assert!(queues.contains(&first.as_str()), "{queues:?}");
    let (texts, colours) = svg_texts_and_colours(&first);
    assert_grey(&first, &colours);
    for t in [
        "L1",
        "accept queue full: 3",
        "connections",
        "time since the step began (s)",
    ] {
        assert!(texts.iter().any(|x| x == t), "{first}: no {t}: {texts:?}");
    }
    // Step 6 checks no queue (it shows a backlog above somaxconn): no figure of them.
    assert!(
        !queues.iter().any(|p| p.ends_with("06-queues.svg")),
        "{queues:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_figures_the_handout_links_none_and_a_bad_directory_is_one_line() {
    let script = std::env::temp_dir().join(format!("sockplay-figures-{}.sp", std::process::id()));
    std::fs::write(&script, "step \"One\"\nlisten\nconnect L1\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", "--markdown"])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("!["));
    let out = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", "--markdown", "--figures", "/proc/sockplay-figures"])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("sockplay: --figures /proc/sockplay-figures: "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", "--figures", "figs"])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--figures needs --markdown");
    let _ = std::fs::remove_file(&script);
}
