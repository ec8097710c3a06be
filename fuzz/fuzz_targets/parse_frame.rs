//! The wire's packet parser and connection tracking on arbitrary bytes:
//! every frame a capture could deliver is read or refused, never a panic.
//! The input is cut into frames at each 0xff byte, so that one run
//! follows a connection through many segments.

#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use sockplay::lab::CallMark;
use sockplay::wire::flow::Flows;
use sockplay::wire::names::Ends;
use sockplay::wire::parse::parse_frame;

fuzz_target!(|data: &[u8]| {
    let mut flows = Flows::default();
    let calls: Vec<CallMark> = Vec::new();
    let ends = Ends {
        from: None,
        to: None,
    };
    for (i, frame) in data.split(|&b| b == 0xff).enumerate().take(256) {
        if let Ok(h) = parse_frame(frame) {
            let seg = flows.segment(&h, Duration::from_millis(i as u64), ends, &calls);
            let _ = seg.line();
        }
    }
});
