//! `sockplay completions`, `sockplay man` and `--version` as a user meets
//! them: the bash completion loaded into a real bash and asked to complete,
//! the manual page rendered by `man -l`.

use std::process::{Command, Output};

fn sockplay(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(args)
        .output()
        .expect("sockplay runs");
    assert!(out.status.success(), "sockplay {args:?}: {out:?}");
    out
}

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sockplay-shell-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The subcommands a user can type, from `--help`.
const SUBCOMMANDS: [&str; 7] = [
    "run",
    "shell",
    "lessons",
    "lesson",
    "completions",
    "man",
    "help",
];

#[test]
fn version_says_the_packages_version() {
    let out = sockplay(&["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("sockplay {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bash_loads_the_completion_and_completes_subcommands_and_options() {
    let script = temp_file("sockplay.bash", &sockplay(&["completions", "bash"]).stdout);
    // As bash calls it on Tab: the words so far, the index of the one
    // being completed; COMPREPLY holds the candidates.
    let probe = format!(
        r#"source {}
complete -p sockplay
complete_words() {{ COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${{#COMP_LINE}}; COMPREPLY=(); _sockplay sockplay "${{COMP_WORDS[-1]}}" "${{COMP_WORDS[-2]}}"; echo "${{COMPREPLY[*]}}"; }}
complete_words sockplay ""
complete_words sockplay run --
complete_words sockplay --theme ""
complete_words sockplay completions ""
"#,
        script.display()
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &probe])
        .output()
        .expect("bash runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0], "complete -o bashdefault -o default -o nosort -F _sockplay sockplay",
        "{text}"
    );
    let words = |i: usize| lines[i].split(' ').collect::<Vec<_>>();
    for sub in SUBCOMMANDS {
        assert!(
            words(1).contains(&sub),
            "`sockplay <Tab>` lacks {sub}: {text}"
        );
    }
    for opt in ["--json", "--markdown", "--wire", "--python", "--settle"] {
        assert!(
            words(2).contains(&opt),
            "`sockplay run --<Tab>` lacks {opt}: {text}"
        );
    }
    assert_eq!(words(3), ["dark", "light", "contrast"], "{text}");
    for shell in ["bash", "zsh", "fish"] {
        assert!(words(4).contains(&shell), "{text}");
    }
}

#[test]
fn zsh_and_fish_completions_know_every_subcommand() {
    for shell in ["zsh", "fish"] {
        let text = String::from_utf8(sockplay(&["completions", shell]).stdout).unwrap();
        for sub in SUBCOMMANDS {
            assert!(text.contains(sub), "{shell} completion lacks {sub}");
        }
        assert!(text.contains("contrast"), "{shell}: no theme names");
    }
    let zsh = String::from_utf8(sockplay(&["completions", "zsh"]).stdout).unwrap();
    assert!(zsh.starts_with("#compdef sockplay\n"), "{zsh}");
}

#[test]
fn an_unknown_shell_is_one_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: invalid value 'tcsh'"), "{err}");
}

#[test]
fn man_renders_the_page_with_every_command() {
    let page = temp_file("sockplay.1", &sockplay(&["man"]).stdout);
    let out = Command::new("man")
        .arg("--warnings")
        .arg("-l")
        .arg(&page)
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .expect("man runs (package man-db, with groff)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "man warns: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for heading in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "COMMANDS",
        "ENVIRONMENT",
        "VERSION",
    ] {
        assert!(
            text.lines().any(|l| l == heading),
            "no {heading} section:\n{text}"
        );
    }
    for sub in SUBCOMMANDS.iter().filter(|s| **s != "help") {
        assert!(
            text.contains(&format!("sockplay {sub}")),
            "no sockplay {sub}:\n{text}"
        );
    }
    for word in ["--theme", "SOCKPLAY_THEME", "NO_COLOR", "--markdown"] {
        assert!(text.contains(word), "no {word}:\n{text}");
    }
    // man may hyphenate at its width; no line runs past it.
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
}
