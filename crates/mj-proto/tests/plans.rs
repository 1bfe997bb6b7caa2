//! The plans with explicit instants: no sleeping, no sockets; a ten-minute wait runs in
//! microseconds.

mod common;

use std::time::{Duration, Instant};

use common::{response, response_with};
use mj_proto::endpoint::{Fetch, Imagine};
use mj_proto::plan::{
    Interest, Lookup, Notice, Plan, RetryPlan, RetryPolicy, Step, SubmitPlan, SubmitPolicy, TasksPlan, WaitOptions,
    WaitPlan, WatchOptions, WatchPlan,
};
use mj_proto::prelude::*;
use mj_proto::{HttpRequest, HttpResponse, LookupFailure, RequestTimeout, TransportError, TransportErrorKind};
use serde_json::json;

/// What a scripted run saw.
struct Run<T, E> {
    result: Result<T, Error>,
    requests: Vec<String>,
    /// When each request was sent, since the start.
    sent_at: Vec<Duration>,
    sleeps: Vec<Duration>,
    events: Vec<E>,
    notices: Vec<Notice>,
    elapsed: Duration,
}

/// Drives `plan` on a fake clock; `answer` plays the server.
fn run<P: Plan>(
    plan: P,
    answer: impl FnMut(&HttpRequest, Duration) -> Result<HttpResponse, TransportError>,
) -> Run<P::Output, P::Progress> {
    run_at(Instant::now(), plan, answer)
}

/// [`run`] with the fake clock starting at `t0` (for a plan given a deadline after `t0`).
fn run_at<P: Plan>(
    t0: Instant,
    mut plan: P,
    mut answer: impl FnMut(&HttpRequest, Duration) -> Result<HttpResponse, TransportError>,
) -> Run<P::Output, P::Progress> {
    let mut now = t0;
    let (mut requests, mut sent_at, mut sleeps, mut events, mut notices) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..100_000 {
        match plan.poll(now) {
            Step::Send(request) => {
                requests.push(format!("{} {}", request.method(), request.uri().path()));
                sent_at.push(now - t0);
                let result = answer(&request, now - t0);
                plan.handle(result, now);
            }
            Step::Sleep(until) => {
                assert!(until > now, "a plan never asks to sleep into the past");
                sleeps.push(until - now);
                now = until;
            }
            Step::Progress(e) => events.push(e),
            Step::Notice(n) => notices.push(n),
            Step::Done(result) => return Run { result, requests, sent_at, sleeps, events, notices, elapsed: now - t0 },
        }
    }
    panic!("the plan never finished");
}

fn config() -> Config {
    Config::new("http://sim.test").expect("config")
}

fn ok(body: serde_json::Value) -> Result<HttpResponse, TransportError> {
    Ok(response(200, body.to_string()))
}

fn lost() -> Result<HttpResponse, TransportError> {
    Err(TransportError::new(TransportErrorKind::Interrupted, "connection reset"))
}

fn policy() -> RetryPolicy {
    RetryPolicy::default().seeded(7)
}

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

#[test]
fn a_lost_submit_answer_is_recovered_by_its_token() {
    let config = config();
    let plan = SubmitPlan::new(&config, Imagine::new("a fox"), policy(), SubmitPolicy::default());
    let token = plan.token().to_owned();
    assert!(token.starts_with("mj-"));
    let mut sent_state = None;
    let run = run(plan, |request, _| match request.uri().path() {
        "/mj/submit/imagine" => {
            let body: serde_json::Value = serde_json::from_slice(request.body()).expect("json");
            sent_state = body["state"].as_str().map(str::to_owned);
            lost()
        }
        "/mj/task/query" => {
            let body: serde_json::Value = serde_json::from_slice(request.body()).expect("json");
            assert_eq!(body["state"].as_str(), sent_state.as_deref());
            ok(json!({"content": [{"id": "77", "state": body["state"], "status": "SUBMITTED"}], "totalPages": 1}))
        }
        other => panic!("unexpected {other}"),
    });
    let submitted = run.result.expect("recovered");
    assert_eq!((submitted.task_id.as_str(), &submitted.outcome), ("77", &SubmitOutcome::Recovered));
    assert_eq!(sent_state.as_deref(), Some(token.as_str()));
    assert_eq!(run.requests, ["POST /mj/submit/imagine", "POST /mj/task/query"]);
}

