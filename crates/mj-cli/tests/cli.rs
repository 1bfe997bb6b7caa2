//! The `mj` binary end to end: the README flow on the built-in simulator, commands against
//! a loopback simulator, every exit code, configuration errors, and the help text.

use mj_test_support::refused;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mj_sim::{Flavor, Server, SimConfig};
use refused::Refused;
use serde_json::Value;

/// `mj` with a clean environment, a fast built-in simulator and quick polling.
fn mj(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mj"));
    for var in ["MJ_BASE_URL", "MJ_API_KEY", "MJ_AUTH", "MJ_MODE", "MJ_PROFILE", "MJ_CONFIG", "MJ_SERVER"] {
        cmd.env_remove(var);
    }
    // No servers file of the machine's own: the built-in simulator.
    cmd.env("XDG_CONFIG_HOME", std::env::temp_dir().join("mj-cli-test-no-config"));
    cmd.env("MJ_SIM_SPEED", "25").args(["--interval", "0.05"]).args(args);
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } = cmd.output().expect("mj runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

fn server(config: SimConfig) -> Server {
    Server::start(config.speed(25.0), 0).expect("simulator")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mj-cli-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn png_size(path: &Path) -> (u32, u32) {
    let file = std::fs::File::open(path).expect("file");
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let reader = decoder.read_info().expect("a real PNG");
    let info = reader.info();
    (info.width, info.height)
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect()
}

#[test]
fn the_readme_flow_works_with_nothing_configured() {
    let out = temp_dir("readme");
    let (code, stdout, stderr) = run(mj(&["imagine", "a red fox in the snow", "--wait", "--out"]).arg(&out));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("using the built-in simulator at http://127.0.0.1:"), "{stderr}");
    assert!(stdout.contains("SUCCESS 100%"), "{stdout}");
    // The built-in simulator's tasks end with the command: no follow-up is suggested.
    assert!(!stdout.contains("next     mj"), "{stdout}");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out).expect("out dir").map(|e| e.expect("entry").path()).collect();
    files.sort();
    assert_eq!(files.len(), 4, "{files:?}");
    for file in &files {
        assert_eq!(png_size(file), (512, 512));
    }
    // (Keeping existing files is tested in download.rs, where the same URL is fetched twice.)
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn split_cuts_the_grid_into_four_real_pngs() {
    let out = temp_dir("split");
    let (code, stdout, stderr) = run(mj(&["imagine", "a lighthouse", "--out"]).arg(&out).arg("--split"));
    assert_eq!(code, 0, "{stderr}");
    let split: Vec<PathBuf> = std::fs::read_dir(&out)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains("-split-")))
        .collect();
    assert_eq!(split.len(), 4, "{stdout}");
    for file in &split {
        assert_eq!(png_size(file), (256, 256));
    }
    let quadrants: Vec<Vec<u8>> = split.iter().map(|f| std::fs::read(f).expect("read")).collect();
    assert!(quadrants.windows(2).all(|w| w[0] != w[1]), "the quadrants differ");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn json_output_is_one_object_per_line() {
    let (code, stdout, _) = run(&mut mj(&["--json", "imagine", "a fox", "--wait"]));
    assert_eq!(code, 0);
    let lines = json_lines(&stdout);
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().expect("every line has a type")).collect();
    assert!(types.len() >= 3 && types[..types.len() - 1].iter().all(|t| *t == "progress"), "{types:?}");
    assert_eq!((types.last(), types.iter().filter(|t| **t == "result").count()), (Some(&"result"), 1));
    let task = &lines.last().expect("result")["task"];
    assert_eq!((task["status"].as_str(), task["action"].as_str()), (Some("SUCCESS"), Some("IMAGINE")));
    assert!(task["buttons"].as_array().is_some_and(|b| b.len() == 9));
    let (code, stdout, _) = run(&mut mj(&["--json", "imagine", "a fox"]));
    assert_eq!(code, 0);
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 1, "{stdout}");
    assert_eq!(
        (lines[0]["type"].as_str(), lines[0]["submitted"]["outcome"]["kind"].as_str()),
        (Some("result"), Some("accepted"))
    );
    assert!(lines[0]["taskId"].as_str().is_some_and(|id| id.len() >= 16));
    // An error is a typed line too, with the exit code.
    let port = Refused::new();
    let (code, stdout, _) = run(mj(&["--json", "--timeout", "1", "fetch", "1"]).env("MJ_BASE_URL", port.url("http")));
    let lines = json_lines(&stdout);
    assert_eq!(
        (code, lines.len(), lines[0]["type"].as_str(), lines[0]["exit"].as_i64()),
        (4, 1, Some("error"), Some(4))
    );
    assert!(lines[0]["message"].as_str().is_some_and(|m| m.contains("could not connect")), "{stdout}");
}

