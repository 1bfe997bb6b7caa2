//! What to do next, decided from the journal's jobs alone (no I/O): which submits to
//! resume, which to send within the concurrency, what a task's state means for its job.
//! Every function takes the jobs in key order, as [`Journal::jobs`](crate::Journal::jobs)
//! returns them.

use mj_proto::{Task, TaskStatus};

use crate::journal::{Job, JobKey, JobState};

/// Jobs by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Finished, files saved.
    pub done: usize,
    /// Sent (or being sent) and not finished.
    pub running: usize,
    /// Refused or failed.
    pub failed: usize,
    /// Not sent yet.
    pub left: usize,
}

impl Counts {
    /// Every job.
    pub fn total(&self) -> usize {
        self.done + self.running + self.failed + self.left
    }
}

/// Counts `jobs` by state.
pub fn counts<'a>(jobs: impl IntoIterator<Item = &'a Job>) -> Counts {
    let mut counts = Counts::default();
    for job in jobs {
        match job.state {
            JobState::Done => counts.done += 1,
            JobState::Submitting | JobState::Running => counts.running += 1,
            JobState::Failed => counts.failed += 1,
            JobState::Pending => counts.left += 1,
        }
    }
    counts
}

/// True when nothing is left to send or follow.
pub fn finished(jobs: &[Job]) -> bool {
    jobs.iter().all(|j| matches!(j.state, JobState::Done | JobState::Failed))
}

/// Submits whose answer was never recorded (an earlier run stopped, or the answer was
/// lost): resumed by their token before anything new is sent.
pub fn to_resume(jobs: &[Job]) -> Vec<JobKey> {
    jobs.iter().filter(|j| j.state == JobState::Submitting && j.token.is_some()).map(|j| j.key).collect()
}

/// The pending jobs to send now, in file order, so that at most `concurrency` are in
/// flight. An upscale waits until its grid is done.
pub fn to_send(jobs: &[Job], concurrency: usize) -> Vec<JobKey> {
    let in_flight = jobs.iter().filter(|j| matches!(j.state, JobState::Submitting | JobState::Running)).count();
    let room = concurrency.max(1).saturating_sub(in_flight);
    jobs.iter()
        .filter(|j| j.state == JobState::Pending)
        .filter(|j| j.key.step == 0 || grid(jobs, j.key).is_some_and(|g| g.state == JobState::Done))
        .take(room)
        .map(|j| j.key)
        .collect()
}

/// Upscales whose grid failed: they cannot run.
pub fn orphaned(jobs: &[Job]) -> Vec<JobKey> {
    jobs.iter()
        .filter(|j| j.key.step > 0 && j.state == JobState::Pending)
        .filter(|j| grid(jobs, j.key).is_none_or(|g| g.state == JobState::Failed))
        .map(|j| j.key)
        .collect()
}

/// The grid job of `key`'s prompt (`jobs` in key order).
pub fn grid(jobs: &[Job], key: JobKey) -> Option<&Job> {
    let grid = JobKey { item: key.item, step: 0 };
    jobs.binary_search_by_key(&grid, |j| j.key).ok().map(|at| &jobs[at])
}

/// The task ids of the running jobs, to follow together.
pub fn running_ids(jobs: &[Job]) -> Vec<String> {
    jobs.iter().filter(|j| j.state == JobState::Running).filter_map(|j| j.task_id.clone()).collect()
}

/// What a task's state means for its job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Still running.
    Running,
    /// Finished: these files are to be saved.
    Succeeded(Vec<String>),
    /// Failed, with the reason.
    Failed(String),
}

/// Whether `name` is one of the files a batch writes (`LLLL-…`), so that a sweep of
/// leftovers never touches another program's files in the same folder.
pub fn is_batch_file(name: &str) -> bool {
    name.len() > 5 && name.as_bytes()[..4].iter().all(u8::is_ascii_digit) && name.as_bytes()[4] == b'-'
}

