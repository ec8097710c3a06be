//! A TUN device (`/dev/net/tun`) in the current thread's network namespace:
//! made by name, given a point-to-point IPv4 address, brought up. Reading
//! its descriptor gives the IP packets the kernel routes out through it;
//! writing one hands a packet to the kernel as if it had arrived.

use std::fs::{File, OpenOptions};
use std::io;
use std::net::Ipv4Addr;
use std::os::unix::fs::OpenOptionsExt;

use super::ifreq::{self, Inet, control};

/// Makes the TUN device `name` (IFF_TUN | IFF_NO_PI: bare IP packets) in
/// the current thread's network namespace, non-blocking. The device lives
/// as long as the returned file.
pub fn open(name: &str) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open("/dev/net/tun")?;
    ifreq::tun_attach(&file, name, libc::IFF_TUN | libc::IFF_NO_PI)?;
    Ok(file)
}

/// Gives the device `name` the address `local`, the peer `peer` (a /32 at
/// each end, the route to the peer through the device) and brings it up.
pub fn address(name: &str, local: Ipv4Addr, peer: Ipv4Addr) -> io::Result<()> {
    let sock = control()?;
    ifreq::set_inet(&sock, name, Inet::Address, local)?;
    ifreq::set_inet(&sock, name, Inet::Netmask, Ipv4Addr::BROADCAST)?;
    ifreq::set_inet(&sock, name, Inet::Peer, peer)?;
    ifreq::add_flags(&sock, name, libc::IFF_UP | libc::IFF_RUNNING)
}
