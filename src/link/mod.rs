//! The lab's own link: a network with distance between its clients and
//! its listeners, made in user space. Two network namespaces, the server
//! side (the lab's own) and the client side, each with a TUN device; a
//! thread of sockplay's moves every IP packet between them, holding each
//! for the delay, pacing them at the rate, dropping by the loss, with a
//! bounded queue at each way's entry. No qdisc is used.
//!
//! Addresses are documentation ones ([`CLIENT_IP`], [`SERVER_IP`]), and
//! nothing leaves the lab's namespaces. The namespaces, the devices and the
//! thread end with the process: the namespaces are never named in the
//! file system, so nothing is left behind however the process ends.

mod forward;
mod packet;
pub mod settings;
mod way;

use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use crate::lab::sides::{CLIENT_IP, LinkView, LinkWay, SERVER_IP};
pub use settings::{Change, LinkCommand, Settings};

use forward::{Forwarder, State, lock};

/// The name of the link's device on each side.
pub const DEVICE: &str = "splink0";

/// A running link.
struct Link {
    state: Arc<Mutex<State>>,
    wake: Arc<OwnedFd>,
    stop: Arc<AtomicBool>,
}

static LINK: Mutex<Option<Link>> = Mutex::new(None);

/// Why `link` can do nothing here.
const NEEDS_OWN: &str = "the link needs a lab of its own: start sockplay with --link delay=50ms (or --netns), so that its namespaces never touch this machine's network";

/// Carries out a `link` line: makes the link (the first `link` in a lab
/// of its own), changes it, pulls or plugs its cable. Returns what it did
/// in one sentence, or why it did nothing.
pub fn apply(cmd: &LinkCommand) -> Result<String, String> {
    let mut link = LINK.lock().unwrap_or_else(|p| p.into_inner());
    let Some(running) = link.as_ref() else {
        return match cmd {
            LinkCommand::Set(change) => {
                let settings = Settings::default().with(change);
                let made = start(settings)?;
                *link = Some(made);
                Ok(format!(
                    "link made: client side {CLIENT_IP}, server side {SERVER_IP}; {}; listeners from now on are on the server side, clients of {SERVER_IP} on the client side",
                    settings.describe()
                ))
            }
            LinkCommand::Down | LinkCommand::Up => {
                Err("there is no link yet: `link delay=50ms` makes one".into())
            }
        };
    };
    let said = {
        let mut s = lock(&running.state);
        match cmd {
            LinkCommand::Set(change) => {
                s.settings = s.settings.with(change);
                format!("link: {}", s.settings.describe())
            }
            LinkCommand::Down => {
                s.settings.up = false;
                let lost: usize = s.ways.iter_mut().map(|w| w.drop_all().len()).sum();
                format!(
                    "link down: nothing passes either way until `link up` ({lost} packet{} on the link lost)",
                    if lost == 1 { "" } else { "s" }
                )
            }
            LinkCommand::Up => {
                s.settings.up = true;
                "link up: packets pass again".to_string()
            }
        }
    };
    let _ = rustix::io::write(&*running.wake, &1u64.to_ne_bytes());
    Ok(said)
}

/// Whether the lab is on a link.
pub fn is_on() -> bool {
    LINK.lock().unwrap_or_else(|p| p.into_inner()).is_some()
}

/// Ends the link's thread (at quit); the namespaces and devices go with
/// the process.
pub fn stop() {
    if let Some(link) = LINK.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        link.stop.store(true, Ordering::Release);
        let _ = rustix::io::write(&*link.wake, &1u64.to_ne_bytes());
    }
}

/// Makes the client side's namespace and both devices, starts the thread,
/// and puts the lab on the link.
fn start(settings: Settings) -> Result<Link, String> {
    if !crate::lab::netns::is_own() {
        return Err(NEEDS_OWN.into());
    }
    let fail = |what: &str, e: io::Error| format!("the link could not be made: {what}: {e}");
    let home = crate::sys::netns::current().map_err(|e| fail("the lab's namespace", e))?;
    let server = device(SERVER_IP, CLIENT_IP).map_err(|e| fail("the server side's device", e))?;
    let state = Arc::new(Mutex::new(State::new(settings)));
    let wake: Arc<OwnedFd> = Arc::new(
        rustix::event::eventfd(
            0,
            rustix::event::EventfdFlags::CLOEXEC | rustix::event::EventfdFlags::NONBLOCK,
        )
        .map_err(|e| fail("an eventfd", e.into()))?,
    );
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel::<Result<File, String>>();
    let (state2, wake2, stop2) = (Arc::clone(&state), Arc::clone(&wake), Arc::clone(&stop));
    std::thread::Builder::new()
        .name("sockplay-link".into())
        .spawn(move || {
            // The thread lives on the client side: its device is made there.
            let made = crate::sys::netns::unshare_thread()
                .map_err(|e| fail("the client side's namespace", e))
                .and_then(|()| {
                    crate::sys::loopback::up().map_err(|e| fail("the client side's loopback", e))
                })
                .and_then(|()| {
                    device(CLIENT_IP, SERVER_IP).map_err(|e| fail("the client side's device", e))
                })
                .and_then(|dev| {
                    let ns = crate::sys::netns::current()
                        .map_err(|e| fail("the client side's namespace", e))?;
                    Ok((dev, ns))
                });
            let client = match made {
                Ok((dev, ns)) => {
                    let _ = tx.send(Ok(ns));
                    dev
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            Forwarder {
                client,
                server,
                state: state2,
                stop: stop2,
                wake: wake2,
            }
            .run();
        })
        .map_err(|e| fail("a thread", e))?;
    let client_ns = rx
        .recv()
        .map_err(|_| "the link could not be made: its thread ended".to_string())??;
    let view_state = Arc::clone(&state);
    crate::lab::sides::install(crate::lab::sides::Sides {
        client_ns,
        home_ns: home,
        report: Box::new(move || view(&lock(&view_state))),
    });
    Ok(Link { state, wake, stop })
}

/// The link's device in the current thread's namespace, addressed and up.
fn device(local: std::net::Ipv4Addr, peer: std::net::Ipv4Addr) -> io::Result<File> {
    let dev = crate::sys::tun::open(DEVICE)?;
    // No IPv6 on the link: its neighbour discovery would be packets the
    // lab never sent.
    let _ = std::fs::write(
        format!("/proc/sys/net/ipv6/conf/{DEVICE}/disable_ipv6"),
        "1",
    );
    crate::sys::tun::address(DEVICE, local, peer)?;
    Ok(dev)
}

/// The link as the kernel view shows it.
fn view(s: &State) -> LinkView {
    let now = Instant::now();
    LinkView {
        up: s.settings.up,
        delay_ms: s.settings.delay.as_secs_f64() * 1000.0,
        jitter_ms: s.settings.jitter.as_secs_f64() * 1000.0,
        rate_bps: s.settings.rate_bps,
        loss_percent: f64::from(s.settings.loss_ppm) / 10_000.0,
        queue_limit: s.settings.queue,
        client: CLIENT_IP,
        server: SERVER_IP,
        to_server: s.ways[0].view(now),
        to_client: s.ways[1].view(now),
        malformed: s.malformed,
    }
}
