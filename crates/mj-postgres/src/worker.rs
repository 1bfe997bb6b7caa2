//! A thread that owns a link and does the work sent to it. The blocking PostgreSQL client
//! runs a small async runtime of its own, which must not be started from inside another:
//! calls that may come from an async client or an async web handler (pacing, callbacks)
//! are made here, so both kinds of client can use them.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Mutex, PoisonError};

use crate::database::{DatabaseError, Link};

type Work = Box<dyn FnOnce(&mut Link) + Send>;

/// The thread, stopped when this is dropped (it finishes the work it has).
pub(crate) struct Worker {
    to: Mutex<Sender<Work>>,
    database: String,
}

impl Worker {
    /// Starts a thread named `name` that owns `link`.
    pub(crate) fn start(mut link: Link, name: &str) -> std::io::Result<Self> {
        let database = link.database().to_string();
        let (to, works) = mpsc::channel::<Work>();
        std::thread::Builder::new().name(name.to_owned()).spawn(move || {
            for work in works {
                work(&mut link);
            }
        })?;
        Ok(Self { to: Mutex::new(to), database })
    }

    /// Hands `work` over; its result comes on the receiver.
    pub(crate) fn send<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Link) -> R + Send + 'static,
    ) -> Result<Receiver<R>, DatabaseError> {
        let (reply, result) = mpsc::channel();
        let work: Work = Box::new(move |link| {
            let _ = reply.send(work(link));
        });
        let to = self.to.lock().unwrap_or_else(PoisonError::into_inner);
        to.send(work).map_err(|_| self.gone())?;
        Ok(result)
    }

    /// Does `work` on the thread and waits for its result.
    pub(crate) fn call<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Link) -> Result<R, DatabaseError> + Send + 'static,
    ) -> Result<R, DatabaseError> {
        self.send(work)?.recv().map_err(|_| self.gone())?
    }

    /// The error of a thread that is gone (it panicked).
    pub(crate) fn gone(&self) -> DatabaseError {
        DatabaseError {
            database: self.database.clone(),
            message: "its connection thread stopped".to_owned(),
            transient: false,
        }
    }
}
