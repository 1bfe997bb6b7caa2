//! What a client learns of its server and keeps for its later calls (its ServerFacts):
//! an undeclared server that answered 404 for an endpoint is not asked for it again; and a
//! client built step by step names what is wrong.

use std::time::{Duration, Instant};

use mj_client::prelude::*;
use mj_proto::{HttpRequest, HttpResponse, LookupFailure, TransportError, TransportErrorKind, http};
use serde_json::json;

fn config() -> Config {
    Config::new("http://sim.test").expect("config")
}

fn ok(body: serde_json::Value) -> Result<HttpResponse, TransportError> {
    Ok(response(200, body.to_string()))
}

fn lost() -> Result<HttpResponse, TransportError> {
    Err(TransportError::new(TransportErrorKind::Interrupted, "connection reset"))
}

fn response(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
    http::Response::builder().status(status).body(body.into()).expect("valid status")
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
    let client = mj_client::Client::with_transport(Bare::default(), config());
    let count = |client: &mj_client::Client<Bare>, path: &str| {
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
fn a_client_builds_step_by_step_and_names_what_is_wrong() {
    let client: mj_client::Client<Bare> = mj_client::Client::builder()
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
    let e = mj_client::Client::<Bare>::builder().build().expect_err("no base URL");
    assert_eq!(e.to_string(), "invalid base URL: no base URL was given");
    let e = mj_client::Client::<Bare>::builder().base_url("http://h").api_key("a b").build().expect_err("bad key");
    assert_eq!(e, mj_proto::ConfigError::InvalidApiKey);
}
