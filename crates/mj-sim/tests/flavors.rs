//! Each flavor differs on the wire as the spec says (§3, §8, §9).

use mj_sim::{Flavor, SimConfig, Simulator};
use serde_json::{Value, json};

const T0: u64 = 1_800_000_000_000;

fn sim(flavor: Flavor) -> Simulator {
    Simulator::new(SimConfig::new("http://sim.test").flavor(flavor).api_key("sk-key"))
}

fn call(
    sim: &mut Simulator,
    now: u64,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, Vec<u8>, Option<String>) {
    let mut builder = http::Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default()).expect("request");
    let response = sim.respond(&request, now);
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (response.status().as_u16(), response.body().clone(), content_type)
}

/// The header each flavor wants.
fn auth(flavor: Flavor) -> (&'static str, &'static str) {
    match flavor {
        Flavor::Plus | Flavor::Novicezk => ("mj-api-secret", "sk-key"),
        Flavor::Trueai => ("authorization", "sk-key"),
        Flavor::Newapi | Flavor::Reseller => ("authorization", "Bearer sk-key"),
    }
}

fn parse(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

/// Submits an imagine and returns (submit answer, task id).
fn imagine(sim: &mut Simulator, flavor: Flavor) -> (Value, String) {
    let (status, body, _) =
        call(sim, T0, "POST", "/mj/submit/imagine", &[auth(flavor)], Some(json!({"prompt": "a fox"})));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let answer = parse(&body);
    let id = match &answer["result"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    (answer, id)
}

#[test]
fn each_flavor_wants_its_own_auth_header_and_refuses_in_its_own_shape() {
    let styles: [(&str, &str); 4] = [
        ("mj-api-secret", "sk-key"),
        ("authorization", "sk-key"),
        ("authorization", "Bearer sk-key"),
        ("authorization", "Bearer key"),
    ];
    let want: [(Flavor, [bool; 4]); 5] = [
        (Flavor::Plus, [true, false, false, false]),
        (Flavor::Novicezk, [true, false, false, false]),
        (Flavor::Trueai, [true, true, false, false]),
        (Flavor::Newapi, [true, true, true, true]),
        (Flavor::Reseller, [true, true, true, false]),
    ];
    for (flavor, accepted) in want {
        for (style, ok) in styles.iter().zip(accepted) {
            let mut s = sim(flavor);
            let (status, _, _) = call(&mut s, T0, "GET", "/mj/task/1/fetch", &[*style], None);
            assert_eq!(status != 401, ok, "{flavor} with {style:?}");
        }
        let mut s = sim(flavor);
        let (status, body, content_type) = call(&mut s, T0, "GET", "/mj/task/1/fetch", &[], None);
        assert_eq!(status, 401);
        match flavor {
            Flavor::Plus | Flavor::Novicezk => assert!(body.is_empty()),
            Flavor::Trueai => assert_eq!(
                (body.as_slice(), content_type.as_deref()),
                (&b"Authorization header missing."[..], Some("text/plain; charset=utf-8"))
            ),
            Flavor::Newapi | Flavor::Reseller => assert!(parse(&body)["error"]["message"].is_string()),
        }
    }
}

#[test]
fn not_found_differs_by_flavor() {
    for (flavor, status, body) in [
        (Flavor::Plus, 200, ""),
        (Flavor::Novicezk, 200, ""),
        (Flavor::Trueai, 204, ""),
        (Flavor::Newapi, 400, r#"{"code":4,"description":"task_no_found ","type":"upstream_error"}"#),
        (Flavor::Reseller, 400, r#"{"code":4,"description":"task_no_found ","type":"upstream_error"}"#),
    ] {
        let mut s = sim(flavor);
        let (got_status, got_body, _) = call(&mut s, T0, "GET", "/mj/task/404404/fetch", &[auth(flavor)], None);
        assert_eq!((got_status, String::from_utf8_lossy(&got_body).as_ref()), (status, body), "{flavor}");
    }
}

#[test]
fn gateways_write_empty_strings_zeros_and_null_buttons() {
    let mut s = sim(Flavor::Newapi);
    let (answer, id) = imagine(&mut s, Flavor::Newapi);
    assert!(answer["result"].is_string(), "new-api passes the upstream's string id through: {answer}");
    assert!(answer["properties"].is_null());
    let task = s.task_json(&id, T0).expect("task");
    assert_eq!(task["status"], "", "empty until the first poll");
    assert_eq!((task["startTime"].as_u64(), task["finishTime"].as_u64()), (Some(0), Some(0)));
    assert_eq!(
        (task["imageUrl"].as_str(), task["failReason"].as_str(), task["state"].as_str()),
        (Some(""), Some(""), Some(""))
    );
    assert!(task["buttons"].is_null() && task["properties"].is_null() && task["videoUrls"].is_null());
    assert_eq!(task["description"], "提交成功");
    let done = s.task_json(&id, T0 + 60_000).expect("task");
    assert_eq!(done["imageUrl"], format!("http://sim.test/mj/image/{id}"));
    assert_eq!(done["buttons"][0]["type"], 2);
    let running = s.task_json(&id, T0 + 3_000).expect("task");
    assert!(running["imageUrl"].as_str().is_some_and(|u| u.contains("?rand=")));

    let mut r = sim(Flavor::Reseller);
    let (answer, id) = imagine(&mut r, Flavor::Reseller);
    assert!(answer["result"].is_string());
    let task = r.task_json(&id, T0 + 1_500).expect("task");
    assert!(task.get("finishTime").is_none(), "resellers leave finishTime out until set");
    assert_eq!(task["buttons"], json!([]));
    let done = r.task_json(&id, T0 + 60_000).expect("task");
    assert_eq!((done["buttons"][0]["type"].as_str(), done["buttons"][0]["style"].as_str()), (Some("2"), Some("2")));
}

#[test]
fn java_servers_write_nulls() {
    for flavor in [Flavor::Plus, Flavor::Novicezk, Flavor::Trueai] {
        let mut s = sim(flavor);
        let (_, id) = imagine(&mut s, flavor);
        let task = s.task_json(&id, T0).expect("task");
        for key in ["startTime", "finishTime", "imageUrl", "failReason", "state"] {
            assert!(task[key].is_null(), "{flavor}: {key} = {}", task[key]);
        }
        assert_eq!(task["status"], "NOT_START");
    }
    let mut t = sim(Flavor::Trueai);
    let (answer, id) = imagine(&mut t, Flavor::Trueai);
    assert_eq!(answer["description"], "Submit success");
    assert_eq!(answer["properties"]["discordChannelId"], answer["properties"]["discordInstanceId"]);
    let done = t.task_json(&id, T0 + 60_000).expect("task");
    assert_eq!(done["imageUrls"].as_array().map(Vec::len), Some(4));
    assert!(done["displays"].is_object() && done["mode"] == "FAST" && done["useTime"].is_string());
}

#[test]
fn new_api_rewrites_21_and_22_to_1_except_for_region_and_custom_zoom() {
    let mut s = Simulator::new(SimConfig::new("http://sim.test").flavor(Flavor::Newapi).capacity(1, 5));
    let (first, id) = imagine(&mut s, Flavor::Newapi);
    assert_eq!(first["code"], 1);
    let (second, _) = imagine(&mut s, Flavor::Newapi);
    assert_eq!(second["code"], 1, "22 becomes 1 behind new-api: {second}");
    let grid = s.task_json(&id, T0 + 60_000).expect("task");
    let u1 = grid["buttons"][0]["customId"].as_str().expect("U1").to_owned();
    let (_, body, _) =
        call(&mut s, T0 + 60_000, "POST", "/mj/submit/action", &[], Some(json!({"taskId": id, "customId": u1})));
    let up = parse(&body);
    let up_id = up["result"].as_str().expect("a string id").to_owned();
    let upscale = s.task_json(&up_id, T0 + 600_000).expect("upscale");
    let zoom =
        upscale["buttons"].as_array().and_then(|b| b.iter().find(|b| b["label"] == "Custom Zoom")).expect("zoom");
    let (_, body, _) = call(
        &mut s,
        T0 + 600_000,
        "POST",
        "/mj/submit/action",
        &[],
        Some(json!({"taskId": up_id, "customId": zoom["customId"]})),
    );
    assert_eq!(parse(&body)["code"], 21, "CUSTOM_ZOOM keeps its 21");
    let (status, body, _) = call(
        &mut s,
        T0 + 600_000,
        "POST",
        "/mj/submit/action",
        &[],
        Some(json!({"taskId": up_id, "customId": "MJ::BOOKMARK::x"})),
    );
    assert_eq!((status, parse(&body)["description"].as_str()), (400, Some("unknown_action:MJ::BOOKMARK::x")));
    let (status, body, _) = call(
        &mut s,
        T0,
        "POST",
        "/mj/submit/video",
        &[],
        Some(json!({"prompt": "go", "taskId": id, "action": "extend", "index": "1"})),
    );
    assert_eq!((status, parse(&body)["code"].as_i64()), (400, Some(5)), "a string index does not bind in Go");
}

#[test]
fn trueai_answers_a_missing_parent_with_404_and_cancels_to_failure() {
    let mut t = sim(Flavor::Trueai);
    let a = auth(Flavor::Trueai);
    let (status, body, _) = call(
        &mut t,
        T0,
        "POST",
        "/mj/submit/action",
        &[a],
        Some(json!({"taskId": "1", "customId": "MJ::JOB::upsample::1::x"})),
    );
    assert_eq!((status, parse(&body)["code"].as_i64()), (404, Some(3)));
    let (_, id) = imagine(&mut t, Flavor::Trueai);
    let (status, body, _) = call(&mut t, T0 + 2_500, "POST", &format!("/mj/task/{id}/cancel"), &[a], None);
    assert_eq!((status, body.len()), (200, 0));
    let task = t.task_json(&id, T0 + 60_000).expect("task");
    assert_eq!((task["status"].as_str(), task["failReason"].as_str()), (Some("FAILURE"), Some("取消任务")));
    let (status, _, _) = call(&mut t, T0, "POST", "/mj/submit/change", &[a], Some(json!({})));
    assert_eq!(status, 404, "trueai removed /submit/change");
    let banned = call(&mut t, T0, "POST", "/mj/submit/imagine", &[a], Some(json!({"prompt": "nude"})));
    let answer = parse(&banned.1);
    assert_eq!(answer["code"], 1, "trueai accepts, then fails the task");
    let task = t.task_json(answer["result"].as_str().unwrap_or_default(), T0 + 60_000).expect("task");
    assert_eq!(task["failReason"], "可能包含敏感词");
}

#[test]
fn mode_prefixes_and_unsupported_routes() {
    let mut t = sim(Flavor::Trueai);
    let (status, body, _) = call(
        &mut t,
        T0,
        "POST",
        "/mj-relax/mj/submit/imagine",
        &[auth(Flavor::Trueai)],
        Some(json!({"prompt": "slow fox"})),
    );
    assert_eq!(status, 200);
    let id = parse(&body)["result"].as_str().unwrap_or_default().to_owned();
    assert_eq!(t.task_json(&id, T0).expect("task")["mode"], "RELAX");
    let mut n = sim(Flavor::Novicezk);
    let (status, body, _) =
        call(&mut n, T0, "POST", "/mj-fast/mj/submit/imagine", &[auth(Flavor::Novicezk)], Some(json!({"prompt": "x"})));
    assert_eq!((status, parse(&body)["error"].as_str()), (404, Some("Not Found")));
    let mut g = sim(Flavor::Newapi);
    let (status, _, _) =
        call(&mut g, T0, "POST", "/anything/mj/submit/imagine", &[auth(Flavor::Newapi)], Some(json!({"prompt": "x"})));
    assert_eq!(status, 200, "new-api routes any single segment");
    let (status, body, _) = call(&mut g, T0, "GET", "/mj/task/list", &[auth(Flavor::Newapi)], None);
    assert_eq!((status, body.as_slice()), (404, &b"404 page not found"[..]));
}
