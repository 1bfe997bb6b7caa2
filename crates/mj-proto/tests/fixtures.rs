//! Every fixture through the parse a client uses, snapshotted; plus the spec's claims
//! about specific fixtures, asserted one by one.

mod common;

use std::collections::BTreeSet;

use common::Answer;
use common::kind as inspect;
use common::{any_task, classify, fixture, fixture_body, response};
use mj_proto::endpoint::{Fetch, ImageSeed, Imagine, ListByCondition, Press, Query, UploadDiscordImages};
use mj_proto::model::{ComponentValue, Properties, ResultMember};
use mj_proto::prelude::*;
use mj_proto::{ReturnCode, webhook};

#[test]
fn every_fixture_parses_as_the_spec_says() {
    insta::glob!("fixtures/**/*.json*", |path| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let (kind, status) = classify(&name);
        let body = fixture_body(path);
        let rendered = match kind {
            None => request_keys(&name, &body),
            Some(kind) => match inspect::decode(kind, response(status, body.clone())) {
                Ok(value) => {
                    let quirks: String =
                        inspect::quirks(kind, response(status, body)).iter().map(|q| format!("\nquirk: {q}")).collect();
                    format!(
                        "{kind} (HTTP {status}) ->\n{}{quirks}",
                        serde_json::to_string_pretty(&value).expect("values print")
                    )
                }
                Err(e) => format!("{kind} (HTTP {status}) -> error {:?}: {e}", e.kind()),
            },
        };
        insta::assert_snapshot!(rendered);
    });
}

/// What a vendor's request sample says against the request mj writes for the same
/// endpoint: the endpoint, the sample's keys, and every key mj does not write, each with
/// the reason the servers' sources give. An unexplained key fails the test.
fn request_keys(name: &str, body: &[u8]) -> String {
    let endpoint =
        ["video", "describe", "upload", "imagine", "change", "action", "modal", "shorten", "list-by-condition"]
            .into_iter()
            .find(|e| name.contains(e))
            .unwrap_or_else(|| panic!("{name}: which endpoint is this request for?"));
    let value: serde_json::Value = serde_json::from_slice(body).expect("request fixtures are JSON");
    let keys: BTreeSet<String> = value.as_object().expect("an object").keys().cloned().collect();
    let written = mj_request_keys(endpoint);
    let mut lines = vec![format!("request for `{endpoint}` with keys {keys:?}")];
    for key in keys.difference(&written) {
        let why = DIVERGENCES
            .iter()
            .find(|(e, k, _)| *e == endpoint && k == key)
            .map(|(_, _, why)| *why)
            .unwrap_or_else(|| panic!("{name}: `{key}` is a key mj never writes for `{endpoint}`"));
        lines.push(format!("  `{key}` is not what mj writes: {why}"));
    }
    lines.join("\n")
}

/// Keys in vendors' samples that mj deliberately writes differently.
const DIVERGENCES: &[(&str, &str, &str)] = &[
    ("imagine", "base64", "the old single-image field; servers append it to `base64Array`, which mj writes (spec 5.1)"),
    ("upload", "filter", "one vendor's alias of `accountFilter`"),
    (
        "video",
        "base64Array",
        "a gateway's video doc takes `base64Array`; trueai's SubmitVideoDTO takes `image`, which mj writes (spec 5.10)",
    ),
];

