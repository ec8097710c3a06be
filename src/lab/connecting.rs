//! Blocked connects without a thread each. A blocking `connect()` that is
//! still in SYN-SENT after a moment (a full accept queue, a target that
//! does not answer) is parked: the socket is made non-blocking for the
//! wait, one poller thread (epoll) watches every such socket, and when the
//! kernel answers, the result is told as the lane would have told it. The
//! call stays in flight and blocked on screen meanwhile; a hundred
//! thousand of them cost one thread, not a hundred thousand.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::FxHashMap;
use rustix::event::epoll::{self, CreateFlags, Event, EventData, EventFlags};
use rustix::event::{EventfdFlags, eventfd};
use socket2::Socket;

use super::errno::Errno;
use super::result::Outcome;

/// What to do once the kernel answered a parked connect.
type Finish = Box<dyn FnOnce(Outcome) + Send>;

struct Entry {
    fd: Arc<Socket>,
    finish: Finish,
}

/// The one poller of the process.
struct Poller {
    epoll: OwnedFd,
    /// An eventfd: written to wake the poller for cancelled entries.
    wake: OwnedFd,
    entries: Mutex<FxHashMap<u64, Entry>>,
    cancelled: Mutex<Vec<u64>>,
    next: AtomicU64,
}

/// The token of the eventfd in the epoll set.
const WAKE_TOKEN: u64 = 0;

static POLLER: OnceLock<Option<Arc<Poller>>> = OnceLock::new();

fn poller() -> Option<&'static Arc<Poller>> {
    POLLER.get_or_init(|| Poller::start().ok()).as_ref()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Poller {
    fn start() -> std::io::Result<Arc<Poller>> {
        let epoll = epoll::create(CreateFlags::CLOEXEC)?;
        let wake = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        let poller = Arc::new(Poller {
            epoll,
            wake,
            entries: Mutex::new(FxHashMap::default()),
            cancelled: Mutex::new(Vec::new()),
            next: AtomicU64::new(WAKE_TOKEN + 1),
        });
        epoll::add(
            &poller.epoll,
            &poller.wake,
            EventData::new_u64(WAKE_TOKEN),
            EventFlags::IN,
        )?;
        let me = Arc::clone(&poller);
        std::thread::Builder::new()
            .name("sockplay-connects".into())
            .stack_size(256 * 1024)
            .spawn(move || me.run())?;
        Ok(poller)
    }

    fn run(&self) {
        let none = Event {
            flags: EventFlags::empty(),
            data: EventData::new_u64(0),
        };
        let mut events = vec![none; 256];
        loop {
            let Ok(n) = epoll::wait(&self.epoll, &mut events[..], None) else {
                // EINTR: the lab's wake-up signal reached this thread too.
                continue;
            };
            for ev in &events[..n] {
                let token = ev.data.u64();
                if token == WAKE_TOKEN {
                    let mut buf = [0u8; 8];
                    let _ = rustix::io::read(&self.wake, &mut buf);
                    let cancelled = std::mem::take(&mut *lock(&self.cancelled));
                    for token in cancelled {
                        // Woken as a signal wakes a blocked connect: EINTR,
                        // unless the kernel has an answer already.
                        self.answer(token, Some(libc::EINTR));
                    }
                } else {
                    self.answer(token, None);
                }
            }
        }
    }

    /// Tells a parked connect's result: the kernel's (SO_ERROR), else
    /// `otherwise`, else success.
    fn answer(&self, token: u64, otherwise: Option<i32>) {
        let Some(entry) = lock(&self.entries).remove(&token) else {
            return;
        };
        let _ = epoll::delete(&self.epoll, entry.fd.as_fd());
        let outcome: Outcome = match (entry.fd.take_error(), otherwise) {
            (Ok(Some(e)), _) => Err(Errno::of(&e)),
            (Err(e), _) => Err(Errno::of(&e)),
            (Ok(None), Some(errno)) if !connected(&entry.fd) => Err(Errno(errno)),
            (Ok(None), _) => Ok(0),
        }
        .into();
        (entry.finish)(outcome);
    }
}

/// Whether the socket's connection is made (ESTABLISHED, or past it).
fn connected(fd: &Socket) -> bool {
    fd.peer_addr().is_ok()
}

/// A place in the poller, taken before the call is parked so that its
/// wake-up can name it.
pub(crate) struct Ticket {
    poller: &'static Arc<Poller>,
    token: u64,
}

/// Starts the poller now, while descriptors are to be had (a lab that
/// runs out of them later still parks its connects).
pub(crate) fn start() {
    let _ = poller();
}

/// A ticket for one parked connect, or `None` when no poller can run.
pub(crate) fn ticket() -> Option<Ticket> {
    let poller = poller()?;
    Some(Ticket {
        poller,
        token: poller.next.fetch_add(1, Ordering::Relaxed),
    })
}

impl Ticket {
    /// How the lane wakes the parked call: the poller tells it as EINTR
    /// (unless the kernel answered first).
    pub fn waker(&self) -> Box<dyn Fn() + Send> {
        let (poller, token) = (self.poller, self.token);
        Box::new(move || {
            lock(&poller.cancelled).push(token);
            let _ = rustix::io::write(&poller.wake, &1u64.to_ne_bytes());
        })
    }

    /// Watches `fd` (non-blocking, its connect in progress) until the kernel
    /// answers, then calls `finish` on the poller's thread. When it cannot
    /// be watched, gives `finish` back.
    pub fn watch(self, fd: Arc<Socket>, finish: Finish) -> Result<(), Finish> {
        // In the table before the poller can see it: an answer that comes
        // at once finds its entry.
        let watched = Arc::clone(&fd);
        lock(&self.poller.entries).insert(self.token, Entry { fd, finish });
        let added = epoll::add(
            &self.poller.epoll,
            watched.as_fd(),
            EventData::new_u64(self.token),
            EventFlags::OUT | EventFlags::ONESHOT,
        );
        if added.is_err() {
            // Not added, so the poller never answers it: it is ours again.
            if let Some(entry) = lock(&self.poller.entries).remove(&self.token) {
                return Err(entry.finish);
            }
        }
        Ok(())
    }
}
