//! Imagine a prompt, wait for the grid, upscale U1 and wait again, printing progress.
//!
//! ```text
//! cargo run -p mj-ureq --example imagine -- "a red fox in the snow"
//! ```
//!
//! With `MJ_BASE_URL` (and `MJ_API_KEY`, `MJ_AUTH`, `MJ_MODE`) set it talks to that
//! server; otherwise it starts the simulator in-process on 127.0.0.1.

use std::process::ExitCode;

use mj_ureq::prelude::*;
use mj_ureq::{UreqTransport, mj_proto};

fn main() -> ExitCode {
    let prompt = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let prompt = if prompt.trim().is_empty() { "a red fox in the snow".to_owned() } else { prompt };
    let target = match mj_sim::fallback::from_env_or_simulator(|k| std::env::var(k).ok(), mj_sim::SimConfig::new("")) {
        Ok(target) => target,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if let Some(server) = target.server() {
        eprintln!("no MJ_BASE_URL set: using the built-in simulator at {}", server.url());
    }
    let client = mj_ureq::Client::with_transport(UreqTransport::new(), target.config().clone());
    match run(&client, &prompt) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(client: &mj_ureq::Client, prompt: &str) -> Result<(), mj_proto::Error> {
    let progress =
        |task: &Task| println!("  {} {:<12} {}", task.id, task.status, task.progress.as_deref().unwrap_or(""));
    println!("imagine: {prompt}");
    let grid = client.submit_and_wait(Imagine::new(prompt), progress)?;
    println!("grid: {}", grid.result_image_urls().join(" "));
    println!("pressing U1");
    let upscale = client.press_and_wait(&grid, &ButtonKind::Upscale(1), progress)?;
    let json = serde_json::to_string_pretty(&upscale).unwrap_or_default();
    println!("{json}");
    Ok(())
}
