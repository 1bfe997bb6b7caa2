//! Several `mj batch` workers on one PostgreSQL journal, as users run them: separate
//! processes over real HTTP against three simulators, a real PostgreSQL this test starts,
//! and the shipped defaults (lease, patience, polling). Counted on the servers' side: no
//! prompt made twice, every job done once, every file present with its hash.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use mj_batch::{JobState, Journal};
use mj_postgres::{Database, PgJournal};
use mj_sim::{Server, SimConfig};
use mj_test_support::postgres::Postgres;
use sha2::{Digest, Sha256};

fn temp(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mj-shared-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    dir
}

/// `mj` with no configuration of the machine's own, and its state in `dir`.
fn mj(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mj"));
    for (var, _) in std::env::vars().filter(|(v, _)| v.starts_with("MJ_")) {
        cmd.env_remove(var);
    }
    cmd.env("MJ_STATE", dir.join("state.sqlite3")).env("XDG_CONFIG_HOME", dir.join("config")).env("HOME", dir);
    cmd
}

/// Three simulators that run tasks `speed` times faster than real time (1: about 5 s a
/// task), each taking twenty at once.
fn simulators(speed: f64) -> Vec<Server> {
    (0..3).map(|_| Server::start(SimConfig::new("").speed(speed).capacity(20, 50), 0).expect("a simulator")).collect()
}

/// A servers file naming the simulators a, b and c, with `extra` under each.
fn servers_file(dir: &Path, sims: &[Server], extra: &str) -> PathBuf {
    let path = dir.join("servers.toml");
    let text: String = sims
        .iter()
        .zip(["a", "b", "c"])
        .map(|(sim, name)| format!("[[server]]\nname = \"{name}\"\nbase_url = \"{}\"\n{extra}\n", sim.url()))
        .collect();
    std::fs::write(&path, text).expect("written");
    path
}

fn prompts(dir: &Path, label: &str, n: usize) -> PathBuf {
    let path = dir.join(format!("{label}.txt"));
    let lines: Vec<String> = (0..n).map(|i| format!("{label} prompt number {i}, a quiet lake")).collect();
    std::fs::write(&path, lines.join("\n")).expect("written");
    path
}

/// Starts worker `i` of a batch on `journal`, saving into its own folder.
fn worker(dir: &Path, servers: &Path, prompts: &Path, journal: &str, i: usize) -> Child {
    mj(dir)
        .args(["--config", servers.to_str().expect("a path"), "--timeout", "300", "batch"])
        .arg(prompts)
        .args(["--out", dir.join(format!("out-{i}")).to_str().expect("a path"), "--journal", journal])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mj batch starts")
}

fn finish(child: Child) -> Output {
    child.wait_with_output().expect("mj batch ends")
}

fn said(output: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The batch of `prompts` as the journal has it.
fn journal_jobs(url: &str, prompts: &Path) -> Vec<mj_batch::Job> {
    let db = Database::parse(url).expect("url");
    let text = std::fs::read(prompts).expect("prompts");
    PgJournal::connect(&db, &mj_batch::prompts::fingerprint(&text)).expect("journal").jobs().expect("jobs")
}

/// Every job done, each file on disk with the hash the journal recorded; the workers that
/// saved them.
fn check_done(jobs: &[mj_batch::Job]) -> std::collections::BTreeSet<String> {
    let mut workers = std::collections::BTreeSet::new();
    for job in jobs {
        assert_eq!(job.state, JobState::Done, "{job:?}");
        assert_eq!(job.files.len(), 1, "{job:?}");
        for file in &job.files {
            let bytes = std::fs::read(&file.path).expect("the file is there");
            let hash: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hash, file.sha256, "{}", file.path);
            workers.insert(file.worker.clone().expect("a shared journal names the worker"));
        }
    }
    workers
}

/// Tasks the simulators made, all together, and no correlation token made twice.
fn made(sims: &[Server]) -> usize {
    sims.iter()
        .map(|sim| {
            let stats = sim.stats();
            assert!(stats.duplicated_states().is_empty(), "a prompt made twice: {:?}", stats.duplicated_states());
            stats.created.len()
        })
        .sum()
}

