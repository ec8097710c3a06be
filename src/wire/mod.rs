//! The wire: every segment between the lab's sockets, tied to the call that
//! caused it.
//!
//! A capture socket (AF_PACKET) on the loopback, with a classic BPF
//! [filter] run in the kernel, reads the lab's segments on a thread of its
//! own; [parse] reads their headers, [flow] follows each connection
//! (relative sequence numbers, window scale, retransmissions, probes) and
//! [cause] names the call behind each segment from the lab's call log.
//! Recent segments are kept in a bounded ring; `--pcap` streams them all
//! to a pcapng file. On the lab's own link, the link hands the wire every
//! packet as it enters, arrives or is dropped ([tap]): segments in flight
//! and drops are known, not guessed.
//!
//! This module knows nothing of terminals.

pub mod capture;
pub mod cause;
pub mod engine;
pub mod filter;
pub mod flow;
pub mod fold;
pub mod link_feed;
pub mod loopback;
pub mod names;
pub mod parse;
pub mod pcap;
pub mod ring;
pub mod segment;
pub mod tap;

pub use capture::{CaptureError, NO_CAPTURE_HINT};
pub use engine::{Wire, WireOptions, WireStats};
pub use pcap::PcapTarget;
pub use segment::{CallRef, Crossing, End, Kernel, Segment};
pub use tap::LinkDrop;
