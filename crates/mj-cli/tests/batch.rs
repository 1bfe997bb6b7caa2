//! `mj batch` killed with SIGKILL at several points (as the journal is made, with submits
//! in flight, while results are saved) and run again, against a loopback
//! simulator with faults: exactly one task per valid prompt, every image saved once, the
//! refused prompt reported, a damaged journal refused, and a further run doing nothing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mj_sim::{FaultPlan, Server, SimConfig};

const PROMPTS: usize = 30;
/// The line (from 1) whose prompt the simulator refuses.
const BANNED_LINE: usize = 18;

fn mj(base_url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mj"));
    for var in ["MJ_API_KEY", "MJ_AUTH", "MJ_MODE"] {
        cmd.env_remove(var);
    }
    cmd.env("MJ_BASE_URL", base_url).args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mj-batch-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn prompt_file(dir: &Path) -> PathBuf {
    let text: String = (1..=PROMPTS)
        .map(|line| {
            if line == BANNED_LINE {
                "gore in a dream\n".to_owned()
            } else {
                format!("a red fox number {line} --ar 3:2\n")
            }
        })
        .collect();
    let path = dir.join("prompts.txt");
    std::fs::write(&path, text).expect("prompts");
    path
}

/// Jobs of the journal by state, read while the batch runs (WAL lets a reader in).
fn journal_states(journal: &Path) -> Vec<(String, i64)> {
    let Ok(db) = rusqlite::Connection::open_with_flags(journal, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return Vec::new();
    };
    let Ok(mut query) = db.prepare("SELECT state, count(*) FROM jobs GROUP BY state") else { return Vec::new() };
    query.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map(|rows| rows.flatten().collect()).unwrap_or_default()
}

fn count(states: &[(String, i64)], state: &str) -> i64 {
    states.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n)
}

/// Runs the batch until `ready` says the journal is where the kill should land, then
/// SIGKILLs it.
fn kill_when(mut child: Child, journal: &Path, ready: impl Fn(&[(String, i64)]) -> bool) {
    let started = Instant::now();
    loop {
        if ready(&journal_states(journal)) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the batch ended ({status}) before the kill point");
        }
        assert!(started.elapsed() < Duration::from_secs(120), "the kill point never came");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
}

