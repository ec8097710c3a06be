//! `syn L xN`: bare SYNs to a lab listener, from a raw socket, never
//! completed. They fill the listener's SYN queue with half-open entries.
//!
//! The SYNs come from spoofed sources in 192.0.2.0/24 (TEST-NET-1, a range
//! for documentation that no network uses). Inside the lab's own network
//! namespace, where only `lo` exists, that range is routed to `lo`: the
//! kernel's SYN-ACKs loop back, are not for a local address, and are
//! discarded (this namespace forwards nothing). No reset ever answers them,
//! so each entry stays, its SYN-ACK retransmitted, until `tcp_synack_retries`
//! run out (only 2 for old entries while the queue is more than half full of
//! the larger of 8 and the backlog). Nothing leaves the namespace; outside
//! one of its own the lab refuses to send.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::errno::Errno;
use super::record::{Extra, Recorder};
use super::result::{Arg, Call, Started};
use super::socket::LabSocket;
use super::{LabError, Shared};

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
    let call = shared.begin(listener.name, Call::Syn, Arg::Text(format!("x{count}")));
    let rec = Recorder::begin(shared, &call, None).addr(target);
    let sent = route_test_net_to_lo()
        .and_then(|()| send_syns(target, first, count))
        .map_err(|e| Errno::of(&e));
    let (from, to) = (source(first), source(first + count - 1));
    let extra = match sent {
        Ok(n) => Extra {
            sentence: Some(format!(
                "{n} bare SYNs sent to {target} from {}:{}…{}:{}; their SYN-ACKs have no way back, so each stays half-open in {}'s SYN queue while the kernel resends its SYN-ACK",
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

/// An IPv4 packet holding a bare SYN (no options), checksums filled in.
pub fn segment(from: SocketAddrV4, to: SocketAddrV4, isn: u32) -> Vec<u8> {
    let mut p = vec![0u8; 40];
    p[0] = 0x45; // IPv4, 20-byte header
    p[2..4].copy_from_slice(&40u16.to_be_bytes());
    p[6] = 0x40; // don't fragment
    p[8] = 64; // TTL
    p[9] = libc::IPPROTO_TCP as u8;
    p[12..16].copy_from_slice(&from.ip().octets());
    p[16..20].copy_from_slice(&to.ip().octets());
    let ip_sum = checksum(&p[..20], 0);
    p[10..12].copy_from_slice(&ip_sum.to_be_bytes());
    let t = &mut p[20..];
    t[0..2].copy_from_slice(&from.port().to_be_bytes());
    t[2..4].copy_from_slice(&to.port().to_be_bytes());
    t[4..8].copy_from_slice(&isn.to_be_bytes());
    t[12] = 5 << 4; // 20-byte header
    t[13] = 0x02; // SYN
    t[14..16].copy_from_slice(&64240u16.to_be_bytes());
    let mut pseudo = 0u32;
    for w in [from.ip().octets(), to.ip().octets()] {
        pseudo += u32::from(u16::from_be_bytes([w[0], w[1]]));
        pseudo += u32::from(u16::from_be_bytes([w[2], w[3]]));
    }
    pseudo += u32::from(libc::IPPROTO_TCP as u16) + 20;
    let tcp_sum = checksum(&p[20..], pseudo);
    p[36..38].copy_from_slice(&tcp_sum.to_be_bytes());
    p
}

/// The Internet checksum of `bytes`, starting from a partial sum.
fn checksum(bytes: &[u8], mut sum: u32) -> u16 {
    for pair in bytes.chunks(2) {
        let hi = pair[0];
        let lo = pair.get(1).copied().unwrap_or(0);
        sum += u32::from(u16::from_be_bytes([hi, lo]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// `ip route add 192.0.2.0/24 dev lo`, over rtnetlink; an existing route is fine.
fn route_test_net_to_lo() -> io::Result<()> {
    const RTM_NEWROUTE: u16 = 24;
    const NLM_F_REQUEST: u16 = 0x1;
    const NLM_F_ACK: u16 = 0x4;
    const NLM_F_EXCL: u16 = 0x200;
    const NLM_F_CREATE: u16 = 0x400;
    const NLMSG_ERROR: u16 = 2;
    const RT_TABLE_MAIN: u8 = 254;
    const RTPROT_STATIC: u8 = 4;
    const RT_SCOPE_LINK: u8 = 253;
    const RTN_UNICAST: u8 = 1;
    const RTA_DST: u16 = 1;
    const RTA_OIF: u16 = 4;
    // SAFETY: the name is a NUL-terminated string.
    let lo = unsafe { libc::if_nametoindex(c"lo".as_ptr()) };
    if lo == 0 {
        return Err(io::Error::last_os_error());
    }
    let mut m = Vec::with_capacity(44);
    m.extend_from_slice(&44u32.to_ne_bytes());
    m.extend_from_slice(&RTM_NEWROUTE.to_ne_bytes());
    m.extend_from_slice(&(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL).to_ne_bytes());
    m.extend_from_slice(&1u32.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes());
    // rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags.
    m.extend_from_slice(&[
        libc::AF_INET as u8,
        24,
        0,
        0,
        RT_TABLE_MAIN,
        RTPROT_STATIC,
        RT_SCOPE_LINK,
        RTN_UNICAST,
    ]);
    m.extend_from_slice(&0u32.to_ne_bytes());
    m.extend_from_slice(&8u16.to_ne_bytes());
    m.extend_from_slice(&RTA_DST.to_ne_bytes());
    m.extend_from_slice(&[192, 0, 2, 0]);
    m.extend_from_slice(&8u16.to_ne_bytes());
    m.extend_from_slice(&RTA_OIF.to_ne_bytes());
    m.extend_from_slice(&lo.to_ne_bytes());
    let nl = rustix::net::socket_with(
        rustix::net::AddressFamily::NETLINK,
        rustix::net::SocketType::RAW,
        rustix::net::SocketFlags::CLOEXEC,
        // Protocol 0 is NETLINK_ROUTE.
        None,
    )?;
    let kernel = rustix::net::netlink::SocketAddrNetlink::new(0, 0);
    rustix::net::sendto(&nl, &m, rustix::net::SendFlags::empty(), &kernel)?;
    let mut buf = [0u8; 512];
    let (_, n) = rustix::net::recv(&nl, &mut buf[..], rustix::net::RecvFlags::empty())?;
    let reply = &buf[..n.min(buf.len())];
    if reply.len() >= 20 && u16::from_ne_bytes([reply[4], reply[5]]) == NLMSG_ERROR {
        let code = i32::from_ne_bytes([reply[16], reply[17], reply[18], reply[19]]);
        if code != 0 && code != -libc::EEXIST {
            return Err(io::Error::from_raw_os_error(-code));
        }
    }
    Ok(())
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
    }
}
