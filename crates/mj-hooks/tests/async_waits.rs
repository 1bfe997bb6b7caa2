//! The receiver under the async client over real HTTP: mj-sim calls back, with its
//! callback faults, to the standalone receiver (its own threads, no runtime) and the
//! async waits wake. Every client runs with the shipped defaults.

use std::time::Duration;

use mj_hooks::HookReceiver;
use mj_reqwest::prelude::*;
use mj_sim::{FaultPlan, Server, SimConfig};

fn sim(faults: &str, speed: f64) -> Server {
    let faults: FaultPlan = faults.parse().expect("faults");
    Server::start(SimConfig::new("").speed(speed).capacity(32, 64).faults(faults).seed(5), 0).expect("sim")
}

fn count(stats: &mj_sim::Stats, route: &str) -> u64 {
    stats.requests.get(route).copied().unwrap_or(0)
}

#[tokio::test]
async fn faulty_callbacks_finish_every_task_once_on_the_standalone_receiver() {
    let sim = sim("hook_drop=0.3,hook_dup=0.3,hook_delay_ms=800", 2.0);
    let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
    let client = Client::new(Config::new(&sim.url()).expect("config"))
        .with_settings(Settings::default().hooks(receiver.hooks()));
    let waits: Vec<_> = (0..16)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.submit_and_wait(Imagine::new(format!("a fox {n}")), |_| {}).await })
        })
        .collect();
    let mut ids = Vec::new();
    for wait in waits {
        let task = wait.await.expect("joined").expect("finished");
        assert_eq!(task.status, TaskStatus::Success);
        ids.push(task.id);
    }
    let stats = sim.stats();
    assert_eq!(stats.total_tasks(), 16, "no duplicate");
    assert!(stats.duplicated_states().is_empty());
    assert!(stats.created.iter().all(|c| ids.contains(&c.id)), "no orphan");
    let fetches = count(&stats, "task/fetch");
    assert!(fetches <= 16 * 2, "{fetches} fetches for 16 tasks: {stats:?}");
}

/// The standalone receiver reads chunked callbacks, and idle connections (no secret
/// needed to open them) do not keep callbacks out: a wait with 64 of them open ends no
/// more than 1 s later than without.
#[tokio::test]
async fn chunked_callbacks_are_read_and_idle_connections_delay_no_wait() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sim = sim("", 5.0);
    let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
    let hooks = receiver.hooks();
    let raw = format!(
        "POST {} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{}",
        hooks.path(),
        "11\r\n{\"id\":\"chunky\",\"s\r\n20\r\ntatus\":\"IN_PROGRESS\",\"progress\":\r\n6\r\n\"42%\"}\r\n0\r\n\r\n"
    );
    let mut stream = tokio::net::TcpStream::connect(receiver.local_addr()).await.expect("connect");
    stream.write_all(raw.as_bytes()).await.expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("answer");
    assert!(answer.starts_with("HTTP/1.1 204"), "{answer}");
    assert_eq!(hooks.latest("chunky").and_then(|t| t.progress), Some("42%".to_owned()));

    let client = Client::new(Config::new(&sim.url()).expect("config")).with_settings(Settings::default().hooks(hooks));
    let started = std::time::Instant::now();
    client.submit_and_wait(Imagine::new("a fox"), |_| {}).await.expect("finished");
    let calm = started.elapsed();
    let mut idle = Vec::new();
    for _ in 0..64 {
        idle.push(tokio::net::TcpStream::connect(receiver.local_addr()).await.expect("idle"));
    }
    let started = std::time::Instant::now();
    client.submit_and_wait(Imagine::new("a fox"), |_| {}).await.expect("finished");
    let crowded = started.elapsed();
    drop(idle);
    assert!(crowded <= calm + Duration::from_secs(1), "{crowded:?} with 64 idle connections, {calm:?} without");
}
