//! A pool of servers against one, measured from outside through `mj batch`: three
//! loopback simulators (`--concurrency 3 --queue-size 10`, one speed), 60 prompts each way,
//! all in one run.
//!
//! ```text
//! cargo build --release -p mj-cli && cargo run --release -p mj-benches --example pool [-- PROMPTS SPEED]
//! ```
//!
//! Ways: one member alone (`--server a`); the pool of three; the pool with one member down
//! from the start (a refused port); the pool with one member's queue at 2 (its code-23
//! refusals go elsewhere). Each run is a fresh `mj batch` with a servers file, callbacks on
//! (`--hook-listen 127.0.0.1:0`) and the shipped defaults otherwise. For each: wall time,
//! its share of the single server's, jobs done, tasks each member made, and duplicates
//! across members (a correlation token made into two tasks, counted from the simulators'
//! stats). Prints a Markdown table.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use mj_sim::{Server, SimConfig};

/// A member of a run: a simulator, or a port that refuses.
enum Seat {
    Up(Server),
    Down(String),
}

impl Seat {
    fn url(&self) -> String {
        match self {
            Self::Up(server) => server.url(),
            Self::Down(url) => url.clone(),
        }
    }
}

/// A port nothing listens on (bound, then closed): connections are refused.
fn refused() -> Seat {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    Seat::Down(format!("http://{}", listener.local_addr().expect("addr")))
}

fn sim(speed: f64, queue: usize, seed: u64) -> Seat {
    let config = SimConfig::new("").speed(speed).capacity(3, queue).seed(seed);
    Seat::Up(Server::start(config, 0).expect("sim"))
}

struct Row {
    way: &'static str,
    wall: Duration,
    done: u64,
    per_member: Vec<(String, Option<u64>)>,
    /// Submits refused with "queue full", all members together.
    queue_full: u64,
    duplicates: usize,
}

fn run(way: &'static str, seats: &[(&str, Seat)], single: Option<&str>, prompts: &Path, scratch: &Path) -> Row {
    let dir = scratch.join(way.replace(' ', "-"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let servers: String = seats
        .iter()
        .map(|(name, seat)| {
            format!(
                "[[server]]\nname = \"{name}\"\nbase_url = \"{}\"\nprofile = \"novicezk\"\nmax_in_flight = 13\n\n",
                seat.url()
            )
        })
        .collect();
    let config = dir.join("servers.toml");
    std::fs::write(&config, servers).expect("servers file");
    let mut mj = Command::new(mj_benches::mj_binary());
    for var in ["MJ_BASE_URL", "MJ_API_KEY", "MJ_CONFIG", "MJ_SERVER", "MJ_HOOK_LISTEN", "MJ_HOOK_URL"] {
        mj.env_remove(var);
    }
    mj.arg("--config").arg(&config).args(["--json", "--hook-listen", "127.0.0.1:0", "--timeout", "1800"]);
    if let Some(name) = single {
        mj.args(["--server", name, "batch", "--concurrency", "13"]);
    } else {
        mj.arg("batch");
    }
    mj.arg(prompts).arg("--out").arg(dir.join("out"));
    let started = Instant::now();
    let output = mj.output().expect("mj batch runs");
    let wall = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: serde_json::Value = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v.get("done").is_some() && v.get("jobs").is_some())
        .unwrap_or_else(|| panic!("{way}: no summary\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr)));
    let per_member = seats
        .iter()
        .map(|(name, seat)| {
            let made = match seat {
                Seat::Up(server) => Some(server.stats().total_tasks()),
                Seat::Down(_) => None,
            };
            ((*name).to_owned(), made)
        })
        .collect();
    // A token made into a task on two members (or twice on one) is a duplicate.
    let mut tokens: HashMap<String, usize> = HashMap::new();
    for (_, seat) in seats {
        if let Seat::Up(server) = seat {
            for state in server.stats().created.iter().filter_map(|c| c.state.clone()) {
                *tokens.entry(state).or_default() += 1;
            }
        }
    }
    let duplicates = tokens.values().filter(|n| **n > 1).count();
    let done = summary["done"].as_u64().unwrap_or(0);
    let queue_full = seats
        .iter()
        .map(|(_, seat)| match seat {
            Seat::Up(server) => server.stats().queue_full,
            Seat::Down(_) => 0,
        })
        .sum();
    if !output.status.success() {
        eprintln!("{way}: mj batch ended with {}:\n{}", output.status, String::from_utf8_lossy(&output.stderr));
    }
    Row { way, wall, done, per_member, queue_full, duplicates }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let prompts: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(60);
    let speed: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2.0);
    let scratch = std::env::temp_dir().join(format!("mj-bench-pool-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch");
    let file = scratch.join("prompts.txt");
    let text: String = (0..prompts).map(|i| format!("a red fox in the snow, study {i}\n")).collect();
    std::fs::write(&file, text).expect("prompts");

    let rows = [
        run("one server", &[("a", sim(speed, 10, 1))], Some("a"), &file, &scratch),
        run(
            "pool of three",
            &[("a", sim(speed, 10, 1)), ("b", sim(speed, 10, 2)), ("c", sim(speed, 10, 3))],
            None,
            &file,
            &scratch,
        ),
        run(
            "pool, c down",
            &[("a", sim(speed, 10, 1)), ("b", sim(speed, 10, 2)), ("c", refused())],
            None,
            &file,
            &scratch,
        ),
        run(
            "pool, c queue 2",
            &[("a", sim(speed, 10, 1)), ("b", sim(speed, 10, 2)), ("c", sim(speed, 2, 3))],
            None,
            &file,
            &scratch,
        ),
    ];
    let single = rows[0].wall.as_secs_f64();
    println!("{prompts} prompts through `mj batch`, simulators at speed {speed} (`--concurrency 3 --queue-size 10`)\n");
    println!("| way | wall time | of one server's | jobs done | tasks per member | queue-full refusals | duplicates |");
    println!("|---|---|---|---|---|---|---|");
    for row in &rows {
        let members: Vec<String> = row
            .per_member
            .iter()
            .map(|(name, made)| match made {
                Some(n) => format!("{name} {n} ({:.0}%)", *n as f64 * 100.0 / prompts as f64),
                None => format!("{name} down"),
            })
            .collect();
        println!(
            "| {} | {:.1} s | {:.0}% | {}/{prompts} | {} | {} | {} |",
            row.way,
            row.wall.as_secs_f64(),
            row.wall.as_secs_f64() * 100.0 / single,
            row.done,
            members.join(", "),
            row.queue_full,
            row.duplicates
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
