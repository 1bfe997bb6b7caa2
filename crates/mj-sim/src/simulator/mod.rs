//! The sans-IO simulator: a request and the time in, an answer out.
//!
//! This module takes a request through faults, CORS and auth to its handler and keeps
//! the tasks; `router` names the route, `auth` checks the key, `submits` and `create`
//! make tasks, `queries` answers the task endpoints and `/sim/...`, `texts` writes the
//! describe and shorten results, `numeric_enums` writes trueai's old integer enums.

mod auth;
mod create;
mod form;
mod numeric_enums;
mod queries;
mod router;
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
use crate::task::{DISCORD_INSTANCE, ModalKind, SimTask, TASK_ID};
use crate::upload::Source;
use numeric_enums::enums_as_numbers;
use router::mode_of;

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
    /// Draws for the webhook faults (apart from the requests', so that turning them on
    /// does not change which requests fail).
    hook_rng: Rng,
    /// Webhook POSTs held back by `hook_delay_ms`, with when they are due (epoch ms).
    held_hooks: Vec<(u64, Notification)>,
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
            hook_rng: Rng::new(config.seed ^ 0x400C),
            config,
            tasks: HashMap::new(),
            order: Vec::new(),
            last_id: 0,
            uploads: 0,
            stats: Stats::default(),
            notified: HashMap::new(),
            late: Vec::new(),
            held_hooks: Vec::new(),
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
            if ["image/", "video/", "described/", "preview/"].iter().any(|p| rest.starts_with(p)) {
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
            let mut rendered = task.render(self.config.flavor, &self.config.base_url, now);
            if self.config.legacy_enums {
                enums_as_numbers(&mut rendered);
            }
            let notification =
                Notification { url: url.clone(), body: rendered.to_string().into_bytes(), task_id: id.clone() };
            let faults = &self.config.faults;
            if self.hook_rng.next_f64() < faults.hook_drop {
                Stats::bump(&mut self.stats.notifications, "dropped");
                continue;
            }
            let copies = if self.hook_rng.next_f64() < faults.hook_dup {
                Stats::bump(&mut self.stats.notifications, "duplicated");
                2
            } else {
                1
            };
            let most = u64::try_from(faults.hook_delay.as_millis()).unwrap_or(u64::MAX);
            for _ in 0..copies {
                let delay = if most == 0 { 0 } else { self.hook_rng.below(most.saturating_add(1)) };
                self.held_hooks.push((now.saturating_add(delay), notification.clone()));
            }
        }
        // What is due now goes out, earliest first; the rest waits.
        self.held_hooks.sort_by_key(|(due, _)| *due);
        let due = self.held_hooks.partition_point(|(at, _)| *at <= now);
        for (_, notification) in self.held_hooks.drain(..due) {
            Stats::bump(&mut self.stats.notifications, "sent");
            out.push(notification);
        }
        out
    }

    /// The task `id` as the flavor renders it at `now`, if it exists.
    pub fn task_json(&self, id: &str, now: u64) -> Option<Value> {
        self.tasks.get(id).map(|t| t.render(self.config.flavor, &self.config.base_url, self.seen_at(t, now)))
    }

    /// The instant whose state of `task` a client sees at `now`: with `refresh_lag_ms`,
    /// the last refresh (refreshes fall on multiples of the lag), and before the first one
    /// after its submit, the task as submitted.
    pub(crate) fn seen_at(&self, task: &SimTask, now: u64) -> u64 {
        let lag = u64::try_from(self.config.faults.refresh_lag.as_millis()).unwrap_or(u64::MAX);
        if lag == 0 {
            return now;
        }
        (now / lag * lag).max(task.submit_time).min(now)
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