#[test]
fn a_callback_with_the_token_is_a_claim_a_fetch_confirms_before_it_resolves_a_lost_submit() {
    let config = config();
    let mut plan = SubmitPlan::new(&config, Imagine::new("a fox"), policy(), SubmitPolicy::default());
    let token = plan.token().to_owned();
    assert_eq!(plan.interests(), [Interest::Token(&token)]);
    let t0 = Instant::now();
    let Step::Send(_) = plan.poll(t0) else { panic!("submits") };
    // The answer is lost; the lookup is announced and waits for the request to settle.
    plan.handle(lost(), t0);
    let Step::Notice(Notice::Lookup { .. }) = plan.poll(t0) else { panic!("a lookup is announced") };
    let Step::Sleep(_) = plan.poll(t0) else { panic!("settling before the lookup") };
    let claim = |id: &str, state: &str| {
        mj_proto::webhook::parse(json!({"id": id, "status": "SUBMITTED", "state": state}).to_string()).expect("a task")
    };
    // Another task's callback changes nothing.
    plan.pushed(&claim("88", "mj-someone-else"), t0);
    let Step::Sleep(_) = plan.poll(t0) else { panic!("still settling") };
    // A forged claim (anyone who knows the path can post one) is fetched and refuted: the
    // server does not have it, or has it under another submit's token.
    let other = json!({"id": "77", "status": "SUCCESS", "state": "mj-other"});
    for (forged, answer) in [("EVIL-1", Ok(response(404, ""))), ("77", ok(other))] {
        plan.pushed(&claim(forged, &token), t0);
        let Step::Send(fetch) = plan.poll(t0) else { panic!("the claim is fetched") };
        assert_eq!(fetch.uri().path(), format!("/mj/task/{forged}/fetch"));
        plan.handle(answer, t0);
        // Refuted: the lookups go on (finding nothing yet), and the same claim again is not
        // fetched again.
        plan.pushed(&claim(forged, &token), t0);
        loop {
            match plan.poll(t0) {
                Step::Notice(_) => {}
                Step::Send(lookup) => {
                    assert!(!lookup.uri().path().contains(forged), "{forged} is fetched once");
                    plan.handle(ok(json!({"content": []})), t0);
                }
                Step::Sleep(_) => break,
                other => panic!("{forged} is not adopted: {other:?}"),
            }
        }
    }
    // Ours is confirmed by the server and adopted.
    let mut plan = SubmitPlan::new(&config, Imagine::new("a fox"), policy(), SubmitPolicy::default());
    let token = plan.token().to_owned();
    let Step::Send(_) = plan.poll(t0) else { panic!("submits") };
    plan.handle(lost(), t0);
    plan.pushed(&claim("88", &token), t0);
    let Step::Send(fetch) = plan.poll(t0) else { panic!("the claim is fetched") };
    assert_eq!(fetch.uri().path(), "/mj/task/88/fetch");
    plan.handle(ok(json!({"id": "88", "status": "SUBMITTED", "state": token})), t0);
    let Step::Done(Ok(submitted)) = plan.poll(t0) else { panic!("resolved") };
    assert_eq!((submitted.task_id.as_str(), &submitted.outcome), ("88", &SubmitOutcome::Recovered));

    // A callback that comes before the answer, which is then lost: one fetch, no lookup.
    let mut plan = SubmitPlan::new(&config, Imagine::new("a fox"), policy(), SubmitPolicy::default());
    let token = plan.token().to_owned();
    let Step::Send(_) = plan.poll(t0) else { panic!("submits") };
    plan.pushed(&claim("89", &token), t0);
    plan.handle(lost(), t0);
    let Step::Send(fetch) = plan.poll(t0) else { panic!("the claim is fetched") };
    assert_eq!(fetch.uri().path(), "/mj/task/89/fetch");
    plan.handle(ok(json!({"id": "89", "status": "SUBMITTED"})), t0);
    let step = plan.poll(t0);
    let Step::Done(Ok(submitted)) = step else { panic!("resolved by the confirmed callback: {step:?}") };
    assert_eq!(submitted.task_id, "89");
}

#[test]
fn a_lost_submit_that_never_landed_is_sent_again_once() {
    let config = config();
    let mut submits = 0;
    let run = run(
        SubmitPlan::new(&config, Imagine::new("a fox").state("order-9"), policy(), SubmitPolicy::default()),
        |request, _| match request.uri().path() {
            "/mj/submit/imagine" => {
                submits += 1;
                if submits == 1 {
                    Ok(response(504, ""))
                } else {
                    ok(json!({"code": 1, "description": "ok", "result": "88"}))
                }
            }
            "/mj/task/query" => Ok(response(404, "")),
            "/mj/task/list" => ok(json!([{"id": "5", "state": "someone else"}])),
            other => panic!("unexpected {other}"),
        },
    );
    assert_eq!(run.result.expect("second submit").task_id, "88");
    // The query is missing, so the list is used; "not found" is trusted only 10 s after
    // the loss (lookups at 1, 3, 5, 7, 9 and 10 s), then the submit goes out again.
    let mut want = vec!["POST /mj/submit/imagine", "POST /mj/task/query"];
    want.extend(["GET /mj/task/list"; 6]);
    want.push("POST /mj/submit/imagine");
    assert_eq!(run.requests, want);
    let resent = run.sent_at[run.sent_at.len() - 1];
    assert!(resent >= Duration::from_secs(10), "re-sent at {resent:?}");
    assert!(run.notices.iter().any(|n| matches!(n, Notice::Resend { .. })), "{:?}", run.notices);
}

