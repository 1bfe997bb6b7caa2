//! A task's life as a function of time: fixed when the task is scheduled, read at any `now`.

/// How a job ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// SUCCESS.
    Success,
    /// FAILURE with this reason (prompt marker `--sim-fail`).
    Failure(String),
    /// Never finishes: stays IN_PROGRESS (prompt marker `--sim-stall`).
    Stall,
}

/// When each phase starts, in epoch milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Timeline {
    /// Leaves the queue (NOT_START until then and a little after).
    pub start: u64,
    /// SUBMITTED from here.
    pub submitted: u64,
    /// IN_PROGRESS from here.
    pub running: u64,
    /// SUCCESS or FAILURE from here.
    pub done: u64,
}

/// Phase lengths at speed 1: about five seconds from submit to result.
pub(crate) const NOT_START_MS: u64 = 300;
/// Time in SUBMITTED.
pub(crate) const SUBMITTED_MS: u64 = 700;
/// Time in IN_PROGRESS.
pub(crate) const RUNNING_MS: u64 = 4_000;

impl Timeline {
    /// A timeline that leaves the queue at `start`, with phases divided by `speed`.
    pub(crate) fn starting(start: u64, speed: f64) -> Self {
        let scaled = |ms: u64| ((ms as f64 / speed).round() as u64).max(1);
        let submitted = start + scaled(NOT_START_MS);
        let running = submitted + scaled(SUBMITTED_MS);
        Self { start, submitted, running, done: running + scaled(RUNNING_MS) }
    }
}

/// What a task looks like at one instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Snapshot {
    /// The status name (`NOT_START`, …).
    pub status: &'static str,
    /// Progress in percent.
    pub progress: u8,
    /// When it started running, once it has.
    pub start_time: Option<u64>,
    /// When it finished, once it has.
    pub finish_time: Option<u64>,
    /// Why it failed.
    pub fail_reason: Option<String>,
}

impl Snapshot {
    /// SUCCESS, FAILURE or CANCEL.
    pub(crate) fn is_terminal(&self) -> bool {
        matches!(self.status, "SUCCESS" | "FAILURE" | "CANCEL")
    }
}

/// Progress shows in the steps Discord reports (0, 14, 28, … 85), then 100 at the end.
const STEPS: u64 = 7;
/// Where a stalled job stops.
const STALL_AT: u8 = 42;

/// The state of a task at `now`.
pub(crate) fn snapshot(timeline: Option<&Timeline>, ending: &Ending, cancelled_at: Option<u64>, now: u64) -> Snapshot {
    let Some(t) = timeline else {
        return Snapshot { status: "MODAL", progress: 0, start_time: None, finish_time: None, fail_reason: None };
    };
    let natural = natural(t, ending, now);
    match cancelled_at {
        Some(at) if now >= at && !natural_at(t, ending, at).is_terminal() => Snapshot {
            status: "CANCEL",
            progress: natural_at(t, ending, at).progress,
            start_time: (at >= t.running).then_some(t.running),
            finish_time: Some(at),
            fail_reason: None,
        },
        _ => natural,
    }
}

fn natural_at(t: &Timeline, ending: &Ending, at: u64) -> Snapshot {
    natural(t, ending, at)
}

fn natural(t: &Timeline, ending: &Ending, now: u64) -> Snapshot {
    let base = |status, progress| Snapshot { status, progress, start_time: None, finish_time: None, fail_reason: None };
    if now < t.submitted {
        return base("NOT_START", 0);
    }
    if now < t.running {
        return base("SUBMITTED", 0);
    }
    let running = |progress| Snapshot { start_time: Some(t.running), ..base("IN_PROGRESS", progress) };
    let span = (t.done - t.running).max(1);
    let step = ((now - t.running).min(span) * STEPS / span).min(STEPS - 1);
    let progress = (step * 100 / STEPS) as u8;
    match ending {
        Ending::Stall => running(progress.min(STALL_AT)),
        _ if now < t.done => running(progress),
        Ending::Success => Snapshot { finish_time: Some(t.done), start_time: Some(t.running), ..base("SUCCESS", 100) },
        Ending::Failure(reason) => Snapshot {
            finish_time: Some(t.done),
            start_time: Some(t.running),
            fail_reason: Some(reason.clone()),
            ..base("FAILURE", progress)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_walks_through_every_phase() {
        let t = Timeline::starting(1_000, 1.0);
        let at = |now| snapshot(Some(&t), &Ending::Success, None, now);
        assert_eq!(at(1_000).status, "NOT_START");
        assert_eq!(at(1_300).status, "SUBMITTED");
        assert_eq!((at(2_000).status, at(2_000).progress), ("IN_PROGRESS", 0));
        let mid = at(4_000);
        assert_eq!((mid.status, mid.progress, mid.start_time), ("IN_PROGRESS", 42, Some(2_000)));
        let mut last = 0;
        for now in (2_000..6_000).step_by(100) {
            let p = at(now).progress;
            assert!(p >= last && p < 100);
            last = p;
        }
        let done = at(6_000);
        assert_eq!((done.status, done.progress, done.finish_time), ("SUCCESS", 100, Some(6_000)));
        assert_eq!(at(u64::MAX / 2).status, "SUCCESS");
    }

    #[test]
    fn speed_scales_and_endings_differ() {
        let fast = Timeline::starting(0, 10.0);
        assert_eq!(fast.done, 500);
        let fail = snapshot(Some(&fast), &Ending::Failure("x".into()), None, 500);
        assert_eq!((fail.status, fail.fail_reason.as_deref()), ("FAILURE", Some("x")));
        let stall = snapshot(Some(&fast), &Ending::Stall, None, 1_000_000);
        assert_eq!((stall.status, stall.progress), ("IN_PROGRESS", STALL_AT));
        assert_eq!(snapshot(None, &Ending::Success, None, 5).status, "MODAL");
    }

    #[test]
    fn cancel_freezes_an_unfinished_task_only() {
        let t = Timeline::starting(0, 1.0);
        let c = snapshot(Some(&t), &Ending::Success, Some(2_500), 9_000);
        assert_eq!((c.status, c.finish_time), ("CANCEL", Some(2_500)));
        let late = snapshot(Some(&t), &Ending::Success, Some(7_000), 9_000);
        assert_eq!(late.status, "SUCCESS");
        let before = snapshot(Some(&t), &Ending::Success, Some(2_500), 2_400);
        assert_eq!(before.status, "IN_PROGRESS");
    }
}
