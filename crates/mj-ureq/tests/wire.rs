//! The blocking transport's own rules on a real socket: no redirects followed, the body
//! cap enforced on a streamed (chunked) body, the default cap at 32 MiB.

use mj_test_support::wire_checks;

use mj_proto::Transport;
use mj_ureq::UreqTransport;

#[test]
fn a_redirect_is_handed_back_not_followed() {
    wire_checks::redirects_are_handed_back(|r| UreqTransport::new().send(r));
}

#[test]
fn a_streamed_body_over_the_cap_is_refused() {
    let small = UreqTransport::new().max_body(16 * 1024);
    wire_checks::streamed_bodies_respect_the_cap(|r| small.send(r), |r| UreqTransport::new().send(r));
}
