//! What a client learned of its server, handed to each new plan (ServerFacts): the
//! endpoints it lacks are not asked for again; TasksPlan's fallback to one fetch per id.

use super::driver::*;

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
