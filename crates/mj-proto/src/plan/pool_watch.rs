//! Watching tasks spread over a pool: one [`WatchPlan`] per member, driven as one plan,
//! so that each round makes one list request per member.

use std::time::Instant;

use super::pool::Member;
use super::{Interest, Plan, RetryPolicy, Step, WatchOptions, WatchPlan, WatchReport};
use crate::error::Error;
use crate::model::{Task, TaskHandle};
use crate::transport::TransportError;
use crate::wire::HttpResponse;

/// Follows tasks on several pool members at once: each member's tasks are watched as
/// [`WatchPlan`] watches them (one list request per round for up to its batch size), and
/// the plans take turns, so one round asks each member once. A member that fails ends
/// only its own watch: its tasks are reported as unseen, the others go on.
#[derive(Debug)]
pub struct PoolWatchPlan<'a> {
    watches: Vec<Watch<'a>>,
    /// The watch whose exchange is on its way.
    sending: Option<usize>,
    report: WatchReport,
    /// The member whose callbacks [`Plan::pushed`] hands over, when the driver's hooks
    /// are one member's scope; `None`: any member watching the id.
    pushes_from: Option<String>,
}

#[derive(Debug)]
struct Watch<'a> {
    member: &'a Member,
    ids: Vec<String>,
    plan: WatchPlan<'a>,
    done: bool,
}

impl<'a> PoolWatchPlan<'a> {
    /// Watches `handles` on `members` (handles naming no member are reported unknown).
    /// The default [`WatchOptions`] and [`RetryPolicy`] hold until the setters
    /// [`options`](Self::options) and [`retry`](Self::retry) change them.
    pub fn new(members: &'a [Member], handles: &[TaskHandle]) -> Self {
        let mut report = WatchReport::default();
        let mut watches = Vec::new();
        for member in members {
            let ids: Vec<String> = handles
                .iter()
                .filter(|h| h.server.as_deref() == Some(member.name.as_str()))
                .map(|h| h.id.clone())
                .collect();
            if !ids.is_empty() {
                // A declared profile without `list-by-condition` starts with one fetch per id.
                let plan = WatchPlan::new(&member.config, ids.clone());
                watches.push(Watch { member, ids, plan, done: false });
            }
        }
        report.unknown = handles
            .iter()
            .filter(|h| !members.iter().any(|m| h.server.as_deref() == Some(m.name.as_str())))
            .cloned()
            .collect();
        Self { watches, sending: None, report, pushes_from: None }
    }

    /// Takes pushed updates as callbacks from member `name` only: task ids are unique per
    /// server, so a callback about id 17 speaks for member `name`'s task 17 and no other.
    /// The pool clients drive the watch with that member's hooks scope.
    pub fn pushes_from(mut self, name: impl Into<String>) -> Self {
        self.pushes_from = Some(name.into());
        self
    }

    /// Ends every member's watch at `deadline`.
    pub fn until(mut self, deadline: Option<Instant>) -> Self {
        self.watches = self.watches.into_iter().map(|w| Watch { plan: w.plan.until(deadline), ..w }).collect();
        self
    }

    /// How often each member is asked, for how long, and what to trust.
    pub fn options(mut self, options: WatchOptions) -> Self {
        self.watches = self.watches.into_iter().map(|w| Watch { plan: w.plan.options(options.clone()), ..w }).collect();
        self
    }

    /// How each member's transient errors are retried.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.watches = self.watches.into_iter().map(|w| Watch { plan: w.plan.retry(retry.clone()), ..w }).collect();
        self
    }

    fn merge(&mut self, member: &Member, ids: &[String], result: Result<WatchReport, Error>) {
        let name = || Some(member.name.clone());
        let named = |mut t: Task| {
            t.server = name();
            t
        };
        let handle = |h: TaskHandle| TaskHandle { server: name(), ..h };
        let report = &mut self.report;
        match result {
            Ok(r) => {
                report.requests += r.requests;
                report.finished.extend(r.finished.into_iter().map(named));
                report.unfinished.extend(r.unfinished.into_iter().map(named));
                report.unknown.extend(r.unknown.into_iter().map(handle));
                report.unseen.extend(r.unseen.into_iter().map(handle));
                report.failed.extend(r.failed);
            }
            Err(e) => {
                report.unseen.extend(ids.iter().map(|id| TaskHandle::new(member.name.clone(), id.as_str())));
                report.failed.push((member.name.clone(), e));
            }
        }
    }
}

impl Plan for PoolWatchPlan<'_> {
    type Output = WatchReport;
    type Progress = Task;

    fn poll(&mut self, now: Instant) -> Step<WatchReport, Task> {
        if self.sending.is_some() {
            return Step::Done(Err(Error::PlanMisuse));
        }
        let mut earliest: Option<Instant> = None;
        for i in 0..self.watches.len() {
            if self.watches[i].done {
                continue;
            }
            match self.watches[i].plan.poll(now) {
                Step::Send(request) => {
                    self.sending = Some(i);
                    return Step::Send(request);
                }
                Step::Sleep(until) => earliest = Some(earliest.map_or(until, |e| e.min(until))),
                Step::Progress(mut task) => {
                    task.server = Some(self.watches[i].member.name.clone());
                    return Step::Progress(task);
                }
                Step::Notice(notice) => return Step::Notice(notice),
                Step::Done(result) => {
                    self.watches[i].done = true;
                    let (member, ids) = (self.watches[i].member, std::mem::take(&mut self.watches[i].ids));
                    self.merge(member, &ids, result);
                }
            }
        }
        match earliest {
            Some(until) => Step::Sleep(until),
            None => Step::Done(Ok(std::mem::take(&mut self.report))),
        }
    }

    fn handle(&mut self, result: Result<HttpResponse, TransportError>, now: Instant) {
        if let Some(i) = self.sending.take() {
            self.watches[i].plan.handle(result, now);
        }
    }

    fn interests(&self) -> Vec<Interest<'_>> {
        self.watches.iter().filter(|w| !w.done).flat_map(|w| w.plan.interests()).collect()
    }

    fn pushed(&mut self, task: &Task, now: Instant) {
        // Ids are unique per member only: a callback reaches the member it came from.
        let from = |w: &Watch<'_>| self.pushes_from.as_ref().is_none_or(|name| *name == w.member.name);
        for watch in self.watches.iter_mut().filter(|w| !w.done && from(w) && w.ids.contains(&task.id)) {
            watch.plan.pushed(task, now);
        }
    }
}
