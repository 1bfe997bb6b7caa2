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
    let client = Client::new(pool);
    let waits: Vec<_> = (0..6)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.submit_and_wait(Imagine::new(format!("a fox {n}")), |_| {}).await })
        })
        .collect();
    let mut servers = Vec::new();
    for wait in waits {
        let task = wait.await.expect("joined").expect("finished");
        assert_eq!(task.status, TaskStatus::Success);
        servers.push(task.handle().server.expect("named"));
    }
    assert!(servers.iter().any(|s| s == "plus") && servers.iter().any(|s| s == "trueai"), "{servers:?}");
    assert_eq!(plus.stats().total_tasks() + trueai.stats().total_tasks(), 6, "no task twice");
    assert!(client.status().iter().all(|m| m.in_flight == 0));
}

#[tokio::test]
async fn each_member_calls_back_into_its_scope_of_the_async_receiver() {
    let (plus, trueai) = (sim(Flavor::Plus), sim(Flavor::Trueai));
    let pool = Pool::new(vec![
        Member::new("plus", Config::new(&plus.url()).expect("config")).expect("member"),
        Member::new("trueai", Config::new(&trueai.url()).expect("config")).expect("member"),
    ])
    .expect("pool");
    let receiver = mj_hooks::HookReceiver::start("127.0.0.1:0", None).expect("receiver");
    let hooks = receiver.hooks();
    let client = Client::new(pool).with_settings(Settings::default().hooks(hooks.clone()));
    let waits: Vec<_> = (0..4)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.submit_and_wait(Imagine::new(format!("a fox {n}")), |_| {}).await })
        })
        .collect();
    for wait in waits {
        let task = wait.await.expect("joined").expect("finished");
        assert_eq!(task.status, TaskStatus::Success);
        let handle = task.handle();
        let heard = hooks.scoped(handle.server.as_deref().expect("named")).latest(&handle.id).map(|t| t.status);
        assert_eq!(heard, Some(TaskStatus::Success), "{handle} called back into its scope");
        assert!(hooks.latest(&handle.id).is_none(), "nothing lands in the shared scope");
    }
    // An unknown scope is not routed: 404, and the hub never sees it.
    let stranger = format!("{}/nobody", hooks.url());
    let answer = reqwest::Client::new().post(&stranger).body(r#"{"id":"1","status":"SUCCESS"}"#).send().await;
    assert_eq!(answer.expect("answered").status().as_u16(), 404);
}
