//! Every HTTP status and body shape maps to the right typed outcome (spec §9, §10).

mod common;

use std::time::Duration;

use common::Answer;
use common::{response, response_with};
use mj_proto::endpoint::{Cancel, Fetch, Imagine, ListTasks};
use mj_proto::prelude::*;

fn imagine(status: u16, body: &str) -> Result<Submitted, Error> {
    Imagine::new("x").answer(response(status, body))
}

#[test]
fn status_table() {
    let cases: &[(u16, &str, ErrorKind)] = &[
        (401, "", ErrorKind::Unauthorized),
        (401, "Authorization header missing.", ErrorKind::Unauthorized),
        (403, "账号不可用", ErrorKind::Unauthorized),
        (403, r#"{"error":{"message":"ip not allowed","type":"new_api_error"}}"#, ErrorKind::Unauthorized),
        (429, "", ErrorKind::RateLimited),
        (500, "", ErrorKind::Server),
        (502, "Bad Gateway", ErrorKind::Server),
        (503, r#"{"error":{"message":"no channel","type":"new_api_error"}}"#, ErrorKind::Server),
        (400, r#"{"description":"do_request_failed ","type":"upstream_error","code":5}"#, ErrorKind::Rejected),
        (400, "演示模式，禁止操作", ErrorKind::Unexpected),
        (404, r#"{"code":3,"description":"关联任务不存在或已失效"}"#, ErrorKind::Rejected),
        (404, "", ErrorKind::Unexpected),
        (405, "", ErrorKind::Unexpected),
        (200, "", ErrorKind::Decode),
        (200, "   \n", ErrorKind::Decode),
        (200, "not json", ErrorKind::Decode),
        (200, "[1,2]", ErrorKind::Decode),
        (200, r#"{"code":1,"description":"ok","result":"1""#, ErrorKind::Interrupted),
        (200, r#"{"success":false,"code":-1,"message":"invalid model"}"#, ErrorKind::Unexpected),
        (200, r#"{"error":"midjourney_task_not_found"}"#, ErrorKind::Unexpected),
        (200, "<!DOCTYPE html><html><body>Whitelabel Error Page</body></html>", ErrorKind::WrongBaseUrl),
        (404, "<html><head><title>404 Not Found</title></head></html>", ErrorKind::WrongBaseUrl),
        (502, "\n\n<html>bad gateway</html>", ErrorKind::Server),
    ];
    for &(status, body, kind) in cases {
        let e = imagine(status, body).expect_err(body);
        assert_eq!(e.kind(), kind, "HTTP {status} {body:?}: {e}");
        assert_eq!(e.status().map(|s| s.as_u16()), Some(status));
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn html_pages_point_at_the_base_url() {
    let e = imagine(404, "<html><body><h1>Whitelabel Error Page</h1></body></html>").expect_err("html");
    let text = e.to_string();
    assert!(text.contains("check the base URL, it must end before /mj"), "{text}");
    let e = Fetch::new("1")
        .answer(response_with(200, ("content-type", "text/html; charset=utf-8"), "  Not found"))
        .expect_err("declared html");
    assert_eq!(e.kind(), ErrorKind::WrongBaseUrl);
}

#[test]
fn retry_after_is_read_and_clamped() {
    let e = Imagine::new("x")
        .answer(response_with(
            429,
            ("retry-after", "2"),
            r#"{"description":"too many concurrent requests, retry shortly","type":"new_api_error","code":429}"#,
        ))
        .expect_err("429");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
    assert!(e.is_retryable());
    assert!(e.to_string().contains("too many concurrent requests"), "{e}");
    let e = Imagine::new("x").answer(response_with(503, ("retry-after", "999999"), "")).expect_err("503");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(86_400)));
    let e = Imagine::new("x")
        .answer(response_with(429, ("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"), ""))
        .expect_err("date");
    assert_eq!(e.retry_after(), None);
}

#[test]
fn error_messages_quote_only_a_short_excerpt() {
    let huge = format!("<html>{}</html>", "x".repeat(1_000_000));
    let e = imagine(404, &huge).expect_err("huge");
    assert!(e.to_string().len() < 400, "{}", e.to_string().len());
    let Error::Html(answer) = &e else { panic!("{e:?}") };
    assert_eq!(answer.body.len(), huge.len(), "the whole body is kept for diagnosis");
    assert!(format!("{e:?}").len() < 400, "Debug does not dump the body");
}

#[test]
fn a_utf8_bom_and_whitespace_are_tolerated() {
    let body = "\u{feff}  {\"code\":1,\"description\":\"ok\",\"result\":\"9\"}\n";
    assert_eq!(imagine(200, body).expect("bom").task_id, "9");
}

#[test]
fn acknowledgements() {
    let cancel = Cancel::new("1");
    assert!(cancel.answer(response(200, "")).is_ok());
    assert!(cancel.answer(response(200, r#"{"code":1,"description":"成功"}"#)).is_ok());
    assert!(cancel.answer(response(200, r#"{"success":true,"message":"ok"}"#)).is_ok());
    let e = cancel.answer(response(200, r#"{"code":4,"description":"任务状态错误"}"#)).expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::Rejected);
    assert_eq!(cancel.answer(response(400, "演示模式，禁止操作")).expect_err("ta").kind(), ErrorKind::Unexpected);
}

#[test]
fn list_refuses_an_object_that_is_not_an_envelope() {
    let e = ListTasks::new().answer(response(200, r#"{"content":[]}"#)).expect_err("object");
    let Error::Decode(d) = &e else { panic!("{e:?}") };
    assert_eq!(d.path, ".");
}

#[test]
fn retryability_by_kind() {
    let e = imagine(502, "").expect_err("5xx");
    assert!(e.is_retryable() && e.outcome_unknown());
    let e = imagine(401, "").expect_err("401");
    assert!(!e.is_retryable() && !e.outcome_unknown());
    let e = imagine(200, r#"{"code":4,"description":"bad"}"#).expect_err("4");
    assert!(!e.is_retryable());
    let e = imagine(200, r#"{"code":23,"description":"full"}"#).expect_err("23");
    assert!(e.is_retryable() && !e.outcome_unknown());
}
