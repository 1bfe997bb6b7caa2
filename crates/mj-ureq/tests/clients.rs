//! What clients nobody here wrote (a Vue web app, a TypeScript library, a Python plugin) do
//! against each simulated flavor, replayed over real HTTP and read as raw JSON, as they read
//! it: submit an imagine, poll it, press U1 and V1, describe, blend. Each step checks what
//! they found wrong before: describe's prompts and image, string ids behind new-api,
//! descriptions naming the task's own id, previews only above 0% and never the result. And
//! mj's own wait rides out new-api's 15-second refresh with the shipped defaults.

use std::time::{Duration, Instant};

use mj_proto::Transport;
use mj_sim::{FaultPlan, Flavor, Server, SimConfig};
use mj_ureq::UreqTransport;
use mj_ureq::prelude::*;
use serde_json::{Value, json};

const KEY: &str = "sk-client";

/// A real 1x1 PNG, as a browser's file input would read it.
fn upload() -> Vec<u8> {
    vec![
        137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 31, 21,
        196, 137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 100, 96, 248, 95, 15, 0, 2, 135, 1, 128, 235, 71, 186,
        146, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
    ]
}

struct App {
    server: Server,
    flavor: Flavor,
    http: UreqTransport,
}

impl App {
    fn new(flavor: Flavor) -> Self {
        let config = SimConfig::new("").flavor(flavor).api_key(KEY).speed(20.0).seed(30);
        Self { server: Server::start(config, 0).expect("simulator"), flavor, http: UreqTransport::new() }
    }

    fn send(&self, method: &str, url: &str, body: Option<Value>) -> (u16, Vec<u8>) {
        let (name, value) = match self.flavor {
            Flavor::Plus | Flavor::Novicezk => ("mj-api-secret", KEY.to_owned()),
            Flavor::Trueai => ("authorization", KEY.to_owned()),
            Flavor::Newapi | Flavor::Reseller => ("authorization", format!("Bearer {KEY}")),
        };
        let url = if url.starts_with("http") { url.to_owned() } else { format!("{}{url}", self.server.url()) };
        let request = mj_proto::http::Request::builder()
            .method(method)
            .uri(url)
            .header(name, value)
            .header("content-type", "application/json")
            .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
            .expect("request");
        let response = self.http.send(request).expect("an answer");
        (response.status().as_u16(), response.into_body())
    }

