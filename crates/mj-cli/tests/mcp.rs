//! `mj mcp` as an agent runs it: the `mj` binary spawned as a child process and driven
//! over stdio by the protocol's own client (rmcp's), against the simulator, with the
//! shipped defaults. Tasks are counted on the simulator's side.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mj_sim::{Server, SimConfig};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskParams, ClientCapabilities, ClientConfig,
    GetTaskParams, Implementation, ProgressNotificationParam, TaskPayload,
};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{Value, json};

/// What the tool list may cost an agent on every turn: about 1,250 tokens (at four bytes
/// a token, the usual rate for JSON).
const TOOL_LIST_BUDGET_BYTES: usize = 5_000;

/// The agent's side: counts the progress notifications it hears, and offers the
/// protocol's tasks when `tasks` is set.
#[derive(Clone, Default)]
struct Agent {
    progress: Arc<AtomicUsize>,
    tasks: bool,
}

impl ClientHandler for Agent {
    fn get_info(&self) -> ClientConfig {
        let capabilities = if self.tasks {
            ClientCapabilities::builder().enable_tasks().build()
        } else {
            ClientCapabilities::default()
        };
        ClientConfig::new(capabilities, Implementation::new("mj-tests", "1"))
    }

    async fn on_progress(&self, _params: ProgressNotificationParam, _context: NotificationContext<RoleClient>) {
        self.progress.fetch_add(1, Ordering::Relaxed);
    }
}

/// A folder of the test's own, emptied.
fn temp(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mj-mcp-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    dir
}

/// `mj ARGS mcp --out DIR/out` with no configuration of the machine's own and `envs`; its
/// stderr goes to `DIR/stderr`.
async fn start(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> (RunningService<RoleClient, Agent>, Agent) {
    start_as(Agent::default(), dir, args, envs).await
}

/// [`start`] with `agent` as the client.
async fn start_as(
    agent: Agent,
    dir: &Path,
    args: &[&str],
    envs: &[(&str, &str)],
) -> (RunningService<RoleClient, Agent>, Agent) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mj"));
    for (var, _) in std::env::vars().filter(|(v, _)| v.starts_with("MJ_")) {
        cmd.env_remove(var);
    }
    cmd.env("HOME", dir).env("XDG_CONFIG_HOME", dir.join("config")).env("MJ_STATE", dir.join("state.sqlite3"));
    cmd.env("MJ_SIM_SPEED", "10").envs(envs.iter().copied());
    let out = dir.join("out");
    cmd.args(args).arg("mcp").arg("--out").arg(&out);
    let stderr = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("stderr")).expect("stderr file");
    let transport = TokioChildProcess::builder(cmd).stderr(stderr).spawn().expect("mj mcp starts").0;
    let service = agent.clone().serve(transport).await.expect("initialized");
    (service, agent)
}

/// Calls `tool` with `arguments`: the result's JSON, and whether it is a tool error.
async fn call(service: &RunningService<RoleClient, Agent>, tool: &'static str, arguments: Value) -> (Value, bool) {
    let arguments = arguments.as_object().cloned().expect("an object");
    let result: CallToolResult =
        service.call_tool(CallToolRequestParams::new(tool).with_arguments(arguments)).await.expect("answered");
    let text = result.content.first().and_then(|c| c.as_text()).map(|t| t.text.clone()).expect("a text result");
    (serde_json::from_str(&text).expect("JSON"), result.is_error == Some(true))
}

fn tasks_created(sim: &Server) -> u64 {
    sim.stats().tasks_created.values().sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tool_list_matches_its_snapshot_and_stays_under_its_token_budget() {
    let dir = temp("list");
    let (service, _) = start(&dir, &[], &[]).await;
    let tools = service.list_all_tools().await.expect("tools");
    let listed = serde_json::to_value(&tools).expect("JSON");
    let bytes = listed.to_string().len();
    assert!(bytes <= TOOL_LIST_BUDGET_BYTES, "the tool list is {bytes} bytes, over {TOOL_LIST_BUDGET_BYTES}");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        ["imagine", "action", "describe", "blend", "video", "task", "wait", "tasks", "download", "servers"]
    );
    for tool in &tools {
        let read_only = tool.annotations.as_ref().and_then(|a| a.read_only_hint).unwrap_or(false);
        assert_eq!(read_only, matches!(tool.name.as_ref(), "task" | "tasks" | "servers"), "{}", tool.name);
    }
    insta::assert_json_snapshot!("mcp_tools", listed);
    service.cancel().await.expect("closed");
}

