//! Where the link's thread reads and writes a side's packets: a TUN device
//! (the usual way), or, where `/dev/net/tun` may not be opened (an
//! unprivileged user, when the device node is root's alone), the far end
//! of a veth pair in a namespace between the sides, through a packet
//! socket.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, BorrowedFd};

use rustix::io::IoSliceMut;

use crate::sys::packet::PacketPort;

/// One side's end of the link.
pub enum Port {
    /// A TUN device's descriptor.
    Tun(File),
    /// A packet socket on a veth end.
    Veth(PacketPort),
}

impl Port {
    /// Reads one IP packet into `packet`, which keeps its allocation: the
    /// bytes past its length go to `spill` and are appended, so a packet
    /// of any size is read whole in one call (non-blocking: `WouldBlock`
    /// when there is none).
    pub fn read(&mut self, packet: &mut Vec<u8>, spill: &mut [u8]) -> io::Result<()> {
        let room = packet.len();
        let n = {
            let mut bufs = [IoSliceMut::new(packet), IoSliceMut::new(spill)];
            rustix::io::readv(&*self, &mut bufs)?
        };
        if n > room {
            packet.extend_from_slice(&spill[..n - room]);
        } else {
            packet.truncate(n);
        }
        Ok(())
    }

    /// Hands one IP packet to the side.
    pub fn write(&mut self, packet: &[u8]) -> io::Result<usize> {
        match self {
            Port::Tun(f) => f.write(packet),
            Port::Veth(p) => p.send(packet),
        }
    }

    /// Which kind of device carries the link, for the sentence `link` says.
    pub fn kind(&self) -> &'static str {
        match self {
            Port::Tun(_) => "TUN devices",
            Port::Veth(_) => "veth pairs",
        }
    }
}

impl AsFd for Port {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Port::Tun(f) => f.as_fd(),
            Port::Veth(p) => p.as_fd(),
        }
    }
}
