//! A loopback port that refuses connections and stays reserved while the test runs: a
//! socket bound without listening. (Picking a free port and closing it would let another
//! process take it before the test connects.); not every user needs
//! every helper.

use std::net::{Ipv4Addr, SocketAddr};

/// The reserved port; connecting to it is refused until `self` is dropped.
pub struct Refused {
    _socket: socket2::Socket,
    /// A port on 127.0.0.1 where nothing accepts connections.
    pub port: u16,
}

impl Refused {
    pub fn new() -> Self {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
        socket.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into()).expect("bind");
        let port = socket.local_addr().ok().and_then(|a| a.as_socket()).map(|a| a.port()).expect("port");
        Self { _socket: socket, port }
    }

    /// `SCHEME://127.0.0.1:PORT`.
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }
}

/// A loopback port whose accept queue is full, so that a new connection's SYN goes
/// unanswered and connecting hangs: what a connect timeout is for. Holds its connections
/// until dropped.
pub struct Unreachable {
    _listener: socket2::Socket,
    _held: Vec<std::net::TcpStream>,
    /// The port on 127.0.0.1: connecting to it hangs.
    pub port: u16,
}

impl Unreachable {
    pub fn new() -> Self {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
        socket.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into()).expect("bind");
        socket.listen(0).expect("listen");
        let addr = socket.local_addr().ok().and_then(|a| a.as_socket()).expect("addr");
        // Fill the queue: with nobody accepting, later handshakes are not completed.
        let held = (0..8)
            .filter_map(|_| std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(200)).ok())
            .collect();
        Self { _listener: socket, _held: held, port: addr.port() }
    }
}
