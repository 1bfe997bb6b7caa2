//! The blocking webhook receiver: a small listener thread that feeds a client's
//! [`Hooks`], so that its waits learn of a change the instant the server calls back.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mj_proto::Hooks;

/// The largest callback body read (a task is a few kilobytes; a bigger body is refused
/// with 413 before it is read).
pub const MAX_CALLBACK_BODY: usize = 1024 * 1024;
/// The longest a caller may take to send one whole callback: a client that trickles its
/// bytes is cut off then.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a caller may take to send a request's head: a server calls back at once,
/// so a connection that sends nothing (an idle one, opened to hold a slot) is closed
/// after this and holds one of [`MAX_CONNECTIONS`] at most this long.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(2);
/// Connections served at once; more are answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 256;
/// The largest request head read.
const MAX_HEAD: usize = 16 * 1024;

/// Listens for a server's callbacks on a thread of its own and feeds them to its
/// [`Hooks`]; stops when dropped.
///
/// ```no_run
/// use mj_ureq::prelude::*;
/// use mj_ureq::HookReceiver;
///
/// // Listen on all interfaces; the server reaches this machine as me.example.com.
/// let receiver = HookReceiver::start("0.0.0.0:9000", Some("http://me.example.com:9000"))?;
/// let client = Client::new(Config::new("https://api.example.com")?.with_api_key("sk-...")?)
///     .with_settings(Settings::default().hooks(receiver.hooks()));
/// // Submits carry the hook; the wait ends the moment the server calls back.
/// let grid = client.submit_and_wait(Imagine::new("a red fox in the snow"), |_| {})?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Each request is answered as [`Callback::status`](mj_proto::plan::Callback::status)
/// says: 204 for a task, 400 for a body that is not one, 404 for any path but the hook's
/// (its body unread); 405 for a method other than POST, 413 for a body over
/// [`MAX_CALLBACK_BODY`] (declared, or read so far of a chunked one), 408 when its head is
/// not in within [`HEAD_TIMEOUT`] or all of it within [`READ_TIMEOUT`]. Nothing it logs
/// or answers holds the hook's secret path or the API key.
#[derive(Debug)]
pub struct HookReceiver {
    hooks: Hooks,
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HookReceiver {
    /// Listens on `listen` (`127.0.0.1:0` picks a free port) for callbacks to
    /// `public_url`, the base the server must reach (`None`: `http://` and the bound
    /// address, right when the server runs on this machine). The hook's path is drawn
    /// from the OS's randomness.
    pub fn start(listen: impl ToSocketAddrs, public_url: Option<&str>) -> io::Result<Self> {
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let hooks = Hooks::listening(addr, public_url, secret()?)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (hooks, stop) = (hooks.clone(), stop.clone());
            std::thread::Builder::new().name("mj-hooks".into()).spawn(move || serve(&listener, &hooks, &stop))?
        };
        Ok(Self { hooks, addr, stop, thread: Some(thread) })
    }

    /// The hooks this receiver feeds: give them to [`Settings::hooks`](mj_proto::Settings::hooks).
    pub fn hooks(&self) -> Hooks {
        self.hooks.clone()
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for HookReceiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept; the loop then sees the flag.
        let _ = TcpStream::connect_timeout(&wake_addr(self.addr), Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Where to connect to wake a listener bound to `addr` (an unspecified address is
/// reached on loopback).
fn wake_addr(addr: SocketAddr) -> SocketAddr {
    let mut to = addr;
    if to.ip().is_unspecified() {
        to.set_ip(if addr.is_ipv4() { [127, 0, 0, 1].into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
    }
    to
}

/// 128 bits from the OS for the hook's path.
fn secret() -> io::Result<u128> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(u128::from_le_bytes(bytes))
}

fn serve(listener: &TcpListener, hooks: &Hooks, stop: &AtomicBool) {
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut stream) = stream else { continue };
        if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = answer(&mut stream, 503);
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        let (hooks, count) = (hooks.clone(), active.clone());
        let spawned = std::thread::Builder::new().name("mj-hook".into()).spawn(move || {
            let _ = handle(&mut stream, &hooks);
            let _ = stream.shutdown(Shutdown::Both);
            count.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// One callback: the head, the path checked before the body is read, then the hub.
fn handle(stream: &mut TcpStream, hooks: &Hooks) -> io::Result<()> {
    let started = Instant::now();
    let (head_deadline, deadline) = (started + HEAD_TIMEOUT, started + READ_TIMEOUT);
    stream.set_write_timeout(Some(READ_TIMEOUT))?;
    let mut buf = Vec::with_capacity(2048);
    let (method, path, length, body_start) = loop {
        match read_some(stream, &mut buf, head_deadline) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return answer(stream, 408),
            Err(e) => return Err(e),
        }
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&buf) {
            Ok(httparse::Status::Complete(end)) => {
                let length = request
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse::<usize>().ok());
                let encoding = request.headers.iter().find(|h| h.name.eq_ignore_ascii_case("transfer-encoding"));
                let method = request.method.unwrap_or_default().to_owned();
                let path = request.path.unwrap_or_default().to_owned();
                let length = match (encoding, length) {
                    // HTTP/1.1: a chunked body (its length comes with each chunk).
                    (Some(e), _) if e.value.eq_ignore_ascii_case(b"chunked") => Length::Chunked,
                    (Some(_), _) => return answer(stream, 501),
                    (None, Some(length)) => Length::Declared(length),
                    (None, None) if method == "POST" => return answer(stream, 411),
                    (None, None) => Length::Declared(0),
                };
                break (method, path, length, end);
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
            _ => return answer(stream, 400),
        }
    };
    if !hooks.routes(&path) {
        return answer(stream, 404);
    }
    if method != "POST" {
        return answer(stream, 405);
    }
    let mut body = buf.split_off(body_start);
    let body = match length {
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
    let status = hooks.accept(&path, &body).status();
    answer(stream, status)
}

/// How a request's body is delimited.
enum Length {
    Declared(usize),
    Chunked,
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

fn answer(stream: &mut TcpStream, status: u16) -> io::Result<()> {
    let reason = http_reason(status);
    write!(stream, "HTTP/1.1 {status} {reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")?;
    stream.flush()
}

fn http_reason(status: u16) -> &'static str {
    mj_proto::http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("")
}