/// Every key mj's request for `endpoint` can carry: built with every option set.
fn mj_request_keys(endpoint: &str) -> BTreeSet<String> {
    use mj_proto::endpoint::{Action, Change, Describe, Modal, Shorten, Video};
    const PNG: &str = "data:image/png;base64,iVBORw0KGgo=";
    let config = Config::new("http://127.0.0.1:1").expect("config");
    let filter = AccountFilter::modes([SpeedMode::Fast]);
    macro_rules! full {
        ($e:expr) => {
            $e.state("s").notify_hook("http://127.0.0.1/h").bot_type(BotType::MidJourney).account_filter(filter.clone())
        };
    }
    let request = match endpoint {
        "imagine" => config.build(&full!(Imagine::new("p").image(PNG))),
        "describe" => config.build(&full!(Describe::new(PNG))),
        "upload" => config.build(&UploadDiscordImages::new([PNG])),
        "change" => config.build(&full!(Change::upscale("1", 1))),
        "action" => config.build(&full!(Action::new("1", "c").same_channel(true))),
        "modal" => config.build(&full!(Modal::new("1").prompt("p").mask(PNG))),
        "shorten" => config.build(&full!(Shorten::new("p"))),
        "list-by-condition" => config.build(&ListByCondition::new(["1"])),
        "video" => {
            let mut keys = mj_request_keys_of(&config.build(&full!(Video::new("p", PNG))).expect("builds"));
            keys.extend(mj_request_keys_of(&config.build(&full!(Video::extend("p", "1", 0))).expect("builds")));
            return keys;
        }
        other => panic!("no mj request for {other}"),
    };
    mj_request_keys_of(&request.expect("builds"))
}

fn mj_request_keys_of(request: &mj_proto::HttpRequest) -> BTreeSet<String> {
    let value: serde_json::Value = serde_json::from_slice(request.body()).expect("json");
    value.as_object().expect("object").keys().cloned().collect()
}

fn task(name: &str) -> Task {
    any_task(fixture(name))
}

fn submitted(name: &str) -> Result<Submitted, Error> {
    Imagine::new("x").answer(response(200, fixture(name)))
}

#[test]
fn bare_number_result_is_a_string_id() {
    for name in
        ["upstream/oneapi-doc-submit-code1-numeric-result.json", "upstream/workstage-submit-code1-numeric-result.json"]
    {
        let s = submitted(name).expect("accepted");
        assert_eq!(s.task_id, "1320098173412546");
        assert_eq!(s.outcome, SubmitOutcome::Accepted);
    }
}

#[test]
fn queued_submits_carry_their_position() {
    let s = submitted("upstream/novicezk-submit-code22-in-queue.json").expect("queued");
    assert_eq!(s.outcome, SubmitOutcome::Queued { ahead: Some(1) });
    let s = submitted("upstream/workstage-submit-code22-no-properties.json").expect("queued");
    assert_eq!(s.outcome, SubmitOutcome::Queued { ahead: None });
    let s = submitted("mj/submit-code-as-string.json").expect("queued");
    assert_eq!(s.outcome, SubmitOutcome::Queued { ahead: Some(3) });
}

#[test]
fn code_21_is_existing_or_modal() {
    let s = submitted("upstream/novicezk-submit-code21-existed.json").expect("existing");
    assert_eq!(
        s.outcome,
        SubmitOutcome::Existing { status: Some(TaskStatus::Success), image_url: Some("https://xxxx".into()) }
    );
    let s = submitted("upstream/plus-submit-code21-modal-waiting.json").expect("modal");
    assert!(s.may_need_input());
    assert_eq!(s.task_id, "14001929738841620");
    assert!(s.raw.properties.is_empty());
}

#[test]
fn refusals_are_typed_and_keep_their_details() {
    let e = submitted("upstream/novicezk-submit-code24-banned-prompt.json").expect_err("refused");
    let Error::Rejected(r) = &e else { panic!("{e:?}") };
    assert_eq!(r.code, ReturnCode::BannedPrompt);
    assert_eq!(r.properties.banned_word(), Some("nude"));
    assert_eq!(r.properties.prompt_en(), Some("nude body"));
    assert!(!e.is_retryable());
    assert!(e.is_moderation(), "code 24 is a moderation strike");
    let failed = Fetch::new("t")
        .answer(response(200, fixture("upstream/workstage-fetch-failure-banned-prompt.json")))
        .expect("a task")
        .expect("found");
    assert!(failed.is_moderated(), "{:?}", failed.fail_reason);
    assert!(Error::TaskFailed(Box::new(failed)).is_moderation());

    for (name, code, retryable) in [
        ("mj/submit-code23-queue-full.json", ReturnCode::QueueRejected, true),
        ("mj/submit-code9-trueai-queue-full.json", ReturnCode::Failure, true),
        ("mj/submit-code3-no-instance.json", ReturnCode::NotFound, false),
        ("mj/submit-code4-empty-prompt.json", ReturnCode::ValidationError, false),
        ("mj/submit-unknown-code.json", ReturnCode::Other(77), false),
    ] {
        let e = submitted(name).expect_err(name);
        assert_eq!(e.code(), Some(code), "{name}");
        assert_eq!(e.is_retryable(), retryable, "{name}");
        assert!(!e.is_moderation(), "{name}");
    }
}

