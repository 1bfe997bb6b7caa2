//! The task: what fetch, list, query and webhooks return. The type and what it says are
//! here; how it is read from any server's JSON is in [`decode`].

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::button::{Button, ButtonKind};
use super::extra::ExtraMembers;
use super::lenient;
use super::media::MediaUrl;
use super::quirk::Quirk;
use super::timestamp::Timestamp;
use super::{Properties, TaskAction, TaskStatus};

mod decode;

pub(crate) use decode::{Quirks, TaskList};

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
    /// Where the task is in its lifecycle (a status in a shape mj cannot read is
    /// `TaskStatus::Other("")`, the value kept in [`Task::extra`]).
    #[serde(default, skip_serializing_if = "TaskStatus::is_unreadable")]
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
    /// The result video (`videoUrl`, video tasks only).
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    /// Each result video (`videoUrls`), with its thumbnail where the server gives one.
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
    pub displays: Option<Box<DisplayTexts>>,
    /// Every other member the server sent, in its order, and every typed member whose
    /// value had a shape mj does not read (see [`Task::quirks`]).
    #[serde(flatten)]
    pub extra: ExtraMembers,
    /// The members that had a shape mj does not read.
    #[serde(skip)]
    pub(crate) quirks: Quirks,
    /// The name of the server the client got this task from, when it has several (set by
    /// the client, never read from the body: a server cannot send its tasks elsewhere).
    /// [`Task::handle`] names the task with it.
    #[serde(skip)]
    pub server: Option<String>,
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
pub struct DisplayTexts {
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

/// The leading integer of a progress text (`"65%"` -> 65), clamped to 100.
pub(crate) fn percent(progress: Option<&str>) -> Option<u8> {
    let text = progress?.trim_start();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let n: u32 = text.get(..digits)?.parse().ok()?;
    Some(n.min(100) as u8)
}

impl Task {
    /// How the client that returned this task names it: its id, and its server when the
    /// client has several. Pass it (or `&task`) to fetch, wait or press.
    pub fn handle(&self) -> super::TaskHandle {
        super::TaskHandle { server: self.server.clone(), id: self.id.clone() }
    }

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

    /// The members the server sent in a shape mj does not read (an object where text was
    /// expected, a word where a number was), nested ones included (`buttons[2].emoji`).
    /// Each is kept: a task's own members in [`Task::extra`] under their name (serializing
    /// writes them back as sent), and every one here with its value, so that an odd
    /// member never costs the task and is never dropped in silence.
    pub fn quirks(&self) -> &[Quirk] {
        &self.quirks.0
    }

    /// Notes, as a quirk at `path`, that this task is a summary of a body of `bytes`
    /// bytes, over `limit`: what it leaves out was never read.
    pub(crate) fn note_summary(&mut self, path: &str, bytes: usize, limit: usize) {
        let expected = format!(
            "a callback of at most {limit} bytes; only the id, status, progress, state, times, image URL and failure were kept"
        );
        self.quirks.0.push(Quirk::new(path, expected, Value::from(bytes)));
    }

    /// Keeps member `key`'s `value`, which had a shape mj does not read.
    fn keep(&mut self, key: &str, expected: impl Into<String>, value: Value) {
        self.quirks.0.push(Quirk { kept: true, ..Quirk::new(key, expected, value.clone()) });
        self.extra.put(key.to_owned(), value);
    }

    /// Replaces every occurrence of `secret` in every field (prompt, failReason,
    /// description, properties, buttons, URLs, …) with `[redacted]`. Goes through the
    /// task's JSON form, so no field, present or future, is missed. (Use it for a secret
    /// of your own, such as a hook's path; the key is scrubbed by the clients.)
    pub fn scrub(&mut self, secret: &str) {
        // Each text is scrubbed as decoded: a key a server sent escaped inside the text
        // (`sk\/abc`, `sk\u002Fabc`) stays escaped once decoded, and is caught there.
        let Ok(mut value) = serde_json::to_value(&*self) else { return };
        if !scrub_strings(&mut value, secret) {
            return;
        }
        let Ok(cleaned) = serde_json::to_vec(&value) else { return };
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

    /// True for a task that failed because moderation refused its prompt or its images
    /// (`Banned prompt detected`, `可能包含敏感词`, output filters, …): a strike against
    /// the account, not a fault that another try would get past.
    pub fn is_moderated(&self) -> bool {
        self.status == TaskStatus::Failure
            && self.fail_reason.as_deref().is_some_and(crate::model::speaks_of_moderation)
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
}

/// Scrubs `secret` from every string in `value`; true when one held it.
fn scrub_strings(value: &mut serde_json::Value, secret: &str) -> bool {
    match value {
        serde_json::Value::String(text) if crate::secret::contains(text.as_bytes(), secret) => {
            crate::secret::scrub_text(text, secret);
            true
        }
        serde_json::Value::Array(items) => items.iter_mut().fold(false, |found, v| scrub_strings(v, secret) | found),
        serde_json::Value::Object(members) => {
            members.values_mut().fold(false, |found, v| scrub_strings(v, secret) | found)
        }
        _ => false,
    }
}
