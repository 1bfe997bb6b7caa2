//! A request marked with an `AddressCheck` (a download from a host other than the
//! configured server's) never connects to an address the check forbids, whatever name
//! stands for it: the transport's resolver checks what the name resolves to, and a
//! transport made from the caller's own client checks by a lookup before sending.

use mj_proto::{AddressCheck, AsyncTransport, http};
use mj_reqwest::ReqwestTransport;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn request(port: u16, check: AddressCheck) -> mj_proto::HttpRequest {
    http::Request::get(format!("http://localhost:{port}/a.png")).extension(check).body(Vec::new()).expect("request")
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused_before_connecting() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let own_client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    for transport in [ReqwestTransport::new(), ReqwestTransport::from_client(own_client)] {
        let refused = transport.send(request(port, AddressCheck { allow_local: false })).await.expect_err("refused");
        assert!(refused.to_string().contains("refusing to connect"), "{refused}");
        let accepted = tokio::time::timeout(std::time::Duration::from_millis(200), listener.accept()).await;
        assert!(accepted.is_err(), "no connection was made");

        // Allowed when the configured server is local itself.
        let server = async {
            let (mut stream, _) = listener.accept().await.expect("a connection");
            let mut head = [0u8; 1024];
            let _ = stream.read(&mut head).await;
            stream.write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").await.expect("answer");
        };
        let (answer, ()) = tokio::join!(transport.send(request(port, AddressCheck { allow_local: true })), server);
        assert_eq!(answer.expect("allowed").status(), 204);
    }
}