#[test]
fn accepted_without_an_id_is_a_decode_error_naming_result() {
    let e = submitted("mj/submit-code1-no-result.json").expect_err("no id");
    let Error::Decode(d) = &e else { panic!("{e:?}") };
    assert_eq!(d.path, "result");
}

#[test]
fn gateway_and_auth_envelopes_map_to_typed_errors() {
    let parse = |name: &str| {
        let (_, status) = classify(name);
        Imagine::new("x").answer(response(status, fixture(name))).expect_err(name)
    };
    let e = parse("upstream/workstage-http401-envelope.json");
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert!(e.to_string().contains("无效的令牌"), "{e}");
    let e = parse("upstream/idx59221181795-gateway-http400-insert-task-failed.json");
    assert_eq!(e.code(), Some(ReturnCode::ValidationError));
    let Error::Rejected(r) = &e else { panic!("{e:?}") };
    assert_eq!(r.description, "insert_midjourney_task_failed");
    assert_eq!(r.kind.as_deref(), Some("upstream_error"));
    assert_eq!(parse("mj/submit-http429-newapi-rate-limit.json").kind(), ErrorKind::RateLimited);
    assert_eq!(parse("mj/submit-http401-openai-style.json").kind(), ErrorKind::Unauthorized);
    assert_eq!(parse("mj/submit-http500-trueai.json").kind(), ErrorKind::Server);
    assert_eq!(parse("mj/submit-http200-trueai-model-state.json").kind(), ErrorKind::Unexpected);
    assert_eq!(parse("mj/submit-http400-newapi-bad-binding.json").code(), Some(ReturnCode::GatewayError));
    let e = parse("mj/submit-http404-spring-default.json");
    assert_eq!(e.kind(), ErrorKind::Unexpected);
    assert!(e.to_string().contains("check the base URL"), "{e}");
}

#[test]
fn buttons_type_and_style_accept_ints_strings_and_absence() {
    let t = task("upstream/seed-apifox-fetch-schema-example.json");
    assert_eq!(t.buttons[0].kind_code, Some(ComponentValue::Text("string".into())));
    assert_eq!(t.buttons[0].kind(), ButtonKind::Other);
    assert_eq!(t.status, TaskStatus::NotStart);
    assert_eq!(t.finish_time, None, "0 is unset");

    let t = task("upstream/seed-crazyrouter-fetch-success.json");
    assert!(t.buttons.iter().all(|b| b.kind_code.is_none() && b.style == Some(ComponentValue::Int(2))));
    assert_eq!(t.find_button("u1").map(Button::kind), Some(ButtonKind::Upscale(1)));

    let t = task("mj/fetch-string-type-style-and-timestamps.json");
    assert_eq!(t.id, "1320098173412546");
    assert_eq!(t.buttons[0].kind_code, Some(ComponentValue::Int(2)));
    assert_eq!(t.buttons[1].kind_code, Some(ComponentValue::Int(2)));
    assert_eq!(t.buttons[1].style, Some(ComponentValue::Text("primary".into())));
    assert_eq!(t.buttons[2].kind_code, None);
    assert_eq!(t.submit_time.map(|t| t.as_millis()), Some(1_709_123_456_000));
    assert_eq!(t.start_time, None);
    assert_eq!(t.finish_time.map(|t| t.as_millis()), Some(1_709_123_520_000));
    assert_eq!(t.image_height, Some(1024));
    assert_eq!(t.result_image_urls().len(), 2);
}

