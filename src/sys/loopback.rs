//! The loopback device `lo` of the current network namespace, through the
//! interface ioctls of netdevice(7) and ethtool: bring it up, read and set
//! its MTU, turn its segmentation offloads off. Each call opens a datagram
//! socket for the ioctls and closes it again.

use std::io;

use super::ifreq::{self, control};

const ETHTOOL_STSO: u32 = 0x1f;
const ETHTOOL_SGSO: u32 = 0x24;

/// The index of `lo` (`if_nametoindex("lo")`).
pub fn index() -> io::Result<u32> {
    Ok(rustix::net::netdevice::name_to_index(control()?, "lo")?)
}

/// `ip link set lo up`: reads the flags and sets them again with IFF_UP.
pub fn up() -> io::Result<()> {
    ifreq::add_flags(&control()?, "lo", libc::IFF_UP)
}

/// The MTU of `lo` now.
pub fn mtu() -> io::Result<i32> {
    ifreq::mtu(&control()?, "lo")
}

/// Sets the MTU of `lo`.
pub fn set_mtu(mtu: i32) -> io::Result<()> {
    ifreq::set_mtu(&control()?, "lo", mtu)
}

/// Turns TCP segmentation offload and generic segmentation offload of
/// `lo` off (`ethtool -K lo tso off gso off`).
pub fn segmentation_offload_off() -> io::Result<()> {
    let sock = control()?;
    for cmd in [ETHTOOL_STSO, ETHTOOL_SGSO] {
        ifreq::ethtool_set(&sock, "lo", cmd, 0)?;
    }
    Ok(())
}
