//! The async client keeps a server's pacing as the blocking one does: the interval between
//! submits read from the simulator's arrival times, and a cap that refuses before sending.

use std::time::Duration;

use mj_proto::pacing::{Pacing, Rule};
use mj_reqwest::prelude::*;
use mj_sim::{Server, SimConfig};

#[tokio::test(flavor = "current_thread")]
async fn the_async_client_keeps_the_interval_and_the_cap() {
    let server = Server::start(SimConfig::new("").speed(20.0), 0).expect("sim");
    // Counted where it is noon: the test never crosses midnight, where the cap starts afresh.
    let pacing = Pacing::new()
        .min_interval(Duration::from_millis(1200), Duration::ZERO)
        .daily_tasks(2)
        .utc_offset(mj_test_support::noon::noon_offset_secs());
    let client = Client::new(Config::new(&server.url()).expect("config").with_pacing(pacing));
    client.submit(Imagine::new("a red fox")).await.expect("first");
    client.submit(Imagine::new("a blue heron")).await.expect("second, after the interval");
    let e = client.submit(Imagine::new("a third")).await.expect_err("over the cap");
    assert!(matches!(&e, Error::Paced(held) if held.rule == Rule::DailyTasks { cap: 2 }), "{e:?}");
    let arrivals: Vec<u64> = server.stats().created.iter().map(|c| c.at_ms).collect();
    assert_eq!(arrivals.len(), 2);
    assert!(arrivals[1] - arrivals[0] >= 1200, "{arrivals:?}");
}
