//! The task: what fetch, list, query and webhooks return.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::action::opt_action;
use super::button::{Button, ButtonKind, ReadButton};
use super::extra::Extra;
use super::media::{MediaUrl, media_list};
use super::quirk::Quirk;
use super::raw::RawJson;
use super::timestamp::{Timestamp, opt_timestamp};
use super::{Properties, TaskAction, TaskStatus};
use crate::endpoint::Action;
use crate::lenient::{self, CowStr};
use crate::tolerant::{Member, Nested, OptText, Read, Tolerant};

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
    /// Every other member the server sent, in its order, and every typed member whose
    /// value had a shape mj does not read (see [`Task::quirks`]).
    #[serde(flatten)]
    pub extra: Extra,
    /// The members that had a shape mj does not read.
    #[serde(skip)]
    pub(crate) quirks: Quirks,
}

/// A field decoder as a type, so that the task visitor can read it through
/// [`Tolerant`]: what it expects, and how it takes objects and arrays.
macro_rules! lenient_value {
    ($($name:ident: $ty:ty = $f:path, $expected:literal, $nested:expr;)*) => {$(
        struct $name($ty);
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $f(d).map($name)
            }
        }
        impl<'de> Member<'de> for $name {
            const EXPECTED: &'static str = $expected;
            const MAPS: Nested = $nested;
            const SEQS: Nested = $nested;
        }
    )*};
}

lenient_value! {
    Id: String = lenient::id, "a string or a number", Nested::Never;
    OptAction: Option<TaskAction> = opt_action, "a task action name, its number, or null", Nested::Never;
    OptTime: Option<Timestamp> = opt_timestamp, "milliseconds since the epoch, or null", Nested::Never;
    Media: Vec<MediaUrl> = media_list, "an array of URLs or of objects with `url`, or null", Nested::Buffered;
    OptU32: Option<u32> = lenient::opt_u32, "a non-negative 32-bit integer, or null", Nested::Never;
    Progress: Option<String> = progress, "a progress text or number, or null", Nested::Never;
    OptBot: Option<String> = lenient::opt_bot_type, "a bot type name or number, or null", Nested::Never;
    OptMode: Option<String> = lenient::opt_speed_mode, "a speed mode name or number, or null", Nested::Never;
    Status: TaskStatus = TaskStatus::deserialize, "a status name or number, or null", Nested::Never;
    OptDisplays: Option<Box<Displays>> = Option::<Box<Displays>>::deserialize, "an object of display texts, or null", Nested::Buffered;
}

impl<'de> Deserialize<'de> for Task {
    /// A task must be an object with an id; nothing else about it can fail (see
    /// [`Task::quirks`]).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let task = d.deserialize_map(TaskVisitor)?;
        // Every server sends one; without it nothing can be fetched, pressed or matched.
        if task.id.is_empty() {
            return Err(de::Error::missing_field("id"));
        }
        Ok(task)
    }
}

/// Reads a task's members; a member in a shape mj does not read is kept (see
/// [`Task::quirks`]). The id is checked by the caller: in a list, a member without one
/// costs only itself.
pub(crate) struct TaskVisitor;

