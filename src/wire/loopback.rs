//! A lab of its own shapes its loopback like a network: MTU 1500, and no
//! TCP segmentation offload (TSO) or generic segmentation offload (GSO),
//! so the kernel cuts data into segments of at most 1448 bytes, as on
//! Ethernet, instead of handing 64 KiB at once to the loopback.

use std::io;

use crate::sys::loopback;

/// The MTU set on a lab's own loopback.
pub const MTU: i32 = 1500;

/// Sets the loopback of the current network namespace to MTU 1500 with
/// TSO and GSO off. Only for a namespace of the lab's own: the machine's
/// loopback is never touched.
pub fn like_a_network() -> io::Result<()> {
    if !crate::lab::netns::is_own() {
        return Err(io::Error::other(
            "not in a network namespace of the lab's own",
        ));
    }
    loopback::set_mtu(MTU)?;
    loopback::segmentation_offload_off()
}

/// The loopback's MTU now.
pub fn mtu() -> io::Result<i32> {
    loopback::mtu()
}
