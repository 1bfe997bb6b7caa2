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
    let output = shell.args(["-c", &script]).env_clear_program("bash").output().expect("bash runs");
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
    std::fs::write(&servers, format!("[[server]]\nname = \"a\"\nbase_url = \"{}\"\ndaily_tasks = 1\n", sim.url()))
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

/// `Command::new(mj)` made into a shell with the same environment.
trait AsShell {
    fn env_clear_program(&mut self, program: &str) -> Command;
}

impl AsShell for Command {
    fn env_clear_program(&mut self, program: &str) -> Command {
        let mut shell = Command::new(program);
        for (key, value) in self.get_envs() {
            match value {
                Some(value) => shell.env(key, value),
                None => shell.env_remove(key),
            };
        }
        shell.args(self.get_args());
        shell
    }
}