fn finish(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("mj runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn a_batch_killed_three_times_resumes_with_nothing_lost_and_nothing_twice() {
    let faults: FaultPlan = "500=0.05,429=0.05,slow=0.03,truncate=0.03,reset=0.03,late=0.02,slow_ms=1500,late_ms=1500"
        .parse()
        .expect("faults");
    let server = Server::start(SimConfig::new("").speed(10.0).faults(faults).seed(7), 0).expect("simulator");
    let url = server.url();
    let dir = temp_dir("kill");
    let prompts = prompt_file(&dir);
    let out = dir.join("out");
    let journal = out.join("mj-batch.journal");
    let args = ["batch", prompts.to_str().expect("path"), "--out", out.to_str().expect("path"), "--concurrency", "4"];

    // 0: killed as soon as the journal exists, before or during the first submits.
    let child = mj(&url, &args).spawn().expect("spawns");
    kill_when(child, &journal, |s| {
        let all: i64 = s.iter().map(|(_, n)| n).sum();
        all == PROMPTS as i64 && count(s, "done") + count(s, "failed") == 0
    });
    // 1: killed while submits are in flight.
    let child = mj(&url, &args).spawn().expect("spawns");
    kill_when(child, &journal, |s| count(s, "submitting") + count(s, "running") >= 3);
    // 2: killed while results are being saved.
    let child = mj(&url, &args).spawn().expect("spawns");
    kill_when(child, &journal, |s| count(s, "done") >= 6);
    // 3: to the end.
    let (code, stdout, stderr) = finish(&mut mj(&url, &args));
    assert_eq!(code, 1, "one prompt fails, so exit 1\n{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("{} of {PROMPTS} done, 1 failed", PROMPTS - 1)), "{stdout}");
    assert!(
        stdout.contains(&format!("line {BANNED_LINE} `gore in a dream`")) && stdout.contains("banned word: gore"),
        "{stdout}"
    );

    let stats = server.stats();
    assert_eq!(stats.tasks_created.get("IMAGINE").copied(), Some((PROMPTS - 1) as u64), "{:?}", stats.tasks_created);
    assert!(stats.duplicated_states().is_empty(), "duplicated submits: {:?}", stats.duplicated_states());
    // One task per valid prompt: the token names the prompt's index.
    let mut items: Vec<u32> = stats
        .created
        .iter()
        .filter_map(|c| c.state.as_deref()?.strip_prefix("mjb-")?.split('-').next()?.parse().ok())
        .collect();
    items.sort_unstable();
    let expected: Vec<u32> = (0..PROMPTS as u32).filter(|i| *i as usize + 1 != BANNED_LINE).collect();
    assert_eq!(items, expected);
    // Every image on disk once, whole, and as the journal says.
    let mut pngs: Vec<PathBuf> = std::fs::read_dir(&out)
        .expect("out")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pngs.sort();
    assert_eq!(pngs.len(), PROMPTS - 1, "{pngs:?}");
    for png in &pngs {
        let bytes = std::fs::read(png).expect("png");
        assert!(bytes.starts_with(b"\x89PNG"), "{} is not a whole PNG", png.display());
    }
    assert!(
        std::fs::read_dir(&out).expect("out").flatten().all(|e| !e.file_name().to_string_lossy().contains(".part-"))
    );

    // 4: nothing left to do: no task, no download, no request.
    let before = server.stats();
    let (code, stdout, _) = finish(&mut mj(&url, &args));
    assert_eq!(code, 1);
    assert!(stdout.contains("0 files written; 0 submits, 0 requests"), "{stdout}");
    assert_eq!(server.stats().requests, before.requests);

    // --status reads the journal.
    let (code, stdout, _) = finish(&mut mj(&url, &["batch", "--status", "--journal", journal.to_str().expect("path")]));
    assert_eq!(code, 0);
    assert!(stdout.contains(&format!("{} done, 0 running, 1 failed, 0 left", PROMPTS - 1)), "{stdout}");
    server.stop();
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let server = Server::start(SimConfig::new("").speed(10.0), 0).expect("simulator");
    let url = server.url();
    let dir = temp_dir("bad");
    let out = dir.join("out");
    let out_arg = out.to_str().expect("path");

    let (code, _, stderr) = finish(&mut mj(&url, &["batch", "/nonexistent/prompts.txt", "--out", out_arg]));
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read the prompt file"), "{stderr}");

    let empty = dir.join("empty.txt");
    std::fs::write(&empty, "\n  \n").expect("write");
    let (code, _, stderr) = finish(&mut mj(&url, &["batch", empty.to_str().expect("path"), "--out", out_arg]));
    assert_eq!(code, 2);
    assert!(stderr.contains("holds no prompt"), "{stderr}");

    let prompts = prompt_file(&dir);
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, "").expect("write");
    let (code, _, stderr) = finish(&mut mj(
        &url,
        &["batch", prompts.to_str().expect("path"), "--out", blocker.join("sub").to_str().expect("p")],
    ));
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot create the output folder"), "{stderr}");

    // A damaged journal is refused, never silently restarted.
    std::fs::create_dir_all(&out).expect("out");
    std::fs::write(out.join("mj-batch.journal"), vec![0x5a; 8192]).expect("write");
    let (code, _, stderr) = finish(&mut mj(&url, &["batch", prompts.to_str().expect("path"), "--out", out_arg]));
    assert_eq!(code, 2);
    assert!(stderr.contains("is damaged or is not an mj batch journal"), "{stderr}");
    assert_eq!(std::fs::read(out.join("mj-batch.journal")).expect("kept"), vec![0x5a; 8192]);
    assert!(server.stats().created.is_empty());
    server.stop();
}

#[test]
fn a_refused_key_stops_the_batch_with_nothing_recorded_as_failed() {
    let server = Server::start(SimConfig::new("").speed(10.0).api_key("right"), 0).expect("simulator");
    let dir = temp_dir("key");
    let prompts = prompt_file(&dir);
    let out = dir.join("out");
    let args = ["batch", prompts.to_str().expect("path"), "--out", out.to_str().expect("path")];
    let (code, _, stderr) = finish(mj(&server.url(), &args).env("MJ_API_KEY", "wrong"));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("refused to work for this account"), "{stderr}");
    let states = journal_states(&out.join("mj-batch.journal"));
    assert_eq!(count(&states, "failed"), 0, "{states:?}");
    assert_eq!(count(&states, "pending"), PROMPTS as i64, "{states:?}");
    server.stop();
}

#[test]
fn json_lines_upscale_their_grids_and_save_each_upscale() {
    let server = Server::start(SimConfig::new("").speed(10.0).seed(3), 0).expect("simulator");
    let url = server.url();
    let dir = temp_dir("jsonl");
    let prompts = dir.join("prompts.jsonl");
    std::fs::write(
        &prompts,
        concat!(
            r#"{"prompt": "a red fox", "upscale": [1, 3]}"#,
            "\n\n",
            r#"{"prompt": "a blue cat"}"#,
            "\n",
            r#"{"prompt": "gore in a dream", "upscale": [2]}"#,
            "\n"
        ),
    )
    .expect("prompts");
    let out = dir.join("out");
    let args = ["batch", prompts.to_str().expect("path"), "--out", out.to_str().expect("path")];
    let (code, stdout, stderr) = finish(&mut mj(&url, &args));
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    // Two grids and two upscales done; the banned grid failed, and its upscale with it.
    assert!(stdout.contains("4 of 6 done, 2 failed"), "{stdout}");
    assert!(stdout.contains("its grid failed"), "{stdout}");
    let stats = server.stats();
    assert_eq!(stats.tasks_created.get("IMAGINE").copied(), Some(2));
    assert_eq!(stats.tasks_created.get("UPSCALE").copied(), Some(2));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    names.sort();
    let steps: Vec<String> = names.iter().map(|n| n.splitn(3, '-').take(2).collect::<Vec<_>>().join("-")).collect();
    assert_eq!(steps, ["0001-grid", "0001-u1", "0001-u3", "0003-grid"], "{names:?}");
    // Again: nothing to do.
    let before = server.stats().requests;
    let (_, stdout, _) = finish(&mut mj(&url, &args));
    assert!(stdout.contains("0 submits, 0 requests"), "{stdout}");
    assert_eq!(server.stats().requests, before);
    server.stop();
}
