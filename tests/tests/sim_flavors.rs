//! mj-proto reads every flavor of mj-sim: the client's parsers against the simulator's
//! quirks, through the in-process transport on a manual clock.

use std::time::Duration;

use mj_client::prelude::*;
use mj_proto::{EndpointName, ServerProfile};
use mj_proto::{Transport, TransportErrorKind};
use mj_sim::{Flavor, SimConfig, SimTransport};

const KEY: &str = "sk-flavor-test";

fn auth_for(flavor: Flavor) -> AuthStyle {
    match flavor {
        Flavor::Plus | Flavor::Novicezk => AuthStyle::MjApiSecret,
        Flavor::Trueai => AuthStyle::RawAuthorization,
        Flavor::Newapi | Flavor::Reseller => AuthStyle::Bearer,
    }
}

fn setup(flavor: Flavor) -> (SimTransport, Config) {
    let transport =
        SimTransport::manual(SimConfig::new("http://sim.test").flavor(flavor).api_key(KEY), 1_800_000_000_000);
    let config = Config::new("http://sim.test")
        .and_then(|c| c.with_api_key(KEY))
        .map(|c| c.with_auth_style(auth_for(flavor)))
        .expect("config");
    (transport, config)
}

fn call<E: Endpoint>(t: &SimTransport, c: &Config, e: &E) -> Result<E::Output, Error> {
    c.parse(e, t.send(c.build(e)?)?)
}

fn wait(t: &SimTransport, c: &Config, id: &str) -> Task {
    for _ in 0..200 {
        let task = call(t, c, &Fetch::new(id)).expect("fetch").expect("exists");
        if task.is_terminal() {
            return task;
        }
        t.sleep(Duration::from_secs(3));
    }
    panic!("task {id} never finished");
}

#[test]
fn every_flavor_round_trips_through_the_client() {
    for flavor in Flavor::ALL {
        let (t, c) = setup(flavor);
        let submitted = call(&t, &c, &Imagine::new("a red fox").state("s-1")).expect("submitted");
        let task = wait(&t, &c, &submitted.task_id);
        assert_eq!(task.status, TaskStatus::Success, "{flavor}");
        assert_eq!(task.progress_percent(), Some(100));
        assert!(task.finish_time > task.start_time, "{flavor}");
        assert_eq!(task.result_image_urls().len(), if flavor == Flavor::Trueai { 4 } else { 1 }, "{flavor}");

        // The same request on every server: the button, or novicezk's change.
        assert_eq!(task.buttons.is_empty(), flavor == Flavor::Novicezk, "{flavor}");
        let u1 = task.upscale(1).unwrap_or_else(|e| panic!("{flavor}: U1: {e}"));
        let child = call(&t, &c, &u1).expect("U1 pressed");
        let upscale = wait(&t, &c, &child.task_id);
        assert_eq!(upscale.action, Some(TaskAction::Upscale), "{flavor}");

        let both =
            call(&t, &c, &ListByCondition::new([task.id.clone(), upscale.id.clone(), "nope".into()])).expect("batch");
        assert_eq!(both.len(), 2, "{flavor}");
        assert_eq!(call(&t, &c, &Fetch::new("404404")).expect("not found is not an error"), None, "{flavor}");
    }
}

#[test]
fn wrong_credentials_are_unauthorized_in_every_flavor() {
    for flavor in Flavor::ALL {
        let (t, c) = setup(flavor);
        let wrong = c.clone().with_api_key("sk-wrong").expect("key");
        let e = call(&t, &wrong, &Fetch::new("1")).expect_err("refused");
        assert_eq!(e.kind(), ErrorKind::Unauthorized, "{flavor}: {e}");
        assert!(!e.to_string().contains("sk-wrong"));
    }
    // trueai reads Authorization raw: the default Bearer style is refused there.
    let (t, c) = setup(Flavor::Trueai);
    let bearer = c.with_auth_style(AuthStyle::Bearer);
    assert_eq!(call(&t, &bearer, &Fetch::new("1")).expect_err("bearer").kind(), ErrorKind::Unauthorized);
}

