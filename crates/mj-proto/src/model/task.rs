//! The task: what fetch, list, query and webhooks return.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::action::opt_action;
use super::button::{Button, ButtonKind};
use super::extra::Extra;
use super::media::{MediaUrl, media_list};
use super::timestamp::{Timestamp, opt_timestamp};
use super::{Properties, TaskAction, TaskStatus};
use crate::endpoint::Action;
use crate::lenient::{self, CowStr};

/// A Midjourney task as any server of the family reports it (spec §4.3).
///
/// Every field is optional on the wire: `null`, `""`, `0` timestamps and missing keys all
/// decode to `None` (or empty), and numbers arrive where strings are expected and vice
/// versa. Members mj has no field for are kept in [`Task::extra`], in order; typed
/// accessors read the ones users ask for ([`Task::job_id`], [`Task::video_info`], …).
/// Serializing gives the servers' camelCase shape with the values normalised, and every
/// extra member back under its own name.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Task {
    /// The task id: a string, even when a gateway sent a bare number. A body without one
    /// does not decode as a task.
    #[serde(default, deserialize_with = "lenient::id")]
    pub id: String,
    /// What kind of job this is.
    #[serde(default, deserialize_with = "opt_action", skip_serializing_if = "Option::is_none")]
    pub action: Option<TaskAction>,
    /// Where the task is in its lifecycle.
    #[serde(default)]
    pub status: TaskStatus,
    /// The prompt as submitted (for describe on trueai: the result).
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// The prompt in English (translated or copied).
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub prompt_en: Option<String>,
    /// The Discord command (`/imagine …`), or on new-api the submit message.
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The caller's `state`, echoed.
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// When the task was submitted.
    #[serde(default, deserialize_with = "opt_timestamp", skip_serializing_if = "Option::is_none")]
    pub submit_time: Option<Timestamp>,
    /// When the task started running.
    #[serde(default, deserialize_with = "opt_timestamp", skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Timestamp>,
    /// When the task finished.
    #[serde(default, deserialize_with = "opt_timestamp", skip_serializing_if = "Option::is_none")]
    pub finish_time: Option<Timestamp>,
    /// The result image; while IN_PROGRESS, a progress preview (novicezk).
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// The individual result images (trueai).
    #[serde(default, deserialize_with = "media_list", skip_serializing_if = "Vec::is_empty")]
    pub image_urls: Vec<MediaUrl>,
    /// The result video.
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    /// The individual result videos.
    #[serde(default, deserialize_with = "media_list", skip_serializing_if = "Vec::is_empty")]
    pub video_urls: Vec<MediaUrl>,
    /// Result image height in pixels.
    #[serde(default, deserialize_with = "lenient::opt_u32", skip_serializing_if = "Option::is_none")]
    pub image_height: Option<u32>,
    /// Result image width in pixels.
    #[serde(default, deserialize_with = "lenient::opt_u32", skip_serializing_if = "Option::is_none")]
    pub image_width: Option<u32>,
    /// Progress as the server wrote it (`"65%"`); see [`Task::progress_percent`].
    #[serde(default, deserialize_with = "progress", skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    /// Why the task failed.
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub fail_reason: Option<String>,
    /// Server-specific extras (`finalPrompt`, `messageHash`, …).
    #[serde(default, skip_serializing_if = "Properties::is_empty")]
    pub properties: Properties,
    /// The buttons that can be pressed next.
    #[serde(default, deserialize_with = "lenient::vec_or_null", skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Button>,
    /// new-api's `customId` (always empty in practice).
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// `MID_JOURNEY`, `NIJI_JOURNEY` or `INSIGHT_FACE` (old trueai webhooks send 0-2).
    #[serde(default, deserialize_with = "lenient::opt_bot_type", skip_serializing_if = "Option::is_none")]
    pub bot_type: Option<String>,
    /// The Vary (Region) mask that was sent.
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub mask_base64: Option<String>,
    /// The speed mode the task ran in (trueai: `FAST`, `RELAX`, `TURBO`; old webhooks 0-2).
    #[serde(default, deserialize_with = "lenient::opt_speed_mode", skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The task this one was made from (trueai).
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// The Midjourney seed, when the server looked it up (trueai).
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    /// The admin-list display summary (PLUS `list-by-ids`, trueai); boxed, being rare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub displays: Option<Box<Displays>>,
    /// Every other member the server sent, in its order.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A field decoder as a type, so that the task visitor can call it through
