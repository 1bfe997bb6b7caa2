//! The pool's plans with explicit instants: a submit moves to the next member only when
//! the first provably created nothing, and always with the same token; a lost answer is
//! resolved on its own member, never sent to another; a watch asks each member once a
//! round and a failing member ends only its own part.

use mj_proto::model::TaskHandle;
use mj_proto::plan::{Member, PoolSubmitPlan, PoolWatchPlan};
use mj_proto::{EndpointName, ServerProfile};

use super::driver::*;

fn members() -> Vec<Member> {
    let member = |name: &str| {
        let config = Config::new(&format!("http://{name}.test")).expect("config").with_profile(ServerProfile::Trueai);
        Member::new(name, config).expect("member")
    };
    vec![member("a"), member("b")]
}

/// The `state` a submit carries.
fn token_of(request: &HttpRequest) -> String {
    let body: serde_json::Value = serde_json::from_slice(request.body()).expect("a JSON submit");
    body["state"].as_str().expect("a token").to_owned()
}

fn refused() -> Result<HttpResponse, TransportError> {
    Err(TransportError::new(TransportErrorKind::Connect, "connection refused"))
}

#[test]
fn a_submit_moves_on_only_from_a_member_that_created_nothing_and_keeps_its_token() {
    let members = members();
    let mut tokens = Vec::new();
    let plan = PoolSubmitPlan::new(&members, vec![0, 1], Imagine::new("a fox")).retry(policy());
    let run = run(plan, |request, _| {
        tokens.push(token_of(request));
        match request.uri().host() {
            Some("a.test") => refused(),
            _ => ok(json!({"code": 1, "description": "Submit success", "result": "77"})),
        }
    });
    let placed = run.result.expect("placed on b");
    assert_eq!((placed.member, placed.server.as_str(), placed.handle().to_string()), (1, "b", "b:77".to_owned()));
    assert_eq!(run.urls, ["POST http://a.test/mj/submit/imagine", "POST http://b.test/mj/submit/imagine"]);
    assert_eq!(tokens[0], tokens[1], "one token across the members");
    assert!(
        matches!(&run.notices[..], [Notice::Failover { from, to, .. }] if from == "a" && to == "b"),
        "{:?}",
        run.notices
    );
    assert_eq!(run.elapsed, Duration::ZERO, "a refused connection is not waited out on that member");
}

#[test]
fn a_lost_answer_is_resolved_on_its_own_member_and_never_sent_to_another() {
    let members = members();
    let mut token = String::new();
    let plan = PoolSubmitPlan::new(&members, vec![0, 1], Imagine::new("a fox")).retry(policy());
    let run = run(plan, |request, _| {
        assert_eq!(request.uri().host(), Some("a.test"), "nothing goes to b: {}", request.uri());
        match request.uri().path() {
            "/mj/submit/imagine" => {
                token = token_of(request);
                lost()
            }
            // trueai's lookup: its task list, where the task carries the token.
            "/mj/task/list" => ok(json!([{"id": "77", "status": "SUBMITTED", "state": token}])),
            other => panic!("unexpected {other}"),
        }
    });
    let placed = run.result.expect("found by its token");
    assert_eq!((placed.server.as_str(), placed.submitted.task_id.as_str()), ("a", "77"));
    assert_eq!(run.urls, ["POST http://a.test/mj/submit/imagine", "GET http://a.test/mj/task/list"]);
}

#[test]
fn when_every_member_refuses_the_last_refusal_is_the_error() {
    let members = members();
    let plan = PoolSubmitPlan::new(&members, vec![1, 0], Imagine::new("a fox")).retry(policy());
    let run = run(plan, |_, _| refused());
    let error = run.result.expect_err("nobody took it");
    assert_eq!(error.kind(), ErrorKind::Connect, "{error}");
    assert_eq!(run.urls, ["POST http://b.test/mj/submit/imagine", "POST http://a.test/mj/submit/imagine"]);
}

#[test]
fn a_pool_watch_asks_each_member_once_a_round_and_a_failing_member_ends_only_its_part() {
    let members = members();
    let handles: Vec<TaskHandle> = ["a:1", "a:2", "b:3", "c:4"].iter().map(|h| h.parse().expect("handle")).collect();
    let t0 = Instant::now();
    let plan = PoolWatchPlan::new(&members, &handles).retry(policy()).until(Some(t0 + Duration::from_secs(600)));
    let mut rounds_on_a = 0;
    let run = run_at(t0, plan, |request, _| match request.uri().host() {
        Some("a.test") => {
            assert_eq!(request.uri().path(), "/mj/task/list-by-condition", "one request for both of a's tasks");
            rounds_on_a += 1;
            let status = if rounds_on_a < 3 { "IN_PROGRESS" } else { "SUCCESS" };
            ok(json!([{"id": "1", "status": status, "progress": "50%"}, {"id": "2", "status": status}]))
        }
        _ => Ok(response(401, r#"{"message":"bad key"}"#.to_owned())),
    });
    let report = run.result.expect("a report");
    let finished: Vec<String> = report.finished.iter().map(|t| t.handle().to_string()).collect();
    assert_eq!(finished, ["a:1", "a:2"]);
    assert_eq!(report.unknown.iter().map(ToString::to_string).collect::<Vec<_>>(), ["c:4"], "no member c");
    assert_eq!(report.unseen.iter().map(ToString::to_string).collect::<Vec<_>>(), ["b:3"]);
    assert!(matches!(&report.failed[..], [(name, e)] if name == "b" && e.kind() == ErrorKind::Unauthorized));
    assert_eq!(rounds_on_a, 3, "a is asked once a round until its tasks end");
    assert!(!members[0].config.offers(EndpointName::QUERY), "trueai has no query");
}
