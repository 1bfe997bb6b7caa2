//! Callbacks in the plans: a pushed update shows at once, slows the polls, and a pushed
//! end is confirmed by a fetch unless trusted.

use super::driver::*;

#[test]
fn pushed_updates_show_at_once_slow_the_polls_and_a_pushed_end_is_confirmed() {
    let config = config();
    let t0 = Instant::now();
    let mut plan = WaitPlan::new(&config, "1").retry(policy());
    let mut seen = Vec::new();
    assert!(matches!(next_step(&mut plan, t0, &mut seen), Step::Send(_)));
    plan.handle(ok(json!({"id": "1", "status": "IN_PROGRESS", "progress": "10%"})), t0);
    let Step::Sleep(until) = next_step(&mut plan, t0, &mut seen) else { panic!("sleeps") };
    assert_eq!(until - t0, Duration::from_secs(4), "no callback yet: the usual interval");

    let t1 = t0 + Duration::from_secs(1);
    plan.pushed(&pushed("IN_PROGRESS", "50%"), t1);
    plan.pushed(&pushed("IN_PROGRESS", "30%"), t1); // late: older than what is known
    plan.pushed(&pushed("IN_PROGRESS", "50%"), t1); // a repeat
    let Step::Sleep(until) = next_step(&mut plan, t1, &mut seen) else { panic!("still asleep") };
    assert_eq!(seen, ["IN_PROGRESS 10%", "IN_PROGRESS 50%"], "shown at once, never backwards");
    assert_eq!(until - t1, Duration::from_secs(30), "callbacks arrive: the next poll is only a safety net");

    // The safety-net poll comes; a fetch older than the callback does not move it back.
    let t2 = until;
    let Step::Notice(notice) = next_step(&mut plan, t2, &mut seen) else { panic!("announced") };
    assert_eq!(notice, Notice::SafetyNet { tasks: 1 });
    assert!(matches!(next_step(&mut plan, t2, &mut seen), Step::Send(_)));
    plan.handle(ok(json!({"id": "1", "status": "IN_PROGRESS", "progress": "40%"})), t2);
    let Step::Sleep(until) = next_step(&mut plan, t2, &mut seen) else { panic!("sleeps") };
    assert_eq!(until - t2, Duration::from_secs(30));
    assert_eq!(seen.len(), 2, "{seen:?}");

    // A callback says SUCCESS: one fetch now confirms it, and the fetch decides.
    let t3 = t2 + Duration::from_secs(2);
    plan.pushed(&pushed("SUCCESS", "100%"), t3);
    assert!(matches!(next_step(&mut plan, t3, &mut seen), Step::Send(_)), "confirmed at once, not in 30 s");
    plan.handle(ok(json!({"id": "1", "status": "IN_PROGRESS", "progress": "95%"})), t3);
    let Step::Sleep(_) = next_step(&mut plan, t3, &mut seen) else { panic!("a contradicted end is not believed") };
    let t4 = t3 + Duration::from_secs(1);
    plan.pushed(&pushed("SUCCESS", "100%"), t4);
    assert!(matches!(next_step(&mut plan, t4, &mut seen), Step::Send(_)));
    plan.handle(ok(json!({"id": "1", "status": "SUCCESS", "progress": "100%"})), t4);
    let Step::Done(Ok(task)) = next_step(&mut plan, t4, &mut seen) else { panic!("done") };
    assert_eq!(task.status, TaskStatus::Success);
    assert_eq!(seen, ["IN_PROGRESS 10%", "IN_PROGRESS 50%", "IN_PROGRESS 95%", "SUCCESS 100%"]);
}

#[test]
fn an_end_pushed_while_a_fetch_is_on_its_way_is_confirmed_right_after_it() {
    let config = config();
    let t0 = Instant::now();
    let mut plan = WaitPlan::new(&config, "1").retry(policy()).expecting_pushes();
    let mut seen = Vec::new();
    let Step::Sleep(until) = next_step(&mut plan, t0, &mut seen) else { panic!("no poll at once") };
    assert_eq!(until - t0, Duration::from_secs(4), "callbacks are expected: the first poll waits an interval");
    assert!(matches!(next_step(&mut plan, until, &mut seen), Step::Send(_)), "none came: polled as usual");
    // The end is pushed while that fetch is on its way; its (older) answer comes after.
    plan.pushed(&pushed("SUCCESS", "100%"), until);
    plan.handle(ok(json!({"id": "1", "status": "IN_PROGRESS", "progress": "90%"})), until);
    assert!(matches!(next_step(&mut plan, until, &mut seen), Step::Send(_)), "confirmed now, not in 30 s");
    plan.handle(ok(json!({"id": "1", "status": "SUCCESS", "progress": "100%"})), until);
    let Step::Done(Ok(task)) = next_step(&mut plan, until, &mut seen) else { panic!("done") };
    assert_eq!(task.status, TaskStatus::Success);
}

