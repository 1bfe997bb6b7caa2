//! The async transport's own rules on a real socket: no redirects followed, the body cap
//! enforced on a streamed (chunked) body, the default cap at 32 MiB.

use mj_test_support::wire_checks;

use mj_proto::{AsyncTransport, HttpRequest, HttpResponse, TransportError};
use mj_reqwest::ReqwestTransport;

/// One exchange on its own runtime: the checks are blocking code.
fn send(transport: &ReqwestTransport, request: HttpRequest) -> Result<HttpResponse, TransportError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(transport.send(request))
}

#[test]
fn a_redirect_is_handed_back_not_followed() {
    wire_checks::redirects_are_handed_back(|r| send(&ReqwestTransport::new(), r));
}

#[test]
fn a_streamed_body_over_the_cap_is_refused() {
    let small = ReqwestTransport::new().max_body(16 * 1024);
    wire_checks::streamed_bodies_respect_the_cap(|r| send(&small, r), |r| send(&ReqwestTransport::new(), r));
}
