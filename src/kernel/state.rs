//! TCP states, named as RFC 793 names them (`SYN-SENT`, not `SYN_SENT`).

use std::fmt;

/// A TCP state as the kernel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpState {
    /// Data flows both ways.
    Established,
    /// SYN sent, waiting for SYN-ACK.
    SynSent,
    /// SYN received, SYN-ACK sent, waiting for the final ACK.
    SynReceived,
    /// We closed; our FIN is not yet acknowledged.
    FinWait1,
    /// We closed; our FIN was acknowledged, waiting for the peer's.
    FinWait2,
    /// Both closed; waiting out old segments.
    TimeWait,
    /// No connection.
    Closed,
    /// The peer closed; we have not.
    CloseWait,
    /// We closed after the peer; waiting for the ACK of our FIN.
    LastAck,
    /// Listening for connections.
    Listen,
    /// Both closed at once.
    Closing,
    /// A UDP socket with no default peer (`ss` says UNCONN); the kernel
    /// reports it as TCP_CLOSE.
    Unconnected,
}

impl TcpState {
    /// The state from the kernel's number (`include/net/tcp_states.h`).
    pub fn from_kernel(n: u8) -> Option<TcpState> {
        Some(match n {
            1 => TcpState::Established,
            2 => TcpState::SynSent,
            3 | 12 => TcpState::SynReceived,
            4 => TcpState::FinWait1,
            5 => TcpState::FinWait2,
            6 => TcpState::TimeWait,
            7 => TcpState::Closed,
            8 => TcpState::CloseWait,
            9 => TcpState::LastAck,
            10 => TcpState::Listen,
            11 => TcpState::Closing,
            _ => return None,
        })
    }

    /// The RFC 793 name.
    pub fn name(self) -> &'static str {
        match self {
            TcpState::Established => "ESTABLISHED",
            TcpState::SynSent => "SYN-SENT",
            TcpState::SynReceived => "SYN-RECEIVED",
            TcpState::FinWait1 => "FIN-WAIT-1",
            TcpState::FinWait2 => "FIN-WAIT-2",
            TcpState::TimeWait => "TIME-WAIT",
            TcpState::Closed => "CLOSED",
            TcpState::CloseWait => "CLOSE-WAIT",
            TcpState::LastAck => "LAST-ACK",
            TcpState::Listen => "LISTEN",
            TcpState::Closing => "CLOSING",
            TcpState::Unconnected => "UNCONN",
        }
    }

    /// Whether the peer's FIN has arrived (it takes one sequence number,
    /// which FIONREAD leaves out of the receive queue).
    pub fn fin_received(self) -> bool {
        matches!(
            self,
            TcpState::CloseWait | TcpState::LastAck | TcpState::Closing | TcpState::TimeWait
        )
    }
}

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl serde::Serialize for TcpState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}
