//! The async pool client over real HTTP: two loopback simulators with different profiles,
//! submits spread over both, each task waited for on the member that owns it.

use mj_reqwest::prelude::*;
use mj_sim::{Flavor, Server, SimConfig};

fn sim(flavor: Flavor) -> Server {
    Server::start(SimConfig::new("").flavor(flavor).speed(10.0).capacity(8, 16).seed(4), 0).expect("sim")
}

#[tokio::test]
async fn async_submits_spread_over_two_profiles_without_a_duplicate() {
    let (plus, trueai) = (sim(Flavor::Plus), sim(Flavor::Trueai));
    let config = |url: String, profile| Config::new(&url).expect("config").with_profile(profile);
    let pool = Pool::new(vec![
        Member::new("plus", config(plus.url(), ServerProfile::Plus)).expect("member"),
        Member::new("trueai", config(trueai.url(), ServerProfile::Trueai)).expect("member"),
    ])
    .expect("pool");
    let client = PoolClient::new(pool);
    let waits: Vec<_> = (0..6)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.submit_and_wait(Imagine::new(format!("a fox {n}")), |_, _| {}).await })
        })
        .collect();
    let mut servers = Vec::new();
    for wait in waits {
        let (handle, task) = wait.await.expect("joined").expect("finished");
        assert_eq!(task.status, TaskStatus::Success);
        servers.push(handle.server);
    }
    assert!(servers.iter().any(|s| s == "plus") && servers.iter().any(|s| s == "trueai"), "{servers:?}");
    assert_eq!(plus.stats().total_tasks() + trueai.stats().total_tasks(), 6, "no task twice");
    assert!(client.status().iter().all(|m| m.in_flight == 0));
}
