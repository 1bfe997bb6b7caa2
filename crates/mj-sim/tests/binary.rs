//! The `mj-sim` binary over real HTTP with a plain client: imagine -> poll -> U1 -> poll,
//! a real PNG, stats, and a clean stop.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Kills the server if a test fails midway.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mj-sim"))
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mj-sim starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).expect("first line");
    let url = first.trim().strip_prefix("listening on ").expect("announces its address").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (Running(child), url)
}

/// One HTTP/1.1 exchange with `Connection: close`: (status, lower-cased head, body).
fn http(url: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, String, Vec<u8>) {
    let payload = body.map(Value::to_string).unwrap_or_default();
    exchange(url, method, path, &[("content-type", "application/json")], &payload)
}

fn json_call(url: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let (status, _, bytes) = http(url, method, path, body.as_ref());
    assert_eq!(status, 200, "{method} {path}: {}", String::from_utf8_lossy(&bytes));
    serde_json::from_slice(&bytes).expect("JSON")
}

fn wait_success(url: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let task = json_call(url, "GET", &format!("/mj/task/{id}/fetch"), None);
        if task["status"] == "SUCCESS" {
            return task;
        }
        assert!(Instant::now() < deadline, "task {id} did not finish: {task}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn imagine_poll_upscale_over_real_http() {
    let (_server, url) = start(&["--speed", "20", "--exit-after", "60"]);
    let submit = json_call(&url, "POST", "/mj/submit/imagine", Some(json!({"prompt": "a red fox in the snow"})));
    assert_eq!(submit["code"], 1);
    let id = submit["result"].as_str().expect("id").to_owned();
    let grid = wait_success(&url, &id);
    let u1 = grid["buttons"][0]["customId"].as_str().expect("U1").to_owned();
    let up = json_call(&url, "POST", "/mj/submit/action", Some(json!({"taskId": id, "customId": u1})));
    let up_id = up["result"].as_str().expect("id").to_owned();
    let upscale = wait_success(&url, &up_id);
    assert_eq!(upscale["action"], "UPSCALE");
    let both = json_call(&url, "POST", "/mj/task/list-by-condition", Some(json!({"ids": [id, up_id]})));
    assert_eq!(both.as_array().map(Vec::len), Some(2));

    let image_path = grid["imageUrl"].as_str().expect("url").trim_start_matches(&url).to_owned();
    let (status, head, png) = http(&url, "GET", &image_path, None);
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-type: image/png"));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 1_000);

    let stats = json_call(&url, "GET", "/sim/stats", None);
    assert_eq!(
        (stats["tasks_created"]["IMAGINE"].as_u64(), stats["tasks_created"]["UPSCALE"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn faults_show_on_the_wire_and_in_stats() {
    let (_server, url) = start(&["--faults", "truncate=0.5,reset=0.5", "--seed", "3", "--concurrency", "100"]);
    let mut cut = 0;
    let mut dropped = 0;
    for _ in 0..20 {
        let authority = url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(authority).expect("connects");
        stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let body = json!({"prompt": "x"}).to_string();
        write!(stream, "POST /mj/submit/imagine HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n{body}", body.len())
            .expect("writes");
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        if raw.is_empty() {
            dropped += 1;
        } else {
            let text = String::from_utf8_lossy(&raw);
            let declared: usize = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|n| n.trim().parse().ok())
                .expect("content-length");
            let got = raw.len() - raw.windows(4).position(|w| w == b"\r\n\r\n").expect("head") - 4;
            assert!(got < declared, "a truncated body is shorter than declared");
            cut += 1;
        }
    }
    assert_eq!(cut + dropped, 20);
    assert!(cut > 0 && dropped > 0);
    let stats = json_call(&url, "GET", "/sim/stats", None);
    assert_eq!(stats["faults"]["truncate"].as_u64(), Some(cut));
    assert_eq!(stats["faults"]["reset"].as_u64(), Some(dropped));
    assert_eq!(
        stats["tasks_created"]["IMAGINE"].as_u64(),
        Some(20),
        "the request was handled before the answer was lost"
    );
}

#[test]
fn webhooks_arrive_on_loopback() {
    let hook = std::net::TcpListener::bind("127.0.0.1:0").expect("hook listener");
    let hook_url = format!("http://{}/hook", hook.local_addr().expect("addr"));
    let (_server, url) = start(&["--speed", "20"]);
    json_call(&url, "POST", "/mj/submit/imagine", Some(json!({"prompt": "hooked", "notifyHook": hook_url})));
    hook.set_nonblocking(false).expect("blocking");
    let mut statuses = Vec::new();
    while statuses.last().map(String::as_str) != Some("SUCCESS") {
        let (mut conn, _) = hook.accept().expect("a webhook POST");
        conn.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = conn.read(&mut buf).expect("reads");
            raw.extend_from_slice(&buf[..n]);
            if let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                if raw.len() >= split + 4 + len {
                    assert!(head.starts_with("post /hook http/1.1"));
                    let task: Value = serde_json::from_slice(&raw[split + 4..split + 4 + len]).expect("task JSON");
                    statuses.push(task["status"].as_str().unwrap_or_default().to_owned());
                    break;
                }
            }
            assert!(n > 0, "the POST ended early");
        }
        conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").expect("answers");
    }
    assert!(statuses.len() >= 3, "{statuses:?}");
}

#[test]
fn exit_after_stops_the_server() {
    let (mut server, _) = start(&["--exit-after", "0.3"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = server.0.try_wait().expect("waits") {
            assert!(status.success());
            break;
        }
        assert!(Instant::now() < deadline, "still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn bad_options_exit_2_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_mj-sim")).args(["--flavor", "nope"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown flavor `nope`"));
    let help = Command::new(env!("CARGO_BIN_EXE_mj-sim")).arg("--help").output().expect("runs");
    assert!(help.status.success() && String::from_utf8_lossy(&help.stdout).contains("--faults SPEC"));
}

/// One exchange with extra request headers: (status, lower-cased head, body).
fn exchange(url: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String, Vec<u8>) {
    let authority = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).expect("connects");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: {authority}\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("writes");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("reads");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a head") + 4;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
    (status, head, raw[split..].to_vec())
}

/// What a browser app does against `mj sim --flavor trueai|newapi|reseller --api-key K`: a
/// preflight without the key, then the submit, the polls and the image, each read only
/// because it carries `Access-Control-Allow-Origin`. novicezk and PLUS answer no CORS.
#[test]
fn browser_apps_get_cors_where_the_real_servers_give_it() {
    const ORIGIN: &str = "http://app.example.test:5173";
    for (flavor, auth) in [("trueai", "K"), ("newapi", "Bearer K"), ("reseller", "Bearer K")] {
        let (_server, url) = start(&["--flavor", flavor, "--api-key", "K", "--speed", "25", "--exit-after", "60"]);
        let allowed = |head: &str| {
            head.contains(&format!("access-control-allow-origin: {ORIGIN}"))
                || head.contains("access-control-allow-origin: *")
        };
        let (status, head, _) = exchange(
            &url,
            "OPTIONS",
            "/mj/submit/imagine",
            &[
                ("origin", ORIGIN),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "authorization,content-type"),
            ],
            "",
        );
        assert!((200..300).contains(&status), "{flavor}: preflight {status}: {head}");
        assert!(allowed(&head), "{flavor}: {head}");
        assert!(head.contains("access-control-allow-headers: authorization,content-type"), "{flavor}: {head}");
        let json_headers = [("origin", ORIGIN), ("authorization", auth), ("content-type", "application/json")];
        let (status, head, body) =
            exchange(&url, "POST", "/mj/submit/imagine", &json_headers, r#"{"prompt":"a fox in a browser"}"#);
        assert_eq!(status, 200, "{flavor}: {}", String::from_utf8_lossy(&body));
        assert!(allowed(&head), "{flavor}: submit: {head}");
        let submit: Value = serde_json::from_slice(&body).expect("json");
        let id = submit["result"].as_str().map_or_else(|| submit["result"].to_string(), str::to_owned);
        let deadline = Instant::now() + Duration::from_secs(20);
        let task = loop {
            let (status, head, body) = exchange(&url, "GET", &format!("/mj/task/{id}/fetch"), &json_headers, "");
            assert_eq!(status, 200, "{flavor}");
            assert!(allowed(&head), "{flavor}: fetch: {head}");
            let task: Value = serde_json::from_slice(&body).expect("json");
            if task["status"] == "SUCCESS" {
                break task;
            }
            assert!(Instant::now() < deadline, "{flavor}: {task}");
            std::thread::sleep(Duration::from_millis(50));
        };
        if flavor == "trueai" {
            assert_eq!(task["videoUrls"], Value::Null, "no video: null, not []");
        }
        let image = task["imageUrl"].as_str().expect("an image");
        let path = image.trim_start_matches(&url);
        let (status, head, _) = exchange(&url, "GET", path, &[("origin", ORIGIN), ("authorization", auth)], "");
        assert_eq!(status, 200, "{flavor}: {path}");
        assert!(allowed(&head), "{flavor}: image: {head}");
    }
    for flavor in ["novicezk", "plus"] {
        let (_server, url) = start(&["--flavor", flavor, "--exit-after", "60"]);
        let (_, head, _) = exchange(&url, "OPTIONS", "/mj/submit/imagine", &[("origin", ORIGIN)], "");
        assert!(!head.contains("access-control-allow-origin"), "{flavor}: {head}");
    }
}

/// `mj-sim --help` lists every fault the `--faults` syntax takes, each with its unit.
#[test]
fn help_lists_every_fault_with_its_unit() {
    let out = Command::new(env!("CARGO_BIN_EXE_mj-sim")).arg("--help").output().expect("runs");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("chances per request (0 to 1)") && help.contains("delays (milliseconds)"), "{help}");
    let rates = mj_sim::FaultKind::ALL.iter().map(|k| k.name()).chain(["hook_drop", "hook_dup"]);
    let delays = ["slow_ms", "late_ms", "lookup_lag_ms", "refresh_lag_ms", "hook_delay_ms"];
    for name in rates.chain(delays) {
        assert!(help.lines().any(|l| l.trim_start().starts_with(&format!("{name} "))), "{name} missing:\n{help}");
        // Each name is one the parser takes.
        let spec = format!("{name}=1");
        assert!(spec.parse::<mj_sim::FaultPlan>().is_ok(), "{name}");
    }
}
