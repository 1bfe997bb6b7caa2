//! A pool of servers over real HTTP: loopback simulators, a refused port and a server that
//! loses a submit's answer, with the shipped defaults. Counted on the servers' side: no
//! task twice, none sent to a second member when the first may have made it.

use mj_hooks::HookReceiver;
use mj_sim::{Flavor, Server, SimConfig};
use mj_test_support::hostile::{Answer, Hostile};
use mj_test_support::refused::Refused;
use mj_ureq::prelude::*;

fn sim(flavor: Flavor) -> Server {
    Server::start(SimConfig::new("").flavor(flavor).speed(10.0).capacity(8, 16).seed(9), 0).expect("sim")
}

fn member(name: &str, url: &str) -> Member {
    Member::new(name, Config::new(url).expect("config")).expect("member")
}

#[test]
fn submits_spread_over_members_and_each_task_is_asked_of_its_owner() {
    let (plus, trueai) = (sim(Flavor::Plus), sim(Flavor::Trueai));
    let pool = Pool::new(vec![member("plus", &plus.url()), member("trueai", &trueai.url())]).expect("pool");
    let client = Client::new(pool);
    let workers: Vec<_> = (0..6)
        .map(|n| {
            let client = client.clone();
            std::thread::spawn(move || client.submit_and_wait(Imagine::new(format!("a fox {n}")), |_| {}))
        })
        .collect();
    let done: Vec<Task> = workers.into_iter().map(|w| w.join().expect("no panic").expect("finished")).collect();
    let on = |name: &str| done.iter().filter(|t| t.server.as_deref() == Some(name)).count();
    assert!(on("plus") >= 2 && on("trueai") >= 2, "spread: {} and {}", on("plus"), on("trueai"));
    assert_eq!(plus.stats().total_tasks() + trueai.stats().total_tasks(), 6, "no task twice");
    assert!(client.status().iter().all(|m| m.in_flight == 0), "{:?}", client.status());

    // A handle goes to its owner only; the other server is never asked.
    let grid = done.iter().find(|t| t.server.as_deref() == Some("trueai")).expect("one on trueai").clone();
    let handle = grid.handle();
    assert_eq!(handle.to_string(), format!("trueai:{}", grid.id));
    let asked_of_plus = plus.stats().requests.get("task/fetch").copied().unwrap_or(0);
    assert_eq!(client.fetch(&handle).expect("fetched").map(|t| t.id), Some(handle.id.clone()));
    assert_eq!(plus.stats().requests.get("task/fetch").copied().unwrap_or(0), asked_of_plus);
    let upscale = client.press(&grid, &ButtonKind::Upscale(1)).expect("pressed");
    assert_eq!(upscale.server.as_deref(), Some("trueai"), "a button is pressed where its task lives");
    assert_eq!(client.wait_with(&upscale, |_| {}).expect("upscaled").status, TaskStatus::Success);
    assert_eq!(trueai.stats().tasks_created.get("UPSCALE"), Some(&1));
    let unknown: mj_proto::model::TaskHandle = "nowhere:1".parse().expect("handle");
    assert!(client.fetch(&unknown).is_err());
}

#[test]
fn a_refused_port_fails_over_at_once_and_sits_out() {
    let up = sim(Flavor::Plus);
    let down = Refused::new();
    let pool = Pool::new(vec![member("down", &down.url("http")).weight(5), member("up", &up.url())]).expect("pool");
    let client = Client::new(pool);
    let placed = client.submit(Imagine::new("a fox")).expect("placed");
    assert_eq!(placed.server.as_deref(), Some("up"));
    let down_status = client.status().into_iter().find(|m| m.name == "down").expect("down");
    assert!(down_status.unanswered == 1 && down_status.cooling_for.is_some(), "{down_status:?}");
    // While it cools down, submits go straight to the member that is up.
    assert_eq!(client.submit(Imagine::new("a wolf")).expect("placed").server.as_deref(), Some("up"));
    assert_eq!(up.stats().total_tasks(), 2);

    // When every member refuses, the last refusal is the error, and every member learns.
    let (one, two) = (Refused::new(), Refused::new());
    let all_down =
        Client::new(Pool::new(vec![member("one", &one.url("http")), member("two", &two.url("http"))]).expect("pool"));
    let error = all_down.submit(Imagine::new("a fox")).expect_err("nobody up");
    assert_eq!(error.kind(), ErrorKind::Connect);
    assert!(all_down.status().iter().all(|m| m.unanswered == 1), "{:?}", all_down.status());
}