#[test]
fn one_two_and_four_workers_make_each_prompt_once() {
    let pg = Postgres::start();
    let dir = temp("workers");
    for workers in [1, 2, 4] {
        let sims = simulators(10.0);
        let servers = servers_file(&dir, &sims, "");
        let prompts = prompts(&dir, &format!("run{workers}"), 120);
        let started = Instant::now();
        let children: Vec<Child> = (0..workers).map(|i| worker(&dir, &servers, &prompts, &pg.url(), i)).collect();
        for output in children.into_iter().map(finish) {
            assert!(output.status.success(), "{}", said(&output));
        }
        let took = started.elapsed();
        assert_eq!(made(&sims), 120, "{workers} worker(s): every prompt made once");
        let savers = check_done(&journal_jobs(&pg.url(), &prompts));
        assert!(savers.len() >= workers.min(2), "{workers} worker(s) shared the work: {savers:?}");
        eprintln!("{workers} worker(s): 120 prompts in {took:?}, files saved by {savers:?}");
    }
    // The whole picture, from any machine.
    let status = mj(&dir).args(["--json", "batch", "--status", "--journal", &pg.url()]).output().expect("runs");
    assert!(status.status.success(), "{}", said(&status));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&status.stdout).lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(lines.len(), 3, "three batches: {lines:?}");
    for line in &lines {
        assert_eq!(line["done"], 120, "{line}");
        assert_eq!(line["files"], 120, "{line}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_killed_worker_and_tasks_slower_than_the_lease_lose_nothing_and_make_nothing_twice() {
    let pg = Postgres::start();
    let dir = temp("killed");
    // About 75 s a task: longer than the 60 s lease, which the living worker renews.
    let sims = simulators(5.0 / 75.0);
    let servers = servers_file(&dir, &sims, "");
    let prompts = prompts(&dir, "killed", 12);
    let mut doomed = worker(&dir, &servers, &prompts, &pg.url(), 0);
    let survivor = worker(&dir, &servers, &prompts, &pg.url(), 1);
    // Once the doomed worker holds running tasks, it dies.
    let db = Database::parse(&pg.url()).expect("url");
    let started = Instant::now();
    loop {
        let jobs = journal_jobs(&pg.url(), &prompts);
        if jobs.iter().filter(|j| j.state == JobState::Running).count() >= 6
            || started.elapsed() > Duration::from_secs(30)
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    doomed.kill().expect("SIGKILL");
    let _ = doomed.wait();
    let output = finish(survivor);
    assert!(output.status.success(), "{}", said(&output));
    assert_eq!(made(&sims), 12, "each prompt made once, the dead worker's included");
    let savers = check_done(&journal_jobs(&pg.url(), &prompts));
    assert_eq!(savers.len(), 1, "the survivor saved every file: {savers:?}");
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pacing_and_a_daily_cap_hold_across_workers() {
    let pg = Postgres::start();
    let dir = temp("paced");
    let sims = simulators(20.0);
    // Counted where it is noon: the test never crosses midnight, where the cap starts afresh.
    let rules = format!(
        "min_interval = \"700ms\"\njitter = 0\ndaily_tasks = 8\ntimezone = \"{}\"\n",
        mj_test_support::noon::noon_timezone()
    );
    let servers = servers_file(&dir, &sims[..1], &rules);
    let prompts = prompts(&dir, "paced", 12);
    let children: Vec<Child> = (0..3).map(|i| worker(&dir, &servers, &prompts, &pg.url(), i)).collect();
    for output in children.into_iter().map(finish) {
        assert_eq!(output.status.code(), Some(6), "the cap holds the rest: {}", said(&output));
    }
    let stats = sims[0].stats();
    assert_eq!(stats.created.len(), 8, "the daily cap, across three workers");
    assert!(stats.duplicated_states().is_empty());
    let arrivals: Vec<u64> = stats.created.iter().map(|c| c.at_ms).collect();
    for pair in arrivals.windows(2) {
        assert!(pair[1] - pair[0] >= 700, "the interval, across three workers: {arrivals:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_database_restart_in_the_middle_of_a_run_loses_nothing() {
    let pg = Postgres::start();
    let dir = temp("restart");
    let sims = simulators(2.0);
    let servers = servers_file(&dir, &sims, "");
    let prompts = prompts(&dir, "restart", 40);
    let children: Vec<Child> = (0..2).map(|i| worker(&dir, &servers, &prompts, &pg.url(), i)).collect();
    let started = Instant::now();
    while journal_jobs(&pg.url(), &prompts).iter().filter(|j| j.state == JobState::Done).count() < 5 {
        assert!(started.elapsed() < Duration::from_secs(60), "the run started");
        std::thread::sleep(Duration::from_millis(100));
    }
    pg.stop();
    std::thread::sleep(Duration::from_secs(3));
    pg.start_again();
    for output in children.into_iter().map(finish) {
        assert!(output.status.success(), "{}", said(&output));
    }
    assert_eq!(made(&sims), 40, "each prompt made once across the restart");
    check_done(&journal_jobs(&pg.url(), &prompts));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_key_is_never_stored_and_the_password_never_shown() {
    let pg = Postgres::start();
    let dir = temp("secrets");
    let key = "sk-shared-journal-key-0123456789";
    let sim = Server::start(SimConfig::new("").speed(20.0).api_key(key), 0).expect("sim");
    let servers = dir.join("servers.toml");
    std::fs::write(
        &servers,
        format!("[[server]]\nname = \"a\"\nbase_url = \"{}\"\napi_key_env = \"SHARED_KEY\"\n", sim.url()),
    )
    .expect("written");
    let prompts = prompts(&dir, "secrets", 3);
    // Trust authentication ignores the password; mj must not show it anywhere.
    let url = format!("postgres://postgres:hunter2-pw@127.0.0.1:{}/postgres", pg.port());
    let run = mj(&dir)
        .env("SHARED_KEY", key)
        .args(["--config", servers.to_str().expect("a path"), "-vv", "batch"])
        .arg(&prompts)
        .args(["--out", dir.join("out").to_str().expect("a path"), "--journal", &url])
        .output()
        .expect("runs");
    assert!(run.status.success(), "{}", said(&run));
    let status = mj(&dir).args(["batch", "--status", "--journal", &url]).output().expect("runs");
    assert!(String::from_utf8_lossy(&status.stdout).contains("3 done"), "{}", said(&status));
    pg.stop();
    let down = mj(&dir).args(["batch", "--status", "--journal", &url]).output().expect("runs");
    assert!(!down.status.success());
    for output in [&run, &status, &down] {
        let text = said(output);
        assert!(!text.contains("hunter2"), "the password was shown: {text}");
        assert!(!text.contains(key), "the key was shown: {text}");
    }
    pg.start_again();
    let mut client = postgres::Client::connect(&pg.url(), postgres::NoTls).expect("connects");
    let mut stored = String::new();
    for table in ["mj_batches", "mj_jobs", "mj_pacing", "mj_ledger", "mj_hook_events", "mj_schema"] {
        for row in client.query(&format!("SELECT t::text FROM {table} t"), &[]).expect("reads") {
            stored.push_str(row.get::<_, &str>(0));
        }
    }
    assert!(stored.contains("secrets prompt number 0"), "the rows were read");
    // In any spelling mj knows (plain, percent-encoded, JSON-escaped, HTML references).
    let mut scrubbed = stored.clone();
    mj_proto::scrub_text(&mut scrubbed, key);
    assert_eq!(scrubbed, stored, "the key is in the database");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn replicas_behind_one_hook_url_learn_of_each_others_callbacks() {
    let pg = Postgres::start();
    let dir = temp("replicas");
    let sims = simulators(2.0);
    let servers = servers_file(&dir, &sims[..1], "");
    let prompts = prompts(&dir, "replicas", 12);
    let free = || std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
    let (front, back) = (free(), free());
    let secret = "00112233445566778899aabbccddeeff";
    // The load balancer sends every callback to the first replica; the second listens
    // too, and is reached by nothing.
    let replica = |i: usize, listen: u16| {
        mj(&dir)
            .env("MJ_HOOK_SECRET", secret)
            .args(["--config", servers.to_str().expect("a path"), "-v", "--timeout", "120"])
            .args(["--hook-listen", &format!("127.0.0.1:{listen}"), "--hook-url", &format!("http://127.0.0.1:{front}")])
            .arg("batch")
            .arg(&prompts)
            .args(["--out", dir.join(format!("out-{i}")).to_str().expect("a path"), "--journal", &pg.url()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts")
    };
    let (first, second) = (replica(0, front), replica(1, back));
    let (first, second) = (finish(first), finish(second));
    assert!(first.status.success(), "{}", said(&first));
    assert!(second.status.success(), "{}", said(&second));
    assert_eq!(made(&sims), 12);
    let jobs = journal_jobs(&pg.url(), &prompts);
    let savers = check_done(&jobs);
    assert_eq!(savers.len(), 2, "both replicas worked: {savers:?}");
    // The second replica's tasks called back the first; it heard of them through the bus.
    let heard = String::from_utf8_lossy(&second.stderr).lines().filter(|l| l.contains(" callback id=")).count();
    assert!(heard > 0, "{}", said(&second));
    for output in [&first, &second] {
        assert!(!said(output).contains(secret), "the hook secret was shown");
    }
}

/// The batch page's two commands, as a user runs them: a database started by the script
/// it names, two workers against a simulator every worker reaches (`mj sim`'s part, here
/// in the test), in an empty folder.
#[test]
fn the_batch_pages_two_commands_start_a_database_and_run_two_workers() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let page = std::fs::read_to_string(root.join("docs/batches.md")).expect("the batch page");
    let section = page.split("## Several workers on one batch").nth(1).expect("the section");
    let block = section.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("its commands");
    assert_eq!(block.lines().count(), 2, "two commands: {block}");
    let dir = temp("page");
    std::os::unix::fs::symlink(root.join("scripts"), dir.join("scripts")).expect("the scripts, as in a clone");
    let prompts: Vec<String> = (0..8).map(|i| format!("a lighthouse in fog, take {i}")).collect();
    std::fs::write(dir.join("prompts.txt"), prompts.join("\n")).expect("written");
    let sim = Server::start(SimConfig::new("").speed(20.0), 0).expect("sim");
    let script = format!("set -euo pipefail\nmj() {{ '{mj}' \"$@\"; }}\n{block}", mj = env!("CARGO_BIN_EXE_mj"));
    let mut user = mj(&dir);
    user.current_dir(&dir).env("MJ_BASE_URL", sim.url()).args(["-c", &script]);
    let output = mj_test_support::shell::as_program(&user, "bash").output().expect("bash runs");
    let stop =
        Command::new(dir.join("scripts/dev-postgres.sh")).args(["stop", ".mj-postgres"]).current_dir(&dir).output();
    assert!(output.status.success(), "{}", said(&output));
    assert!(stop.is_ok_and(|s| s.status.success()), "the database stops");
    assert_eq!(made(&[sim]), 8, "{}", said(&output));
    let files = ["out-1", "out-2"]
        .iter()
        .map(|out| {
            std::fs::read_dir(dir.join(out))
                .map_or(0, |d| d.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".png")).count())
        })
        .sum::<usize>();
    assert_eq!(files, 8, "every grid saved once, by one worker or the other: {}", said(&output));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn upscales_go_to_their_grids_server_whichever_worker_presses_them() {
    let pg = Postgres::start();
    let dir = temp("upscales");
    let sims = simulators(10.0);
    let servers = servers_file(&dir, &sims, "");
    let prompts = dir.join("upscales.jsonl");
    let lines: Vec<String> =
        (0..6).map(|i| format!(r#"{{"prompt": "a harbour at dawn, plate {i}", "upscale": [1, 2]}}"#)).collect();
    std::fs::write(&prompts, lines.join("\n")).expect("written");
    let children: Vec<Child> = (0..2).map(|i| worker(&dir, &servers, &prompts, &pg.url(), i)).collect();
    for output in children.into_iter().map(finish) {
        assert!(output.status.success(), "{}", said(&output));
    }
    assert_eq!(made(&sims), 18, "6 grids and 12 upscales, each once");
    for sim in &sims {
        let created = sim.stats().created;
        let grids = created.iter().filter(|c| c.action == "IMAGINE").count();
        let upscales = created.iter().filter(|c| c.action == "UPSCALE").count();
        assert_eq!(upscales, 2 * grids, "each grid's upscales on its own server: {created:?}");
    }
    check_done(&journal_jobs(&pg.url(), &prompts));
    let _ = std::fs::remove_dir_all(&dir);
}
