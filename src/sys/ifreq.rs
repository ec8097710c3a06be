//! A network device's interface requests (netdevice(7), ethtool), made by
//! its name: the flags, the MTU, the IPv4 addresses, the hardware address,
//! an ethtool setting, and a TUN device's attachment. The `ifreq` and its
//! union live here alone; each request reads or writes the member it names.

use std::io;
use std::net::Ipv4Addr;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

/// A socket to make interface ioctls on.
pub fn control() -> io::Result<OwnedFd> {
    Ok(rustix::net::socket_with(
        rustix::net::AddressFamily::INET,
        rustix::net::SocketType::DGRAM,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )?)
}

/// An interface request naming `dev`, the rest zero.
fn request(dev: &str) -> io::Result<libc::ifreq> {
    if dev.is_empty() || dev.len() >= libc::IFNAMSIZ || dev.contains('\0') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "an interface name is 1 to 15 bytes",
        ));
    }
    // SAFETY: ifreq is plain data (a name and a union of integers, socket
    // addresses and a pointer); all zeroes is a valid value of each.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(dev.bytes()) {
        *dst = src as libc::c_char;
    }
    Ok(req)
}

/// One interface ioctl on `req`. Private: every request made here reads
/// and writes `req` alone, except SIOCETHTOOL, which also reads the
/// `ethtool_value` that [`ethtool_set`] keeps alive across it.
fn ioctl(fd: &impl AsFd, request: libc::c_ulong, req: &mut libc::ifreq) -> io::Result<()> {
    // SAFETY: `req` is a valid ifreq that outlives the call, as large as
    // each of these requests reads or writes; a pointer in it is
    // `ethtool_set`'s, valid for the call (see above).
    if unsafe { libc::ioctl(fd.as_fd().as_raw_fd(), request, &raw mut *req) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Adds `flags` (`IFF_UP`, …) to those of `dev`.
pub fn add_flags(sock: &OwnedFd, dev: &str, flags: libc::c_int) -> io::Result<()> {
    let mut req = request(dev)?;
    ioctl(sock, libc::SIOCGIFFLAGS, &mut req)?;
    // SAFETY: SIOCGIFFLAGS succeeded, so the kernel filled the flags member
    // of the union; it is a plain short either way.
    let now = unsafe { req.ifr_ifru.ifru_flags };
    req.ifr_ifru.ifru_flags = now | flags as libc::c_short;
    ioctl(sock, libc::SIOCSIFFLAGS, &mut req)
}

/// The MTU of `dev`.
pub fn mtu(sock: &OwnedFd, dev: &str) -> io::Result<i32> {
    let mut req = request(dev)?;
    ioctl(sock, libc::SIOCGIFMTU, &mut req)?;
    // SAFETY: SIOCGIFMTU succeeded, so the kernel filled the mtu member of
    // the union; it is a plain int either way.
    Ok(unsafe { req.ifr_ifru.ifru_mtu })
}

/// Sets the MTU of `dev`.
pub fn set_mtu(sock: &OwnedFd, dev: &str, mtu: i32) -> io::Result<()> {
    let mut req = request(dev)?;
    req.ifr_ifru.ifru_mtu = mtu;
    ioctl(sock, libc::SIOCSIFMTU, &mut req)
}

/// Which IPv4 address of a device [`set_inet`] sets.
#[derive(Debug, Clone, Copy)]
pub enum Inet {
    /// Its own address (SIOCSIFADDR).
    Address,
    /// Its netmask (SIOCSIFNETMASK).
    Netmask,
    /// A point-to-point device's peer (SIOCSIFDSTADDR).
    Peer,
}

/// Sets the IPv4 address `which` of `dev` to `ip`.
pub fn set_inet(sock: &OwnedFd, dev: &str, which: Inet, ip: Ipv4Addr) -> io::Result<()> {
    let mut req = request(dev)?;
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: sockaddr_in is no larger than the sockaddr member of the
    // union, and both are plain data; the write needs no alignment.
    unsafe {
        std::ptr::write_unaligned((&raw mut req.ifr_ifru).cast::<libc::sockaddr_in>(), sin);
    }
    let request = match which {
        Inet::Address => libc::SIOCSIFADDR,
        Inet::Netmask => libc::SIOCSIFNETMASK,
        Inet::Peer => libc::SIOCSIFDSTADDR,
    };
    ioctl(sock, request, &mut req)
}

/// The hardware (MAC) address of `dev`.
pub fn hardware_address(sock: &OwnedFd, dev: &str) -> io::Result<[u8; 6]> {
    let mut req = request(dev)?;
    ioctl(sock, libc::SIOCGIFHWADDR, &mut req)?;
    // SAFETY: SIOCGIFHWADDR succeeded, so the kernel filled the hwaddr
    // member of the union, a plain sockaddr.
    let sa = unsafe { req.ifr_ifru.ifru_hwaddr };
    let mut mac = [0u8; 6];
    for (m, b) in mac.iter_mut().zip(sa.sa_data.iter()) {
        *m = *b as u8;
    }
    Ok(mac)
}

/// `struct ethtool_value`: a command and its value.
#[repr(C)]
struct EthtoolValue {
    cmd: u32,
    data: u32,
}

/// An ethtool setting of `dev`: `cmd` (`ETHTOOL_STSO`, …) with `data`.
pub fn ethtool_set(sock: &OwnedFd, dev: &str, cmd: u32, data: u32) -> io::Result<()> {
    let mut value = EthtoolValue { cmd, data };
    let mut req = request(dev)?;
    req.ifr_ifru.ifru_data = (&raw mut value).cast();
    // `value` lives until after the call that reads it through the pointer.
    ioctl(sock, libc::SIOCETHTOOL, &mut req)
}

/// Attaches the TUN descriptor `file` to the device `dev` with `flags`
/// (TUNSETIFF: IFF_TUN, IFF_NO_PI), making the device.
pub fn tun_attach(file: &impl AsFd, dev: &str, flags: libc::c_int) -> io::Result<()> {
    let mut req = request(dev)?;
    req.ifr_ifru.ifru_flags = flags as libc::c_short;
    ioctl(file, libc::TUNSETIFF, &mut req)
}
