//! What each server's answer means, beyond its shape: result wrappers around a task, a list,
//! a page or a submit answer (unwrapped, never read as a refusal), a success without a
//! task, and the gateways' refusals (their kind, their words, and whether they are retried).
//! The fixtures and their sources are listed in `fixtures/SOURCES.md`.

mod common;

use common::{Answer, fixture, response};
use mj_proto::endpoint::{Fetch, Imagine, ListByCondition, Query};
use mj_proto::prelude::*;
use mj_proto::{ReturnCode, webhook};

fn fetched(name: &str) -> Result<Option<Task>, Error> {
    fetched_as(name, "1712345678901234")
}

fn fetched_as(name: &str, id: &str) -> Result<Option<Task>, Error> {
    Fetch::new(id).answer(response(200, fixture(name)))
}

#[test]
fn a_task_inside_a_result_wrapper_is_the_task_with_every_field() {
    let task = fetched("mj/fetch-java-result-wrapper-code200.json").expect("unwrapped").expect("a task");
    assert_eq!(task.id, "1712345678901234");
    assert_eq!((task.action.clone(), task.status.clone()), (Some(TaskAction::Imagine), TaskStatus::Success));
    assert_eq!((task.prompt.as_deref(), task.prompt_en.as_deref()), (Some("一只猫"), Some("a cat")));
    assert_eq!(task.description.as_deref(), Some("/imagine a cat"));
    assert_eq!(task.state.as_deref(), Some("order-42"));
    assert_eq!(task.image_url.as_deref(), Some("https://cdn.example.com/attachments/1/2/a_cat.png"));
    assert_eq!(task.progress.as_deref(), Some("100%"));
    assert_eq!(task.submit_time.map(|t| t.as_millis()), Some(1_712_345_678_901));
    assert_eq!(task.finish_time.map(|t| t.as_millis()), Some(1_712_345_740_000));
    assert_eq!(task.buttons.len(), 1);
    assert_eq!(task.buttons[0].custom_id, "MJ::JOB::upsample::1::3f1b2c");
    assert_eq!(task.properties.final_prompt(), Some("a cat --v 6"));
    // The wrapper's own members are not the task's.
    assert!(task.extra.get("code").is_none(), "{:?}", task.extra);
    assert!(task.quirks().is_empty(), "{:?}", task.quirks());

    // novicezk before its first release (ebb62b2): `Message<MjTask>`, code 1 "成功".
    let task = fetched_as("mj/fetch-novicezk-v0-message-wrapper.json", "6542917410273486")
        .expect("unwrapped")
        .expect("a task");
    assert_eq!(task.id, "6542917410273486");
    assert_eq!((task.status.clone(), task.prompt.as_deref()), (TaskStatus::Success, Some("猫猫")));
    assert_eq!(task.image_url.as_deref(), Some("https://cdn.discordapp.com/attachments/1/2/cat.png"));
    assert!(task.extra.get("messageHash").is_some(), "kept: {:?}", task.extra);
    // Its "not found" (code 3, "数据未找到") is no task, not an error.
    assert_eq!(fetched("mj/fetch-novicezk-v0-message-not-found.json").expect("not found"), None);

    // A webhook body in the same wrapper names the same task.
    let body = fixture("mj/fetch-java-result-wrapper-code200.json");
    assert_eq!(webhook::parse(&body).expect("a callback").id, "1712345678901234");
}

