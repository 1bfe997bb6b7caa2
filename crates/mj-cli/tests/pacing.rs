//! Pacing across processes, as a user runs mj: a shell loop of single `mj imagine` calls
//! keeps a server's minimum interval through the state database (intervals read from the
//! simulator's arrival times), and a daily cap in the servers file stops the next command
//! with exit 6 before any request.

use std::path::PathBuf;
use std::process::Command;

use mj_sim::{Server, SimConfig};

fn temp(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mj-pacing-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    dir
}

/// `mj` with no configuration of the machine's own, and its state in `dir`.
fn mj(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mj"));
    for (var, _) in std::env::vars().filter(|(v, _)| v.starts_with("MJ_")) {
        cmd.env_remove(var);
    }
    cmd.env("MJ_STATE", dir.join("state.sqlite3")).env("XDG_CONFIG_HOME", dir.join("config")).env("HOME", dir);
    cmd
}

#[test]
fn a_shell_loop_of_single_commands_keeps_the_minimum_interval() {
    let sim = Server::start(SimConfig::new("").speed(20.0), 0).expect("sim");
    let dir = temp("loop");
    let script = format!(
        "for n in 1 2 3; do '{mj}' --base-url '{url}' --min-interval 2s imagine \"a red fox $n\" || exit $?; done",
        mj = env!("CARGO_BIN_EXE_mj"),
        url = sim.url()
    );
    let mut shell = mj(&dir);
    let output = mj_test_support::shell::as_program(shell.args(["-c", &script]), "bash").output().expect("bash runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let arrivals: Vec<u64> = sim.stats().created.iter().map(|c| c.at_ms).collect();
    assert_eq!(arrivals.len(), 3, "{stderr}");
    for pair in arrivals.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= 2000, "{gap} ms between two processes' submits: {arrivals:?}\n{stderr}");
    }
    assert!(stderr.contains("no submit before") && stderr.contains("waiting"), "each wait is said: {stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_daily_cap_stops_the_next_command_with_exit_6_and_no_request() {
    let sim = Server::start(SimConfig::new("").speed(20.0), 0).expect("sim");
    let dir = temp("cap");
    let servers = dir.join("servers.toml");
    // Counted where it is noon: the test never crosses midnight, where the cap starts afresh.
    let tz = mj_test_support::noon::noon_timezone();
    std::fs::write(
        &servers,
        format!("[[server]]\nname = \"a\"\nbase_url = \"{}\"\ntimezone = \"{tz}\"\ndaily_tasks = 1\n", sim.url()),
    )
    .expect("written");
    let config = servers.to_str().expect("a path");
    let first = mj(&dir).args(["--config", config, "imagine", "a red fox"]).output().expect("runs");
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let requests = sim.stats().requests.values().sum::<u64>();
    let second = mj(&dir).args(["--config", config, "imagine", "a blue heron"]).output().expect("runs");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(6), "{stderr}");
    assert!(stderr.contains("server a") && stderr.contains("the daily cap of 1 tasks"), "{stderr}");
    assert_eq!(sim.stats().requests.values().sum::<u64>(), requests, "nothing was sent");
    assert_eq!(sim.stats().created.len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_batch_keeps_each_servers_pacing_stops_at_the_caps_and_resumes_the_next_day() {
    let (a, b) = (
        Server::start(SimConfig::new("").speed(20.0), 0).expect("a"),
        Server::start(SimConfig::new("").speed(20.0), 0).expect("b"),
    );
    let dir = temp("batch");
    let servers = dir.join("servers.toml");
    let tz = mj_test_support::noon::noon_timezone();
    std::fs::write(
        &servers,
        format!(
            "[[server]]\nname = \"a\"\nbase_url = \"{}\"\nmin_interval = \"1s\"\njitter = 0\ndaily_tasks = 3\ntimezone = \"{tz}\"\n\n\
             [[server]]\nname = \"b\"\nbase_url = \"{}\"\nmin_interval = \"1500ms\"\njitter = 0\ndaily_tasks = 2\ntimezone = \"{tz}\"\n",
            a.url(),
            b.url()
        ),
    )
    .expect("written");
    let prompts = dir.join("prompts.txt");
    let lines = [
        "a red fox",
        "a nude statue",
        "a blue heron",
        "a bloody battle",
        "a green frog",
        "a grey owl",
        "a white hare",
        "a black cat",
    ];
    std::fs::write(&prompts, lines.join("\n")).expect("written");
    let run = || {
        mj(&dir)
            .args(["--config", servers.to_str().expect("a path"), "batch", prompts.to_str().expect("a path")])
            .args(["--out", dir.join("out").to_str().expect("a path"), "--timeout", "60"])
            .output()
            .expect("mj batch runs")
    };
    let first = run();
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(6), "the caps hold 5 of 8 submits\n{stderr}");
    assert!(stderr.contains("the daily cap of 3 tasks") || stderr.contains("the daily cap of 2 tasks"), "{stderr}");
    let submits = |s: &Server| s.stats().requests.get("submit/imagine").copied().unwrap_or(0);
    assert_eq!((submits(&a), submits(&b)), (3, 2), "each server up to its cap, no more");
    // The next day (the state's tallies moved back a day), the same command resumes.
    let state = mj_batch::PacingDb::open(dir.join("state.sqlite3")).expect("the state");
    for server in ["a", "b"] {
        use mj_client::PacingStore;
        state.update(server, &mut |tally| tally.day -= 1).expect("a day earlier");
    }
    let second = run();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "done but for the banned and the moderated prompt\n{stderr}");
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(stdout.contains("banned word: nude") && stdout.contains("Banned prompt detected"), "{stdout}");
    for server in [&a, &b] {
        let arrivals: Vec<u64> = server.stats().created.iter().map(|c| c.at_ms).collect();
        let least = if std::ptr::eq(server, &a) { 1000 } else { 1500 };
        for pair in arrivals.windows(2) {
            assert!(pair[1] - pair[0] >= least, "{arrivals:?}");
        }
    }
    let all_submits = submits(&a) + submits(&b);
    assert_eq!(all_submits, 8, "each prompt sent once, the banned one too (refused at the submit)");
    let stats = [a.stats(), b.stats()];
    assert_eq!(stats.iter().map(|s| s.moderated).sum::<u64>(), 2);
    assert!(stats.iter().all(|s| s.duplicated_states().is_empty()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn prices_and_budgets_stop_new_submits_and_mj_usage_agrees_with_the_server() {
    let sim = Server::start(SimConfig::new("").speed(20.0), 0).expect("sim");
    let dir = temp("spend");
    let servers = dir.join("servers.toml");
    let tz = mj_test_support::noon::noon_timezone();
    std::fs::write(
        &servers,
        format!(
            "[[server]]\nname = \"a\"\nbase_url = \"{}\"\nbudget_per_day = 0.12\ntimezone = \"{tz}\"\n[server.prices]\nimagine = 0.05\ndefault = 0.04\n",
            sim.url()
        ),
    )
    .expect("written");
    let config = servers.to_str().expect("a path");
    let imagine = |prompt: &str, extra: &[&str]| {
        let mut cmd = mj(&dir);
        cmd.args(["--config", config]).args(extra).args(["imagine", prompt]);
        cmd.output().expect("runs")
    };
    // This run's budget: one imagine (0.05) fits 0.05, a second would not.
    let first = imagine("a red fox", &["--budget", "0.05"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    // The day's budget: 0.05 + 0.05 fits 0.12, a third 0.05 would not.
    let second = imagine("a blue heron", &[]);
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    let third = imagine("a green frog", &[]);
    let stderr = String::from_utf8_lossy(&third.stderr);
    assert_eq!(third.status.code(), Some(6), "{stderr}");
    assert!(stderr.contains("the daily budget of 0.12") && stderr.contains("0.1 spent"), "{stderr}");
    assert_eq!(sim.stats().created.len(), 2, "the held submit was not sent");
    // mj usage reads the same from the ledger as the server counted.
    let usage = mj(&dir).args(["--config", config, "--json", "usage"]).output().expect("runs");
    assert!(usage.status.success(), "{}", String::from_utf8_lossy(&usage.stderr));
    let line = String::from_utf8_lossy(&usage.stdout);
    let value: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON result");
    let day = &value["days"][0];
    assert_eq!((day["server"].as_str(), day["tasks"].as_u64()), (Some("a"), Some(2)), "{value}");
    assert_eq!(day["images"].as_u64(), Some(8), "{value}");
    assert!((day["spent"].as_f64().unwrap_or(0.0) - 0.10).abs() < 1e-9, "{value}");
    let left = &value["today"][0]["left"];
    assert!((left["spend"].as_f64().unwrap_or(0.0) - 0.02).abs() < 1e-9, "{value}");
    let human = mj(&dir).args(["--config", config, "usage"]).output().expect("runs");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("today on a: 2 tasks, 8 images, 0.1 of 0.12 spent"), "{text}");
    // A run budget smaller than one task's price sends nothing.
    let poor = imagine("a grey owl", &["--budget", "0.01"]);
    let stderr = String::from_utf8_lossy(&poor.stderr);
    assert_eq!(poor.status.code(), Some(6), "{stderr}");
    assert!(stderr.contains("this run's budget of 0.01"), "{stderr}");
    assert_eq!(sim.stats().created.len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_video_priced_by_the_second_costs_what_it_made() {
    let sim = Server::start(SimConfig::new("").flavor(mj_sim::Flavor::Trueai).speed(20.0), 0).expect("sim");
    let dir = temp("video");
    let servers = dir.join("servers.toml");
    std::fs::write(
        &servers,
        format!(
            "[[server]]\nname = \"v\"\nbase_url = \"{}\"\nprofile = \"trueai\"\n[server.prices]\nvideo_second = 0.02\n",
            sim.url()
        ),
    )
    .expect("written");
    let config = servers.to_str().expect("a path");
    let image = "https://cdn.example.com/fox.png";
    let run = mj(&dir)
        .args(["--config", config, "video", "the fox runs", "--image", image, "--wait"])
        .output()
        .expect("runs");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let task = sim.stats().created.len();
    assert_eq!(task, 1);
    let usage = mj(&dir).args(["--config", config, "--json", "usage"]).output().expect("runs");
    let value: serde_json::Value = serde_json::from_slice(&usage.stdout).expect("one JSON result");
    // Estimated at one 5 s clip (0.1) at the submit; the simulator's job made 4 clips of
    // 5 s, so it cost 20 s at 0.02: 0.4, in the ledger and in the day's spend.
    let spent = value["days"][0]["spent"].as_f64().expect("spent");
    assert!((spent - 0.4).abs() < 1e-9, "{value}");
    assert!((value["today"][0]["spent"].as_f64().unwrap_or(0.0) - 0.4).abs() < 1e-9, "{value}");
    let _ = std::fs::remove_dir_all(&dir);
}