/// `next_value` (serde's `deserialize_with` only exists for derived impls).
macro_rules! lenient_value {
    ($($name:ident: $ty:ty = $f:path;)*) => {$(
        struct $name($ty);
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $f(d).map($name)
            }
        }
    )*};
}

lenient_value! {
    Id: String = lenient::id;
    OptText: Option<String> = lenient::opt_text;
    OptAction: Option<TaskAction> = opt_action;
    OptTime: Option<Timestamp> = opt_timestamp;
    Media: Vec<MediaUrl> = media_list;
    OptU32: Option<u32> = lenient::opt_u32;
    Progress: Option<String> = progress;
    Buttons: Vec<Button> = lenient::vec_or_null;
    OptBot: Option<String> = lenient::opt_bot_type;
    OptMode: Option<String> = lenient::opt_speed_mode;
}

impl<'de> Deserialize<'de> for Task {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(TaskVisitor)
    }
}

struct TaskVisitor;

impl<'de> Visitor<'de> for TaskVisitor {
    type Value = Task;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a task object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Task, A::Error> {
        let mut t = Task::default();
        // Which typed members were seen: one twice is an error, as in a derived decoder.
        let mut seen = 0u32;
        while let Some(CowStr(key)) = map.next_key()? {
            match &*key {
                "id" => {
                    once::<A::Error>(&mut seen, 0, "id")?;
                    t.id = map.next_value::<Id>()?.0;
                }
                "action" => {
                    once::<A::Error>(&mut seen, 1, "action")?;
                    t.action = map.next_value::<OptAction>()?.0;
                }
                "status" => {
                    once::<A::Error>(&mut seen, 2, "status")?;
                    t.status = map.next_value()?;
                }
                "prompt" => {
                    once::<A::Error>(&mut seen, 3, "prompt")?;
                    t.prompt = map.next_value::<OptText>()?.0;
                }
                "promptEn" => {
                    once::<A::Error>(&mut seen, 4, "promptEn")?;
                    t.prompt_en = map.next_value::<OptText>()?.0;
                }
                "description" => {
                    once::<A::Error>(&mut seen, 5, "description")?;
                    t.description = map.next_value::<OptText>()?.0;
                }
                "state" => {
                    once::<A::Error>(&mut seen, 6, "state")?;
                    t.state = map.next_value::<OptText>()?.0;
                }
                "submitTime" => {
                    once::<A::Error>(&mut seen, 7, "submitTime")?;
                    t.submit_time = map.next_value::<OptTime>()?.0;
                }
                "startTime" => {
                    once::<A::Error>(&mut seen, 8, "startTime")?;
                    t.start_time = map.next_value::<OptTime>()?.0;
                }
                "finishTime" => {
                    once::<A::Error>(&mut seen, 9, "finishTime")?;
                    t.finish_time = map.next_value::<OptTime>()?.0;
                }
                "imageUrl" => {
                    once::<A::Error>(&mut seen, 10, "imageUrl")?;
                    t.image_url = map.next_value::<OptText>()?.0;
                }
                "imageUrls" => {
                    once::<A::Error>(&mut seen, 11, "imageUrls")?;
                    t.image_urls = map.next_value::<Media>()?.0;
                }
                "videoUrl" => {
                    once::<A::Error>(&mut seen, 12, "videoUrl")?;
                    t.video_url = map.next_value::<OptText>()?.0;
                }
                "videoUrls" => {
                    once::<A::Error>(&mut seen, 13, "videoUrls")?;
                    t.video_urls = map.next_value::<Media>()?.0;
                }
                "imageHeight" => {
                    once::<A::Error>(&mut seen, 14, "imageHeight")?;
                    t.image_height = map.next_value::<OptU32>()?.0;
                }
                "imageWidth" => {
                    once::<A::Error>(&mut seen, 15, "imageWidth")?;
                    t.image_width = map.next_value::<OptU32>()?.0;
                }
                "progress" => {
                    once::<A::Error>(&mut seen, 16, "progress")?;
                    t.progress = map.next_value::<Progress>()?.0;
                }
                "failReason" => {
                    once::<A::Error>(&mut seen, 17, "failReason")?;
                    t.fail_reason = map.next_value::<OptText>()?.0;
                }
                "properties" => {
                    once::<A::Error>(&mut seen, 18, "properties")?;
                    t.properties = map.next_value()?;
                }
                "buttons" => {
                    once::<A::Error>(&mut seen, 19, "buttons")?;
                    t.buttons = map.next_value::<Buttons>()?.0;
                }
                "customId" => {
                    once::<A::Error>(&mut seen, 20, "customId")?;
                    t.custom_id = map.next_value::<OptText>()?.0;
                }
                "botType" => {
                    once::<A::Error>(&mut seen, 21, "botType")?;
                    t.bot_type = map.next_value::<OptBot>()?.0;
                }
                "maskBase64" => {
                    once::<A::Error>(&mut seen, 22, "maskBase64")?;
                    t.mask_base64 = map.next_value::<OptText>()?.0;
                }
                "mode" => {
                    once::<A::Error>(&mut seen, 23, "mode")?;
                    t.mode = map.next_value::<OptMode>()?.0;
                }
                "parentId" => {
                    once::<A::Error>(&mut seen, 24, "parentId")?;
                    t.parent_id = map.next_value::<OptText>()?.0;
                }
                "seed" => {
                    once::<A::Error>(&mut seen, 25, "seed")?;
                    t.seed = map.next_value::<OptText>()?.0;
                }
                "displays" => {
                    once::<A::Error>(&mut seen, 26, "displays")?;
                    t.displays = map.next_value()?;
                }
                _ => {
                    let value = map.next_value()?;
                    t.extra.put(key.into_owned(), value);
                }
            }
        }
        // Every server sends one; without it nothing can be fetched, pressed or matched.
        if t.id.is_empty() {
            return Err(de::Error::missing_field("id"));
        }
        Ok(t)
    }
}