#[test]
fn a_submit_that_lands_late_is_adopted_not_sent_twice() {
    // The duplicate window: the connection died, but the request reaches the server and
    // creates its task 6 s later. A re-send before then would bill twice.
    let config = config();
    let mut submits = 0;
    let run = run(SubmitPlan::new(&config, Imagine::new("a fox"), policy(), SubmitPolicy::default()), |request, at| {
        match request.uri().path() {
            "/mj/submit/imagine" => {
                submits += 1;
                lost()
            }
            "/mj/task/query" => {
                let body: serde_json::Value = serde_json::from_slice(request.body()).expect("json");
                let content = if at >= Duration::from_secs(6) {
                    json!([{"id": "late", "state": body["state"], "status": "SUBMITTED"}])
                } else {
                    json!([])
                };
                ok(json!({"content": content, "totalPages": 1}))
            }
            other => panic!("unexpected {other}"),
        }
    });
    assert_eq!(run.result.expect("adopted").task_id, "late");
    assert_eq!(submits, 1);
}

#[test]
fn lookups_ride_out_their_own_failures_then_say_how_many_failed() {
    let config = config();
    let plan = SubmitPlan::new(&config, Imagine::new("a fox"), policy(), SubmitPolicy::default());
    let token = plan.token().to_owned();
    let run = run(plan, |request, _| match request.uri().path() {
        "/mj/submit/imagine" => Ok(response(502, "")),
        _ => Ok(response(503, "")),
    });
    let Err(Error::OutcomeUnknown { token: t, why, cause }) = run.result else { panic!("{:?}", run.result) };
    assert_eq!((t, cause.kind()), (token, ErrorKind::Server));
    let LookupFailure::Exhausted { attempts, last: Some(last) } = *why else { panic!("{why:?}") };
    assert_eq!(last.kind(), ErrorKind::Server);
    assert_eq!(attempts as usize, run.requests.len() - 1);
    assert!(attempts > 10, "well past the per-request retry cap: {attempts}");
    assert!(run.elapsed >= Duration::from_secs(300), "the lookup patience is five minutes: {:?}", run.elapsed);
    assert_eq!(run.requests.iter().filter(|r| r.contains("submit")).count(), 1, "never re-sent blindly");
}

#[test]
fn a_full_queue_is_waited_out_for_minutes_then_given_up() {
    let config = config();
    let full = || ok(json!({"code": 23, "description": "队列已满，请稍后尝试"}));
    let mut n = 0;
    let run = run(SubmitPlan::new(&config, Imagine::new("a fox"), policy(), SubmitPolicy::default()), |_, at| {
        n += 1;
        if at < Duration::from_secs(200) { full() } else { ok(json!({"code": 1, "description": "ok", "result": "5"})) }
    });
    assert_eq!(run.result.expect("accepted once the queue drained").task_id, "5");
    assert!(n > 10, "{n} tries, past the per-request cap");
    let never =
        self::run(SubmitPlan::new(&config, Imagine::new("a fox"), policy(), SubmitPolicy::default()), |_, _| full());
    assert_eq!(never.result.expect_err("full").code(), Some(mj_proto::ReturnCode::QueueRejected));
    assert!(never.elapsed <= Duration::from_secs(300), "{:?}", never.elapsed);
    assert!(never.elapsed >= Duration::from_secs(280), "{:?}", never.elapsed);
}

