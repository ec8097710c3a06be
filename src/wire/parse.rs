//! A captured frame's Ethernet, IP and TCP headers, read with etherparse.

use std::net::{IpAddr, SocketAddr};

use etherparse::{LaxNetSlice, LaxSlicedPacket, TcpOptionElement, TransportSlice};

/// TCP's flag bits, as in the header's 14th byte.
pub mod flag {
    /// No more data from the sender.
    pub const FIN: u8 = 0x01;
    /// Synchronise sequence numbers.
    pub const SYN: u8 = 0x02;
    /// Reset the connection.
    pub const RST: u8 = 0x04;
    /// Push.
    pub const PSH: u8 = 0x08;
    /// The acknowledgment field is significant.
    pub const ACK: u8 = 0x10;
    /// Urgent.
    pub const URG: u8 = 0x20;
    /// ECN echo.
    pub const ECE: u8 = 0x40;
    /// Congestion window reduced.
    pub const CWR: u8 = 0x80;
}

/// The names of the flags set, in the order tools print them.
pub fn flag_names(flags: u8) -> Vec<&'static str> {
    const NAMES: [(u8, &str); 8] = [
        (flag::SYN, "SYN"),
        (flag::FIN, "FIN"),
        (flag::RST, "RST"),
        (flag::PSH, "PSH"),
        (flag::ACK, "ACK"),
        (flag::URG, "URG"),
        (flag::ECE, "ECE"),
        (flag::CWR, "CWR"),
    ];
    NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}

/// What the wire needs of one TCP segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpHeader {
    /// Sender's address and port.
    pub src: SocketAddr,
    /// Receiver's address and port.
    pub dst: SocketAddr,
    /// The flag bits ([`flag`]).
    pub flags: u8,
    /// Sequence number as on the wire.
    pub seq: u32,
    /// Acknowledgment number as on the wire.
    pub ack: u32,
    /// The window field, before any scaling.
    pub win_raw: u16,
    /// Payload bytes.
    pub len: u32,
    /// The window scale option (SYN segments only).
    pub wscale: Option<u8>,
}

/// Why a frame is not a TCP segment the wire reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The headers are cut short or malformed.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// Not TCP over IPv4 or IPv6.
    #[error("not a TCP segment")]
    NotTcp,
}

/// Where `inner` starts within `outer` (both slices of one frame).
fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    (inner.as_ptr() as usize).saturating_sub(outer.as_ptr() as usize)
}

/// Reads a frame as the loopback delivers it (an Ethernet header of zeroes
/// first), cut at the capture's snap length: the payload's length comes
/// from the IP header, not from the bytes kept. Never panics, whatever the
/// bytes.
pub fn parse_frame(frame: &[u8]) -> Result<TcpHeader, ParseError> {
    let sliced =
        LaxSlicedPacket::from_ethernet(frame).map_err(|e| ParseError::Malformed(e.to_string()))?;
    read_sliced(frame, &sliced)
}

/// Reads a bare IP packet, as the lab's own link carries it, cut at any
/// length. Never panics, whatever the bytes.
pub fn parse_packet(packet: &[u8]) -> Result<TcpHeader, ParseError> {
    let sliced =
        LaxSlicedPacket::from_ip(packet).map_err(|e| ParseError::Malformed(e.to_string()))?;
    read_sliced(packet, &sliced)
}

