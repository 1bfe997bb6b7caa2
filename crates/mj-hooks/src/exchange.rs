//! One callback over HTTP/1.1 on a plain `TcpStream`: the head read under its deadline,
//! the path checked before a byte of the body is read, the body (declared or chunked)
//! read under its cap and deadline, then the hooks, and an empty answer.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use mj_client::Hooks;
use mj_proto::plan::Callback;

use crate::{HEAD_TIMEOUT, MAX_CALLBACK_BODY, READ_TIMEOUT};

/// The largest request head read.
const MAX_HEAD: usize = 16 * 1024;

/// Serves the one request on `stream`; `tap` sees each callback the hooks took.
pub(crate) fn serve_one(stream: &mut TcpStream, hooks: &Hooks, tap: impl Fn(&Callback)) -> io::Result<()> {
    let started = Instant::now();
    let (head_deadline, deadline) = (started + HEAD_TIMEOUT, started + READ_TIMEOUT);
    stream.set_write_timeout(Some(READ_TIMEOUT))?;
    let mut buf = Vec::with_capacity(2048);
    let head = loop {
        match read_some(stream, &mut buf, head_deadline) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return answer(stream, 408),
            Err(e) => return Err(e),
        }
        match parse_head(&buf) {
            Ok(Some(head)) => break head,
            Ok(None) if buf.len() < MAX_HEAD => {}
            Ok(None) => return answer(stream, 431),
            Err(status) => return answer(stream, status),
        }
    };
    if !hooks.routes(&head.path) {
        return answer(stream, 404);
    }
    if head.method != "POST" {
        return answer(stream, 405);
    }
    let mut body = buf.split_off(head.end);
    let body = match head.length {
        Length::Declared(length) if length > MAX_CALLBACK_BODY => return answer(stream, 413),
        Length::Declared(length) => {
            while body.len() < length {
                match read_some(stream, &mut body, deadline) {
                    Ok(0) => return Ok(()),
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::TimedOut => return answer(stream, 408),
                    Err(e) => return Err(e),
                }
            }
            body.truncate(length);
            body
        }
        Length::Chunked => match read_chunked(stream, body, deadline) {
            Ok(Some(body)) => body,
            Ok(None) => return Ok(()),
            Err(Refused(status)) => return answer(stream, status),
        },
    };
    let callback = hooks.accept(&head.path, &body);
    tap(&callback);
    answer(stream, callback.status())
}

/// What the head of a request says.
struct Head {
    method: String,
    path: String,
    length: Length,
    /// Where the body starts in what was read.
    end: usize,
}

/// How a request's body is delimited.
enum Length {
    Declared(usize),
    Chunked,
}

/// The head in `buf`, `None` while it is incomplete, or the status refusing it.
fn parse_head(buf: &[u8]) -> Result<Option<Head>, u16> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    let end = match request.parse(buf) {
        Ok(httparse::Status::Complete(end)) => end,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(400),
    };
    let header = |name: &str| request.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value);
    let declared = header("content-length").map(|v| std::str::from_utf8(v).ok().and_then(|v| v.trim().parse().ok()));
    let method = request.method.unwrap_or_default().to_owned();
    let length = match (header("transfer-encoding"), declared) {
        // HTTP/1.1: a chunked body (its length comes with each chunk).
        (Some(e), _) if e.eq_ignore_ascii_case(b"chunked") => Length::Chunked,
        (Some(_), _) => return Err(501),
        (None, Some(Some(length))) => Length::Declared(length),
        (None, Some(None)) => return Err(400),
        (None, None) if method == "POST" => return Err(411),
        (None, None) => Length::Declared(0),
    };
    Ok(Some(Head { method, path: request.path.unwrap_or_default().to_owned(), length, end }))
}

/// Why a chunked body was not read: the status to answer.
struct Refused(u16);

/// Reads a chunked body (RFC 9112 §7.1) that starts with `raw`: each chunk's size line,
/// its data and CRLF, to the last (size 0) chunk and the trailers. At most
/// [`MAX_CALLBACK_BODY`] bytes of data (413 past it), all in by `deadline` (408); a
/// malformed one is 400. `None` when the caller hung up.
fn read_chunked(stream: &mut TcpStream, mut raw: Vec<u8>, deadline: Instant) -> Result<Option<Vec<u8>>, Refused> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        // The size line.
        let line_end = loop {
            if let Some(end) = find_crlf(&raw[at..]) {
                break at + end;
            }
            if raw.len() - at > 1024 {
                return Err(Refused(400));
            }
            if !more(stream, &mut raw, deadline)? {
                return Ok(None);
            }
        };
        let line = std::str::from_utf8(&raw[at..line_end]).map_err(|_| Refused(400))?;
        let size = line.split(';').next().map(str::trim).unwrap_or_default();
        let size = usize::from_str_radix(size, 16).map_err(|_| Refused(400))?;
        at = line_end + 2;
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                if raw[at..].starts_with(b"\r\n") {
                    return Ok(Some(body));
                }
                match find_crlf(&raw[at..]) {
                    Some(end) => at += end + 2,
                    None if raw.len() - at > MAX_HEAD => return Err(Refused(400)),
                    None => {
                        if !more(stream, &mut raw, deadline)? {
                            return Ok(None);
                        }
                    }
                }
            }
        }
        if body.len().saturating_add(size) > MAX_CALLBACK_BODY {
            return Err(Refused(413));
        }
        while raw.len() < at + size + 2 {
            if !more(stream, &mut raw, deadline)? {
                return Ok(None);
            }
        }
        if &raw[at + size..at + size + 2] != b"\r\n" {
            return Err(Refused(400));
        }
        body.extend_from_slice(&raw[at..at + size]);
        at += size + 2;
        // What was consumed is dropped, so that `raw` holds at most one chunk.
        raw.drain(..at);
        at = 0;
    }
}

/// Reads more of the body into `raw`; false when the caller hung up.
fn more(stream: &mut TcpStream, raw: &mut Vec<u8>, deadline: Instant) -> Result<bool, Refused> {
    match read_some(stream, raw, deadline) {
        Ok(0) => Ok(false),
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::TimedOut => Err(Refused(408)),
        Err(_) => Ok(false),
    }
}

fn find_crlf(bytes: &[u8]) -> Option<usize> {
    bytes.windows(2).position(|w| w == b"\r\n")
}

/// Reads what is there into `buf`, waiting no later than `deadline`.
fn read_some(stream: &mut TcpStream, buf: &mut Vec<u8>, deadline: Instant) -> io::Result<usize> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(io::ErrorKind::TimedOut.into());
    }
    stream.set_read_timeout(Some(left))?;
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk) {
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Ok(n)
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Err(io::ErrorKind::TimedOut.into()),
        Err(e) => Err(e),
    }
}

/// An empty answer with `status`, and the connection closed.
pub(crate) fn answer(stream: &mut TcpStream, status: u16) -> io::Result<()> {
    let reason = mj_proto::http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
    write!(stream, "HTTP/1.1 {status} {reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")?;
    stream.flush()
}
