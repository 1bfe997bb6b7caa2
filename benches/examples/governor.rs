//! Pacing, caps, moderation and budgets measured from the servers' side, through `mj batch`:
//! three loopback simulators, a servers file that gives each its own interval, caps,
//! prices and cool-down, and a prompt file with banned and moderated prompts among the
//! rest.
//!
//! ```text
//! cargo build --release -p mj-cli && cargo run --release -p mj-benches --example governor [-- PROMPTS]
//! ```
//!
//! The first run stops at the caps, the budget and a cool-down (exit 6); the state file is
//! then moved a day on, and the same command finishes the file.
//! Checked from the simulators' records: every interval between two arrivals at one server
//! at least its minimum, no cap or budget exceeded on a day, no prompt sent twice, the
//! cool-down after the configured strikes, `mj usage` equal to the simulators' counts, and
//! the requests per prompt against an unpaced run of the same file. Prints a Markdown table
//! and exits non-zero when a check fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mj_sim::{Server, SimConfig};

/// One server's rules: name, interval (ms), daily tasks, daily budget (imagine 0.05),
/// cool-down after this many strikes.
const RULES: [(&str, u64, u32, f64, u32); 3] =
    [("a", 300, 40, 10.0, 1), ("b", 400, 70, 10.0, 99), ("c", 200, 100, 3.5, 99)];

fn sims() -> Vec<Server> {
    (0..3).map(|n| Server::start(SimConfig::new("").speed(20.0).capacity(8, 32).seed(n + 1), 0).expect("sim")).collect()
}

fn batch(dir: &Path, servers: &Path, prompts: &Path) -> Output {
    let mut cmd = Command::new(mj_benches::mj_binary());
    for (var, _) in std::env::vars().filter(|(v, _)| v.starts_with("MJ_")) {
        cmd.env_remove(var);
    }
    cmd.env("MJ_STATE", dir.join("state.sqlite3")).env("HOME", dir);
    cmd.args(["--config", servers.to_str().expect("path"), "batch", prompts.to_str().expect("path")]);
    cmd.args(["--out", dir.join("out").to_str().expect("path"), "--timeout", "300"]);
    cmd.output().expect("mj batch runs")
}

