//! The sans-IO simulator: a request and the time in, an answer out.
//!
//! This module routes, authorizes and injects faults; `submits` creates tasks,
//! `queries` answers the task endpoints and `/sim/...`, `texts` writes the describe
//! and shorten results.

mod create;
mod form;
mod numeric_enums;

use numeric_enums::enums_as_numbers;
mod queries;
mod submits;
mod texts;

use std::collections::HashMap;
use std::time::Duration;

use http::Method;
use mj_proto::{HttpRequest, HttpResponse};
use serde_json::{Map, Value, json};

use crate::buttons::Product;
use crate::config::SimConfig;
use crate::faults::FaultKind;
use crate::flavor::{Flavor, Route};
use crate::lifecycle::{Ending, Timeline};
use crate::reply;
use crate::rng::{Rng, hash};
use crate::stats::Stats;
use crate::task::{DISCORD_INSTANCE, ModalKind, SimTask};

/// How an answer must be delivered: faults that strike after the request was handled tell
/// the transport or server to spoil the delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// Send it as it is.
    Normal,
    /// Send it after this delay.
    Slow(Duration),
    /// Send the head and part of the body, then close the connection.
    Truncate,
    /// Close the connection without answering.
    Reset,
}

/// The simulator's answer to one request.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The answer to send, after any delay the delivery asks for.
    pub response: HttpResponse,
    /// How to deliver it.
    pub delivery: Delivery,
}

impl Reply {
    fn normal(response: HttpResponse) -> Self {
        Self { response, delivery: Delivery::Normal }
    }
}

/// A webhook POST the simulator wants made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The hook URL (always on the loopback range).
    pub url: String,
    /// The task as its notifyHook POST carries it.
    pub body: Vec<u8>,
    /// Which task changed.
    pub task_id: String,
}

/// A Midjourney proxy in memory. Time is an argument (epoch milliseconds), so a test can
/// play ten minutes of task time in microseconds.
///
/// ```
/// use mj_sim::{SimConfig, Simulator, http};
///
/// let mut sim = Simulator::new(SimConfig::new("http://127.0.0.1:8080").seed(1));
/// let submit = http::Request::post("/mj/submit/imagine").body(br#"{"prompt":"a red fox"}"#.to_vec())?;
/// let answer = String::from_utf8(sim.respond(&submit, 1_700_000_000_000).into_body())?;
/// assert!(answer.starts_with(r#"{"code":1,"#), "{answer}");
/// let id = answer.split(r#""result":""#).nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default();
/// let fetch = http::Request::get(format!("/mj/task/{id}/fetch")).body(Vec::new())?;
/// let task = String::from_utf8(sim.respond(&fetch, 1_700_000_060_000).into_body())?;
/// assert!(task.contains(r#""status":"SUCCESS""#), "{task}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Simulator {
    config: SimConfig,
    tasks: HashMap<String, SimTask>,
    order: Vec<String>,
    slots: Vec<u64>,
    ids: Rng,
    fault_rng: Rng,
    last_id: u64,
    uploads: u64,
    stats: Stats,
    notified: HashMap<String, (String, String)>,
    /// Requests struck by the `late` fault, with when they land (epoch ms).
    late: Vec<(u64, HttpRequest)>,
}

/// A parsed request body: a JSON object, or what to answer instead.
type Body = Map<String, Value>;

impl Simulator {
    /// A simulator with `config`.
    pub fn new(config: SimConfig) -> Self {
        Self {
            slots: vec![0; config.concurrency.max(1)],
            ids: Rng::new(config.seed),
            fault_rng: Rng::new(config.seed ^ 0xFA17),
            config,
            tasks: HashMap::new(),
            order: Vec::new(),
            last_id: 0,
            uploads: 0,
            stats: Stats::default(),
            notified: HashMap::new(),
            late: Vec::new(),
        }
    }