/// Local checks come first: a `--out` that cannot be written stops the command before a
/// billable task is submitted.
#[test]
fn an_unwritable_out_is_refused_before_anything_is_submitted() {
    let sim = server(SimConfig::new(""));
    let file = temp_dir("not-a-dir");
    std::fs::write(&file, b"a file, not a directory").expect("write");
    let (code, _, stderr) =
        run(mj(&["imagine", "a fox", "--out"]).arg(file.join("inside")).env("MJ_BASE_URL", sim.url()));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--out") && stderr.contains("cannot create it"), "{stderr}");
    assert_eq!(sim.stats().total_tasks(), 0, "nothing was submitted");
    let _ = std::fs::remove_file(&file);
}

/// `mj list` shows what each task is and whether more pages follow; bars and progress
/// lines say which task they follow by action and prompt.
#[test]
fn list_shows_action_prompt_and_paging_and_progress_is_labelled() {
    let sim = server(SimConfig::new("").flavor(Flavor::Plus));
    for prompt in ["a red fox", "a grey wolf", "a brown bear"] {
        let (code, _, stderr) = run(mj(&["imagine", prompt, "--wait"]).env("MJ_BASE_URL", sim.url()));
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains(&format!("IMAGINE \"{prompt}\"")), "labelled progress: {stderr}");
    }
    let (code, stdout, stderr) = run(mj(&["list", "--size", "2"]).env("MJ_BASE_URL", sim.url()));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stdout.lines().all(|l| l.contains("IMAGINE") && l.contains("SUCCESS")), "{stdout}");
    assert!(stdout.contains("a brown bear") || stdout.contains("a red fox"), "prompts shown: {stdout}");
    assert!(stderr.contains("more: mj list --page 1"), "{stderr}");
    let (_, stdout, stderr) = run(mj(&["list", "--size", "2", "--page", "1"]).env("MJ_BASE_URL", sim.url()));
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stderr.contains("the last one"), "{stderr}");
    let (_, stdout, _) = run(mj(&["--json", "list", "--size", "2"]).env("MJ_BASE_URL", sim.url()));
    let result = &json_lines(&stdout)[0];
    assert_eq!((result["type"].as_str(), result["more"].as_bool()), (Some("result"), Some(true)));
    assert_eq!(result["tasks"].as_array().map(Vec::len), Some(2));
}

/// `--notify-hook` reaches the server, which posts the task's updates there.
#[test]
fn notify_hook_is_sent_with_the_submit() {
    let sim = server(SimConfig::new(""));
    let hook = std::net::TcpListener::bind("127.0.0.1:0").expect("hook listener");
    let url = format!("http://{}/hook", hook.local_addr().expect("addr"));
    let (code, _, stderr) =
        run(mj(&["imagine", "a fox", "--wait", "--notify-hook", &url]).env("MJ_BASE_URL", sim.url()));
    assert_eq!(code, 0, "{stderr}");
    hook.set_nonblocking(true).expect("nonblocking");
    let started = std::time::Instant::now();
    let mut stream = loop {
        match hook.accept() {
            Ok((stream, _)) => break stream,
            Err(_) if started.elapsed() < std::time::Duration::from_secs(10) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("the simulator never posted an update: {e}"),
        }
    };
    stream.set_nonblocking(false).expect("blocking");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).expect("timeout");
    let mut head = [0u8; 64];
    let n = std::io::Read::read(&mut stream, &mut head).expect("read");
    assert!(head[..n].starts_with(b"POST /hook"), "{}", String::from_utf8_lossy(&head[..n]));
}

