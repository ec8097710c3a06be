//! `--pcap FILE`: every captured segment as pcapng, each packet commented
//! with the call that caused it, for tcpdump and Wireshark.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};

use super::filter::FULL_SNAPLEN;
use super::segment::Segment;

/// A pcapng file being written.
pub struct PcapFile {
    writer: PcapNgWriter<BufWriter<File>>,
}

fn to_io(e: pcap_file::PcapError) -> io::Error {
    io::Error::other(e.to_string())
}

impl PcapFile {
    /// Creates the file with one interface: the loopback, Ethernet frames,
    /// time stamps in nanoseconds.
    pub fn create(path: &Path) -> io::Result<PcapFile> {
        let file = File::create(path)?;
        let mut writer = PcapNgWriter::new(BufWriter::new(file)).map_err(to_io)?;
        let interface = InterfaceDescriptionBlock {
            linktype: DataLink::ETHERNET,
            snaplen: FULL_SNAPLEN,
            options: vec![
                InterfaceDescriptionOption::IfName(Cow::Borrowed("lo")),
                InterfaceDescriptionOption::IfTsResol(9),
            ],
        };
        writer.write_pcapng_block(interface).map_err(to_io)?;
        Ok(PcapFile { writer })
    }

    /// Writes one frame with the segment's cause as its comment.
    pub fn write(
        &mut self,
        frame: &[u8],
        wire_len: usize,
        stamp: SystemTime,
        seg: &Segment,
    ) -> io::Result<()> {
        let comment = format!(
            "sockplay: {} → {}: {}",
            seg.from_text(),
            seg.to_text(),
            seg.why()
        );
        let packet = EnhancedPacketBlock {
            interface_id: 0,
            timestamp: stamp.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO),
            original_len: wire_len as u32,
            data: Cow::Borrowed(frame),
            options: vec![EnhancedPacketOption::Comment(Cow::Owned(comment))],
        };
        self.writer.write_pcapng_block(packet).map_err(to_io)?;
        Ok(())
    }

    /// Pushes what is buffered to the file.
    pub fn flush(&mut self) -> io::Result<()> {
        self.writer.get_mut().flush()
    }
}
