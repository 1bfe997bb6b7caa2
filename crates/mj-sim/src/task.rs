//! A simulated task, and how each flavor writes it as JSON (spec §4.3).

use serde_json::{Map, Value, json};

use crate::buttons::{Product, SimButton, buttons_for};
use crate::flavor::Flavor;
use crate::lifecycle::{Ending, Snapshot, Timeline, snapshot};
use crate::upload::Source;

/// Where a command names its task's own id, before the id is drawn.
pub(crate) const TASK_ID: &str = "{task-id}";

/// Which modal a MODAL task waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ModalKind {
    /// Custom Zoom: the prompt must carry `--zoom`.
    CustomZoom,
    /// Vary (Region): takes a mask.
    VaryRegion,
    /// PicReader: imagine one of the described prompts.
    PicReader,
}

/// One task in the simulator's store.
#[derive(Clone, Debug)]
pub(crate) struct SimTask {
    /// The id (16-17 digits, as novicezk and trueai make them).
    pub id: String,
    /// The action name as this flavor reports it.
    pub action: String,
    /// What the task produces.
    pub product: Product,
    /// The prompt as submitted.
    pub prompt: String,
    /// The prompt in English (the simulator does not translate).
    pub prompt_en: String,
    /// The Discord command (`/imagine …`, `/up <id> U1`).
    pub command: String,
    /// The caller's `state`.
    pub state: Option<String>,
    /// The caller's `notifyHook`.
    pub notify_hook: Option<String>,
    /// `MID_JOURNEY`, `NIJI_JOURNEY` or `INSIGHT_FACE`.
    pub bot_type: &'static str,
    /// `FAST`, `RELAX` or `TURBO`.
    pub mode: &'static str,
    /// The task whose button made this one.
    pub parent_id: Option<String>,
    /// The job hash that the buttons' customIds end with.
    pub hash: String,
    /// What the images are drawn from.
    pub image_seed: String,
    /// `properties.finalPrompt`.
    pub final_prompt: String,
    /// When it was submitted (epoch ms).
    pub submit_time: u64,
    /// The schedule; `None` while waiting in MODAL.
    pub timeline: Option<Timeline>,
    /// How it ends.
    pub ending: Ending,
    /// When it was cancelled.
    pub cancelled_at: Option<u64>,
    /// The modal it waits for (or waited for).
    pub modal: Option<ModalKind>,
    /// The image a describe was given: its result image.
    pub source: Option<Source>,
}

impl SimTask {
    /// The task's state at `now`.
    pub(crate) fn at(&self, now: u64) -> Snapshot {
        snapshot(self.timeline.as_ref(), &self.ending, self.cancelled_at, now)
    }

    /// Its buttons once finished.
    pub(crate) fn buttons(&self) -> Vec<SimButton> {
        buttons_for(self.product, &self.hash)
    }

    /// The result image URL (a grid or a single image) under `base`.
    pub(crate) fn image_url(&self, base: &str) -> Option<String> {
        match (self.product, &self.source) {
            // A describe shows the image it was given.
            (Product::Prompts, Some(Source::Link(link))) => Some(link.clone()),
            (Product::Prompts, Some(Source::Uploaded { .. })) => Some(format!("{base}/sim/described/{}", self.id)),
            (Product::Grid | Product::Single(_) | Product::Prompts, _) => {
                Some(format!("{base}/sim/image/{}.png", self.id))
            }
            (Product::Analysis | Product::Video, _) => None,
        }
    }

    /// Whether a preview shows at `snap`: Discord posts one only once the job has made
    /// progress, and only for images being drawn.
    pub(crate) fn previews(&self, snap: &Snapshot) -> bool {
        snap.status == "IN_PROGRESS" && snap.progress > 0 && matches!(self.product, Product::Grid | Product::Single(_))
    }