/// Decoding is total: a member of a shape mj does not read costs neither the task nor the
/// button it sits in; it is named by its JSON path (a task's own member is also kept as sent).
#[test]
fn wrong_types_are_kept_and_named_by_their_json_path() {
    let t = Fetch::new("1")
        .answer(response(200, fixture("mj/fetch-wrong-type-button-style.json")))
        .expect("a bool style costs nothing")
        .expect("found");
    assert_eq!(t.buttons.len(), 2, "both buttons kept");
    assert_eq!(t.buttons[1].custom_id, "MJ::JOB::upsample::2::abc");
    assert_eq!(t.buttons[1].style, None);
    let quirks: Vec<(&str, &serde_json::Value)> = t.quirks().iter().map(|q| (q.path.as_str(), &q.value)).collect();
    assert_eq!(quirks, [("buttons[1].style", &serde_json::Value::Bool(true))]);
}

#[test]
fn a_truncated_body_is_interrupted_not_garbage() {
    let e = Fetch::new("1").answer(response(200, fixture("mj/fetch-truncated.json"))).expect_err("cut");
    assert_eq!(e.kind(), ErrorKind::Interrupted);
    assert!(e.is_retryable());
    assert!(e.outcome_unknown());
}

#[test]
fn empty_statuses_unknown_values_and_nulls() {
    let t = task("upstream/workstage-fetch-in-progress-45pct.json");
    assert_eq!(t.progress_percent(), Some(45));
    assert!(t.result_image_urls().is_empty());

    let t = task("mj/fetch-newapi-before-first-poll.json");
    assert_eq!(t.status, TaskStatus::Empty);
    assert!(!t.is_terminal());
    assert!(t.buttons.is_empty() && t.properties.is_empty() && t.video_urls.is_empty());
    assert_eq!((t.image_url.as_deref(), t.start_time, t.state.as_deref()), (None, None, None));
    assert_eq!(t.progress_percent(), Some(0));

    let t = task("mj/fetch-unknown-status-and-action.json");
    assert_eq!(t.status, TaskStatus::Other("PENDING".into()));
    assert_eq!(t.action, Some(TaskAction::Other("REFRAME".into())));
    assert_eq!(t.progress_percent(), None);
    assert_eq!(t.properties.final_prompt(), None, "empty is unset");

    let t = task("mj/fetch-trueai-numeric-status.json");
    assert!(t.needs_input());
    assert_eq!(t.properties.remix(), Some(true));

    let t = task("upstream/workstage-fetch-cancel-empty-reason.json");
    assert_eq!((t.status.clone(), t.fail_reason.as_deref()), (TaskStatus::Cancel, None));
    assert!(t.is_terminal());
}

#[test]
fn trueai_task_info_decodes_with_buttons_media_and_properties() {
    let t = task("mj/fetch-trueai-full-taskinfo.json");
    assert_eq!(t.parent_id.as_deref(), Some("1748339000000001"));
    assert_eq!(t.mode.as_deref(), Some("FAST"));
    assert_eq!(t.image_urls[0].thumbnail.as_deref(), Some("https://cdn.example.test/u1-thumb.webp"));
    assert_eq!(t.properties.flags(), Some(0));
    assert_eq!(t.properties.discord_instance_id(), Some("1050703772185268251"));
    assert_eq!(t.properties.notify_hook(), None);
    assert_eq!(t.displays.as_ref().and_then(|d| d.status.as_deref()), Some("成功"));
    let kinds: Vec<ButtonKind> = t.buttons.iter().map(Button::kind).collect();
    assert!(kinds.contains(&ButtonKind::VaryStrong) && kinds.contains(&ButtonKind::ZoomOut(50)));
    assert!(t.button(&ButtonKind::CustomZoom).is_some_and(|b| b.kind().opens_modal()));
    let Ok(Press::Button(zoom)) = t.press(&ButtonKind::CustomZoom) else { panic!("custom zoom") };
    assert_eq!((zoom.task_id.as_str(), zoom.custom_id.as_str()), (t.id.as_str(), "MJ::CustomZoom::1::3f1c"));
}

