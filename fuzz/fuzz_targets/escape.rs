//! Bytes from a peer are escaped to printable ASCII, and read back to the
//! same bytes through the command language's text escapes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let escaped = sockplay::lab::preview::escape(data);
    assert!(escaped.bytes().all(|b| (0x20..0x7f).contains(&b)), "{escaped:?}");
    let tokens = sockplay::script::lexer::tokenize(&format!("note \"{escaped}\"")).unwrap();
    assert_eq!(tokens[1].bytes, data);
});