/// The simulator's help shows its own options; the main help groups the global ones.
#[test]
fn local_commands_show_only_their_options_and_globals_have_a_section() {
    let (code, stdout, _) = run(&mut mj(&["sim", "--help"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("--flavor") && stdout.contains("--faults"), "{stdout}");
    assert!(!stdout.contains("--base-url") && !stdout.contains("--request-timeout"), "{stdout}");
    let (_, stdout, _) = run(&mut mj(&["--help"]));
    assert!(stdout.contains("Global options:"), "{stdout}");
    let global = stdout.split("Global options:").nth(1).unwrap_or_default();
    assert!(global.contains("--base-url") && global.contains("--json"), "{stdout}");
}

/// Ctrl-C during a wait leaves the task running on the server, and mj says how to resume.
#[test]
fn ctrl_c_while_waiting_says_how_to_resume() {
    let sim = server(SimConfig::new(""));
    let (_, stdout, _) = run(mj(&["--json", "imagine", "a fox --sim-stall"]).env("MJ_BASE_URL", sim.url()));
    let id = json_lines(&stdout)[0]["taskId"].as_str().expect("id").to_owned();
    let child = mj(&["wait", &id])
        .env("MJ_BASE_URL", sim.url())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mj wait runs");
    std::thread::sleep(std::time::Duration::from_millis(800));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let output = child.wait_with_output().expect("mj ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains(&format!("resume with `mj wait {id}`")), "{stderr}");
}

#[test]
fn action_and_batch_wait_against_a_running_simulator() {
    let sim = server(SimConfig::new("").flavor(Flavor::Plus).api_key("sk-cli"));
    let with_server = |args: &[&str]| {
        let mut cmd = mj(args);
        cmd.env("MJ_BASE_URL", sim.url()).env("MJ_API_KEY", "sk-cli").env("MJ_AUTH", "mj-api-secret");
        cmd
    };
    let mut ids = Vec::new();
    for prompt in ["a fox", "a wolf", "a bear"] {
        let (code, stdout, stderr) = run(&mut with_server(&["--json", "imagine", prompt]));
        assert_eq!(code, 0, "{stderr}");
        assert!(!stderr.contains("built-in simulator"));
        ids.push(json_lines(&stdout)[0]["taskId"].as_str().expect("id").to_owned());
    }
    let mut wait = with_server(&["wait"]);
    wait.args(&ids);
    let (code, stdout, stderr) = run(&mut wait);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.matches("SUCCESS 100%").count(), 3, "{stdout}");
    assert!(
        stderr.lines().filter(|l| l.contains("IN_PROGRESS") || l.contains("SUCCESS")).count() >= 3,
        "progress lines: {stderr}"
    );

    let (code, stdout, stderr) = run(&mut with_server(&["action", &ids[0], "U1", "--wait"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("UPSCALE  SUCCESS"), "{stdout}");
    let (code, _, stderr) = run(&mut with_server(&["action", &ids[0], "Z9"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("has no button `Z9`; it has: U1  U2  U3  U4  🔄  V1"), "{stderr}");
    let (code, stdout, _) = run(&mut with_server(&["action", &ids[1], "🔄"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("submitted task"));

    let (code, stdout, _) = run(&mut with_server(&["fetch", &ids[0], &ids[1]]));
    assert_eq!((code, stdout.matches("task ").count()), (0, 2), "{stdout}");
    let (code, stdout, _) = run(&mut with_server(&["--json", "list", "--status", "success", "--size", "2"]));
    let lines = json_lines(&stdout);
    assert_eq!((code, lines.len(), lines[0]["tasks"].as_array().map(Vec::len)), (0, 1, Some(2)), "{stdout}");
    let (code, stdout, _) = run(&mut with_server(&["seed", &ids[0]]));
    assert!(code == 0 && stdout.trim().parse::<u64>().is_ok(), "{stdout}");
    let stats = sim.stats();
    assert_eq!((stats.tasks_created.get("IMAGINE"), stats.tasks_created.get("UPSCALE")), (Some(&3), Some(&1)));
}

/// A new user's novicezk flow: the profile picks the key's header, and U1 on a task that
/// carries no buttons goes through `/submit/change` (the SDK's `Press`).
#[test]
fn a_profile_picks_the_auth_and_presses_buttons_novicezk_has_not() {
    let sim = server(SimConfig::new("").flavor(Flavor::Novicezk).api_key("K"));
    let novicezk = |args: &[&str]| {
        let mut cmd = mj(args);
        cmd.env("MJ_BASE_URL", sim.url()).env("MJ_API_KEY", "K").env("MJ_PROFILE", "novicezk");
        cmd
    };
    let (code, stdout, stderr) = run(&mut novicezk(&["--json", "imagine", "a red fox", "--wait"]));
    assert_eq!(code, 0, "{stderr}");
    let id = json_lines(&stdout).last().and_then(|l| l["task"]["id"].as_str().map(str::to_owned)).expect("an id");
    let (code, stdout, stderr) = run(&mut novicezk(&["action", &id, "U1", "--wait"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("UPSCALE  SUCCESS"), "{stdout}");
    let stats = sim.stats();
    assert_eq!((stats.tasks_created.get("IMAGINE"), stats.tasks_created.get("UPSCALE")), (Some(&1), Some(&1)));

    let mut bogus = novicezk(&["fetch", &id]);
    bogus.env("MJ_PROFILE", "bogus");
    let (code, _, stderr) = run(&mut bogus);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("novicezk, plus, trueai, gateway or reseller"), "{stderr}");
    // --auth still wins over the profile's choice.
    let (code, _, stderr) = run(&mut novicezk(&["--auth", "bearer", "fetch", &id]));
    assert_eq!(code, 3, "{stderr}");
}

/// One exit-code table: `mj --help` ends with the table the CLI page (docs/cli.md) holds,
/// word for word, and it names every code the tests below see.
#[test]
fn the_exit_code_table_is_one_table() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/cli.md")).expect("docs/cli.md");
    let start = page.find("Exit codes (the same for every command):").expect("the CLI page's table");
    let table = &page[start..start + page[start..].find("```").expect("its end")];
    let (code, help, _) = run(&mut mj(&["--help"]));
    assert_eq!(code, 0);
    assert!(help.contains(table.trim_end()), "mj --help differs from docs/cli.md:\n{help}");
    for n in 0..=5 {
        assert!(table.contains(&format!("\n  {n}  ")), "code {n} is in the table");
    }
}

#[test]
fn every_exit_code() {
    // 1: the task failed.
    let (code, stdout, stderr) = run(&mut mj(&["imagine", "a fox --sim-fail", "--wait"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("FAILURE") && stderr.contains("ended in FAILURE"), "{stdout}{stderr}");
    // 2: usage and configuration.
    assert_eq!(run(&mut mj(&["imagine"])).0, 2);
    assert_eq!(run(&mut mj(&["frobnicate"])).0, 2);
    // The error names what was given: the flag, or the variable.
    let (code, _, stderr) = run(&mut mj(&["--base-url", "api.example.com", "fetch", "1"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("--base-url: invalid base URL: it needs a scheme"), "{stderr}");
    let (code, _, stderr) = run(mj(&["fetch", "1"]).env("MJ_BASE_URL", "api.example.com"));
    assert_eq!(code, 2);
    assert!(stderr.contains("MJ_BASE_URL: invalid base URL: it needs a scheme"), "{stderr}");
    let (code, _, stderr) = run(&mut mj(&["imagine", "x", "--image", "/nonexistent.png"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read /nonexistent.png"), "{stderr}");
    let (code, _, stderr) = run(&mut mj(&["blend", "https://a.example/1.png"]));
    assert_eq!(code, 2, "{stderr}");
    // 3: the server refused.
    let sim = server(SimConfig::new("").api_key("sk-right"));
    let (code, _, stderr) = run(mj(&["fetch", "1"]).env("MJ_BASE_URL", sim.url()).env("MJ_API_KEY", "sk-wrong"));
    assert_eq!(code, 3);
    assert!(stderr.contains("check the API key and the auth style") && !stderr.contains("sk-wrong"), "{stderr}");
    let (code, _, stderr) =
        run(mj(&["imagine", "a nude statue"]).env("MJ_BASE_URL", sim.url()).env("MJ_API_KEY", "sk-right"));
    assert_eq!(code, 3);
    assert!(stderr.contains("code 24, banned prompt"), "{stderr}");
    let (code, _, stderr) = run(mj(&["fetch", "1"]).env("MJ_BASE_URL", format!("{}/sim", sim.url())));
    assert_eq!(code, 3);
    assert!(stderr.contains("check the base URL"), "{stderr}");
    // A task the server does not know is the same outcome for every command.
    for args in [&["action", "404404", "U1"][..], &["fetch", "404404"], &["wait", "404404"]] {
        let (code, _, stderr) = run(mj(args).env("MJ_BASE_URL", sim.url()).env("MJ_API_KEY", "sk-right"));
        assert_eq!(code, 3, "{args:?}: {stderr}");
        assert!(stderr.contains("does not know task 404404"), "{args:?}: {stderr}");
    }
    // 4: gave up.
    // --timeout bounds the whole command: the submit's time comes off the wait's.
    let started = std::time::Instant::now();
    let (code, _, stderr) = run(&mut mj(&["--timeout", "2", "imagine", "a fox --sim-stall", "--wait"]));
    assert_eq!(code, 4);
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "{:?}", started.elapsed());
    assert!(stderr.contains("gave up waiting after") && stderr.contains("mj wait"), "{stderr}");
    let port = Refused::new();
    let (code, _, stderr) = run(&mut mj(&["--base-url", &port.url("http"), "--timeout", "5", "fetch", "1"]));
    assert_eq!(code, 4);
    assert!(stderr.contains("check --base-url"), "{stderr}");
}

#[test]
fn a_key_the_server_echoes_in_a_task_never_reaches_the_output() {
    // The simulator quotes the prompt in the task (prompt, promptEn, description) and in
    // the failReason of `--sim-fail`; here the prompt holds the key.
    const KEY: &str = "sk-echoed-9d2e71";
    let sim = server(SimConfig::new("").flavor(Flavor::Plus).api_key(KEY));
    for (json, fail) in [(false, true), (true, true), (false, false), (true, false)] {
        let prompt = format!("a fox {KEY}{}", if fail { " --sim-fail" } else { "" });
        let mut cmd = mj(&["imagine", &prompt, "--wait", "--auth", "mj-api-secret"]);
        if json {
            cmd.arg("--json");
        }
        let (code, stdout, stderr) = run(cmd.env("MJ_BASE_URL", sim.url()).env("MJ_API_KEY", KEY));
        assert_eq!(code, i32::from(fail), "{stderr}");
        assert!(stdout.contains("[redacted]") || stderr.contains("[redacted]"), "{stdout}{stderr}");
        assert!(!stdout.contains(KEY) && !stderr.contains(KEY), "json={json}: {stdout}\n{stderr}");
    }
}

#[test]
fn the_api_key_file_is_read_and_never_echoed() {
    let sim = server(SimConfig::new("").flavor(Flavor::Newapi).api_key("sk-from-file"));
    let dir = temp_dir("key");
    std::fs::create_dir_all(&dir).expect("dir");
    let key_file = dir.join("key");
    std::fs::write(&key_file, "sk-from-file\n").expect("write");
    let (code, _, stderr) =
        run(mj(&["--api-key-file"]).arg(&key_file).args(["imagine", "a fox"]).env("MJ_BASE_URL", sim.url()));
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(&key_file, "sk-not-it").expect("write");
    let (code, stdout, stderr) =
        run(mj(&["--api-key-file"]).arg(&key_file).args(["imagine", "a fox"]).env("MJ_BASE_URL", sim.url()));
    assert_eq!(code, 3);
    assert!(!stdout.contains("sk-not-it") && !stderr.contains("sk-not-it"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn parse_shows_what_mj_makes_of_a_body() {
    let dir = temp_dir("parse");
    std::fs::create_dir_all(&dir).expect("dir");
    let body = dir.join("task.json");
    std::fs::write(
        &body,
        r#"{"id":1320098173412546,"status":"SUCCESS","buttons":[{"customId":"a","type":"2","style":"2"}]}"#,
    )
    .expect("write");
    let (code, stdout, _) = run(mj(&["parse", "task"]).arg(&body));
    assert_eq!(code, 0);
    let value: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!((value["id"].as_str(), value["buttons"][0]["type"].as_i64()), (Some("1320098173412546"), Some(2)));
    let (code, _, stderr) = run(mj(&["parse", "submit", "--status", "404"]).arg(&body));
    assert_eq!(code, 3);
    assert!(!stderr.is_empty());
    let (code, _, stderr) = run(&mut mj(&["parse", "nonsense"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("use one of task, tasks, submit"), "{stderr}");
    // Decoding is total: a member replaced by an object, an array, a number or `true`
    // leaves the task printed (exit 0) and the member named on stderr.
    for (member, odd) in [("status", r#"{"s":1}"#), ("prompt", "[1,2]"), ("submitTime", "true"), ("buttons", "7")] {
        std::fs::write(&body, format!(r#"{{"id":"77","status":"SUCCESS","{member}":{odd}}}"#)).expect("write");
        let (code, stdout, stderr) = run(mj(&["parse", "task"]).arg(&body));
        assert_eq!(code, 0, "{member}: {stderr}");
        let value: Value = serde_json::from_str(&stdout).expect("json");
        assert_eq!(value["id"], "77", "{member}");
        assert!(stderr.contains(&format!("`{member}` kept as sent")), "{member}: {stderr}");
        // What it says is kept is in the output, as sent.
        assert_eq!(value[member], serde_json::from_str::<Value>(odd).expect("json"), "{member}");
    }
    // A button's odd member is only in the report, and the report says so.
    std::fs::write(&body, r#"{"id":"77","buttons":[{"customId":"MJ::JOB::upsample::1::x","emoji":["odd"]}]}"#)
        .expect("write");
    let (code, stdout, stderr) = run(mj(&["parse", "task"]).arg(&body));
    assert_eq!(code, 0, "{stderr}");
    let value: Value = serde_json::from_str(&stdout).expect("json");
    assert!(value["buttons"][0].get("emoji").is_none(), "{stdout}");
    assert!(stderr.contains("`buttons[0].emoji` left out, not read"), "{stderr}");
    // An answer without a task prints null, and says which form of "not found" it was.
    for (answer, status, why) in [
        (r#"{"status":"SUCCESS"}"#, "200", "an object without an `id`"),
        ("null", "200", "the JSON value null"),
        ("", "204", "HTTP 204"),
        (r#"{"code":3,"description":"task_no_found"}"#, "200", "a not-found answer"),
    ] {
        std::fs::write(&body, answer).expect("write");
        let (code, stdout, stderr) = run(mj(&["parse", "task", "--status", status]).arg(&body));
        assert_eq!((code, stdout.trim()), (0, "null"), "{answer}: {stderr}");
        assert!(stderr.contains("mj: no task: ") && stderr.contains(why), "{answer}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_texts() {
    let help = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mj"));
        for var in ["MJ_BASE_URL", "MJ_API_KEY", "MJ_AUTH", "MJ_MODE", "MJ_PROFILE"] {
            cmd.env_remove(var);
        }
        let (code, stdout, _) = run(cmd.args(args));
        assert_eq!(code, 0);
        stdout
    };
    insta::assert_snapshot!("help", help(&["--help"]));
    insta::assert_snapshot!("help_imagine", help(&["imagine", "--help"]));
    insta::assert_snapshot!("help_action", help(&["action", "--help"]));
    insta::assert_snapshot!("help_wait", help(&["wait", "--help"]));
    // Every command's help fits a screen: its own options and an example, the global
    // options once, under `mj --help`.
    for command in [
        "imagine", "action", "modal", "describe", "blend", "shorten", "video", "seed", "cancel", "fetch", "list",
        "wait", "batch", "parse", "sim", "listen", "servers",
    ] {
        let text = help(&[command, "--help"]);
        assert!(text.lines().count() <= 40, "mj {command} --help is {} lines:\n{text}", text.lines().count());
        assert!(text.contains("Example:\n  mj "), "mj {command} --help has no example");
        assert!(!text.contains("--request-timeout"), "mj {command} --help repeats the global options");
    }
    assert!(help(&["--help"]).contains("--request-timeout"), "the global options are under mj --help");
}

/// Starts `mj` with `args` and returns it with the first line of stdout or stderr that
/// contains `marker`.
fn spawn_until(
    args: &[&str],
    marker: &str,
    from_stderr: bool,
) -> (std::process::Child, String, Box<dyn Iterator<Item = String>>) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_mj"))
        .args(args)
        .env_remove("MJ_BASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mj starts");
    let (watched, other): (Box<dyn std::io::Read + Send>, Box<dyn std::io::Read + Send>) = if from_stderr {
        (Box::new(child.stderr.take().expect("stderr")), Box::new(child.stdout.take().expect("stdout")))
    } else {
        (Box::new(child.stdout.take().expect("stdout")), Box::new(child.stderr.take().expect("stderr")))
    };
    // Lines arrive through a channel, so that every wait on them is bounded: a line that
    // never comes fails the test after 30 s instead of hanging it.
    let lines = |stream: Box<dyn std::io::Read + Send>| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Drains the stream to its end even when nobody reads any more, so the child
            // never blocks on a full pipe.
            for line in std::io::BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        std::iter::from_fn(move || rx.recv_timeout(std::time::Duration::from_secs(30)).ok())
    };
    let mut watched = lines(watched);
    let found = watched.by_ref().find(|l| l.contains(marker)).expect("the marker line within 30 s");
    // Both streams stay drained for the child's whole life: a closed pipe would kill it
    // at its next line.
    let other = lines(other);
    let rest: Box<dyn Iterator<Item = String>> = if from_stderr { Box::new(other) } else { Box::new(watched) };
    (child, found, rest)
}

#[test]
fn sim_serves_and_listen_prints_callbacks() {
    let (mut sim, line, _) = spawn_until(
        &["sim", "--port", "0", "--flavor", "newapi", "--api-key", "sk-k", "--speed", "25"],
        "listening on",
        false,
    );
    let url = line.trim().trim_start_matches("listening on ").to_owned();
    let (mut listen, line, mut callbacks) =
        spawn_until(&["--json", "listen", "--port", "0"], "listening for callbacks on", true);
    let hook = line.split_whitespace().find(|w| w.starts_with("http://")).expect("hook url").to_owned();
    // Only the printed (secret) path reaches it: any other is answered 404 unread.
    let base = hook.split("/mj-hook/").next().expect("a base").to_owned();
    assert!(hook.len() > base.len() + "/mj-hook/".len() + 31, "a secret path: {hook}");
    let forged = mj_ureq::ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let body = r#"{"id":"forged","status":"SUCCESS","progress":"100%"}"#;
    let answer = forged.post(format!("{base}/")).send(body.as_bytes()).expect("answered");
    assert_eq!(answer.status().as_u16(), 404);

    // The simulator sends the hook only when asked, and new-api strips nothing here.
    let (code, stdout, stderr) =
        run(mj(&["--json", "imagine", "a fox", "--wait"]).env("MJ_BASE_URL", &url).env("MJ_API_KEY", "sk-k"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json_lines(&stdout).last().map(|t| t["task"]["status"].clone()), Some(Value::from("SUCCESS")));

    let body = serde_json::json!({"prompt": "a hooked fox", "notifyHook": hook}).to_string();
    let agent = mj_ureq::ureq::Agent::new_with_defaults();
    let answer = agent
        .post(format!("{url}/mj/submit/imagine"))
        .header("authorization", "Bearer sk-k")
        .send(body.as_bytes())
        .expect("submitted");
    assert_eq!(answer.status().as_u16(), 200);
    let mut statuses = Vec::new();
    for line in callbacks.by_ref() {
        let update: Value = serde_json::from_str(&line).expect("one JSON line per callback");
        assert_eq!(update["type"], "progress", "{line}");
        statuses.push(update["task"]["status"].as_str().unwrap_or_default().to_owned());
        if statuses.last().map(String::as_str) == Some("SUCCESS") {
            break;
        }
    }
    assert!(statuses.len() >= 3, "{statuses:?}");
    let _ = sim.kill();
    let _ = listen.kill();
    let _ = sim.wait();
    let _ = listen.wait();
}

/// `mj` with a clean environment and the shipped pacing (no `--interval`).
fn mj_defaults(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mj"));
    for var in ["MJ_BASE_URL", "MJ_API_KEY", "MJ_AUTH", "MJ_MODE", "MJ_SIM_SPEED", "MJ_CONFIG", "MJ_SERVER"] {
        cmd.env_remove(var);
    }
    cmd.env("XDG_CONFIG_HOME", std::env::temp_dir().join("mj-cli-test-no-config"));
    cmd.args(args);
    cmd
}

/// A port that accepts connections and never answers, for 15 s.
fn black_hole() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(15);
        let mut held = Vec::new();
        while std::time::Instant::now() < until {
            match listener.accept() {
                Ok((conn, _)) => held.push(conn),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
    });
    url
}

fn timed(cmd: &mut Command) -> (i32, String, std::time::Duration) {
    let started = std::time::Instant::now();
    let (code, _, stderr) = run(cmd);
    (code, stderr, started.elapsed())
}

#[test]
fn one_deadline_bounds_a_whole_command_and_the_user_hears_why() {
    let secs = std::time::Duration::from_secs;
    // A server that accepts and never answers: the 30 s exchange is cut at the deadline.
    let hole = black_hole();
    for args in [&["fetch", "1"][..], &["imagine", "a fox", "--wait"][..]] {
        let (code, stderr, took) = timed(mj_defaults(args).args(["--timeout", "5", "--base-url", &hole]));
        assert_eq!(code, 4, "{args:?}: {stderr}");
        assert!(took < secs(7), "{args:?} took {took:?}");
        assert!(stderr.contains("no answer from the server yet after 2 s"), "{args:?}: {stderr}");
    }
    // Nothing listens: connect failures are retried, each said, until the deadline.
    let port = Refused::new();
    let refused = port.url("http");
    let (code, stderr, took) = timed(&mut mj_defaults(&["fetch", "1", "--timeout", "3", "--base-url", &refused]));
    assert_eq!(code, 4, "{stderr}");
    assert!(took < secs(5), "{took:?}");
    assert!(stderr.contains("try 1 failed (could not connect") && stderr.contains("trying again in"), "{stderr}");
    // https:// at a plain-HTTP server: a fast failure that names the likely fix.
    let sim = server(SimConfig::new(""));
    let https = sim.url().replace("http://", "https://");
    let (code, stderr, took) = timed(&mut mj_defaults(&["fetch", "1", "--timeout", "5", "--base-url", &https]));
    assert_eq!(code, 4, "{stderr}");
    assert!(took < secs(7), "{took:?}");
    assert!(stderr.contains("use an http:// base URL"), "{stderr}");
}

/// The main job over real HTTP for seeds 1-20 at once, each against its own faulty
/// simulator (default, plus or trueai flavor, speed 5), with the shipped settings: every
/// run saves its images, and each simulator made exactly one task, the one mj printed.
#[test]
fn the_main_job_finishes_under_faults_for_20_seeds() {
    let faults = "500=0.2,429=0.1,reset=0.05,truncate=0.05,slow=0.1,slow_ms=1500";
    let runs: Vec<_> = (1..=20u64)
        .map(|seed| {
            std::thread::spawn(move || {
                let flavor = [None, Some(Flavor::Plus), Some(Flavor::Trueai)][(seed % 3) as usize];
                let mut config = SimConfig::new("").faults(faults.parse().expect("plan")).seed(seed).speed(5.0);
                if let Some(flavor) = flavor {
                    config = config.flavor(flavor);
                }
                let auth = if flavor == Some(Flavor::Trueai) { "raw" } else { "mj-api-secret" };
                let sim = Server::start(config, 0).expect("simulator");
                let out = temp_dir(&format!("sweep-{seed}"));
                let mut cmd =
                    mj_defaults(&["imagine", "a red fox", "--wait", "--request-timeout", "1", "--auth", auth]);
                let (code, stdout, stderr) = run(cmd.args(["--base-url", &sim.url(), "--out"]).arg(&out));
                let label = format!("seed {seed} {flavor:?}");
                assert_eq!(code, 0, "{label}: {stderr}");
                let stats = sim.stats();
                assert_eq!(stats.created.len(), 1, "{label}: {:?}", stats.created);
                assert!(stdout.contains(&stats.created[0].id), "{label}: the task mj made is the one it printed");
                let files = std::fs::read_dir(&out).expect("out").count();
                assert!(files >= 1, "{label}: {files} files");
                let _ = std::fs::remove_dir_all(&out);
                stats.total_faults()
            })
        })
        .collect();
    let faults: u64 = runs.into_iter().map(|r| r.join().expect("a run panicked")).sum();
    assert!(faults >= 20, "faults struck: {faults}");
}

/// A reseller that serves only the submits and `GET /mj/task/{id}/fetch`: `mj fetch` and
/// `mj wait` fall back to one fetch per id, say so once, and never blame the base URL.
#[test]
fn fetch_and_wait_work_where_only_get_fetch_exists() {
    let sim = server(SimConfig::new("").flavor(Flavor::Reseller).minimal());
    let (code, stdout, stderr) = run(mj(&["--json", "imagine", "a fox"]).env("MJ_BASE_URL", sim.url()));
    assert_eq!(code, 0, "{stderr}");
    let id = json_lines(&stdout)[0]["taskId"].as_str().expect("an id").to_owned();
    // One id is fetched with GET fetch at once; a batch (and a wait) try list-by-condition
    // once, say so, and go on one fetch per id.
    let (code, stdout, stderr) = run(mj(&["fetch", id.as_str()]).env("MJ_BASE_URL", sim.url()));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&id) && stderr.is_empty(), "{stdout}\n{stderr}");
    assert_eq!(sim.stats().requests.get("task/list-by-condition"), None, "one id needs no batch");
    for args in [&["fetch", id.as_str(), id.as_str()][..], &["wait", id.as_str()][..]] {
        let (code, stdout, stderr) = run(mj(args).env("MJ_BASE_URL", sim.url()));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(stdout.contains(&id), "{args:?}: {stdout}");
        assert!(stderr.contains("does not offer list-by-condition; using fetch"), "{args:?}: {stderr}");
        assert!(!stderr.contains("check the base URL"), "{args:?}: {stderr}");
    }
    let stats = sim.stats();
    assert_eq!(stats.requests.get("task/list-by-condition").copied(), Some(2), "tried once per command");
    assert!(stats.requests.get("task/fetch").copied().unwrap_or(0) >= 3);
}

/// A client trickling a byte now and then holds only its own connection: a real callback
/// sent meanwhile is printed at once.
#[test]
fn listen_is_not_stalled_by_a_trickling_client() {
    use std::io::Write;
    let (mut listen, line, mut callbacks) =
        spawn_until(&["--json", "listen", "--port", "0"], "listening for callbacks on", true);
    let hook = line.split_whitespace().find(|w| w.starts_with("http://")).expect("hook url").to_owned();
    let (addr, path) = hook.trim_start_matches("http://").split_once('/').expect("a path");
    let (addr, path) = (addr.to_owned(), format!("/{path}"));
    let mut trickler = std::net::TcpStream::connect(&addr).expect("connect");
    trickler.write_all(format!("POST {path} HTTP/1.1\r\n").as_bytes()).expect("start");
    std::thread::spawn(move || {
        for _ in 0..20 {
            std::thread::sleep(std::time::Duration::from_millis(500));
            if trickler.write_all(b"x").is_err() {
                break;
            }
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(200));
    let started = std::time::Instant::now();
    let body = serde_json::json!({"id": "42", "status": "SUCCESS", "progress": "100%"}).to_string();
    let mut real = std::net::TcpStream::connect(&addr).expect("connect");
    write!(
        real,
        "POST {path} HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let printed = callbacks.next().expect("the real callback");
    assert!(printed.contains("\"42\""), "{printed}");
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "{:?}", started.elapsed());
    let _ = listen.kill();
    let _ = listen.wait();
}