#[test]
fn refusals_and_modal_flows_are_typed() {
    let (t, c) = setup(Flavor::Plus);
    let banned = call(&t, &c, &Imagine::new("a nude statue")).expect_err("banned");
    assert_eq!(banned.code(), Some(mj_proto::ReturnCode::BannedPrompt));
    let grid = wait(&t, &c, &call(&t, &c, &Imagine::new("a fox")).expect("ok").task_id);
    let up = wait(&t, &c, &call(&t, &c, &grid.upscale(2).expect("U2")).expect("ok").task_id);
    let zoom = call(&t, &c, &up.press(&ButtonKind::CustomZoom).expect("custom zoom")).expect("modal");
    assert!(zoom.may_need_input());
    let waiting = call(&t, &c, &Fetch::new(&zoom.task_id)).expect("fetch").expect("exists");
    assert!(waiting.needs_input());
    call(&t, &c, &Modal::new(&zoom.task_id).prompt("a fox --zoom 1.5")).expect("confirmed");
    assert_eq!(wait(&t, &c, &zoom.task_id).status, TaskStatus::Success);

    let seed = call(&t, &c, &ImageSeed::new(&grid.id)).expect("seed");
    assert!(seed.parse::<u64>().is_ok());
    let page = call(&t, &c, &Query::new().with_state("nobody")).expect("page");
    assert!(page.content.is_empty() && page.is_last());
    let all = call(&t, &c, &Query::new().page(0, 2)).expect("page");
    assert_eq!((all.content.len(), all.next_number()), (2, Some(1)));
}

#[test]
fn simulated_faults_become_transport_errors() {
    let t = SimTransport::manual(SimConfig::new("http://sim.test").faults("reset=1".parse().expect("plan")), 0);
    let c = Config::new("http://sim.test").expect("config");
    let e = call(&t, &c, &Imagine::new("x")).expect_err("reset");
    assert_eq!(e.kind(), ErrorKind::Interrupted);
    assert!(e.outcome_unknown());
    assert_eq!(t.stats().total_tasks(), 1, "the task exists although the answer was lost");

    let slow = SimTransport::manual(SimConfig::new("http://sim.test").faults("slow=1".parse().expect("plan")), 0)
        .timeout(Duration::from_secs(1));
    let e = call(&slow, &c, &Fetch::new("1")).expect_err("timeout");
    assert!(matches!(&e, Error::Transport(t) if t.kind() == TransportErrorKind::Timeout), "{e}");
    let html = SimTransport::manual(SimConfig::new("http://sim.test").faults("html=1".parse().expect("plan")), 0);
    let e = call(&html, &c, &Fetch::new("1")).expect_err("html");
    assert_eq!(e.kind(), ErrorKind::Server, "a proxy's 502 page is a server error: {e}");
}

use mj_test_support::every_request as every;

/// What a server made of a request, in one line: the status and the envelope's code and
/// text, or the shape of the answer.
fn verdict(response: &mj_proto::HttpResponse) -> String {
    let status = response.status().as_u16();
    let body: Option<serde_json::Value> = serde_json::from_slice(response.body()).ok();
    let what = match &body {
        Some(serde_json::Value::Object(o)) if o.contains_key("code") => {
            let text = o.get("description").and_then(|d| d.as_str()).unwrap_or_default();
            format!("code {} {}", o["code"], text.chars().take(40).collect::<String>())
        }
        Some(serde_json::Value::Object(o)) if o.contains_key("id") => "a task".to_owned(),
        Some(serde_json::Value::Object(o)) if o.contains_key("content") => "a page".to_owned(),
        Some(serde_json::Value::Array(a)) => format!("a list of {}", a.len()),
        Some(other) => other.to_string().chars().take(40).collect(),
        None if response.body().is_empty() => "empty".to_owned(),
        None => String::from_utf8_lossy(response.body()).chars().take(40).collect(),
    };
    format!("HTTP {status} {what}")
}

/// Every request mj's snapshot tests show, sent to every flavor: the table is a snapshot,
/// and where the servers' sources settle a question, an assertion pins the answer.
#[test]
fn every_request_snapshot_against_every_flavor() {
    let config = Config::new("http://sim.test").expect("config");
    let flavors = [Flavor::Plus, Flavor::Novicezk, Flavor::Trueai, Flavor::Newapi, Flavor::Reseller];
    let mut table = String::new();
    let mut verdicts = std::collections::HashMap::new();
    let names: Vec<&str> = every::every_request(&config).into_iter().map(|(n, _)| n).collect();
    for (i, name) in names.into_iter().enumerate() {
        for flavor in flavors {
            let sim = SimTransport::manual(SimConfig::new("http://sim.test").flavor(flavor), 1_800_000_000_000);
            let request = every::every_request(&config).swap_remove(i).1.expect("builds");
            let answer = mj_proto::Transport::send(&sim, request).expect("answers");
            let line = verdict(&answer);
            table.push_str(&format!("{name:<22} {flavor:<9} {line}\n"));
            verdicts.insert((name, flavor), line);
        }
    }
    insta::assert_snapshot!(table);
    // novicezk and PLUS take reference images as data URLs only (spec 5.1: base64Array);
    // trueai also takes http(s) URLs (DataUrl.Parse), and new-api forwards.
    for flavor in [Flavor::Plus, Flavor::Novicezk] {
        assert!(verdicts[&("imagine", flavor)].contains("code 4"), "{flavor}: {}", verdicts[&("imagine", flavor)]);
    }
    assert!(verdicts[&("imagine", Flavor::Trueai)].contains("code 1"), "{}", verdicts[&("imagine", Flavor::Trueai)]);
    // novicezk has no /submit/action, /submit/modal, /submit/shorten (its routes list).
    for name in ["action", "modal", "shorten"] {
        assert!(
            verdicts[&(name, Flavor::Novicezk)].starts_with("HTTP 404"),
            "{name}: {}",
            verdicts[&(name, Flavor::Novicezk)]
        );
    }
}