    /// The settings it was made with (flavor, key, speed, faults).
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// What has happened so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Answers `request` as the configured server would at `now` (epoch ms).
    /// Answers `request` at `now` (epoch ms) as the flavor would, faults included; a fault
    /// that spoils the delivery (slow, truncated, reset) is up to the transport, so the
    /// answer here is the one the server produced. For driving the simulator on your own
    /// clock; [`SimTransport`](crate::SimTransport) and [`Server`](crate::Server) do the rest.
    pub fn respond(&mut self, request: &HttpRequest, now: u64) -> HttpResponse {
        self.handle(request, now).response
    }

    pub(crate) fn handle(&mut self, request: &HttpRequest, now: u64) -> Reply {
        let Some(cors) = crate::cors::Cors::of(self.config.flavor) else {
            return self.handle_same_origin(request, now);
        };
        // Preflights are answered before routing and auth, as the real servers do.
        if let Some(preflight) = cors.preflight(request) {
            return Reply::normal(preflight);
        }
        let mut reply = self.handle_same_origin(request, now);
        cors.decorate(request, &mut reply.response);
        reply
    }

    /// [`Simulator::handle`] without the cross-origin headers.
    fn handle_same_origin(&mut self, request: &HttpRequest, now: u64) -> Reply {
        self.land_late(now);
        let path = request.uri().path().to_owned();
        if let Some(rest) = path.strip_prefix("/sim/") {
            if rest.starts_with("image/") || rest.starts_with("video/") {
                // Downloads: what a client fetched again shows here.
                Stats::bump(&mut self.stats.requests, "sim/media");
            }
            return Reply::normal(self.sim_route(request.method(), rest, now));
        }
        let flavor = self.config.flavor;
        let Some((route, id)) = self.route(request.method(), &path) else {
            self.stats.not_found += 1;
            return Reply::normal(reply::route_not_found(flavor, &path));
        };
        Stats::bump(&mut self.stats.requests, route.name());
        if !flavor.offers(route) || (self.config.minimal && !route.minimal()) {
            self.stats.not_found += 1;
            return Reply::normal(reply::route_not_found(flavor, &path));
        }
        if route != Route::GatewayImage
            && let Err(missing) = self.authorize(request.headers())
        {
            self.stats.unauthorized += 1;
            return Reply::normal(reply::unauthorized(flavor, missing));
        }
        let fault = self.config.faults.draw(&mut self.fault_rng);
        if let Some(kind) = fault {
            Stats::bump(&mut self.stats.faults, kind.name());
            match kind {
                FaultKind::Status500 => return Reply::normal(reply::server_error(flavor)),
                FaultKind::Status429 => return Reply::normal(reply::rate_limited(flavor)),
                FaultKind::Html => return Reply::normal(reply::html_page()),
                FaultKind::Late => {
                    let due = now + self.config.faults.late_delay.as_millis() as u64;
                    self.late.push((due, copy_request(request)));
                    return Reply { response: reply::empty(200), delivery: Delivery::Reset };
                }
                FaultKind::Slow | FaultKind::Truncate | FaultKind::Reset => {}
            }
        }
        let mode = mode_of(&path);
        let response = self.dispatch(route, id.as_deref(), mode, request, now);
        let delivery = match fault {
            Some(FaultKind::Slow) => Delivery::Slow(self.config.faults.slow_delay),
            Some(FaultKind::Truncate) => Delivery::Truncate,
            Some(FaultKind::Reset) => Delivery::Reset,
            _ => Delivery::Normal,
        };
        Reply { response, delivery }
    }

