//! The callback route mounted in an axum app, over real HTTP: mj-sim calls back to it and
//! the async client's waits and streams wake; other paths and methods never reach the
//! hooks. The client runs with the shipped defaults.

use std::time::Duration;

use mj_hooks::Hub;
use mj_reqwest::mj_client::Stream;
use mj_reqwest::prelude::*;
use mj_sim::{Server, SimConfig};

fn count(stats: &mj_sim::Stats, route: &str) -> u64 {
    stats.requests.get(route).copied().unwrap_or(0)
}

#[tokio::test]
async fn the_route_mounted_in_an_app_feeds_the_waits_and_refuses_other_paths() {
    let sim = Server::start(SimConfig::new("").speed(4.0).seed(5), 0).expect("sim");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hooks = Hooks::new(Hub::new(&format!("http://{addr}"), mj_hooks::secret().expect("secret")).expect("hub"));
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .merge(mj_hooks::router(hooks.clone()));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let client =
        Client::new(Config::new(&sim.url()).expect("config")).with_settings(Settings::default().hooks(hooks.clone()));
    let mut updates = client.submit_and_wait_stream(Imagine::new("a fox"));
    // The stream is owned: it runs on a task of its own.
    let shown = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(update) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut updates).poll_next(cx)).await {
            seen.push(update.expect("no error").status);
        }
        (seen, updates.output())
    });
    let (seen, output) = tokio::time::timeout(Duration::from_secs(30), shown).await.expect("in time").expect("joined");
    assert_eq!(output.map(|t| t.status), Some(TaskStatus::Success));
    assert!(seen.contains(&TaskStatus::InProgress), "progress came by callback: {seen:?}");
    let stats = sim.stats();
    assert!(stats.notifications.get("sent").copied().unwrap_or(0) >= 3, "{stats:?}");
    assert!(count(&stats, "task/fetch") <= 2, "a confirmation, and nothing more: {stats:?}");

    // Anything but the hook's path is the app's, and never reaches the hub.
    let http = mj_reqwest::reqwest::Client::new();
    let forged = r#"{"id":"1","status":"SUCCESS","progress":"100%"}"#;
    let wrong = http.post(format!("http://{addr}/mj-hook/{}", "0".repeat(32))).body(forged).send().await.expect("sent");
    assert_eq!(wrong.status(), 404);
    assert!(hooks.latest("1").is_none());
    let get = http.get(format!("http://{addr}{}", hooks.path())).send().await.expect("sent");
    assert_eq!(get.status(), 405);
    let empty = http.post(format!("http://{addr}{}", hooks.path())).send().await.expect("sent");
    assert_eq!(empty.status(), 400);
    server.abort();
}