/// A trueai older than v5.8.16 sends webhooks with integer enums; mj reads them as names.
#[test]
fn legacy_trueai_webhooks_decode_to_names() {
    let sim = SimTransport::manual(
        SimConfig::new("http://sim.test").flavor(Flavor::Trueai).legacy_enums(),
        1_800_000_000_000,
    );
    let config = Config::new("http://sim.test").expect("config").with_auth_style(AuthStyle::RawAuthorization);
    let imagine = Imagine::new("an old fox").notify_hook("http://127.0.0.1:9/hook");
    call(&sim, &config, &imagine).expect("submitted");
    sim.sleep(Duration::from_secs(60));
    let last = sim.take_notifications().pop().expect("a callback");
    let body: serde_json::Value = serde_json::from_slice(&last.body).expect("json");
    assert_eq!((body["action"].as_u64(), body["status"].as_u64()), (Some(0), Some(5)), "{body}");
    let task = mj_proto::webhook::parse(&last.body).expect("decodes");
    assert_eq!((task.action, task.status), (Some(TaskAction::Imagine), TaskStatus::Success));
    assert_eq!(task.bot_type.as_deref(), Some("MID_JOURNEY"));
}

/// The trueai flavor sends trueai's whole TaskInfo; mj keeps every member of it.
#[test]
fn every_member_the_trueai_flavor_sends_survives_decode_and_reencode() {
    let (sim, config) = setup(Flavor::Trueai);
    let id = call(&sim, &config, &Imagine::new("a whole fox")).expect("submitted").task_id;
    sim.sleep(Duration::from_secs(60));
    let raw = Transport::send(&sim, config.build(&Fetch::new(&id)).expect("request")).expect("answer");
    let sent: serde_json::Value = serde_json::from_slice(raw.body()).expect("json");
    let sent = sent.as_object().expect("an object").clone();
    assert_eq!(sent.len(), 75, "trueai's TaskInfo has 75 members");
    let task = call(&sim, &config, &Fetch::new(&id)).expect("fetched").expect("exists");
    let written = serde_json::to_value(&task).expect("renders");
    let written = written.as_object().expect("an object");
    for (key, value) in &sent {
        // Typed fields normalise null, "" and [] to unset; extra members keep even those.
        let unset = value.is_null() || value.as_str() == Some("") || value.as_array().is_some_and(Vec::is_empty);
        assert!(written.contains_key(key) || unset, "`{key}` was dropped");
    }
    assert_eq!(task.job_id().map(str::len), Some(36), "a job UUID");
    assert_eq!(task.version(), Some("v 7"));
}

/// Each server profile's endpoint table agrees with the simulator flavor of that server:
/// an endpoint the profile lacks is a missing route there, and every other one is served.
#[test]
fn server_profiles_match_the_simulator_flavors() {
    let pairs = [
        (ServerProfile::Novicezk, Flavor::Novicezk),
        (ServerProfile::Plus, Flavor::Plus),
        (ServerProfile::Trueai, Flavor::Trueai),
        (ServerProfile::Gateway, Flavor::Newapi),
        (ServerProfile::Reseller, Flavor::Reseller),
    ];
    let config = Config::new("http://sim.test").expect("config");
    for (profile, flavor) in pairs {
        let requests = every::every_request(&config);
        for (i, (name, _)) in requests.iter().enumerate() {
            let sim = SimTransport::manual(SimConfig::new("http://sim.test").flavor(flavor), 1_800_000_000_000);
            let request = every::every_request(&config).swap_remove(i).1.expect("builds");
            let endpoint = request.uri().path().to_owned();
            Transport::send(&sim, request).expect("answers");
            let missing = sim.stats().not_found > 0;
            let offered = profile.offers(endpoint_name(name));
            assert_eq!(offered, !missing, "{profile} vs the {flavor} flavor on {name} ({endpoint})");
        }
    }
}

/// The endpoint name of a request in the shared list (`change_upscale` → `change`).
fn endpoint_name(request: &str) -> EndpointName {
    let key = request.replace('_', "-");
    // The longest name first: `simple-change` before `change`, `list-by-condition` before `list`.
    let mut names = EndpointName::ALL;
    names.sort_by_key(|n| std::cmp::Reverse(n.as_str().len()));
    names.into_iter().find(|n| key.starts_with(n.as_str())).unwrap_or_else(|| panic!("which endpoint is {request}?"))
}
