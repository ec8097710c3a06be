//! `--pcap FILE`: every captured segment as pcapng, each packet commented
//! with the call that caused it, for tcpdump and Wireshark.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
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
    /// Whether the link's two devices have their interfaces in the file
    /// (1: the client side's, 2: the server side's).
    link_described: bool,
}

/// An Ethernet header with no addresses, for IPv4: what a loopback frame
/// begins with, put before each packet of the lab's own link.
const ETHERNET_HEADER: [u8; 14] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00];

/// A side of the lab's own link, as an interface of the pcap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkSide {
    /// The client side's device.
    Client,
    /// The server side's device.
    Server,
}

impl LinkSide {
    /// The side a packet leaves from.
    pub fn sender(to_server: bool) -> LinkSide {
        if to_server {
            LinkSide::Client
        } else {
            LinkSide::Server
        }
    }

    /// The side a packet arrives at.
    pub fn receiver(to_server: bool) -> LinkSide {
        if to_server {
            LinkSide::Server
        } else {
            LinkSide::Client
        }
    }

    fn interface(self) -> u32 {
        match self {
            LinkSide::Client => 1,
            LinkSide::Server => 2,
        }
    }
}

/// The system's own error where there is one (`No space left on device`),
/// not the pcap writer's wrapper around it.
fn to_io(e: pcap_file::PcapError) -> io::Error {
    match e {
        pcap_file::PcapError::IoError(e) => e,
        e => io::Error::other(e.to_string()),
    }
}

/// The pcap file a lab will write, opened before the lab starts so that a
/// mistake is one line before anything runs. Opening never follows a
/// symbolic link and never replaces a file unless forced: a link planted
/// where root writes cannot redirect the capture.
#[derive(Debug, Clone)]
pub struct PcapTarget {
    path: PathBuf,
    file: Arc<Mutex<Option<File>>>,
    /// Why writing stopped (or never began), once it has.
    failed: Arc<Mutex<Option<String>>>,
}

impl PcapTarget {
    /// Creates `path` new (mode 0600, less the umask); refuses an existing
    /// name, or with `force` replaces an existing file, never a symbolic
    /// link or a directory. The error says what to do, with the path.
    pub fn open(path: &Path, force: bool) -> io::Result<PcapTarget> {
        let file = create(path, force).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("--pcap {}: {}", path.display(), said(path, &e)),
            )
        })?;
        Ok(PcapTarget {
            path: path.to_path_buf(),
            file: Arc::new(Mutex::new(Some(file))),
            failed: Arc::default(),
        })
    }

    /// Records why the file stopped being written (the first reason kept).
    pub fn fail(&self, why: &str) {
        let mut failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        failed.get_or_insert_with(|| why.to_string());
    }

    /// Why writing stopped, once it has.
    pub fn fail_reason(&self) -> Option<String> {
        self.failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Why the file is not whole: writing stopped, or never began (no
    /// capture). `None` while it is being written or after it was.
    pub fn problem(&self) -> Option<String> {
        if let Some(why) = self
            .failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            return Some(why);
        }
        let unused = self
            .file
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        unused.then(|| "nothing was captured, so nothing was written".to_string())
    }

    /// The path given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file, once: the first capture to start writes it.
    fn take(&self) -> Option<File> {
        self.file.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

fn create(path: &Path, force: bool) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    if force {
        // O_NOFOLLOW refuses a link in the last place; a directory fails
        // to open for writing (EISDIR).
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    let file = opts.open(path)?;
    let kind = file.metadata()?.file_type();
    if !(kind.is_file() || kind.is_char_device() || kind.is_fifo()) {
        return Err(io::Error::other("not a file"));
    }
    Ok(file)
}

/// The reason in words a user acts on.
fn said(path: &Path, e: &io::Error) -> String {
    let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match e.raw_os_error() {
        _ if link => "is a symbolic link; not followed (give the path of a new file)".into(),
        _ if path.is_dir() => "is a directory; give the path of a file in it".into(),
        Some(libc::EEXIST) => "exists; not replaced (--force replaces it)".into(),
        Some(libc::ELOOP) => {
            "is a symbolic link; not followed (give the path of a new file)".into()
        }
        _ => e.to_string(),
    }
}

impl PcapFile {
    /// Starts writing the target's file with one interface: the loopback,
    /// Ethernet frames, time stamps in nanoseconds. The header is written
    /// at once, so a full disk is found before the lab starts.
    pub fn create(target: &PcapTarget) -> io::Result<PcapFile> {
        let file = target
            .take()
            .ok_or_else(|| io::Error::other("is being written already"))?;
        PcapFile::start(file).inspect_err(|e| target.fail(&e.to_string()))
    }

    fn start(file: File) -> io::Result<PcapFile> {
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
        writer.get_mut().flush()?;
        Ok(PcapFile {
            writer,
            link_described: false,
        })
    }

    /// Writes one packet as a side of the lab's own link had it (leaving the side when it entered the link, arriving when the
    /// link handed it over), with its cause and what the link did to it as
    /// its comment.
    pub fn write_link(
        &mut self,
        side: LinkSide,
        packet: &[u8],
        wire_len: usize,
        stamp: SystemTime,
        seg: &Segment,
    ) -> io::Result<()> {
        if !self.link_described {
            for name in ["splink0 (client side)", "splink0 (server side)"] {
                let interface = InterfaceDescriptionBlock {
                    linktype: DataLink::ETHERNET,
                    snaplen: FULL_SNAPLEN,
                    options: vec![
                        InterfaceDescriptionOption::IfName(Cow::Borrowed(name)),
                        InterfaceDescriptionOption::IfTsResol(9),
                    ],
                };
                self.writer.write_pcapng_block(interface).map_err(to_io)?;
            }
            self.link_described = true;
        }
        let fate = match seg.link.as_deref() {
            Some(c) if LinkSide::receiver(c.to_server) == side => "arrived".to_string(),
            Some(c) => match c.dropped {
                Some(why) => format!("dropped by the link ({})", why.word()),
                None => "entered the link".to_string(),
            },
            None => String::new(),
        };
        let comment = format!(
            "sockplay: {} → {}: {}; {fate}",
            seg.from_text(),
            seg.to_text(),
            seg.why()
        );
        // The devices carry bare IP packets; tcpdump and libpcap read a
        // file only when all its interfaces have the first one's link type,
        // so each packet gets the header the loopback's frames have: no
        // addresses, IPv4.
        let mut frame = Vec::with_capacity(ETHERNET_HEADER.len() + packet.len());
        frame.extend_from_slice(&ETHERNET_HEADER);
        frame.extend_from_slice(packet);
        let packet = EnhancedPacketBlock {
            interface_id: side.interface(),
            timestamp: stamp.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO),
            original_len: (ETHERNET_HEADER.len() + wire_len) as u32,
            data: Cow::Owned(frame),
            options: vec![EnhancedPacketOption::Comment(Cow::Owned(comment))],
        };
        self.writer.write_pcapng_block(packet).map_err(to_io)?;
        Ok(())
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
