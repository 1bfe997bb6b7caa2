//! The sans-IO simulator: a request and the time in, an answer out.

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
pub enum Delivery {
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
pub struct Reply {
    /// The answer.
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
    /// The task JSON.
    pub body: Vec<u8>,
    /// Which task changed.
    pub task_id: String,
}

/// A Midjourney proxy in memory. Time is an argument (epoch milliseconds), so a test can
/// play ten minutes of task time in microseconds.
///
/// ```
/// use mj_sim::{SimConfig, Simulator};
///
/// let mut sim = Simulator::new(SimConfig::new("http://127.0.0.1:8080"));
/// let submit = http::Request::post("/mj/submit/imagine").body(br#"{"prompt":"a red fox"}"#.to_vec())?;
/// let reply = sim.handle(&submit, 1_700_000_000_000);
/// let answer: serde_json::Value = serde_json::from_slice(reply.response.body())?;
/// assert_eq!(answer["code"], 1);
/// let id = answer["result"].as_str().unwrap_or_default();
/// let fetch = http::Request::get(format!("/mj/task/{id}/fetch")).body(Vec::new())?;
/// let task: serde_json::Value = serde_json::from_slice(sim.handle(&fetch, 1_700_000_060_000).response.body())?;
/// assert_eq!(task["status"], "SUCCESS");
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