#[test]
fn grid_buttons_become_ready_actions() {
    let t = task("upstream/seed-elkapi-fetch-imagine-success.json");
    let Ok(Press::Button(u2)) = t.upscale(2) else { panic!("U2") };
    assert_eq!(u2.custom_id, "MJ::JOB::upsample::2::e116ba11-6559-4e3a-8792-ce6ff98e8bd4");
    assert_eq!(u2.task_id, "1747190313867714");
    assert!(t.variation(4).is_ok() && t.reroll().is_ok());
    let missing = t.upscale(5).expect_err("no U5");
    assert!(missing.to_string().contains("U1"), "the error lists the buttons: {missing}");
    assert_eq!(t.find_button("🔄").map(Button::kind), Some(ButtonKind::Reroll));
    assert_eq!(t.properties.message_hash(), Some("e116ba11-6559-4e3a-8792-ce6ff98e8bd4"));
    assert_eq!((t.image_width, t.image_height), (Some(2048), Some(2048)));
}

#[test]
fn fetch_not_found_in_every_dialect() {
    let fetch = Fetch::new("1");
    assert_eq!(fetch.answer(response(200, "")).expect("nz"), None);
    assert_eq!(fetch.answer(response(204, "")).expect("ta"), None);
    assert_eq!(fetch.answer(response(200, "null")).expect("null"), None);
    assert_eq!(fetch.answer(response(200, "{}")).expect("no id"), None);
    assert_eq!(fetch.answer(response(400, fixture("mj/fetch-not-found-newapi-http400.json"))).expect("na"), None);
    assert_eq!(fetch.answer(response(404, fixture("mj/fetch-missing-parent-trueai-http404.json"))).expect("ta"), None);
    // A different refusal on fetch stays an error.
    let e = fetch.answer(response(400, r#"{"code":4,"description":"quota_not_enough","type":"upstream_error"}"#));
    assert_eq!(e.expect_err("refused").code(), Some(ReturnCode::ValidationError));
}

#[test]
fn lists_pages_seeds_uploads_and_notifications() {
    let list = ListByCondition::new(["1", "2", "3"]);
    let tasks = list.answer(response(200, fixture("mj/list-by-condition-mixed-shapes.json"))).expect("list");
    assert_eq!(tasks.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["1", "2", "3"]);
    assert_eq!(tasks[0].result_video_urls(), ["https://example.test/v.mp4"]);
    assert_eq!(list.answer(response(200, "[]")).expect("empty"), []);
    assert_eq!(list.answer(response(200, "")).expect("no body"), []);
    let e = list.answer(response(200, fixture("mj/list-by-condition-http200-envelope.json"))).expect_err("env");
    assert_eq!(e.code(), Some(ReturnCode::ValidationError));

    let page = Query::new().answer(response(200, fixture("mj/page-spring-query.json"))).expect("page");
    assert_eq!((page.content.len(), page.total_elements, page.next_number()), (2, 5, Some(1)));
    assert_eq!(page.content[0].state.as_deref(), Some("order-17"));

    let seed = ImageSeed::new("1").answer(response(200, fixture("upstream/plus-image-seed-success.json")));
    assert_eq!(seed.expect("seed"), "636646138");
    let seed = ImageSeed::new("1").answer(response(200, fixture("mj/image-seed-numeric.json")));
    assert_eq!(seed.expect("seed"), "636646138");

    let urls = UploadDiscordImages::new(["x"])
        .answer(response(200, fixture("upstream/idx7922537579-upload-discord-images-result-single.json")))
        .expect("urls");
    assert_eq!(urls.len(), 1);
    assert!(urls[0].starts_with("https://"));

    let t = webhook::parse(fixture("upstream/novicezk-notify-imagine-success.json")).expect("notify");
    assert_eq!((t.prompt.as_deref(), t.fail_reason.as_deref()), (Some("猫猫"), None));
    let t = webhook::parse(fixture("upstream/plus-notify-callback-imagine-success.json")).expect("notify");
    assert!(t.buttons.is_empty());
    assert!(webhook::parse(b"").is_err());
    assert!(webhook::parse(b"{\"status\":\"SUCCESS\"}").is_err(), "a notification must name its task");
}

#[test]
fn describe_and_shorten_results_keep_their_unicode() {
    let t = task("upstream/plus-fetch-describe-success.jsonc");
    let prompt = t.properties.final_prompt().expect("prompts");
    assert!(prompt.starts_with("1\u{fe0f}\u{20e3} Cat"));
    assert_eq!(prompt.split("\n\n").count(), 4);
    assert!(t.properties.final_zh_prompt().is_some_and(|p| p.contains('猫')));
    let t = task("upstream/plus-fetch-shorten-success.jsonc");
    assert!(t.properties.final_prompt().is_some_and(|p| p.contains("## Shortened prompts")));
}

#[test]
fn properties_getters_are_lenient() {
    let props: Properties =
        serde_json::from_str(r#"{"numberOfQueues":"4","flags":"64","remix":1,"finalPrompt":7}"#).expect("props");
    assert_eq!(props.number_of_queues(), Some(4));
    assert_eq!(props.flags(), Some(64));
    assert_eq!(props.remix(), Some(true));
    assert_eq!(props.final_prompt(), None, "not a string");
    assert_eq!(props.text("finalPrompt").as_deref(), Some("7"));
    let none: Properties = serde_json::from_str("null").expect("null");
    assert!(none.is_empty());
    let v = ResultMember::Id("1".into());
    assert_eq!(serde_json::to_string(&v).expect("prints"), "\"1\"");
}

/// Every task-shaped fixture (fetch answers, task lists, notifications) decoded by the
/// owned `Task` and by the borrowed `TaskView`: the view types the same fields, so they
/// agree on all of them; only `Task::extra` is the owned decoder's alone.
#[test]
fn task_view_and_task_agree_on_every_fixture() {
    let mut compared = 0;
    for dir in ["upstream", "mj"] {
        let mut paths: Vec<_> = std::fs::read_dir(common::fixtures_dir().join(dir))
            .expect("fixtures")
            .map(|e| e.expect("entry").path())
            .collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            let (kind, status) = classify(&name);
            let body = fixture_body(&path);
            let list = match kind {
                Some("task" | "notification") if status == 200 => {
                    let mut list = b"[".to_vec();
                    list.extend_from_slice(&body);
                    list.push(b']');
                    list
                }
                Some("tasks") if status == 200 => body,
                _ => continue,
            };
            let (Ok(owned), Ok(views)) = (mj_proto::tasks_from_slice(&list), mj_proto::task_views(&list)) else {
                continue;
            };
            assert_eq!(owned.len(), views.len(), "{name}");
            for (task, view) in owned.into_iter().zip(views) {
                // The view types what the task types; members the task keeps in `extra`
                // (and raw values it could not read) are not the view's to compare.
                let mut typed = task.clone();
                typed.extra = Default::default();
                // A status mj cannot read is written back as sent (from `extra`), not as a
                // status, so it reads as none after the view's round trip.
                if typed.status == TaskStatus::Other(String::new()) {
                    typed.status = TaskStatus::Empty;
                }
                let mut viewed = view.to_task().expect("renders");
                viewed.extra = Default::default();
                assert_eq!(viewed, typed, "{name}: the view reads a field differently");
                compared += 1;
            }
        }
    }
    assert!(compared >= 27, "{compared} tasks compared (the fixtures hold 27)");
}

#[test]
fn every_trueai_member_survives_decode_and_reencode() {
    let body = fixture("mj/fetch-trueai-every-member.json");
    let sent: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let task = task("mj/fetch-trueai-every-member.json");
    let written = serde_json::to_value(&task).expect("renders");
    let (sent, written) = (sent.as_object().expect("object"), written.as_object().expect("object"));
    assert_eq!(sent.len(), 77, "trueai's 75 members and new-api's customId and maskBase64");
    /// Typed fields normalise `""` and null to unset (spec 4.3), inside buttons too.
    fn set_only(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(o) => serde_json::Value::Object(
                o.iter()
                    .filter(|(_, v)| !v.is_null() && v.as_str() != Some(""))
                    .map(|(k, v)| (k.clone(), set_only(v)))
                    .collect(),
            ),
            serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(set_only).collect()),
            other => other.clone(),
        }
    }
    for (key, value) in sent {
        if task.extra.get(key).is_some() {
            assert_eq!(written.get(key), Some(value), "`{key}` is kept exactly as sent");
        } else {
            assert_eq!(written.get(key).map(set_only), Some(set_only(value)), "`{key}` did not survive");
        }
    }
    assert_eq!(written.len(), sent.len(), "nothing added");
    assert_eq!(task.extra.len(), 77 - 27, "every member mj does not type is kept");
    // The members users ask for, typed.
    assert_eq!(task.job_id(), Some("0f4bd7c1-5f5e-4b7e-9f31-2a0c0b2a6c11"));
    assert!(task.thumbnail_url().is_some_and(|u| u.ends_with("_384_N.webp")));
    assert_eq!(task.prompt_full(), Some("<https://s.mj.run/abc> a red fox in the snow --v 7 --ar 1:1"));
    assert_eq!((task.version(), task.seed_error()), (Some("v 7"), Some("the seed message was deleted")));
    assert_eq!(task.instance_id().as_deref(), Some("1356789012345678901"));
    assert_eq!(
        (task.bot_type.as_deref(), task.real_bot_type().as_deref()),
        (Some("MID_JOURNEY"), Some("NIJI_JOURNEY"))
    );
    assert_eq!((task.mode.as_deref(), task.request_mode().as_deref()), (Some("FAST"), Some("RELAX")));
    let video = task.video_info().expect("video metadata");
    assert_eq!((video.duration, video.frame_count, video.hd), (Some(5), Some(120), Some(true)));
    assert_eq!(video.video_type.as_deref(), Some("vid_1.1_i2v_720"));
    // In the server's order.
    let order: Vec<&str> = task.extra.iter().map(|(k, _)| k).take(3).collect();
    assert_eq!(order, ["realBotType", "requestMode", "seedError"]);
}

