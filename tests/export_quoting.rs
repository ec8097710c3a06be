//! One quoting function per target language, each checked against the
//! real reader of that language: any text through sockplay's Python
//! literals comes back the same from python3, and through its Markdown
//! quoting the same from a CommonMark parser, as text and nothing else.

use std::io::Write;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use sockplay::lab::preview::escape_text;
use sockplay::script::commonmark;
use sockplay::script::python::{bytes_literal, str_literal};

/// Text that is mostly the characters markup and quoting are made of.
fn tricky() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ \\\\`*_\\[\\]<>&~|#+=.)(!:'\"0-9a-z\t\n\r\u{0}\u{1b}\u{9b}\u{202e}é-]{0,40}",
        any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

/// Evaluates each `(literal, wanted hex)` pair in python3; the first that
/// differs, if any.
fn python_disagrees(pairs: &[(String, String)]) -> Option<String> {
    let program = "import json, sys\n\
        for lit, want in json.load(sys.stdin):\n    \
            v = eval(lit)\n    \
            got = (v if isinstance(v, bytes) else v.encode('utf-8', 'surrogatepass')).hex()\n    \
            if got != want:\n        \
                print(lit, got, want); sys.exit(1)\n";
    let mut child = Command::new("python3")
        .args(["-c", program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs (.ci/run installs it)");
    let input = serde_json::to_string(pairs).unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (!out.status.success()).then(|| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// CommonMark, and CommonMark with the extensions GitHub renders
/// (tables, strikethrough, task lists, footnotes).
fn dialects() -> [Options; 2] {
    [
        Options::empty(),
        Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_GFM,
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn python_literals_read_back_the_same(
        texts in prop::collection::vec(tricky(), 1..40),
        blobs in prop::collection::vec(any::<Vec<u8>>(), 1..20),
    ) {
        let mut pairs = Vec::new();
        for t in &texts {
            let lit = str_literal(t);
            // Printable ASCII: the program prints safely on any terminal.
            prop_assert!(lit.bytes().all(|b| (0x20..0x7f).contains(&b)), "{lit}");
            pairs.push((lit, hex(t.as_bytes())));
        }
        for b in &blobs {
            let lit = bytes_literal(b);
            prop_assert!(lit.bytes().all(|b| (0x20..0x7f).contains(&b)), "{lit}");
            pairs.push((lit, hex(b)));
        }
        if let Some(e) = python_disagrees(&pairs) {
            prop_assert!(false, "python3 read a literal otherwise: {e}");
        }
    }

    #[test]
    fn markdown_text_renders_as_itself(text in tricky()) {
        let shown = escape_text(&text).into_owned();
        let docs = [commonmark::text(&text), format!("# {}", commonmark::text(&text))];
        for (doc, options) in docs.iter().flat_map(|d| dialects().map(|o| (d, o))) {
            let mut got = String::new();
            for ev in Parser::new_ext(doc, options) {
                match ev {
                    Event::Text(t) => got.push_str(&t),
                    Event::Start(Tag::Paragraph | Tag::Heading { .. })
                    | Event::End(TagEnd::Paragraph | TagEnd::Heading(_)) => {}
                    other => prop_assert!(false, "{other:?} from {doc:?}"),
                }
            }
            prop_assert_eq!(&got, &shown, "{:?}", doc);
        }
    }

    #[test]
    fn a_code_line_never_leaves_its_block(text in tricky(), fence in "[` ]{0,8}") {
        let line = commonmark::code_line(&format!("{fence}{text}"));
        let doc = format!("```text\n{line}\n```\n\nafter\n");
        let want = vec![
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced("text".into()))),
            Event::Text(format!("{line}\n").into()),
            Event::End(TagEnd::CodeBlock),
            Event::Start(Tag::Paragraph),
            Event::Text("after".into()),
            Event::End(TagEnd::Paragraph),
        ];
        for options in dialects() {
            let events: Vec<Event> = Parser::new_ext(&doc, options).collect();
            prop_assert_eq!(&events, &want, "{:?}", doc);
        }
    }
}
