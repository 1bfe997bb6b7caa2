//! Pacing over real HTTP, with the shipped defaults otherwise: the interval between two
//! submits to a server, read from the simulator's arrival times; a daily cap that refuses
//! the next submit before any request; moderation strikes that put a server to rest; and
//! a pool that sends each submit to a member whose rules admit it.

use std::time::Duration;

use mj_proto::pacing::{Cooldown, Pacing, Rule};
use mj_sim::{Server, SimConfig};
use mj_ureq::prelude::*;

fn sim() -> Server {
    Server::start(SimConfig::new("").speed(20.0), 0).expect("sim")
}

fn submits(server: &Server) -> u64 {
    server.stats().requests.iter().filter(|(route, _)| route.starts_with("submit/")).map(|(_, n)| n).sum()
}

#[test]
fn submits_keep_the_servers_minimum_interval() {
    let server = sim();
    let pacing = Pacing::new().min_interval(Duration::from_millis(1500), Duration::from_millis(300));
    let client = Client::new(Config::new(&server.url()).expect("config").with_pacing(pacing));
    for n in 0..3 {
        client.submit(Imagine::new(format!("a red fox {n}"))).expect("submitted");
    }
    let arrivals: Vec<u64> = server.stats().created.iter().map(|c| c.at_ms).collect();
    assert_eq!(arrivals.len(), 3);
    for pair in arrivals.windows(2) {
        let gap = pair[1] - pair[0];
        assert!((1500..2300).contains(&gap), "{gap} ms between two submits: {arrivals:?}");
    }
}

#[test]
fn a_daily_cap_refuses_the_next_submit_before_any_request() {
    let server = sim();
    // Counted where it is noon: the test never crosses midnight, where the cap starts afresh.
    let pacing = Pacing::new().daily_tasks(2).daily_images(100).utc_offset(mj_test_support::noon::noon_offset_secs());
    let client = Client::new(Config::new(&server.url()).expect("config").with_pacing(pacing));
    client.submit(Imagine::new("a red fox")).expect("first");
    client.submit(Imagine::new("a blue heron")).expect("second");
    let before = submits(&server);
    let e = client.submit(Imagine::new("a third")).expect_err("over the cap");
    let Error::Paced(held) = &e else { panic!("{e:?}") };
    assert_eq!(held.rule, Rule::DailyTasks { cap: 2 });
    assert_eq!(held.tasks_today, 2);
    assert!(e.to_string().contains("the daily cap of 2 tasks"), "{e}");
    assert_eq!(e.kind(), ErrorKind::Paced);
    assert!(e.created_nothing());
    assert_eq!(submits(&server), before, "nothing was sent");
    assert_eq!(server.stats().created.len(), 2);
}

#[test]
fn moderation_strikes_rest_the_server_and_are_never_sent_again() {
    let server = sim();
    let cooldown = Cooldown { after: 2, window: Duration::from_secs(3600), rest: Duration::from_secs(6 * 3600) };
    let pacing = Pacing::new().cooldown(cooldown);
    let client = Client::new(Config::new(&server.url()).expect("config").with_pacing(pacing));
    // A banned word is refused at the submit (code 24); a moderated one fails the task.
    let refused = client.submit(Imagine::new("a nude statue")).expect_err("banned");
    assert!(refused.is_moderation() && !refused.is_retryable(), "{refused:?}");
    let failed = client.submit_and_wait(Imagine::new("a bloody battle"), |_| {}).expect_err("moderated");
    assert!(failed.is_moderation(), "{failed:?}");
    let before = submits(&server);
    let rested = client.submit(Imagine::new("a red fox")).expect_err("resting");
    let Error::Paced(held) = &rested else { panic!("{rested:?}") };
    assert_eq!(held.rule, Rule::Cooldown);
    assert_eq!(submits(&server), before, "a resting server is sent nothing");
    let stats = server.stats();
    assert_eq!(stats.moderated, 2);
    assert_eq!(stats.requests.get("submit/imagine"), Some(&2), "each prompt sent once: {:?}", stats.requests);
}

#[test]
fn a_pool_sends_each_submit_to_a_member_whose_rules_admit_it() {
    let (a, b) = (sim(), sim());
    let slow = Pacing::new().min_interval(Duration::from_secs(3600), Duration::ZERO);
    let pool = Pool::new(vec![
        Member::new("a", Config::new(&a.url()).expect("a").with_pacing(slow.clone())).expect("a"),
        Member::new("b", Config::new(&b.url()).expect("b").with_pacing(slow)).expect("b"),
    ])
    .expect("pool");
    let client = Client::new(pool).with_settings(Settings::default().deadline(Duration::from_secs(2)));
    let first = client.submit(Imagine::new("one")).expect("one member admits it");
    let second = client.submit(Imagine::new("two")).expect("the other member admits it");
    assert_ne!(first.server, second.server, "each went where the interval allowed");
    let e = client.submit(Imagine::new("three")).expect_err("both hold it past the deadline");
    assert_eq!(e.kind(), ErrorKind::Paced, "{e}");
    assert_eq!((a.stats().created.len(), b.stats().created.len()), (1, 1));
}
