//! The classic BPF program the kernel runs on every frame of the lab's
//! loopback before it reaches the capture socket: TCP over IPv4 or IPv6 to
//! or from one of the lab's ports, and only the copy the loopback receives.
//!
//! Every packet on `lo` passes the packet taps twice: once leaving
//! (`PACKET_OUTGOING`) and once arriving (`PACKET_HOST`). The program drops
//! the outgoing copy, as libpcap does on `lo`, so each segment is seen once.

use std::collections::BTreeSet;

use socket2::SockFilter;

/// How many bytes of a frame the capture keeps when only the headers are
/// wanted: Ethernet 14, IPv4 up to 60 (IPv6 40), TCP up to 60, and some
/// room. The lengths on the wire come from the IP header; copying more
/// would only fill the capture's ring sooner.
pub const SNAPLEN: u32 = 160;

/// How many bytes of a frame the capture keeps for a pcap file: all of it
/// (a loopback frame is at most its MTU, 65,536, plus 14).
pub const FULL_SNAPLEN: u32 = 65_600;

/// Past this many ports the program would grow beyond what the kernel
/// takes (4,096 instructions), so it keeps every TCP segment on the
/// loopback and the capture thread sorts them out.
pub const MAX_PORTS: usize = 900;

// Classic BPF opcodes (linux/filter.h, linux/bpf_common.h).
const LD_W_ABS: u16 = 0x20;
const LD_H_ABS: u16 = 0x28;
const LD_B_ABS: u16 = 0x30;
const LD_H_IND: u16 = 0x48;
const LDX_IMM: u16 = 0x01;
const LDX_B_MSH: u16 = 0xb1;
const JEQ_K: u16 = 0x15;
const JSET_K: u16 = 0x45;
const JA: u16 = 0x05;
const RET_K: u16 = 0x06;

/// `ld [SKF_AD_OFF + SKF_AD_PKTTYPE]`: the packet's type, not its bytes.
const AD_PKTTYPE: u32 = 0xffff_f000 + 4;
const PACKET_OUTGOING: u32 = 4;
const ETH_IPV4: u32 = 0x0800;
const ETH_IPV6: u32 = 0x86dd;
const IPPROTO_TCP: u32 = 6;

/// One instruction, kept as plain numbers so that tests can read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insn {
    /// Opcode.
    pub code: u16,
    /// Jump offset when true.
    pub jt: u8,
    /// Jump offset when false.
    pub jf: u8,
    /// Constant.
    pub k: u32,
}

const fn insn(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
    Insn { code, jt, jf, k }
}

/// The program for these ports, keeping `snaplen` bytes of each frame.
/// With no port it keeps nothing; past [`MAX_PORTS`] it keeps every TCP
/// segment.
pub fn program(ports: &BTreeSet<u16>, snaplen: u32) -> Vec<Insn> {
    let mut p = vec![
        insn(LD_W_ABS, 0, 0, AD_PKTTYPE),
        insn(JEQ_K, 0, 1, PACKET_OUTGOING),
        insn(RET_K, 0, 0, 0),
        insn(LD_H_ABS, 0, 0, 12),
        // IPv4: the protocol, not a later fragment, header length into X.
        insn(JEQ_K, 0, 8, ETH_IPV4),
        insn(LD_B_ABS, 0, 0, 23),
        insn(JEQ_K, 1, 0, IPPROTO_TCP),
        insn(RET_K, 0, 0, 0),
        insn(LD_H_ABS, 0, 0, 20),
        insn(JSET_K, 0, 1, 0x1fff),
        insn(RET_K, 0, 0, 0),
        insn(LDX_B_MSH, 0, 0, 14),
        insn(JA, 0, 0, 6),
        // IPv6 with TCP as the next header: a fixed 40-byte header.
        insn(JEQ_K, 1, 0, ETH_IPV6),
        insn(RET_K, 0, 0, 0),
        insn(LD_B_ABS, 0, 0, 20),
        insn(JEQ_K, 1, 0, IPPROTO_TCP),
        insn(RET_K, 0, 0, 0),
        insn(LDX_IMM, 0, 0, 40),
    ];
    // X holds the IP header's length; the TCP ports follow the 14-byte
    // Ethernet header and it.
    if ports.len() > MAX_PORTS {
        p.push(insn(RET_K, 0, 0, snaplen));
        return p;
    }
    for offset in [14, 16] {
        p.push(insn(LD_H_IND, 0, 0, offset));
        for &port in ports {
            p.push(insn(JEQ_K, 0, 1, u32::from(port)));
            p.push(insn(RET_K, 0, 0, snaplen));
        }
    }
    p.push(insn(RET_K, 0, 0, 0));
    p
}

