//! The system calls that the standard library, socket2 and rustix do not
//! wrap, one small module per concern. Each `unsafe` block here says in a
//! SAFETY comment why it is sound; the modules above call safe functions.
//!
//! This layer imports nothing else of the crate, and every other layer may
//! import it.

pub mod arenas;
pub mod getaddrinfo;
pub mod ifreq;
pub mod loopback;
pub mod netlink;
pub mod netns;
pub mod packet;
pub mod priority;
pub mod sockopt;
pub mod task;
pub mod tun;
pub mod veth;
