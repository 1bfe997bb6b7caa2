//! The async client on the same PostgreSQL stores: pacing claimed in the database from
//! inside a tokio runtime (the stores run their queries on threads of their own, so the
//! blocking driver never starts a runtime inside this one), and a wait that ends through
//! the callback bus.

use std::sync::Arc;
use std::time::Duration;

use mj_hooks::{HookReceiver, Hooks, Hub};
use mj_postgres::{Database, PgBus, PgPacing};
use mj_reqwest::prelude::*;
use mj_sim::{Server, SimConfig};
use mj_test_support::postgres::Postgres;

const SECRET: u128 = 0xfeed_0000_0000_0000_0000_0000_0000_beef;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_client_paces_in_the_database_and_hears_another_replicas_callbacks() {
    let pg = Postgres::start();
    let db = Database::parse(&pg.url()).expect("url");
    let sim = Server::start(SimConfig::new("").speed(10.0), 0).expect("sim");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
    let public = format!("http://127.0.0.1:{port}");
    let b = Hooks::new(Hub::new(&public, SECRET).expect("hub"));
    let _receiver = HookReceiver::feeding(("127.0.0.1", port), b.clone()).expect("b listens");
    let _b_bus = PgBus::attach(&db, &b).expect("b on the bus");
    let a = Hooks::new(Hub::new(&public, SECRET).expect("hub"));
    let _a_bus = PgBus::attach(&db, &a).expect("a on the bus");

    let pacing = mj_client::mj_proto::pacing::Pacing::new().min_interval(Duration::from_millis(800), Duration::ZERO);
    let store = Arc::new(PgPacing::connect(&db).expect("pacing"));
    let config = Config::new(&sim.url()).expect("config").with_pacing(pacing);
    let client = Client::new(config).with_settings(Settings::default().hooks(a.clone()).pacing_store(store.clone()));
    for n in 0..3 {
        let task = client.submit_and_wait(Imagine::new(format!("a crane {n}")), |_| {}).await.expect("finished");
        assert_eq!(task.status, TaskStatus::Success);
        // A has no receiver: what its hooks know of the task came through the bus.
        let heard = a.latest(&task.id).expect("the bus brought B's callbacks");
        assert!(heard.is_terminal(), "{heard:?}");
    }
    let arrivals: Vec<u64> = sim.stats().created.iter().map(|c| c.at_ms).collect();
    assert_eq!(arrivals.len(), 3);
    assert!(arrivals.windows(2).all(|p| p[1] - p[0] >= 800), "the interval, kept in the database: {arrivals:?}");
    let tallies = store.tallies().expect("tallies");
    assert_eq!(tallies.len(), 1);
    assert_eq!(tallies[0].1.tasks, 3, "{tallies:?}");
}
