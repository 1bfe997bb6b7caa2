//! RetryPlan: what is retried, how it backs off, where it stops.

use super::driver::*;

#[test]
fn retry_backs_off_on_5xx_for_idempotent_calls() {
    let config = config();
    let fetch = Fetch::new("1");
    let mut n = 0;
    let run = run(RetryPlan::new(&config, &fetch, policy()), |_, _| {
        n += 1;
        if n < 3 { Ok(response(503, "")) } else { ok(json!({"id": "1", "status": "SUCCESS"})) }
    });
    assert!(run.result.expect("third time lucky").is_some());
    assert_eq!(run.requests.len(), 3);
    assert_eq!(run.sleeps.len(), 2);
    assert!(run.sleeps.iter().all(|s| *s >= Duration::from_millis(500)));
}

#[test]
fn retry_honours_retry_after_and_stops_at_the_attempt_cap() {
    let config = config();
    let fetch = Fetch::new("1");
    let run = run(RetryPlan::new(&config, &fetch, policy().attempts(4)), |_, _| {
        Ok(response_with(429, ("retry-after", "2"), ""))
    });
    assert_eq!(run.result.expect_err("always limited").kind(), ErrorKind::RateLimited);
    assert_eq!(run.requests.len(), 4);
    assert_eq!(run.sleeps, vec![Duration::from_secs(2); 3]);
}

#[test]
fn retry_never_repeats_other_4xx_or_ambiguous_submits() {
    let config = config();
    let fetch = Fetch::new("1");
    let refused = run(RetryPlan::new(&config, &fetch, policy()), |_, _| {
        Ok(response(400, r#"{"code":4,"description":"quota_not_enough","type":"upstream_error"}"#))
    });
    assert_eq!((refused.requests.len(), refused.result.expect_err("4xx").kind()), (1, ErrorKind::Quota));
    let imagine = Imagine::new("x");
    let ambiguous = run(RetryPlan::new(&config, &imagine, policy()), |_, _| Ok(response(502, "")));
    assert_eq!(ambiguous.requests.len(), 1, "a submit that may have landed is not re-sent blindly");
    let connect = run(RetryPlan::new(&config, &imagine, policy()), |_, _| {
        Err(TransportError::new(TransportErrorKind::Connect, "refused"))
    });
    // Nothing reached the server, so retrying is safe, but a port that refuses for the
    // connect patience is a server that is down: the call ends then, not minutes later.
    let tries = connect.requests.len();
    assert!((3..=10).contains(&tries), "retried within the connect patience: {tries}");
    assert!(
        connect.elapsed >= Duration::from_secs(10) && connect.elapsed < Duration::from_secs(40),
        "{:?}",
        connect.elapsed
    );
    assert_eq!(connect.notices.len(), tries - 1, "each retry is announced");
}

#[test]
fn retry_stops_at_the_time_cap() {
    let config = config();
    let fetch = Fetch::new("1");
    let run =
        run(RetryPlan::new(&config, &fetch, policy().elapsed(Duration::from_secs(30))), |_, _| Ok(response(500, "")));
    assert!(run.result.is_err());
    assert!(run.elapsed <= Duration::from_secs(30), "{:?}", run.elapsed);
    let tries = run.requests.len();
    assert!(tries > 3 && tries < 20, "the time cap ended it before the 20-try cap: {tries}");
}
