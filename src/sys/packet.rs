//! A packet socket (packet(7)) on one device that takes and gives bare
//! IPv4 packets: the kernel strips the Ethernet header of what arrives and
//! writes one, to a given hardware address, on what is sent. Frames the
//! device sends out itself are not read back.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

/// `PACKET_IGNORE_OUTGOING` (Linux 4.20).
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;
const ETH_P_IP: u16 = 0x0800;

/// A non-blocking SOCK_DGRAM packet socket bound to `dev` for IPv4, in the
/// current thread's namespace, that sends to the hardware address `to`.
pub struct PacketPort {
    fd: OwnedFd,
    to: libc::sockaddr_ll,
}

impl PacketPort {
    /// Opens the socket on `dev`, sending to `to`.
    pub fn open(dev: &str, to: [u8; 6]) -> io::Result<PacketPort> {
        let index = rustix::net::netdevice::name_to_index(
            rustix::net::socket(
                rustix::net::AddressFamily::INET,
                rustix::net::SocketType::DGRAM,
                None,
            )?,
            dev,
        )?;
        let fd = rustix::net::socket_with(
            rustix::net::AddressFamily::PACKET,
            rustix::net::SocketType::DGRAM,
            rustix::net::SocketFlags::NONBLOCK | rustix::net::SocketFlags::CLOEXEC,
            Some(rustix::net::eth::IP),
        )?;
        let one: libc::c_int = 1;
        // SAFETY: the option's value is an int that outlives the call.
        if unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_PACKET,
                PACKET_IGNORE_OUTGOING,
                (&raw const one).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            )
        } < 0
        {
            return Err(io::Error::last_os_error());
        }
        let addr = libc::sockaddr_ll {
            sll_family: libc::AF_PACKET as u16,
            sll_protocol: ETH_P_IP.to_be(),
            sll_ifindex: index as i32,
            sll_hatype: 0,
            sll_pkttype: 0,
            sll_halen: 0,
            sll_addr: [0; 8],
        };
        // SAFETY: `addr` is a sockaddr_ll of the length given.
        if unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&raw const addr).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        } < 0
        {
            return Err(io::Error::last_os_error());
        }
        let mut to_addr = addr;
        to_addr.sll_halen = 6;
        to_addr.sll_addr[..6].copy_from_slice(&to);
        Ok(PacketPort { fd, to: to_addr })
    }

    /// Sends one packet to the port's hardware address.
    pub fn send(&self, packet: &[u8]) -> io::Result<usize> {
        // SAFETY: `packet` and the address are valid for the call, the
        // address of the length given.
        let n = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                packet.as_ptr().cast(),
                packet.len(),
                0,
                (&raw const self.to).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }
}

impl std::os::fd::AsFd for PacketPort {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(&self.fd)
    }
}
