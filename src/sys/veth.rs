//! A veth pair made through rtnetlink, one end here, the other made
//! straight in another network namespace; and what a broadcast device
//! needs to carry the lab's link without ARP: an address with its /24,
//! IFF_NOARP, its hardware address read back.

use std::io;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, BorrowedFd};

use super::ifreq::{self, Inet, control};
use super::netlink::{F_ACK, F_CREATE, F_EXCL, F_REQUEST, Request, route};

const RTM_NEWLINK: u16 = 16;
const IFLA_IFNAME: u16 = 3;
const IFLA_LINKINFO: u16 = 18;
const IFLA_NET_NS_FD: u16 = 28;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const VETH_INFO_PEER: u16 = 1;
/// `NLA_F_NESTED`.
const NESTED: u16 = 0x8000;

/// One attribute's bytes (length, type, value, padding), for nesting.
fn attr(kind: u16, value: &[u8]) -> Vec<u8> {
    let len = 4 + value.len();
    let mut out = Vec::with_capacity(len + 3);
    out.extend_from_slice(&(len as u16).to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(value);
    while out.len() % 4 != 0 {
        out.push(0);
    }
    out
}

fn name(text: &str) -> Vec<u8> {
    let mut v = text.as_bytes().to_vec();
    v.push(0);
    v
}

/// `ip link add HERE type veth peer name THERE netns NS`: the end `here` in
/// the current thread's namespace, the end `there` made in `ns`.
pub fn pair(here: &str, there: &str, ns: BorrowedFd<'_>) -> io::Result<()> {
    // struct ifinfomsg: family, pad, type, index, flags, change; all zero.
    let ifinfo = [0u8; 16];
    let mut peer = ifinfo.to_vec();
    peer.extend(attr(IFLA_IFNAME, &name(there)));
    peer.extend(attr(IFLA_NET_NS_FD, &(ns.as_raw_fd() as u32).to_ne_bytes()));
    let data = attr(VETH_INFO_PEER | NESTED, &peer);
    let mut info = attr(IFLA_INFO_KIND, b"veth");
    info.extend(attr(IFLA_INFO_DATA | NESTED, &data));
    let request = Request::new(RTM_NEWLINK, F_REQUEST | F_ACK | F_CREATE | F_EXCL, 1)
        .body(&ifinfo)
        .attr(IFLA_IFNAME, &name(here))?
        .attr(IFLA_LINKINFO | NESTED, &info)?
        .finish();
    route(&request)
}

/// Brings `dev` up with ARP off; with `addr`, gives it that address and a
/// /24 (the route to its peer on the link).
pub fn up(dev: &str, addr: Option<Ipv4Addr>) -> io::Result<()> {
    let sock = control()?;
    if let Some(ip) = addr {
        ifreq::set_inet(&sock, dev, Inet::Address, ip)?;
        ifreq::set_inet(&sock, dev, Inet::Netmask, Ipv4Addr::new(255, 255, 255, 0))?;
    }
    ifreq::add_flags(&sock, dev, libc::IFF_UP | libc::IFF_NOARP)
}

/// Turns off the offloads that would hand the link's packet socket a
/// packet unfinished: checksums left to the device (TX checksumming), and
/// segments larger than the MTU (TSO, GSO).
pub fn offloads_off(dev: &str) -> io::Result<()> {
    const ETHTOOL_STXCSUM: u32 = 0x17;
    const ETHTOOL_STSO: u32 = 0x1f;
    const ETHTOOL_SGSO: u32 = 0x24;
    let sock = control()?;
    for cmd in [ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_STXCSUM] {
        ifreq::ethtool_set(&sock, dev, cmd, 0)?;
    }
    Ok(())
}

/// The hardware (MAC) address of `dev`.
pub fn hardware_address(dev: &str) -> io::Result<[u8; 6]> {
    ifreq::hardware_address(&control()?, dev)
}
