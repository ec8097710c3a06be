//! No line of input makes the command-language parser panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sockplay::script::parse_line(text);
        let _ = sockplay::script::parse_script(text);
    }
});
