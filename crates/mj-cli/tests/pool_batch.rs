//! `mj batch` over a pool (a servers file of several servers, no `--server`), killed with
//! SIGKILL while its jobs run and run again: the jobs spread over the members, each
//! keeps the member it was sent to (the journal says which), nothing is made twice across
//! members, and `--status` counts the jobs of each member.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mj_sim::{Server, SimConfig};

const PROMPTS: usize = 16;

fn mj(config: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mj"));
    for var in ["MJ_BASE_URL", "MJ_API_KEY", "MJ_AUTH", "MJ_MODE", "MJ_PROFILE", "MJ_SERVER", "MJ_HOOK_LISTEN"] {
        cmd.env_remove(var);
    }
    cmd.arg("--config").arg(config).args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mj-pool-batch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A job's item, member, task id and state.
type Placement = (i64, Option<String>, Option<String>, String);

/// Each job's member and task id, from the journal (WAL lets a reader in while it runs).
fn placements(journal: &Path) -> Vec<Placement> {
    let Ok(db) = rusqlite::Connection::open_with_flags(journal, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return Vec::new();
    };
    let Ok(mut query) = db.prepare("SELECT item, server, task_id, state FROM jobs ORDER BY item") else {
        return Vec::new();
    };
    query
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .map(|rows| rows.flatten().collect())
        .unwrap_or_default()
}

/// A batch's folder: a servers file naming `members` (name, server, room), a file of
/// `prompts` prompts, and where the output and journal go.
struct Setup {
    config: PathBuf,
    prompts: String,
    out: String,
    journal: PathBuf,
}

fn setup(name: &str, members: &[(&str, &Server, usize)], prompts: usize) -> Setup {
    let members: Vec<(&str, String, usize, &str)> =
        members.iter().map(|(name, server, room)| (*name, server.url(), *room, "")).collect();
    setup_urls(name, &members, prompts)
}

/// As [`setup`], with each member's URL and extra lines of its table (a key's source).
fn setup_urls(name: &str, members: &[(&str, String, usize, &str)], prompts: usize) -> Setup {
    let dir = temp_dir(name);
    let config = dir.join("servers.toml");
    let servers: String = members
        .iter()
        .map(|(name, url, room, extra)| {
            format!("[[server]]\nname = \"{name}\"\nbase_url = \"{url}\"\nmax_in_flight = {room}\n{extra}\n")
        })
        .collect();
    std::fs::write(&config, servers).expect("servers file");
    let file = dir.join("prompts.txt");
    std::fs::write(&file, (0..prompts).map(|i| format!("a fox number {i}\n")).collect::<String>()).expect("prompts");
    let out = dir.join("out");
    let journal = out.join("mj-batch.journal");
    let text = |p: &Path| p.to_str().expect("path").to_owned();
    Setup { config, prompts: text(&file), out: text(&out), journal }
}

#[test]
fn a_pooled_batch_killed_mid_run_resumes_each_job_on_its_own_member() {
    let a = Server::start(SimConfig::new("").speed(5.0).capacity(3, 10).seed(11), 0).expect("a");
    let b = Server::start(SimConfig::new("").speed(5.0).capacity(3, 10).seed(12), 0).expect("b");
    let Setup { config, prompts, out, journal } = setup("kill", &[("a", &a, 5), ("b", &b, 5)], PROMPTS);
    let args = ["batch", &prompts, "--out", &out];

    // Killed once every member has running jobs.
    let mut child = mj(&config, &args).spawn().expect("spawns");
    let started = Instant::now();
    let at_kill = loop {
        let jobs = placements(&journal);
        let running_on = |name: &str| {
            jobs.iter()
                .any(|(_, server, id, state)| server.as_deref() == Some(name) && id.is_some() && state == "running")
        };
        if running_on("a") && running_on("b") {
            break jobs;
        }
        assert!(child.try_wait().expect("waits").is_none(), "the batch ended before the kill");
        assert!(started.elapsed() < Duration::from_secs(60), "the kill point never came");
        std::thread::sleep(Duration::from_millis(10));
    };
    child.kill().expect("SIGKILL");
    let _ = child.wait();

    let finished = mj(&config, &args).output().expect("runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert_eq!(finished.status.code(), Some(0), "{}{}", text(&finished.stdout), text(&finished.stderr));
    let jobs = placements(&journal);
    assert!(jobs.iter().all(|(_, _, _, state)| state == "done"), "{jobs:?}");
    for (item, server, id, _) in at_kill.iter().filter(|(_, _, id, _)| id.is_some()) {
        let now = jobs.iter().find(|(i, ..)| i == item).expect("the job");
        assert_eq!((&now.1, &now.2), (server, id), "job {item} kept its member and task");
    }
    let made = a.stats().total_tasks() + b.stats().total_tasks();
    assert_eq!(made, PROMPTS as u64, "every prompt made once across the members");
    assert!(a.stats().duplicated_states().is_empty() && b.stats().duplicated_states().is_empty());
    let on = |name: &str| jobs.iter().filter(|(_, s, ..)| s.as_deref() == Some(name)).count();
    // Both took work. How evenly depends on where the kill fell: a member resuming a
    // submit whose answer the kill lost sends nothing new until its lookup settles (up to
    // its lookup lag when the submit never arrived), and the other member takes the
    // pending jobs meanwhile, as it should (one in six runs ended 3 and 13 before).
    assert!(on("a") >= 2 && on("b") >= 2, "spread: a {} b {}", on("a"), on("b"));
    assert_eq!((on("a") as u64, on("b") as u64), (a.stats().total_tasks(), b.stats().total_tasks()));

    let status = mj(&config, &["batch", "--status", "--out", &out]).output().expect("status");
    let shown = text(&status.stdout);
    assert!(shown.contains(&format!("a: {}", on("a"))) && shown.contains(&format!("b: {}", on("b"))), "{shown}");
}

/// A member that dies with tasks in flight: the run ends at `--timeout` and names the
/// member that holds them; nothing of it was sent to the other member.
#[test]
fn a_member_that_dies_holds_its_tasks_and_the_run_names_it() {
    let a = Server::start(SimConfig::new("").speed(5.0).seed(21), 0).expect("a");
    // `c` is slow: its tasks are still running when it dies.
    let c = Server::start(SimConfig::new("").speed(0.2).seed(22), 0).expect("c");
    let Setup { config, prompts, out, journal } = setup("dies", &[("a", &a, 4), ("c", &c, 4)], 12);
    let args = ["--timeout", "15", "batch", &prompts, "--out", &out];
    let child = mj(&config, &args).spawn().expect("spawns");
    let started = Instant::now();
    while !placements(&journal).iter().any(|(_, s, id, _)| s.as_deref() == Some("c") && id.is_some()) {
        assert!(started.elapsed() < Duration::from_secs(30), "c never got work");
        std::thread::sleep(Duration::from_millis(10));
    }
    let made_on_c = c.stats().total_tasks();
    c.stop();
    let finished = child.wait_with_output().expect("runs");
    let stderr = String::from_utf8_lossy(&finished.stderr);
    assert_eq!(finished.status.code(), Some(4), "gave up at --timeout: {stderr}");
    let jobs = placements(&journal);
    let on_c = jobs.iter().filter(|(_, s, ..)| s.as_deref() == Some("c")).count() as u64;
    assert!(on_c >= made_on_c, "c's tasks stay c's");
    assert!(stderr.contains(&format!("sent to c: {on_c}")), "{stderr}");
    // The summary names each unfinished job: its line, its prompt, its member, its task and
    // where the task stood when last seen.
    let stdout = String::from_utf8_lossy(&finished.stdout);
    let unfinished: Vec<&str> = stdout.lines().filter(|l| l.starts_with("  unfinished: line ")).collect();
    assert_eq!(unfinished.len() as u64, on_c, "{stdout}");
    for line in unfinished {
        assert!(line.contains("`a fox number "), "{line}");
        // A task c took stands where it was last seen; a submit c never answered has no
        // task and says so.
        let with_task =
            line.contains(" on c task ") && (line.contains("unchanged for ") || line.ends_with(": running"));
        assert!(with_task || line.ends_with(" on c: submitting"), "{line}");
    }
    assert!(jobs.iter().filter(|(_, s, ..)| s.as_deref() == Some("a")).all(|(.., state)| state == "done"), "{jobs:?}");
    let on_a = jobs.iter().filter(|(_, s, id, _)| s.as_deref() == Some("a") && id.is_some()).count() as u64;
    assert_eq!(a.stats().total_tasks(), on_a, "a made exactly the jobs the journal gives it");
    assert!(a.stats().duplicated_states().is_empty());
}

/// A server that accepts connections and never answers (the connections are held open
/// until the test process ends).
fn hung_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for connection in listener.incoming().flatten().take(256) {
            held.push(connection);
        }
    });
    url
}

