//! Reading a task from any server's JSON: every typed member through [`Tolerant`], so a
//! member in an unexpected shape is kept and reported, never the cause of a lost task.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::DisplayTexts;
use super::Task;
use crate::model::action::opt_action;
use crate::model::button::{Button, ReadButton};
use crate::model::lenient::{self, CowStr};
use crate::model::media::{MediaUrl, media_list};
use crate::model::quirk::Quirk;
use crate::model::raw::RawJson;
use crate::model::timestamp::{Timestamp, opt_timestamp};
use crate::model::tolerant::{Member, Nested, OptText, Read, Tolerant};
use crate::model::{Properties, TaskAction, TaskStatus};

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
    OptDisplayTexts: Option<Box<DisplayTexts>> = Option::<Box<DisplayTexts>>::deserialize, "an object of display texts, or null", Nested::Buffered;
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
                _ => _ = set(&mut map, &key, &mut t, |t, OptDisplayTexts(v)| t.displays = v)?,
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
                // Taken one by one: moving the whole buffer cost a copy of all 16 slots.
                buttons.extend(buffer[..kept].iter_mut().filter_map(Option::take));
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

/// Progress text: a string on every server seen; a bare number becomes `"N%"`.
fn progress<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = lenient::opt_text(d)?;
    Ok(text.map(|t| if t.bytes().all(|b| b.is_ascii_digit()) { t + "%" } else { t }))
}

/// `Vec<Task>` where `null` is empty.
pub(crate) struct TaskList(pub(crate) Vec<Task>);

impl<'de> Deserialize<'de> for TaskList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Each task goes straight into the list: a task is large, and every move of it
        /// (into a list of entries, then out into the tasks) cost bulk decoding 1%.
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = TaskList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of tasks, or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<TaskList, E> {
                Ok(TaskList(Vec::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<TaskList, E> {
                self.visit_unit()
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<TaskList, D::Error> {
                d.deserialize_seq(self)
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<TaskList, S::Error> {
                let mut tasks = Vec::new();
                while let Some(Listed(task)) = seq.next_element()? {
                    tasks.extend(task);
                }
                tasks.shrink_to_fit();
                Ok(TaskList(tasks))
            }
        }
        d.deserialize_option(ListVisitor)
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
