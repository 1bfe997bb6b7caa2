//! Batches over a pool of servers, over real HTTP against loopback simulators with the
//! shipped defaults: jobs spread over the members, each written down with its member, a
//! member that dies mid-run gets no more work and its tasks are reported (never sent
//! again elsewhere), and a resumed run goes back to each job's own member. Counted on the
//! servers' side.

use std::time::{Duration, Instant};

use mj_batch::{Batch, Job, JobState, Journal, SqliteJournal, prompts};
use mj_hooks::HookReceiver;
use mj_sim::{Flavor, Server, SimConfig};
use mj_ureq::prelude::*;

fn sim(seed: u64) -> Server {
    let config = SimConfig::new("").flavor(Flavor::Plus).speed(10.0).capacity(3, 10).seed(seed);
    Server::start(config, 0).expect("sim")
}

fn pool(members: &[(&str, &Server)]) -> Client {
    let members = members
        .iter()
        .map(|(name, server)| Member::new(*name, Config::new(&server.url()).expect("config")).expect("member"))
        .collect();
    Client::new(Pool::new(members).expect("pool"))
}

fn folder(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mj-batch-pool-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn jobs(dir: &std::path::Path) -> Vec<Job> {
    SqliteJournal::open_read_only(dir.join("journal")).expect("journal").jobs().expect("jobs")
}

fn prompt_file(n: usize) -> Vec<u8> {
    (0..n).map(|i| format!("a fox number {i}\n")).collect::<String>().into_bytes()
}

#[test]
fn a_member_killed_mid_run_gets_no_more_work_and_its_tasks_are_reported_not_resent() {
    let (a, b) = (sim(1), sim(2));
    let mut c = Some(sim(3));
    let client = pool(&[("a", &a), ("b", &b), ("c", c.as_ref().expect("c"))]);
    let dir = folder("killed");
    let text = prompt_file(18);
    let lines = prompts::parse(&text, false).expect("prompts");
    let journal = SqliteJournal::open(dir.join("journal")).expect("journal");
    let mut made_on_c = 0;
    let summary = Batch::new(&client, journal, &dir)
        .concurrency(12)
        .interval(Duration::from_millis(200))
        // c's tasks never end, so the run always lasts to its deadline: long enough for a
        // loaded machine to finish a's and b's.
        .deadline(Instant::now() + Duration::from_secs(12))
        .run(&lines, &prompts::fingerprint(&text), |progress| {
            // Once it has made tasks, `c` dies.
            if progress.counts.running > 0
                && c.as_ref().is_some_and(|c| c.stats().total_tasks() > 0)
                && let Some(c) = c.take()
            {
                made_on_c = c.stop().total_tasks();
            }
        })
        .expect("the run ends with its summary");
    assert!(made_on_c >= 1, "c had work before it died");
    let made_on_ab = a.stats().total_tasks() + b.stats().total_tasks();
    let jobs = jobs(&dir);
    let on = |name: &str| jobs.iter().filter(|j| j.server.as_deref() == Some(name)).collect::<Vec<_>>();
    let on_c_with_task = on("c").iter().filter(|j| j.task_id.is_some()).count() as u64;
    assert_eq!(on_c_with_task, made_on_c, "nothing was made on c after it died, and c's tasks are kept");
    assert!(on("c").iter().all(|j| j.state != JobState::Done), "c's jobs are not taken as done");
    assert!(on("a").iter().chain(&on("b")).all(|j| j.state == JobState::Done), "the others finished");
    // A job whose submit reached c as it died (its answer lost) waits on c, by its token;
    // on a loaded machine one may still be unsent when the deadline comes. None is made
    // twice, and every prompt is made, waiting on c, or unsent.
    let waiting_on_c = on("c").len() as u64 - on_c_with_task;
    let unsent = jobs.iter().filter(|j| j.server.is_none() && j.task_id.is_none()).count() as u64;
    assert_eq!(made_on_ab + made_on_c + waiting_on_c + unsent, 18, "every prompt once: {jobs:?}");
    assert_eq!(summary.done as u64, made_on_ab, "a's and b's tasks are done");
    assert_eq!(summary.unfinished as u64, 18 - made_on_ab, "c's tasks, and any unsent, are reported as unfinished");
    assert_eq!(a.stats().duplicated_states(), Vec::<String>::new());
    assert_eq!(b.stats().duplicated_states(), Vec::<String>::new());
}

#[test]
fn a_resumed_run_goes_back_to_each_jobs_own_member() {
    let (a, b) = (sim(4), sim(5));
    let dir = folder("resume");
    let text = prompt_file(12);
    let lines = prompts::parse(&text, false).expect("prompts");
    let fingerprint = prompts::fingerprint(&text);
    {
        // The first run stops as soon as its jobs are sent.
        let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
        let client = pool(&[("a", &a), ("b", &b)]).with_settings(Settings::default().hooks(receiver.hooks()));
        let journal = SqliteJournal::open(dir.join("journal")).expect("journal");
        let summary = Batch::new(&client, journal, &dir)
            .concurrency(12)
            .deadline(Instant::now() + Duration::from_millis(300))
            .run(&lines, &fingerprint, |_| {})
            .expect("stopped by its deadline");
        assert!(summary.unfinished > 0, "{summary:?}");
    }
    let first: Vec<Job> = jobs(&dir);
    let placed: Vec<(u32, Option<String>)> = first.iter().map(|j| (j.key.item, j.server.clone())).collect();
    assert!(
        placed.iter().any(|(_, s)| s.as_deref() == Some("a")) && placed.iter().any(|(_, s)| s.as_deref() == Some("b"))
    );

    // The second run lists the members the other way round, with hooks of its own.
    let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
    let client = pool(&[("b", &b), ("a", &a)]).with_settings(Settings::default().hooks(receiver.hooks()));
    let journal = SqliteJournal::open(dir.join("journal")).expect("journal");
    let summary = Batch::new(&client, journal, &dir)
        .concurrency(12)
        .interval(Duration::from_millis(200))
        .deadline(Instant::now() + Duration::from_secs(20))
        .run(&lines, &fingerprint, |_| {})
        .expect("finished");
    assert_eq!((summary.done, summary.failed.len()), (12, 0), "{summary:?}");
    let second = jobs(&dir);
    for (job, (item, server)) in second.iter().zip(&placed) {
        assert_eq!((job.key.item, &job.server), (*item, server), "job {item} stayed on its member");
    }
    assert_eq!(a.stats().total_tasks() + b.stats().total_tasks(), 12, "nothing sent twice");
    // On a single server, a job of this pool's member waits (reported), the rest is done.
    let single = Client::new(Config::new(&a.url()).expect("config"));
    let mut stale = second.clone();
    stale[0].state = JobState::Running;
    let mut journal = SqliteJournal::open(dir.join("journal")).expect("journal");
    journal.save(&stale[0]).expect("saves");
    let summary = Batch::new(&single, journal, &dir).run(&lines, &fingerprint, |_| {}).expect("runs");
    let member = stale[0].server.clone();
    assert_eq!(summary.absent, [(member.clone(), 1)], "{summary:?}");
    assert_eq!((summary.unfinished, summary.done), (1, 11), "{summary:?}");
    let waiting = &summary.unfinished_jobs[0];
    assert_eq!((waiting.line, &waiting.server), (1, &member));
    assert!(waiting.blocked.as_deref().is_some_and(|b| b.contains("which this run does not have")), "{waiting:?}");
    assert_eq!(a.stats().total_tasks() + b.stats().total_tasks(), 12, "nothing sent twice");
}

#[test]
fn a_member_that_comes_back_gets_work_again() {
    let a = sim(6);
    // `c` is down when the run starts: nothing listens on its port yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let url = format!("http://127.0.0.1:{port}");
    let members = vec![
        Member::new("a", Config::new(&a.url()).expect("config")).expect("member").max_in_flight(2),
        Member::new("c", Config::new(&url).expect("config")).expect("member").max_in_flight(2),
    ];
    let client = Client::new(Pool::new(members).expect("pool"));
    let dir = folder("back");
    let text = prompt_file(16);
    let lines = prompts::parse(&text, false).expect("prompts");
    let journal = SqliteJournal::open(dir.join("journal")).expect("journal");
    let mut c = None;
    let summary = Batch::new(&client, journal, &dir)
        .concurrency(4)
        .interval(Duration::from_millis(200))
        .deadline(Instant::now() + Duration::from_secs(30))
        .run(&lines, &prompts::fingerprint(&text), |progress| {
            // Once a few jobs are done on `a` alone, `c` starts.
            if progress.counts.done >= 4 && c.is_none() {
                let config = SimConfig::new("").flavor(Flavor::Plus).speed(10.0).capacity(3, 10).seed(7);
                c = Some(Server::start(config, port).expect("c comes up"));
            }
        })
        .expect("finished");
    assert_eq!((summary.done, summary.failed.len()), (16, 0), "{summary:?}");
    let c = c.expect("c came up");
    let jobs = jobs(&dir);
    let on_c = jobs.iter().filter(|j| j.server.as_deref() == Some("c")).count() as u64;
    assert!(on_c >= 1, "c got work once it was back");
    assert_eq!(on_c, c.stats().total_tasks());
    assert_eq!(a.stats().total_tasks() + c.stats().total_tasks(), 16, "nothing made twice");
}
