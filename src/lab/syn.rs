//! `syn L xN`: bare SYNs to a lab listener, from a raw socket, never
//! completed. They fill the listener's SYN queue with half-open entries.
//!
//! The SYNs come from spoofed sources in 192.0.2.0/24 (TEST-NET-1, a range
//! for documentation that no network uses). Inside the lab's own network
//! namespace, where only `lo` exists, that range is routed to `lo`: the
//! kernel's SYN-ACKs loop back, are not for a local address, and are
//! discarded (this namespace forwards nothing). No reset ever answers them,
//! so each entry stays, its SYN-ACK retransmitted, until `tcp_synack_retries`
//! run out. Fewer, never below 2, when an entry's timer finds the queue
//! holding more than half of the larger of 8 and the backlog: one fewer for
//! each of ½, ¼, ⅛… of the queue that its young entries (not yet resent) do
//! not exceed, so a flood's entries go after 2. Nothing leaves the
//! namespace; outside one of its own the lab refuses to send.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::errno::Errno;
use super::record::{Extra, Recorder};
use super::result::{Arg, Call, Started};
use super::socket::LabSocket;
use super::{LabError, Shared};
use crate::sys::{loopback, netlink};

/// The first spoofed source port; sources are numbered from it.
const FIRST_PORT: u16 = 20000;
/// How many sources share one port (one per address of the range).
const PER_PORT: u32 = 254;
/// How many ports the sources use before they start again.
const PORTS: u32 = 40000;

/// The spoofed source of the `i`th SYN (from 0): 192.0.2.1:20000, …
pub fn source(i: u32) -> SocketAddrV4 {
    let i = i % (PER_PORT * PORTS);
    SocketAddrV4::new(
        Ipv4Addr::new(192, 0, 2, (1 + i % PER_PORT) as u8),
        FIRST_PORT + (i / PER_PORT) as u16,
    )
}

/// Which SYN (numbered from 1) came from `peer`, if `syn` sends from there.
pub fn number(peer: SocketAddr) -> Option<u32> {
    let SocketAddr::V4(v4) = peer else {
        return None;
    };
    let [a, b, c, d] = v4.ip().octets();
    let port = u32::from(v4.port().checked_sub(FIRST_PORT)?);
    ((a, b, c) == (192, 0, 2) && (1..=254).contains(&d) && port < PORTS)
        .then(|| port * PER_PORT + u32::from(d - 1) + 1)
}

/// Sends `count` bare SYNs to a listener (checked by the caller to be one).
pub(crate) fn flood(
    shared: &Arc<Shared>,
    listener: &LabSocket,
    count: u32,
) -> Result<Vec<Started>, LabError> {
    if !super::netns::is_own() {
        return Err(LabError::SynOutsideOwnNetns);
    }
    let local = listener.meta().local;
    let target = match local.map(super::open::reachable) {
        Some(SocketAddr::V4(a)) => a,
        _ => return Err(LabError::SynNotIpv4(listener.name)),
    };
    let first = shared.syns.fetch_add(count, Ordering::Relaxed);
    let call = shared.begin(
        listener.name,
        Call::Syn,
        Arg::Text(format!("x{count}").into()),
    );
    let rec = Recorder::begin(shared, &call, None).addr(target);
    let sent = route_test_net_to_lo()
        .and_then(|()| send_syns(target, first, count))
        .map_err(|e| Errno::of(&e));
    let (from, to) = (source(first), source(first + count - 1));
    let extra = match sent {
        Ok(n) => Extra {
            sentence: Some(format!(
                "{n} bare SYNs sent to {target} from {}:{}…{}:{}; an answer has no way back, so each SYN {}'s SYN queue takes stays half-open there while the kernel resends its SYN-ACK, and each one past the queue gets a SYN cookie or is dropped",
                from.ip(),
                from.port(),
                to.ip(),
                to.port(),
                listener.name
            )),
            ..Extra::default()
        },
        Err(Errno(libc::EPERM | libc::EACCES)) => Extra {
            note: Some(
                "a raw socket needs CAP_NET_RAW, and this process does not hold it: run sockplay as root, or unprivileged with --netns (its user namespace grants it)".into(),
            ),
            ..Extra::default()
        },
        Err(_) => Extra::default(),
    };
    rec.finish(sent, extra);
    Ok(vec![call])
}