#[test]
fn legacy_trueai_webhooks_with_integer_enums_decode_to_names() {
    let task = webhook::parse(fixture("mj/notify-trueai-legacy-integer-enums.json")).expect("decodes");
    assert_eq!((task.action.clone(), task.status.clone()), (Some(TaskAction::Imagine), TaskStatus::Success));
    assert_eq!(
        (task.bot_type.as_deref(), task.real_bot_type().as_deref()),
        (Some("MID_JOURNEY"), Some("NIJI_JOURNEY"))
    );
    assert_eq!((task.mode.as_deref(), task.request_mode().as_deref()), (Some("FAST"), Some("RELAX")));
    assert_eq!(task.account_filter_modes(), ["FAST", "RELAX"]);
    for n in 0..15 {
        let action = TaskAction::from_number(n);
        assert!(!matches!(action, TaskAction::Other(_)), "{n} is a known action: {action:?}");
    }
    assert_eq!(TaskAction::from_number(13).to_string(), "SWAP_FACE");
    assert_eq!(TaskAction::from_number(99), TaskAction::Other("99".to_owned()));
}

#[test]
fn comma_joined_ids_yield_every_task() {
    let s = submitted("mj/submit-code1-trueai-imagine-all-comma-ids.json").expect("accepted");
    assert_eq!(s.task_ids, ["1748339100000001", "1748339100000002", "1748339100000003", "1748339100000004"]);
    assert_eq!(s.task_id, "1748339100000001", "the first, for code that waits for one");
    let single = submitted("upstream/plus-submit-code1-success.json").expect("accepted");
    assert_eq!(single.task_ids, std::slice::from_ref(&single.task_id));
}

