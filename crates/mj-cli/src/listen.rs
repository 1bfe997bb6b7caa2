//! `mj listen`: a tiny loopback HTTP server that prints every notifyHook callback.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

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
    for stream in listener.incoming().flatten() {
        match receive(stream) {
            Ok(task) if json => println!("{}", crate::output::progress(&task)),
            Ok(task) => println!("{}", render::progress_line(&task)),
            Err(e) => eprintln!("mj: ignored a callback: {e}"),
        }
    }
    Ok(())
}

fn receive(mut stream: TcpStream) -> Result<mj_proto::Task, String> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let (head_end, length) = loop {
        let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
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
        let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
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
