//! Callbacks that reach the replica the load balancer picked end the waits of another:
//! two replicas share one public hook URL and secret and a PostgreSQL bus. Over real HTTP
//! (mj-sim calls back replica B; replica A waits), with the shipped defaults.

use std::time::{Duration, Instant};

use mj_hooks::{HookReceiver, Hooks, Hub};
use mj_postgres::{Database, PgBus};
use mj_sim::{Server, SimConfig};
use mj_test_support::postgres::Postgres;
use mj_ureq::prelude::*;

const SECRET: u128 = 0x0123_4567_89ab_cdef_0011_2233_4455_6677;

fn callback(id: &str, status: &str) -> String {
    format!(
        r#"{{"id":"{id}","action":"IMAGINE","status":"{status}","progress":"100%","imageUrl":"http://x.test/{id}.png"}}"#
    )
}

/// Waits up to 5 s for `hooks` to know task `id`.
fn heard(hooks: &Hooks, id: &str) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        if hooks.latest(id).is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[test]
fn a_callback_taken_by_one_replica_reaches_the_others_even_across_a_dropped_connection() {
    let pg = Postgres::start();
    let db = Database::parse(&pg.url()).expect("url");
    let [a, b, c] = std::array::from_fn(|_| Hooks::new(Hub::new("https://app.example.com", SECRET).expect("hub")));
    let (_a_bus, _b_bus) = (PgBus::attach(&db, &a).expect("a"), PgBus::attach(&db, &b).expect("b"));
    // c is not on the bus: it learns only what reaches it.
    let (scoped_a, scoped_b) = (a.scoped("eu"), b.scoped("eu"));

    assert_eq!(b.accept(b.path(), callback("t1", "SUCCESS").as_bytes()).status(), 204);
    assert!(heard(&a, "t1"), "a heard of b's callback");
    assert!(c.latest("t1").is_none());
    // A pool member's scope goes with it, and only there.
    assert_eq!(scoped_b.accept(scoped_b.path(), callback("t2", "SUCCESS").as_bytes()).status(), 204);
    assert!(heard(&scoped_a, "t2") && a.latest("t2").is_none(), "a scope's callback stays in the scope");
    // A forged callback (wrong path) is refused where it lands and never published.
    assert_eq!(b.accept("/mj-hook/forged", callback("t3", "SUCCESS").as_bytes()).status(), 404);

    // Every connection cut (as a failover does); what is published meanwhile is read
    // after the reconnect.
    let mut admin = postgres::Client::connect(&pg.url(), postgres::NoTls).expect("admin");
    admin
        .execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'mj'", &[])
        .expect("cut");
    assert_eq!(b.accept(b.path(), callback("t4", "SUCCESS").as_bytes()).status(), 204);
    assert!(heard(&a, "t4"), "a caught up after its reconnect");
    assert!(a.latest("t3").is_none());

    // The database restarts: the bus comes back by itself.
    pg.stop();
    pg.start_again();
    assert_eq!(b.accept(b.path(), callback("t5", "SUCCESS").as_bytes()).status(), 204);
    assert!(heard(&a, "t5"), "a heard after the restart");

    // What the bus keeps holds the hook's secret nowhere (a server may echo its URL).
    let echoed = format!(
        r#"{{"id":"t6","status":"SUCCESS","properties":{{"notifyHook":"https://app.example.com{}"}}}}"#,
        b.path()
    );
    assert_eq!(b.accept(b.path(), echoed.as_bytes()).status(), 204);
    assert!(heard(&a, "t6"));
    let mut admin = postgres::Client::connect(&pg.url(), postgres::NoTls).expect("admin");
    let rows = admin.query("SELECT convert_from(body, 'UTF8') FROM mj_hook_events", &[]).expect("rows");
    let secret = format!("{SECRET:032x}");
    assert!(rows.len() >= 4 && rows.iter().all(|r| !r.get::<_, &str>(0).contains(&secret)), "the secret is stored");
}

/// Replica B receives the server's callbacks; replica A (no receiver of its own) waits.
/// The time from B taking a task's end to A's wait returning, p50 over ten tasks, is
/// within 0.3 s; without the bus, A finds the end only by polling.
#[test]
fn a_callback_to_replica_b_ends_the_wait_in_replica_a_within_0_3_s() {
    let pg = Postgres::start();
    let db = Database::parse(&pg.url()).expect("url");
    let sim = Server::start(SimConfig::new("").speed(10.0).capacity(20, 20), 0).expect("sim");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
    let public = format!("http://127.0.0.1:{port}");
    let b = Hooks::new(Hub::new(&public, SECRET).expect("hub"));
    let _receiver = HookReceiver::feeding(("127.0.0.1", port), b.clone()).expect("b listens");
    let _b_bus = PgBus::attach(&db, &b).expect("b on the bus");
    let a = Hooks::new(Hub::new(&public, SECRET).expect("hub"));
    let a_bus = PgBus::attach(&db, &a).expect("a on the bus");
    let client =
        Client::new(Config::new(&sim.url()).expect("config")).with_settings(Settings::default().hooks(a.clone()));

    let lag = |client: &Client, prompt: String| {
        let submitted = client.submit(Imagine::new(prompt)).expect("submitted");
        let id = submitted.task_id.clone();
        // When B takes the end: watched at 1 ms.
        let watcher = {
            let b = b.clone();
            std::thread::spawn(move || {
                loop {
                    if b.latest(&id).is_some_and(|t| t.is_terminal()) {
                        return Instant::now();
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
        };
        let task = client.wait(submitted.task_id.as_str()).expect("finished");
        let ended = Instant::now();
        assert_eq!(task.status, TaskStatus::Success);
        ended.saturating_duration_since(watcher.join().expect("watched"))
    };
    let mut lags: Vec<Duration> = (0..10).map(|n| lag(&client, format!("a heron {n}"))).collect();
    lags.sort();
    let p50 = lags[lags.len() / 2];
    eprintln!("bus: B's callback to A's wait ending, sorted: {lags:?}");
    assert!(p50 <= Duration::from_millis(300), "p50 {p50:?}: {lags:?}");

    // The control: off the bus, A learns the end only by polling (every 4 s by default).
    drop(a_bus);
    let mut polled: Vec<Duration> = (0..3).map(|n| lag(&client, format!("a crane {n}"))).collect();
    polled.sort();
    eprintln!("no bus: {polled:?}");
    assert!(polled[1] > p50 * 2 && polled[2] > Duration::from_millis(300), "{polled:?} against {p50:?}");
}
