//! `--hook-listen` end to end: `mj` against a loopback simulator at its normal speed (about
//! 5 s a task) with the shipped defaults, counting on the server's side what callbacks
//! saved: a wait ends on the callback (one confirming fetch, where polling every 4 s
//! needs two), and a batch makes about one request per task beyond its submit.

use std::path::PathBuf;
use std::process::{Command, Output};

use mj_sim::{Server, SimConfig, Stats};

fn mj(base_url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mj"));
    for var in ["MJ_API_KEY", "MJ_AUTH", "MJ_MODE", "MJ_PROFILE", "MJ_HOOK_LISTEN", "MJ_HOOK_URL", "MJ_SIM_SPEED"] {
        cmd.env_remove(var);
    }
    cmd.env("MJ_BASE_URL", base_url).args(args);
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } = cmd.output().expect("mj runs");
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (status.code().unwrap_or(-1), text(stdout), text(stderr))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mj-hooks-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn count(stats: &Stats, route: &str) -> u64 {
    stats.requests.get(route).copied().unwrap_or(0)
}

/// Requests besides submits and image downloads.
fn follow_ups(stats: &Stats) -> u64 {
    stats
        .requests
        .iter()
        .filter(|(route, _)| !route.starts_with("submit/") && *route != "sim/media")
        .map(|(_, n)| n)
        .sum()
}

#[test]
fn a_wait_ends_on_the_callback_and_shows_it_with_v() {
    let sim = Server::start(SimConfig::new(""), 0).expect("sim");
    let out = temp_dir("imagine");
    let args =
        ["-v", "--hook-listen", "127.0.0.1:0", "imagine", "a red fox", "--wait", "--out", out.to_str().expect("path")];
    let (code, stdout, stderr) = run(&mut mj(&sim.url(), &args));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stderr.contains("callback") && stderr.contains("status=SUCCESS"), "{stderr}");
    assert!(!stderr.contains("mj-hook/"), "the hook's secret path is never logged: {stderr}");
    let stats = sim.stats();
    assert_eq!(count(&stats, "task/fetch"), 1, "only the fetch that confirms the end: {stats:?}");
    assert_eq!(stats.total_tasks(), 1);
    assert!(std::fs::read_dir(&out).expect("out").count() >= 1, "the result was saved");

    // Without hooks, the same wait polls every 4 s: two fetches at least for a 5 s task.
    let sim = Server::start(SimConfig::new(""), 0).expect("sim");
    let (code, _, stderr) = run(&mut mj(&sim.url(), &["imagine", "a red fox", "--wait"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(count(&sim.stats(), "task/fetch") >= 2);
}

#[test]
fn a_batch_with_hooks_makes_about_one_request_per_task_beyond_its_submit() {
    let sim = Server::start(SimConfig::new("").capacity(8, 32), 0).expect("sim");
    let dir = temp_dir("batch");
    let prompts = dir.join("prompts.txt");
    let lines: String = (1..=8).map(|n| format!("a red fox number {n}\n")).collect();
    std::fs::write(&prompts, lines).expect("prompts");
    let out = dir.join("out");
    let args = [
        "--hook-listen",
        "127.0.0.1:0",
        "batch",
        prompts.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
        "--concurrency",
        "8",
    ];
    let (code, stdout, stderr) = run(&mut mj(&sim.url(), &args));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let stats = sim.stats();
    assert_eq!(stats.total_tasks(), 8);
    assert!(stats.duplicated_states().is_empty());
    assert!(stats.notifications.get("sent").copied().unwrap_or(0) >= 8 * 3, "callbacks came: {stats:?}");
    let per_task = follow_ups(&stats) as f64 / 8.0;
    eprintln!("{per_task} requests per task beyond its submit: {:?}", stats.requests);
    assert!(per_task <= 1.25, "{per_task} requests per task beyond its submit: {stats:?}");
}

/// A server that echoes `properties.notifyHook` (new-api, plus) never gets the hook's
/// secret path printed: `--json` shows it scrubbed. A receiver on every interface without
/// `--hook-url` is a usage error that says what to pass.
#[test]
fn the_hooks_secret_path_is_never_printed_and_every_interface_needs_a_hook_url() {
    let sim = Server::start(SimConfig::new("").flavor(mj_sim::Flavor::Plus).speed(10.0), 0).expect("sim");
    let args = ["--json", "--hook-listen", "127.0.0.1:0", "imagine", "a red fox", "--wait"];
    let (code, stdout, stderr) = run(&mut mj(&sim.url(), &args));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("notifyHook"), "the server echoes the hook: {stdout}");
    let shown = stdout.matches("mj-hook/").count();
    assert!(shown > 0 && stdout.matches("mj-hook/[redacted]").count() == shown, "{stdout}");

    let (code, _, stderr) = run(&mut mj(&sim.url(), &["--hook-listen", "0.0.0.0:0", "imagine", "a fox"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("every interface") && stderr.contains("--hook-url"), "{stderr}");
}