    /// The settings.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// What has happened so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Answers `request` as the configured server would at `now` (epoch ms).
    pub fn handle(&mut self, request: &HttpRequest, now: u64) -> Reply {
        self.land_late(now);
        let path = request.uri().path().to_owned();
        if let Some(rest) = path.strip_prefix("/sim/") {
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
            let body = task.render(self.config.flavor, &self.config.base_url, now).to_string().into_bytes();
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
            ["submit", "upload-discord-images"] if post => Route::Upload,
            ["insight-face", "swap"] if post => Route::SwapFace,
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
        let body = if needs_body {
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
            Route::Edits => self.edits(&ctx),
            Route::Upload => self.upload(&ctx),
            Route::SwapFace => self.swap_face(&ctx),
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

/// What a new task is made of.
struct NewTask {
    action: String,
    product: Product,
    prompt: String,
    command: String,
    parent_id: Option<String>,
    image_seed: String,
    final_prompt: String,
    modal: Option<ModalKind>,
    bot_type: &'static str,
}

impl NewTask {
    fn new(action: &str, product: Product, prompt: String, command: String) -> Self {
        Self {
            action: action.to_owned(),
            product,
            image_seed: prompt.clone(),
            final_prompt: prompt.clone(),
            prompt,
            command,
            parent_id: None,
            modal: None,
            bot_type: "MID_JOURNEY",
        }
    }
}

/// Handlers of the submit endpoints.
impl Simulator {
    fn imagine(&mut self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let Some(prompt) = ctx.text("prompt") else {
            return reply::invalid(flavor, "prompt不能为空", "prompt_is_required");
        };
        let images = ctx.list("base64Array");
        if images.iter().any(|i| !self.image_ok(i)) {
            return reply::invalid(flavor, "base64格式错误", "base64_format_error");
        }
        if let Some(word) = self.banned_word(&prompt)
            && flavor != Flavor::Trueai
        {
            let mut props = Map::new();
            props.insert("promptEn".into(), json!(prompt.trim()));
            props.insert("bannedWord".into(), json!(word));
            return reply::refuse(24, "可能包含敏感词", props);
        }
        if ctx.text("state").is_some_and(|s| s.chars().count() > 255) {
            return reply::invalid(flavor, "state长度不能超过255", "state_too_long");
        }
        let prompt = prompt.trim().to_owned();
        let mut spec = NewTask::new("IMAGINE", Product::Grid, prompt.clone(), format!("/imagine {prompt}"));
        if ctx.text("botType").is_some_and(|b| b.eq_ignore_ascii_case("NIJI_JOURNEY") || b == "niji") {
            spec.bot_type = "NIJI_JOURNEY";
        }
        self.create(spec, ctx)
    }

    fn change(&mut self, ctx: &Ctx, parsed: Option<(String, String, i64)>) -> HttpResponse {
        let flavor = self.config.flavor;
        let (parent_id, action, index) = match parsed {
            Some(p) => p,
            None => {
                let Some(task_id) = ctx.text("taskId") else {
                    return reply::invalid(flavor, "taskId不能为空", "task_id_is_required");
                };
                let action = ctx.text("action").unwrap_or_default();
                let index = match ctx.body.get("index") {
                    None | Some(Value::Null) => 0,
                    Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
                    Some(Value::String(s)) if !flavor.is_gateway() => s.trim().parse().unwrap_or(0),
                    Some(_) => return reply::unbindable(flavor, "index must be an integer"),
                };
                (task_id, action, index)
            }
        };
        if !matches!(action.as_str(), "UPSCALE" | "VARIATION" | "REROLL") {
            return reply::invalid(flavor, "action参数错误", "unknown_action");
        }
        if (action != "REROLL" || flavor.is_gateway()) && !(1..=4).contains(&index) {
            return reply::invalid(flavor, "index参数错误", "index_is_required");
        }
        let Some(parent) = self.tasks.get(&parent_id).cloned() else { return reply::missing_parent(flavor) };
        if parent.at(ctx.now).status != "SUCCESS" {
            return reply::invalid(flavor, "关联任务状态错误", "task_status_not_success");
        }
        if !matches!(parent.action.as_str(), "IMAGINE" | "VARIATION" | "REROLL" | "BLEND") {
            return reply::invalid(flavor, "关联任务不允许执行变化", "task_not_allowed");
        }
        let n = index.clamp(1, 4) as u8;
        let (action, product, command) = match action.as_str() {
            "UPSCALE" => ("UPSCALE", Product::Single(n), format!("/up {parent_id} U{n}")),
            "VARIATION" => ("VARIATION", Product::Grid, format!("/up {parent_id} V{n}")),
            _ => ("REROLL", Product::Grid, format!("/up {parent_id} R")),
        };
        let spec = self.child(&parent, action, product, command, format!("{action}{n}"));
        self.create(spec, ctx)
    }

    fn simple_change(&mut self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let content = ctx.text("content").unwrap_or_default();
        let parts: Vec<&str> = content.split(' ').collect();
        let parsed = match parts.as_slice() {
            [id, op] if !id.is_empty() => {
                let op = op.to_ascii_uppercase();
                match (op.get(..1), op.get(1..).and_then(|n| n.parse::<i64>().ok())) {
                    (Some("U"), Some(n)) => Some(((*id).to_owned(), "UPSCALE".to_owned(), n)),
                    (Some("V"), Some(n)) => Some(((*id).to_owned(), "VARIATION".to_owned(), n)),
                    (Some("R"), None) if op == "R" => Some(((*id).to_owned(), "REROLL".to_owned(), 1)),
                    _ => None,
                }
            }
            _ => None,
        };
        match parsed {
            Some(p) => self.change(ctx, Some(p)),
            None => reply::invalid(flavor, "content参数错误", "content_parse_failed"),
        }
    }

    fn describe(&mut self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let image = match (ctx.text("base64"), ctx.text("link")) {
            (Some(data), _) if self.image_ok(&data) => data,
            (None, Some(link)) if flavor == Flavor::Trueai && is_http_url(&link) => link,
            (Some(_), _) => return reply::invalid(flavor, "base64格式错误", "base64_format_error"),
            _ => return reply::invalid(flavor, "base64不能为空", "base64_is_required"),
        };
        let seed = format!("describe {}", hash(&image));
        let prompts = described_prompts(&seed);
        let mut spec =
            NewTask::new("DESCRIBE", Product::Prompts, String::new(), format!("/describe {}.png", hash(&image)));
        spec.image_seed = seed;
        spec.final_prompt = prompts;
        if flavor == Flavor::Trueai {
            spec.prompt = spec.final_prompt.clone();
        }
        self.create(spec, ctx)
    }

    fn blend(&mut self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let images = ctx.list("base64Array");
        if !(2..=5).contains(&images.len()) {
            let text =
                if flavor == Flavor::Trueai { "图片参数错误，2~5张图片" } else { "base64List参数错误" };
            return reply::invalid(flavor, text, "base64_array_invalid");
        }
        if images.iter().any(|i| !self.image_ok(i)) {
            return reply::invalid(flavor, "base64格式错误", "base64_format_error");
        }
        match ctx.body.get("dimensions") {
            None => {}
            Some(Value::String(d)) if matches!(d.as_str(), "PORTRAIT" | "SQUARE" | "LANDSCAPE") => {}
            Some(_) => return reply::invalid(flavor, "dimensions参数错误", "dimensions_invalid"),
        }
        let seed = images.iter().map(|i| hash(i).to_string()).collect::<Vec<_>>().join("+");
        let mut spec =
            NewTask::new("BLEND", Product::Grid, String::new(), format!("/blend {} {}", hash(&seed), images.len()));
        spec.image_seed = format!("blend {seed}");
        self.create(spec, ctx)
    }

    fn shorten(&mut self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let prompt = ctx.text("prompt").unwrap_or_default();
        if prompt.is_empty() && flavor != Flavor::Trueai {
            return reply::invalid(flavor, "prompt不能为空", "prompt_is_required");
        }
        let mut spec = NewTask::new("SHORTEN", Product::Analysis, prompt.clone(), format!("/shorten {prompt}"));
        spec.final_prompt = shortened(&prompt);
        self.create(spec, ctx)
    }

    fn action(&mut self, ctx: &Ctx) -> HttpResponse {
        use mj_proto::model::ButtonKind as K;
        let flavor = self.config.flavor;
        let (Some(parent_id), Some(custom_id)) = (ctx.text("taskId"), ctx.text("customId")) else {
            return reply::invalid(flavor, "参数错误", "task_id_and_custom_id_is_required");
        };
        let kind = K::from_custom_id(&custom_id);
        let gateway_unknown = matches!(
            kind,
            K::Animate { .. }
                | K::AnimateExtend
                | K::VideoUpscale
                | K::PicReader(_)
                | K::PicReaderRetry
                | K::Bookmark
                | K::Other
        );
        if flavor.is_gateway() && gateway_unknown {
            return reply::json(
                400,
                &json!({"description": format!("unknown_action:{custom_id}"), "type": "new_api_error", "code": 4}),
            );
        }
        if matches!(kind, K::Other | K::Bookmark) {
            return reply::invalid(flavor, "未知的 Action 类型", "unknown_action");
        }
        let Some(parent) = self.tasks.get(&parent_id).cloned() else { return reply::missing_parent(flavor) };
        if parent.at(ctx.now).status != "SUCCESS" {
            return reply::invalid(flavor, "关联任务状态错误", "task_status_not_success");
        }
        if !parent.buttons().iter().any(|b| b.custom_id == custom_id) {
            return reply::invalid(flavor, "action参数错误", "custom_id_not_found");
        }
        let quadrant = match parent.product {
            Product::Single(q) => q,
            _ => 1,
        };
        let pid = parent.id.clone();
        let na = flavor.is_gateway();
        let ta = flavor == Flavor::Trueai;
        let (action, product, command, modal): (&str, Product, String, Option<ModalKind>) = match &kind {
            K::Upscale(n) => ("UPSCALE", Product::Single(*n), format!("/up {pid} U{n}"), None),
            K::Variation(n) => ("VARIATION", Product::Grid, format!("/up {pid} V{n}"), None),
            K::Reroll => ("REROLL", Product::Grid, format!("/up {pid} R"), None),
            K::VarySubtle => {
                (if na { "LOW_VARIATION" } else { "VARIATION" }, Product::Grid, format!("/vary {pid} subtle"), None)
            }
            K::VaryStrong => {
                (if na { "HIGH_VARIATION" } else { "VARIATION" }, Product::Grid, format!("/vary {pid} strong"), None)
            }
            K::ZoomOut(p) => ("ZOOM", Product::Grid, format!("/zoom {pid} {p}"), None),
            K::Pan(d) => ("PAN", Product::Grid, format!("/pan {pid} {d:?}"), None),
            K::UpscaleHd(v) => (
                if ta { "UPSCALE_HD" } else { "UPSCALE" },
                Product::Single(quadrant),
                format!("/upscale {pid} {v}"),
                None,
            ),
            K::CustomZoom => (
                if na { "CUSTOM_ZOOM" } else { "ZOOM" },
                Product::Grid,
                format!("/zoom {pid} custom"),
                Some(ModalKind::CustomZoom),
            ),
            K::VaryRegion => (
                if na { "INPAINT" } else { "VARIATION" },
                Product::Grid,
                format!("/vary {pid} region"),
                Some(ModalKind::VaryRegion),
            ),
            K::Animate { .. } | K::AnimateExtend | K::VideoUpscale => {
                ("VIDEO", Product::Video, format!("/animate {pid}"), None)
            }
            K::PicReader(_) => {
                ("IMAGINE", Product::Grid, format!("/imagine (describe {pid})"), Some(ModalKind::PicReader))
            }
            K::PicReaderRetry => ("DESCRIBE", Product::Prompts, format!("/describe {pid}"), None),
            _ => return reply::invalid(flavor, "未知的 Action 类型", "unknown_action"),
        };
        let mut spec = self.child(&parent, action, product, command, custom_id.clone());
        spec.modal = modal;
        match (&kind, modal) {
            (K::PicReader(n), _) => {
                let pick = n.map_or(0, |n| usize::from(n) - 1);
                let prompt = parent.final_prompt.split("\n\n").nth(pick).unwrap_or_default();
                spec.final_prompt = prompt.trim_start_matches(|c: char| !c.is_ascii_alphabetic()).to_owned();
            }
            (_, Some(ModalKind::CustomZoom)) => spec.final_prompt = format!("{} --zoom 2", parent.prompt),
            (K::PicReaderRetry, _) => spec.final_prompt = described_prompts(&format!("{} retry", parent.image_seed)),
            _ => {}
        }
        self.create(spec, ctx)
    }

    fn modal(&mut self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let Some(id) = ctx.text("taskId") else {
            return reply::invalid(flavor, "taskId不能为空", "task_id_is_required");
        };
        let Some(task) = self.tasks.get(&id).cloned() else { return reply::missing_parent(flavor) };
        if task.timeline.is_some() {
            return reply::invalid(flavor, "关联任务状态错误", "task_status_not_modal");
        }
        let prompt = ctx.text("prompt").unwrap_or_else(|| task.final_prompt.clone());
        if prompt.trim().is_empty() {
            return reply::invalid(flavor, "prompt不能为空", "prompt_is_required");
        }
        match task.modal {
            Some(ModalKind::CustomZoom) if !prompt.contains("--zoom") => {
                return reply::invalid(flavor, "prompt参数错误，需要 --zoom", "prompt_zoom_is_required");
            }
            Some(ModalKind::VaryRegion) if flavor != Flavor::Trueai => match ctx.text("maskBase64") {
                Some(mask) if self.image_ok(&mask) => {}
                Some(_) => return reply::invalid(flavor, "maskBase64格式错误", "mask_base64_format_error"),
                None => return reply::invalid(flavor, "maskBase64不能为空", "mask_base64_is_required"),
            },
            _ => {}
        }
        let ending = ending_of(&prompt);
        let Ok((timeline, ahead)) = self.schedule(ctx.now, &ending) else {
            return reply::refuse(23, "队列已满，请稍后尝试", Map::new());
        };
        if let Some(t) = self.tasks.get_mut(&id) {
            t.prompt = prompt.clone();
            t.prompt_en = prompt.clone();
            t.final_prompt = prompt;
            t.ending = ending;
            t.timeline = Some(timeline);
        }
        let code = if ahead > 0 { 22 } else { 1 };
        reply::submitted(flavor, code, &id, self.submit_properties(ahead), false, ahead)
    }

    fn video(&mut self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let Some(prompt) = ctx.text("prompt") else {
            return reply::invalid(flavor, "Prompt 不能为空", "prompt_is_required");
        };
        match ctx.body.get("index") {
            None | Some(Value::Null) | Some(Value::Number(_)) => {}
            Some(Value::String(_)) if flavor == Flavor::Trueai => {}
            Some(_) => {
                return reply::unbindable(
                    flavor,
                    "json: cannot unmarshal string into Go struct field index of type int",
                );
            }
        }
        let index = ctx.text("index").and_then(|i| i.parse::<i64>().ok());
        if index.is_some_and(|i| !(0..=3).contains(&i)) {
            return reply::invalid(flavor, "index参数错误", "index_invalid");
        }
        let parent = match ctx.text("taskId") {
            Some(pid) => {
                if ctx.text("action").as_deref() != Some("extend") {
                    return reply::invalid(flavor, "任务类型错误", "action_invalid");
                }
                let Some(parent) = self.tasks.get(&pid).cloned() else { return reply::missing_parent(flavor) };
                if parent.at(ctx.now).status != "SUCCESS" {
                    return reply::invalid(flavor, "关联任务状态错误", "task_status_not_success");
                }
                Some(parent)
            }
            None => None,
        };
        let image = ctx.text("image").or_else(|| ctx.list("base64Array").into_iter().next());
        match (&parent, &image) {
            (None, None) => return reply::invalid(flavor, "image不能为空", "image_is_required"),
            (_, Some(img)) if !self.image_ok(img) => {
                return reply::invalid(flavor, "image格式错误", "image_format_error");
            }
            _ => {}
        }
        let mut spec = NewTask::new("VIDEO", Product::Video, prompt.clone(), format!("/video {prompt}"));
        if let Some(parent) = parent {
            spec.parent_id = Some(parent.id);
        }
        self.create(spec, ctx)
    }

    fn edits(&mut self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let (Some(prompt), Some(image)) = (ctx.text("prompt"), ctx.text("image")) else {
            return reply::invalid(flavor, "image或prompt不能为空", "image_and_prompt_is_required");
        };
        if !self.image_ok(&image) {
            return reply::invalid(flavor, "image格式错误", "image_format_error");
        }
        let action = if flavor.is_gateway() { "EDITS" } else { "EDIT" };
        let mut spec = NewTask::new(action, Product::Single(1), prompt.clone(), format!("/edit {prompt}"));
        spec.image_seed = format!("edit {} {prompt}", hash(&image));
        self.create(spec, ctx)
    }

    fn swap_face(&mut self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let source =
            ctx.text("sourceBase64").or_else(|| if flavor.is_gateway() { None } else { ctx.text("sourceUrl") });
        let target =
            ctx.text("targetBase64").or_else(|| if flavor.is_gateway() { None } else { ctx.text("targetUrl") });
        let (Some(source), Some(target)) = (source, target) else {
            return reply::invalid(flavor, "参数错误", "sour_base64_and_target_base64_is_required");
        };
        if !self.image_ok(&source) || !self.image_ok(&target) {
            return reply::invalid(flavor, "base64格式错误", "base64_format_error");
        }
        let mut spec = NewTask::new("SWAP_FACE", Product::Single(1), String::new(), "/swap".to_owned());
        spec.image_seed = format!("swap {} {}", hash(&source), hash(&target));
        spec.bot_type = "INSIGHT_FACE";
        self.create(spec, ctx)
    }

    fn upload(&mut self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let images = ctx.list("base64Array");
        if images.is_empty() || images.iter().any(|i| !i.starts_with("data:") || !self.image_ok(i)) {
            return reply::invalid(flavor, "base64格式错误", "base64_format_error");
        }
        let urls: Vec<String> = images
            .iter()
            .map(|_| {
                self.uploads += 1;
                format!("{}/sim/upload/{}.png", self.config.base_url, self.uploads)
            })
            .collect();
        reply::json(
            200,
            &json!({"code": 1, "description": reply::accepted_text(flavor, 1, 0), "result": urls, "properties": {}}),
        )
    }

    /// A task made by pressing something on `parent`.
    fn child(&self, parent: &SimTask, action: &str, product: Product, command: String, salt: String) -> NewTask {
        let mut spec = NewTask::new(action, product, parent.prompt.clone(), command);
        spec.parent_id = Some(parent.id.clone());
        spec.final_prompt = parent.final_prompt.clone();
        spec.image_seed = match product {
            // An upscale shows the quadrant it came from.
            Product::Single(_) => parent.image_seed.clone(),
            _ => format!("{} {salt}", parent.image_seed),
        };
        spec
    }

    /// Stores a new task, schedules it (unless it waits in MODAL) and answers the submit.
    fn create(&mut self, spec: NewTask, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let ending = if flavor == Flavor::Trueai && self.banned_word(&spec.prompt).is_some() {
            Ending::Failure("可能包含敏感词".to_owned())
        } else {
            ending_of(&spec.prompt)
        };
        let (timeline, ahead) = if spec.modal.is_some() {
            (None, 0)
        } else {
            match self.schedule(ctx.now, &ending) {
                Ok((timeline, ahead)) => (Some(timeline), ahead),
                Err(()) => {
                    let text = if flavor == Flavor::Trueai {
                        "提交失败，队列已满，请稍后重试"
                    } else {
                        "队列已满，请稍后尝试"
                    };
                    let code = if flavor == Flavor::Trueai { 9 } else { 23 };
                    let mut props = Map::new();
                    props.insert("discordInstanceId".into(), json!(DISCORD_INSTANCE));
                    return reply::refuse(code, text, props);
                }
            }
        };
        let id = self.next_id(ctx.now);
        let hash = self.next_hash();
        Stats::bump(&mut self.stats.tasks_created, &spec.action);
        self.stats.created.push(crate::stats::Created {
            id: id.clone(),
            action: spec.action.clone(),
            state: ctx.text("state"),
        });
        let modal = spec.modal;
        let modal_kept = matches!(modal, Some(ModalKind::CustomZoom | ModalKind::VaryRegion));
        let task = SimTask {
            id: id.clone(),
            action: spec.action,
            product: spec.product,
            prompt_en: spec.prompt.clone(),
            prompt: spec.prompt,
            command: spec.command,
            state: ctx.text("state"),
            notify_hook: ctx.text("notifyHook"),
            bot_type: spec.bot_type,
            mode: ctx.mode,
            parent_id: spec.parent_id,
            hash,
            image_seed: spec.image_seed,
            final_prompt: spec.final_prompt,
            submit_time: ctx.now,
            timeline,
            ending,
            cancelled_at: None,
            modal,
        };
        let final_prompt = task.final_prompt.clone();
        self.tasks.insert(id.clone(), task);
        self.order.push(id.clone());
        let mut props = self.submit_properties(ahead);
        if modal.is_some() {
            if flavor == Flavor::Trueai {
                props.insert("finalPrompt".into(), json!(final_prompt));
                props.insert("remix".into(), json!(true));
            }
            return reply::submitted(flavor, 21, &id, props, modal_kept, 0);
        }
        let code = if ahead > 0 { 22 } else { 1 };
        reply::submitted(flavor, code, &id, props, false, ahead)
    }

    fn submit_properties(&self, ahead: usize) -> Map<String, Value> {
        let mut props = Map::new();
        if self.config.flavor.is_gateway() {
            return props;
        }
        props.insert("discordInstanceId".into(), json!(DISCORD_INSTANCE));
        if self.config.flavor == Flavor::Trueai {
            props.insert("discordChannelId".into(), json!(DISCORD_INSTANCE));
        }
        if ahead > 0 {
            props.insert("numberOfQueues".into(), json!(ahead));
        }
        props
    }

    /// Picks a slot: the job starts when the earliest slot frees up. `Err` when the queue
    /// is full.
    fn schedule(&mut self, now: u64, ending: &Ending) -> Result<(Timeline, usize), ()> {
        let waiting = self
            .tasks
            .values()
            .filter(|t| t.timeline.is_some_and(|tl| tl.start > now) && t.cancelled_at.is_none())
            .count();
        let (slot, free) = self.slots.iter().copied().enumerate().min_by_key(|(_, free)| *free).unwrap_or((0, 0));
        let start = free.max(now);
        if start > now && waiting >= self.config.queue_size {
            return Err(());
        }
        let timeline = Timeline::starting(start, self.config.speed);
        if *ending != Ending::Stall
            && let Some(s) = self.slots.get_mut(slot)
        {
            *s = timeline.done;
        }
        Ok((timeline, if start > now { waiting + 1 } else { 0 }))
    }

    fn next_id(&mut self, now: u64) -> String {
        let candidate = now.saturating_mul(1000).saturating_add(self.ids.below(1000));
        self.last_id = candidate.max(self.last_id + 1);
        self.last_id.to_string()
    }

    fn next_hash(&mut self) -> String {
        let a = self.ids.next_u64();
        let b = self.ids.next_u64();
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }

    fn banned_word(&self, prompt: &str) -> Option<String> {
        let lower = prompt.to_lowercase();
        let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
        self.config.banned_words.iter().find(|w| words.contains(&w.as_str())).cloned()
    }

    /// Images: data URLs everywhere; http(s) URLs and raw base64 on trueai.
    fn image_ok(&self, image: &str) -> bool {
        if let Some(rest) = image.strip_prefix("data:") {
            return rest.split_once(";base64,").is_some_and(|(_, data)| is_base64(data));
        }
        self.config.flavor == Flavor::Trueai && (is_http_url(image) || is_base64(image))
    }
}

/// Handlers of the task endpoints.
impl Simulator {
    fn fetch(&self, id: &str, now: u64) -> HttpResponse {
        match self.task_json(id, now) {
            Some(task) => reply::json(200, &task),
            None => reply::task_not_found(self.config.flavor),
        }
    }

    fn list_by_ids(&self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let ids: Vec<String> = match ctx.body.get("ids") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str()).map(|s| s.trim().to_owned()).collect(),
            Some(_) if flavor.is_gateway() => {
                return reply::json(
                    400,
                    &json!({"description": "do_request_failed", "type": "upstream_error", "code": 4}),
                );
            }
            Some(_) => Vec::new(),
        };
        let tasks: Vec<Value> =
            self.order.iter().filter(|id| ids.contains(id)).filter_map(|id| self.task_json(id, ctx.now)).collect();
        reply::json(200, &Value::Array(tasks))
    }

    fn list(&self, now: u64) -> HttpResponse {
        let limit = if self.config.flavor == Flavor::Trueai { 100 } else { usize::MAX };
        let tasks: Vec<Value> = self.order.iter().rev().take(limit).filter_map(|id| self.task_json(id, now)).collect();
        reply::json(200, &Value::Array(tasks))
    }

    fn queue(&self, now: u64) -> HttpResponse {
        let tasks: Vec<Value> = self
            .order
            .iter()
            .filter(|id| self.tasks.get(*id).is_some_and(|t| !t.at(now).is_terminal()))
            .filter_map(|id| self.task_json(id, now))
            .collect();
        reply::json(200, &Value::Array(tasks))
    }

    fn cancel(&mut self, id: &str, now: u64) -> HttpResponse {
        let flavor = self.config.flavor;
        let Some(task) = self.tasks.get_mut(id) else { return reply::missing_parent(flavor) };
        let snapshot = task.at(now);
        // Cancelling twice is harmless; cancelling a finished task is refused.
        if snapshot.is_terminal() && snapshot.status != "CANCEL" {
            return reply::refuse(4, "任务状态错误", Map::new());
        }
        task.cancelled_at.get_or_insert(now);
        match flavor {
            Flavor::Trueai => reply::empty(200),
            _ => reply::json(200, &json!({"code": 1, "description": "成功"})),
        }
    }

    fn image_seed(&self, id: &str, now: u64) -> HttpResponse {
        let flavor = self.config.flavor;
        let Some(task) = self.tasks.get(id) else { return reply::missing_parent(flavor) };
        if task.at(now).status != "SUCCESS" {
            return match flavor {
                Flavor::Trueai => reply::json(
                    400,
                    &json!({"code": 4, "description": "关联任务状态错误", "result": null, "properties": {}}),
                ),
                _ => reply::invalid(flavor, "关联任务状态错误", "task_status_not_success"),
            };
        }
        let seed = (hash(&task.hash) % 4_294_967_295).to_string();
        let properties = if flavor == Flavor::Newapi { Value::Null } else { json!({}) };
        reply::json(200, &json!({"code": 1, "description": "成功", "result": seed, "properties": properties}))
    }

    fn query(&self, ctx: &Ctx) -> HttpResponse {
        let number = ctx.body.get("pageNumber").and_then(Value::as_u64).unwrap_or(0);
        let size = ctx.body.get("pageSize").and_then(Value::as_u64).unwrap_or(10).clamp(1, 100);
        let ids = ctx.list("ids");
        let mut statuses = ctx.list("statusSet");
        statuses.extend(ctx.text("status"));
        let state = ctx.text("state");
        let action = ctx.text("action");
        let prompt = ctx.text("prompt");
        let ascending = ctx.text("sort").is_some_and(|s| s.ends_with(",asc"));
        let mut matching: Vec<&SimTask> = self
            .order
            .iter()
            .filter_map(|id| self.tasks.get(id))
            .filter(|t| ids.is_empty() || ids.contains(&t.id))
            .filter(|t| statuses.is_empty() || statuses.iter().any(|s| s == t.at(ctx.now).status))
            .filter(|t| state.is_none() || t.state == state)
            .filter(|t| action.as_ref().is_none_or(|a| *a == t.action))
            .filter(|t| prompt.as_ref().is_none_or(|p| t.prompt.contains(p.as_str())))
            .collect();
        if !ascending {
            matching.reverse();
        }
        let total = matching.len() as u64;
        let total_pages = total.div_ceil(size);
        let content: Vec<Value> = matching
            .iter()
            .skip((number * size) as usize)
            .take(size as usize)
            .map(|t| t.render(self.config.flavor, &self.config.base_url, ctx.now))
            .collect();
        let sort = json!({"empty": false, "sorted": true, "unsorted": false});
        reply::json(
            200,
            &json!({
                "content": content, "empty": content.is_empty(), "first": number == 0,
                "last": number + 1 >= total_pages, "number": number, "numberOfElements": content.len(),
                "pageable": {"offset": number * size, "pageNumber": number, "pageSize": size, "paged": true,
                             "sort": sort, "unpaged": false},
                "size": size, "sort": sort, "totalElements": total, "totalPages": total_pages
            }),
        )
    }

    fn gateway_image(&self, id: &str, now: u64) -> HttpResponse {
        match self.tasks.get(id) {
            Some(task) if task.image_url("").is_some() && task.at(now).status != "NOT_START" => {
                reply::with_type(200, "image/png", self.image_bytes(task))
            }
            _ => reply::json(400, &json!({"error": "midjourney_task_not_found"})),
        }
    }

    fn image_bytes(&self, task: &SimTask) -> Vec<u8> {
        match task.product {
            Product::Single(q) => crate::image::single(&task.image_seed, q),
            _ => crate::image::grid(&task.image_seed),
        }
    }

    /// `/sim/...`: statistics, images, videos; no auth, no faults.
    fn sim_route(&self, method: &Method, rest: &str, now: u64) -> HttpResponse {
        if *method != Method::GET {
            return reply::text(405, "method not allowed");
        }
        let parts: Vec<&str> = rest.split('/').collect();
        let png = |bytes| reply::with_type(200, "image/png", bytes);
        match parts.as_slice() {
            ["stats"] => reply::json(200, &serde_json::to_value(&self.stats).unwrap_or(Value::Null)),
            ["image", file] => match file.strip_suffix(".png").and_then(|id| self.tasks.get(id)) {
                Some(task) if task.image_url("").is_some() && task.at(now).status != "NOT_START" => {
                    png(self.image_bytes(task))
                }
                _ => reply::text(404, "no such image"),
            },
            ["image", id, file] => {
                let n = file.strip_suffix(".png").and_then(|n| n.parse::<u8>().ok()).filter(|n| (1..=4).contains(n));
                match (self.tasks.get(*id), n) {
                    (Some(task), Some(n)) if task.at(now).status == "SUCCESS" => {
                        png(crate::image::single(&task.image_seed, n))
                    }
                    _ => reply::text(404, "no such image"),
                }
            }
            ["upload", file] => match file.strip_suffix(".png").and_then(|n| n.parse::<u64>().ok()) {
                Some(n) if n >= 1 && n <= self.uploads => png(crate::image::grid(&format!("upload {n}"))),
                _ => reply::text(404, "no such upload"),
            },
            ["video", id, _] if self.tasks.get(*id).is_some_and(|t| t.product == Product::Video) => {
                reply::with_type(200, "video/mp4", FAKE_MP4.to_vec())
            }
            _ => reply::text(404, "no such simulator path"),
        }
    }
}

/// The smallest MP4 header a player recognises; enough to test downloads.
const FAKE_MP4: &[u8] = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free";

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

fn ending_of(prompt: &str) -> Ending {
    if prompt.contains("--sim-fail") {
        // Servers quote the prompt in their reasons; so does the simulator.
        Ending::Failure(format!("Midjourney refused the job (--sim-fail): {prompt}"))
    } else if prompt.contains("--sim-stall") {
        Ending::Stall
    } else {
        Ending::Success
    }
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

fn is_http_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

fn is_base64(data: &str) -> bool {
    !data.is_empty() && data.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
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
pub fn is_loopback_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host == "localhost" || host == "::1" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Four numbered prompts, as `/describe` writes them.
fn described_prompts(seed: &str) -> String {
    const SUBJECTS: [&str; 8] = [
        "a red fox",
        "a lighthouse",
        "a paper boat",
        "a quiet forest",
        "a neon street",
        "an old map",
        "a glass whale",
        "a cat",
    ];
    const STYLES: [&str; 6] =
        ["watercolor", "cinematic lighting", "ukiyo-e", "isometric", "film grain", "pastel tones"];
    const KEYCAPS: [&str; 4] = ["1️⃣", "2️⃣", "3️⃣", "4️⃣"];
    let h = hash(seed);
    KEYCAPS
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let s = SUBJECTS[((h >> (i * 8)) % 8) as usize];
            let st = STYLES[((h >> (i * 8 + 4)) % 6) as usize];
            format!("{k} {s}, {st} --ar 1:1")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A `/shorten` analysis in PLUS's Markdown shape.
fn shortened(prompt: &str) -> String {
    let words: Vec<&str> = prompt.split_whitespace().collect();
    let tokens = words.iter().map(|w| format!("**{w}**")).collect::<Vec<_>>().join(" ");
    let mut out = format!("## Important tokens\n{tokens}\n## Shortened prompts\n");
    const KEYCAPS: [&str; 5] = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣"];
    let lines: Vec<String> = (0..5)
        .map(|i| {
            let keep = words.len().saturating_sub(i).max(1);
            format!("{} {}", KEYCAPS[i], words.iter().take(keep).copied().collect::<Vec<_>>().join(" "))
        })
        .collect();
    out.push_str(&lines.join("\n\n"));
    out
}