/// Marks typed member `bit` as seen; a second sighting is serde's "duplicate field".
fn once<E: de::Error>(seen: &mut u32, bit: u32, name: &'static str) -> Result<(), E> {
    if *seen & (1 << bit) != 0 {
        return Err(E::duplicate_field(name));
    }
    *seen |= 1 << bit;
    Ok(())
}

/// What trueai says about a video task (all from members mj keeps in [`Task::extra`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VideoInfo {
    /// `videoDuration`, in seconds.
    pub duration: Option<i64>,
    /// `frameCount`.
    pub frame_count: Option<i64>,
    /// `videoType` (`vid_1.1_i2v_480`, `vid_1.1_i2v_720`).
    pub video_type: Option<String>,
    /// `isHdVideo`.
    pub hd: Option<bool>,
    /// `videoGenOriginImageUrl`: the image the video started from.
    pub origin_image_url: Option<String>,
}

/// The `displays` summary that PLUS list-by-ids and trueai add for admin screens.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Displays {
    /// The status as display text.
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The action as display text.
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Submit time as display text.
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub submit_time: Option<String>,
    /// Start time as display text.
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// Finish time as display text.
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub finish_time: Option<String>,
    /// The account that ran the task.
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub discord_instance_id: Option<String>,
}

/// A link to a video file (trueai lists .mp4 links among a video task's `imageUrls`).
fn is_video_url(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url).to_ascii_lowercase();
    [".mp4", ".webm", ".mov", ".m4v"].iter().any(|ext| path.ends_with(ext))
}

/// Splits a describe/shorten result into its prompts: one per non-empty line (after a
/// shorten's "Shortened prompts" heading, if any), keycap numbers and markup removed.
pub(crate) fn split_prompts(text: &str) -> Vec<String> {
    let text = match text.find("Shortened prompts") {
        Some(at) => text[at..].split_once('\n').map_or("", |(_, rest)| rest),
        None => text,
    };
    text.lines()
        .map(|line| {
            let line = line.trim();
            // `1️⃣` is a digit, U+FE0F (optional) and U+20E3; a prompt may start with digits.
            let digits = line.bytes().take_while(u8::is_ascii_digit).count();
            let rest = &line[digits..];
            let rest = rest.strip_prefix('\u{fe0f}').unwrap_or(rest);
            match rest.strip_prefix('\u{20e3}') {
                Some(prompt) if digits > 0 => prompt.trim().to_owned(),
                _ => line.to_owned(),
            }
        })
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// A name, or an old trueai integer mapped through `names`.
fn named<'a>(value: &'a serde_json::Value, names: &[&'static str]) -> Option<Cow<'a, str>> {
    match value {
        serde_json::Value::String(s) if !s.is_empty() => Some(Cow::Borrowed(s)),
        serde_json::Value::Number(n) => {
            let i = n.as_u64()?;
            Some(
                usize::try_from(i)
                    .ok()
                    .and_then(|i| names.get(i))
                    .map_or_else(|| i.to_string().into(), |s| (*s).into()),
            )
        }
        _ => None,
    }
}

/// Progress text: a string on every server seen; a bare number becomes `"N%"`.
fn progress<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = lenient::opt_text(d)?;
    Ok(text.map(|t| if t.bytes().all(|b| b.is_ascii_digit()) { t + "%" } else { t }))
}

/// The leading integer of a progress text (`"65%"` -> 65), clamped to 100.
pub(crate) fn percent(progress: Option<&str>) -> Option<u8> {
    let text = progress?.trim_start();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let n: u32 = text.get(..digits)?.parse().ok()?;
    Some(n.min(100) as u8)
}

/// Decodes a JSON array of tasks (`null` is empty) exactly as the list endpoints do, with
/// the vector trimmed to its length: what bulk callers and the benchmarks use.
pub fn tasks_from_slice(body: &[u8]) -> Result<Vec<Task>, crate::Error> {
    let mut tasks = crate::response::decode::<TaskList>(body, "task list", http::StatusCode::OK)?.0;
    tasks.shrink_to_fit();
    Ok(tasks)
}

/// `Vec<Task>` where `null` is empty.
pub(crate) struct TaskList(pub(crate) Vec<Task>);

impl<'de> Deserialize<'de> for TaskList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut tasks: Vec<Task> = lenient::vec_or_null(d)?;
        tasks.shrink_to_fit();
        Ok(TaskList(tasks))
    }
}