#[test]
fn a_deadline_caps_retries_and_each_exchange() {
    let config = config();
    let fetch = Fetch::new("1");
    let t0 = Instant::now();
    let mut timeouts = Vec::new();
    let mut plan = RetryPlan::new(&config, &fetch, policy()).until(Some(t0 + Duration::from_secs(3)));
    let mut now = t0;
    let result = loop {
        match plan.poll(now) {
            Step::Send(request) => {
                timeouts.push(RequestTimeout::of(&request).expect("a request carries the time left"));
                plan.handle(Err(TransportError::new(TransportErrorKind::Connect, "refused")), now);
            }
            Step::Sleep(until) => now = until,
            Step::Notice(_) | Step::Progress(_) => {}
            Step::Done(result) => break result,
        }
    };
    assert_eq!(result.expect_err("refused").kind(), ErrorKind::Connect);
    assert!(now - t0 < Duration::from_secs(3), "{:?}", now - t0);
    assert_eq!(timeouts[0], Duration::from_secs(3));
    assert!(timeouts.windows(2).all(|w| w[1] < w[0]), "{timeouts:?}");
}

#[test]
fn without_a_lookup_the_outcome_is_unknown_never_a_duplicate() {
    let config = config();
    let plan = SubmitPlan::new(&config, Imagine::new("a fox"), policy(), SubmitPolicy::default());
    let token = plan.token().to_owned();
    let run = run(plan, |request, _| match request.uri().path() {
        "/mj/submit/imagine" => lost(),
        _ => Ok(response(404, "404 page not found")),
    });
    match run.result {
        Err(Error::OutcomeUnknown { token: t, why, cause }) => {
            assert_eq!(t, token);
            assert_eq!(cause.kind(), ErrorKind::Interrupted);
            assert!(matches!(*why, LookupFailure::Unavailable), "{why:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(run.requests.iter().filter(|r| r.contains("submit")).count(), 1);
    let never = self::run(
        SubmitPlan::new(&config, Imagine::new("a fox"), policy(), SubmitPolicy::default().lookup(Lookup::Never)),
        |_, _| lost(),
    );
    assert_eq!(never.result.expect_err("unknown").kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(never.requests.len(), 1);
}

#[test]
fn refusals_that_prove_nothing_was_created_are_retried() {
    let config = config();
    let mut n = 0;
    let run = run(SubmitPlan::new(&config, Imagine::new("a fox"), policy(), SubmitPolicy::default()), |_, _| {
        n += 1;
        match n {
            1 => ok(json!({"code": 23, "description": "队列已满"})),
            2 => Ok(response_with(429, ("retry-after", "1"), "")),
            _ => ok(json!({"code": 22, "description": "queued", "result": "9", "properties": {"numberOfQueues": 4}})),
        }
    });
    assert_eq!(run.result.expect("queued").outcome, SubmitOutcome::Queued { ahead: Some(4) });
    assert_eq!(run.requests.len(), 3);
    let banned = self::run(SubmitPlan::new(&config, Imagine::new("x"), policy(), SubmitPolicy::default()), |_, _| {
        ok(json!({"code": 24, "description": "banned"}))
    });
    assert_eq!(
        (banned.requests.len(), banned.result.expect_err("24").code()),
        (1, Some(mj_proto::ReturnCode::BannedPrompt))
    );
}

/// Code 9 means "try again" on novicezk and PLUS, but trueai also sends it for setup
/// errors no retry fixes, and for its full queue.
#[test]
fn code_9_is_read_the_way_the_declared_server_means_it() {
    let sends = |config: &Config, description: &'static str| {
        let run = run(SubmitPlan::new(config, Imagine::new("a fox"), policy(), SubmitPolicy::default()), |_, at| {
            if at < Duration::from_secs(20) {
                ok(json!({"code": 9, "description": description}))
            } else {
                ok(json!({"code": 1, "description": "ok", "result": "7"}))
            }
        });
        (run.requests.len() > 1, run.result.is_ok())
    };
    let auto = config();
    let trueai = config().with_profile(ServerProfile::Trueai);
    let plus = config().with_profile(ServerProfile::Plus);
    let permanent = "当前账号不支持编辑/重绘任务";
    let busy = "提交失败，队列已满，请稍后重试";
    let vague = "boom";
    assert_eq!(sends(&trueai, permanent), (false, false), "trueai: a setup error is final");
    assert_eq!(sends(&trueai, vague), (false, false), "trueai: only texts that say try later are retried");
    assert_eq!(sends(&trueai, busy), (true, true), "trueai: a full queue is waited out");
    assert_eq!(sends(&auto, permanent), (false, false), "undeclared: known setup errors are final");
    assert_eq!(sends(&auto, vague), (true, true), "undeclared: other 9s are retried");
    assert_eq!(sends(&plus, permanent), (true, true), "PLUS: 9 is a passing system error");
}

fn task(status: &str, progress: &str) -> serde_json::Value {
    json!({"id": "1", "status": status, "progress": progress})
}

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
    let run = run(WaitPlan::new(&config, "1", WaitOptions::default(), policy()), |_, _| {
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
    let failed = run(WaitPlan::new(&config, "1", WaitOptions::default(), policy()), |_, _| {
        ok(json!({"id": "1", "status": "FAILURE", "failReason": "banned prompt"}))
    });
    let Err(Error::TaskFailed(t)) = failed.result else { panic!("failure") };
    assert_eq!(t.fail_reason.as_deref(), Some("banned prompt"));
    let modal = run(WaitPlan::new(&config, "1", WaitOptions::default(), policy()), |_, _| ok(task("MODAL", "0%")));
    assert_eq!(modal.result.expect_err("modal").kind(), ErrorKind::NeedsInput);

    let stuck =
        run(WaitPlan::new(&config, "1", WaitOptions::default(), policy()), |_, _| ok(task("IN_PROGRESS", "42%")));
    match stuck.result {
        Err(Error::WaitTimeout { last: Some(last), waited, cause: None }) => {
            assert_eq!(last.progress_percent(), Some(42));
            assert_eq!(waited, Duration::from_secs(600));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(stuck.elapsed, Duration::from_secs(600), "the deadline is exact, not overshot");
    assert_eq!(stuck.requests.len(), 150, "one poll every 4 s for 10 minutes");

    let missing = run(WaitPlan::new(&config, "1", WaitOptions::default(), policy()), |_, _| Ok(response(200, "")));
    assert_eq!(missing.result.expect_err("unknown").kind(), ErrorKind::TaskNotFound);
    assert!(missing.elapsed >= Duration::from_secs(30), "new tasks get a grace period");
}

#[test]
fn wait_rides_out_transient_errors_but_not_hard_ones() {
    let config = config();
    let mut n = 0;
    let run = run(WaitPlan::new(&config, "1", WaitOptions::default(), policy()), |_, _| {
        n += 1;
        match n {
            1 | 2 => Ok(response(502, "")),
            3 => lost(),
            _ => ok(task("SUCCESS", "100%")),
        }
    });
    assert!(run.result.is_ok());
    let hard = self::run(WaitPlan::new(&config, "1", WaitOptions::default(), policy()), |_, _| Ok(response(401, "")));
    assert_eq!((hard.requests.len(), hard.result.expect_err("401").kind()), (1, ErrorKind::Unauthorized));

    // Far more failures in a row than any retry cap: the wait goes on to its deadline.
    let mut n = 0;
    let streak = self::run(WaitPlan::new(&config, "1", WaitOptions::default(), policy()), |_, _| {
        n += 1;
        if n <= 40 { Ok(response(500, "")) } else { ok(task("SUCCESS", "100%")) }
    });
    assert_eq!(streak.result.expect("rode out 40 failures").status, TaskStatus::Success);
    assert_eq!(streak.notices.len(), 40, "each failure announced");

    let down = self::run(WaitPlan::new(&config, "1", WaitOptions::default(), policy()), |_, _| {
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
    let e = run_at(
        t0,
        WaitPlan::new(&config, "1", WaitOptions::default(), policy()).until(Some(t0 + Duration::from_secs(5))),
        |_, _| lost(),
    )
    .result
    .expect_err("timeout");
    assert!(e.to_string().contains("never seen"), "{e}");
    let last = std::error::Error::source(&e).map(ToString::to_string).unwrap_or_default();
    assert!(last.contains("connection interrupted"), "the last error is the source: {last}");
}

#[test]
fn watch_uses_one_request_per_batch_per_round() {
    let config = config();
    let ids: Vec<String> = (0..250).map(|i| format!("t{i}")).collect();
    let options = WatchOptions::default().batch_size(100);
    let run = run(WatchPlan::new(&config, ids.clone(), options, policy()), |request, elapsed| {
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
    let watch = WatchPlan::new(&config, ["a", "b", "a"], WatchOptions::default(), policy());
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
    let flaky = self::run(WatchPlan::new(&config, ["a"], WatchOptions::default(), policy()), |_, elapsed| {
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

/// A server without `list-by-condition`, `query` or `list`: every imagine's answer is
/// lost, every fetch finds a finished task. Counts what the client asks for.
#[derive(Debug, Default)]
struct Bare {
    clock: std::cell::Cell<Duration>,
    requests: std::cell::RefCell<Vec<String>>,
}

impl mj_proto::Transport for Bare {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request.uri().path().to_owned();
        self.requests.borrow_mut().push(path.clone());
        match path.as_str() {
            "/mj/submit/imagine" => lost(),
            p if p.ends_with("/fetch") => {
                let id = p.trim_start_matches("/mj/task/").trim_end_matches("/fetch");
                ok(json!({"id": id, "status": "SUCCESS", "progress": "100%"}))
            }
            _ => Ok(response(404, "{\"error\":\"Not Found\"}")),
        }
    }

    fn sleep(&self, duration: Duration) {
        self.clock.set(self.clock.get() + duration);
    }

    fn now(&self) -> Instant {
        static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        *EPOCH.get_or_init(Instant::now) + self.clock.get()
    }
}

/// An undeclared server that answered 404 for an endpoint is not asked for it again by
/// the same client: batch reads go straight to per-id fetches, lost submits skip the
/// lookups that do not exist.
#[test]
fn a_client_remembers_the_endpoints_its_server_lacks() {
    let client = mj_proto::Client::with_transport(Bare::default(), config());
    let count = |client: &mj_proto::Client<Bare>, path: &str| {
        client.transport().requests.borrow().iter().filter(|p| p.as_str() == path).count()
    };
    for _ in 0..3 {
        let tasks = client.tasks(["1", "2"]).expect("per-id fallback");
        assert_eq!(tasks.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["1", "2"]);
    }
    // A clone shares what was learned (and the transport).
    let report = client.clone().watch(["3", "4"], |_| {}).expect("watched");
    assert!(report.all_succeeded(), "{report:?}");
    assert_eq!(count(&client, "/mj/task/list-by-condition"), 1, "asked once, then remembered");
    assert_eq!(count(&client, "/mj/task/3/fetch"), 1);

    for round in 0..2 {
        let e = client.submit(Imagine::new("a fox")).expect_err("lost, no lookup");
        let Error::OutcomeUnknown { why, .. } = &e else { panic!("{e:?}") };
        assert!(matches!(**why, LookupFailure::Unavailable), "round {round}: {why:?}");
    }
    assert_eq!(count(&client, "/mj/submit/imagine"), 2, "a lost submit is never re-sent blindly");
    assert_eq!((count(&client, "/mj/task/query"), count(&client, "/mj/task/list")), (1, 1), "each lookup tried once");
}

#[test]
fn tasks_plan_falls_back_to_one_fetch_per_id() {
    let config = config();
    let run = run(TasksPlan::new(&config, ["1", "2", "3"], policy()), |request, _| match request.uri().path() {
        "/mj/task/list-by-condition" => Ok(response(404, "")),
        "/mj/task/2/fetch" => Ok(response(200, "")),
        p => ok(json!({"id": p.trim_start_matches("/mj/task/").trim_end_matches("/fetch"), "status": "SUCCESS"})),
    });
    let ids: Vec<String> = run.result.expect("tasks").into_iter().map(|t| t.id).collect();
    assert_eq!(ids, ["1", "3"], "an unknown id is left out");
    assert_eq!(run.requests.len(), 4);
    assert_eq!(
        run.notices,
        [Notice::Fallback {
            missing: mj_proto::EndpointName::LIST_BY_CONDITION,
            using: Some(mj_proto::EndpointName::FETCH)
        }]
    );
    let none = self::run(TasksPlan::new(&config, Vec::<String>::new(), policy()), |_, _| lost());
    assert!(none.result.expect("empty").is_empty() && none.requests.is_empty(), "no ids, no request");
}

#[test]
fn a_client_builds_step_by_step_and_names_what_is_wrong() {
    let client: mj_proto::Client<Bare> = mj_proto::Client::builder()
        .base_url("http://sim.test")
        .api_key("sk-1")
        .profile(ServerProfile::Trueai)
        .header("x-storage-options", "1")
        .deadline(Duration::from_secs(60))
        .build()
        .expect("valid");
    assert_eq!(client.config().auth_style(), mj_proto::AuthStyle::RawAuthorization);
    assert_eq!(client.settings().deadline, Duration::from_secs(60));
    let request = client.config().build(&Fetch::new("1")).expect("builds");
    assert_eq!(request.headers()["x-storage-options"], "1");
    let e = mj_proto::Client::<Bare>::builder().build().expect_err("no base URL");
    assert_eq!(e.to_string(), "invalid base URL: no base URL was given");
    let e = mj_proto::Client::<Bare>::builder().base_url("http://h").api_key("a b").build().expect_err("bad key");
    assert_eq!(e, mj_proto::ConfigError::InvalidApiKey);
}

#[test]
fn a_resumed_submit_adopts_the_task_its_token_finds_and_sends_nothing() {
    let config = config();
    let plan = SubmitPlan::new(&config, Imagine::new("a fox").state("batch-7"), policy(), SubmitPolicy::default())
        .resumed(Duration::from_secs(30), Instant::now());
    let run = run(plan, |request, _| match request.uri().path() {
        "/mj/task/query" => {
            ok(json!({"content": [{"id": "41", "state": "batch-7", "status": "SUCCESS"}], "totalPages": 1}))
        }
        other => panic!("unexpected {other}"),
    });
    let submitted = run.result.expect("adopted");
    assert_eq!((submitted.task_id.as_str(), &submitted.outcome), ("41", &SubmitOutcome::Recovered));
    assert_eq!(run.requests, ["POST /mj/task/query"]);
}

#[test]
fn a_resumed_submit_is_sent_only_once_its_absence_is_trusted() {
    let config = config();
    for (lost_for, first_send_after) in
        [(Duration::from_secs(60), Duration::ZERO), (Duration::from_secs(2), Duration::from_secs(8))]
    {
        let plan = SubmitPlan::new(&config, Imagine::new("a fox").state("batch-8"), policy(), SubmitPolicy::default())
            .resumed(lost_for, Instant::now());
        let run = run(plan, |request, _| match request.uri().path() {
            "/mj/task/query" => ok(json!({"content": [], "totalPages": 0})),
            "/mj/submit/imagine" => ok(json!({"code": 1, "description": "ok", "result": "99"})),
            other => panic!("unexpected {other}"),
        });
        assert_eq!(run.result.expect("sent").task_id, "99");
        assert_eq!(run.requests.iter().filter(|r| r.contains("submit")).count(), 1, "{:?}", run.requests);
        assert_eq!(run.requests.first().map(String::as_str), Some("POST /mj/task/query"));
        // "absent" is trusted 10 s after the loss: at once for a loss a minute old, 8 s
        // on for one 2 s old.
        let sent = run.sent_at[run.sent_at.len() - 1];
        assert!(
            sent >= first_send_after && sent < first_send_after + Duration::from_secs(2),
            "{lost_for:?}: sent at {sent:?}"
        );
    }
}

#[test]
fn a_resumed_submit_without_a_lookup_is_unknown_and_sends_nothing() {
    let config = config();
    let plan = SubmitPlan::new(
        &config,
        Imagine::new("a fox").state("batch-9"),
        policy(),
        SubmitPolicy::default().lookup(Lookup::Never),
    )
    .resumed(Duration::from_secs(30), Instant::now());
    let run = run(plan, |request, _| panic!("nothing may be sent: {}", request.uri()));
    match run.result {
        Err(Error::OutcomeUnknown { token, why, .. }) => {
            assert_eq!(token, "batch-9");
            assert!(matches!(*why, LookupFailure::Unavailable), "{why:?}");
        }
        other => panic!("{other:?}"),
    }
}

/// A server whose lookup lists a new task only 15 s after creating it. Undeclared, mj
/// trusts "not found" after `absent_after` (10 s) and says exactly what it observed; a
/// reseller profile (whose lookup is known to lag) waits long enough and adopts the task.
#[test]
fn a_lagging_lookup_gets_a_long_enough_absent_after_from_its_profile() {
    let lagging = |request: &HttpRequest, at: Duration| match request.uri().path() {
        "/mj/submit/imagine" => lost(),
        "/mj/task/query" => {
            let body: serde_json::Value = serde_json::from_slice(request.body()).expect("json");
            let content = if at >= Duration::from_secs(15) {
                json!([{"id": "17", "state": body["state"], "status": "SUBMITTED"}])
            } else {
                json!([])
            };
            ok(json!({"content": content, "totalPages": 1}))
        }
        _ => Ok(response(404, "")),
    };
    let undeclared = config();
    let run1 = run(SubmitPlan::new(&undeclared, Imagine::new("a fox"), policy(), SubmitPolicy::default()), lagging);
    let said = run1.notices.iter().find(|n| matches!(n, Notice::Resend { .. })).expect("resent").to_string();
    assert!(said.contains("found by lookups") && said.contains("absent_after is 10 s"), "{said}");
    assert!(!said.contains("never landed"), "an observation, not a claim: {said}");

    let reseller = config().with_profile(ServerProfile::Reseller);
    let run2 = run(SubmitPlan::new(&reseller, Imagine::new("a fox"), policy(), SubmitPolicy::default()), lagging);
    assert_eq!(run2.result.expect("adopted").task_id, "17");
    assert_eq!(run2.requests.iter().filter(|r| r.contains("submit")).count(), 1, "never sent twice");
}

/// A 2xx submit answer mj cannot read (trailing garbage, NaN, code 1 without an id) may
/// have created the task: it is looked up by its token, never called a refusal.
#[test]
fn an_unreadable_success_is_a_lost_answer() {
    for body in [
        r#"{"code":1,"description":"ok","result":"7"} trailing"#,
        r#"{"code":1,"description":"ok","result":NaN}"#,
        r#"{"code":1,"description":"ok","result":""}"#,
    ] {
        let mut submits = 0;
        let config = config();
        let plan = SubmitPlan::new(&config, Imagine::new("a fox"), policy(), SubmitPolicy::default());
        let run = run(plan, |request, _| match request.uri().path() {
            "/mj/submit/imagine" => {
                submits += 1;
                Ok(response(200, body))
            }
            "/mj/task/query" => {
                let sent: serde_json::Value = serde_json::from_slice(request.body()).expect("json");
                ok(json!({"content": [{"id": "7", "state": sent["state"], "status": "SUBMITTED"}], "totalPages": 1}))
            }
            _ => Ok(response(404, "")),
        });
        let submitted = run.result.unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(
            (submitted.task_id.as_str(), submitted.outcome, submits),
            ("7", SubmitOutcome::Recovered, 1),
            "{body}"
        );
    }
}

/// `RetryPolicy::none()` means one lookup after a lost answer, not five minutes of them;
/// and a server that answers no lookup (a black hole) ends the lookups after three, each
/// cut at 10 s: tens of seconds, not minutes.
#[test]
fn lookups_of_a_dead_server_end_in_tens_of_seconds() {
    let none = run(
        SubmitPlan::new(&config(), Imagine::new("a fox"), RetryPolicy::none(), SubmitPolicy::default()),
        |request, _| match request.uri().path() {
            "/mj/submit/imagine" => lost(),
            _ => Ok(response(503, "")),
        },
    );
    assert_eq!(none.result.expect_err("unknown").kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(none.requests.len(), 2, "the submit and one lookup: {:?}", none.requests);

    let mut limits = Vec::new();
    let hole =
        run(SubmitPlan::new(&config(), Imagine::new("a fox"), policy(), SubmitPolicy::default()), |request, _| {
            limits.push(RequestTimeout::of(request));
            Err(TransportError::new(TransportErrorKind::Timeout, "no answer"))
        });
    let Err(Error::OutcomeUnknown { why, .. }) = hole.result else { panic!("{:?}", hole.result) };
    assert!(matches!(*why, LookupFailure::Exhausted { attempts: 3, .. }), "{why:?}");
    assert!(limits[1..].iter().all(|l| l.is_some_and(|d| d <= Duration::from_secs(10))), "{limits:?}");
    assert!(hole.elapsed < Duration::from_secs(60), "{:?}", hole.elapsed);
}

/// A fetch for one id answered with another task is refused, in every plan that fetches.
#[test]
fn an_answer_about_another_task_is_refused() {
    let config = config();
    let foreign = |_: &HttpRequest, _: Duration| ok(json!({"id": "8888", "status": "SUCCESS", "progress": "100%"}));
    let wait = run(WaitPlan::new(&config, "1001", WaitOptions::default(), policy()), foreign);
    let e = wait.result.expect_err("foreign");
    assert!(matches!(e, Error::ForeignTask { ref asked, ref got } if &**asked == "1001" && &**got == "8888"), "{e:?}");
    assert_eq!(wait.requests.len(), 1, "not retried");
}

/// One callback's task, as a receiver hands it to a wait.
fn pushed(status: &str, progress: &str) -> Task {
    mj_proto::webhook::parse(json!({"id": "1", "status": status, "progress": progress}).to_string()).expect("a task")
}

/// Steps a plan until it asks for something other than progress, collecting the progress.
fn next_step<P: Plan<Output = Task, Progress = Task>>(
    plan: &mut P,
    now: Instant,
    seen: &mut Vec<String>,
) -> Step<Task, Task> {
    loop {
        match plan.poll(now) {
            Step::Progress(task) => seen.push(format!("{} {}", task.status, task.progress.unwrap_or_default())),
            other => return other,
        }
    }
}

#[test]
fn pushed_updates_show_at_once_slow_the_polls_and_a_pushed_end_is_confirmed() {
    let config = config();
    let t0 = Instant::now();
    let mut plan = WaitPlan::new(&config, "1", WaitOptions::default(), policy());
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
    let mut plan = WaitPlan::new(&config, "1", WaitOptions::default(), policy()).expecting_pushes();
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
    let mut plan = WaitPlan::new(&config, "1", WaitOptions::default().trust_pushes(true), policy());
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
    let mut plan = WatchPlan::new(&config, ["a", "b"], WatchOptions::default(), policy());
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
    let mut plan = WaitPlan::new(&config, "1", WaitOptions::default(), policy()).expecting_pushes();
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
