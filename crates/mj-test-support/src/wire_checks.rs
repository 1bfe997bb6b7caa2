//! The wire rules every transport must keep, as checks over a `send` function, so that the
//! blocking and async transports' own tests run the very same ones.
//! together with `raw_server.rs`.

use crate::raw_server::{RawServer, chunked, redirect};
use mj_proto::{HttpRequest, HttpResponse, TransportError, TransportErrorKind};

fn get(url: &str) -> HttpRequest {
    mj_proto::http::Request::get(format!("{url}/mj/task/1/fetch")).body(Vec::new()).expect("request")
}

/// A redirect comes back as the answer; its target is never asked.
pub fn redirects_are_handed_back(send: impl Fn(HttpRequest) -> Result<HttpResponse, TransportError>) {
    let target = RawServer::start(chunked(1, 2));
    let server = RawServer::start(redirect(&target.url));
    let answer = send(get(&server.url)).expect("an answer");
    assert_eq!(answer.status(), 302);
    assert_eq!(target.hits.load(std::sync::atomic::Ordering::Relaxed), 0, "the redirect target was never asked");
}

/// A chunked body (no content-length to check first) over the cap is refused; `small`
/// has a 16 KiB cap, `default` the default 32 MiB one.
pub fn streamed_bodies_respect_the_cap(
    small: impl Fn(HttpRequest) -> Result<HttpResponse, TransportError>,
    default: impl Fn(HttpRequest) -> Result<HttpResponse, TransportError>,
) {
    let server = RawServer::start(chunked(64, 1024));
    let e = small(get(&server.url)).expect_err("64 KiB over a 16 KiB cap");
    assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge, "{e}");
    let fits = default(get(&server.url)).expect("under the default cap");
    assert_eq!(fits.body().len(), 64 * 1024);
    assert_eq!(mj_proto::DEFAULT_MAX_BODY, 32 * 1024 * 1024);
    let over_default = RawServer::start(chunked(33, 1024 * 1024));
    let e = default(get(&over_default.url)).expect_err("33 MiB over the default cap");
    assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge, "{e}");
}
