//! The async twin of mj-ureq's `imagine` example (named apart so the two binaries do not
//! collide in the shared target folder): imagine, wait, upscale U1, wait, printing progress.
//!
//! ```text
//! cargo run -p mj-reqwest --example imagine_async -- "a red fox in the snow"
//! ```
//!
//! With `MJ_BASE_URL` (and `MJ_API_KEY`, `MJ_PROFILE`, `MJ_AUTH`, `MJ_MODE`) set it talks
//! to that server; otherwise it starts the simulator in-process on 127.0.0.1. Only
//! `simulator()` needs mj-sim: leave it out in production.

use std::process::ExitCode;

use mj_reqwest::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let prompt = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let prompt = if prompt.trim().is_empty() { "a red fox in the snow".to_owned() } else { prompt };
    let (config, _simulator) = match Config::from_env() {
        Ok(Some(config)) => (config, None),
        Ok(None) => match simulator() {
            Ok((config, server)) => (config, Some(server)),
            Err(message) => {
                eprintln!("{message}");
                return ExitCode::FAILURE;
            }
        },
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let client = Client::new(config);
    match run(&client, &prompt).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(client: &Client, prompt: &str) -> mj_reqwest::Result<()> {
    let progress =
        |task: &Task| println!("  {} {:<12} {}", task.id, task.status, task.progress.as_deref().unwrap_or(""));
    println!("imagine: {prompt}");
    let grid = client.submit_and_wait(Imagine::new(prompt), progress).await?;
    println!("grid: {}", grid.result_image_urls().join(" "));
    println!("pressing U1");
    let upscale = client.press_and_wait(&grid, &ButtonKind::Upscale(1), progress).await?;
    let json = serde_json::to_string_pretty(&upscale).unwrap_or_default();
    println!("{json}");
    Ok(())
}

/// Nothing configured: the built-in simulator on a free loopback port (it stops when the
/// returned server is dropped).
fn simulator() -> Result<(Config, mj_sim::Server), String> {
    let server = mj_sim::Server::start(mj_sim::SimConfig::new(""), 0).map_err(|e| format!("simulator: {e}"))?;
    eprintln!("no MJ_BASE_URL set: using the built-in simulator at {}", server.url());
    let config = Config::new(&server.url()).map_err(|e| e.to_string())?;
    Ok((config, server))
}
