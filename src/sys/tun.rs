//! A TUN device (`/dev/net/tun`) in the current thread's network namespace:
//! made by name, given a point-to-point IPv4 address, brought up. Reading
//! its descriptor gives the IP packets the kernel routes out through it;
//! writing one hands a packet to the kernel as if it had arrived.

use std::fs::{File, OpenOptions};
use std::io;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;

/// Makes the TUN device `name` (IFF_TUN | IFF_NO_PI: bare IP packets) in
/// the current thread's network namespace, non-blocking. The device lives
/// as long as the returned file.
pub fn open(name: &str) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open("/dev/net/tun")?;
    let mut req = request(name)?;
    req.ifr_ifru.ifru_flags = (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short;
    // SAFETY: `req` is a valid ifreq that outlives the call; TUNSETIFF reads
    // its name and flags and writes the name back.
    if unsafe { libc::ioctl(file.as_raw_fd(), libc::TUNSETIFF, &raw mut req) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(file)
}

/// Gives the device `name` the address `local`, the peer `peer` (a /32 at
/// each end, the route to the peer through the device) and brings it up.
pub fn address(name: &str, local: Ipv4Addr, peer: Ipv4Addr) -> io::Result<()> {
    let sock = control()?;
    let mut req = request(name)?;
    set_inet(&mut req, local);
    ioctl(&sock, libc::SIOCSIFADDR, &mut req)?;
    let mut req = request(name)?;
    set_inet(&mut req, Ipv4Addr::BROADCAST);
    ioctl(&sock, libc::SIOCSIFNETMASK, &mut req)?;
    let mut req = request(name)?;
    set_inet(&mut req, peer);
    ioctl(&sock, libc::SIOCSIFDSTADDR, &mut req)?;
    let mut req = request(name)?;
    ioctl(&sock, libc::SIOCGIFFLAGS, &mut req)?;
    // SAFETY: SIOCGIFFLAGS succeeded, so the kernel filled the flags member.
    let flags = unsafe { req.ifr_ifru.ifru_flags };
    req.ifr_ifru.ifru_flags = flags | (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
    ioctl(&sock, libc::SIOCSIFFLAGS, &mut req)
}

/// Puts an IPv4 address in the request's address member.
fn set_inet(req: &mut libc::ifreq, ip: Ipv4Addr) {
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: sockaddr_in is no larger than the sockaddr member of the
    // union, and both are plain data.
    unsafe {
        std::ptr::write_unaligned((&raw mut req.ifr_ifru).cast::<libc::sockaddr_in>(), sin);
    }
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

/// An interface request naming `name`, the rest zero.
fn request(name: &str) -> io::Result<libc::ifreq> {
    if name.is_empty() || name.len() >= libc::IFNAMSIZ {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "an interface name is 1 to 15 bytes",
        ));
    }
    // SAFETY: ifreq is plain data; all zeroes is a valid value of each member.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
        *dst = src as libc::c_char;
    }
    Ok(req)
}

/// One interface ioctl on `req`, which it reads and writes alone.
fn ioctl(sock: &OwnedFd, request: libc::c_ulong, req: &mut libc::ifreq) -> io::Result<()> {
    // SAFETY: `req` is a valid ifreq that outlives the call, as large as
    // each of these requests reads or writes.
    if unsafe { libc::ioctl(sock.as_raw_fd(), request, &raw mut *req) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
