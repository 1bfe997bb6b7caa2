//! Webhook-driven waits against polling, measured from outside: 200 tasks each way
//! against a loopback mj-sim at its normal speed (about 5 s a task), all in one process.
//!
//! ```text
//! cargo run --release -p mj-benches --example hooks [-- N]
//! ```
//!
//! Ways: a polling `wait` per task; one `watch` over all of them; waits fed by callbacks
//! (mj-hooks' `HookReceiver`); the same with 30% of callbacks dropped (`hook_drop=0.3`)
//! and with every one dropped (`hook_drop=1.0`). For each: requests per task by route
//! (submits and images apart), detection latency from the simulator's `finishTime` to the
//! moment the client has the result (p50, p99), and the client's CPU time per task (its
//! runtime's threads, which also run the receiver; the simulator has threads of its own).
//! Every client runs with the shipped defaults. Prints a Markdown table.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mj_hooks::HookReceiver;
use mj_reqwest::prelude::*;
use mj_sim::{FaultPlan, Server, SimConfig, Stats};

/// The client runtime's threads, so that their CPU time can be told apart.
const THREAD: &str = "bench-client";

#[derive(Clone, Copy)]
enum Way {
    Polling,
    Watch,
    Hooks(&'static str),
}

impl Way {
    fn name(self) -> String {
        match self {
            Self::Polling => "polling `wait`".into(),
            Self::Watch => "one `watch`".into(),
            Self::Hooks("") => "hooks".into(),
            Self::Hooks(faults) => format!("hooks, `{faults}`"),
        }
    }
}

struct Row {
    way: String,
    submits: f64,
    others: Vec<(String, f64)>,
    images: f64,
    p50: Duration,
    p99: Duration,
    cpu: Duration,
    done: usize,
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Nanoseconds on CPU of this process's threads named [`THREAD`].
fn client_cpu() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
    tasks
        .flatten()
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == THREAD))
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn percentile(sorted: &[u64], p: f64) -> Duration {
    let Some(last) = sorted.len().checked_sub(1) else { return Duration::ZERO };
    Duration::from_millis(sorted[((last as f64) * p).round() as usize])
}

async fn run(way: Way, n: usize) -> Row {
    let faults = match way {
        Way::Hooks(faults) => faults,
        _ => "",
    };
    let faults: FaultPlan = faults.parse().expect("faults");
    let sim = Server::start(SimConfig::new("").capacity(n * 2, n * 2).faults(faults).seed(42), 0).expect("sim");
    let config = Config::new(&sim.url()).expect("config");
    let (client, _receiver) = match way {
        Way::Hooks(_) => {
            let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
            let settings = Settings::default().hooks(receiver.hooks());
            (Client::new(config).with_settings(settings), Some(receiver))
        }
        _ => (Client::new(config), None),
    };
    let cpu_before = client_cpu();
    // (finishTime, when the client had it) per task, in epoch ms.
    let mut seen: Vec<(u64, u64)> = Vec::new();
    match way {
        Way::Watch => {
            let submits: Vec<_> = (0..n)
                .map(|i| {
                    let client = client.clone();
                    tokio::spawn(async move { client.submit(Imagine::new(format!("a red fox number {i}"))).await })
                })
                .collect();
            let mut ids = Vec::new();
            for submit in submits {
                ids.push(submit.await.expect("joined").expect("submitted").task_id);
            }
            let mut ends = std::collections::HashMap::new();
            let report = client
                .watch(ids, |task| {
                    if task.is_terminal() {
                        ends.entry(task.id.clone())
                            .or_insert((task.finish_time.map_or(0, |t| t.as_millis()), now_ms()));
                    }
                })
                .await
                .expect("watched");
            assert_eq!(report.finished.len(), n, "every task finished");
            seen.extend(ends.into_values());
        }
        _ => {
            let waits: Vec<_> = (0..n)
                .map(|i| {
                    let client = client.clone();
                    tokio::spawn(async move {
                        let task = client.submit_and_wait(Imagine::new(format!("a red fox number {i}")), |_| {}).await;
                        (task, now_ms())
                    })
                })
                .collect();
            for wait in waits {
                let (task, at) = wait.await.expect("joined");
                let task = task.expect("every task completes");
                seen.push((task.finish_time.map_or(0, |t| t.as_millis()), at));
            }
        }
    }
    let cpu = Duration::from_nanos(client_cpu().saturating_sub(cpu_before));
    let stats: Stats = sim.stats();
    let per_task = |count: u64| count as f64 / n as f64;
    let submits = stats.requests.iter().filter(|(r, _)| r.starts_with("submit/")).map(|(_, c)| *c).sum();
    let images = stats.requests.get("sim/media").copied().unwrap_or(0);
    let others = stats
        .requests
        .iter()
        .filter(|(r, _)| !r.starts_with("submit/") && r.as_str() != "sim/media")
        .map(|(r, c)| (r.clone(), per_task(*c)))
        .collect();
    let mut latencies: Vec<u64> = seen.iter().map(|(finish, at)| at.saturating_sub(*finish)).collect();
    latencies.sort_unstable();
    Row {
        way: way.name(),
        submits: per_task(submits),
        others,
        images: per_task(images),
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        cpu: cpu / n as u32,
        done: seen.len(),
    }
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(THREAD)
        .enable_all()
        .build()
        .expect("runtime");
    let ways = [Way::Polling, Way::Watch, Way::Hooks(""), Way::Hooks("hook_drop=0.3"), Way::Hooks("hook_drop=1.0")];
    let rows: Vec<Row> = ways.into_iter().map(|way| runtime.block_on(run(way, n))).collect();
    println!("N = {n} tasks each way, loopback mj-sim at speed 1 (about 5 s a task), shipped defaults\n");
    println!(
        "| way | done | submits/task | other requests/task | all but images/task | images/task | p50 latency | p99 latency | client CPU/task |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        let others: f64 = row.others.iter().map(|(_, c)| c).sum();
        let detail: Vec<String> = row.others.iter().map(|(r, c)| format!("{r} {c:.2}")).collect();
        println!(
            "| {} | {} | {:.2} | {:.2} ({}) | {:.2} | {:.2} | {} ms | {} ms | {:.2} ms |",
            row.way,
            row.done,
            row.submits,
            others,
            detail.join(", "),
            row.submits + others,
            row.images,
            row.p50.as_millis(),
            row.p99.as_millis(),
            row.cpu.as_secs_f64() * 1000.0
        );
    }
}
