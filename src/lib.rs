//! sockplay: a socket playground.
//!
//! Real TCP sockets, driven one call at a time through a small command
//! language, with the kernel's view of them read live.
//!
//! - [`lab`] owns the sockets and runs the calls;
//! - [`kernel`] reads what the kernel holds for them;
//! - [`script`] parses the command language and runs scripts headless;
//! - [`tui`] is the terminal front end.

pub mod kernel;
pub mod lab;
pub mod script;
pub mod tui;
pub mod wire;