impl Task {
    /// trueai's `jobId`: the Midjourney job UUID (its CDN paths use it).
    pub fn job_id(&self) -> Option<&str> {
        self.extra.text("jobId")
    }

    /// trueai's `thumbnailUrl`.
    pub fn thumbnail_url(&self) -> Option<&str> {
        self.extra.text("thumbnailUrl")
    }

    /// trueai's `promptFull`: the whole command, image links and parameters included.
    pub fn prompt_full(&self) -> Option<&str> {
        self.extra.text("promptFull")
    }

    /// trueai's `version` (`"v 7"`, `"niji 6"`).
    pub fn version(&self) -> Option<&str> {
        self.extra.text("version")
    }

    /// The account that ran the task: trueai's `instanceId`, else
    /// `properties.discordInstanceId` (novicezk, PLUS).
    pub fn instance_id(&self) -> Option<Cow<'_, str>> {
        self.extra.text("instanceId").map(Cow::Borrowed).or_else(|| self.properties.text("discordInstanceId"))
    }

    /// trueai's `seedError`: why no seed could be read.
    pub fn seed_error(&self) -> Option<&str> {
        self.extra.text("seedError")
    }

    /// The bot that really ran the task (trueai's `realBotType`), next to the requested
    /// [`Task::bot_type`]; old webhooks' integers are mapped to names.
    pub fn real_bot_type(&self) -> Option<Cow<'_, str>> {
        named(self.extra.get("realBotType")?, lenient::BOT_TYPES)
    }

    /// The speed mode that was asked for (trueai's `requestMode`), next to the
    /// [`Task::mode`] it ran in.
    pub fn request_mode(&self) -> Option<Cow<'_, str>> {
        named(self.extra.get("requestMode")?, lenient::SPEED_MODES)
    }

    /// The speed modes trueai's `accountFilter.modes` allowed (old webhooks' integers
    /// mapped to names).
    pub fn account_filter_modes(&self) -> Vec<Cow<'_, str>> {
        let modes = self.extra.get("accountFilter").and_then(|f| f.get("modes")).and_then(|m| m.as_array());
        modes.into_iter().flatten().filter_map(|m| named(m, lenient::SPEED_MODES)).collect()
    }

    /// trueai's video metadata, when any of it is present.
    pub fn video_info(&self) -> Option<VideoInfo> {
        let info = VideoInfo {
            duration: self.extra.int("videoDuration"),
            frame_count: self.extra.int("frameCount"),
            video_type: self.extra.text("videoType").map(str::to_owned),
            hd: self.extra.flag("isHdVideo"),
            origin_image_url: self.extra.text("videoGenOriginImageUrl").map(str::to_owned),
        };
        (info != VideoInfo::default()).then_some(info)
    }

    /// Replaces every occurrence of `secret` in every field (prompt, failReason,
    /// description, properties, buttons, URLs, …) with `[redacted]`. Goes through the
    /// task's JSON form, so no field, present or future, is missed.
    pub(crate) fn scrub(&mut self, secret: &str) {
        let Ok(json) = serde_json::to_vec(&*self) else { return };
        if !crate::secret::contains(&json, secret) {
            return;
        }
        let mut cleaned = json;
        crate::secret::scrub_bytes(&mut cleaned, secret);
        *self = serde_json::from_slice(&cleaned).unwrap_or_else(|_| {
            let mut id = self.id.clone();
            crate::secret::scrub_text(&mut id, secret);
            Task { id, status: self.status.clone(), ..Task::default() }
        });
    }

    /// Progress as a percentage: the leading integer of `"65%"`, clamped to 100.
    pub fn progress_percent(&self) -> Option<u8> {
        percent(self.progress.as_deref())
    }

    /// SUCCESS, FAILURE or CANCEL.
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }

    /// MODAL: the task waits for `/mj/submit/modal`.
    pub fn needs_input(&self) -> bool {
        self.status.needs_input()
    }

    /// True for tasks whose result is text, not media: describe (and trueai's PicReader)
    /// and shorten. Their `imageUrl` is the input image.
    pub fn produces_text(&self) -> bool {
        matches!(self.action, Some(TaskAction::Describe | TaskAction::Shorten | TaskAction::PicReader))
    }

    /// True for video tasks.
    pub fn produces_video(&self) -> bool {
        matches!(self.action, Some(TaskAction::Video | TaskAction::VideoExtend | TaskAction::SwapVideoFace))
    }

    /// The result images: `imageUrls` when the server lists them, else `imageUrl` (a grid
    /// or a single image). Empty until the task succeeds, since a running task's
    /// `imageUrl` is only a preview; empty for text results (describe, shorten: their
    /// `imageUrl` is the input) and for videos (trueai copies the .mp4 links into
    /// `imageUrls`: see [`Task::result_video_urls`]).
    pub fn result_image_urls(&self) -> Vec<&str> {
        if self.status != TaskStatus::Success || self.produces_text() || self.produces_video() {
            return Vec::new();
        }
        let urls: Vec<&str> = if self.image_urls.is_empty() {
            self.image_url.as_deref().into_iter().collect()
        } else {
            self.image_urls.iter().map(|m| m.url.as_str()).collect()
        };
        urls.into_iter().filter(|u| !is_video_url(u)).collect()
    }

    /// The result videos: `videoUrls`, else `videoUrl`.
    pub fn result_video_urls(&self) -> Vec<&str> {
        if self.video_urls.is_empty() {
            self.video_url.as_deref().into_iter().collect()
        } else {
            self.video_urls.iter().map(|m| m.url.as_str()).collect()
        }
    }

    /// The prompts a describe or shorten task produced, one per entry, without the
    /// keycap numbers (`1️⃣`). Servers give them as one text: PLUS and novicezk in
    /// `properties.finalPrompt` separated by blank lines (shorten after a "Shortened
    /// prompts" heading), trueai in `prompt` separated by `\r\n`. Empty for other tasks.
    pub fn result_prompts(&self) -> Vec<String> {
        if !self.produces_text() || self.status != TaskStatus::Success {
            return Vec::new();
        }
        let Some(text) = self.properties.final_prompt().or(self.prompt.as_deref()) else { return Vec::new() };
        split_prompts(text)
    }

    /// The first button of the given kind.
    pub fn button(&self, kind: &ButtonKind) -> Option<&Button> {
        self.buttons.iter().find(|b| &b.kind() == kind)
    }

    /// The first button whose label, emoji or customId is `text` (labels ignore case).
    pub fn find_button(&self, text: &str) -> Option<&Button> {
        self.buttons.iter().find(|b| b.matches(text))
    }

    /// The request that presses `button` on this task.
    pub fn press(&self, button: &Button) -> Action {
        Action::new(self.id.clone(), button.custom_id.clone())
    }

    /// The request that presses the first button of `kind`, if the task has one.
    pub fn action(&self, kind: &ButtonKind) -> Option<Action> {
        self.button(kind).map(|b| self.press(b))
    }

    /// U`n`: upscale image `n` (1-4) of the grid.
    pub fn upscale(&self, n: u8) -> Option<Action> {
        self.action(&ButtonKind::Upscale(n))
    }

    /// V`n`: variations of image `n` (1-4) of the grid.
    pub fn variation(&self, n: u8) -> Option<Action> {
        self.action(&ButtonKind::Variation(n))
    }

    /// 🔄: run the prompt again.
    pub fn reroll(&self) -> Option<Action> {
        self.action(&ButtonKind::Reroll)
    }
}
