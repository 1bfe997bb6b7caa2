//! The shared journal against a real PostgreSQL: claims are exclusive, a lease that runs
//! out hands the job to another worker whose claim fences the first one out, released
//! jobs are free at once, and each worker sees what the others wrote.

use std::time::Duration;

use mj_batch::{Job, JobKey, JobState, Journal, JournalError};
use mj_postgres::{Database, PgJournal};
use mj_test_support::postgres::Postgres;

fn jobs(n: u32) -> Vec<Job> {
    (0..n).map(|item| Job::new(JobKey { item, step: 0 }, format!("prompt {item}"), Vec::new())).collect()
}

#[test]
fn claims_are_exclusive_and_a_lost_lease_fences_the_old_worker_out() {
    let pg = Postgres::start();
    let db = Database::parse(&pg.url()).expect("url");
    let mut a = PgJournal::connect(&db, "fp").expect("a connects").lease(Duration::from_secs(4));
    let mut b = PgJournal::connect(&db, "fp").expect("b connects").lease(Duration::from_secs(4));
    assert_eq!(a.fingerprint().expect("reads"), None);
    a.create("fp", &jobs(6)).expect("a creates");
    b.create("fp", &jobs(6)).expect("b finds it made: nothing twice");
    assert_eq!(b.jobs().expect("jobs").len(), 6);
    assert_eq!(b.fingerprint().expect("reads").as_deref(), Some("fp"));

    let one = [None];
    let mine = a.claim(3, &one).expect("a claims");
    let theirs = b.claim(3, &one).expect("b claims");
    assert_eq!(mine.held.len(), 3);
    assert_eq!(theirs.held.len(), 3);
    assert!(mine.held.iter().all(|k| !theirs.held.contains(k)), "no job is held twice");
    assert_eq!(theirs.held_elsewhere, 3, "b sees a's three under a live lease");
    assert_eq!(b.claim(3, &one).expect("again").held.len(), 3, "nothing more to take");

    // A writes its first job; B cannot write it.
    let key = mine.held[0];
    let mut job = a.jobs().expect("jobs").into_iter().find(|j| j.key == key).expect("job");
    job.state = JobState::Submitting;
    job.token = Some("tok".to_owned());
    a.save(&job).expect("the holder writes");
    assert!(matches!(b.save(&job), Err(JournalError::Lost { .. })), "another worker cannot");
    let seen = b.claim(0, &one).expect("b reads");
    assert!(seen.changed.iter().any(|j| j.key == key && j.token.as_deref() == Some("tok")), "b sees a's write");

    // A stops renewing; once its lease has run out B takes its jobs over, and A's late
    // write is refused.
    std::thread::sleep(Duration::from_millis(4500));
    let taken = b.claim(6, &one).expect("b takes over");
    assert_eq!(taken.held.len(), 6, "every job is b's");
    let resumed = taken.changed.iter().find(|j| j.key == key).expect("the submitting job");
    assert_eq!(resumed.token.as_deref(), Some("tok"), "resumed by its token, never sent blind");
    job.state = JobState::Running;
    assert!(matches!(a.save(&job), Err(JournalError::Lost { .. })), "a's claim was fenced out");

    // Released jobs are free at once.
    b.release().expect("b releases");
    assert_eq!(a.claim(6, &one).expect("a claims").held.len(), 6);
}

#[test]
fn a_worker_claims_only_what_its_servers_can_take() {
    let pg = Postgres::start();
    let db = Database::parse(&pg.url()).expect("url");
    let mut a = PgJournal::connect(&db, "pool").expect("connects");
    let mut all = jobs(2);
    all.push(Job::new(JobKey { item: 0, step: 1 }, "prompt 0", Vec::new()));
    a.create("pool", &all).expect("creates");
    let eu = [Some("eu".to_owned())];
    let claimed = a.claim(10, &eu).expect("claims");
    assert_eq!(claimed.held.len(), 2, "the grids; the upscale waits for its grid");
    let mut grid = a.jobs().expect("jobs").remove(0);
    grid.state = JobState::Done;
    grid.server = Some("us".to_owned());
    grid.task_id = Some("g1".to_owned());
    a.save(&grid).expect("done");
    assert!(!a.claim(10, &eu).expect("claims").held.contains(&JobKey { item: 0, step: 1 }), "its grid is us's");
    let mut b = PgJournal::connect(&db, "pool").expect("connects");
    let us = [Some("us".to_owned())];
    assert!(b.claim(10, &us).expect("claims").held.contains(&JobKey { item: 0, step: 1 }), "us presses it");

    // An upscale whose grid failed is claimed by any worker, which fails it: a batch
    // never waits on it.
    let mut failing = jobs(1);
    failing.push(Job::new(JobKey { item: 0, step: 2 }, "prompt 0", Vec::new()));
    let mut c = PgJournal::connect(&db, "failing").expect("connects");
    c.create("failing", &failing).expect("creates");
    c.claim(1, &eu).expect("claims the grid");
    let mut grid = c.jobs().expect("jobs").remove(0);
    grid.state = JobState::Failed;
    c.save(&grid).expect("failed");
    let claimed = c.claim(1, &us).expect("claims");
    assert_eq!(claimed.held, [JobKey { item: 0, step: 2 }], "the orphan, to fail it");
}
