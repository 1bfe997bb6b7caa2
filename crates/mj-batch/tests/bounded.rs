//! A batch always ends: a task a server stopped working on fails its job, and the run's
//! deadline ends the run with its summary. Driven on a simulated clock, so ten minutes of
//! waiting take milliseconds.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use mj_batch::{Batch, SqliteJournal, prompts};
use mj_proto::{Config, HttpRequest, HttpResponse, Transport, TransportError};

/// A server whose tasks stay IN_PROGRESS at 50% forever, on a clock that moves only when
/// the client sleeps.
struct Stuck {
    now: Mutex<Instant>,
    submits: Mutex<u32>,
}

impl Transport for Stuck {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request.uri().path().to_owned();
        let body = if path.contains("/submit/") {
            let mut n = self.submits.lock().expect("lock");
            *n += 1;
            format!(r#"{{"code":1,"description":"ok","result":"t{n}"}}"#)
        } else {
            let asked: serde_json::Value = serde_json::from_slice(request.body()).unwrap_or_default();
            let tasks: Vec<serde_json::Value> = asked["ids"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|id| serde_json::json!({"id": id, "status": "IN_PROGRESS", "progress": "50%"}))
                .collect();
            serde_json::Value::Array(tasks).to_string()
        };
        Ok(http::Response::new(body.into_bytes()))
    }

    fn sleep(&self, duration: Duration) {
        *self.now.lock().expect("lock") += duration;
    }

    fn now(&self) -> Instant {
        *self.now.lock().expect("lock")
    }
}

use mj_proto::http;

fn journal(name: &str) -> (SqliteJournal, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("mj-batch-bounded-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    (SqliteJournal::open(dir.join("journal")).expect("journal"), dir)
}

#[test]
fn a_stalled_task_fails_its_job_instead_of_holding_the_run() {
    let transport = Stuck { now: Mutex::new(Instant::now()), submits: Mutex::new(0) };
    let client = mj_client::Client::with_transport(transport, Config::new("http://stuck.test").expect("config"));
    let (journal, dir) = journal("stall");
    let text = b"a fox\na cat\n";
    let lines = prompts::parse(text, false).expect("prompts");
    let summary = Batch::new(&client, journal, dir.join("out"))
        .stall_after(Duration::from_secs(600))
        .run(&lines, &prompts::fingerprint(text), |_| {})
        .expect("runs to the end");
    assert_eq!(summary.failed.len(), 2, "{summary:?}");
    assert!(summary.failed.iter().all(|(_, _, why)| why.contains("stalled") && why.contains("50%")), "{summary:?}");
    assert_eq!(summary.unfinished, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_run_deadline_ends_the_run_with_its_summary() {
    let start = Instant::now();
    let transport = Stuck { now: Mutex::new(start), submits: Mutex::new(0) };
    let deadline = start + Duration::from_secs(20);
    let client =
        mj_client::Client::with_transport(transport, Config::new("http://stuck.test").expect("config")).until(deadline);
    let (journal, dir) = journal("deadline");
    let text = b"a fox\na cat\na dog\n";
    let lines = prompts::parse(text, false).expect("prompts");
    let summary = Batch::new(&client, journal, dir.join("out"))
        .deadline(deadline)
        .run(&lines, &prompts::fingerprint(text), |_| {})
        .expect("ends at the deadline");
    assert_eq!(summary.unfinished, 3, "{summary:?}");
    assert!(client.transport().now() >= deadline && client.transport().now() < deadline + Duration::from_secs(3));
    let _ = std::fs::remove_dir_all(&dir);
}
