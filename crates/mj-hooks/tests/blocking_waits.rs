//! Webhook-driven waits over real HTTP: mj-sim calls back to a [`HookReceiver`] on
//! loopback, with its callback faults, and forged callbacks try to mislead the waits.
//! Every client here runs with the shipped defaults.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use mj_hooks::{HookReceiver, MAX_CALLBACK_BODY};
use mj_sim::{FaultPlan, Server, SimConfig};
use mj_ureq::prelude::*;

fn sim(faults: &str, speed: f64) -> Server {
    let faults: FaultPlan = faults.parse().expect("faults");
    Server::start(SimConfig::new("").speed(speed).capacity(32, 64).faults(faults).seed(11), 0).expect("sim")
}

fn hooked_client(sim: &Server, receiver: &HookReceiver) -> Client {
    Client::new(Config::new(&sim.url()).expect("config")).with_settings(Settings::default().hooks(receiver.hooks()))
}

/// POSTs `body` to `path` on `addr` and returns the status.
fn post(addr: SocketAddr, path: &str, body: &str) -> u16 {
    send(addr, &format!("POST {path} HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n{body}", body.len()))
}

/// Sends `raw` and returns the answer's status.
fn send(addr: SocketAddr, raw: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.write_all(raw.as_bytes()).expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn count(stats: &mj_sim::Stats, route: &str) -> u64 {
    stats.requests.get(route).copied().unwrap_or(0)
}

#[test]
fn callbacks_dropped_duplicated_and_reordered_still_finish_every_task_exactly_once() {
    let sim = sim("hook_drop=0.3,hook_dup=0.3,hook_delay_ms=800", 2.0);
    let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
    let client = hooked_client(&sim, &receiver);
    let started = Instant::now();
    let workers: Vec<_> = (0..12)
        .map(|n| {
            let client = client.clone();
            std::thread::spawn(move || client.submit_and_wait(Imagine::new(format!("a fox {n}")), |_| {}))
        })
        .collect();
    let tasks: Vec<Task> = workers.into_iter().map(|w| w.join().expect("no panic").expect("finished")).collect();
    let stats = sim.stats();
    assert_eq!(tasks.len(), 12);
    assert!(tasks.iter().all(|t| t.status == TaskStatus::Success));
    assert_eq!(stats.total_tasks(), 12, "no duplicate: {:?}", stats.created);
    assert!(stats.duplicated_states().is_empty());
    let ours: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
    assert!(stats.created.iter().all(|c| ours.contains(&c.id.as_str())), "no orphan: {:?}", stats.created);
    let hooks = &stats.notifications;
    assert!(hooks.get("dropped").copied().unwrap_or(0) > 0 && hooks.get("duplicated").copied().unwrap_or(0) > 0);
    // Submits, then fetches that confirm ends or catch a dropped callback: far fewer than
    // polling (a 2.5 s task polled every 4 s from its submit costs 2 fetches at least).
    let fetches = count(&stats, "task/fetch");
    assert!(fetches <= 12 * 2, "{fetches} fetches for 12 tasks: {stats:?}");
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn with_every_callback_dropped_the_waits_finish_by_polling() {
    let sim = sim("hook_drop=1.0", 4.0);
    let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
    let client = hooked_client(&sim, &receiver);
    let task = client.submit_and_wait(Imagine::new("a fox"), |_| {}).expect("finished");
    assert_eq!(task.status, TaskStatus::Success);
    let stats = sim.stats();
    assert_eq!(stats.notifications.get("sent"), None, "{stats:?}");
    assert_eq!(stats.total_tasks(), 1);
}

#[test]
fn forged_callbacks_change_nothing_and_a_contradicted_end_is_not_believed() {
    // Slow tasks (5 s), so that the forgeries land while the task is still running.
    let sim = sim("", 1.0);
    let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
    let client = hooked_client(&sim, &receiver);
    let addr = receiver.local_addr();
    let path = receiver.hooks().path().to_owned();

    let submitted = client.submit(Imagine::new("a fox")).expect("submitted");
    let id = submitted.task_id.clone();
    let waiter = {
        let (client, id) = (client.clone(), id.clone());
        std::thread::spawn(move || client.wait(&id))
    };
    std::thread::sleep(Duration::from_millis(600));
    let forged = format!(
        r#"{{"id":"{id}","status":"SUCCESS","progress":"100%","imageUrl":"http://127.0.0.1:1/forged.png","finishTime":1}}"#
    );

    // A wrong path: refused unread, the hub never sees it.
    let wrong = format!("/mj-hook/{}", "0".repeat(32));
    assert_eq!(post(addr, &wrong, &forged), 404);
    assert_eq!(post(addr, "/", &forged), 404);
    assert!(receiver.hooks().latest(&id).is_none_or(|t| t.status != TaskStatus::Success));

    // An id nobody waits for, on the right path: taken, and nothing else moves.
    let unknown = r#"{"id":"999999","status":"SUCCESS","progress":"100%"}"#;
    assert_eq!(post(addr, &path, unknown), 204);
    assert_eq!(sim.stats().total_tasks(), 1);

    // Not a task: 400. Too big: 413, unread.
    assert_eq!(post(addr, &path, ""), 400);
    let too_big = MAX_CALLBACK_BODY + 1;
    assert_eq!(send(addr, &format!("POST {path} HTTP/1.1\r\ncontent-length: {too_big}\r\n\r\n")), 413);
    assert_eq!(send(addr, &format!("GET {path} HTTP/1.1\r\ncontent-length: 0\r\n\r\n")), 405);

    // A forged end on the right path: the confirming fetch says otherwise.
    let before = sim.stats();
    assert_eq!(post(addr, &path, &forged), 204);
    let task = waiter.join().expect("no panic").expect("the real end");
    assert_eq!(task.status, TaskStatus::Success);
    assert_ne!(task.image_url.as_deref(), Some("http://127.0.0.1:1/forged.png"), "the forgery was not believed");
    assert!(task.finish_time.is_some_and(|t| t.as_millis() > 1));
    let after = sim.stats();
    assert!(count(&after, "task/fetch") > count(&before, "task/fetch"), "the forged end was checked");
    assert_eq!(after.total_tasks(), 1, "nothing submitted again");
}

#[test]
fn a_trickling_caller_does_not_hold_up_the_others() {
    let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
    let addr = receiver.local_addr();
    let mut slow = TcpStream::connect(addr).expect("connect");
    slow.write_all(b"POST /mj-hook/").expect("write");
    // Meanwhile another caller is served at once.
    let started = Instant::now();
    assert_eq!(post(addr, "/elsewhere", "{}"), 404);
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(slow);
}

/// HTTP/1.1 receivers must take chunked bodies: one is read (under the same cap) and
/// reaches the waits; one over the cap is 413; a malformed one is 400.
#[test]
fn a_chunked_callback_is_read_under_the_same_cap() {
    let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
    let (addr, hooks) = (receiver.local_addr(), receiver.hooks());
    let chunked = |chunks: &[&str]| {
        let mut raw = format!("POST {} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n", hooks.path());
        for chunk in chunks {
            raw.push_str(&format!("{:x};ext=1\r\n{chunk}\r\n", chunk.len()));
        }
        raw + "0\r\ntrailer: yes\r\n\r\n"
    };
    let task = r#"{"id":"chunky","status":"IN_PROGRESS","progress":"42%"}"#;
    let (a, b) = task.split_at(17);
    assert_eq!(send(addr, &chunked(&[a, b])), 204);
    assert_eq!(hooks.latest("chunky").and_then(|t| t.progress), Some("42%".to_owned()));
    let big = "x".repeat(600 * 1024);
    assert_eq!(send(addr, &chunked(&[&big, &big])), 413, "over the cap, counted across chunks");
    let bad = format!("POST {} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", hooks.path());
    assert_eq!(send(addr, &bad), 400);
}

/// Idle connections (no secret needed to open them) do not keep callbacks out: a wait
/// with 64 of them open against its receiver ends no more than 1 s later than without.
#[test]
fn idle_connections_do_not_delay_a_wait() {
    let sim = sim("", 5.0);
    let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
    let client = hooked_client(&sim, &receiver);
    let timed = |client: &Client| {
        let started = Instant::now();
        client.submit_and_wait(Imagine::new("a fox"), |_| {}).expect("finished");
        started.elapsed()
    };
    let calm = timed(&client);
    let idle: Vec<TcpStream> = (0..64).map(|_| TcpStream::connect(receiver.local_addr()).expect("idle")).collect();
    let crowded = timed(&client);
    drop(idle);
    assert!(crowded <= calm + Duration::from_secs(1), "{crowded:?} with 64 idle connections, {calm:?} without");
    let notified = sim.stats().notifications.get("sent").copied().unwrap_or(0);
    assert!(notified > 0, "{:?}", sim.stats().notifications);
}
