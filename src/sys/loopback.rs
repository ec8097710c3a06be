//! The loopback device `lo` of the current network namespace, through the
//! interface ioctls of netdevice(7) and ethtool: bring it up, read and set
//! its MTU, turn its segmentation offloads off. Each call opens a datagram
//! socket for the ioctls and closes it again.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

const ETHTOOL_STSO: u32 = 0x1f;
const ETHTOOL_SGSO: u32 = 0x24;

/// `struct ethtool_value`: a command and its value.
#[repr(C)]
struct EthtoolValue {
    cmd: u32,
    data: u32,
}

/// The index of `lo` (`if_nametoindex("lo")`).
pub fn index() -> io::Result<u32> {
    Ok(rustix::net::netdevice::name_to_index(control()?, "lo")?)
}

/// `ip link set lo up`: reads the flags and sets them again with IFF_UP.
pub fn up() -> io::Result<()> {
    let sock = control()?;
    let mut req = request();
    ioctl(&sock, libc::SIOCGIFFLAGS, &mut req)?;
    // SAFETY: SIOCGIFFLAGS succeeded, so the kernel filled the flags
    // member of the union; it is a plain short either way.
    let flags = unsafe { req.ifr_ifru.ifru_flags };
    req.ifr_ifru.ifru_flags = flags | libc::IFF_UP as libc::c_short;
    ioctl(&sock, libc::SIOCSIFFLAGS, &mut req)
}

/// The MTU of `lo` now.
pub fn mtu() -> io::Result<i32> {
    let mut req = request();
    ioctl(&control()?, libc::SIOCGIFMTU, &mut req)?;
    // SAFETY: SIOCGIFMTU succeeded, so the kernel filled the mtu member of
    // the union; it is a plain int either way.
    Ok(unsafe { req.ifr_ifru.ifru_mtu })
}

/// Sets the MTU of `lo`.
pub fn set_mtu(mtu: i32) -> io::Result<()> {
    let mut req = request();
    req.ifr_ifru.ifru_mtu = mtu;
    ioctl(&control()?, libc::SIOCSIFMTU, &mut req)
}

/// Turns TCP segmentation offload and generic segmentation offload of
/// `lo` off (`ethtool -K lo tso off gso off`).
pub fn segmentation_offload_off() -> io::Result<()> {
    let sock = control()?;
    for cmd in [ETHTOOL_STSO, ETHTOOL_SGSO] {
        let mut value = EthtoolValue { cmd, data: 0 };
        let mut req = request();
        req.ifr_ifru.ifru_data = (&raw mut value).cast();
        // `value` lives until after the call that reads it through the pointer.
        ioctl(&sock, libc::SIOCETHTOOL, &mut req)?;
    }
    Ok(())
}

/// A socket to make interface ioctls on.
fn control() -> io::Result<OwnedFd> {
    Ok(rustix::net::socket_with(
        rustix::net::AddressFamily::INET,
        rustix::net::SocketType::DGRAM,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )?)
}

/// An interface request naming `lo`, the rest zero.
fn request() -> libc::ifreq {
    // SAFETY: ifreq is plain data (a name and a union of integers and a
    // pointer); all zeroes is a valid value of each.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as libc::c_char;
    }
    req
}

/// One interface ioctl on `req`. Private: the requests this module makes
/// read and write `req` alone, except SIOCETHTOOL, which also reads the
/// `ethtool_value` that `segmentation_offload_off` keeps alive across it.
fn ioctl(sock: &OwnedFd, request: libc::c_ulong, req: &mut libc::ifreq) -> io::Result<()> {
    // SAFETY: `req` is a valid ifreq that outlives the call, as large as
    // each of these requests reads or writes; any pointer in it is the
    // caller's, valid for the call (see above).
    if unsafe { libc::ioctl(sock.as_raw_fd(), request, &raw mut *req) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
