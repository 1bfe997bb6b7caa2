//! The callback route for an axum app: the same path check, body cap, read deadline and
//! answers as [`HookReceiver`](crate::HookReceiver), on your server.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::routing::post;
use mj_client::Hooks;

use crate::{MAX_CALLBACK_BODY, READ_TIMEOUT};

/// The callback route of `hooks` for your axum app: `POST` on the hook's secret path
/// (and its pool members' scopes below it), answered as
/// [`Callback::status`](crate::Callback::status) says (204 for a task, 400 for a body
/// that is not one), 413 for a body over [`MAX_CALLBACK_BODY`], 408 for one not in
/// within [`READ_TIMEOUT`]. Any other path is not routed (your app's 404), another
/// method is 405; neither touches the hooks.
///
/// ```
/// use mj_hooks::{Hooks, Hub};
///
/// // The base the server reaches your app at, and a secret path drawn from the OS.
/// let hooks = Hooks::new(Hub::new("https://app.example.com", mj_hooks::secret()?)?);
/// let app: axum::Router = axum::Router::new()
///     .route("/health", axum::routing::get(|| async { "ok" }))
///     .merge(mj_hooks::router(hooks.clone()));
/// // Serve `app` as you serve it today (`axum::serve`), and give `hooks` to the client's
/// // `Settings::hooks`.
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn router(hooks: Hooks) -> Router {
    let path = hooks.path().to_owned();
    // Scopes (a pool's members, `Hooks::scoped`) are called back one level below.
    Router::new().route(&path, post(take)).route(&format!("{path}/{{scope}}"), post(take)).with_state(hooks)
}

/// One callback: the body under its cap and deadline, then the hooks.
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
