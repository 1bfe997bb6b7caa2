//! What a client learned of its server, handed to each new plan (ServerFacts): the
//! endpoints it lacks are not asked for again; TasksPlan's fallback to one fetch per id.

use super::driver::*;

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
