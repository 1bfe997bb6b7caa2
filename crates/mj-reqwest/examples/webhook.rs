//! Webhook-driven waiting in an axum app: mj's callback route (mj-hooks, feature `axum`)
//! mounted beside the app's own,
//! a client whose submits carry it, and the wait's updates streamed from another task.
//!
//! ```text
//! cargo run -p mj-reqwest --example webhook
//! ```
//!
//! It listens on 127.0.0.1, submits an imagine (to the built-in simulator unless
//! `MJ_BASE_URL` is set; a remote server must be able to reach this address), prints every
//! update as its callback arrives, and exits after the end, which one fetch confirms.

use std::process::ExitCode;

use axum::Router;
use axum::routing::get;
use mj_hooks::Hub;
use mj_reqwest::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<ExitCode, Report> {
    Ok(if run().await? == TaskStatus::Success { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

async fn run() -> Result<TaskStatus, Report> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    // The base the server calls back to, and a secret path drawn from the OS.
    let hooks = Hooks::new(Hub::new(&format!("http://{}", listener.local_addr()?), mj_hooks::secret()?)?);
    println!("receiving callbacks at {hooks}");
    let app = Router::new().route("/health", get(|| async { "ok" })).merge(mj_hooks::router(hooks.clone()));
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The server from MJ_BASE_URL & co.; with nothing set, the built-in simulator (the
    // only use of mj-sim here).
    let (config, _simulator) = match Config::from_env()? {
        Some(config) => (config, None),
        None => {
            let server = mj_sim::Server::start(mj_sim::SimConfig::new(""), 0)?;
            (Config::new(&server.url())?, Some(server))
        }
    };
    let client = Client::new(config).with_settings(Settings::default().hooks(hooks));
    let mut updates = client.submit_and_wait_stream(Imagine::new("a red fox in the snow"));
    // The stream is owned: it runs on a task of its own.
    let follower = tokio::spawn(async move {
        while let Some(update) = updates.next().await {
            match update {
                Ok(task) => println!("update: {} {} {}", task.id, task.status, task.progress.as_deref().unwrap_or("")),
                Err(e) => return Err(e),
            }
        }
        Ok(updates.output())
    });
    match follower.await?? {
        Some(task) => {
            println!("done: {} {}", task.id, task.status);
            Ok(task.status)
        }
        None => Err(Report::msg("the wait ended without a task")),
    }
}
