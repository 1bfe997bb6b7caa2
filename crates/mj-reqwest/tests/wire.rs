//! The async transport's own rules on a real socket: no redirects followed, the body
//! cap enforced on a streamed (chunked) body, the default cap at 32 MiB.

#[path = "../../../tests/support/raw_server.rs"]
mod raw_server;

use mj_proto::{AsyncTransport, DEFAULT_MAX_BODY, TransportErrorKind};
use mj_reqwest::ReqwestTransport;
use raw_server::{RawServer, chunked, redirect};

fn get(url: &str) -> mj_proto::HttpRequest {
    mj_proto::http::Request::get(format!("{url}/mj/task/1/fetch")).body(Vec::new()).expect("request")
}

#[test]
fn a_redirect_is_handed_back_not_followed() {
    let target = RawServer::start(chunked(1, 2));
    let server = RawServer::start(redirect(&target.url));
    let answer = block_on(ReqwestTransport::new().send(get(&server.url))).expect("an answer");
    assert_eq!(answer.status(), 302);
    assert_eq!(target.hits.load(std::sync::atomic::Ordering::Relaxed), 0, "the redirect target was never asked");
}

#[test]
fn a_streamed_body_over_the_cap_is_refused() {
    let server = RawServer::start(chunked(64, 1024));
    let e = block_on(ReqwestTransport::new().max_body(16 * 1024).send(get(&server.url)))
        .expect_err("64 KiB over a 16 KiB cap");
    assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge, "{e}");
    let fits = block_on(ReqwestTransport::new().send(get(&server.url))).expect("under the default cap");
    assert_eq!(fits.body().len(), 64 * 1024);
    assert_eq!(DEFAULT_MAX_BODY, 32 * 1024 * 1024);
    let over_default = RawServer::start(chunked(33, 1024 * 1024));
    let e = block_on(ReqwestTransport::new().send(get(&over_default.url))).expect_err("33 MiB over the default cap");
    assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge, "{e}");
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}