impl<'de> Visitor<'de> for TaskVisitor {
    type Value = Task;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a task object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Task, A::Error> {
        let mut t = Task::default();
        // Which typed members were seen: a second one replaces the first, and says so.
        let mut seen = 0u32;
        while let Some(CowStr(key)) = map.next_key()? {
            let Some(bit) = typed_bit(&key) else {
                let value = map.next_value()?;
                t.extra.put(key.into_owned(), value);
                continue;
            };
            if seen & (1 << bit) != 0 {
                t.quirks.0.push(Quirk::new(&*key, "each member once (the last one is used)", Value::Null));
            }
            seen |= 1 << bit;
            match bit {
                0 => _ = set(&mut map, &key, &mut t, |t, Id(v)| t.id = v)?,
                1 => _ = set(&mut map, &key, &mut t, |t, OptAction(v)| t.action = v)?,
                2 => {
                    if !set(&mut map, &key, &mut t, |t, Status(v)| t.status = v)? {
                        // Unknown, not lost: a status mj cannot read is no status it knows.
                        t.status = TaskStatus::Other(String::new());
                    }
                }
                3 => _ = set(&mut map, &key, &mut t, |t, OptText(v)| t.prompt = v)?,
                4 => _ = set(&mut map, &key, &mut t, |t, OptText(v)| t.prompt_en = v)?,
                5 => _ = set(&mut map, &key, &mut t, |t, OptText(v)| t.description = v)?,
                6 => _ = set(&mut map, &key, &mut t, |t, OptText(v)| t.state = v)?,
                7 => _ = set(&mut map, &key, &mut t, |t, OptTime(v)| t.submit_time = v)?,
                8 => _ = set(&mut map, &key, &mut t, |t, OptTime(v)| t.start_time = v)?,
                9 => _ = set(&mut map, &key, &mut t, |t, OptTime(v)| t.finish_time = v)?,
                10 => _ = set(&mut map, &key, &mut t, |t, OptText(v)| t.image_url = v)?,
                11 => _ = set(&mut map, &key, &mut t, |t, Media(v)| t.image_urls = v)?,
                12 => _ = set(&mut map, &key, &mut t, |t, OptText(v)| t.video_url = v)?,
                13 => _ = set(&mut map, &key, &mut t, |t, Media(v)| t.video_urls = v)?,
                14 => _ = set(&mut map, &key, &mut t, |t, OptU32(v)| t.image_height = v)?,
                15 => _ = set(&mut map, &key, &mut t, |t, OptU32(v)| t.image_width = v)?,
                16 => _ = set(&mut map, &key, &mut t, |t, Progress(v)| t.progress = v)?,
                17 => _ = set(&mut map, &key, &mut t, |t, OptText(v)| t.fail_reason = v)?,
                18 => {
                    let raw: Option<RawJson<'de>> = map.next_value()?;
                    match Properties::from_raw(raw) {
                        Ok(properties) => t.properties = properties,
                        Err(value) => t.keep(&key, "an object or null", value),
                    }
                }
                19 => {
                    set(&mut map, &key, &mut t, |t, ButtonList(buttons, quirks)| {
                        t.buttons = buttons;
                        t.quirks.0.extend(quirks);
                    })?;
                }
                20 => _ = set(&mut map, &key, &mut t, |t, OptText(v)| t.custom_id = v)?,
                21 => _ = set(&mut map, &key, &mut t, |t, OptBot(v)| t.bot_type = v)?,
                22 => _ = set(&mut map, &key, &mut t, |t, OptText(v)| t.mask_base64 = v)?,
                23 => _ = set(&mut map, &key, &mut t, |t, OptMode(v)| t.mode = v)?,
                24 => _ = set(&mut map, &key, &mut t, |t, OptText(v)| t.parent_id = v)?,
                25 => _ = set(&mut map, &key, &mut t, |t, OptText(v)| t.seed = v)?,
                _ => _ = set(&mut map, &key, &mut t, |t, OptDisplays(v)| t.displays = v)?,
            }
        }
        Ok(t)
    }
}

/// How a task was read: a report beside the task, not part of its data, so two tasks
/// with the same members are equal however they were read.
#[derive(Clone, Debug, Default)]
pub(crate) struct Quirks(pub(crate) Vec<Quirk>);

impl PartialEq for Quirks {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The bit that marks typed member `key` as seen, or `None` for a member kept in
/// [`Task::extra`]. One `match`, which the compiler turns into a dispatch on the length and
/// bytes of `key`: this runs for every member of every task.
fn typed_bit(key: &str) -> Option<u32> {
    Some(match key {
        "id" => 0,
        "action" => 1,
        "status" => 2,
        "prompt" => 3,
        "promptEn" => 4,
        "description" => 5,
        "state" => 6,
        "submitTime" => 7,
        "startTime" => 8,
        "finishTime" => 9,
        "imageUrl" => 10,
        "imageUrls" => 11,
        "videoUrl" => 12,
        "videoUrls" => 13,
        "imageHeight" => 14,
        "imageWidth" => 15,
        "progress" => 16,
        "failReason" => 17,
        "properties" => 18,
        "buttons" => 19,
        "customId" => 20,
        "botType" => 21,
        "maskBase64" => 22,
        "mode" => 23,
        "parentId" => 24,
        "seed" => 25,
        "displays" => 26,
        _ => return None,
    })
}

/// Reads the value of member `key` as `T` and stores it with `store`; a value of another
/// shape is kept as sent (see [`Task::keep`]). True when it was read.
fn set<'de, A: MapAccess<'de>, T: Member<'de>>(
    map: &mut A,
    key: &str,
    t: &mut Task,
    store: impl FnOnce(&mut Task, T),
) -> Result<bool, A::Error> {
    Ok(match map.next_value::<Tolerant<T>>()?.0 {
        Read::Typed(v) => {
            store(t, v);
            true
        }
        Read::Odd(value, expected) => {
            t.keep(key, expected, value);
            false
        }
    })
}

