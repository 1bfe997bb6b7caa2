//! WaitPlan: each change reported, typed ends, transient errors ridden out.

use super::driver::*;

#[test]
fn wait_reports_each_change_and_finishes_on_success() {
    let config = config();
    let script = [
        ("SUBMITTED", "0%"),
        ("IN_PROGRESS", "10%"),
        ("IN_PROGRESS", "10%"),
        ("IN_PROGRESS", "57%"),
        ("SUCCESS", "100%"),
    ];
    let mut i = 0;
    let run = run(WaitPlan::new(&config, "1").retry(policy()), |_, _| {
        let (s, p) = script[i.min(script.len() - 1)];
        i += 1;
        ok(task(s, p))
    });
    assert_eq!(run.result.expect("done").status, TaskStatus::Success);
    let seen: Vec<Option<u8>> = run.events.iter().map(Task::progress_percent).collect();
    assert_eq!(seen, [Some(0), Some(10), Some(57), Some(100)], "one event per change");
    assert_eq!(run.requests.len(), 5);
    assert!(run.sleeps.iter().all(|s| *s == Duration::from_secs(4)));
}

#[test]
fn wait_ends_in_typed_errors() {
    let config = config();
    let failed = run(WaitPlan::new(&config, "1").retry(policy()), |_, _| {
        ok(json!({"id": "1", "status": "FAILURE", "failReason": "banned prompt"}))
    });
    let Err(Error::TaskFailed(t)) = failed.result else { panic!("failure") };
    assert_eq!(t.fail_reason.as_deref(), Some("banned prompt"));
    let modal = run(WaitPlan::new(&config, "1").retry(policy()), |_, _| ok(task("MODAL", "0%")));
    assert_eq!(modal.result.expect_err("modal").kind(), ErrorKind::NeedsInput);

    let stuck = run(WaitPlan::new(&config, "1").retry(policy()), |_, _| ok(task("IN_PROGRESS", "42%")));
    match stuck.result {
        Err(Error::WaitTimeout { last: Some(last), waited, cause: None }) => {
            assert_eq!(last.progress_percent(), Some(42));
            assert_eq!(waited, Duration::from_secs(600));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(stuck.elapsed, Duration::from_secs(600), "the deadline is exact, not overshot");
    assert_eq!(stuck.requests.len(), 150, "one poll every 4 s for 10 minutes");

    let missing = run(WaitPlan::new(&config, "1").retry(policy()), |_, _| Ok(response(200, "")));
    assert_eq!(missing.result.expect_err("unknown").kind(), ErrorKind::TaskNotFound);
    assert!(missing.elapsed >= Duration::from_secs(30), "new tasks get a grace period");
}

#[test]
fn wait_rides_out_transient_errors_but_not_hard_ones() {
    let config = config();
    let mut n = 0;
    let run = run(WaitPlan::new(&config, "1").retry(policy()), |_, _| {
        n += 1;
        match n {
            1 | 2 => Ok(response(502, "")),
            3 => lost(),
            _ => ok(task("SUCCESS", "100%")),
        }
    });
    assert!(run.result.is_ok());
    let hard = self::run(WaitPlan::new(&config, "1").retry(policy()), |_, _| Ok(response(401, "")));
    assert_eq!((hard.requests.len(), hard.result.expect_err("401").kind()), (1, ErrorKind::Unauthorized));

    // Far more failures in a row than any retry cap: the wait goes on to its deadline.
    let mut n = 0;
    let streak = self::run(WaitPlan::new(&config, "1").retry(policy()), |_, _| {
        n += 1;
        if n <= 40 { Ok(response(500, "")) } else { ok(task("SUCCESS", "100%")) }
    });
    assert_eq!(streak.result.expect("rode out 40 failures").status, TaskStatus::Success);
    assert_eq!(streak.notices.len(), 40, "each failure announced");

    let down = self::run(WaitPlan::new(&config, "1").retry(policy()), |_, _| {
        Err(TransportError::new(TransportErrorKind::Timeout, "no answer"))
    });
    match down.result {
        Err(Error::WaitTimeout { last: None, cause: Some(cause), waited }) => {
            assert_eq!((cause.kind(), waited), (ErrorKind::Timeout, Duration::from_secs(600)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(down.elapsed, Duration::from_secs(600));
    let t0 = Instant::now();
    let e =
        run_at(t0, WaitPlan::new(&config, "1").retry(policy()).until(Some(t0 + Duration::from_secs(5))), |_, _| lost())
            .result
            .expect_err("timeout");
    assert!(e.to_string().contains("never seen"), "{e}");
    let last = std::error::Error::source(&e).map(ToString::to_string).unwrap_or_default();
    assert!(last.contains("connection interrupted"), "the last error is the source: {last}");
}
