//! The reference in docs/ covers the whole language, and what sockplay
//! prints names no document a user does not have.

use std::process::Command;

use sockplay::kernel::fields;
use sockplay::script::expect::RESULT_FIELDS;
use sockplay::script::help::COMMANDS;

fn reference() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reference.md"))
        .expect("docs/reference.md")
}

#[test]
fn the_reference_has_every_command_and_field() {
    let doc = reference();
    for c in COMMANDS {
        assert!(
            doc.contains(&format!("### `{}`", c.name)),
            "docs/reference.md has no section `### `{}``",
            c.name
        );
        assert!(
            doc.contains(c.usage),
            "docs/reference.md lacks the usage line of {}: {}",
            c.name,
            c.usage
        );
    }
    for f in RESULT_FIELDS.iter().copied().chain(fields::names()) {
        assert!(
            doc.contains(&format!("| `{f}` |")),
            "docs/reference.md has no row for the expect field `{f}`"
        );
    }
}

#[test]
fn help_names_no_document_users_lack() {
    let exe = env!("CARGO_BIN_EXE_sockplay");
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["shell", "--help"],
        &["lesson", "--help"],
    ] {
        let out = Command::new(exe)
            .args(args)
            .output()
            .expect("sockplay runs");
        let text = String::from_utf8_lossy(&out.stdout);
        // No design document by name, no section sign, no path outside
        // the repository.
        for word in ["SPEC", "DESIGN", "STYLE", "§", "../"] {
            assert!(
                !text.contains(word),
                "sockplay {args:?} names {word}:\n{text}"
            );
        }
    }
}
