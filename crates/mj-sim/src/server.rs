//! The simulator on a loopback socket: a small HTTP/1.1 server that can misbehave on
//! purpose (slow answers, truncated bodies, dropped connections) and delivers webhooks.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::clock::system_now_ms;
use crate::config::SimConfig;
use crate::simulator::{Delivery, Notification, Simulator};
use crate::stats::Stats;

/// Largest request head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted (images travel as base64).
const MAX_BODY: usize = 32 * 1024 * 1024;
/// How often due webhooks are looked for: the real servers call back as a task changes,
/// so the simulator must not add more delay than a loopback round trip.
const NOTIFY_EVERY: Duration = Duration::from_millis(5);

/// A simulator served on 127.0.0.1 from a background thread; stops when dropped.
///
/// ```no_run
/// let server = mj_sim::Server::start(mj_sim::SimConfig::new(""), 0)?;
/// println!("simulator at {}", server.url());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    sim: Arc<Mutex<Simulator>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds 127.0.0.1:`port` (0 picks a free port) and serves `config` there. Result URLs
    /// point at the bound address, whatever `config.base_url` said.
    pub fn start(config: SimConfig, port: u16) -> io::Result<Self> {
        let std_listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let mut config = config;
        config.base_url = format!("http://{addr}");
        let sim = Arc::new(Mutex::new(Simulator::new(config)));
        let (stop, stopped) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let shared = Arc::clone(&sim);
        let thread = std::thread::Builder::new().name("mj-sim".into()).spawn(move || {
            runtime.block_on(async move {
                match TcpListener::from_std(std_listener) {
                    Ok(listener) => serve(listener, shared, async { stopped.await.unwrap_or(()) }).await,
                    Err(e) => eprintln!("mj-sim: cannot serve: {e}"),
                }
            });
        })?;
        Ok(Self { addr, sim, stop: Some(stop), thread: Some(thread) })
    }

    /// The address it listens on (127.0.0.1 and the port it was given or picked).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL for clients (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The simulator's counters.
    pub fn stats(&self) -> Stats {
        lock(&self.sim).stats().clone()
    }

    /// Stops serving, waits for the thread to end, and returns the final counters (what
    /// it made up to the instant it stopped: a test that kills a server mid-run counts
    /// exactly).
    pub fn stop(mut self) -> Stats {
        self.shutdown();
        self.stats()
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn lock(sim: &Mutex<Simulator>) -> MutexGuard<'_, Simulator> {
    sim.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Serves `sim` on `listener` until `shutdown` completes, delivering webhooks meanwhile.
pub(crate) async fn serve(listener: TcpListener, sim: Arc<Mutex<Simulator>>, shutdown: impl Future<Output = ()>) {
    let notifier = tokio::spawn(deliver_notifications(Arc::clone(&sim)));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Head and body go out in one write; without NODELAY a keep-alive
                    // client would still wait out its delayed ACK on small answers.
                    let _ = stream.set_nodelay(true);
                    let sim = Arc::clone(&sim);
                    tokio::spawn(async move {
                        let _ = connection(stream, sim).await;
                    });
                }
                Err(e) => {
                    eprintln!("mj-sim: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    notifier.abort();
}

/// One connection: requests in turn (keep-alive) until the client closes or a fault does.
async fn connection(mut stream: TcpStream, sim: Arc<Mutex<Simulator>>) -> io::Result<()> {
    let mut buffer = Vec::with_capacity(8 * 1024);
    loop {
        let request = match read_request(&mut stream, &mut buffer).await? {
            Read::Request(request, keep_alive) => (request, keep_alive),
            Read::Closed => return Ok(()),
            Read::Bad(status, message) => {
                write_response(&mut stream, &crate::reply::text(status, message), false, None).await?;
                return Ok(());
            }
        };
        let (request, keep_alive) = request;
        let reply = lock(&sim).handle(&request, system_now_ms());
        match reply.delivery {
            Delivery::Normal => write_response(&mut stream, &reply.response, keep_alive, None).await?,
            Delivery::Slow(delay) => {
                tokio::time::sleep(delay).await;
                write_response(&mut stream, &reply.response, keep_alive, None).await?;
            }
            Delivery::Truncate => {
                let cut = reply.response.body().len() / 2;
                write_response(&mut stream, &reply.response, false, Some(cut)).await?;
                return Ok(());
            }
            Delivery::Reset => {
                // A real reset (RST), not a clean close: SO_LINGER 0, then drop.
                let _ = stream.set_zero_linger();
                return Ok(());
            }
        }
        if !keep_alive {
            return Ok(());
        }
    }
}

enum Read {
    Request(Box<mj_proto::HttpRequest>, bool),
    Closed,
    Bad(u16, &'static str),
}

async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<Read> {
    let head_end = loop {
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            break end + 4;
        }
        if buffer.len() > MAX_HEAD {
            return Ok(Read::Bad(431, "request head too large"));
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(Read::Closed);
        }
        buffer.extend_from_slice(&chunk[..n]);
        // A request starts with a method token in capitals. Anything else (a TLS
        // ClientHello from an https:// URL starts with 0x16) gets the connection closed
        // at once, so the client fails fast instead of waiting for a handshake.
        if !buffer[0].is_ascii_uppercase() {
            let _ = stream.set_zero_linger();
            return Ok(Read::Closed);
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut headers);
    if !matches!(parsed.parse(&buffer[..head_end]), Ok(httparse::Status::Complete(_))) {
        return Ok(Read::Bad(400, "malformed request"));
    }
    let mut builder = http::Request::builder().method(parsed.method.unwrap_or("GET")).uri(parsed.path.unwrap_or("/"));
    let mut length = 0usize;
    let mut chunked = false;
    let mut keep_alive = parsed.version == Some(1);
    for header in parsed.headers.iter() {
        let value = String::from_utf8_lossy(header.value);
        if header.name.eq_ignore_ascii_case("content-length") {
            length = match value.trim().parse() {
                Ok(n) => n,
                Err(_) => return Ok(Read::Bad(400, "bad content-length")),
            };
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        } else if header.name.eq_ignore_ascii_case("connection") {
            let v = value.to_ascii_lowercase();
            keep_alive = if v.contains("close") { false } else { keep_alive || v.contains("keep-alive") };
        }
        builder = builder.header(header.name, header.value);
    }
    if length > MAX_BODY {
        return Ok(Read::Bad(413, "request body too large"));
    }
    buffer.drain(..head_end);
    let body = if chunked {
        match read_chunked(stream, buffer).await? {
            Some(body) => body,
            None => return Ok(Read::Bad(400, "malformed chunked body")),
        }
    } else {
        while buffer.len() < length {
            let mut chunk = vec![0u8; (length - buffer.len()).min(64 * 1024)];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(Read::Closed);
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
        buffer.drain(..length).collect()
    };
    match builder.body(body) {
        Ok(request) => Ok(Read::Request(Box::new(request), keep_alive)),
        Err(_) => Ok(Read::Bad(400, "malformed request")),
    }
}

/// Decodes a chunked body; `None` when it is malformed or too large.
async fn read_chunked(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<Option<Vec<u8>>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(end) = find(buffer, b"\r\n") {
                break end;
            }
            if !fill(stream, buffer).await? {
                return Ok(None);
            }
        };
        let size_text = String::from_utf8_lossy(&buffer[..line_end]).to_string();
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16) else {
            return Ok(None);
        };
        buffer.drain(..line_end + 2);
        if body.len() + size > MAX_BODY {
            return Ok(None);
        }
        while buffer.len() < size + 2 {
            if !fill(stream, buffer).await? {
                return Ok(None);
            }
        }
        body.extend(buffer.drain(..size));
        buffer.drain(..2);
        if size == 0 {
            return Ok(Some(body));
        }
    }
}

async fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<bool> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await?;
    buffer.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Writes a response; with `cut`, only that many body bytes (a truncated answer).
async fn write_response(
    stream: &mut TcpStream,
    response: &mj_proto::HttpResponse,
    keep_alive: bool,
    cut: Option<usize>,
) -> io::Result<()> {
    let status = response.status();
    let mut head = format!("HTTP/1.1 {} {}\r\n", status.as_u16(), status.canonical_reason().unwrap_or(""));
    for (name, value) in response.headers() {
        head.push_str(name.as_str());
        head.push_str(": ");
        head.push_str(&String::from_utf8_lossy(value.as_bytes()));
        head.push_str("\r\n");
    }
    head.push_str(&format!("content-length: {}\r\n", response.body().len()));
    head.push_str(if keep_alive { "connection: keep-alive\r\n\r\n" } else { "connection: close\r\n\r\n" });
    let body = response.body();
    let body = &body[..cut.unwrap_or(body.len()).min(body.len())];
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).await?;
    stream.flush().await
}

/// Looks for due webhooks every few milliseconds and POSTs each, once, without retry.
async fn deliver_notifications(sim: Arc<Mutex<Simulator>>) {
    loop {
        tokio::time::sleep(NOTIFY_EVERY).await;
        let due = lock(&sim).poll_notifications(system_now_ms());
        for notification in due {
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(5), post(&notification)).await;
            });
        }
    }
}

/// A plain HTTP/1.1 POST of the task JSON to a loopback hook.
async fn post(notification: &Notification) -> io::Result<()> {
    let rest = notification.url.strip_prefix("http://").unwrap_or(&notification.url);
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    let target = if authority.contains(':') { authority.to_owned() } else { format!("{authority}:80") };
    let mut stream = TcpStream::connect(target).await?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {authority}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\nuser-agent: mj-sim\r\n\r\n",
        notification.body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&notification.body).await?;
    let mut sink = Vec::new();
    let _ = stream.read_to_end(&mut sink).await;
    Ok(())
}