fn read_sliced(frame: &[u8], sliced: &LaxSlicedPacket<'_>) -> Result<TcpHeader, ParseError> {
    // Where the IP packet ends on the wire, as an offset in the frame.
    let (src_ip, dst_ip, ip_end): (IpAddr, IpAddr, usize) = match &sliced.net {
        Some(LaxNetSlice::Ipv4(ip)) => {
            let h = ip.header();
            let start = offset_in(frame, h.slice());
            (
                h.source_addr().into(),
                h.destination_addr().into(),
                start + usize::from(h.total_len()),
            )
        }
        Some(LaxNetSlice::Ipv6(ip)) => {
            let h = ip.header();
            let start = offset_in(frame, h.slice());
            (
                h.source_addr().into(),
                h.destination_addr().into(),
                start + 40 + usize::from(h.payload_length()),
            )
        }
        _ => return Err(ParseError::NotTcp),
    };
    let Some(TransportSlice::Tcp(tcp)) = &sliced.transport else {
        return Err(ParseError::NotTcp);
    };
    let payload_start = offset_in(frame, tcp.header_slice()) + tcp.header_slice().len();
    let len = ip_end.saturating_sub(payload_start) as u32;
    let wscale = tcp.options_iterator().find_map(|o| match o {
        Ok(TcpOptionElement::WindowScale(s)) => Some(s),
        _ => None,
    });
    let flags = tcp.header_slice().get(13).copied().unwrap_or(0);
    Ok(TcpHeader {
        src: SocketAddr::new(src_ip, tcp.source_port()),
        dst: SocketAddr::new(dst_ip, tcp.destination_port()),
        flags,
        seq: tcp.sequence_number(),
        ack: tcp.acknowledgment_number(),
        win_raw: tcp.window_size(),
        len,
        wscale: wscale.filter(|_| flags & flag::SYN != 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    #[test]
    fn reads_what_etherparse_wrote() {
        let builder = PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4([127, 0, 0, 1], [127, 0, 0, 2], 64)
            .tcp(40000, 5000, 1000, 512)
            .syn()
            .options(&[TcpOptionElement::WindowScale(7)])
            .unwrap();
        let mut frame = Vec::new();
        builder.write(&mut frame, b"").unwrap();
        let h = parse_frame(&frame).unwrap();
        assert_eq!(h.src, "127.0.0.1:40000".parse().unwrap());
        assert_eq!(h.dst, "127.0.0.2:5000".parse().unwrap());
        assert_eq!(h.flags, flag::SYN);
        assert_eq!((h.seq, h.win_raw, h.len, h.wscale), (1000, 512, 0, Some(7)));
        assert_eq!(flag_names(flag::SYN | flag::ACK), ["SYN", "ACK"]);
    }

    #[test]
    fn a_frame_cut_short_keeps_its_length_on_the_wire() {
        let mut frame = Vec::new();
        PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4([127, 0, 0, 1], [127, 0, 0, 1], 64)
            .tcp(1, 2, 3, 4)
            .write(&mut frame, &[7u8; 1000])
            .unwrap();
        let h = parse_frame(&frame[..100]).unwrap();
        assert_eq!(h.len, 1000);
        let mut v6 = Vec::new();
        PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv6([0; 16], [0; 16], 64)
            .tcp(1, 2, 3, 4)
            .write(&mut v6, &[7u8; 500])
            .unwrap();
        assert_eq!(parse_frame(&v6[..120]).unwrap().len, 500);
    }

    #[test]
    fn a_bare_ip_packet_reads_as_its_frame_does() {
        let mut packet = Vec::new();
        PacketBuilder::ipv4([198, 51, 100, 1], [198, 51, 100, 2], 64)
            .tcp(40000, 5000, 7, 512)
            .write(&mut packet, &[1u8; 300])
            .unwrap();
        let h = parse_packet(&packet[..60]).unwrap();
        assert_eq!(h.src, "198.51.100.1:40000".parse().unwrap());
        assert_eq!((h.seq, h.len), (7, 300));
        assert!(parse_packet(&[0x45, 0, 0]).is_err());
    }

    #[test]
    fn short_or_foreign_frames_are_errors_not_panics() {
        assert!(parse_frame(&[]).is_err());
        assert!(parse_frame(&[0u8; 13]).is_err());
        let mut udp = Vec::new();
        PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv6([0; 16], [0; 16], 64)
            .udp(1, 2)
            .write(&mut udp, b"x")
            .unwrap();
        assert_eq!(parse_frame(&udp), Err(ParseError::NotTcp));
    }
}