/// `buttons`: an array (or null) whose odd entries, and odd members of entries, cost only
/// themselves, each reported as a [`Quirk`] under its path.
struct ButtonList(Vec<Button>, Vec<Quirk>);

impl<'de> Deserialize<'de> for ButtonList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = ButtonList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of buttons, or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<ButtonList, E> {
                Ok(ButtonList(Vec::new(), Vec::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<ButtonList, E> {
                self.visit_unit()
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<ButtonList, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<ButtonList, S::Error> {
                // Tasks are kept by the thousand: the first buttons wait on the stack, so the
                // vector is allocated once at its length (a grid has 0 to 13 buttons).
                const BUFFERED: usize = 16;
                let mut buffer: [Option<Button>; BUFFERED] = [const { None }; BUFFERED];
                let mut kept = 0;
                let mut spill = Vec::new();
                let mut quirks = Vec::new();
                let mut at = 0;
                while let Some(Tolerant(read)) = seq.next_element::<Tolerant<ReadButton>>()? {
                    let path = || format!("buttons[{at}]");
                    match read {
                        Read::Typed(ReadButton(button, inner)) => {
                            quirks.extend(inner.into_iter().map(|q| q.within(&path())));
                            if kept < BUFFERED {
                                buffer[kept] = Some(button);
                                kept += 1;
                            } else {
                                spill.push(button);
                            }
                        }
                        Read::Odd(value, expected) => quirks.push(Quirk::new(path(), expected, value)),
                    }
                    at += 1;
                }
                let mut buttons = Vec::with_capacity(kept + spill.len());
                buttons.extend(buffer.into_iter().flatten());
                buttons.extend(spill);
                Ok(ButtonList(buttons, quirks))
            }
        }
        d.deserialize_any(ListVisitor)
    }
}

impl<'de> Member<'de> for ButtonList {
    const EXPECTED: &'static str = "an array of buttons, or null";
    const SEQS: Nested = Nested::Direct;
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

/// `Vec<Task>` where `null` is empty.
pub(crate) struct TaskList(pub(crate) Vec<Task>);

impl<'de> Deserialize<'de> for TaskList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let listed: Vec<Listed> = lenient::vec_or_null(d)?;
        let mut tasks: Vec<Task> = listed.into_iter().filter_map(|Listed(task)| task).collect();
        tasks.shrink_to_fit();
        Ok(TaskList(tasks))
    }
}

/// One entry of a task list: a task, or `None` for an entry that is not one (not an
/// object, or without an id), which costs only itself and is reported.
pub(crate) struct Listed(pub(crate) Option<Task>);

impl<'de> Deserialize<'de> for Listed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ListedVisitor;
        impl<'de> Visitor<'de> for ListedVisitor {
            type Value = Listed;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a task object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Listed, A::Error> {
                let task = TaskVisitor.visit_map(map)?;
                Ok(Listed(if task.id.is_empty() { skipped("an object without an id") } else { Some(task) }))
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Listed, S::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Listed(skipped("an array")))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Listed, E> {
                Ok(Listed(skipped("a boolean")))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Listed, E> {
                Ok(Listed(skipped("a number")))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Listed, E> {
                Ok(Listed(skipped("a number")))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Listed, E> {
                Ok(Listed(skipped("a number")))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Listed, E> {
                Ok(Listed(skipped("a string")))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Listed, E> {
                Ok(Listed(skipped("null")))
            }
        }
        d.deserialize_any(ListedVisitor)
    }
}

/// Reports a list entry that is not a task.
fn skipped(what: &str) -> Option<Task> {
    #[cfg(feature = "tracing")]
    tracing::warn!(target: "mj", entry = what, "a task list entry that is not a task was left out");
    let _ = what;
    None
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

    /// The members the server sent in a shape mj does not read (an object where text was
    /// expected, a word where a number was), nested ones included (`buttons[2].emoji`).
    /// Each is kept: a task's own members in [`Task::extra`] under their name (serializing
    /// writes them back as sent), and every one here with its value, so that an odd
    /// member never costs the task and is never dropped in silence.
    pub fn quirks(&self) -> &[Quirk] {
        &self.quirks.0
    }

    /// Keeps member `key`'s `value`, which had a shape mj does not read.
    fn keep(&mut self, key: &str, expected: impl Into<String>, value: Value) {
        self.quirks.0.push(Quirk::new(key, expected, value.clone()));
        self.extra.put(key.to_owned(), value);
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