fn main() {
    let prompts_n: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(200);
    let scratch = std::env::temp_dir().join(format!("mj-governor-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch");
    let lines: Vec<String> = (0..prompts_n)
        .map(|n| match n % 20 {
            7 => format!("a nude statue {n}"),
            13 => format!("a bloody battle {n}"),
            _ => format!("a red fox number {n}"),
        })
        .collect();
    let prompts = scratch.join("prompts.txt");
    std::fs::write(&prompts, lines.join("\n")).expect("prompts");
    let banned = lines.iter().filter(|l| l.contains("nude")).count();

    // The control: the same file, unpaced, for its requests per prompt.
    let control_sims = sims();
    let control_dir = scratch.join("control");
    std::fs::create_dir_all(&control_dir).expect("dir");
    let control_servers = control_dir.join("servers.toml");
    let table: String = control_sims
        .iter()
        .zip(RULES)
        .map(|(sim, (name, ..))| {
            format!("[[server]]\nname = \"{name}\"\nbase_url = \"{}\"\nmax_in_flight = 6\n\n", sim.url())
        })
        .collect();
    std::fs::write(&control_servers, table).expect("servers");
    let control = batch(&control_dir, &control_servers, &prompts);
    let requests = |s: &[Server]| s.iter().map(|s| s.stats().requests.values().sum::<u64>()).sum::<u64>();
    let control_requests = requests(&control_sims);

    let sims = sims();
    let dir = scratch.join("paced");
    std::fs::create_dir_all(&dir).expect("dir");
    let servers = dir.join("servers.toml");
    let table: String = sims
        .iter()
        .zip(RULES)
        .map(|(sim, (name, interval, tasks, budget, strikes))| {
            format!(
                "[[server]]\nname = \"{name}\"\nbase_url = \"{}\"\nmax_in_flight = 6\nmin_interval = \"{interval}ms\"\njitter = 0\n\
                 daily_tasks = {tasks}\nbudget_per_day = {budget}\ncooldown_after = {strikes}\ncooldown_window = \"1h\"\ncooldown = \"6h\"\n\
                 [server.prices]\nimagine = 0.05\n\n",
                sim.url()
            )
        })
        .collect();
    std::fs::write(&servers, table).expect("servers");
    let first = batch(&dir, &servers, &prompts);
    let first_created: Vec<usize> = sims.iter().map(|s| s.stats().created.len()).collect();
    // The next day, as the state file sees it.
    let state = mj_batch_state(&dir);
    let second = batch(&dir, &servers, &prompts);
    let mut failures = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            failures.push(what);
        }
    };
    check(first.status.code() == Some(6), format!("the first run exits 6, not {:?}", first.status.code()));
    check(second.status.code() == Some(1), format!("the second run ends with exit 1, not {:?}", second.status.code()));
    println!("| server | interval | arrivals | least gap | tasks day 1 / cap | tasks day 2 | moderated |");
    println!("|---|---|---|---|---|---|---|");
    for ((sim, (name, interval, cap, budget, _)), day_one) in sims.iter().zip(RULES).zip(&first_created) {
        let stats = sim.stats();
        let arrivals: Vec<u64> = stats.created.iter().map(|c| c.at_ms).collect();
        let least = arrivals.windows(2).map(|w| w[1] - w[0]).min().unwrap_or(0);
        let cap = cap.min((budget / 0.05).round() as u32) as usize;
        check(least >= interval, format!("{name}: two arrivals {least} ms apart (at least {interval})"));
        check(*day_one <= cap, format!("{name}: {day_one} tasks on day 1 (cap {cap})"));
        check(stats.duplicated_states().is_empty(), format!("{name}: a duplicated submit"));
        println!(
            "| {name} | {interval} ms | {} | {least} ms | {day_one} / {cap} | {} | {} |",
            arrivals.len(),
            arrivals.len() - day_one,
            stats.moderated
        );
    }
    let sent: u64 = sims.iter().map(|s| s.stats().requests.get("submit/imagine").copied().unwrap_or(0)).sum();
    check(sent as usize == prompts_n, format!("{sent} submits for {prompts_n} prompts: each once"));
    let a_rested = String::from_utf8_lossy(&first.stderr).contains("a rest after moderation strikes");
    check(a_rested, "server a rested after its strikes".to_owned());
    // mj usage against the simulators' counts.
    let usage = Command::new(mj_benches::mj_binary())
        .env("MJ_STATE", dir.join("state.sqlite3"))
        .args(["--config", servers.to_str().expect("path"), "--json", "usage"])
        .output()
        .expect("mj usage runs");
    let value: serde_json::Value = serde_json::from_slice(&usage.stdout).unwrap_or_default();
    for (sim, (name, ..)) in sims.iter().zip(RULES) {
        let listed: u64 = value["days"]
            .as_array()
            .map(|days| days.iter().filter(|d| d["server"] == name).filter_map(|d| d["tasks"].as_u64()).sum())
            .unwrap_or(0);
        check(listed as usize == sim.stats().created.len(), format!("{name}: mj usage says {listed} tasks"));
    }
    let paced_requests = requests(&sims);
    let submits =
        |s: &[Server]| s.iter().map(|s| s.stats().requests.get("submit/imagine").copied().unwrap_or(0)).sum::<u64>();
    check(submits(&sims) == submits(&control_sims), "pacing sent more submits than the unpaced run".to_owned());
    println!();
    println!(
        "{prompts_n} prompts ({banned} banned, {} moderated after the submit); submits per prompt: paced {:.2}, unpaced {:.2}; \
         all requests per prompt: paced {:.2} (over two runs), unpaced {:.2} (control exit {:?}); state file {}",
        lines.iter().filter(|l| l.contains("bloody")).count(),
        submits(&sims) as f64 / prompts_n as f64,
        submits(&control_sims) as f64 / prompts_n as f64,
        paced_requests as f64 / prompts_n as f64,
        control_requests as f64 / prompts_n as f64,
        control.status.code(),
        state.display()
    );
    if failures.is_empty() {
        println!("every check holds");
        let _ = std::fs::remove_dir_all(&scratch);
    } else {
        for failure in &failures {
            eprintln!("FAILED: {failure}");
        }
        eprintln!("{}", String::from_utf8_lossy(&first.stderr));
        std::process::exit(1);
    }
}

/// Moves the state file's day and its moderation instants a day earlier (the next day, as
/// the file sees it), through `mj`'s own state store; the next submit's earliest instant
/// stays, since the servers' clocks did not move.
fn mj_batch_state(dir: &Path) -> PathBuf {
    use mj_client::PacingStore;
    const DAY: i64 = 86_400_000;
    let path = dir.join("state.sqlite3");
    let store = mj_batch::PacingDb::open(&path).expect("the state file");
    for (server, _) in store.tallies().expect("tallies") {
        store
            .update(&server, &mut |tally| {
                tally.day -= 1;
                tally.resting_until = tally.resting_until.map(|t| t - DAY);
                for strike in &mut tally.strikes {
                    *strike -= DAY;
                }
            })
            .expect("moved a day");
    }
    path
}
