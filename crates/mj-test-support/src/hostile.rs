//! A loopback HTTP server whose every answer a test writes: a lying or hostile server
//! (foreign task ids, escape sequences, echoed keys, bodies that are not what they claim).
//!; bound on port 0 and stopped when dropped. It records every
//! request, so a test can count on the server's side.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the server read it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
}

/// An answer: status, content type, body.
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(body: impl Into<String>) -> Self {
        Self { status: 200, content_type: "application/json", body: body.into().into_bytes() }
    }

    pub fn with(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self { status, content_type, body: body.into() }
    }
}

type Handler = dyn Fn(&Seen, &str) -> Answer + Send + Sync;

pub struct Hostile {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl Hostile {
    /// Serves `handler(request, own_url)` to every request until dropped.
    pub fn start(handler: impl Fn(&Seen, &str) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (seen, stop) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicBool::new(false)));
        let handler: Arc<Handler> = Arc::new(handler);
        let (seen2, stop2, own) = (Arc::clone(&seen), Arc::clone(&stop), url.clone());
        std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                let Ok((conn, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let (handler, seen, own) = (Arc::clone(&handler), Arc::clone(&seen2), own.clone());
                std::thread::spawn(move || serve(conn, &*handler, &seen, &own));
            }
        });
        Self { url, seen, stop }
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    /// Requests whose path contains `part`.
    pub fn count(&self, part: &str) -> usize {
        self.seen().iter().filter(|s| s.path.contains(part)).count()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(conn: std::net::TcpStream, handler: &Handler, seen: &Mutex<Vec<Seen>>, own: &str) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut writer = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned());
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = Seen { method, path, body };
        seen.lock().expect("lock").push(request.clone());
        let answer = handler(&request, own);
        let head = format!(
            "HTTP/1.1 {} X\r\ncontent-type: {}\r\ncontent-length: {}\r\n\r\n",
            answer.status,
            answer.content_type,
            answer.body.len()
        );
        if writer.write_all(head.as_bytes()).and_then(|()| writer.write_all(&answer.body)).is_err() {
            return;
        }
    }
}

/// A real 2x2-grid-sized PNG (tiny, but whole and decodable).
pub fn png() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, 4, 4);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&[200u8; 4 * 4 * 3]).expect("data");
    }
    out
}

/// A port that accepts connections and never answers, for `hold`; its URL.
pub fn black_hole(hold: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let until = std::time::Instant::now() + hold;
        let mut held = Vec::new();
        while std::time::Instant::now() < until {
            match listener.accept() {
                Ok((conn, _)) => held.push(conn),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    });
    url
}
