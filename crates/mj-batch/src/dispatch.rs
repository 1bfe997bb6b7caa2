//! Handing work to the servers' lanes: each free lane gets, in one pass, at most one
//! submit (a lost answer's resume first), the grids its upscales need, one question about
//! its running tasks when they are due, and the downloads of its finished tasks. Every
//! submit is written to the journal (its server, its token) before it is handed over.

use mj_proto::plan::Notice;

use crate::error::BatchError;
use crate::journal::{JobKey, JobState, Journal};
use crate::lane::{Role, Work};
use crate::plan::{self, Verdict};
use crate::request::{self, Request};
use crate::run::{self, Lane, Run};
use crate::runner::Batch;
use mj_proto::Transport;

/// The lane of server `server`, when it can take a submit now.
fn free_to_send(lanes: &[Lane], server: Option<&str>) -> Option<usize> {
    lanes.iter().position(|l| l.name.as_deref() == server).filter(|&i| lanes[i].can_send())
}

/// The lane of server `server`, when it can take questions and downloads now.
fn free_to_ask(lanes: &[Lane], server: Option<&str>) -> Option<usize> {
    lanes.iter().position(|l| l.name.as_deref() == server).filter(|&i| lanes[i].can_ask())
}

impl<T: Transport + Send + Sync, J: Journal> Batch<'_, T, J> {
    /// Gives each free lane what its server has to do now.
    pub(crate) fn dispatch(&mut self, run: &mut Run, lanes: &mut [Lane]) -> Result<(), BatchError> {
        if !lanes.iter().any(|l| l.can_send() || l.can_ask()) {
            return Ok(());
        }
        // Each lane's submits (for its sender) and questions (for its asker).
        let mut sends: Vec<Vec<Work>> = lanes.iter().map(|_| Vec::new()).collect();
        let mut passes: Vec<Vec<Work>> = lanes.iter().map(|_| Vec::new()).collect();
        // Lost answers first, each on the server it was sent to.
        let resumes: Vec<JobKey> = run
            .jobs
            .values()
            .filter(|j| j.state == JobState::Submitting && j.token.is_some() && !run.handed.contains(&j.key))
            .map(|j| j.key)
            .collect();
        for key in resumes {
            let Some(server) = run.jobs.get(&key).map(|j| j.server.clone()) else { continue };
            let Some(lane) = free_to_send(lanes, server.as_deref()).filter(|&i| sends[i].is_empty()) else {
                continue;
            };
            if let Some(request) = self.prepare(run, lanes, &mut passes, key, true)? {
                self.hand_submit(run, &mut sends[lane], key, request, server, true)?;
            }
        }
        // New submits, in file order, within the concurrency.
        for key in self.to_send(run) {
            let grid_server = (key.step > 0).then(|| run.grid(key).map(|g| g.server.clone())).flatten();
            let candidates: Vec<Option<String>> = match &grid_server {
                Some(server) => vec![server.clone()],
                None => self.route(mj_proto::EndpointName::IMAGINE),
            };
            let free = |s: &Option<String>| free_to_send(lanes, s.as_deref()).filter(|&i| sends[i].is_empty());
            let Some((server, lane)) = candidates.into_iter().find_map(|s| Some((s.clone(), free(&s)?))) else {
                continue;
            };
            if let Some(request) = self.prepare(run, lanes, &mut passes, key, false)? {
                self.hand_submit(run, &mut sends[lane], key, request, server, false)?;
            }
        }
        self.hand_questions(run, lanes, &mut passes);
        for (key, urls) in &run.ready {
            let Some(job) = run.jobs.get(key) else { continue };
            if run.handed.contains(key) {
                continue;
            }
            if let Some(lane) = free_to_ask(lanes, job.server.as_deref()) {
                passes[lane].push(Work::Download { key: *key, urls: urls.clone() });
            }
        }
        for ((lane, sends), asks) in lanes.iter_mut().zip(sends).zip(passes) {
            for (pass, role) in [(sends, Role::Sender), (asks, Role::Asker)] {
                if pass.is_empty() {
                    continue;
                }
                for work in &pass {
                    if let Work::Submit { key, .. } | Work::Grid { key, .. } | Work::Download { key, .. } = work {
                        run.handed.insert(*key);
                    }
                }
                let (to, busy) = match role {
                    Role::Sender => (&mut lane.sender, &mut lane.sending),
                    Role::Asker => (&mut lane.asker, &mut lane.asking),
                };
                match to {
                    Some(channel) if channel.send(pass).is_ok() => *busy = true,
                    // The thread is gone: nothing it was given will come back.
                    _ => *to = None,
                }
            }
        }
        // Work handed to a lane that is gone is not in flight.
        let gone: Vec<Option<String>> =
            lanes.iter().filter(|l| l.sender.is_none() || l.asker.is_none()).map(|l| l.name.clone()).collect();
        if !gone.is_empty() {
            let jobs = &run.jobs;
            run.handed.retain(|key| jobs.get(key).is_none_or(|j| !gone.contains(&j.server)));
        }
        Ok(())
    }

    /// The pending jobs to send now, in file order, so that at most `concurrency` are in
    /// flight; an upscale once its grid is done.
    fn to_send(&self, run: &Run) -> Vec<JobKey> {
        let in_flight =
            run.jobs.values().filter(|j| matches!(j.state, JobState::Submitting | JobState::Running)).count();
        let room = self.concurrency.saturating_sub(in_flight);
        run.jobs
            .values()
            .filter(|j| j.state == JobState::Pending && !run.handed.contains(&j.key))
            .filter(|j| j.key.step == 0 || run.grid(j.key).is_some_and(|g| g.state == JobState::Done))
            .take(room)
            .map(|j| j.key)
            .collect()
    }

    /// The request of job `key` when it can be built now: an imagine at once; an upscale
    /// from its grid, which is fetched first (the request is ready at a later pass).
    fn prepare(
        &mut self,
        run: &mut Run,
        lanes: &[Lane],
        passes: &mut [Vec<Work>],
        key: JobKey,
        resume: bool,
    ) -> Result<Option<Request>, BatchError> {
        let Some(job) = run.jobs.get(&key).cloned() else { return Ok(None) };
        if key.step == 0 {
            return match request::imagine(self.client.config(), &job) {
                Ok(request) => Ok(Some(request)),
                Err(e) => self.could_not_build(run, key, resume, &e).map(|()| None),
            };
        }
        if let Some(request) = run.built.remove(&key) {
            return Ok(Some(request));
        }
        let grid = run.grid(key);
        let Some((grid_id, server)) = grid.and_then(|g| Some((g.task_id.clone()?, g.server.clone()))) else {
            self.could_not_build(run, key, resume, &mj_proto::Error::PlanMisuse)?;
            return Ok(None);
        };
        if let Some(lane) = free_to_ask(lanes, server.as_deref())
            && !passes[lane].iter().any(|w| matches!(w, Work::Grid { key: k, .. } if *k == key))
        {
            passes[lane].push(Work::Grid { key, id: grid_id });
        }
        Ok(None)
    }

    /// Writes job `key` as being sent to `server` with its token (a new one, or the one a
    /// lost answer is resumed by), then puts its submit in `pass`.
    fn hand_submit(
        &mut self,
        run: &mut Run,
        pass: &mut Vec<Work>,
        key: JobKey,
        request: Request,
        server: Option<String>,
        resume: bool,
    ) -> Result<(), BatchError> {
        let Some(mut job) = run.jobs.get(&key).cloned() else { return Ok(()) };
        let (token, lost_for) = match (&job.token, resume) {
            (Some(token), true) => (token.clone(), Some(request::lost_for(&job))),
            _ => (request::new_token(key), None),
        };
        if !resume {
            // Written down before the send: a crash from here on is resumed by the token,
            // on this server.
            job.token = Some(token.clone());
            job.sent_at_ms = Some(request::now_ms());
            job.state = JobState::Submitting;
            job.server = server.clone();
        }
        // On a shared journal the write also renews the job's lease (a resume's too), and
        // is refused when another worker took the job over: then nothing is sent.
        if !self.write(run, job)? {
            return Ok(());
        }
        run.summary.submitted += 1;
        let by = self.submit_by();
        pass.push(Work::Submit { key, request: Box::new(request), token, resume: lost_for, by });
        Ok(())
    }

    /// One question per free lane about its running tasks that are due.
    fn hand_questions(&self, run: &mut Run, lanes: &[Lane], passes: &mut [Vec<Work>]) {
        let now = self.now();
        let settings = self.client.settings();
        let mut quiet = 0;
        for (i, lane) in lanes.iter().enumerate().filter(|(_, l)| l.can_ask()) {
            let server = lane.name.as_deref();
            let hooks = self.hooks(server);
            let keys = run.to_ask(server, hooks, self.interval, settings.watch.safety_net, now);
            let mut ids = Vec::with_capacity(keys.len());
            for key in keys {
                let Some(job) = run.jobs.get(&key) else { continue };
                let Some(id) = job.task_id.clone() else { continue };
                match self.pushed(job) {
                    // Its reported end is being confirmed: a fetch that says otherwise
                    // wins, and the report does not trigger another.
                    Some(task) if run::ended(&task) => {
                        run.confirmed.insert(key);
                    }
                    // Asked about besides confirmations: a safety net for lost callbacks.
                    Some(_) => quiet += 1,
                    None => {}
                }
                run.asked.insert(key, now);
                ids.push(id);
            }
            if !ids.is_empty() {
                passes[i].push(Work::Follow { ids });
            }
        }
        if quiet > 0 {
            settings.observer.notify(&Notice::SafetyNet { tasks: quiet });
        }
    }

    /// Takes what callbacks said of running tasks that were not asked about: a task that
    /// still runs keeps the stall clock honest; a reported end waits for its confirmation.
    pub(crate) fn heard(&mut self, run: &mut Run) -> Result<(), BatchError> {
        let now = self.now();
        let pushed: Vec<(JobKey, mj_proto::Task)> = run
            .running()
            .filter(|j| !run.handed.contains(&j.key) && !run.ready.contains_key(&j.key))
            .filter_map(|j| Some((j.key, self.pushed(j)?)))
            .collect();
        for (key, task) in pushed {
            if run::ended(&task) {
                run.reported_end.entry(key).or_insert(now);
            } else if plan::judge(&task) == Verdict::Running {
                self.still_running(run, key, &task, now)?;
            }
        }
        Ok(())
    }
}
