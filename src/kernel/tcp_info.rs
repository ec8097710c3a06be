//! The fields of `struct tcp_info` that sockplay shows, read by offset from
//! the bytes the kernel gives (INET_DIAG_INFO or getsockopt TCP_INFO), so
//! that older or newer kernels with shorter or longer structs still work.

/// TCP_INFO fields for the kernel view (`tcp` in a snapshot; the
/// listener and not-sent figures go to fields of their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub struct TcpInfo {
    /// The window the peer advertises, scaled (`tcpi_snd_wnd`), bytes.
    pub snd_wnd: Option<u32>,
    /// The window we advertise, scaled (`tcpi_rcv_wnd`, Linux 6.x), bytes.
    pub rcv_wnd: Option<u32>,
    /// The window scale we advertise (`tcpi_rcv_wscale`): fixed at the handshake.
    pub rcv_wscale: u8,
    /// The window scale the peer advertises (`tcpi_snd_wscale`).
    pub snd_wscale: u8,
    /// Smoothed round-trip time, microseconds.
    pub rtt_us: u32,
    /// Congestion window, segments.
    pub cwnd: u32,
    /// Retransmissions in all (`tcpi_total_retrans`).
    pub retrans: u32,
    /// Segments the peer reported receiving twice (`tcpi_dsack_dups`,
    /// from its D-SACKs): sent again though they had arrived.
    pub dsack_dups: Option<u32>,
    /// Probes sent and not answered (`tcpi_probes`): keepalive or
    /// zero-window probes.
    pub probes: u8,
    /// Exponential backoff of the retransmission timer (`tcpi_backoff`).
    pub backoff: u8,
    /// The congestion control algorithm (INET_DIAG_CONG, or
    /// TCP_CONGESTION): `cubic`, `bbr`, `reno`…; what decides `cwnd`.
    pub congestion: Option<crate::lab::Congestion>,
    /// Bytes written but not yet sent (`tcpi_notsent_bytes`, = SIOCOUTQNSD).
    #[serde(skip)]
    pub notsent: Option<u32>,
    /// On a listener: the accept queue length (`tcpi_unacked`).
    #[serde(skip)]
    pub unacked: u32,
    /// On a listener: the accept queue maximum (`tcpi_sacked`).
    #[serde(skip)]
    pub sacked: u32,
}

const PROBES: usize = 3;
const BACKOFF: usize = 4;
const WSCALE: usize = 6;
const RTT: usize = 68;
const CWND: usize = 80;
const UNACKED: usize = 24;
const SACKED: usize = 28;
const TOTAL_RETRANS: usize = 100;
const NOTSENT: usize = 144;
const DSACK_DUPS: usize = 216;
const SND_WND: usize = 228;
const RCV_WND: usize = 232;

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

impl TcpInfo {
    /// Reads the fields from a `struct tcp_info` of any length.
    pub fn parse(b: &[u8]) -> TcpInfo {
        // `__u8 tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;` (low bits first).
        let wscale = b.get(WSCALE).copied().unwrap_or(0);
        TcpInfo {
            rcv_wscale: wscale >> 4,
            snd_wscale: wscale & 0xf,
            snd_wnd: u32_at(b, SND_WND),
            rcv_wnd: u32_at(b, RCV_WND),
            rtt_us: u32_at(b, RTT).unwrap_or(0),
            cwnd: u32_at(b, CWND).unwrap_or(0),
            retrans: u32_at(b, TOTAL_RETRANS).unwrap_or(0),
            dsack_dups: u32_at(b, DSACK_DUPS),
            probes: b.get(PROBES).copied().unwrap_or(0),
            backoff: b.get(BACKOFF).copied().unwrap_or(0),
            congestion: None,
            notsent: u32_at(b, NOTSENT),
            unacked: u32_at(b, UNACKED).unwrap_or(0),
            sacked: u32_at(b, SACKED).unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_match_libc() {
        // libc's struct has the same layout up to tcpi_snd_wnd (its
        // tcpi_snd_rcv_wscale byte holds both scales, after two u8 fields
        // the parser does not read).
        use std::mem::offset_of;
        assert_eq!(PROBES, offset_of!(libc::tcp_info, tcpi_probes));
        assert_eq!(BACKOFF, offset_of!(libc::tcp_info, tcpi_backoff));
        assert_eq!(WSCALE, offset_of!(libc::tcp_info, tcpi_snd_rcv_wscale));
        assert_eq!(RTT, offset_of!(libc::tcp_info, tcpi_rtt));
        assert_eq!(CWND, offset_of!(libc::tcp_info, tcpi_snd_cwnd));
        assert_eq!(UNACKED, offset_of!(libc::tcp_info, tcpi_unacked));
        assert_eq!(SACKED, offset_of!(libc::tcp_info, tcpi_sacked));
        assert_eq!(
            TOTAL_RETRANS,
            offset_of!(libc::tcp_info, tcpi_total_retrans)
        );
        assert_eq!(NOTSENT, offset_of!(libc::tcp_info, tcpi_notsent_bytes));
        assert_eq!(DSACK_DUPS, offset_of!(libc::tcp_info, tcpi_dsack_dups));
        assert_eq!(SND_WND, offset_of!(libc::tcp_info, tcpi_snd_wnd));
        // And the parser reads the values written at those offsets.
        let mut b = vec![0u8; std::mem::size_of::<libc::tcp_info>().max(RCV_WND + 4)];
        let put =
            |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
        put(&mut b, RTT, 21);
        put(&mut b, CWND, 10);
        put(&mut b, TOTAL_RETRANS, 3);
        put(&mut b, NOTSENT, 777);
        put(&mut b, DSACK_DUPS, 2);
        put(&mut b, SND_WND, 65536);
        put(&mut b, UNACKED, 2);
        put(&mut b, SACKED, 5);
        b[PROBES] = 2;
        b[BACKOFF] = 4;
        b[WSCALE] = (7 << 4) | 10;
        let parsed = TcpInfo::parse(&b);
        assert_eq!(parsed.rtt_us, 21);
        assert_eq!(parsed.cwnd, 10);
        assert_eq!(parsed.retrans, 3);
        assert_eq!(parsed.notsent, Some(777));
        assert_eq!(parsed.dsack_dups, Some(2));
        assert_eq!(parsed.snd_wnd, Some(65536));
        assert_eq!((parsed.unacked, parsed.sacked), (2, 5));
        assert_eq!((parsed.rcv_wscale, parsed.snd_wscale), (7, 10));
        assert_eq!((parsed.probes, parsed.backoff), (2, 4));
    }

    #[test]
    fn short_structs_leave_new_fields_out() {
        let parsed = TcpInfo::parse(&[0u8; 104]);
        assert_eq!(parsed.snd_wnd, None);
        assert_eq!(parsed.notsent, None);
        assert_eq!(parsed.dsack_dups, None);
    }
}
