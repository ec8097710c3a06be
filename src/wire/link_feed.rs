//! The wire's reading of the lab's own link ([`super::tap`]): a packet
//! that enters the link (or is dropped at its entry) becomes a segment,
//! timed when it entered; its arrival, or its loss on a pulled cable,
//! marks that segment later. The pcap file gets each packet as each
//! side's device had it: leaving one side when it entered the link,
//! arriving on the other when the link handed it over.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use super::flow::Flows;
use super::names::Directory;
use super::parse::{flag, parse_packet};
use super::pcap::{LinkSide, PcapFile};
use super::segment::{Crossing, Segment};
use super::tap::{Event, LinkDrop, LinkPacket};
use crate::lab::Observer;

/// The most segments marked in flight that the feed remembers (more than
/// any queue and delay the link allows can hold).
const MAX_PENDING: usize = 100_000;

/// What the feed remembers between readings.
#[derive(Default)]
pub struct Feed {
    /// Segments on the link now: the packet's number → the segment's index.
    pending: HashMap<u64, u64>,
    events: Vec<LinkPacket>,
    /// Whether the link has handed anything over yet.
    pub seen: bool,
}

/// What the engine's ring offers the feed.
pub trait Ring {
    /// Keeps a new segment; returns its index (counting from the first ever).
    fn keep(&mut self, seg: Segment) -> u64;
    /// The segment at this index, while the ring still holds it.
    fn at(&mut self, index: u64) -> Option<&mut Segment>;
}

/// What one reading did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Read {
    /// New segments.
    pub segments: u64,
    /// Segments marked arrived or dropped.
    pub marked: u64,
    /// Packets the wire had no room for.
    pub lost: u64,
}

impl Feed {
    /// Reads what the link handed over since the last call.
    pub fn read(
        &mut self,
        lab: &Observer,
        flows: &mut Flows,
        dir: &mut Directory,
        ring: &mut dyn Ring,
        pcap: &mut Option<PcapFile>,
        on_pcap_error: &mut dyn FnMut(&std::io::Error),
    ) -> Read {
        let mut read = Read {
            lost: super::tap::take(&mut self.events),
            ..Read::default()
        };
        if self.events.is_empty() {
            return read;
        }
        self.seen = true;
        let (now_inst, now_wall, now_lab) = (Instant::now(), SystemTime::now(), lab.elapsed());
        for p in self.events.drain(..) {
            let ago = now_inst.saturating_duration_since(p.at);
            let t = now_lab.saturating_sub(ago);
            let stamp = now_wall.checked_sub(ago).unwrap_or(now_wall);
            let Ok(h) = parse_packet(&p.bytes) else {
                continue;
            };
            let (side, seg) = match p.event {
                Event::Arrived | Event::Lost => {
                    let Some(index) = self.pending.remove(&p.id) else {
                        continue;
                    };
                    let Some(seg) = ring.at(index) else { continue };
                    let c = seg.link.get_or_insert_with(|| Box::new(crossing(&p)));
                    if p.event == Event::Lost {
                        c.dropped = Some(LinkDrop::Down);
                    } else {
                        c.arrived = Some(t);
                    }
                    read.marked += 1;
                    // An arrival is the packet coming in on the other side.
                    if p.event == Event::Lost {
                        continue;
                    }
                    (LinkSide::receiver(p.to_server), seg.clone())
                }
                Event::Entered | Event::Dropped(_) => {
                    let syn = h.flags & flag::SYN != 0;
                    let bare_syn = syn && h.flags & flag::ACK == 0;
                    let ends = dir.ends(lab, h.src, h.dst, syn, bare_syn);
                    let mut seg = flows.segment(&h, t, ends, lab);
                    let mut c = crossing(&p);
                    if let Event::Dropped(why) = p.event {
                        c.dropped = Some(why);
                    }
                    seg.link = Some(Box::new(c));
                    let index = ring.keep(seg.clone());
                    read.segments += 1;
                    if p.event == Event::Entered {
                        if self.pending.len() >= MAX_PENDING {
                            self.pending.clear();
                        }
                        self.pending.insert(p.id, index);
                    }
                    (LinkSide::sender(p.to_server), seg)
                }
            };
            if let Some(file) = pcap
                && let Err(e) = file.write_link(side, &p.bytes, p.len, stamp, &seg)
            {
                on_pcap_error(&e);
                *pcap = None;
            }
        }
        read
    }
}

fn crossing(p: &LinkPacket) -> Crossing {
    Crossing {
        id: p.id,
        to_server: p.to_server,
        arrived: None,
        dropped: None,
    }
}

/// How long a segment took to cross, when it has.
pub fn crossed_in(seg: &Segment) -> Option<Duration> {
    seg.link
        .as_deref()?
        .arrived
        .map(|a| a.saturating_sub(seg.t))
}
