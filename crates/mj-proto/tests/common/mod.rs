//! Helpers shared by mj-proto's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mj_proto::HttpResponse;

mod classify;
pub(crate) mod kind;
#[allow(unused_imports)]
pub(crate) use classify::classify;

/// The fixture folder: `upstream/` holds the shared samples verbatim, `mj/` our own.
pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fixture's bytes, with the whole-line `//` comments of `.jsonc` files removed.
pub(crate) fn fixture_body(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "jsonc") {
        let text = String::from_utf8(raw).expect("jsonc fixtures are UTF-8");
        text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n").into_bytes()
    } else {
        raw
    }
}

/// A fixture by its path under the fixture folder.
pub(crate) fn fixture(name: &str) -> Vec<u8> {
    fixture_body(&fixtures_dir().join(name))
}

/// Every endpoint's parse through the one door ([`mj_proto::Config::parse`]), for a
/// server without a key.
pub(crate) trait Answer: mj_proto::Endpoint {
    /// What the client makes of `response` to this endpoint.
    fn answer(&self, response: HttpResponse) -> mj_proto::Result<Self::Output> {
        let config = mj_proto::Config::new("http://127.0.0.1:8080").expect("a valid base URL");
        config.parse(self, response)
    }
}

impl<E: mj_proto::Endpoint> Answer for E {}

/// A response with `status` and `body`.
pub(crate) fn response(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
    http::Response::builder().status(status).body(body.into()).expect("valid status")
}

/// A response with one header.
pub(crate) fn response_with(status: u16, header: (&str, &str), body: impl Into<Vec<u8>>) -> HttpResponse {
    http::Response::builder().status(status).header(header.0, header.1).body(body.into()).expect("valid response")
}

/// The task in a fetch answer (HTTP 200), whatever its id (see [`kind::any_task_of`]).
/// Panics when the body holds no task.
pub(crate) fn any_task(body: Vec<u8>) -> mj_proto::Task {
    kind::any_task_of(response(200, body)).expect("decodes").expect("has an id")
}
