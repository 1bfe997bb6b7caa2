//! `mj listen`: a tiny loopback HTTP server that prints every notifyHook callback.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::exit::Failure;
use crate::render;

/// The largest callback body accepted.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// Serves until interrupted.
pub fn run(port: u16, json: bool) -> Result<(), Failure> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| Failure::usage(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let addr = listener.local_addr().map_err(|e| Failure::usage(e.to_string()))?;
    eprintln!("listening for callbacks on http://{addr}/ (use it as notifyHook; Ctrl-C stops)");
    // One thread per connection, each with a whole-request deadline: a client trickling a
    // byte every few seconds holds only its own thread, never the next callback.
    for stream in listener.incoming().flatten() {
        let spawned = std::thread::Builder::new().name("mj-listen".into()).spawn(move || match receive(stream) {
            Ok(task) if json => println!("{}", crate::output::progress(&task)),
            Ok(task) => println!("{}", render::progress_line(&task)),
            Err(e) => eprintln!("mj: ignored a callback: {}", crate::terminal::clean(&e)),
        });
        if let Err(e) = spawned {
            eprintln!("mj: ignored a callback: {e}");
        }
    }
    Ok(())
}

/// How long one callback may take to arrive, head and body together.
const RECEIVE_WITHIN: Duration = Duration::from_secs(10);

/// Reads from `stream` before `deadline`.
fn read_before(stream: &mut TcpStream, buf: &mut [u8], deadline: Instant) -> Result<usize, String> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(format!("the callback took longer than {} s to arrive", RECEIVE_WITHIN.as_secs()));
    }
    stream.set_read_timeout(Some(left)).map_err(|e| e.to_string())?;
    stream.read(buf).map_err(|e| e.to_string())
}

fn receive(mut stream: TcpStream) -> Result<mj_proto::Task, String> {
    let deadline = Instant::now() + RECEIVE_WITHIN;
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let (head_end, length) = loop {
        let n = read_before(&mut stream, &mut buf, deadline)?;
        if n == 0 {
            return Err("the connection closed early".into());
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|n| n.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (end + 4, length);
        }
        if raw.len() > 64 * 1024 {
            return Err("the request head is too large".into());
        }
    };
    if length > MAX_BODY {
        let _ = stream.write_all(b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\n\r\n");
        return Err(format!("a {length}-byte body is over the limit"));
    }
    while raw.len() < head_end + length {
        let n = read_before(&mut stream, &mut buf, deadline)?;
        if n == 0 {
            return Err("the body ended early".into());
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let parsed = mj_proto::webhook::parse(&raw[head_end..head_end + length]);
    let status = if parsed.is_ok() { "204 No Content" } else { "400 Bad Request" };
    let _ = stream.write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").as_bytes());
    parsed.map_err(|e| e.to_string())
}