/// The URL of a port nothing listens on.
fn down_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    format!("http://{}", listener.local_addr().expect("addr"))
}

/// Waits until every job sent to `healthy` is done and nothing is left to send, showing
/// the journal to `during` meanwhile; returns how long that took since `started`.
fn healthy_jobs_done(
    journal: &Path,
    healthy: &str,
    child: &mut std::process::Child,
    started: Instant,
    during: &mut dyn FnMut(&[Placement]),
) -> Duration {
    loop {
        let jobs = placements(journal);
        during(&jobs);
        let settled = jobs.len() == PROMPTS
            && jobs.iter().all(|(_, server, _, state)| match server.as_deref() {
                Some(name) if name == healthy => state == "done",
                Some(_) => true,
                None => state == "done",
            });
        if settled {
            return started.elapsed();
        }
        if let Some(status) = child.try_wait().expect("waits") {
            panic!("the batch ended ({status}) before {healthy}'s jobs were done: {jobs:?}");
        }
        assert!(started.elapsed() < Duration::from_secs(90), "{healthy}'s jobs never finished: {jobs:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One bad member in a pool of two costs only its own jobs: with `b` down from the start,
/// SIGKILLed mid-run, accepting connections and never answering, or refusing the key,
/// `a`'s jobs all finish within 1.5x of the time they take with `b` down from the start.
/// Shipped defaults (request timeout, retries), callbacks on.
#[test]
fn one_bad_member_costs_only_its_own_jobs() {
    let a_config = || SimConfig::new("").speed(10.0).capacity(3, 10);
    let run = |name: &str, b_url: String, b_extra: &str, a: &Server, during: &mut dyn FnMut(&[Placement])| {
        let Setup { config, prompts, out, journal } =
            setup_urls(name, &[("a", a.url(), 4, ""), ("b", b_url, 4, b_extra)], PROMPTS);
        let args = ["--timeout", "120", "--hook-listen", "127.0.0.1:0", "batch", &prompts, "--out", &out];
        let mut child = mj(&config, &args).env("B_KEY", "wrong").spawn().expect("spawns");
        let started = Instant::now();
        let took = healthy_jobs_done(&journal, "a", &mut child, started, during);
        let _ = child.kill();
        let output = child.wait_with_output().expect("ends");
        (took, placements(&journal), output)
    };

    let a = Server::start(a_config().seed(31), 0).expect("a");
    let (baseline, _, _) = run("down", down_server(), "", &a, &mut |_| {});
    assert_eq!(a.stats().total_tasks(), PROMPTS as u64, "with b down, a made every task");

    // b dies once it has made tasks.
    let a = Server::start(a_config().seed(32), 0).expect("a");
    let mut b = Some(Server::start(SimConfig::new("").speed(0.3).capacity(3, 10).seed(33), 0).expect("b"));
    let b_url = b.as_ref().expect("b").url();
    let mut made_on_b = 0;
    let (killed, jobs, _) = run("killed", b_url, "", &a, &mut |_| {
        if b.as_ref().is_some_and(|b| b.stats().total_tasks() > 0)
            && let Some(b) = b.take()
        {
            std::thread::sleep(Duration::from_millis(200));
            made_on_b = b.stop().total_tasks();
        }
    });
    let on_b = jobs.iter().filter(|(_, s, ..)| s.as_deref() == Some("b")).count() as u64;
    assert!(
        made_on_b >= 1 && on_b >= made_on_b,
        "b made {made_on_b} before it died, the journal has {on_b} on b: {jobs:?}"
    );
    assert_eq!(a.stats().total_tasks() + made_on_b, PROMPTS as u64, "nothing made twice: {jobs:?}");
    assert!(a.stats().duplicated_states().is_empty());

    let a = Server::start(a_config().seed(34), 0).expect("a");
    let (hung, jobs, output) = run("hung", hung_server(), "", &a, &mut |_| {});
    let on_b = jobs.iter().filter(|(_, s, ..)| s.as_deref() == Some("b")).count() as u64;
    assert!(on_b <= 4, "a member that never answers gets no more than its first work: {jobs:?}");
    assert_eq!(a.stats().total_tasks() + on_b, PROMPTS as u64, "{jobs:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no answer from server `b`"), "the watchdog names the member: {stderr}");

    // b refuses the key: it is taken out, its job goes to a, and the run says so.
    let a = Server::start(a_config().seed(35), 0).expect("a");
    let b = Server::start(SimConfig::new("").speed(10.0).api_key("right").seed(36), 0).expect("b");
    let (refused, jobs, output) = run("refused", b.url(), "api_key_env = \"B_KEY\"", &a, &mut |_| {});
    assert!(jobs.iter().all(|(.., state)| state == "done"), "{jobs:?}");
    assert_eq!((a.stats().total_tasks(), b.stats().total_tasks()), (PROMPTS as u64, 0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code().is_some() {
        assert_eq!(output.status.code(), Some(3), "{stderr}");
        assert!(stderr.contains("server `b` refused to work for this account"), "{stderr}");
        assert!(!stderr.contains("wrong"), "the key is never shown: {stderr}");
    }

    eprintln!("a's jobs done: b down {baseline:?}, killed {killed:?}, hung {hung:?}, refusing the key {refused:?}");
    for (case, took) in [("killed", killed), ("hung", hung), ("refused", refused)] {
        assert!(
            took.as_secs_f64() <= baseline.as_secs_f64() * 1.5,
            "{case}: a's jobs took {took:?}, {baseline:?} with b down from the start"
        );
    }
}

/// A run stopped while a member hangs with a job: run again without that member (a new
/// one in its place), the other jobs finish, the new member gets work, and the hung
/// member's job waits, reported, never sent elsewhere; `--server a` alone ends at once.
#[test]
fn a_rerun_without_the_bad_member_finishes_and_a_new_member_gets_work() {
    let a = Server::start(SimConfig::new("").speed(5.0).capacity(3, 10).seed(41), 0).expect("a");
    let b = hung_server();
    let Setup { config, prompts, out, journal } =
        setup_urls("rerun", &[("a", a.url(), 2, ""), ("b", b, 2, "")], PROMPTS);
    let args = ["--hook-listen", "127.0.0.1:0", "batch", &prompts, "--out", &out];
    let mut child = mj(&config, &args).spawn().expect("spawns");
    let started = Instant::now();
    loop {
        let jobs = placements(&journal);
        let on = |name: &str, state: &str| jobs.iter().any(|(_, s, _, st)| s.as_deref() == Some(name) && st == state);
        if on("b", "submitting") && on("a", "running") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{jobs:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let at_kill = placements(&journal);
    let on_b: Vec<i64> = at_kill.iter().filter(|(_, s, ..)| s.as_deref() == Some("b")).map(|j| j.0).collect();

    let c = Server::start(SimConfig::new("").speed(5.0).capacity(3, 10).seed(42), 0).expect("c");
    let dir = config.parent().expect("dir");
    let without_b = dir.join("a-and-c.toml");
    let text = std::fs::read_to_string(&config).expect("servers file");
    let a_table = text.split("[[server]]").find(|t| t.contains("name = \"a\"")).expect("a's table");
    std::fs::write(
        &without_b,
        format!("[[server]]{a_table}[[server]]\nname = \"c\"\nbase_url = \"{}\"\nmax_in_flight = 2\n", c.url()),
    )
    .expect("servers file");
    let rerun = mj(&without_b, &args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert_eq!(rerun.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("server `b`, which this run does not have"), "{stderr}");
    let jobs = placements(&journal);
    for (item, server, _, state) in &jobs {
        if on_b.contains(item) {
            assert_eq!((server.as_deref(), state.as_str()), (Some("b"), "submitting"), "b's job waits");
        } else {
            assert_eq!(state, "done", "job {item}: {jobs:?}");
        }
    }
    let on_c = jobs.iter().filter(|(_, s, ..)| s.as_deref() == Some("c")).count() as u64;
    assert!(on_c >= 1, "the new member got work: {jobs:?}");
    assert_eq!(a.stats().total_tasks() + c.stats().total_tasks(), (PROMPTS - on_b.len()) as u64, "none twice");
    assert!(a.stats().duplicated_states().is_empty() && c.stats().duplicated_states().is_empty());

    // With a alone, only b's job is left: the run says so and ends at once.
    let started = Instant::now();
    let alone = mj(&config, &["--server", "a", "batch", &prompts, "--out", &out]).output().expect("runs");
    assert_eq!(alone.status.code(), Some(4), "{}", String::from_utf8_lossy(&alone.stderr));
    assert!(started.elapsed() < Duration::from_secs(20), "it did not wait for --timeout");
    assert_eq!(a.stats().total_tasks() + c.stats().total_tasks(), (PROMPTS - on_b.len()) as u64);
}