#[test]
fn a_list_or_page_inside_a_wrapper_keeps_all_its_tasks() {
    let list = ListByCondition::new(["1712345678900001", "1712345678900002"]);
    let tasks = list.answer(response(200, fixture("mj/list-by-condition-goframe-data-wrapper.json"))).expect("list");
    assert_eq!(tasks.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["1712345678900001", "1712345678900002"]);
    assert_eq!(tasks[0].progress.as_deref(), Some("40%"));
    assert_eq!(tasks[1].image_url.as_deref(), Some("https://cdn.example.com/u1.png"));
    // GoFrame's success over no list is an empty list, as `null` is.
    assert_eq!(list.answer(response(200, r#"{"code":0,"message":"","data":null}"#)).expect("empty"), []);

    let page = Query::new().answer(response(200, fixture("mj/page-java-result-wrapper.json"))).expect("page");
    assert_eq!(page.content.len(), 1);
    assert_eq!(page.content[0].id, "1712345678900003");
    assert_eq!(page.total_elements, 1);
}

#[test]
fn a_submit_answer_inside_a_wrapper_is_the_answer() {
    let submitted = Imagine::new("a cat")
        .answer(response(200, fixture("mj/submit-java-result-wrapper-code200.json")))
        .expect("accepted");
    assert_eq!(submitted.task_id, "1712345678901234");
    assert_eq!(submitted.outcome, SubmitOutcome::Accepted);
    // The wrapper's success code over a bare id is an accepted submit, not "refused (code 200)".
    let bare = r#"{"code":200,"description":"请求成功","result":"1712345678909999"}"#;
    assert_eq!(Imagine::new("x").answer(response(200, bare)).expect("accepted").task_id, "1712345678909999");
    let goframe = r#"{"code":0,"message":"","data":"1712345678908888"}"#;
    assert_eq!(Imagine::new("x").answer(response(200, goframe)).expect("accepted").task_id, "1712345678908888");
}

#[test]
fn success_is_never_a_refusal_and_failure_keeps_its_words() {
    // A success code over a body without a task: said as what it is.
    let e = fetched("mj/fetch-code1-status-without-id.json").expect_err("no task id");
    assert_eq!(e.kind(), ErrorKind::Decode);
    let text = e.to_string();
    assert!(text.contains("an answer without a task id"), "{text}");
    assert!(!text.contains("refused"), "{text}");
    for body in [r#"{"code":200,"description":"请求成功","result":null}"#, r#"{"code":0,"message":"","data":{}}"#] {
        let text = Fetch::new("1").answer(response(200, body)).expect_err(body).to_string();
        assert!(text.contains("an answer without a task id") && !text.contains("refused"), "{text}");
    }
    // A wrapper that says failure keeps its code and words.
    let e = fetched("mj/fetch-goframe-error-code50.json").expect_err("failure");
    assert_eq!(e.code(), Some(ReturnCode::Other(50)));
    assert!(e.to_string().contains("midjourney upstream: connection reset by peer"), "{e}");
}

/// A gateway's refusal: its kind, words that must survive into the message, and whether it
/// is retried.
fn refusal(name: &str, status: u16) -> Error {
    Imagine::new("x").answer(response(status, fixture(name))).expect_err(name)
}

#[test]
fn gateway_refusals_are_classed_by_what_they_say() {
    for (name, status, kind, words) in [
        ("mj/submit-http403-insufficient-quota.json", 403, ErrorKind::Quota, "Insufficient quota"),
        (
            "mj/submit-http429-quota-exceeded-sibling-message.json",
            429,
            ErrorKind::Quota,
            "quota_exceeded: You have used all 200 images of your plan this month",
        ),
        ("mj/submit-http402-balance.json", 402, ErrorKind::Quota, "用户余额不足"),
        ("mj/submit-http400-newapi-quota-not-enough.json", 400, ErrorKind::Quota, "quota_not_enough"),
        (
            "mj/submit-http501-task-platform-not-configured.json",
            501,
            ErrorKind::NotConfigured,
            "任务平台未配置: midjourney",
        ),
        ("mj/submit-http500-login-failure.json", 500, ErrorKind::NotConfigured, "Discord 账号登录失败"),
    ] {
        let e = refusal(name, status);
        assert_eq!(e.kind(), kind, "{name}: {e}");
        let text = e.to_string();
        assert!(text.contains(words), "{name}: {text}");
        assert!(!e.is_retryable(), "{name} must not be retried");
        assert!(!e.is_backpressure(), "{name} is no rate limit");
        assert!(!e.outcome_unknown(), "{name} proves no task was made");
        assert!(e.created_nothing() && e.needs_a_person(), "{name}");
        if kind == ErrorKind::Quota {
            assert!(text.contains("balance") && !text.contains("check the API key"), "{name}: {text}");
        }
    }
    // Still what they were: a key refused, a rate limit, a passing server error.
    let key =
        Imagine::new("x").answer(response(403, r#"{"error":{"message":"ip not allowed","type":"new_api_error"}}"#));
    assert_eq!(key.expect_err("403").kind(), ErrorKind::Unauthorized);
    let rate = Imagine::new("x").answer(response(429, r#"{"error":"rate_limited","message":"slow down"}"#));
    let rate = rate.expect_err("429");
    assert_eq!(rate.kind(), ErrorKind::RateLimited);
    assert!(rate.is_retryable() && rate.to_string().contains("rate_limited: slow down"), "{rate}");
    let busy = Imagine::new("x").answer(response(500, r#"{"success":false,"code":500,"message":"系统繁忙"}"#));
    assert_eq!(busy.expect_err("500").kind(), ErrorKind::Server);
}
