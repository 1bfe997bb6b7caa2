//! SubmitPlan: exactly once: a lost answer is looked up by its token, never blindly re-sent;
//! a resumed submit adopts what its token finds.

use super::driver::*;

#[test]
fn a_lost_submit_answer_is_recovered_by_its_token() {
    let config = config();
    let plan = SubmitPlan::new(&config, Imagine::new("a fox")).retry(policy());
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
    let mut plan = SubmitPlan::new(&config, Imagine::new("a fox")).retry(policy());
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
    let mut plan = SubmitPlan::new(&config, Imagine::new("a fox")).retry(policy());
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
    let mut plan = SubmitPlan::new(&config, Imagine::new("a fox")).retry(policy());
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
    let run =
        run(
            SubmitPlan::new(&config, Imagine::new("a fox").state("order-9")).retry(policy()),
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
    let run = run(SubmitPlan::new(&config, Imagine::new("a fox")).retry(policy()), |request, at| {
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
    let plan = SubmitPlan::new(&config, Imagine::new("a fox")).retry(policy());
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
    let run = run(SubmitPlan::new(&config, Imagine::new("a fox")).retry(policy()), |_, at| {
        n += 1;
        if at < Duration::from_secs(200) { full() } else { ok(json!({"code": 1, "description": "ok", "result": "5"})) }
    });
    assert_eq!(run.result.expect("accepted once the queue drained").task_id, "5");
    assert!(n > 10, "{n} tries, past the per-request cap");
    let never = self::run(SubmitPlan::new(&config, Imagine::new("a fox")).retry(policy()), |_, _| full());
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
    let plan = SubmitPlan::new(&config, Imagine::new("a fox")).retry(policy());
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
        SubmitPlan::new(&config, Imagine::new("a fox"))
            .retry(policy())
            .policy(SubmitPolicy::default().lookup(Lookup::Never)),
        |_, _| lost(),
    );
    assert_eq!(never.result.expect_err("unknown").kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(never.requests.len(), 1);
}

#[test]
fn refusals_that_prove_nothing_was_created_are_retried() {
    let config = config();
    let mut n = 0;
    let run = run(SubmitPlan::new(&config, Imagine::new("a fox")).retry(policy()), |_, _| {
        n += 1;
        match n {
            1 => ok(json!({"code": 23, "description": "队列已满"})),
            2 => Ok(response_with(429, ("retry-after", "1"), "")),
            _ => ok(json!({"code": 22, "description": "queued", "result": "9", "properties": {"numberOfQueues": 4}})),
        }
    });
    assert_eq!(run.result.expect("queued").outcome, SubmitOutcome::Queued { ahead: Some(4) });
    assert_eq!(run.requests.len(), 3);
    let banned = self::run(SubmitPlan::new(&config, Imagine::new("x")).retry(policy()), |_, _| {
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
        let run = run(SubmitPlan::new(config, Imagine::new("a fox")).retry(policy()), |_, at| {
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

#[test]
fn a_resumed_submit_adopts_the_task_its_token_finds_and_sends_nothing() {
    let config = config();
    let plan = SubmitPlan::new(&config, Imagine::new("a fox").state("batch-7"))
        .retry(policy())
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
        let plan = SubmitPlan::new(&config, Imagine::new("a fox").state("batch-8"))
            .retry(policy())
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
    let plan = SubmitPlan::new(&config, Imagine::new("a fox").state("batch-9"))
        .retry(policy())
        .policy(SubmitPolicy::default().lookup(Lookup::Never))
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
    let run1 = run(SubmitPlan::new(&undeclared, Imagine::new("a fox")).retry(policy()), lagging);
    let said = run1.notices.iter().find(|n| matches!(n, Notice::Resend { .. })).expect("resent").to_string();
    assert!(said.contains("found by lookups") && said.contains("absent_after is 10 s"), "{said}");
    assert!(!said.contains("never landed"), "an observation, not a claim: {said}");

    let reseller = config().with_profile(ServerProfile::Reseller);
    let run2 = run(SubmitPlan::new(&reseller, Imagine::new("a fox")).retry(policy()), lagging);
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
        let plan = SubmitPlan::new(&config, Imagine::new("a fox")).retry(policy());
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
    let none = run(SubmitPlan::new(&config(), Imagine::new("a fox")).retry(RetryPolicy::none()), |request, _| {
        match request.uri().path() {
            "/mj/submit/imagine" => lost(),
            _ => Ok(response(503, "")),
        }
    });
    assert_eq!(none.result.expect_err("unknown").kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(none.requests.len(), 2, "the submit and one lookup: {:?}", none.requests);

    let mut limits = Vec::new();
    let hole = run(SubmitPlan::new(&config(), Imagine::new("a fox")).retry(policy()), |request, _| {
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
    let wait = run(WaitPlan::new(&config, "1001").retry(policy()), foreign);
    let e = wait.result.expect_err("foreign");
    assert!(matches!(e, Error::ForeignTask { ref asked, ref got } if &**asked == "1001" && &**got == "8888"), "{e:?}");
    assert_eq!(wait.requests.len(), 1, "not retried");
}