#[test]
fn a_modal_behind_new_apis_code_1_needs_input() {
    let s = submitted("mj/submit-code1-newapi-hidden-modal.json").expect("accepted");
    assert!(s.may_need_input(), "{:?}", s.outcome);
    assert_eq!(s.outcome, SubmitOutcome::Existing { status: Some(TaskStatus::Modal), image_url: None });
    let plain = submitted("upstream/plus-submit-code1-success.json").expect("accepted");
    assert_eq!(plain.outcome, SubmitOutcome::Accepted);
}

#[test]
fn results_by_kind_images_videos_or_prompts() {
    // Describe: the image is the input, the result is four prompts.
    let described = task("upstream/plus-fetch-describe-success.jsonc");
    assert!(described.result_image_urls().is_empty(), "{:?}", described.result_image_urls());
    assert_eq!(described.result_prompts(), ["Cat --ar 5:4", "Cat2 --ar 5:4", "Cat3 --ar 5:4", "Cat4 --ar 5:4"]);
    // Shorten: the prompts after the heading, not the token analysis.
    let shortened = task("upstream/plus-fetch-shorten-success.jsonc");
    let prompts = shortened.result_prompts();
    assert_eq!(prompts.len(), 5, "{prompts:?}");
    assert_eq!(prompts[4], "appdash appdash");
    // trueai writes describe results into `prompt`, separated by CRLF.
    let trueai: Task = serde_json::from_value(serde_json::json!({
        "id": "1", "action": "DESCRIBE", "status": "SUCCESS", "imageUrl": "https://cdn.test/input.png",
        "prompt": "1️⃣ a fox --ar 1:1\r\n\r\n2️⃣ 3 foxes in the snow\r\n\r\n3️⃣ a red fox\r\n\r\n4️⃣ fox, winter"
    }))
    .expect("task");
    assert_eq!(trueai.result_prompts(), ["a fox --ar 1:1", "3 foxes in the snow", "a red fox", "fox, winter"]);
    // A video: trueai repeats the .mp4 links in imageUrls; they are videos, not images.
    let video: Task = serde_json::from_value(serde_json::json!({
        "id": "2", "action": "VIDEO", "status": "SUCCESS",
        "imageUrls": [{"url": "https://cdn.test/v/0.mp4"}], "videoUrls": [{"url": "https://cdn.test/v/0.mp4"}]
    }))
    .expect("task");
    assert!(video.result_image_urls().is_empty());
    assert_eq!(video.result_video_urls(), ["https://cdn.test/v/0.mp4"]);
    let grid = task("upstream/plus-fetch-describe-success.jsonc");
    assert!(grid.result_prompts().len() == 4 && grid.produces_text());
}

/// One webhook parser, taking the bytes as frameworks hand them over, and agreeing with
/// serde on what a task is: a body without an id is not one, in every decoder (in a list,
/// such an entry is left out).
#[test]
fn webhook_parse_and_serde_agree_on_what_a_task_is() {
    for body in [r#"{"status":"SUCCESS"}"#, r#"{"id":"","status":"SUCCESS"}"#, r#"{"id":null}"#] {
        assert!(webhook::parse(body).is_err(), "{body}");
        assert!(serde_json::from_str::<Task>(body).is_err(), "{body}");
        // In a list, an entry that is not a task costs only itself.
        let list = format!("[{body}]");
        assert!(mj_proto::task_views(list.as_bytes()).expect("the list decodes").is_empty(), "{body}");
        assert!(mj_proto::tasks_from_slice(format!("[{body}]").as_bytes()).expect("the list").is_empty());
    }
    let body = r#"{"id":7,"status":"SUCCESS"}"#;
    let owned: Vec<u8> = body.into();
    let from_bytes = webhook::parse(owned).expect("a task");
    assert_eq!(from_bytes, serde_json::from_str::<Task>(body).expect("a task"));
    assert_eq!(webhook::parse(String::from(body)).expect("a task").id, "7");
}
