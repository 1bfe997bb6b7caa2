//! A request marked with an `AddressCheck` (a download from a host other than the
//! configured server's) never connects to an address the check forbids, whatever name
//! stands for it: the transport checks what the name resolves to before connecting.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use mj_proto::{AddressCheck, Transport, http};
use mj_ureq::UreqTransport;

fn request(port: u16, check: AddressCheck) -> mj_proto::HttpRequest {
    http::Request::get(format!("http://localhost:{port}/a.png")).extension(check).body(Vec::new()).expect("request")
}

#[test]
fn a_name_that_resolves_to_loopback_is_refused_before_connecting() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let transport = UreqTransport::new();

    let refused = transport.send(request(port, AddressCheck { allow_local: false })).expect_err("refused");
    assert!(refused.to_string().contains("refusing to connect"), "{refused}");
    assert!(refused.to_string().contains("loopback or private"), "{refused}");
    listener.set_nonblocking(true).expect("nonblocking");
    assert!(listener.accept().is_err(), "no connection was made");

    // Allowed when the configured server is local itself.
    listener.set_nonblocking(false).expect("blocking");
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("a connection");
        stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let mut head = [0u8; 1024];
        let _ = stream.read(&mut head);
        stream.write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").expect("answer");
    });
    let answer = transport.send(request(port, AddressCheck { allow_local: true })).expect("allowed");
    assert_eq!(answer.status(), 204);
    server.join().expect("server");
}
