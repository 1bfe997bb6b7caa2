//! The router: which route a request asks for (its method and path, a speed-mode prefix,
//! a task id in the path), and the handler each route runs. The flavors' differences in
//! what they serve are in `flavor.rs`; their answers, in the handlers.

use super::*;

impl Simulator {
    pub(super) fn route(&self, method: &Method, path: &str) -> Option<(Route, Option<String>)> {
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

    pub(super) fn dispatch(
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
        // new-api binds `taskId` into a Go string: a number does not bind (its
        // `MidjourneyRequest.TaskId string`), and the relay answers its own 400.
        if self.config.flavor == Flavor::Newapi && body.get("taskId").is_some_and(Value::is_number) {
            return reply::json(
                400,
                &json!({"description": "bind_request_body_failed", "type": "upstream_error", "code": 4}),
            );
        }
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

pub(super) fn mode_of(path: &str) -> &'static str {
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
