//! A lab of its own shapes its loopback like a network: MTU 1500, and no
//! TCP segmentation offload (TSO) or generic segmentation offload (GSO),
//! so the kernel cuts data into segments of at most 1448 bytes, as on
//! Ethernet, instead of handing 64 KiB at once to the loopback.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The MTU set on a lab's own loopback.
pub const MTU: i32 = 1500;

const ETHTOOL_STSO: u32 = 0x1f;
const ETHTOOL_SGSO: u32 = 0x24;

#[repr(C)]
struct EthtoolValue {
    cmd: u32,
    data: u32,
}

fn ifreq_lo() -> libc::ifreq {
    // SAFETY: ifreq is plain data; all zeroes is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as libc::c_char;
    }
    req
}

/// Sets the loopback of the current network namespace to MTU 1500 with
/// TSO and GSO off. Only for a namespace of the lab's own: the machine's
/// loopback is never touched.
pub fn like_a_network() -> io::Result<()> {
    if !crate::lab::netns::is_own() {
        return Err(io::Error::other(
            "not in a network namespace of the lab's own",
        ));
    }
    // SAFETY: socket takes no pointers; a descriptor it returns is ours.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a new descriptor that nothing else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut req = ifreq_lo();
    req.ifr_ifru.ifru_mtu = MTU;
    // SAFETY: SIOCSIFMTU reads `req`, which lives for the call.
    if unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFMTU, &req) } < 0 {
        return Err(io::Error::last_os_error());
    }
    for cmd in [ETHTOOL_STSO, ETHTOOL_SGSO] {
        let mut value = EthtoolValue { cmd, data: 0 };
        let mut req = ifreq_lo();
        req.ifr_ifru.ifru_data = (&raw mut value).cast();
        // SAFETY: SIOCETHTOOL reads `req` and the ethtool_value it points
        // at; both live for the call.
        if unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCETHTOOL, &req) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The loopback's MTU now.
pub fn mtu() -> io::Result<i32> {
    // SAFETY: as in `like_a_network`.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a new descriptor that nothing else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut req = ifreq_lo();
    // SAFETY: SIOCGIFMTU writes the MTU into `req`, which lives for the call.
    if unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFMTU, &mut req) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: SIOCGIFMTU filled the mtu member of the union.
    Ok(unsafe { req.ifr_ifru.ifru_mtu })
}
