//! What embedding the core in your own runtime takes: a `Transport` over a plain
//! `std::net::TcpStream` (HTTP/1.1, no TLS), driving a submit, a fetch and a wait against
//! the loopback simulator.
//!
//! ```text
//! cargo run -p mj-sim --example tcp_transport
//! ```

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use mj_client::prelude::*;
use mj_proto::{HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind, http};

/// One connection per exchange; reads until the server closes.
struct TcpTransport;

impl Transport for TcpTransport {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let fail = |kind| move |e: std::io::Error| TransportError::new(kind, e.to_string());
        let authority = request.uri().authority().map(|a| a.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(&authority).map_err(fail(TransportErrorKind::Connect))?;
        stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(fail(TransportErrorKind::Other))?;
        let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
        let mut head = format!("{} {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n", request.method());
        for (name, value) in request.headers() {
            head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or_default()));
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", request.body().len()));
        stream.write_all(head.as_bytes()).map_err(fail(TransportErrorKind::Interrupted))?;
        stream.write_all(request.body()).map_err(fail(TransportErrorKind::Interrupted))?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).map_err(fail(TransportErrorKind::Interrupted))?;
        parse_response(&raw)
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// Status line, headers, and a Content-Length body (what the simulator sends).
fn parse_response(raw: &[u8]) -> Result<HttpResponse, TransportError> {
    let broken = || TransportError::new(TransportErrorKind::Interrupted, "malformed or truncated answer");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(broken)?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| broken())?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).ok_or_else(broken)?;
    let mut response = http::Response::builder().status(status);
    let mut length = 0;
    for (name, value) in lines.filter_map(|l| l.split_once(": ")) {
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().map_err(|_| broken())?;
        }
        response = response.header(name, value);
    }
    let body = raw.get(split + 4..split + 4 + length).ok_or_else(broken)?.to_vec();
    response.body(body).map_err(|_| broken())
}

fn main() -> Result<(), mj_proto::Report> {
    let server = mj_sim::Server::start(mj_sim::SimConfig::new("").speed(5.0), 0)?;
    let client = Client::with_transport(TcpTransport, Config::new(&server.url())?);
    let submitted = client.submit(Imagine::new("a fox over plain TCP"))?;
    println!("submitted {} ({:?})", submitted.task_id, submitted.outcome);
    println!("fetched: {:?}", client.fetch(&submitted.task_id)?.map(|t| t.status));
    let task = client.wait_with(&submitted.task_id, |t| println!("  {} {:?}", t.status, t.progress_percent()))?;
    println!("done: {} {:?}", task.status, task.result_image_urls());
    Ok(())
}
