//! Where the in-process transport gets the time: the wall clock, or a manual one that
//! sleeping advances, so a ten-minute wait runs in microseconds.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of epoch milliseconds.
#[derive(Clone, Debug)]
pub enum Clock {
    /// The system clock; sleeping sleeps.
    System,
    /// A shared counter; sleeping adds to it and returns at once.
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// A manual clock starting at `epoch_ms`.
    pub fn manual(epoch_ms: u64) -> Self {
        Self::Manual(Arc::new(AtomicU64::new(epoch_ms)))
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> u64 {
        match self {
            Self::System => system_now_ms(),
            Self::Manual(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward; the system clock cannot be moved.
    pub fn advance(&self, by: Duration) {
        if let Self::Manual(t) = self {
            t.fetch_add(u64::try_from(by.as_millis()).unwrap_or(u64::MAX), Ordering::SeqCst);
        }
    }
}

/// The wall clock in epoch milliseconds.
pub(crate) fn system_now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
