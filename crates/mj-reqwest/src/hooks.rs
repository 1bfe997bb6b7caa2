//! The async webhook receiver: an axum route to mount in your app, or a standalone
//! server on tokio, both feeding a client's [`Hooks`].

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::routing::post;
use hyper_util::rt::{TokioIo, TokioTimer};
use mj_proto::Hooks;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::Semaphore;

/// The largest callback body read (a task is a few kilobytes): a bigger one is answered
/// 413, unread when its length is declared.
pub const MAX_CALLBACK_BODY: usize = 1024 * 1024;
/// The longest a caller may take to send a request's head, and then its body: a client
/// that trickles its bytes is cut off then.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a caller may take to send a request's head: a server calls back at once,
/// so a connection that sends nothing (an idle one, opened to hold a slot) is closed
/// after this.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(2);
/// Connections the standalone receiver serves at once; more are closed at once.
pub const MAX_CONNECTIONS: usize = 256;

/// The callback route of `hooks` for your axum app: `POST` on the hook's secret path,
/// answered as [`Callback::status`](mj_proto::plan::Callback::status) says (204 for a
/// task, 400 for a body that is not one), 413 for a body over [`MAX_CALLBACK_BODY`], 408
/// for one not in within [`READ_TIMEOUT`]. Any other path is not routed (your app's 404),
/// another method is 405; neither touches the hub.
///
/// ```no_run
/// use mj_reqwest::prelude::*;
/// use mj_reqwest::mj_proto::{Hooks, plan::Hub};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// // The base the server reaches your app at, and a secret path drawn from the OS.
/// let hooks = Hooks::new(Hub::new("https://app.example.com", mj_reqwest::hook_secret()?)?);
/// let app: mj_reqwest::axum::Router = mj_reqwest::axum::Router::new()
///     .route("/health", mj_reqwest::axum::routing::get(|| async { "ok" }))
///     .merge(mj_reqwest::hook_router(hooks.clone()));
/// // Serve `app` as you serve it today (`axum::serve`).
///
/// let client = Client::new(Config::new("https://api.example.com")?.with_api_key("sk-...")?)
///     .with_settings(Settings::default().hooks(hooks));
/// let grid = client.submit_and_wait(Imagine::new("a red fox in the snow"), |_| {}).await?;
/// # Ok(()) }
/// ```
pub fn hook_router(hooks: Hooks) -> Router {
    let path = hooks.path().to_owned();
    // Scopes (a pool's members, `Hooks::scoped`) are called back one level below.
    Router::new().route(&path, post(take)).route(&format!("{path}/{{scope}}"), post(take)).with_state(hooks)
}

/// One callback: the body under its cap and deadline, then the hub.
async fn take(State(hooks): State<Hooks>, request: Request) -> StatusCode {
    let path = request.uri().path().to_owned();
    if !hooks.routes(&path) {
        return StatusCode::NOT_FOUND;
    }
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_CALLBACK_BODY) {
        return StatusCode::PAYLOAD_TOO_LARGE;
    }
    let body = axum::body::to_bytes(request.into_body(), MAX_CALLBACK_BODY);
    let body = match tokio::time::timeout(READ_TIMEOUT, body).await {
        Err(_) => return StatusCode::REQUEST_TIMEOUT,
        Ok(Err(_)) => return StatusCode::PAYLOAD_TOO_LARGE,
        Ok(Ok(body)) => body,
    };
    let status = hooks.accept(&path, &body).status();
    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST)
}

/// 128 bits from the OS for a hook's secret path ([`Hub::new`](mj_proto::plan::Hub::new)).
pub fn hook_secret() -> io::Result<u128> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(u128::from_le_bytes(bytes))
}

/// A standalone callback server on tokio, for programs without a web app of their own;
/// stops when dropped.
///
/// ```no_run
/// use mj_reqwest::prelude::*;
/// use mj_reqwest::HookReceiver;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let receiver = HookReceiver::start("127.0.0.1:0", None).await?;
/// let client = Client::new(Config::new("http://127.0.0.1:8080")?)
///     .with_settings(Settings::default().hooks(receiver.hooks()));
/// let grid = client.submit_and_wait(Imagine::new("a red fox in the snow"), |_| {}).await?;
/// # Ok(()) }
/// ```
///
/// It serves [`hook_router`] over HTTP/1.1 (chunked bodies included) with a
/// [`HEAD_TIMEOUT`] on each request's head and a [`READ_TIMEOUT`] on its body, and at
/// most [`MAX_CONNECTIONS`] connections at once.
#[derive(Debug)]
pub struct HookReceiver {
    hooks: Hooks,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl HookReceiver {
    /// Listens on `listen` (`127.0.0.1:0` picks a free port) for callbacks to
    /// `public_url`, the base the server must reach (`None`: `http://` and the bound
    /// address, right when the server runs on this machine).
    pub async fn start(listen: impl ToSocketAddrs, public_url: Option<&str>) -> io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let hooks = Hooks::listening(addr, public_url, hook_secret()?)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let task = tokio::spawn(serve(listener, hook_router(hooks.clone())));
        Ok(Self { hooks, addr, task })
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
        self.task.abort();
    }
}

async fn serve(listener: TcpListener, app: Router) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of descriptors, most likely: give the open connections time to end.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else { continue };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            let _ = connection.await;
            drop(permit);
        });
    }
}
