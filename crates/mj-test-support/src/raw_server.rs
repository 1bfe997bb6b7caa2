//! A loopback server that answers every connection with the same raw bytes, for the
//! transports' own tests (redirects, chunked bodies).; bound once, on
//! port 0, and stopped when dropped. Not every user needs every helper.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Serves `answer` to each request until dropped; counts the requests.
pub struct RawServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Requests seen.
    pub hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl RawServer {
    pub fn start(answer: Vec<u8>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (hits, stop) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let (h, s) = (Arc::clone(&hits), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let Ok((mut conn, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = conn.set_nonblocking(false);
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && matches!(conn.read(&mut byte), Ok(1)) {
                    head.push(byte[0]);
                }
                h.fetch_add(1, Ordering::Relaxed);
                let _ = conn.write_all(&answer);
            }
        });
        Self { url, hits, stop }
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A redirect to `location`.
pub fn redirect(location: &str) -> Vec<u8> {
    format!("HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").into_bytes()
}

/// A chunked 200 of `chunks` chunks of `size` bytes each (no content-length to check).
pub fn chunked(chunks: usize, size: usize) -> Vec<u8> {
    let mut out =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
            .to_vec();
    for _ in 0..chunks {
        out.extend(format!("{size:x}\r\n").into_bytes());
        out.extend(std::iter::repeat_n(b' ', size));
        out.extend(b"\r\n");
    }
    out.extend(b"0\r\n\r\n");
    out
}