/// The program in the form `setsockopt(SO_ATTACH_FILTER)` takes.
pub fn to_sock_filter(program: &[Insn]) -> Vec<SockFilter> {
    program
        .iter()
        .map(|i| SockFilter::new(i.code, i.jt, i.jf, i.k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the program on a frame, as the kernel would: the subset of
    /// classic BPF the program uses. Returns the bytes kept.
    fn run(p: &[Insn], frame: &[u8], pkttype: u32) -> u32 {
        let (mut a, mut x, mut pc) = (0u32, 0u32, 0usize);
        let byte = |i: usize| u32::from(*frame.get(i).unwrap_or(&0));
        let half = |i: usize| (byte(i) << 8) | byte(i + 1);
        for _ in 0..p.len() {
            let i = p[pc];
            pc += 1;
            match i.code {
                LD_W_ABS if i.k == AD_PKTTYPE => a = pkttype,
                LD_H_ABS => a = half(i.k as usize),
                LD_B_ABS => a = byte(i.k as usize),
                LD_H_IND => a = half((x + i.k) as usize),
                LDX_IMM => x = i.k,
                LDX_B_MSH => x = (byte(i.k as usize) & 0xf) * 4,
                JEQ_K => pc += usize::from(if a == i.k { i.jt } else { i.jf }),
                JSET_K => pc += usize::from(if a & i.k != 0 { i.jt } else { i.jf }),
                JA => pc += i.k as usize,
                RET_K => return i.k,
                other => panic!("opcode {other:#x} not in the test's interpreter"),
            }
        }
        panic!("fell off the end")
    }

    fn frame_v4(src: u16, dst: u16, proto: u8) -> Vec<u8> {
        let mut f = vec![0u8; 14 + 20 + 20];
        f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
        f[14] = 0x45;
        f[23] = proto;
        f[34..36].copy_from_slice(&src.to_be_bytes());
        f[36..38].copy_from_slice(&dst.to_be_bytes());
        f
    }

    fn frame_v6(src: u16, dst: u16) -> Vec<u8> {
        let mut f = vec![0u8; 14 + 40 + 20];
        f[12..14].copy_from_slice(&0x86ddu16.to_be_bytes());
        f[20] = 6;
        f[54..56].copy_from_slice(&src.to_be_bytes());
        f[56..58].copy_from_slice(&dst.to_be_bytes());
        f
    }

    #[test]
    fn keeps_the_lab_ports_once_and_nothing_else() {
        let ports: BTreeSet<u16> = [5000, 6000].into();
        let p = program(&ports, SNAPLEN);
        assert_eq!(run(&p, &frame_v4(40000, 5000, 6), 0), SNAPLEN);
        assert_eq!(run(&p, &frame_v4(6000, 40000, 6), 0), SNAPLEN);
        assert_eq!(run(&p, &frame_v6(40000, 6000), 0), SNAPLEN);
        // The outgoing copy on lo, another port, UDP: dropped.
        assert_eq!(run(&p, &frame_v4(40000, 5000, 6), PACKET_OUTGOING), 0);
        assert_eq!(run(&p, &frame_v4(40000, 5001, 6), 0), 0);
        assert_eq!(run(&p, &frame_v4(40000, 5000, 17), 0), 0);
        assert_eq!(run(&p, &frame_v6(1, 2), 0), 0);
        // A later fragment has no TCP header to read.
        let mut frag = frame_v4(40000, 5000, 6);
        frag[21] = 0x10;
        assert_eq!(run(&p, &frag, 0), 0);
    }

    #[test]
    fn no_port_keeps_nothing_and_too_many_keep_all_tcp() {
        assert_eq!(
            run(&program(&BTreeSet::new(), SNAPLEN), &frame_v4(1, 2, 6), 0),
            0
        );
        let many: BTreeSet<u16> = (1..=(MAX_PORTS as u16 + 1)).collect();
        let p = program(&many, SNAPLEN);
        assert!(p.len() < 64);
        assert_eq!(run(&p, &frame_v4(60000, 60001, 6), 0), SNAPLEN);
        let most: BTreeSet<u16> = (1..=MAX_PORTS as u16).collect();
        assert!(program(&most, SNAPLEN).len() <= 4096);
    }
}
