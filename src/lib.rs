//! sockplay: a socket playground.
//!
//! Real TCP sockets, driven one call at a time through a small command
//! language, with the kernel's view of them read live.
//!
//! - [`lab`] owns the sockets and runs the calls;
//! - [`kernel`] reads what the kernel holds for them;
//! - [`script`] parses the command language and runs scripts headless;
//! - [`wire`] captures the lab's segments and tells what caused each;
//! - [`link`] puts a network with distance (delay, rate, loss) between the lab's clients and listeners;
//! - [`tui`] is the terminal front end;
//! - [`sys`] holds the system calls the others need that no crate wraps.

pub mod kernel;
pub mod lab;
pub mod link;
pub mod script;
pub mod sys;
pub mod tui;
pub mod wire;