    fn json(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (status, bytes) = self.send(method, path, body);
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// Submits and returns the new task's id, which must be a string (JSON clients
    /// compare ids as strings; a number loses digits in JavaScript).
    fn submit(&self, path: &str, body: Value) -> String {
        let (status, answer) = self.json("POST", path, Some(body));
        assert_eq!(status, 200, "{} {path}: {answer}", self.flavor);
        assert!(matches!(answer["code"].as_i64(), Some(1 | 22)), "{} {path}: {answer}", self.flavor);
        answer["result"].as_str().unwrap_or_else(|| panic!("{}: a string id, got {answer}", self.flavor)).to_owned()
    }

    /// Polls as the web app does, checking every preview on the way, until the task ends.
    fn poll(&self, id: &str) -> Value {
        let started = Instant::now();
        let mut final_url = None;
        let mut previews = Vec::new();
        loop {
            let (status, task) = self.json("GET", &format!("/mj/task/{id}/fetch"), None);
            assert_eq!(status, 200, "{}: {task}", self.flavor);
            assert_eq!(task["id"], id, "{}", self.flavor);
            let url = task["imageUrl"].as_str().unwrap_or_default().to_owned();
            let progress: u32 = task["progress"].as_str().unwrap_or("0%").trim_end_matches('%').parse().unwrap_or(0);
            match task["status"].as_str().unwrap_or_default() {
                "SUCCESS" => {
                    final_url = Some(url);
                    if let Some(url) = &final_url
                        && !previews.is_empty()
                    {
                        let result = self.send("GET", url, None).1;
                        for preview in &previews {
                            assert_ne!(preview, &result, "{}: a preview is not the result", self.flavor);
                        }
                    }
                    return task;
                }
                "FAILURE" | "CANCEL" => panic!("{}: {task}", self.flavor),
                "IN_PROGRESS" if !url.is_empty() => {
                    assert!(progress > 0, "{}: a preview at {progress}%: {task}", self.flavor);
                    let (status, bytes) = self.send("GET", &url, None);
                    assert_eq!(status, 200, "{}: preview {url}", self.flavor);
                    assert!(bytes.starts_with(b"\x89PNG"), "{}", self.flavor);
                    // new-api's image URL shows what the task shows now: a task that ended
                    // between the fetch and the download gave its result, not a preview.
                    let (_, after) = self.json("GET", &format!("/mj/task/{id}/fetch"), None);
                    if after["status"] != "SUCCESS" {
                        previews.push(bytes);
                    }
                }
                _ => assert!(url.is_empty(), "{}: an image before progress: {task}", self.flavor),
            }
            assert!(started.elapsed() < Duration::from_secs(30), "{}: {id} never ended", self.flavor);
            let _ = &final_url;
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// Presses U1 or V1 the way this flavor offers it.
    fn press(&self, grid: &Value, label: &str) -> String {
        let id = grid["id"].as_str().expect("id");
        if self.flavor == Flavor::Novicezk {
            let (action, index) = (if label.starts_with('U') { "UPSCALE" } else { "VARIATION" }, &label[1..]);
            let index: u8 = index.parse().expect("index");
            return self.submit("/mj/submit/change", json!({"action": action, "index": index, "taskId": id}));
        }
        let buttons = grid["buttons"].as_array().expect("buttons");
        let button = buttons.iter().find(|b| b["label"] == label).unwrap_or_else(|| panic!("{label}: {grid}"));
        self.submit("/mj/submit/action", json!({"taskId": id, "customId": button["customId"]}))
    }
}

#[test]
fn every_flavor_serves_what_real_clients_read() {
    let image = upload();
    let data_url = mj_proto::data_url::encode("image/png", &image);
    for flavor in Flavor::ALL {
        let app = App::new(flavor);
        let gateway = matches!(flavor, Flavor::Newapi | Flavor::Reseller);

        let grid_id = app.submit("/mj/submit/imagine", json!({"prompt": "a red fox in the snow"}));
        let grid = app.poll(&grid_id);
        assert_eq!(grid["progress"], "100%", "{flavor}");
        for label in ["U1", "V1"] {
            let child = app.press(&grid, label);
            assert_ne!(child, grid_id, "{flavor}");
            assert_eq!(app.poll(&child)["status"], "SUCCESS", "{flavor} {label}");
        }
        if flavor == Flavor::Newapi {
            // new-api's `taskId` is a Go string: a number does not bind.
            let numeric: u64 = grid_id.parse().expect("digits");
            let (status, refusal) = app.json(
                "POST",
                "/mj/submit/action",
                Some(json!({"taskId": numeric, "customId": "MJ::JOB::upsample::1::x"})),
            );
            assert_eq!((status, refusal["type"].as_str()), (400, Some("upstream_error")), "{refusal}");
        }

        let described_id = app.submit("/mj/submit/describe", json!({"base64": data_url}));
        let described = app.poll(&described_id);
        let final_prompt = described["properties"]["finalPrompt"].as_str().unwrap_or_default();
        assert!(final_prompt.contains("1\u{fe0f}\u{20e3}"), "{flavor}: four prompts: {described}");
        assert_eq!(described["promptEn"], final_prompt, "{flavor}: promptEn holds the prompts");
        if !gateway {
            assert_eq!(described["prompt"], final_prompt, "{flavor}: prompt holds the prompts");
        }
        let (status, shown) = app.send("GET", described["imageUrl"].as_str().expect("imageUrl"), None);
        assert_eq!((status, shown == image), (200, true), "{flavor}: a describe shows the uploaded image");

        let blended_id = app.submit("/mj/submit/blend", json!({"base64Array": [data_url, data_url]}));
        let blended = app.poll(&blended_id);
        let (describe_text, blend_text) = (described["description"].as_str(), blended["description"].as_str());
        match flavor {
            Flavor::Trueai => assert_eq!(describe_text, Some("/describe"), "{flavor}"),
            _ if gateway => {}
            _ => assert_eq!(describe_text, Some(format!("/describe {described_id}.png").as_str()), "{flavor}"),
        }
        if !gateway {
            assert_eq!(blend_text, Some(format!("/blend {blended_id} 2").as_str()), "{flavor}");
        }
        let stats = app.server.stop();
        assert_eq!(stats.total_tasks(), 5, "{flavor}: one task per submit");
    }
}

#[test]
fn a_wait_rides_out_new_apis_fifteen_second_refresh_with_the_shipped_defaults() {
    let faults: FaultPlan = "refresh_lag_ms=15000".parse().expect("faults");
    let server = Server::start(SimConfig::new("").flavor(Flavor::Newapi).api_key(KEY).speed(10.0).faults(faults), 0)
        .expect("simulator");
    let client: Client = Client::builder().base_url(server.url()).api_key(KEY).build().expect("client");
    // Refreshes fall on multiples of 15 s: submitting just after one makes the client see
    // the task as submitted (an empty status, 0%) for the whole 15 s, the worst case.
    let since_refresh = || {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock");
        now.as_millis() % 15_000
    };
    while since_refresh() > 300 {
        std::thread::sleep(Duration::from_millis(50));
    }
    let started = Instant::now();
    let mut seen = Vec::new();
    let task = client
        .submit_and_wait(Imagine::new("a red fox in the snow"), |task: &Task| seen.push(task.status.clone()))
        .expect("the wait ends with the task");
    assert_eq!(task.status, TaskStatus::Success);
    assert!(task.image_url.as_deref().is_some_and(|u| u.ends_with(&format!("/mj/image/{}", task.id))), "{task:?}");
    // The task was done after half a second, but the client's copy said nothing for 15 s.
    assert!(started.elapsed() >= Duration::from_secs(14), "the lag was not ridden out: {:?}", started.elapsed());
    assert!(seen.first().is_some_and(|s| *s != TaskStatus::Success), "{seen:?}");
    let stats = server.stop();
    assert_eq!(stats.total_tasks(), 1, "the lag made no second task");
}
