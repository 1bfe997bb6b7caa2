//! A tour of the core without a network: build a request for every endpoint, then decode
//! every recorded server answer in `tests/fixtures` the way a client would.
//!
//! ```text
//! cargo run -q -p mj-proto --example tour
//! ```

use std::path::Path;
use std::process::ExitCode;

use mj_proto::inspect;
use mj_proto::prelude::*;

#[path = "../tests/common/classify.rs"]
mod fixture_names;
use fixture_names::classify;

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

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<_> = ["upstream", "mj"]
        .iter()
        .filter_map(|sub| std::fs::read_dir(dir.join(sub)).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    println!("\nanswers decoded from {} fixtures:", files.len());
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let (Some(kind), status) = classify(name) else { continue };
        let body = std::fs::read(&path).unwrap_or_default();
        let response = http::Response::builder().status(status).body(body);
        let Ok(response) = response else { continue };
        let summary = match inspect::decode(kind, response) {
            Ok(value) => summarize(&value),
            Err(e) => format!("error: {e}"),
        };
        let summary: String = summary.chars().take(110).collect();
        println!("  {name:<60} {kind:<12} {summary}");
    }
    ExitCode::SUCCESS
}

fn summarize(value: &serde_json::Value) -> String {
    let task = |t: &serde_json::Value| {
        format!(
            "{} {} {}",
            t["id"].as_str().unwrap_or("?"),
            t["status"].as_str().filter(|s| !s.is_empty()).unwrap_or("(empty)"),
            t["progress"].as_str().unwrap_or("")
        )
    };
    match value {
        serde_json::Value::Array(items) => format!("{} item(s)", items.len()),
        serde_json::Value::Object(o) if o.contains_key("code") => {
            format!("code {} -> task {}", o["code"], o["result"].as_str().unwrap_or("?"))
        }
        serde_json::Value::Object(o) if o.contains_key("content") => {
            format!("page of {}", o["content"].as_array().map_or(0, Vec::len))
        }
        serde_json::Value::Object(_) => task(value),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
