//! The capture's receive ring (PACKET_MMAP, version 3): blocks of frames
//! that the kernel fills in memory this process shares with it, handed
//! over a whole block at a time.
//!
//! A plain packet socket costs the loopback a clone of every frame, a
//! charge against a socket buffer, a wake-up and a system call to read it;
//! at a bulk transfer's hundreds of thousands of segments a second that
//! slowed the transfer itself and still fell behind. The ring costs the
//! kernel one copy of the kept bytes into the block it is filling, and the
//! reader one look at a status word per block.
//!
//! A block belongs to the kernel until it fills or its retire timer fires;
//! then it is the reader's until [`Block`] is dropped, which gives it
//! back. When every block is the reader's the kernel drops frames and
//! counts them in PACKET_STATISTICS.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustix::event::{PollFd, PollFlags, Timespec, poll};

/// A frame's length as kept and as it was on the wire, and when the
/// kernel saw it.
#[derive(Debug, Clone, Copy)]
pub struct FrameMeta {
    /// Bytes kept in the buffer.
    pub kept: usize,
    /// Bytes on the wire.
    pub wire_len: usize,
    /// The kernel's time stamp.
    pub stamp: SystemTime,
}

/// The size of one block: 1 MiB, room for about 4,000 frames cut to the
/// headers, or 15 whole loopback frames of 64 KiB.
pub const BLOCK_SIZE: u32 = 1 << 20;

/// The most blocks when only the headers are kept: 24 MiB, about 100,000
/// frames, a seventh of a second of a bulk transfer on a loopback of MTU
/// 1500 (16 MiB dropped a frame now and then on a busy machine).
pub const BLOCKS_HEADERS: u32 = 24;

/// The fewest: 4 MiB, about 16,000 frames.
pub const BLOCKS_HEADERS_MIN: u32 = 4;

/// The MTU [`BLOCKS_HEADERS`] was measured at.
const MTU_MEASURED: u32 = 1500;

/// How many blocks, when only the headers are kept, hold the same seventh
/// of a second of a bulk transfer on a loopback of this MTU. A bulk
/// transfer's frames are as long as the MTU lets them be, so their rate
/// falls as it grows: at MTU 65536 (a machine's `lo`, with TSO) 1 GiB is
/// about 20,000 frames, not 750,000, and the largest ring held nearly two
/// seconds of it while every page of it stayed resident. An MTU that
/// cannot be read counts as the smallest.
pub fn blocks_for_headers(mtu: Option<u32>) -> u32 {
    let mtu = mtu.unwrap_or(MTU_MEASURED).max(1);
    (BLOCKS_HEADERS * MTU_MEASURED)
        .div_ceil(mtu)
        .clamp(BLOCKS_HEADERS_MIN, BLOCKS_HEADERS)
}

/// How many blocks when whole frames are kept (for a pcap file): 32 MiB.
pub const BLOCKS_WHOLE: u32 = 32;

/// The frame size the kernel checks the geometry with (version 3 packs
/// frames of any length; this only has to divide a block).
const FRAME_SIZE: u32 = 2048;

/// How long a block the kernel has begun stays open before it is handed
/// over with what it has: the longest a quiet segment waits to be seen.
const RETIRE_MS: u32 = 8;

// The kernel's layout of a block's header and a frame's header
// (linux/if_packet.h): offsets into them, in bytes.
const BLOCK_STATUS: usize = 8;
const BLOCK_NUM_PKTS: usize = 12;
const BLOCK_FIRST_PKT: usize = 16;
const HDR_NEXT: usize = 0;
const HDR_SEC: usize = 4;
const HDR_NSEC: usize = 8;
const HDR_SNAPLEN: usize = 12;
const HDR_LEN: usize = 16;
const HDR_MAC: usize = 24;
/// The smallest frame header the kernel writes (`struct tpacket3_hdr`).
const HDR_SIZE: usize = 48;

const TP_STATUS_KERNEL: u32 = 0;
const TP_STATUS_USER: u32 = 1;
const TPACKET_V3: libc::c_int = 2;

/// `struct tpacket_req3`: the ring's geometry, as PACKET_RX_RING takes it.
#[repr(C)]
struct Req3 {
    block_size: u32,
    block_nr: u32,
    frame_size: u32,
    frame_nr: u32,
    retire_blk_tov: u32,
    sizeof_priv: u32,
    feature_req_word: u32,
}

/// The ring of a capture socket, mapped into this process.
pub struct Ring {
    map: *mut u8,
    len: usize,
    blocks: usize,
    /// The block to look at next; the lock keeps one reader at a time.
    next: Mutex<usize>,
}

// SAFETY: the mapping is this value's own and lives until it drops; the
// kernel's side is synchronised through each block's status word, read and
// written atomically, and readers take `next`'s lock, so one thread at a
// time reads and gives back blocks.
unsafe impl Send for Ring {}
// SAFETY: as above.
unsafe impl Sync for Ring {}

