//! The one reader of the kernel view in a process.
//!
//! A front end builds it once and hands clones to whatever reads the
//! kernel: the sampler thread, `show` and `expect`. They all count the
//! TcpExt counters from the same moment, so the listeners pane's
//! "overflows +N" and `show` agree.

use std::sync::{Arc, Mutex};

use super::Snapshotter;
use super::snapshot::Snapshot;
use crate::lab::Observer;

/// A shared [`Snapshotter`], or why the kernel view cannot be read.
#[derive(Clone)]
pub struct KernelReader {
    inner: Result<Arc<Mutex<Snapshotter>>, String>,
}

impl KernelReader {
    /// A reader of the running kernel, counting from now. When sock_diag
    /// cannot be opened, every read says why.
    pub fn live() -> KernelReader {
        KernelReader {
            inner: Snapshotter::live()
                .map(|s| Arc::new(Mutex::new(s)))
                .map_err(|e| format!("cannot read the kernel view: {e}")),
        }
    }

    /// Why the kernel view cannot be read, if it cannot.
    pub fn error(&self) -> Option<&str> {
        self.inner.as_ref().err().map(String::as_str)
    }

    /// The whole kernel view of the lab now.
    pub fn take(&self, lab: &Observer) -> Result<Snapshot, String> {
        let reader = self.inner.as_ref().map_err(Clone::clone)?;
        let mut snapshotter = reader.lock().unwrap_or_else(|p| p.into_inner());
        snapshotter
            .take(lab)
            .map_err(|e| format!("cannot read the kernel view: {e}"))
    }

    /// Hands back a view nobody shows any more: the next snapshot is built
    /// in its memory (see [`Snapshotter::recycle`]).
    pub fn recycle(&self, old: Snapshot) {
        if let Ok(reader) = &self.inner {
            reader
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .recycle(old);
        }
    }

    /// Watches another process's sockets beside the lab's, for every holder
    /// of the reader.
    pub fn watch(&self, watch: super::watch::Watch) {
        if let Ok(reader) = &self.inner {
            reader
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .watch(watch);
        }
    }

    /// Reads TCP_INFO only for these watched sockets (those on screen and
    /// the selected one).
    pub fn set_watch_detail(&self, detail: Option<rustc_hash::FxHashSet<crate::lab::SockName>>) {
        if let Ok(reader) = &self.inner {
            reader
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .set_watch_detail(detail);
        }
    }

    /// Counts the TcpExt counters from now on, for every holder of the
    /// reader (a lab started afresh).
    pub fn count_from_now(&self) {
        if let Ok(reader) = &self.inner {
            reader
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .count_from_now();
        }
    }

    /// Reads the system settings afresh at the next snapshot, for every
    /// holder of the reader (after `sysctl` changed one).
    pub fn forget_system(&self) {
        if let Ok(reader) = &self.inner {
            reader
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .forget_system();
        }
    }
}