    /// The result video URLs under `base`.
    pub(crate) fn video_urls(&self, base: &str) -> Vec<String> {
        match self.product {
            Product::Video => (0..4).map(|n| format!("{base}/sim/video/{}/{n}.mp4", self.id)).collect(),
            _ => Vec::new(),
        }
    }

    /// The task as `flavor` writes it at `now`, with URLs under `base`.
    pub(crate) fn render(&self, flavor: Flavor, base: &str, now: u64) -> Value {
        let snap = self.at(now);
        let status = match (flavor, snap.status) {
            (Flavor::Trueai, "CANCEL") => "FAILURE",
            (f, "NOT_START") if f.is_gateway() => "",
            (_, status) => status,
        };
        let fail_reason = match (flavor, snap.status) {
            (Flavor::Trueai, "CANCEL") => Some("取消任务".to_owned()),
            _ => snap.fail_reason.clone(),
        };
        let success = snap.status == "SUCCESS";
        let running = snap.status == "IN_PROGRESS";
        let image = if success {
            self.image_url(base)
        } else if self.previews(&snap) {
            // A preview is its own image, not the result.
            Some(format!("{base}/sim/preview/{}/{}.png", self.id, snap.progress))
        } else {
            None
        };
        // A finished describe carries its prompts: novicezk, PLUS and trueai in `prompt`,
        // `promptEn` and `finalPrompt`; new-api copies the upstream's `promptEn` and keeps
        // the request's (empty) `prompt`.
        let (prompt, prompt_en) = match (success && self.product == Product::Prompts, flavor.is_gateway()) {
            (true, true) => (self.prompt.clone(), self.final_prompt.clone()),
            (true, false) => (self.final_prompt.clone(), self.final_prompt.clone()),
            (false, _) => (self.prompt.clone(), self.prompt_en.clone()),
        };
        let progress = match (flavor, snap.status) {
            (f, "FAILURE") if f.is_gateway() => "100%".to_owned(),
            (Flavor::Novicezk | Flavor::Trueai, "FAILURE") => String::new(),
            _ => format!("{}%", snap.progress),
        };
        let buttons: Vec<Value> =
            if success { self.buttons().iter().map(|b| button_json(b, flavor)).collect() } else { Vec::new() };
        let videos = if success { self.video_urls(base) } else { Vec::new() };

        let nullable = |v: Option<Value>| v.unwrap_or(Value::Null);
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("action".into(), json!(self.action));
        m.insert("status".into(), json!(status));
        m.insert("prompt".into(), json!(prompt));
        m.insert("promptEn".into(), json!(prompt_en));
        m.insert("submitTime".into(), json!(self.submit_time));
        m.insert("progress".into(), json!(progress));
        let gateway_image = |success: bool| {
            let url = format!("{base}/mj/image/{}", self.id);
            if success { url } else { format!("{url}?rand={now}") }
        };
        if flavor.is_gateway() {
            m.insert("customId".into(), json!(""));
            m.insert("botType".into(), json!(""));
            m.insert("description".into(), json!(accepted_description(flavor)));
            m.insert("state".into(), json!(self.state.clone().unwrap_or_default()));
            m.insert("startTime".into(), json!(snap.start_time.unwrap_or(0)));
            if flavor == Flavor::Newapi || snap.finish_time.is_some() {
                // crazyrouter-style resellers leave finishTime out until there is one.
                m.insert("finishTime".into(), json!(snap.finish_time.unwrap_or(0)));
            }
            let url = if image.is_some() { gateway_image(success) } else { String::new() };
            m.insert("imageUrl".into(), json!(url));
            m.insert("videoUrl".into(), json!(videos.first().cloned().unwrap_or_default()));
            let video_list: Vec<Value> = videos.iter().map(|u| json!({"url": u})).collect();
            m.insert("videoUrls".into(), if video_list.is_empty() { Value::Null } else { Value::Array(video_list) });
            m.insert("failReason".into(), json!(fail_reason.unwrap_or_default()));
            m.insert("maskBase64".into(), json!(""));
            let buttons = match (flavor, buttons.is_empty()) {
                (Flavor::Newapi, true) => Value::Null,
                _ => Value::Array(buttons),
            };
            m.insert("buttons".into(), buttons);
            let properties = if success || running {
                json!({"finalPrompt": self.final_prompt, "finalZhPrompt": ""})
            } else if flavor == Flavor::Newapi {
                Value::Null
            } else {
                json!({})
            };
            m.insert("properties".into(), properties);
            return Value::Object(m);
        }

        m.insert("description".into(), json!(self.command));
        m.insert("state".into(), nullable(self.state.clone().map(Value::String)));
        m.insert("startTime".into(), nullable(snap.start_time.map(|t| json!(t))));
        m.insert("finishTime".into(), nullable(snap.finish_time.map(|t| json!(t))));
        m.insert("imageUrl".into(), nullable(image.map(Value::String)));
        m.insert("failReason".into(), nullable(fail_reason.map(Value::String)));
        let mut properties = Map::new();
        properties.insert("discordInstanceId".into(), json!(DISCORD_INSTANCE));
        properties.insert("notifyHook".into(), nullable(self.notify_hook.clone().map(Value::String)));
        properties.insert("flags".into(), json!(0));
        if success || running {
            properties.insert("finalPrompt".into(), json!(self.final_prompt));
            properties.insert("messageHash".into(), json!(self.hash));
            properties.insert("messageId".into(), json!(format!("13720406{}", &self.id[..self.id.len().min(11)])));
        }
        if flavor != Flavor::Novicezk {
            m.insert("buttons".into(), Value::Array(buttons));
        }
        if flavor == Flavor::Trueai {
            properties.insert("discordChannelId".into(), json!(DISCORD_INSTANCE));
            properties.insert("remix".into(), json!(false));
            properties.insert("mj_proxy_handled".into(), json!(true));
            m.insert("botType".into(), json!(self.bot_type));
            m.insert("parentId".into(), nullable(self.parent_id.clone().map(Value::String)));
            m.insert("mode".into(), json!(self.mode));
            m.insert("nonce".into(), json!(format!("19{}", self.id)));
            m.insert("isWhite".into(), json!(false));
            let quads: Vec<Value> = if success && self.product == Product::Grid {
                (1..=4)
                    .map(|n| json!({"url": format!("{base}/sim/image/{}/{n}.png", self.id), "thumbnail": null}))
                    .collect()
            } else {
                Vec::new()
            };
            // trueai leaves its media lists null unless the task has such media (TaskInfo.cs
            // L272, L578, L748-800): a browser app reads `[]` as "this task has videos".
            m.insert("imageUrls".into(), if quads.is_empty() { Value::Null } else { Value::Array(quads) });
            m.insert("videoUrl".into(), nullable(videos.first().cloned().map(Value::String)));
            let video_list: Vec<Value> = videos.iter().map(|u| json!({"url": u, "thumbnail": null})).collect();
            m.insert("videoUrls".into(), if video_list.is_empty() { Value::Null } else { Value::Array(video_list) });
            let size = success.then_some(json!(crate::image::GRID_SIZE));
            m.insert("imageHeight".into(), nullable(size.clone()));
            m.insert("imageWidth".into(), nullable(size));
            m.insert("seed".into(), Value::Null);
            let use_time = match (snap.start_time, snap.finish_time) {
                (Some(s), Some(f)) => format!("{:.2} s", (f.saturating_sub(s)) as f64 / 1000.0),
                _ => "-".to_owned(),
            };
            m.insert("useTime".into(), json!(use_time));
            m.insert(
                "displays".into(),
                json!({"status": status, "action": self.action, "submitTime": self.submit_time.to_string(),
                       "discordInstanceId": DISCORD_INSTANCE}),
            );
            let has_image = !m.get("imageUrl").is_none_or(Value::is_null);
            self.render_trueai_extras(&mut m, success, has_image, &videos);
        }
        m.insert("properties".into(), Value::Object(properties));
        Value::Object(m)
    }
}

