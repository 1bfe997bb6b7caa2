//! Handlers of the submit endpoints: every task is created here.

use super::create::{NewTask, ending_of};
use super::texts::{described_prompts, shortened};
use super::*;

impl Simulator {
    pub(super) fn imagine(&mut self, ctx: &Ctx) -> HttpResponse {
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
            self.stats.moderated += 1;
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

    pub(super) fn change(&mut self, ctx: &Ctx, parsed: Option<(String, String, i64)>) -> HttpResponse {
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
        // A gateway judges its own copy of the task (see `refresh_lag_ms`).
        if parent.at(self.seen_at(&parent, ctx.now)).status != "SUCCESS" {
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

    pub(super) fn simple_change(&mut self, ctx: &Ctx) -> HttpResponse {
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

    pub(super) fn describe(&mut self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let image = match (ctx.text("base64"), ctx.text("link")) {
            (Some(data), _) if self.image_ok(&data) => data,
            (None, Some(link)) if flavor == Flavor::Trueai && is_http_url(&link) => link,
            (Some(_), _) => return reply::invalid(flavor, "base64格式错误", "base64_format_error"),
            _ => return reply::invalid(flavor, "base64不能为空", "base64_is_required"),
        };
        let seed = format!("describe {}", hash(&image));
        let prompts = described_prompts(&seed);
        // novicezk names the upload after the task (`/describe <id>.png`); trueai writes
        // the bare command.
        let command =
            if flavor == Flavor::Trueai { "/describe".to_owned() } else { format!("/describe {TASK_ID}.png") };
        let mut spec = NewTask::new("DESCRIBE", Product::Prompts, String::new(), command);
        spec.source = Source::of(&image);
        spec.image_seed = seed;
        spec.final_prompt = prompts;
        if flavor == Flavor::Trueai {
            spec.prompt = spec.final_prompt.clone();
        }
        self.create(spec, ctx)
    }

    pub(super) fn blend(&mut self, ctx: &Ctx) -> HttpResponse {
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
            NewTask::new("BLEND", Product::Grid, String::new(), format!("/blend {TASK_ID} {}", images.len()));
        spec.image_seed = format!("blend {seed}");
        self.create(spec, ctx)
    }

    pub(super) fn shorten(&mut self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let prompt = ctx.text("prompt").unwrap_or_default();
        if prompt.is_empty() && flavor != Flavor::Trueai {
            return reply::invalid(flavor, "prompt不能为空", "prompt_is_required");
        }
        let mut spec = NewTask::new("SHORTEN", Product::Analysis, prompt.clone(), format!("/shorten {prompt}"));
        spec.final_prompt = shortened(&prompt);
        self.create(spec, ctx)
    }

    pub(super) fn action(&mut self, ctx: &Ctx) -> HttpResponse {
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
        if kind == K::PicReader(None) && ta {
            return self.imagine_all(&parent, ctx);
        }
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

    /// trueai's "Imagine all" (`MJ::Job::PicReader::all`): one IMAGINE per described prompt,
    /// answered with the new ids joined by commas (TaskService.cs L1875).
    fn imagine_all(&mut self, parent: &SimTask, ctx: &Ctx) -> HttpResponse {
        let prompts: Vec<String> = parent
            .final_prompt
            .split("\n\n")
            .map(|p| p.trim_start_matches(|c: char| !c.is_ascii_alphabetic()).to_owned())
            .collect();
        let mut ids = Vec::new();
        for (n, prompt) in prompts.into_iter().enumerate() {
            let command = format!("/imagine {prompt}");
            let mut spec = self.child(parent, "IMAGINE", Product::Grid, command, format!("all {n}"));
            spec.final_prompt = prompt;
            let answer = self.create(spec, ctx);
            let body: Value = serde_json::from_slice(answer.body()).unwrap_or_default();
            match body["result"].as_str() {
                Some(id) => ids.push(id.to_owned()),
                // A refusal (a full queue) is the answer.
                None => return answer,
            }
        }
        reply::submitted(self.config.flavor, 1, &ids.join(","), self.submit_properties(0), false, 0)
    }

    pub(super) fn modal(&mut self, ctx: &Ctx) -> HttpResponse {
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

    pub(super) fn video(&mut self, ctx: &Ctx) -> HttpResponse {
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

    pub(super) fn edits(&mut self, ctx: &Ctx, retexture: bool) -> HttpResponse {
        let flavor = self.config.flavor;
        let (Some(prompt), Some(image)) = (ctx.text("prompt"), ctx.text("image")) else {
            return reply::invalid(flavor, "image或prompt不能为空", "image_and_prompt_is_required");
        };
        if !self.image_ok(&image) {
            return reply::invalid(flavor, "image格式错误", "image_format_error");
        }
        let action = match (retexture, flavor.is_gateway()) {
            (true, _) => "RETEXTURE",
            (false, true) => "EDITS",
            (false, false) => "EDIT",
        };
        let command = if retexture { format!("/retexture {prompt}") } else { format!("/edit {prompt}") };
        let mut spec = NewTask::new(action, Product::Single(1), prompt.clone(), command);
        spec.image_seed = format!("edit {} {prompt}", hash(&image));
        self.create(spec, ctx)
    }

    pub(super) fn swap_face(&mut self, ctx: &Ctx) -> HttpResponse {
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

    /// trueai's video swap (InsightFaceController.cs L140-176): a face as base64 or a
    /// link, a video as an uploaded file or a link.
    pub(super) fn video_swap(&mut self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let Some(source) = ctx.text("sourceBase64").or_else(|| ctx.text("sourceUrl")) else {
            return reply::invalid(flavor, "人脸图片不能为空", "source_is_required");
        };
        if !self.image_ok(&source) {
            return reply::invalid(flavor, "base64格式错误", "base64_format_error");
        }
        let Some(target) = ctx.text("targetFile").or_else(|| ctx.text("targetUrl")) else {
            return reply::invalid(flavor, "目标视频不能为空", "target_is_required");
        };
        let mut spec = NewTask::new("SWAP_VIDEO_FACE", Product::Video, String::new(), "/video-swap".to_owned());
        spec.image_seed = format!("video swap {} {}", hash(&source), hash(&target));
        spec.bot_type = "INSIGHT_FACE";
        self.create(spec, ctx)
    }

    pub(super) fn upload(&mut self, ctx: &Ctx) -> HttpResponse {
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

    pub(super) fn banned_word(&self, prompt: &str) -> Option<String> {
        word_in(prompt, &self.config.banned_words)
    }

    /// A word Midjourney's own moderation fails the task for, after the submit.
    pub(super) fn moderated_word(&self, prompt: &str) -> Option<String> {
        word_in(prompt, &self.config.moderated_words)
    }

    /// Images: data URLs everywhere; http(s) URLs and raw base64 on trueai.
    pub(super) fn image_ok(&self, image: &str) -> bool {
        if let Some(rest) = image.strip_prefix("data:") {
            return rest.split_once(";base64,").is_some_and(|(_, data)| is_base64(data));
        }
        self.config.flavor == Flavor::Trueai && (is_http_url(image) || is_base64(image))
    }
}

fn is_http_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

fn is_base64(data: &str) -> bool {
    !data.is_empty() && data.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
}

/// The first of `list` that is a whole word of `prompt`, ignoring case.
fn word_in(prompt: &str, list: &[String]) -> Option<String> {
    let lower = prompt.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
    list.iter().find(|w| words.contains(&w.as_str())).cloned()
}
