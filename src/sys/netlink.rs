//! Netlink messages (netlink(7)): a request written as the kernel reads it
//! (a header, a fixed body, attributes), and the messages of a reply split
//! apart. The sockets themselves are rustix's. The kernel view's sock_diag
//! dumps and the lab's route for `syn` both write through [`Request`].

use std::io;

/// The length of `struct nlmsghdr`.
pub const HEADER: usize = 16;
/// `NLMSG_ERROR`: an error, or (code 0) an acknowledgement.
pub const ERROR: u16 = 2;
/// `NLMSG_DONE`: the end of a dump.
pub const DONE: u16 = 3;
/// `NLM_F_REQUEST`.
pub const F_REQUEST: u16 = 0x1;
/// `NLM_F_ACK`: answer with an acknowledgement.
pub const F_ACK: u16 = 0x4;
/// `NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`).
pub const F_DUMP: u16 = 0x300;
/// `NLM_F_EXCL`.
pub const F_EXCL: u16 = 0x200;
/// `NLM_F_CREATE`.
pub const F_CREATE: u16 = 0x400;

/// A request being written: its header, then its body and attributes;
/// [`Request::finish`] writes the total length in.
#[derive(Debug, Clone)]
pub struct Request {
    bytes: Vec<u8>,
}

impl Request {
    /// A request of type `kind` with `flags`, numbered `seq`.
    pub fn new(kind: u16, flags: u16, seq: u32) -> Request {
        let mut bytes = Vec::with_capacity(64);
        bytes.extend_from_slice(&0u32.to_ne_bytes());
        bytes.extend_from_slice(&kind.to_ne_bytes());
        bytes.extend_from_slice(&flags.to_ne_bytes());
        bytes.extend_from_slice(&seq.to_ne_bytes());
        // The port id: 0, the kernel fills it in.
        bytes.extend_from_slice(&0u32.to_ne_bytes());
        Request { bytes }
    }

    /// Appends the fixed part of the message (`inet_diag_req_v2`, `rtmsg`, …).
    pub fn body(mut self, body: &[u8]) -> Request {
        self.bytes.extend_from_slice(body);
        self.pad();
        self
    }

    /// Appends an attribute (`struct nlattr` / `struct rtattr`): its length
    /// and type, then `value`, padded to 4 bytes. A value too long for an
    /// attribute's 16-bit length is an error.
    pub fn attr(mut self, kind: u16, value: &[u8]) -> io::Result<Request> {
        let len = u16::try_from(4 + value.len()).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, "netlink attribute too long")
        })?;
        self.bytes.extend_from_slice(&len.to_ne_bytes());
        self.bytes.extend_from_slice(&kind.to_ne_bytes());
        self.bytes.extend_from_slice(value);
        self.pad();
        Ok(self)
    }

    /// The whole message, its length written in.
    pub fn finish(mut self) -> Vec<u8> {
        let len = self.bytes.len() as u32;
        self.bytes[..4].copy_from_slice(&len.to_ne_bytes());
        self.bytes
    }

    fn pad(&mut self) {
        self.bytes.resize(self.bytes.len().next_multiple_of(4), 0);
    }
}

/// One message of a reply: its type, the number of the request it
/// answers, and its body (what follows the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    /// `nlmsg_type`.
    pub kind: u16,
    /// `nlmsg_seq`: the answered request's number.
    pub seq: u32,
    /// The message after its header.
    pub body: &'a [u8],
}

/// The messages in one received buffer, in order. A message whose length
/// runs past the buffer is an error, and the last item.
pub fn messages(buf: &[u8]) -> impl Iterator<Item = io::Result<Message<'_>>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at + HEADER > buf.len() {
            return None;
        }
        let len = u32_ne(buf, at) as usize;
        if len < HEADER || at + len > buf.len() {
            at = buf.len();
            return Some(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "bad netlink message",
            )));
        }
        let message = Message {
            kind: u16::from_ne_bytes([buf[at + 4], buf[at + 5]]),
            seq: u32_ne(buf, at + 8),
            body: &buf[at + HEADER..at + len],
        };
        at += len.next_multiple_of(4);
        Some(Ok(message))
    })
}