#[test]
fn a_lost_answer_is_resolved_on_its_member_and_never_sent_to_another() {
    // Member `a` creates the task but its answer is lost (a 502); its lookup finds it.
    let a = Hostile::start(|seen, _| match seen.path.as_str() {
        "/mj/submit/imagine" => Answer::with(502, "text/plain", "bad gateway"),
        "/mj/task/query" | "/mj/task/list-by-condition" => {
            let body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap_or_default();
            let state = body["state"].as_str().unwrap_or_default().to_owned();
            let task = serde_json::json!({"id": "555", "state": state, "status": "SUBMITTED"});
            Answer::json(serde_json::json!({"content": [task], "totalPages": 1}).to_string())
        }
        _ => Answer::with(404, "text/plain", "no"),
    });
    let b = sim(Flavor::Plus);
    let pool = Pool::new(vec![member("a", &a.url).weight(5), member("b", &b.url())]).expect("pool");
    let client = Client::new(pool);
    let placed = client.submit(Imagine::new("a fox")).expect("recovered");
    assert_eq!((placed.server.as_deref(), placed.task_id.as_str()), (Some("a"), "555"));
    assert_eq!(placed.outcome, SubmitOutcome::Recovered);
    assert_eq!(b.stats().total_tasks(), 0, "never sent to a second member");
    assert_eq!(b.stats().requests.values().sum::<u64>(), 0);
}

#[test]
fn a_watch_across_members_asks_each_member_once_a_round() {
    let (a, b) = (sim(Flavor::Plus), sim(Flavor::Trueai));
    let client = Client::new(Pool::new(vec![member("a", &a.url()), member("b", &b.url())]).expect("pool"));
    let handles: Vec<_> =
        (0..6).map(|n| client.submit(Imagine::new(format!("a fox {n}"))).expect("placed").handle()).collect();
    let on = |name: &str| handles.iter().any(|h| h.server.as_deref() == Some(name));
    assert!(on("a") && on("b"));
    let mut updates = 0;
    let report = client.watch(&handles, |_| updates += 1).expect("watched");
    assert_eq!(report.finished.len(), 6, "{report:?}");
    assert!(report.finished.iter().all(|t| handles.contains(&t.handle()) && t.status == TaskStatus::Success));
    assert!(updates >= 6);
    let lists = |s: &Server| s.stats().requests.get("task/list-by-condition").copied().unwrap_or(0);
    let rounds = lists(&a).max(lists(&b));
    assert!(lists(&a) >= 1 && lists(&b) >= 1 && lists(&a).abs_diff(lists(&b)) <= 1, "{} and {}", lists(&a), lists(&b));
    assert_eq!(report.requests, lists(&a) + lists(&b), "one list request per member per round ({rounds} rounds)");
    assert_eq!(a.stats().requests.get("task/fetch"), None);
    assert!(client.status().iter().all(|m| m.in_flight == 0), "finished tasks give their room back");
}

