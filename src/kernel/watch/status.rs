//! What a snapshot says of the watch: a file of its own, so that the
//! snapshot can carry it without reaching into the watcher that makes it.

use serde::Serialize;

use super::alerts::Alert;
use super::owners::Owner;

/// What the snapshot says of the watch, beside the watched sockets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchStatus {
    /// What is watched (`:8080`, `127.0.0.1:8080`, `pid 4242`).
    pub target: String,
    /// The process watched, when the target is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<Owner>,
    /// A sentence when there is nothing to see or the process has gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The last alerts, oldest first.
    pub alerts: Vec<Alert>,
}