#[test]
fn a_trusted_push_ends_the_wait_without_a_fetch_and_other_tasks_are_ignored() {
    let config = config();
    let t0 = Instant::now();
    let mut plan = WaitPlan::new(&config, "1").options(WaitOptions::default().trust_pushes(true)).retry(policy());
    let mut seen = Vec::new();
    assert!(matches!(next_step(&mut plan, t0, &mut seen), Step::Send(_)));
    plan.handle(ok(json!({"id": "1", "status": "SUBMITTED"})), t0);
    let Step::Sleep(_) = next_step(&mut plan, t0, &mut seen) else { panic!("sleeps") };
    let mut other = pushed("SUCCESS", "100%");
    other.id = "2".into();
    plan.pushed(&other, t0);
    let Step::Sleep(_) = next_step(&mut plan, t0, &mut seen) else { panic!("another task changes nothing") };
    plan.pushed(&pushed("FAILURE", "0%"), t0 + Duration::from_millis(10));
    let Step::Done(Err(Error::TaskFailed(task))) = next_step(&mut plan, t0 + Duration::from_millis(10), &mut seen)
    else {
        panic!("trusted")
    };
    assert_eq!(task.status, TaskStatus::Failure);
}

#[test]
fn a_watch_takes_pushed_updates_confirms_a_pushed_end_and_slows_its_rounds() {
    let config = config();
    let t0 = Instant::now();
    let mut plan = WatchPlan::new(&config, ["a", "b"]).retry(policy());
    let mut seen = Vec::new();
    let progress = |plan: &mut WatchPlan<'_>, now: Instant, seen: &mut Vec<String>| loop {
        match plan.poll(now) {
            Step::Progress(t) => seen.push(format!("{} {} {}", t.id, t.status, t.progress.unwrap_or_default())),
            other => return other,
        }
    };
    let task = |id: &str, status: &str, progress: &str| json!({"id": id, "status": status, "progress": progress});
    let push = |id: &str, status: &str, progress: &str| {
        mj_proto::webhook::parse(task(id, status, progress).to_string()).expect("a task")
    };
    assert!(matches!(progress(&mut plan, t0, &mut seen), Step::Send(_)));
    plan.handle(ok(json!([task("a", "IN_PROGRESS", "10%"), task("b", "IN_PROGRESS", "10%")])), t0);
    let Step::Sleep(_) = progress(&mut plan, t0, &mut seen) else { panic!("sleeps") };

    let t1 = t0 + Duration::from_secs(1);
    plan.pushed(&push("a", "IN_PROGRESS", "60%"), t1);
    plan.pushed(&push("a", "IN_PROGRESS", "20%"), t1); // late
    plan.pushed(&push("z", "SUCCESS", "100%"), t1); // not watched
    plan.pushed(&push("b", "SUCCESS", "100%"), t1);
    // The end of b is confirmed at once, by a request for b alone.
    let Step::Send(request) = progress(&mut plan, t1, &mut seen) else { panic!("confirms") };
    assert!(String::from_utf8_lossy(request.body()).contains(r#"["b"]"#));
    plan.handle(ok(json!([task("b", "SUCCESS", "100%")])), t1);
    // Callbacks arrive: the next round is a safety net, 30 s away.
    let Step::Sleep(until) = progress(&mut plan, t1, &mut seen) else { panic!("sleeps") };
    assert_eq!(until - t1, Duration::from_secs(30));
    let Step::Notice(Notice::SafetyNet { tasks: 1 }) = progress(&mut plan, until, &mut seen) else { panic!("said") };
    assert!(matches!(progress(&mut plan, until, &mut seen), Step::Send(_)));
    plan.handle(ok(json!([task("a", "IN_PROGRESS", "40%")])), until); // older than the callback
    let Step::Sleep(next) = progress(&mut plan, until, &mut seen) else { panic!("sleeps") };
    let Step::Notice(Notice::SafetyNet { .. }) = progress(&mut plan, next, &mut seen) else { panic!("said") };
    assert!(matches!(progress(&mut plan, next, &mut seen), Step::Send(_)));
    plan.handle(ok(json!([task("a", "SUCCESS", "100%")])), next);
    let Step::Done(Ok(report)) = progress(&mut plan, next, &mut seen) else { panic!("done") };
    assert_eq!((report.finished.len(), report.requests), (2, 4));
    assert_eq!(
        seen,
        ["a IN_PROGRESS 10%", "b IN_PROGRESS 10%", "a IN_PROGRESS 60%", "b SUCCESS 100%", "a SUCCESS 100%"]
    );
}

#[test]
fn while_callbacks_come_steadily_a_missing_one_is_caught_three_gaps_later() {
    let config = config();
    let t0 = Instant::now();
    let mut plan = WaitPlan::new(&config, "1").retry(policy()).expecting_pushes();
    let mut seen = Vec::new();
    let Step::Sleep(_) = next_step(&mut plan, t0, &mut seen) else { panic!("no poll at once") };
    let second = Duration::from_secs(1);
    let mut at = t0;
    for progress in ["10%", "20%", "30%"] {
        at += second;
        plan.pushed(&pushed("IN_PROGRESS", progress), at);
    }
    let Step::Sleep(until) = next_step(&mut plan, at, &mut seen) else { panic!("asleep") };
    assert_eq!(until - at, Duration::from_secs(4), "three 1 s gaps, but never sooner than the interval");
    // Then the final callback is lost: the safety net polls then, not 30 s later.
    let Step::Notice(Notice::SafetyNet { tasks: 1 }) = next_step(&mut plan, until, &mut seen) else { panic!("said") };
    assert!(matches!(next_step(&mut plan, until, &mut seen), Step::Send(_)));
    plan.handle(ok(json!({"id": "1", "status": "SUCCESS", "progress": "100%"})), until);
    let Step::Done(Ok(_)) = next_step(&mut plan, until, &mut seen) else { panic!("done") };
}
