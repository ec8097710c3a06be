//! The inet_diag filter that limits a dump to the lab's ports, run by the
//! kernel so that sockets of other programs are never copied out.
//!
//! It is an OR chain, laid out as `ss` lays its filters out so that the
//! kernel's audit accepts it: each condition is an 8-byte port comparison
//! (jump 8 when true, 12 when false) followed, except for the last, by a
//! 4-byte JMP whose "no" jumps to the end (accept):
//!
//! `[sport==p1] [JMP→end] [dport==p1] [JMP→end] … [dport==pN]`
//!
//! A true condition lands on its JMP and accepts; a false one skips its JMP
//! and tries the next; the last one, false, jumps past the end and rejects.

const BC_JMP: u8 = 1;
const BC_S_EQ: u8 = 11;
const BC_D_EQ: u8 = 12;

fn op(out: &mut Vec<u8>, code: u8, yes: u8, no: u16) {
    out.push(code);
    out.push(yes);
    out.extend_from_slice(&no.to_ne_bytes());
}

/// The most ports one filter can hold: the filter travels in a netlink
/// attribute whose length (4 bytes of header included) is a `u16`, and each
/// port takes 24 bytes (two comparisons and two jumps, less one jump in all).
pub const MAX_PORTS: usize = (u16::MAX as usize) / 24;

/// A filter that accepts sockets whose source or destination port is one of
/// `ports`; `None` when there are no ports (dump nothing) or more than
/// [`MAX_PORTS`] (no filter can say it: dump all and filter in user space).
pub fn ports(ports: &[u16]) -> Option<Vec<u8>> {
    if ports.is_empty() || ports.len() > MAX_PORTS {
        return None;
    }
    let conds: Vec<(u8, u16)> = ports
        .iter()
        .flat_map(|&p| [(BC_S_EQ, p), (BC_D_EQ, p)])
        .collect();
    chain(&conds)
}

/// A filter that accepts sockets whose local (source) port is one of
/// `ports`: a server's sockets, without the clients that connect to it.
/// `None` when there are no ports or more than twice [`MAX_PORTS`].
pub fn source_ports(ports: &[u16]) -> Option<Vec<u8>> {
    if ports.is_empty() || ports.len() > 2 * MAX_PORTS {
        return None;
    }
    let conds: Vec<(u8, u16)> = ports.iter().map(|&p| (BC_S_EQ, p)).collect();
    chain(&conds)
}

/// The OR chain of port comparisons.
fn chain(conds: &[(u8, u16)]) -> Option<Vec<u8>> {
    let total = conds.len() * 8 + (conds.len() - 1) * 4;
    let mut out = Vec::with_capacity(total);
    for (i, (code, port)) in conds.iter().enumerate() {
        op(&mut out, *code, 8, 12);
        op(&mut out, 0, 0, *port);
        if i + 1 < conds.len() {
            let remaining = u16::try_from(total - out.len()).ok()?;
            op(&mut out, BC_JMP, 4, remaining);
        }
    }
    // The attribute's length, header included, must fit its u16.
    u16::try_from(out.len() + 4).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel's interpreter (inet_diag_bc_run) for the ops used here.
    fn run(bc: &[u8], sport: u16, dport: u16) -> bool {
        let mut at = 0usize;
        let mut len = bc.len() as isize;
        while len > 0 {
            let (code, yes, no) = (
                bc[at],
                bc[at + 1],
                u16::from_ne_bytes([bc[at + 2], bc[at + 3]]),
            );
            let port = || u16::from_ne_bytes([bc[at + 6], bc[at + 7]]);
            let ok = match code {
                BC_JMP => false,
                BC_S_EQ => sport == port(),
                BC_D_EQ => dport == port(),
                _ => panic!("unexpected op {code}"),
            };
            let step = if ok { yes as isize } else { no as isize };
            at = (at as isize + step) as usize;
            len -= step;
        }
        len == 0
    }

    #[test]
    fn accepts_exactly_the_ports() {
        let bc = ports(&[80, 443]).unwrap();
        assert!(run(&bc, 80, 5000));
        assert!(run(&bc, 5000, 80));
        assert!(run(&bc, 443, 1));
        assert!(run(&bc, 1, 443));
        assert!(!run(&bc, 81, 444));
        let one = ports(&[7]).unwrap();
        assert!(run(&one, 7, 0) && run(&one, 0, 7) && !run(&one, 1, 1));
        assert_eq!(ports(&[]), None);
    }

    #[test]
    fn source_ports_leave_the_clients_out() {
        let bc = source_ports(&[80, 443]).unwrap();
        assert!(run(&bc, 80, 5000) && run(&bc, 443, 1));
        assert!(!run(&bc, 5000, 80) && !run(&bc, 1, 443));
        assert_eq!(source_ports(&[]), None);
    }

    #[test]
    fn the_largest_filter_fits_its_attribute_and_one_more_port_does_not() {
        let all: Vec<u16> = (1..=MAX_PORTS as u16 + 1).collect();
        let bc = ports(&all[..MAX_PORTS]).unwrap();
        assert!(bc.len() + 4 <= usize::from(u16::MAX));
        assert!(run(&bc, all[MAX_PORTS - 1], 60000) && !run(&bc, all[MAX_PORTS], 60000));
        assert_eq!(ports(&all), None);
    }
}
