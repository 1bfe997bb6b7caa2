//! A notifyHook receiver: an axum route that turns callback POSTs into typed tasks.
//!
//! ```text
//! cargo run -p mj-reqwest --example webhook
//! ```
//!
//! It listens on 127.0.0.1, submits an imagine whose `notifyHook` points at itself (to the
//! built-in simulator unless `MJ_BASE_URL` is set; a remote server must be able to reach
//! this address), prints every update as it arrives, and exits after SUCCESS or FAILURE.

use std::process::ExitCode;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use mj_reqwest::prelude::*;
use tokio::sync::mpsc;

/// The receiver: parse, hand on, answer 204 (or 400 for a body that is not a task).
async fn hook(State(updates): State<mpsc::UnboundedSender<Task>>, body: Bytes) -> StatusCode {
    // The body as axum hands it over: no glue.
    match mj_reqwest::webhook::parse(body) {
        Ok(task) => {
            let _ = updates.send(task);
            StatusCode::NO_CONTENT
        }
        Err(e) => {
            eprintln!("rejected a callback: {e}");
            StatusCode::BAD_REQUEST
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (tx, mut updates) = mpsc::unbounded_channel();
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    let hook_url = match listener.local_addr() {
        Ok(addr) => format!("http://{addr}/hook"),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let app = Router::new().route("/hook", post(hook)).with_state(tx);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("receiving callbacks at {hook_url}");

    // The server from MJ_BASE_URL & co.; with nothing set, the built-in simulator (the
    // only use of mj-sim here).
    let (config, _simulator) = match Config::from_env() {
        Ok(Some(config)) => (config, None),
        Ok(None) => match mj_sim::Server::start(mj_sim::SimConfig::new(""), 0) {
            Ok(server) => match Config::new(&server.url()) {
                Ok(config) => (config, Some(server)),
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::FAILURE;
                }
            },
            Err(e) => {
                eprintln!("simulator: {e}");
                return ExitCode::FAILURE;
            }
        },
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let client = Client::new(config);
    let submitted = match client.submit(Imagine::new("a red fox in the snow").notify_hook(&hook_url)).await {
        Ok(submitted) => submitted,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("submitted task {}", submitted.task_id);
    while let Some(task) = updates.recv().await {
        println!("callback: {} {} {}", task.id, task.status, task.progress.as_deref().unwrap_or(""));
        if task.id == submitted.task_id && task.is_terminal() {
            return if task.status == TaskStatus::Success { ExitCode::SUCCESS } else { ExitCode::FAILURE };
        }
    }
    ExitCode::FAILURE
}
