//! An error names the host that failed: a download from a CDN that cannot be reached names
//! the CDN, not the configured server.

use std::time::Duration;

use mj_client::Client;
use mj_proto::{Config, HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind};

struct Unreachable;

impl Transport for Unreachable {
    fn send(&self, _: HttpRequest) -> Result<HttpResponse, TransportError> {
        Err(TransportError::new(TransportErrorKind::Tls, "handshake failed"))
    }
    fn sleep(&self, _: Duration) {}
}

#[test]
fn a_failed_download_names_the_download_host() {
    let client = Client::with_transport(Unreachable, Config::new("http://gw.example.test").expect("config"));
    let e = client.download("https://cdn.example.test:8443/a.png").expect_err("unreachable");
    assert!(e.to_string().contains("cdn.example.test:8443"), "{e}");
    assert!(!e.to_string().contains("gw.example.test"), "{e}");
    let e = client.fetch("1").expect_err("unreachable");
    assert!(e.to_string().contains("gw.example.test"), "{e}");
}
