//! The cost of many waiting tasks on one async client, against mj-sim's loopback server:
//! 1 000 concurrent `wait`s, then 10 000 tasks through one `watch`.
//!
//! ```text
//! cargo run --release -p mj-benches --example load
//! ```
//!
//! The simulator runs in a child process (this example, re-run with `serve`), so that the
//! CPU time and memory read from `/proc/self` are the client's alone. Figures per task:
//! requests (from the simulator's `/sim/stats`), client CPU time, and peak memory per
//! waiting task (the rise of the resident high-water mark while the waits run, divided
//! by their number). Linux only, for `/proc`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mj_reqwest::prelude::*;

const WAITS: usize = 1_000;
const WATCHED: usize = 10_000;

fn main() {
    if std::env::args().nth(1).as_deref() == Some("serve") {
        serve();
        return;
    }
    let (mut child, url) = spawn_simulator();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let config = Config::new(&url).expect("config");
    // The shipped settings, with a quicker poll than the default 4 s so that the run is short.
    let settings = Settings::default()
        .wait(WaitOptions::default().interval(Duration::from_secs(1)))
        .watch(WatchOptions::default().interval(Duration::from_secs(1)));
    let client = Client::new(config).with_settings(settings);
    runtime.block_on(concurrent_waits(&client, &url));
    runtime.block_on(one_watch(&client, &url));
    let _ = child.kill();
    let _ = child.wait();
}

/// 1 000 submits, then 1 000 `wait`s at once on clones of one client.
async fn concurrent_waits(client: &Client, url: &str) {
    let ids = submit_all(client, WAITS, "wait").await;
    let requests_before = requests(url, "task/fetch").await;
    // Start the resident high-water mark afresh (Linux 4.0+), so the peak is the waits'.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = Usage::now();
    let started = Instant::now();
    let mut waits = tokio::task::JoinSet::new();
    for id in ids {
        let client = client.clone();
        waits.spawn(async move { client.wait(&id).await });
    }
    let mut done = 0;
    while let Some(result) = waits.join_next().await {
        if result.expect("no panic").is_ok_and(|t| t.status == TaskStatus::Success) {
            done += 1;
        }
    }
    let after = Usage::now();
    let fetches = requests(url, "task/fetch").await - requests_before;
    println!(
        "{WAITS} concurrent waits: {done} succeeded in {:.1} s; {:.2} fetches per task; client CPU {:.0} µs per task; peak memory {:.1} KB per waiting task",
        started.elapsed().as_secs_f64(),
        fetches as f64 / WAITS as f64,
        after.cpu_micros_since(&before) / WAITS as f64,
        after.peak_kb.saturating_sub(before.rss_kb) as f64 / WAITS as f64,
    );
}

/// 10 000 submits, then one `watch` over all of them.
async fn one_watch(client: &Client, url: &str) {
    let ids = submit_all(client, WATCHED, "watch").await;
    let lists_before = requests(url, "task/list-by-condition").await;
    let before = Usage::now();
    let started = Instant::now();
    let report = client.watch(ids, |_| {}).await.expect("watched");
    let after = Usage::now();
    let lists = requests(url, "task/list-by-condition").await - lists_before;
    // One list-by-condition per 100 ids per round: the rounds are the requests over that.
    let per_round = WATCHED.div_ceil(100) as u64;
    println!(
        "{WATCHED} tasks through one watch: {} finished in {:.1} s; {} list requests (the simulator counted {lists}) in {} rounds of {per_round} (one per 100 tasks per round), {:.3} per task; client CPU {:.0} µs per task",
        report.finished.len(),
        started.elapsed().as_secs_f64(),
        report.requests,
        report.requests.div_ceil(per_round),
        report.requests as f64 / WATCHED as f64,
        after.cpu_micros_since(&before) / WATCHED as f64,
    );
}

/// Submits `n` imagines, 50 at a time, and returns their ids.
async fn submit_all(client: &Client, n: usize, what: &str) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    let mut batch = tokio::task::JoinSet::new();
    for i in 0..n {
        let (client, prompt) = (client.clone(), format!("a {what} fox {i}"));
        batch.spawn(async move { client.submit(Imagine::new(prompt)).await });
        if batch.len() == 50 || i + 1 == n {
            while let Some(result) = batch.join_next().await {
                ids.push(result.expect("no panic").expect("submitted").task_id);
            }
        }
    }
    ids
}

/// The simulator's request count for `route`, from `/sim/stats`.
async fn requests(url: &str, route: &str) -> u64 {
    let stats: serde_json::Value = match mj_reqwest::reqwest::get(format!("{url}/sim/stats")).await {
        Ok(answer) => answer.bytes().await.ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    };
    stats.get("requests").and_then(|r| r.get(route)).and_then(serde_json::Value::as_u64).unwrap_or(0)
}

/// The child: mj-sim on a free loopback port, room for every task at once, tasks of about
/// 5 s; prints its URL and serves until killed.
fn serve() {
    let config = mj_sim::SimConfig::new("").capacity(WATCHED, WATCHED);
    let server = mj_sim::Server::start(config, 0).expect("simulator");
    println!("{}", server.url());
    loop {
        std::thread::park();
    }
}

fn spawn_simulator() -> (Child, String) {
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe).arg("serve").stdout(Stdio::piped()).spawn().expect("simulator process");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("its URL");
    (child, line.trim().to_owned())
}

/// CPU time and memory of this process, from `/proc/self`.
struct Usage {
    cpu_ticks: u64,
    rss_kb: u64,
    peak_kb: u64,
}

impl Usage {
    fn now() -> Self {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        // utime and stime are fields 14 and 15, counted after the `(comm)` field.
        let after_comm = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_comm.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let kb = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        Self { cpu_ticks: ticks(11) + ticks(12), rss_kb: kb("VmRSS:"), peak_kb: kb("VmHWM:") }
    }

    /// CPU microseconds between `before` and this reading (clock ticks are 10 ms).
    fn cpu_micros_since(&self, before: &Self) -> f64 {
        (self.cpu_ticks.saturating_sub(before.cpu_ticks) * 10_000) as f64
    }
}
