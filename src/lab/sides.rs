//! The lab's two sides, when it runs on a link of its own: the server side
//! is the lab's network namespace (its listeners and their accepted
//! sockets), the client side another namespace (the clients that connect
//! across the link). What moves packets between them lives above the lab;
//! it installs the sides here, and the lab asks here where a socket goes.

use std::fs::File;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::AsFd;
use std::sync::{Arc, Mutex};

/// The client side's address on the link.
pub const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
/// The server side's address on the link.
pub const SERVER_IP: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);

/// The two namespaces of a lab on a link, and how to read the link.
pub struct Sides {
    /// The client side's namespace.
    pub client_ns: File,
    /// The lab's own namespace: the server side.
    pub home_ns: File,
    /// The link as it is now.
    pub report: Box<dyn Fn() -> LinkView + Send + Sync>,
}

static SIDES: Mutex<Option<Arc<Sides>>> = Mutex::new(None);

/// Puts the lab on a link: from now on listeners are made on the server
/// side and clients of the server side's address on the client side.
pub fn install(sides: Sides) {
    *SIDES.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(sides));
}

/// The sides, when the lab is on a link.
pub fn get() -> Option<Arc<Sides>> {
    SIDES.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// The link as it is now, when there is one.
pub fn link_view() -> Option<LinkView> {
    get().map(|s| (s.report)())
}

impl Sides {
    /// Runs `f` on this thread inside the client side's namespace, then
    /// moves the thread back into the lab's: a socket `f` makes stays on
    /// the client side.
    pub fn on_client_side<T>(&self, f: impl FnOnce() -> T) -> io::Result<T> {
        crate::sys::netns::enter(self.client_ns.as_fd())?;
        let out = f();
        if let Err(e) = crate::sys::netns::enter(self.home_ns.as_fd()) {
            // The thread was allowed into the client side a moment ago; a
            // thread left there would make every later socket in the wrong
            // place, so this is not carried on from.
            panic!("cannot return to the lab's network namespace: {e}");
        }
        Ok(out)
    }
}

/// Whether a client of `addr` crosses the link: its target is the server
/// side's address and the lab is on a link.
pub(crate) fn crosses(addr: &SocketAddr) -> Option<Arc<Sides>> {
    (addr.ip() == IpAddr::V4(SERVER_IP)).then(get).flatten()
}

/// Where `listen` binds when no address is given: the server side's
/// address on a link, else the loopback.
pub fn default_listen() -> SocketAddr {
    match get() {
        Some(_) => SocketAddr::new(IpAddr::V4(SERVER_IP), 0),
        None => SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
    }
}

/// One way across the link, counted since the link was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LinkWay {
    /// Bytes waiting at the link's entry for their turn at the rate.
    pub queued_bytes: u64,
    /// Packets waiting at the link's entry.
    pub queued_packets: u64,
    /// Bytes sent onto the link and not yet arrived (the delay).
    pub in_flight_bytes: u64,
    /// Packets sent onto the link and not yet arrived.
    pub in_flight_packets: u64,
    /// Packets handed to the other side.
    pub delivered_packets: u64,
    /// Bytes handed to the other side.
    pub delivered_bytes: u64,
    /// Packets dropped by the loss.
    pub dropped_loss: u64,
    /// Packets dropped because the queue was full.
    pub dropped_queue: u64,
    /// Packets dropped while the link was down.
    pub dropped_down: u64,
}

impl LinkWay {
    /// Packets dropped for any reason.
    pub fn dropped(&self) -> u64 {
        self.dropped_loss + self.dropped_queue + self.dropped_down
    }

    fn plus(&self, o: &LinkWay) -> LinkWay {
        LinkWay {
            queued_bytes: self.queued_bytes + o.queued_bytes,
            queued_packets: self.queued_packets + o.queued_packets,
            in_flight_bytes: self.in_flight_bytes + o.in_flight_bytes,
            in_flight_packets: self.in_flight_packets + o.in_flight_packets,
            delivered_packets: self.delivered_packets + o.delivered_packets,
            delivered_bytes: self.delivered_bytes + o.delivered_bytes,
            dropped_loss: self.dropped_loss + o.dropped_loss,
            dropped_queue: self.dropped_queue + o.dropped_queue,
            dropped_down: self.dropped_down + o.dropped_down,
        }
    }
}

/// The link between the lab's sides: its settings and what is on it now.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LinkView {
    /// Whether packets pass (`link up`) or not (`link down`).
    pub up: bool,
    /// The delay each way, in milliseconds.
    pub delay_ms: f64,
    /// The most a packet's delay varies either way, in milliseconds.
    pub jitter_ms: f64,
    /// The rate each way in bits a second; `None` when off (no limit).
    pub rate_bps: Option<u64>,
    /// The share of packets dropped at random, in percent.
    pub loss_percent: f64,
    /// The most bytes the queue at each way's entry holds.
    pub queue_limit: u64,
    /// The client side's address.
    pub client: Ipv4Addr,
    /// The server side's address.
    pub server: Ipv4Addr,
    /// From the client side to the server side.
    pub to_server: LinkWay,
    /// From the server side to the client side.
    pub to_client: LinkWay,
    /// Packets read from the link's devices that were not IPv4 packets
    /// whole (counted, never passed on).
    pub malformed: u64,
    /// Where segments are on the link now, each way: the packets crossing
    /// each of [`TRACK_CELLS`] equal stretches of it, counted from the
    /// side they left (for the screen; not in the JSON).
    #[serde(skip)]
    pub track: [[u32; TRACK_CELLS]; 2],
}

/// How many stretches [`LinkView::track`] cuts the link into.
pub const TRACK_CELLS: usize = 12;

/// The fields of the link `expect` reads (both ways added).
pub const LINK_FIELDS: &[&str] = &[
    "link_up",
    "link_queued",
    "link_queued_packets",
    "link_in_flight",
    "link_in_flight_packets",
    "link_delivered",
    "link_dropped",
    "link_dropped_loss",
    "link_dropped_queue",
    "link_dropped_down",
    "link_malformed",
];

impl LinkView {
    /// Both ways added.
    pub fn both(&self) -> LinkWay {
        self.to_server.plus(&self.to_client)
    }

    /// A field of [`LINK_FIELDS`] as `expect` compares it.
    pub fn field(&self, name: &str) -> Option<String> {
        let b = self.both();
        Some(match name {
            "link_up" => self.up.to_string(),
            "link_queued" => b.queued_bytes.to_string(),
            "link_queued_packets" => b.queued_packets.to_string(),
            "link_in_flight" => b.in_flight_bytes.to_string(),
            "link_in_flight_packets" => b.in_flight_packets.to_string(),
            "link_delivered" => b.delivered_packets.to_string(),
            "link_dropped" => b.dropped().to_string(),
            "link_dropped_loss" => b.dropped_loss.to_string(),
            "link_dropped_queue" => b.dropped_queue.to_string(),
            "link_dropped_down" => b.dropped_down.to_string(),
            "link_malformed" => self.malformed.to_string(),
            _ => return None,
        })
    }
}