#[test]
fn each_member_calls_back_into_a_scope_of_its_own() {
    let (plus, trueai) = (sim(Flavor::Plus), sim(Flavor::Trueai));
    let pool = Pool::new(vec![member("plus", &plus.url()), member("trueai", &trueai.url())]).expect("pool");
    let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
    let hooks = receiver.hooks();
    let client = Client::new(pool).with_settings(Settings::default().hooks(hooks.clone()));
    let workers: Vec<_> = (0..4)
        .map(|n| {
            let client = client.clone();
            std::thread::spawn(move || client.submit_and_wait(Imagine::new(format!("a fox {n}")), |_| {}))
        })
        .collect();
    let done: Vec<Task> = workers.into_iter().map(|w| w.join().expect("no panic").expect("finished")).collect();
    for task in &done {
        assert_eq!(task.status, TaskStatus::Success);
        let handle = task.handle();
        let heard = hooks.scoped(handle.server.as_deref().expect("named")).latest(&handle.id);
        assert_eq!(heard.map(|t| t.status), Some(TaskStatus::Success), "{handle} called back into its scope");
        assert!(hooks.latest(&handle.id).is_none(), "nothing lands in the shared scope");
    }
    // The waits followed the callbacks: about one confirming fetch per task, not a poll
    // every interval.
    let fetches: u64 = [&plus, &trueai]
        .iter()
        .map(|s| s.stats().requests.iter().filter(|(k, _)| k.starts_with("task/")).map(|(_, n)| n).sum::<u64>())
        .sum();
    assert!(fetches <= 2 * done.len() as u64, "{fetches} lookups for {} tasks", done.len());
}

/// A lost submit is adopted only once the member it went to confirms the task. `m1`
/// refuses the key, so the submit fails over to `m2`, whose answer is lost; meanwhile
/// callbacks carrying the submit's token name a task `EVIL-1`, one in `m1`'s scope and one
/// in `m2`'s. The first is never heard (the submit listens to the scope of the member it
/// is on), the second is fetched from `m2`, which does not have it: the real task is the
/// one adopted.
#[test]
fn a_forged_callback_cannot_adopt_a_lost_submit() {
    use std::sync::{Arc, Mutex};
    let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
    let hooks = receiver.hooks();
    let m1 = Hostile::start(|_: &mj_test_support::hostile::Seen, _: &str| {
        Answer::with(401, "application/json", r#"{"code":401,"description":"invalid key"}"#)
    });
    let token = Arc::new(Mutex::new(String::new()));
    let (forger, seen_token) = (hooks.clone(), Arc::clone(&token));
    let m2 = Hostile::start(move |req: &mj_test_support::hostile::Seen, _: &str| {
        let real = || {
            let state = seen_token.lock().expect("lock").clone();
            serde_json::json!({"id": "real-1", "status": "SUBMITTED", "state": state})
        };
        match req.path.as_str() {
            p if p.ends_with("/submit/imagine") => {
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let state = body["state"].as_str().unwrap_or_default().to_owned();
                *seen_token.lock().expect("lock") = state.clone();
                let forged =
                    serde_json::json!({"id": "EVIL-1", "status": "SUCCESS", "progress": "100%", "state": state});
                for scope in ["m1", "m2"] {
                    forger.accept(forger.scoped(scope).path(), forged.to_string().as_bytes());
                }
                Answer::with(500, "text/plain", "the answer is lost")
            }
            p if p.ends_with("/task/real-1/fetch") => Answer::json(real().to_string()),
            p if p.ends_with("/task/query") => Answer::json(serde_json::json!({"content": [real()]}).to_string()),
            _ => Answer::with(404, "text/plain", "no such task"),
        }
    });
    let pool = Pool::new(vec![member("m1", &m1.url), member("m2", &m2.url)]).expect("pool");
    let client = Client::new(pool).with_settings(Settings::default().hooks(hooks));
    let placed = client.submit(Imagine::new("a fox")).expect("placed");
    assert_eq!(placed.handle().to_string(), "m2:real-1", "the real task is adopted");
    assert_eq!(m2.count("/submit/imagine"), 1, "never sent twice");
    assert_eq!(m2.count("/task/EVIL-1/fetch"), 1, "the claim in m2's scope was checked once");
    assert_eq!(m1.count("/task/"), 0, "m1 is asked nothing about the submit");
}