    /// Handles the late requests that are due by `now`, as if they had just arrived.
    fn land_late(&mut self, now: u64) {
        if self.late.iter().all(|(due, _)| *due > now) {
            return;
        }
        let (due, waiting): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.late).into_iter().partition(|(at, _)| *at <= now);
        self.late = waiting;
        for (at, request) in due {
            let path = request.uri().path().to_owned();
            if let Some((route, id)) = self.route(request.method(), &path) {
                let mode = mode_of(&path);
                let _ = self.dispatch(route, id.as_deref(), mode, &request, at);
            }
        }
    }

    /// The webhook POSTs due at `now`: one for every task with a hook whose status or
    /// progress changed since the last one (like the servers: no retry, no signature).
    pub fn poll_notifications(&mut self, now: u64) -> Vec<Notification> {
        self.land_late(now);
        let mut out = Vec::new();
        for id in &self.order {
            let Some(task) = self.tasks.get(id) else { continue };
            let Some(url) = &task.notify_hook else { continue };
            let snap = task.at(now);
            let key = (snap.status.to_owned(), snap.progress.to_string());
            if self.notified.get(id) == Some(&key) {
                continue;
            }
            self.notified.insert(id.clone(), key);
            if !is_loopback_url(url) {
                Stats::bump(&mut self.stats.notifications, "skipped (not loopback)");
                continue;
            }
            Stats::bump(&mut self.stats.notifications, "sent");
            let mut rendered = task.render(self.config.flavor, &self.config.base_url, now);
            if self.config.legacy_enums {
                enums_as_numbers(&mut rendered);
            }
            let body = rendered.to_string().into_bytes();
            out.push(Notification { url: url.clone(), body, task_id: id.clone() });
        }
        out
    }

    /// The task `id` as the flavor renders it at `now`, if it exists.
    pub fn task_json(&self, id: &str, now: u64) -> Option<Value> {
        self.tasks.get(id).map(|t| t.render(self.config.flavor, &self.config.base_url, now))
    }

    fn route(&self, method: &Method, path: &str) -> Option<(Route, Option<String>)> {
        let rest = match path.strip_prefix("/mj/") {
            Some(rest) => rest,
            None => {
                let (segment, tail) = path.strip_prefix('/')?.split_once('/')?;
                let rest = tail.strip_prefix("mj/")?;
                if !self.config.flavor.accepts_mode_prefix(segment) {
                    return None;
                }
                rest
            }
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let get = *method == Method::GET;
        let post = *method == Method::POST;
        let route = match parts.as_slice() {
            ["submit", "imagine"] if post => Route::Imagine,
            ["submit", "change"] if post => Route::Change,
            ["submit", "simple-change"] if post => Route::SimpleChange,
            ["submit", "describe"] if post => Route::Describe,
            ["submit", "blend"] if post => Route::Blend,
            ["submit", "shorten"] if post => Route::Shorten,
            ["submit", "action"] if post => Route::Action,
            ["submit", "modal"] if post => Route::Modal,
            ["submit", "video"] if post => Route::Video,
            ["submit", "edits" | "edit"] if post => Route::Edits,
            ["submit", "retexture"] if post => Route::Retexture,
            ["submit", "upload-discord-images"] if post => Route::Upload,
            ["insight-face", "swap"] if post => Route::SwapFace,
            ["insight-face", "video-swap"] if post => Route::VideoSwap,
            ["task", "list-by-condition"] if post => Route::ListByCondition,
            ["task", "list-by-ids"] if post => Route::ListByIds,
            ["task", "list"] if get => Route::List,
            ["task", "queue"] if get => Route::Queue,
            ["task", "query"] if post => Route::Query,
            ["task", id, "fetch"] if get => return Some((Route::Fetch, Some(percent_decode(id)))),
            ["task", id, "cancel"] if post => return Some((Route::Cancel, Some(percent_decode(id)))),
            ["task", id, "image-seed"] if get => return Some((Route::ImageSeed, Some(percent_decode(id)))),
            ["image", id] if get => return Some((Route::GatewayImage, Some(percent_decode(id)))),
            _ => return None,
        };
        Some((route, None))
    }

    /// `Err(true)` when no credentials came, `Err(false)` when they were wrong.
    fn authorize(&self, headers: &http::HeaderMap) -> Result<(), bool> {
        let Some(key) = self.config.api_key.as_deref() else { return Ok(()) };
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let auth = header("authorization");
        let secret = header("mj-api-secret");
        if auth.is_none() && secret.is_none() {
            return Err(true);
        }
        let bearer =
            |v: &str| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")).unwrap_or(v).trim().to_owned();
        let sk = |v: &str| {
            let v = bearer(v);
            v.strip_prefix("sk-").map(str::to_owned).unwrap_or(v)
        };
        let ok = if !self.config.strict_auth {
            auth.map(bearer).as_deref() == Some(key) || secret.map(bearer).as_deref() == Some(key)
        } else {
            match self.config.flavor {
                Flavor::Novicezk | Flavor::Plus => secret == Some(key),
                // trueai reads Authorization raw, else mj-api-secret.
                Flavor::Trueai => auth.or(secret) == Some(key),
                Flavor::Newapi => {
                    let from_auth = auth.map(sk).filter(|v| !v.is_empty() && v != "midjourney-proxy");
                    from_auth.or_else(|| secret.map(sk)).as_deref() == Some(sk(key).as_str())
                }
                Flavor::Reseller => auth.map(bearer).as_deref() == Some(key) || secret == Some(key),
            }
        };
        if ok { Ok(()) } else { Err(false) }
    }

    fn dispatch(
        &mut self,
        route: Route,
        id: Option<&str>,
        mode: &'static str,
        request: &HttpRequest,
        now: u64,
    ) -> HttpResponse {
        let id = id.unwrap_or_default();
        let needs_body = !matches!(
            route,
            Route::Fetch | Route::List | Route::Queue | Route::ImageSeed | Route::GatewayImage | Route::Cancel
        );
        let content_type = request.headers().get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let body = if route == Route::VideoSwap {
            match content_type.and_then(|t| form::parse(t, request.body())) {
                Some(body) => body,
                None => return reply::unbindable(self.config.flavor, "the body is not multipart/form-data"),
            }
        } else if needs_body {
            match parse_body(request.body()) {
                Some(body) => body,
                None => return reply::unbindable(self.config.flavor, "the body is not a JSON object"),
            }
        } else {
            Map::new()
        };
        let ctx = Ctx { body: &body, mode, now };
        match route {
            Route::Imagine => self.imagine(&ctx),
            Route::Change => self.change(&ctx, None),
            Route::SimpleChange => self.simple_change(&ctx),
            Route::Describe => self.describe(&ctx),
            Route::Blend => self.blend(&ctx),
            Route::Shorten => self.shorten(&ctx),
            Route::Action => self.action(&ctx),
            Route::Modal => self.modal(&ctx),
            Route::Video => self.video(&ctx),
            Route::Edits => self.edits(&ctx, false),
            Route::Retexture => self.edits(&ctx, true),
            Route::Upload => self.upload(&ctx),
            Route::SwapFace => self.swap_face(&ctx),
            Route::VideoSwap => self.video_swap(&ctx),
            Route::Fetch => self.fetch(id, now),
            Route::ListByCondition | Route::ListByIds => self.list_by_ids(&ctx),
            Route::List => self.list(now),
            Route::Queue => self.queue(now),
            Route::Cancel => self.cancel(id, now),
            Route::ImageSeed => self.image_seed(id, now),
            Route::Query => self.query(&ctx),
            Route::GatewayImage => self.gateway_image(id, now),
        }
    }
}

/// What a handler needs from the request.
struct Ctx<'a> {
    body: &'a Body,
    mode: &'static str,
    now: u64,
}

impl Ctx<'_> {
    fn text(&self, key: &str) -> Option<String> {
        match self.body.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    fn list(&self, key: &str) -> Vec<String> {
        match self.body.get(key) {
            Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        }
    }
}

fn parse_body(body: &[u8]) -> Option<Body> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Some(Map::new());
    }
    match serde_json::from_slice(body).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// A copy of `request` (method, URI, headers, body) to handle later.
fn copy_request(request: &HttpRequest) -> HttpRequest {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
}

fn mode_of(path: &str) -> &'static str {
    if path.starts_with("/mj-relax/") {
        "RELAX"
    } else if path.starts_with("/mj-turbo/") {
        "TURBO"
    } else {
        "FAST"
    }
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// True for `http://` URLs on 127.0.0.0/8, `localhost` or `[::1]`: the only places the
/// simulator delivers webhooks to.
pub(crate) fn is_loopback_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host == "localhost" || host == "::1" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}