#[tokio::test(flavor = "multi_thread")]
async fn imagine_with_wait_saves_files_that_exist_and_reports_progress() {
    // Nothing configured: the built-in simulator, as an agent trying mj first gets it.
    let dir = temp("imagine");
    let (service, agent) = start(&dir, &[], &[]).await;
    let (task, failed) = call(&service, "imagine", json!({"prompt": "a red fox in the snow"})).await;
    assert!(!failed, "{task}");
    assert_eq!(task["status"], "SUCCESS", "{task}");
    let files: Vec<&str> = task["files"].as_array().expect("files").iter().filter_map(Value::as_str).collect();
    assert_eq!(files.len(), 4, "{task}");
    for file in &files {
        assert!(Path::new(file).starts_with(dir.join("out").canonicalize().expect("out")), "{file}");
        let bytes = std::fs::read(file).expect("the file exists");
        assert!(bytes.starts_with(b"\x89PNG"), "{file} is a PNG");
    }
    assert!(agent.progress.load(Ordering::Relaxed) >= 2, "progress was reported while waiting");
    assert!(task["buttons"].as_array().is_some_and(|b| b.iter().any(|b| b == "U1")), "{task}");
    // The task fetched again, and its files downloaded again: kept, the same paths.
    let handle = task["task"].as_str().expect("handle");
    let (fetched, _) = call(&service, "task", json!({"task": handle})).await;
    assert_eq!(fetched["status"], "SUCCESS");
    let (downloaded, _) = call(&service, "download", json!({"task": handle})).await;
    assert_eq!(downloaded["files"], task["files"]);
    // A button, by its label, on the grid: an upscale with its own file.
    let (upscale, failed) = call(&service, "action", json!({"task": handle, "button": "U2"})).await;
    assert!(!failed && upscale["status"] == "SUCCESS" && upscale["action"] == "UPSCALE", "{upscale}");
    assert_eq!(upscale["files"].as_array().map(Vec::len), Some(1), "{upscale}");
    let (recent, _) = call(&service, "tasks", json!({"limit": 5})).await;
    assert_eq!(recent["tasks"].as_array().map(Vec::len), Some(2), "{recent}");
    service.cancel().await.expect("closed");
    let stderr = std::fs::read_to_string(dir.join("stderr")).expect("stderr");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("mj mcp: call=")).count(), 5, "one audit line a call: {stderr}");
    assert!(stderr.contains("mj mcp: call=imagine task=") && stderr.contains("outcome=ok"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_offers_tasks_gets_imagine_as_a_task_to_poll() {
    let dir = temp("tasks");
    let (service, _) = start_as(Agent { tasks: true, ..Agent::default() }, &dir, &[], &[]).await;
    let ask = json!({"prompt": "a red fox", "request_id": "task-1"});
    let params = CallToolRequestParams::new("imagine").with_arguments(ask.as_object().cloned().expect("object"));
    let created = match service.call_tool_once(params).await.expect("answered") {
        CallToolResponse::Task(created) => created,
        other => panic!("a task to poll, not {other:?}"),
    };
    let mut statuses = Vec::new();
    let done = loop {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let got = service.peer().get_task(GetTaskParams::new(created.task.task_id.clone())).await.expect("polled");
        statuses.extend(got.task.task.status_message.clone());
        if got.task.status().is_terminal() {
            break got.task.payload;
        }
    };
    let TaskPayload::Completed { result } = done else { panic!("completed, not {done:?}") };
    let result: CallToolResult = serde_json::from_value(Value::Object(result)).expect("a tool result");
    let text = result.content.first().and_then(|c| c.as_text()).map(|t| t.text.clone()).expect("text");
    let task: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(task["status"], "SUCCESS", "{task}");
    assert_eq!(task["files"].as_array().map(Vec::len), Some(4), "{task}");
    assert!(statuses.iter().any(|s| s.starts_with("IN_PROGRESS")), "the task said how it went: {statuses:?}");
    // A wait the client cancels settles as cancelled at once.
    let stuck = json!({"prompt": "a fox --sim-stall", "wait": false});
    let params = CallToolRequestParams::new("imagine").with_arguments(stuck.as_object().cloned().expect("object"));
    let CallToolResponse::Task(created) = service.call_tool_once(params).await.expect("answered") else {
        panic!("a task")
    };
    let submitted = loop {
        let got = service.peer().get_task(GetTaskParams::new(created.task.task_id.clone())).await.expect("polled");
        if got.task.status().is_terminal() {
            break got.task.payload;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let TaskPayload::Completed { result } = submitted else { panic!("submitted, not {submitted:?}") };
    let handle = serde_json::from_value::<CallToolResult>(Value::Object(result)).expect("result").content[0]
        .as_text()
        .map(|t| serde_json::from_str::<Value>(&t.text).expect("JSON")["task"].clone())
        .expect("a handle");
    let params = CallToolRequestParams::new("wait")
        .with_arguments(json!({"task": handle}).as_object().cloned().expect("object"));
    let CallToolResponse::Task(waiting) = service.call_tool_once(params).await.expect("answered") else {
        panic!("a task")
    };
    service.peer().cancel_task(CancelTaskParams::new(waiting.task.task_id.clone())).await.expect("cancelled");
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            let got = service.peer().get_task(GetTaskParams::new(waiting.task.task_id.clone())).await.expect("polled");
            if got.task.status().is_terminal() {
                break got.task.status();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the cancelled wait settles within 5 s, not at its deadline");
    assert_eq!(format!("{ended:?}").to_lowercase(), "cancelled");
    service.cancel().await.expect("closed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_request_id_creates_one_task_even_from_a_new_process() {
    let sim = Server::start(SimConfig::new("").speed(10.0), 0).expect("sim");
    let url = sim.url();
    let dir = temp("once");
    let envs = [("MJ_BASE_URL", url.as_str())];
    let (service, _) = start(&dir, &[], &envs).await;
    let ask = json!({"prompt": "a red fox", "request_id": "fox-1", "wait": false});
    let (first, _) = call(&service, "imagine", ask.clone()).await;
    let (again, _) = call(&service, "imagine", ask.clone()).await;
    assert_eq!(first["task"], again["task"], "{first} {again}");
    assert_eq!(again["repeated"], true);
    // Two calls at once with a new id: one waits for the other.
    let twice = json!({"prompt": "a grey owl", "request_id": "owl-1", "wait": false});
    let (a, b) = tokio::join!(call(&service, "imagine", twice.clone()), call(&service, "imagine", twice.clone()));
    assert_eq!(a.0["task"], b.0["task"]);
    // One id names one call: another prompt with it is refused, and sends nothing.
    let (other, failed) = call(&service, "imagine", json!({"prompt": "a bear", "request_id": "fox-1"})).await;
    assert!(failed && other["error"] == "arguments", "{other}");
    // A wrong argument is refused before anything is paid for.
    for wrong in [json!({"prompt": "a bear", "timeout_s": 0}), json!({"prompt": "a bear", "download": "yes"})] {
        let (refused, failed) = call(&service, "imagine", wrong).await;
        assert!(failed && refused["error"] == "arguments", "{refused}");
    }
    service.cancel().await.expect("closed");
    // The agent's client restarts mj mcp and retries: the task is found on the server by
    // its token.
    let (restarted, _) = start(&dir, &[], &envs).await;
    let (found, failed) = call(&restarted, "imagine", ask).await;
    assert!(!failed, "{found}");
    assert_eq!(found["task"], first["task"], "{found}");
    assert_eq!(found["repeated"], true);
    restarted.cancel().await.expect("closed");
    assert_eq!(tasks_created(&sim), 2, "one task for fox-1, one for owl-1");
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_mode_refuses_imagine_and_still_looks() {
    let sim = Server::start(SimConfig::new("").speed(10.0), 0).expect("sim");
    let url = sim.url();
    let dir = temp("read-only");
    let (service, _) = start(&dir, &[], &[("MJ_BASE_URL", url.as_str()), ("MJ_MCP_READ_ONLY", "1")]).await;
    let tools = service.list_all_tools().await.expect("tools");
    assert!(tools.iter().all(|t| t.name != "imagine"), "the spending tools are not offered");
    let (refused, failed) = call(&service, "imagine", json!({"prompt": "a red fox"})).await;
    assert!(failed, "{refused}");
    assert_eq!(refused["error"], "read_only", "{refused}");
    let (servers, failed) = call(&service, "servers", json!({})).await;
    assert!(!failed && servers["read_only"] == true, "{servers}");
    service.cancel().await.expect("closed");
    assert_eq!(tasks_created(&sim), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_budget_refusal_is_a_tool_error_naming_its_rule() {
    let sim = Server::start(SimConfig::new("").speed(10.0), 0).expect("sim");
    let dir = temp("budget");
    let servers = dir.join("servers.toml");
    let file = format!("[[server]]\nname = \"a\"\nbase_url = \"{}\"\n[server.prices]\nimagine = 0.05\n", sim.url());
    std::fs::write(&servers, file).expect("written");
    let config = servers.to_str().expect("a path");
    let (service, _) = start(&dir, &["--config", config, "--budget", "0.05"], &[]).await;
    let (first, failed) = call(&service, "imagine", json!({"prompt": "a red fox", "wait": false})).await;
    assert!(!failed, "{first}");
    assert_eq!(first["task"].as_str().map(|t| t.starts_with("a:")), Some(true), "named by its server: {first}");
    let (refused, failed) = call(&service, "imagine", json!({"prompt": "a grey owl", "wait": false})).await;
    assert!(failed, "{refused}");
    assert_eq!(refused["error"], "refused_by_rule", "{refused}");
    assert_eq!(refused["rule"], "run_budget", "{refused}");
    assert!(refused["message"].as_str().is_some_and(|m| m.contains("budget of 0.05")), "{refused}");
    let (servers, _) = call(&service, "servers", json!({})).await;
    assert_eq!(servers["budget"], json!({"budget": 0.05, "spent": 0.05, "left": 0.0}), "{servers}");
    assert_eq!(servers["servers"][0]["today"]["tasks"], 1, "{servers}");
    assert_eq!(servers["servers"][0]["state"], "answers", "{servers}");
    assert!(servers["servers"][0]["queued"].as_u64().is_some_and(|n| n <= 1), "its queue: {servers}");
    service.cancel().await.expect("closed");
    assert_eq!(tasks_created(&sim), 1);
    let stderr = std::fs::read_to_string(dir.join("stderr")).expect("stderr");
    assert!(stderr.contains("rule=run_budget outcome=error:refused_by_rule"), "{stderr}");
}

/// `key` as it could leak: as it is, in base64 (both alphabets), in hex and
/// percent-encoded.
fn spellings(key: &str) -> Vec<String> {
    use base64::Engine;
    let bytes = key.as_bytes();
    vec![
        key.to_owned(),
        base64::engine::general_purpose::STANDARD.encode(bytes),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        bytes.iter().map(|b| format!("{b:02x}")).collect(),
        bytes.iter().map(|b| format!("%{b:02X}")).collect(),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn no_result_and_no_log_line_holds_the_key() {
    const KEY: &str = "sk-mcp-never-shown-7f3a9c";
    let sim = Server::start(SimConfig::new("").api_key(KEY).speed(10.0), 0).expect("sim");
    let url = sim.url();
    let dir = temp("key");
    let (service, _) = start(&dir, &["-vv"], &[("MJ_BASE_URL", url.as_str()), ("MJ_API_KEY", KEY)]).await;
    let mut results = Vec::new();
    let (task, _) =
        call(&service, "imagine", json!({"prompt": format!("a fox named {KEY}"), "request_id": "k-1"})).await;
    let handle = task["task"].as_str().unwrap_or_default().to_owned();
    results.push(task);
    for (tool, arguments) in [
        ("task", json!({"task": handle})),
        ("wait", json!({"task": handle})),
        ("tasks", json!({})),
        ("servers", json!({})),
        ("task", json!({"task": "404404"})),
        ("describe", json!({"image": "/etc/passwd"})),
    ] {
        results.push(call(&service, tool, arguments).await.0);
    }
    service.cancel().await.expect("closed");
    let stderr = std::fs::read_to_string(dir.join("stderr")).expect("stderr");
    assert!(results[0]["status"] == "SUCCESS", "the key was accepted: {}", results[0]);
    let everything = format!("{}\n{stderr}", serde_json::to_string(&results).expect("JSON"));
    for spelling in spellings(KEY) {
        assert!(!everything.contains(&spelling), "{spelling} leaked:\n{everything}");
    }
}

#[test]
fn a_python_client_lists_the_tools_and_runs_imagine_to_completion() {
    // A client in another language: plain Python, standard library only, speaking the
    // protocol's newline-delimited JSON-RPC on the server's stdio.
    let dir = temp("python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_client.py");
    let mut cmd = std::process::Command::new("python3");
    for (var, _) in std::env::vars().filter(|(v, _)| v.starts_with("MJ_")) {
        cmd.env_remove(var);
    }
    let output = cmd
        .env("HOME", &dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("MJ_SIM_SPEED", "10")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_mj"))
        .arg(dir.join("out"))
        .output()
        .expect("python3 runs (CI installs it)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let said: Value = serde_json::from_slice(&output.stdout).expect("the client's JSON");
    assert_eq!(said["server"], "mj");
    assert_eq!(said["tools"].as_array().map(Vec::len), Some(10), "{said}");
    assert_eq!(said["files"].as_array().map(Vec::len), Some(4), "{said}");
    assert!(said["progress"].as_u64().is_some_and(|n| n >= 2), "{said}");
}

/// A server whose task id names a path and whose texts carry terminal escapes: the files
/// land inside the output root under safe names, nothing reaches stderr raw, and a
/// foreign task in an answer is refused as a typed error.
#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_server_names_no_file_and_reaches_no_terminal() {
    use mj_test_support::hostile::{Answer, Hostile, Seen};
    const ID: &str = "../../../mcp_trav";
    let server = Hostile::start(|req: &Seen, url: &str| {
        let task = |id: &str| {
            json!({"id": id, "action": "IMAGINE", "status": "SUCCESS", "progress": "100%\u{1b}]0;pwned\u{7}",
                   "prompt": "\u{1b}[2Ja fox", "imageUrl": format!("{url}/img.png"),
                   "failReason": "no\r\nmj mcp: call=imagine outcome=ok"})
        };
        match req.path.as_str() {
            p if p.contains("/submit/") => {
                Answer::json(json!({"code": 1, "description": "ok", "result": ID}).to_string())
            }
            p if p.ends_with("/fetch") && p.contains("9999") => Answer::json(task("8888").to_string()),
            p if p.ends_with("/fetch") => Answer::json(task(ID).to_string()),
            "/img.png" => Answer::with(200, "image/png", b"\x89PNG\r\n\x1a\nnot really".to_vec()),
            _ => Answer::with(404, "text/plain", ""),
        }
    });
    let dir = temp("hostile");
    let (service, _) = start(&dir, &[], &[("MJ_BASE_URL", server.url.as_str())]).await;
    let (task, failed) = call(&service, "imagine", json!({"prompt": "a fox"})).await;
    assert!(!failed, "{task}");
    let out = dir.join("out").canonicalize().expect("out");
    let files: Vec<&str> = task["files"].as_array().expect("files").iter().filter_map(Value::as_str).collect();
    assert_eq!(files.len(), 1, "{task}");
    assert!(Path::new(files[0]).parent() == Some(out.as_path()), "inside the output root: {files:?}");
    assert!(!dir.join("mcp_trav.png").exists() && !std::env::temp_dir().join("mcp_trav.png").exists());
    let (foreign, failed) = call(&service, "task", json!({"task": "9999"})).await;
    assert!(failed && foreign["error"] == "bad_answer", "{foreign}");
    service.cancel().await.expect("closed");
    let stderr = std::fs::read_to_string(dir.join("stderr")).expect("stderr");
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{7}') && !stderr.contains('\r'), "{stderr:?}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("mj mcp: call=")).count(), 2, "{stderr}");
}

/// The README's configuration, as an MCP client reads it: its command and arguments (with
/// this machine's paths) start a server that answers and makes a task.
#[tokio::test(flavor = "multi_thread")]
async fn the_readmes_configuration_starts_a_working_server() {
    const KEY: &str = "sk-readme-0123456789";
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).expect("README");
    let section = readme.split("## AI agents").nth(1).expect("the README's mj mcp section");
    let block = section.split("```json").nth(1).and_then(|b| b.split("```").next()).expect("a JSON block");
    let config: Value = serde_json::from_str(block).expect("the README's JSON parses");
    let server = &config["mcpServers"]["midjourney"];
    assert_eq!(server["command"], "mj");
    let sim = Server::start(SimConfig::new("").api_key(KEY).speed(10.0), 0).expect("sim");
    let dir = temp("readme");
    std::fs::write(dir.join("key"), KEY).expect("key file");
    let here = |arg: &str| match arg {
        "/home/me/Pictures/mj" => dir.join("pictures").display().to_string(),
        "/home/me/.config/mj/key" => dir.join("key").display().to_string(),
        other => other.to_owned(),
    };
    let args: Vec<String> =
        server["args"].as_array().expect("args").iter().filter_map(Value::as_str).map(here).collect();
    assert_eq!(server["env"]["MJ_BASE_URL"], "https://mj.example.com");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mj"));
    for (var, _) in std::env::vars().filter(|(v, _)| v.starts_with("MJ_")) {
        cmd.env_remove(var);
    }
    cmd.env("HOME", &dir).env("XDG_CONFIG_HOME", dir.join("config")).env("MJ_BASE_URL", sim.url()).args(&args);
    let transport = TokioChildProcess::builder(cmd).stderr(std::process::Stdio::null()).spawn().expect("starts").0;
    let service = Agent::default().serve(transport).await.expect("initialized");
    let (task, failed) = call(&service, "imagine", json!({"prompt": "a red fox"})).await;
    assert!(!failed && task["status"] == "SUCCESS", "{task}");
    let file = task["files"][0].as_str().expect("a file");
    assert!(Path::new(file).starts_with(dir.join("pictures").canonicalize().expect("--out")), "{file}");
    service.cancel().await.expect("closed");
}

/// Over a pool, a button of a task named by its id alone is pressed on the server that has
/// the task, whichever server the pool would pick for a new one.
#[tokio::test(flavor = "multi_thread")]
async fn over_a_pool_a_button_is_pressed_on_the_tasks_own_server() {
    let (a, b) = (
        Server::start(SimConfig::new("").speed(10.0), 0).expect("sim a"),
        Server::start(SimConfig::new("").speed(10.0), 0).expect("sim b"),
    );
    let dir = temp("pool");
    let servers = dir.join("servers.toml");
    let file = format!(
        "[[server]]\nname = \"a\"\nbase_url = \"{}\"\n[[server]]\nname = \"b\"\nbase_url = \"{}\"\n",
        a.url(),
        b.url()
    );
    std::fs::write(&servers, file).expect("written");
    let config = servers.to_str().expect("a path");
    let (service, _) = start(&dir, &["--config", config, "--interval", "0.5"], &[]).await;
    let mut grids = Vec::new();
    for prompt in ["a red fox", "a grey owl", "a brown bear"] {
        let (grid, failed) = call(&service, "imagine", json!({"prompt": prompt, "download": false})).await;
        assert!(!failed && grid["status"] == "SUCCESS", "{grid}");
        grids.push(grid["task"].as_str().expect("handle").to_owned());
    }
    for grid in &grids {
        let (server, id) = grid.split_once(':').expect("SERVER:ID over a pool");
        let (upscale, failed) = call(&service, "action", json!({"task": id, "button": "U1", "download": false})).await;
        assert!(!failed, "{upscale}");
        assert!(upscale["task"].as_str().is_some_and(|t| t.starts_with(&format!("{server}:"))), "{grid} -> {upscale}");
    }
    service.cancel().await.expect("closed");
    assert_eq!(a.stats().tasks_created.values().sum::<u64>() + b.stats().tasks_created.values().sum::<u64>(), 6);
}

/// A server that echoes the callback URL (its secret path) into the task: no result and
/// no log line shows the secret.
#[tokio::test(flavor = "multi_thread")]
async fn the_hook_secret_echoed_by_a_server_is_never_shown() {
    use mj_test_support::hostile::{Answer, Hostile, Seen};
    let hook = Arc::new(std::sync::Mutex::new(String::new()));
    let heard = hook.clone();
    let server = Hostile::start(move |req: &Seen, _: &str| {
        let mut hook = heard.lock().expect("lock");
        if req.path.contains("/submit/") {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
            *hook = body["notifyHook"].as_str().unwrap_or_default().to_owned();
            return Answer::json(json!({"code": 1, "description": "ok", "result": "42"}).to_string());
        }
        let task = json!({"id": "42", "action": "IMAGINE", "status": "FAILURE", "progress": "0%",
                          "prompt": format!("a fox {hook}"), "failReason": format!("callback {hook} refused")});
        Answer::json(task.to_string())
    });
    let dir = temp("hook-secret");
    let envs = [("MJ_BASE_URL", server.url.as_str()), ("MJ_HOOK_LISTEN", "127.0.0.1:0")];
    let (service, _) = start(&dir, &["-vv"], &envs).await;
    let (failed_task, failed) = call(&service, "imagine", json!({"prompt": "a fox"})).await;
    let (fetched, _) = call(&service, "task", json!({"task": "42"})).await;
    service.cancel().await.expect("closed");
    let hook = hook.lock().expect("lock").clone();
    let secret = hook.rsplit('/').find(|part| part.len() >= 16).expect("the hook URL has a secret path").to_owned();
    assert!(failed && failed_task["error"] == "task_failed", "{failed_task}");
    let stderr = std::fs::read_to_string(dir.join("stderr")).expect("stderr");
    let everything = format!("{failed_task}\n{fetched}\n{stderr}");
    assert!(!everything.contains(&secret), "the hook's secret {secret} leaked:\n{everything}");
}
