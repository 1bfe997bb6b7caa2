//! A tour of the core without a network: build a request for every endpoint, then decode
//! the recorded submit and fetch answers in `tests/fixtures/upstream` the way a client would.
//!
//! ```text
//! cargo run -q -p mj-proto --example tour
//! ```

use std::path::Path;
use std::process::ExitCode;

use mj_proto::prelude::*;

fn main() -> ExitCode {
    let config = match Config::new("http://127.0.0.1:8080").and_then(|c| c.with_api_key("sk-example")) {
        Ok(config) => config.with_auth_style(AuthStyle::MjApiSecret),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    println!("requests for {}:", config.base_url());
    let png = mj_proto::data_url::encode("image/png", b"\x89PNG\r\n\x1a\n");
    let requests: Vec<(&str, Result<mj_proto::HttpRequest, Error>)> = vec![
        ("imagine", config.build(&Imagine::new("a red fox in the snow").state("tour"))),
        ("blend", config.build(&Blend::new([png.clone(), png.clone()]))),
        ("describe", config.build(&Describe::new(png.clone()))),
        ("action", config.build(&Action::new("1747190313867714", "MJ::JOB::upsample::1::e116ba11"))),
        ("modal", config.build(&Modal::new("1747190313867714").prompt("--zoom 1.5"))),
        ("fetch", config.build(&Fetch::new("1747190313867714"))),
        ("list-by-condition", config.build(&ListByCondition::new(["1", "2"]))),
        ("query", config.build(&Query::new())),
        ("blend with one image (refused)", config.build(&Blend::new([png]))),
    ];
    for (name, request) in requests {
        match request {
            Ok(r) => println!("  {name:<32} {} {} ({} body bytes)", r.method(), r.uri(), r.body().len()),
            Err(e) => println!("  {name:<32} not sent: {e}"),
        }
    }

    // Recorded answers from real servers, decoded as a client decodes them: submit answers
    // through the submit's own parse, fetch answers and callbacks as tasks.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upstream");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    println!("\nrecorded answers from {}:", dir.display());
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let body = std::fs::read(&path).unwrap_or_default();
        let summary = if name.contains("-submit-code") {
            let Ok(response) = http::Response::builder().status(200).body(body) else { continue };
            match config.parse(&Imagine::new("-"), response) {
                Ok(submitted) => format!("task {} {:?}", submitted.task_id, submitted.outcome),
                Err(e) => format!("error: {e}"),
            }
        } else if name.contains("-fetch-") || name.contains("-notify-") {
            // A fetch answer is a task, as a callback is.
            match mj_proto::webhook::parse(&body) {
                Ok(task) => format!("task {} {} {}", task.id, task.status, task.progress.unwrap_or_default()),
                Err(e) => format!("error: {e}"),
            }
        } else {
            continue;
        };
        let summary: String = summary.chars().take(100).collect();
        println!("  {name:<60} {summary}");
    }
    ExitCode::SUCCESS
}
