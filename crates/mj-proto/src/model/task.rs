//! The task: what fetch, list, query and webhooks return.

use serde::{Deserialize, Serialize};

use super::action::opt_action;
use super::button::{Button, ButtonKind};
use super::media::{MediaUrl, media_list};
use super::timestamp::{Timestamp, opt_timestamp};
use super::{Properties, TaskAction, TaskStatus};
use crate::endpoint::Action;
use crate::lenient;

/// A Midjourney task as any server of the family reports it (spec §4.3).
///
/// Every field is optional on the wire: `null`, `""`, `0` timestamps and missing keys all
/// decode to `None` (or empty), numbers arrive where strings are expected and vice versa,
/// and unknown keys are ignored. Serializing gives the servers' camelCase shape with the
/// values normalised.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Task {
    /// The task id: a string, even when a gateway sent a bare number. Empty when missing.
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
    /// `MID_JOURNEY`, `NIJI_JOURNEY` or `INSIGHT_FACE`.
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub bot_type: Option<String>,
    /// The Vary (Region) mask that was sent.
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
    pub mask_base64: Option<String>,
    /// The speed mode the task ran in (trueai: `FAST`, `RELAX`, `TURBO`).
    #[serde(default, deserialize_with = "lenient::opt_text", skip_serializing_if = "Option::is_none")]
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
    /// Replaces every occurrence of `secret` in every field (prompt, failReason,
    /// description, properties, buttons, URLs, …) with `[redacted]`. Goes through the
    /// task's JSON form, so no field, present or future, is missed.
    pub(crate) fn scrub(&mut self, secret: &str) {
        let Ok(json) = serde_json::to_string(&*self) else { return };
        // The secret as it stands inside a JSON string (quotes and backslashes escaped).
        let escaped = serde_json::to_string(secret).unwrap_or_default();
        let escaped = escaped.get(1..escaped.len().saturating_sub(1)).unwrap_or(secret);
        if secret.is_empty() || !json.contains(escaped) {
            return;
        }
        let cleaned = json.replace(escaped, crate::secret::REDACTED);
        *self = serde_json::from_str(&cleaned).unwrap_or_else(|_| Task {
            id: self.id.replace(secret, crate::secret::REDACTED),
            status: self.status.clone(),
            ..Task::default()
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

    /// The result images: `imageUrls` when the server lists them, else `imageUrl` (a grid
    /// or a single image). Empty until the task succeeds, since a running task's
    /// `imageUrl` is only a preview.
    pub fn result_image_urls(&self) -> Vec<&str> {
        if self.status != TaskStatus::Success {
            return Vec::new();
        }
        if self.image_urls.is_empty() {
            self.image_url.as_deref().into_iter().collect()
        } else {
            self.image_urls.iter().map(|m| m.url.as_str()).collect()
        }
    }

    /// The result videos: `videoUrls`, else `videoUrl`.
    pub fn result_video_urls(&self) -> Vec<&str> {
        if self.video_urls.is_empty() {
            self.video_url.as_deref().into_iter().collect()
        } else {
            self.video_urls.iter().map(|m| m.url.as_str()).collect()
        }
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
