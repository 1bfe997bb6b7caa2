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

/// Each job's member and task id, from the journal (WAL lets a reader in while it runs).
fn placements(journal: &Path) -> Vec<(i64, Option<String>, Option<String>, String)> {
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
    let dir = temp_dir(name);
    let config = dir.join("servers.toml");
    let servers: String = members
        .iter()
        .map(|(name, server, room)| {
            format!("[[server]]\nname = \"{name}\"\nbase_url = \"{}\"\nmax_in_flight = {room}\n\n", server.url())
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
    assert!(on("a") >= 4 && on("b") >= 4, "spread: a {} b {}", on("a"), on("b"));
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
    assert!(jobs.iter().filter(|(_, s, ..)| s.as_deref() == Some("a")).all(|(.., state)| state == "done"), "{jobs:?}");
    let on_a = jobs.iter().filter(|(_, s, id, _)| s.as_deref() == Some("a") && id.is_some()).count() as u64;
    assert_eq!(a.stats().total_tasks(), on_a, "a made exactly the jobs the journal gives it");
    assert!(a.stats().duplicated_states().is_empty());
}