/// Sets a SOL_PACKET option of a packet socket.
pub(super) fn setsockopt<T>(fd: BorrowedFd<'_>, name: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: `value` lives for the call and has the size given.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_PACKET,
            name,
            (value as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

impl Ring {
    /// Sets up a ring of `blocks` blocks on a packet socket that is not
    /// bound yet, and maps it. The kernel maps every page at once: the
    /// process's resident size counts the whole ring from the start.
    pub fn attach(sock: BorrowedFd<'_>, blocks: u32) -> io::Result<Ring> {
        setsockopt(sock, libc::PACKET_VERSION, &TPACKET_V3)?;
        let req = Req3 {
            block_size: BLOCK_SIZE,
            block_nr: blocks,
            frame_size: FRAME_SIZE,
            frame_nr: BLOCK_SIZE / FRAME_SIZE * blocks,
            retire_blk_tov: RETIRE_MS,
            sizeof_priv: 0,
            feature_req_word: 0,
        };
        setsockopt(sock, libc::PACKET_RX_RING, &req)?;
        let len = BLOCK_SIZE as usize * blocks as usize;
        // SAFETY: a fresh shared mapping of the ring the kernel just made
        // for this socket; nothing else refers to that address range.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                sock.as_raw_fd(),
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Ring {
            map: map.cast(),
            len,
            blocks: blocks as usize,
            next: Mutex::new(0),
        })
    }

    /// The status word of block `i`.
    fn status(&self, i: usize) -> &AtomicU32 {
        assert!(i < self.blocks, "block {i} of {}", self.blocks);
        // SAFETY: block `i` (< `blocks`, asserted) lies within the mapping,
        // the word is 4-aligned (blocks are page-aligned), and it lives as
        // long as `self`.
        unsafe { AtomicU32::from_ptr(self.map.add(i * BLOCK_SIZE as usize + BLOCK_STATUS).cast()) }
    }

    /// The next block the kernel has handed over, waiting for one at most
    /// `wait` (polling `sock`); `None` when none came in that time.
    pub fn next_block(
        &self,
        sock: BorrowedFd<'_>,
        wait: Duration,
    ) -> io::Result<Option<Block<'_>>> {
        let next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        if self.status(*next).load(Ordering::Acquire) & TP_STATUS_USER == 0 {
            let mut fds = [PollFd::new(&sock, PollFlags::IN | PollFlags::ERR)];
            let timeout = Timespec::try_from(wait).unwrap_or(Timespec {
                tv_sec: 0,
                tv_nsec: 50_000_000,
            });
            match poll(&mut fds, Some(&timeout)) {
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
            if self.status(*next).load(Ordering::Acquire) & TP_STATUS_USER == 0 {
                return Ok(None);
            }
        }
        // SAFETY: block `*next` (< `blocks`) lies wholly within the mapping,
        // which lives as long as `self`. It is the reader's now: its status
        // said so, read with Acquire after the kernel's release, and the
        // kernel writes none of it until `Block`'s drop gives it back (the
        // last use of these bytes), while `next`'s lock keeps other readers
        // out.
        let bytes = unsafe {
            std::slice::from_raw_parts(
                self.map.add(*next * BLOCK_SIZE as usize),
                BLOCK_SIZE as usize,
            )
        };
        Ok(Some(Block {
            ring: self,
            next,
            bytes,
        }))
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `attach`, with its length; no block
        // borrows it any more (a `Block` borrows the ring).
        unsafe {
            libc::munmap(self.map.cast(), self.len);
        }
    }
}

/// A block the kernel has filled: its frames, until it is given back on
/// drop.
pub struct Block<'a> {
    ring: &'a Ring,
    next: MutexGuard<'a, usize>,
    bytes: &'a [u8],
}

impl Block<'_> {
    /// The u32 at `at` (0 past the block's end).
    fn word(&self, at: usize) -> u32 {
        self.bytes
            .get(at..at + 4)
            .map_or(0, |b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The u16 at `at` (0 past the block's end).
    fn half(&self, at: usize) -> u16 {
        self.bytes
            .get(at..at + 2)
            .map_or(0, |b| u16::from_ne_bytes([b[0], b[1]]))
    }

    /// The block's frames in the order the kernel saw them: the bytes kept
    /// of each, and what is known of it. A frame header that would reach
    /// past the block ends the walk.
    pub fn frames(&self) -> impl Iterator<Item = (&[u8], FrameMeta)> + '_ {
        let size = BLOCK_SIZE as usize;
        let count = self.word(BLOCK_NUM_PKTS);
        let mut at = self.word(BLOCK_FIRST_PKT) as usize;
        (0..count).map_while(move |_| {
            if at == 0 || at.checked_add(HDR_SIZE)? > size {
                return None;
            }
            let h = at;
            let snaplen = self.word(h + HDR_SNAPLEN) as usize;
            let start = h + self.half(h + HDR_MAC) as usize;
            let end = start.checked_add(snaplen)?;
            if end > size {
                return None;
            }
            let stamp = UNIX_EPOCH
                + Duration::new(
                    u64::from(self.word(h + HDR_SEC)),
                    self.word(h + HDR_NSEC).min(999_999_999),
                );
            let meta = FrameMeta {
                kept: snaplen,
                wire_len: self.word(h + HDR_LEN) as usize,
                stamp,
            };
            let next = self.word(h + HDR_NEXT) as usize;
            at = if next == 0 { 0 } else { h.checked_add(next)? };
            Some((&self.bytes[start..end], meta))
        })
    }
}

impl Drop for Block<'_> {
    fn drop(&mut self) {
        let i = *self.next;
        self.ring
            .status(i)
            .store(TP_STATUS_KERNEL, Ordering::Release);
        *self.next = (i + 1) % self.ring.blocks;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_shrinks_as_frames_grow() {
        assert_eq!(blocks_for_headers(Some(1500)), BLOCKS_HEADERS);
        assert_eq!(blocks_for_headers(Some(576)), BLOCKS_HEADERS);
        assert_eq!(blocks_for_headers(None), BLOCKS_HEADERS);
        assert_eq!(blocks_for_headers(Some(3000)), 12);
        assert_eq!(blocks_for_headers(Some(9000)), BLOCKS_HEADERS_MIN);
        assert_eq!(blocks_for_headers(Some(65536)), BLOCKS_HEADERS_MIN);
        assert_eq!(blocks_for_headers(Some(0)), BLOCKS_HEADERS);
    }
}