/// Sends the SYNs from a raw socket; returns how many went.
fn send_syns(target: SocketAddrV4, first: u32, count: u32) -> io::Result<u64> {
    let raw = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::RAW,
        Some(socket2::Protocol::from(libc::IPPROTO_RAW)),
    )?;
    // IPPROTO_RAW: the packet carries its own IP header; the port is unused.
    let to = socket2::SockAddr::from(SocketAddrV4::new(*target.ip(), 0));
    let mut sent = 0;
    for i in first..first.wrapping_add(count) {
        let packet = segment(source(i), target, 0x5eed_0000 ^ i);
        if let Err(e) = raw.send_to(&packet, &to) {
            return if sent == 0 { Err(e) } else { Ok(sent) };
        }
        sent += 1;
    }
    Ok(sent)
}

/// An IPv4 packet holding a bare SYN (no options, window 64240, TTL 64,
/// don't fragment), checksums filled in.
pub fn segment(from: SocketAddrV4, to: SocketAddrV4, isn: u32) -> Vec<u8> {
    let builder = etherparse::PacketBuilder::ipv4(from.ip().octets(), to.ip().octets(), 64)
        .tcp(from.port(), to.port(), isn, 64240)
        .syn();
    let mut packet = Vec::with_capacity(builder.size(0));
    builder
        .write(&mut packet, &[])
        .expect("40 bytes written to a Vec");
    packet
}

/// `ip route add 192.0.2.0/24 dev lo`, over rtnetlink; an existing route is fine.
fn route_test_net_to_lo() -> io::Result<()> {
    const RTM_NEWROUTE: u16 = 24;
    const RT_TABLE_MAIN: u8 = 254;
    const RTPROT_STATIC: u8 = 4;
    const RT_SCOPE_LINK: u8 = 253;
    const RTN_UNICAST: u8 = 1;
    const RTA_DST: u16 = 1;
    const RTA_OIF: u16 = 4;
    let lo = loopback::index()?;
    // rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags.
    let mut rtmsg = vec![
        libc::AF_INET as u8,
        24,
        0,
        0,
        RT_TABLE_MAIN,
        RTPROT_STATIC,
        RT_SCOPE_LINK,
        RTN_UNICAST,
    ];
    rtmsg.extend_from_slice(&0u32.to_ne_bytes());
    let flags = netlink::F_REQUEST | netlink::F_ACK | netlink::F_CREATE | netlink::F_EXCL;
    let request = netlink::Request::new(RTM_NEWROUTE, flags, 1)
        .body(&rtmsg)
        .attr(RTA_DST, &[192, 0, 2, 0])?
        .attr(RTA_OIF, &lo.to_ne_bytes())?
        .finish();
    match netlink::route(&request) {
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => Ok(()),
        r => r,
    }
}

/// Whether an address is one `syn` sends from.
pub fn is_spoofed(ip: IpAddr) -> bool {
    matches!(ip, IpAddr::V4(v4) if v4.octets()[..3] == [192, 0, 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_numbered_both_ways() {
        for i in [0, 1, 253, 254, 255, 99_999] {
            assert_eq!(number(SocketAddr::V4(source(i))), Some(i + 1), "{i}");
        }
        assert_eq!(source(0), "192.0.2.1:20000".parse().unwrap());
        assert_eq!(source(254), "192.0.2.1:20001".parse().unwrap());
        assert_eq!(number("127.0.0.1:20000".parse().unwrap()), None);
        assert_eq!(number("192.0.2.1:80".parse().unwrap()), None);
    }

    /// The Internet checksum of `bytes` from a partial sum (RFC 1071),
    /// written here to check the builder's.
    fn checksum(bytes: &[u8], mut sum: u32) -> u16 {
        for pair in bytes.chunks(2) {
            sum += u32::from(u16::from_be_bytes([
                pair[0],
                pair.get(1).copied().unwrap_or(0),
            ]));
        }
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    #[test]
    fn a_segment_checks_out() {
        let p = segment(source(0), "127.0.0.1:8080".parse().unwrap(), 7);
        // A header whose checksum is right sums to 0xffff, i.e. checksums to 0.
        assert_eq!(checksum(&p[..20], 0), 0);
        let mut pseudo = 0u32;
        for w in [[192u8, 0, 2, 1], [127, 0, 0, 1]] {
            pseudo += u32::from(u16::from_be_bytes([w[0], w[1]]));
            pseudo += u32::from(u16::from_be_bytes([w[2], w[3]]));
        }
        assert_eq!(checksum(&p[20..], pseudo + 6 + 20), 0);
        assert_eq!(p[33], 0x02, "SYN only");
        assert_eq!(p.len(), 40, "no options, no data");
        assert_eq!(
            (p[0], p[8], p[6] & 0x40),
            (0x45, 64, 0x40),
            "IPv4, TTL 64, DF"
        );
        assert_eq!(&p[24..28], &7u32.to_be_bytes(), "the ISN");
    }
}
