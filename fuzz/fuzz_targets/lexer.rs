//! The lexer with control bytes: any line, valid UTF-8 or not (the shell
//! takes bytes that are not UTF-8 as `\xNN`), never makes it panic, and
//! whatever it says about the line, once escaped for the terminal, is one
//! line with no control character, C1 control or bidirectional mark in it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockplay::lab::preview::{escape, escape_text, is_unsafe};

fn clean(text: &str) {
    let shown = escape_text(text);
    assert!(!shown.chars().any(is_unsafe), "{shown:?}");
}

fuzz_target!(|data: &[u8]| {
    let mut line = String::new();
    for chunk in data.utf8_chunks() {
        line.push_str(chunk.valid());
        line.push_str(&escape(chunk.invalid()));
    }
    match sockplay::script::lexer::tokenize(&line) {
        Ok(tokens) => {
            for t in &tokens {
                clean(&t.text);
                clean(&String::from_utf8_lossy(&t.bytes));
            }
        }
        Err(e) => clean(&e.message),
    }
    match sockplay::script::parse_line(&line) {
        Ok(_) => {}
        Err(e) => clean(&format!("{line}: {e}")),
    }
});