/// The attributes (`struct nlattr`) in `buf`, each as its type and value,
/// in order; they end at the first one whose length does not fit.
pub fn attrs(buf: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let header = buf.get(at..at + 4)?;
        let len = usize::from(u16::from_ne_bytes([header[0], header[1]]));
        let kind = u16::from_ne_bytes([header[2], header[3]]);
        let value = buf.get(at + 4..at + len.max(4))?;
        at += len.max(4).next_multiple_of(4);
        (len >= 4).then_some((kind, value))
    })
}

fn u32_ne(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The error an `NLMSG_ERROR` body carries: `Ok` for an acknowledgement
/// (code 0), the errno otherwise.
pub fn acknowledged(error_body: &[u8]) -> io::Result<()> {
    let code = error_body
        .get(..4)
        .map_or(0, |e| i32::from_ne_bytes([e[0], e[1], e[2], e[3]]));
    if code == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(-code))
    }
}

/// Sends one request on a new NETLINK_ROUTE socket and reads the kernel's
/// acknowledgement (the request asks for one with [`F_ACK`]).
pub fn route(request: &[u8]) -> io::Result<()> {
    let nl = rustix::net::socket_with(
        rustix::net::AddressFamily::NETLINK,
        rustix::net::SocketType::RAW,
        rustix::net::SocketFlags::CLOEXEC,
        // Protocol 0 is NETLINK_ROUTE.
        None,
    )?;
    let kernel = rustix::net::netlink::SocketAddrNetlink::new(0, 0);
    rustix::net::sendto(&nl, request, rustix::net::SendFlags::empty(), &kernel)?;
    let mut buf = [0u8; 512];
    let (_, n) = rustix::net::recv(&nl, &mut buf[..], rustix::net::RecvFlags::empty())?;
    for message in messages(&buf[..n.min(buf.len())]) {
        let message = message?;
        if message.kind == ERROR {
            return acknowledged(message.body);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_carries_its_length_body_and_padded_attributes() {
        let m = Request::new(24, F_REQUEST | F_ACK, 7)
            .body(&[1, 2, 3])
            .attr(1, &[9, 9])
            .unwrap()
            .finish();
        assert_eq!(m.len(), 16 + 4 + 8);
        assert_eq!(u32::from_ne_bytes(m[..4].try_into().unwrap()), 28);
        assert_eq!(u16::from_ne_bytes([m[4], m[5]]), 24);
        assert_eq!(u16::from_ne_bytes([m[6], m[7]]), F_REQUEST | F_ACK);
        assert_eq!(u32::from_ne_bytes(m[8..12].try_into().unwrap()), 7);
        assert_eq!(&m[16..20], &[1, 2, 3, 0]);
        // The attribute's length counts its header and value, not the padding.
        assert_eq!(u16::from_ne_bytes([m[20], m[21]]), 6);
        assert_eq!(&m[24..28], &[9, 9, 0, 0]);
        assert!(Request::new(1, 0, 0).attr(1, &[0; 70_000]).is_err());
    }

    #[test]
    fn replies_split_into_messages_and_errors_read_back() {
        let ack = Request::new(ERROR, 0, 1).body(&0i32.to_ne_bytes()).finish();
        let err = Request::new(ERROR, 0, 2)
            .body(&(-libc::EEXIST).to_ne_bytes())
            .finish();
        let both = [ack.clone(), err].concat();
        let got: Vec<_> = messages(&both).collect::<io::Result<_>>().unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].kind, got[0].seq, got[1].seq), (ERROR, 1, 2));
        assert!(acknowledged(got[0].body).is_ok());
        assert_eq!(
            acknowledged(got[1].body).unwrap_err().raw_os_error(),
            Some(libc::EEXIST)
        );
        assert!(messages(&ack[..19]).next().unwrap().is_err());
    }

    #[test]
    fn attributes_split_at_their_padded_lengths_and_stop_at_a_bad_one() {
        let m = Request::new(1, 0, 0)
            .attr(7, &[1, 2, 3])
            .unwrap()
            .attr(8, &[4; 8])
            .unwrap()
            .finish();
        let got: Vec<_> = attrs(&m[HEADER..]).collect();
        assert_eq!(got, [(7, &[1u8, 2, 3][..]), (8, &[4u8; 8][..])]);
        // A length past the end, or shorter than its own header, ends them.
        let mut bad = m[HEADER..].to_vec();
        bad[8..10].copy_from_slice(&200u16.to_ne_bytes());
        assert_eq!(attrs(&bad).count(), 1);
        bad[8..10].copy_from_slice(&2u16.to_ne_bytes());
        assert_eq!(attrs(&bad).count(), 1);
    }
}