impl SimTask {
    /// The rest of trueai's TaskInfo members (TaskInfo.cs @ed32197), so that a client
    /// sees the whole set: 75 members in all with the common ones.
    fn render_trueai_extras(&self, m: &mut Map<String, Value>, success: bool, has_image: bool, videos: &[String]) {
        let when = |v: Value| if success { v } else { Value::Null };
        let size = success.then_some(json!(crate::image::GRID_SIZE));
        let entries = [
            ("realBotType", json!(self.bot_type)),
            ("requestMode", json!(self.mode)),
            ("seedError", Value::Null),
            ("seedMessageId", Value::Null),
            ("height", size.clone().unwrap_or(Value::Null)),
            ("width", size.unwrap_or(Value::Null)),
            ("instanceId", json!(DISCORD_INSTANCE)),
            ("subInstanceId", Value::Null),
            ("jobId", when(json!(self.hash))),
            ("thumbnailUrl", Value::Null),
            ("baseImageUrl", Value::Null),
            ("url", if has_image { m.get("imageUrl").cloned().unwrap_or(Value::Null) } else { Value::Null }),
            ("proxyUrl", Value::Null),
            ("size", when(json!(1_048_576))),
            ("contentType", when(json!(if videos.is_empty() { "image/png" } else { "video/mp4" }))),
            ("promptFull", json!(self.command)),
            ("version", json!("v 7")),
            ("language", Value::Null),
            ("videoGenOriginImageUrl", Value::Null),
            ("videoDuration", if videos.is_empty() { Value::Null } else { json!(5) }),
            ("frameCount", if videos.is_empty() { Value::Null } else { json!(120) }),
            ("videoType", if videos.is_empty() { Value::Null } else { json!("vid_1.1_i2v_480") }),
            ("isHdVideo", json!(false)),
            ("isCompleted", json!(success)),
            ("isDiscord", json!(true)),
            ("isPartnerRelax", json!(false)),
            ("isPartner", json!(false)),
            ("partnerTaskId", Value::Null),
            ("partnerTaskInfo", Value::Null),
            ("isOfficial", json!(false)),
            ("officialTaskId", Value::Null),
            ("officialTaskInfo", Value::Null),
            ("storageOption", Value::Null),
            ("accountFilter", json!({"instanceId": null, "modes": [], "remix": null})),
            ("interactionMetadataId", Value::Null),
            ("messageId", Value::Null),
            ("remixModalMessageId", Value::Null),
            ("messageIds", json!([])),
            ("remixAutoSubmit", json!(false)),
            ("remixModaling", json!(false)),
            ("hasAIReviewRetried", json!(false)),
            ("isThirdParty", json!(false)),
            ("isReplicate", json!(false)),
            ("replicateSource", Value::Null),
            ("replicateTarget", Value::Null),
            ("userId", Value::Null),
            ("clientIp", Value::Null),
        ];
        for (key, value) in entries {
            m.insert(key.into(), value);
        }
    }
}

/// The account id the simulator claims to run on.
pub(crate) const DISCORD_INSTANCE: &str = "1118138338562560102";

/// new-api stores the submit answer's description in the task and never updates it.
fn accepted_description(flavor: Flavor) -> &'static str {
    if flavor == Flavor::Reseller { "Submit success" } else { "提交成功" }
}

fn button_json(button: &SimButton, flavor: Flavor) -> Value {
    let (kind, style) = if flavor == Flavor::Reseller { (json!("2"), json!("2")) } else { (json!(2), json!(2)) };
    json!({"customId": button.custom_id, "emoji": button.emoji, "label": button.label, "type": kind, "style": style})
}
