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
mod port;
pub mod settings;
mod way;

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use crate::lab::sides::{CLIENT_IP, LinkView, LinkWay, SERVER_IP};
pub use settings::{Change, LinkCommand, Settings};

use forward::{Forwarder, State, lock};
use port::Port;

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
                let (made, kind) = start(settings)?;
                *link = Some(made);
                Ok(format!(
                    "link made ({kind}): client side {CLIENT_IP}, server side {SERVER_IP}; {}; listeners from now on are on the server side, clients of {SERVER_IP} on the client side",
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
                let (mut lost, mut seen) = (0, Vec::new());
                for (w, way) in s.ways.iter_mut().enumerate() {
                    for h in way.drop_all() {
                        lost += 1;
                        if let Some(n) = crate::wire::tap::snaplen() {
                            let event = crate::wire::tap::Event::Lost;
                            seen.push(forward::seen_packet(h.id, w, event, &h.data, n));
                        }
                    }
                }
                // Told while the state is held: the thread's arrivals come after.
                crate::wire::tap::push(&mut seen);
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
/// and puts the lab on the link; says which devices carry it.
fn start(settings: Settings) -> Result<(Link, &'static str), String> {
    if !crate::lab::netns::is_own() {
        return Err(NEEDS_OWN.into());
    }
    let home = crate::sys::netns::current().map_err(|e| fail("the lab's namespace", e))?;
    let home_ns = home
        .try_clone()
        .map_err(|e| fail("the lab's namespace", e))?;
    let state = Arc::new(Mutex::new(State::new(settings)));
    let wake: Arc<OwnedFd> = Arc::new(
        rustix::event::eventfd(
            0,
            rustix::event::EventfdFlags::CLOEXEC | rustix::event::EventfdFlags::NONBLOCK,
        )
        .map_err(|e| fail("an eventfd", e.into()))?,
    );
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel::<Result<(File, &'static str), String>>();
    let (state2, wake2, stop2) = (Arc::clone(&state), Arc::clone(&wake), Arc::clone(&stop));
    std::thread::Builder::new()
        .name("sockplay-link".into())
        .spawn(move || {
            // The link holds each packet for its delay and no longer: on a
            // busy machine a thread of ordinary priority wakes late, and
            // the delay grows (connects of 117-136 ms for 100 ms with two
            // test suites running on two cores), and packets wait in the
            // devices' queues until they overflow. Real-time where allowed
            // (root), a short slice elsewhere.
            crate::sys::priority::run_ahead();
            // The thread lives on the client side, made here.
            let (client, server) = match sides(&home) {
                Ok((client_ns, client, server)) => {
                    let _ = tx.send(Ok((client_ns, client.kind())));
                    (client, server)
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            drop(home);
            let forwarder = Forwarder {
                client,
                server,
                state: state2,
                stop: stop2,
                wake: wake2,
            };
            // A link whose thread died would hold every packet from then
            // on, and the lab would go on as if it were there: a panic
            // here ends the process, as one in the screen's thread does
            // (its message is written first); the namespaces and the
            // devices go with the process.
            let run = std::panic::AssertUnwindSafe(|| forwarder.run());
            if std::panic::catch_unwind(run).is_err() {
                std::process::exit(101);
            }
        })
        .map_err(|e| fail("a thread", e))?;
    let (client_ns, kind) = rx
        .recv()
        .map_err(|_| "the link could not be made: its thread ended".to_string())??;
    let view_state = Arc::clone(&state);
    crate::lab::sides::install(crate::lab::sides::Sides {
        client_ns,
        home_ns,
        report: Box::new(move || view(&lock(&view_state))),
    });
    Ok((Link { state, wake, stop }, kind))
}

fn fail(what: &str, e: io::Error) -> String {
    format!("the link could not be made: {what}: {e}")
}

/// On the link's thread: moves it into a new namespace, the client side,
/// and makes both sides' devices: TUN where `/dev/net/tun` opens, veth
/// pairs through a namespace between the sides where it does not. The
/// thread ends on the client side.
fn sides(home: &File) -> Result<(File, Port, Port), String> {
    use crate::sys::netns::{current, enter, unshare_thread};
    unshare_thread().map_err(|e| fail("the client side's namespace", e))?;
    crate::sys::loopback::up().map_err(|e| fail("the client side's loopback", e))?;
    let client_ns = current().map_err(|e| fail("the client side's namespace", e))?;
    let back = |r: io::Result<()>| r.map_err(|e| fail("moving between the sides", e));
    match tun(CLIENT_IP, SERVER_IP) {
        Ok(client) => {
            back(enter(home.as_fd()))?;
            let server = tun(SERVER_IP, CLIENT_IP);
            back(enter(client_ns.as_fd()))?;
            let server = server.map_err(|e| fail("the server side's device", e))?;
            Ok((client_ns, client, server))
        }
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::PermissionDenied | io::ErrorKind::NotFound
            ) =>
        {
            let (client, server) = veth(home, &client_ns)?;
            Ok((client_ns, client, server))
        }
        Err(e) => Err(fail("the client side's device", e)),
    }
}

/// A TUN device in the current thread's namespace, addressed and up.
fn tun(local: std::net::Ipv4Addr, peer: std::net::Ipv4Addr) -> io::Result<Port> {
    let dev = crate::sys::tun::open(DEVICE)?;
    no_ipv6(DEVICE);
    crate::sys::tun::address(DEVICE, local, peer)?;
    Ok(Port::Tun(dev))
}

/// No IPv6 on a device of the link: its neighbour discovery would be
/// packets the lab never sent.
fn no_ipv6(dev: &str) {
    let _ = std::fs::write(format!("/proc/sys/net/ipv6/conf/{dev}/disable_ipv6"), "1");
}

/// The link over veth pairs: a namespace between the sides holds one end
/// of each pair (`spc`, `sps`), each side the other (`splink0`, ARP off);
/// the thread reads and writes the middle ends through packet sockets.
/// Called on the client side; returns there.
fn veth(home: &File, client_ns: &File) -> Result<(Port, Port), String> {
    use crate::sys::netns::{current, enter, unshare_thread};
    use crate::sys::packet::PacketPort;
    use crate::sys::veth;
    let step = |what: &'static str| move |e: io::Error| fail(what, e);
    unshare_thread().map_err(step("the namespace between the sides"))?;
    let middle = current().map_err(step("the namespace between the sides"))?;
    veth::pair("spc", DEVICE, client_ns.as_fd()).map_err(step("a veth pair"))?;
    veth::pair("sps", DEVICE, home.as_fd()).map_err(step("a veth pair"))?;
    for end in ["spc", "sps"] {
        no_ipv6(end);
        veth::offloads_off(end).map_err(step("a veth end"))?;
        veth::up(end, None).map_err(step("a veth end"))?;
    }
    let side = |ns: &File, ip| -> Result<[u8; 6], String> {
        enter(ns.as_fd()).map_err(step("moving between the sides"))?;
        no_ipv6(DEVICE);
        veth::offloads_off(DEVICE).map_err(step("a side's device"))?;
        veth::up(DEVICE, Some(ip)).map_err(step("a side's device"))?;
        veth::hardware_address(DEVICE).map_err(step("a side's device"))
    };
    let server_mac = side(home, SERVER_IP)?;
    let client_mac = side(client_ns, CLIENT_IP)?;
    enter(middle.as_fd()).map_err(step("moving between the sides"))?;
    let ports = PacketPort::open("spc", client_mac)
        .and_then(|c| Ok((c, PacketPort::open("sps", server_mac)?)));
    enter(client_ns.as_fd()).map_err(step("moving between the sides"))?;
    let (client, server) = ports.map_err(step("a packet socket"))?;
    Ok((Port::Veth(client), Port::Veth(server)))
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
        track: [s.ways[0].track(now), s.ways[1].track(now)],
    }
}
