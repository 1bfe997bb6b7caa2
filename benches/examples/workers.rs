//! Several `mj batch` workers on one PostgreSQL journal, measured from outside: three
//! loopback simulators (twenty tasks at once each), one PostgreSQL started for the run
//! (initdb and pg_ctl on a free port, removed after), the shipped defaults.
//!
//! ```text
//! cargo build --release -p mj-cli && cargo run --release -p mj-benches --example workers [-- PROMPTS SPEED]
//! ```
//!
//! Ways: 1, 2 and 4 workers on a fresh batch; 2 workers with one SIGKILLed once it holds
//! running tasks (its jobs are taken over when their 60 s lease runs out); 2 workers with
//! the database stopped for 3 s mid-run. For each: wall time, jobs done, tasks the
//! simulators made, duplicates (a correlation token made into two tasks), and how many
//! workers saved files. Prints a Markdown table.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mj_batch::{JobState, Journal};
use mj_postgres::{Database, PgJournal};
use mj_sim::{Server, SimConfig};
use mj_test_support::postgres::Postgres;

/// What happens to the run.
#[derive(Clone, Copy)]
enum Trouble {
    None,
    KillOne,
    RestartDatabase,
}

struct Row {
    way: String,
    wall: Duration,
    done: usize,
    made: usize,
    duplicates: usize,
    savers: usize,
}

fn jobs(pg: &Postgres, prompts: &Path) -> Vec<mj_batch::Job> {
    let db = Database::parse(&pg.url()).expect("url");
    let text = std::fs::read(prompts).expect("prompts");
    PgJournal::connect(&db, &mj_batch::prompts::fingerprint(&text)).and_then(|mut j| j.jobs()).unwrap_or_default()
}

fn run(way: &str, workers: usize, trouble: Trouble, prompts: usize, speed: f64, scratch: &Path) -> Row {
    let dir = scratch.join(way.replace([' ', ','], "-"));
    std::fs::create_dir_all(&dir).expect("dir");
    let pg = Postgres::start();
    let sims: Vec<Server> = (1..=3)
        .map(|seed| Server::start(SimConfig::new("").speed(speed).capacity(20, 50).seed(seed), 0).expect("sim"))
        .collect();
    let servers: String = sims
        .iter()
        .zip(["a", "b", "c"])
        .map(|(sim, name)| format!("[[server]]\nname = \"{name}\"\nbase_url = \"{}\"\n\n", sim.url()))
        .collect();
    let config = dir.join("servers.toml");
    std::fs::write(&config, servers).expect("servers file");
    let file = dir.join("prompts.txt");
    let text: String = (0..prompts).map(|i| format!("{way}: a lighthouse in fog, study {i}\n")).collect();
    std::fs::write(&file, text).expect("prompts");
    let start = |i: usize| -> Child {
        let mut mj = Command::new(mj_benches::mj_binary());
        for (var, _) in std::env::vars().filter(|(v, _)| v.starts_with("MJ_")) {
            mj.env_remove(var);
        }
        mj.env("MJ_STATE", dir.join("state.sqlite3"))
            .arg("--config")
            .arg(&config)
            .args(["--json", "--timeout", "1800", "batch"])
            .arg(&file)
            .arg("--out")
            .arg(dir.join(format!("out-{i}")))
            .args(["--journal", &pg.url()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mj batch starts")
    };
    let started = Instant::now();
    let mut children: Vec<Child> = (0..workers).map(start).collect();
    match trouble {
        Trouble::None => {}
        Trouble::KillOne => {
            while jobs(&pg, &file).iter().filter(|j| j.state == JobState::Running).count() < prompts / 10 {
                std::thread::sleep(Duration::from_millis(100));
            }
            let mut doomed = children.remove(0);
            let _ = doomed.kill();
            let _ = doomed.wait();
        }
        Trouble::RestartDatabase => {
            while jobs(&pg, &file).iter().filter(|j| j.state == JobState::Done).count() < prompts / 10 {
                std::thread::sleep(Duration::from_millis(100));
            }
            pg.stop();
            std::thread::sleep(Duration::from_secs(3));
            pg.start_again();
        }
    }
    for mut child in children {
        let _ = child.wait();
    }
    let wall = started.elapsed();
    let jobs = jobs(&pg, &file);
    let mut tokens: HashMap<String, usize> = HashMap::new();
    let mut made = 0;
    for sim in &sims {
        let stats = sim.stats();
        made += stats.created.len();
        for state in stats.created.iter().filter_map(|c| c.state.clone()) {
            *tokens.entry(state).or_default() += 1;
        }
    }
    let savers: BTreeSet<String> = jobs.iter().flat_map(|j| &j.files).filter_map(|f| f.worker.clone()).collect();
    Row {
        way: way.to_owned(),
        wall,
        done: jobs.iter().filter(|j| j.state == JobState::Done && j.files.iter().all(mj_batch::file_intact)).count(),
        made,
        duplicates: tokens.values().filter(|n| **n > 1).count(),
        savers: savers.len(),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let prompts: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(120);
    let speed: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2.0);
    let scratch = std::env::temp_dir().join(format!("mj-bench-workers-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch");
    let rows = [
        run("1 worker", 1, Trouble::None, prompts, speed, &scratch),
        run("2 workers", 2, Trouble::None, prompts, speed, &scratch),
        run("4 workers", 4, Trouble::None, prompts, speed, &scratch),
        run("2 workers, one killed", 2, Trouble::KillOne, prompts, speed, &scratch),
        run("2 workers, database restarted", 2, Trouble::RestartDatabase, prompts, speed, &scratch),
    ];
    let single = rows[0].wall.as_secs_f64();
    println!("{prompts} prompts through `mj batch` on one PostgreSQL journal, three simulators at speed {speed}\n");
    println!(
        "| way | wall time | of one worker's | jobs done (file intact) | tasks made | duplicates | workers that saved |"
    );
    println!("|---|---|---|---|---|---|---|");
    for row in &rows {
        println!(
            "| {} | {:.1} s | {:.0}% | {}/{prompts} | {} | {} | {} |",
            row.way,
            row.wall.as_secs_f64(),
            row.wall.as_secs_f64() * 100.0 / single,
            row.done,
            row.made,
            row.duplicates,
            row.savers
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