/// Judges `task` for its job.
pub fn judge(task: &Task) -> Verdict {
    match task.status {
        TaskStatus::Success => match task.image_url.as_deref().filter(|u| !u.is_empty()) {
            Some(url) => Verdict::Succeeded(vec![url.to_owned()]),
            None => Verdict::Failed("the task succeeded without an image".to_owned()),
        },
        TaskStatus::Failure | TaskStatus::Cancel => Verdict::Failed(
            task.fail_reason.clone().unwrap_or_else(|| format!("the task ended {}", task.status.as_str())),
        ),
        TaskStatus::Modal => Verdict::Failed("the task waits for input (MODAL), which a batch cannot give".to_owned()),
        _ => Verdict::Running,
    }
}

/// The file a job's result is saved as: `LLLL-grid-TASK.png` or `LLLL-u2-TASK.png` (the
/// prompt's line, the step, the task id made safe by [`mj_proto::file_name::safe_stem`]:
/// a server's id never names a path, and a 300-character id still fits).
pub fn file_name(line: usize, step: u8, task_id: &str, extension: &str) -> String {
    let task = mj_proto::file_name::safe_stem(task_id);
    let step = if step == 0 { "grid".to_owned() } else { format!("u{step}") };
    format!("{line:04}-{step}-{task}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(item: u32, step: u8, state: JobState) -> Job {
        let mut job = Job::new(JobKey { item, step }, "p", Vec::new());
        job.state = state;
        if state != JobState::Pending {
            job.token = Some(format!("t{item}.{step}"));
        }
        job
    }

    #[test]
    fn sends_in_order_within_the_concurrency() {
        let jobs = [
            job(0, 0, JobState::Running),
            job(1, 0, JobState::Submitting),
            job(2, 0, JobState::Pending),
            job(3, 0, JobState::Pending),
            job(4, 0, JobState::Pending),
        ];
        assert_eq!(to_send(&jobs, 4), [JobKey { item: 2, step: 0 }, JobKey { item: 3, step: 0 }]);
        assert_eq!(to_send(&jobs, 2), []);
        assert_eq!(to_resume(&jobs), [JobKey { item: 1, step: 0 }]);
        assert_eq!(counts(&jobs), Counts { done: 0, running: 2, failed: 0, left: 3 });
    }

    #[test]
    fn upscales_wait_for_their_grid_and_fail_with_it() {
        let jobs = [
            job(0, 0, JobState::Running),
            job(0, 1, JobState::Pending),
            job(1, 0, JobState::Done),
            job(1, 3, JobState::Pending),
            job(2, 0, JobState::Failed),
            job(2, 2, JobState::Pending),
        ];
        assert_eq!(to_send(&jobs, 8), [JobKey { item: 1, step: 3 }]);
        assert_eq!(orphaned(&jobs), [JobKey { item: 2, step: 2 }]);
        assert!(!finished(&jobs));
    }

    #[test]
    fn task_states_judge_their_job() {
        let mut task = Task::default();
        task.status = TaskStatus::InProgress;
        assert_eq!(judge(&task), Verdict::Running);
        task.status = TaskStatus::Success;
        task.image_url = Some("http://x.test/a.png".to_owned());
        assert_eq!(judge(&task), Verdict::Succeeded(vec!["http://x.test/a.png".to_owned()]));
        task.status = TaskStatus::Failure;
        task.fail_reason = Some("banned prompt".to_owned());
        assert_eq!(judge(&task), Verdict::Failed("banned prompt".to_owned()));
        assert_eq!(file_name(7, 2, "17", "png"), "0007-u2-17.png");
        let hostile = file_name(7, 2, "17/../x", "png");
        assert!(hostile.starts_with("0007-u2-17x-") && hostile.ends_with(".png"), "{hostile}");
        assert!(file_name(7, 0, &"9".repeat(300), "png").len() < 100);
    }
}
