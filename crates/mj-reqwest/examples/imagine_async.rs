//! The async twin of mj-ureq's `imagine` example (named apart so the two binaries do not
//! collide in the shared target folder): imagine, wait, upscale U1, wait, printing progress.
//!
//! ```text
//! cargo run -p mj-reqwest --example imagine_async -- "a red fox in the snow"
//! ```
//!
//! With `MJ_BASE_URL` (and `MJ_API_KEY`, `MJ_PROFILE`, `MJ_AUTH`, `MJ_MODE`) set it talks
//! to that server; otherwise it starts the simulator in-process on 127.0.0.1. Only that
//! fallback needs mj-sim: leave it out in production. An error is printed as `main`
//! prints a [`Report`]: its message, then each cause on a line of its own.

use mj_reqwest::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Report> {
    let prompt = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let prompt = if prompt.trim().is_empty() { "a red fox in the snow".to_owned() } else { prompt };
    let (config, _simulator) = match Config::from_env()? {
        Some(config) => (config, None),
        None => {
            let server = mj_sim::Server::start(mj_sim::SimConfig::new(""), 0)?;
            eprintln!("no MJ_BASE_URL set: using the built-in simulator at {}", server.url());
            (Config::new(&server.url())?, Some(server))
        }
    };
    let client = Client::new(config);
    let progress =
        |task: &Task| println!("  {} {:<12} {}", task.id, task.status, task.progress.as_deref().unwrap_or(""));
    println!("imagine: {prompt}");
    let grid = client.submit_and_wait(Imagine::new(prompt), progress).await?;
    println!("grid: {}", grid.result_image_urls().join(" "));
    println!("pressing U1");
    let upscale = client.press_and_wait(&grid, &ButtonKind::Upscale(1), progress).await?;
    println!("{}", serde_json::to_string_pretty(&upscale)?);
    Ok(())
}
