//! A server's lane: two threads per server that make that server's requests and report
//! each outcome to the run, so that a server that hangs, dies or refuses the key holds up
//! only its own jobs. One thread sends (submits, and the resumes of lost answers, which
//! may take a while to resolve); the other asks (follow-ups, grids, downloads), so that a
//! slow submit never delays the server's running tasks. The lane decides nothing and writes
//! nothing: the run journals every send before it hands the work over, and records every
//! outcome as it comes back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

use mj_client::Client;
use mj_proto::endpoint::{Media, Submit};
use mj_proto::{Error, Submitted, Task, Transport};

use crate::journal::JobKey;
use crate::request::Request;

/// One request (or a short run of them) for a lane's server.
pub(crate) enum Work {
    /// Sends job `key`'s submit with `token` in its `state`; with `resume`, completes a
    /// send whose answer was lost that long ago, by the token. `by` ends the submit (its
    /// retries and lookups) well within the job's lease on a shared journal.
    Submit { key: JobKey, request: Box<Request>, token: String, resume: Option<Duration>, by: Option<Instant> },
    /// Fetches grid `id`, whose button job `key` presses.
    Grid { key: JobKey, id: String },
    /// Asks about running tasks `ids` in one request.
    Follow { ids: Vec<String> },
    /// Downloads the files of job `key`.
    Download { key: JobKey, urls: Vec<String> },
}

/// What came of one [`Work`].
pub(crate) enum Outcome {
    /// A submit's answer (or why there is none).
    Submitted { key: JobKey, result: Box<Result<Submitted, Error>>, resumed: bool },
    /// A grid, for the upscale of job `key`.
    Grid { key: JobKey, result: Box<Result<Option<Task>, Error>> },
    /// The running tasks the server knows of those asked about.
    Followed { ids: Vec<String>, result: Result<Vec<Task>, Error> },
    /// A finished job's files, or the URL that failed and why.
    Downloaded { key: JobKey, result: Result<Vec<Media>, (String, Error)> },
    /// Work not done because the run is ending (a submit was journaled and not sent: the
    /// next run resumes it by its token, which sends it when the server has no such task).
    Skipped { key: Option<JobKey> },
    /// The lane's thread of this [`Role`] finished what it was handed and waits for more.
    Idle(Role),
}

/// Which of a lane's two threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Sends submits and resumes them.
    Sender,
    /// Asks about tasks, fetches grids, downloads files.
    Asker,
}

/// An outcome of lane `lane` (an index into the run's lanes).
pub(crate) struct Report {
    pub(crate) lane: usize,
    pub(crate) outcome: Outcome,
}

/// The clients a lane uses for its server.
pub(crate) struct LaneClients<'a, T> {
    /// The server's own client (its retry policy), for submits and downloads.
    pub(crate) client: &'a Client<T>,
    /// One try per request, for the questions the next pass asks again anyway.
    pub(crate) follower: &'a Client<T>,
}

/// Serves the `role` thread of lane `lane` until the run drops its sender: does each pass
/// of work in order, reporting every outcome, then [`Outcome::Idle`]. Once `stop` is set,
/// what is left of a pass is reported skipped, not done.
pub(crate) fn serve<T: Transport>(
    lane: usize,
    role: Role,
    clients: &LaneClients<'_, T>,
    passes: &Receiver<Vec<Work>>,
    reports: &Sender<Report>,
    stop: &AtomicBool,
) {
    for pass in passes {
        for work in pass {
            let outcome = if stop.load(Ordering::Relaxed) { skipped(&work) } else { clients.work(work) };
            if reports.send(Report { lane, outcome }).is_err() {
                return;
            }
        }
        if reports.send(Report { lane, outcome: Outcome::Idle(role) }).is_err() {
            return;
        }
    }
}

fn skipped(work: &Work) -> Outcome {
    let key = match work {
        Work::Submit { key, .. } | Work::Grid { key, .. } | Work::Download { key, .. } => Some(*key),
        Work::Follow { .. } => None,
    };
    Outcome::Skipped { key }
}

impl<T: Transport> LaneClients<'_, T> {
    /// Does `work` (the client learns from every answer).
    fn work(&self, work: Work) -> Outcome {
        match work {
            Work::Submit { key, request, token, resume, by } => {
                let result = match by {
                    Some(by) => send(&self.client.until(by), *request, token, resume),
                    None => send(self.client, *request, token, resume),
                };
                Outcome::Submitted { key, result: Box::new(result), resumed: resume.is_some() }
            }
            Work::Grid { key, id } => {
                let result = self.follower.fetch(&id);
                Outcome::Grid { key, result: Box::new(result) }
            }
            Work::Follow { ids } => {
                let result = self.follower.tasks(&ids);
                Outcome::Followed { ids, result }
            }
            Work::Download { key, urls } => {
                let mut files = Vec::with_capacity(urls.len());
                for url in urls {
                    match self.client.download(&url) {
                        Ok(media) => files.push(media),
                        Err(e) => return Outcome::Downloaded { key, result: Err((url, e)) },
                    }
                }
                Outcome::Downloaded { key, result: Ok(files) }
            }
        }
    }
}

/// Sends `request` to `client`'s server with `token` in its `state`; with `resumed`, as
/// the resume of a send whose answer was lost that long ago.
fn send<T: Transport>(
    client: &Client<T>,
    request: Request,
    token: String,
    resumed: Option<Duration>,
) -> Result<Submitted, Error> {
    fn go<T: Transport, R: Submit + Clone>(
        client: &Client<T>,
        mut request: R,
        token: String,
        resumed: Option<Duration>,
    ) -> Result<Submitted, Error> {
        request.options_mut().state = Some(token);
        match resumed {
            Some(lost_for) => client.resume_submit(request, lost_for),
            None => client.submit(request),
        }
    }
    match request {
        Request::Imagine(imagine) => go(client, imagine, token, resumed),
        Request::Press(press) => go(client, press, token, resumed),
    }
}
