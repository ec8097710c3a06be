//! What a listen's result says besides the call: where the listener
//! can be reached from, and a port that was probably meant as a backlog.

use std::net::{IpAddr, SocketAddr};

use super::name::SockName;

/// What to say when a listener's address was a port alone below 1024:
/// `listen 5` binds port 5, which is almost never meant; the backlog is
/// `backlog=5`.
pub(crate) fn low_port_hint(port_alone: bool, port: u16) -> Option<String> {
    (port_alone && (1..1024).contains(&port)).then(|| {
        format!(
            "{port} was taken as a port (below 1024, where well-known services live): for a queue of {port}, write listen backlog={port}"
        )
    })
}

/// Where listener `name`, bound to `local` (asked as `addr`), can be
/// reached from, when that is not the machine's loopback: the server side
/// of the lab's link, the lab's own namespace (said of the first listener
/// only, the rest being in the same one, and only when the user asked for
/// it with `--netns`: a lesson that brings its own namespace is not told
/// of it in the middle of its calls), or the network.
pub(crate) fn whereabouts(name: SockName, local: Option<SocketAddr>, addr: SocketAddr) -> String {
    if super::sides::get().is_some()
        && local.is_some_and(|a| a.ip() == IpAddr::V4(super::sides::SERVER_IP))
    {
        " (on the server side of the lab's link)".into()
    } else if super::netns::is_own() {
        if name.number == 1 && super::netns::was_asked() {
            " (in sockplay's own network namespace: reachable only from the lab)".into()
        } else {
            String::new()
        }
    } else if !addr.ip().to_canonical().is_loopback() {
        "; NOTE: not a loopback address, so the port is reachable from the network".into()
    } else {
        String::new()
    }
}
