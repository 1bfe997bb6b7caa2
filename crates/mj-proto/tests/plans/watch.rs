//! WatchPlan: one request per batch per round, and what is unfinished at the deadline.

use super::driver::*;

#[test]
fn watch_uses_one_request_per_batch_per_round() {
    let config = config();
    let ids: Vec<String> = (0..250).map(|i| format!("t{i}")).collect();
    let options = WatchOptions::default().batch_size(100);
    let run = run(WatchPlan::new(&config, ids.clone()).options(options).retry(policy()), |request, elapsed| {
        let body: serde_json::Value = serde_json::from_slice(request.body()).expect("json");
        let asked: Vec<&str> = body["ids"].as_array().expect("ids").iter().filter_map(|v| v.as_str()).collect();
        assert!(asked.len() <= 100);
        let tasks: Vec<serde_json::Value> = asked
            .iter()
            .filter(|id| **id != "t13")
            .map(|id| {
                let n: u64 = id[1..].parse().unwrap_or(0);
                let done = elapsed >= Duration::from_secs(8 + n % 20);
                json!({"id": id, "status": if done { "SUCCESS" } else { "IN_PROGRESS" }, "progress": if done { "100%" } else { "50%" }})
            })
            .collect();
        ok(serde_json::Value::Array(tasks))
    });
    let report = run.result.expect("report");
    assert_eq!(report.finished.len(), 249);
    assert_eq!(report.unknown, ["t13"]);
    assert!(report.unfinished.is_empty());
    let rounds = run.requests.len();
    assert_eq!(report.requests as usize, rounds);
    // Nine rounds, every 4 s from 0 to 32 s (t13 is given up after the 30 s grace). A
    // round takes one request per 100 pending ids: 250, 250, 250, 237 pending (3 each),
    // 185, 133 (2 each), 84, 36, 1 (1 each). Polling each task alone would take ~2000.
    assert_eq!(rounds, 3 + 3 + 3 + 3 + 2 + 2 + 1 + 1 + 1, "{rounds} requests for 250 tasks");
    assert_eq!(run.events.len(), 249 * 2, "a first sighting and a finish per task");
}

#[test]
fn watch_reports_unfinished_tasks_at_the_deadline() {
    let config = config();
    let t0 = Instant::now();
    let watch = WatchPlan::new(&config, ["a", "b", "a"]).retry(policy());
    let run = run_at(t0, watch.until(Some(t0 + Duration::from_secs(60))), |_, _| {
        ok(json!([{"id": "a", "status": "SUCCESS"}, {"id": "b", "status": "IN_PROGRESS", "progress": "3%"}]))
    });
    let report = run.result.expect("report");
    assert_eq!(report.task("a").map(|t| t.status.clone()), Some(TaskStatus::Success));
    assert_eq!(report.unfinished.len(), 1);
    assert!(!report.all_succeeded());
    assert_eq!(run.elapsed, Duration::from_secs(60));

    // A server that fails every other round for a minute: the watch carries on.
    let mut n = 0;
    let flaky = self::run(WatchPlan::new(&config, ["a"]).retry(policy()), |_, elapsed| {
        n += 1;
        match (n % 2, elapsed >= Duration::from_secs(60)) {
            (_, true) => ok(json!([{"id": "a", "status": "SUCCESS"}])),
            (0, _) => Ok(response(503, "")),
            _ => ok(json!([{"id": "a", "status": "IN_PROGRESS", "progress": "5%"}])),
        }
    });
    assert!(flaky.result.expect("report").all_succeeded());
    assert!(flaky.notices.len() >= 7, "{}", flaky.notices.len());
}
