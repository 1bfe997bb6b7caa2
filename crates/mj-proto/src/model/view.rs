//! A borrowed, zero-copy view of tasks for bulk work (a large `list-by-condition` answer,
//! a page, a webhook storm): strings point into the response bytes unless the JSON had to
//! be unescaped.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use super::RawJson;
use super::action::opt_action;
use super::button::{ComponentValue, opt_component};
use super::scalar::{self, Scalar};
use super::timestamp::{Timestamp, opt_timestamp};
use super::{TaskAction, TaskStatus};
use crate::model::lenient;
use crate::model::tolerant::{Member, Nested, Read, Tolerant};

/// Text borrowed from the body when it holds no escapes, owned otherwise.
///
/// (`#[serde(borrow)] Cow<str>` never borrows through `Option`; this newtype's visitor
/// takes `visit_borrowed_str` directly.)
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Text<'a>(Cow<'a, str>);

impl Text<'_> {
    /// The text, borrowed from the body or owned when it had escapes.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when it points into the body rather than owning a copy.
    pub fn is_borrowed(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `Option<Text>` with the lenient rules of [`Task`](super::Task): null and `""` are
/// `None`, numbers become their text.
fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text<'de>>, D::Error> {
    scalar::read(d, TextReader)
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Text<'de>, D::Error> {
    Ok(opt_text(d)?.unwrap_or(Text(Cow::Borrowed(""))))
}

struct TextReader;

impl<'de> Scalar<'de> for TextReader {
    type Value = Text<'de>;

    fn expecting(&self) -> &'static str {
        "a string, a number or null"
    }
    fn borrowed_text<E: de::Error>(self, v: &'de str) -> Result<Option<Text<'de>>, E> {
        Ok((!v.is_empty()).then_some(Text(Cow::Borrowed(v))))
    }
    fn text<E: de::Error>(self, v: &str) -> Result<Option<Text<'de>>, E> {
        Ok((!v.is_empty()).then(|| Text(Cow::Owned(v.to_owned()))))
    }
    fn owned_text<E: de::Error>(self, v: String) -> Result<Option<Text<'de>>, E> {
        Ok((!v.is_empty()).then_some(Text(Cow::Owned(v))))
    }
    fn unsigned<E: de::Error>(self, v: u64) -> Result<Option<Text<'de>>, E> {
        Ok(Some(Text(Cow::Owned(v.to_string()))))
    }
    fn signed<E: de::Error>(self, v: i64) -> Result<Option<Text<'de>>, E> {
        Ok(Some(Text(Cow::Owned(v.to_string()))))
    }
    fn float<E: de::Error>(self, v: f64) -> Result<Option<Text<'de>>, E> {
        Ok(Some(Text(Cow::Owned(crate::model::lenient::zero_signless(v).to_string()))))
    }
    fn boolean<E: de::Error>(self, v: bool) -> Result<Option<Text<'de>>, E> {
        Ok(Some(Text(Cow::Borrowed(if v { "true" } else { "false" }))))
    }
}

/// Tolerant forms of the view's field readers: a value of a shape the field does not read
/// leaves the field unset (a view is a summary; the owned [`Task`](super::Task) keeps such
/// values and names them in [`Task::quirks`](super::Task::quirks)).
macro_rules! lax {
    ($($fun:ident -> $ty:ty = $reader:path, $expected:literal;)*) => {$(
        fn $fun<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
            struct Field<'de>($ty, std::marker::PhantomData<&'de ()>);
            impl<'de> Deserialize<'de> for Field<'de> {
                fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    $reader(d).map(|v| Field(v, std::marker::PhantomData))
                }
            }
            impl<'de> Member<'de> for Field<'de> {
                const EXPECTED: &'static str = $expected;
            }
            Ok(match Tolerant::<Field<'de>>::deserialize(d)?.0 {
                Read::Typed(Field(v, _)) => v,
                Read::Odd(..) => Default::default(),
            })
        }
    )*};
}

lax! {
    lax_text -> Option<Text<'de>> = opt_text, "a string, a number or null";
    lax_id -> Text<'de> = text, "a string or a number";
    lax_action -> Option<TaskAction> = opt_action, "a task action name, its number, or null";
    lax_time -> Option<Timestamp> = opt_timestamp, "milliseconds since the epoch, or null";
    lax_u32 -> Option<u32> = lenient::opt_u32, "a non-negative 32-bit integer, or null";
    lax_bot -> Option<String> = lenient::opt_bot_type, "a bot type name or number, or null";
    lax_mode -> Option<String> = lenient::opt_speed_mode, "a speed mode name or number, or null";
    lax_component -> Option<ComponentValue> = opt_component, "an integer or a string";
}

/// A button's `emoji`: text, or Discord's emoji object read as its `name` (as
/// [`Button`](super::Button) reads it).
fn lax_emoji<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text<'de>>, D::Error> {
    struct Emoji<'de>(Option<Text<'de>>);
    impl<'de> Deserialize<'de> for Emoji<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct EmojiReader;
            impl<'de> Scalar<'de> for EmojiReader {
                type Value = Text<'de>;
                fn expecting(&self) -> &'static str {
                    "an emoji as text, or an object with its `name`"
                }
                fn object<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Option<Text<'de>>, A::Error> {
                    struct Name<'de>(Option<Text<'de>>);
                    impl<'de> Deserialize<'de> for Name<'de> {
                        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                            lax_text(d).map(Name)
                        }
                    }
                    let mut name = None;
                    while let Some(lenient::CowStr(key)) = map.next_key()? {
                        if &*key == "name" {
                            name = map.next_value::<Name<'de>>()?.0;
                        } else {
                            lenient::skip_value(&mut map)?;
                        }
                    }
                    Ok(name)
                }
                fn borrowed_text<E: de::Error>(self, v: &'de str) -> Result<Option<Text<'de>>, E> {
                    TextReader.borrowed_text(v)
                }
                fn text<E: de::Error>(self, v: &str) -> Result<Option<Text<'de>>, E> {
                    TextReader.text(v)
                }
                fn unsigned<E: de::Error>(self, v: u64) -> Result<Option<Text<'de>>, E> {
                    TextReader.unsigned(v)
                }
                fn signed<E: de::Error>(self, v: i64) -> Result<Option<Text<'de>>, E> {
                    TextReader.signed(v)
                }
            }
            scalar::read(d, EmojiReader).map(Emoji)
        }
    }
    impl<'de> Member<'de> for Emoji<'de> {
        const EXPECTED: &'static str = "an emoji as text, or an object with its `name`";
        const MAPS: Nested = Nested::Direct;
    }
    Ok(match Tolerant::<Emoji<'de>>::deserialize(d)?.0 {
        Read::Typed(Emoji(v)) => v,
        Read::Odd(..) => None,
    })
}

/// `status`; one mj cannot read is an unknown status (`Other("")`), as for
/// [`Task`](super::Task).
fn lax_status<'de, D: Deserializer<'de>>(d: D) -> Result<TaskStatus, D::Error> {
    struct Status(TaskStatus);
    impl<'de> Deserialize<'de> for Status {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            TaskStatus::deserialize(d).map(Status)
        }
    }
    impl Member<'_> for Status {
        const EXPECTED: &'static str = "a status name or number, or null";
    }
    Ok(match Tolerant::<Status>::deserialize(d)?.0 {
        Read::Typed(Status(status)) => status,
        Read::Odd(..) => TaskStatus::Other(String::new()),
    })
}

/// `buttons`: an array (or null) whose entries that are not buttons are left out.
fn lax_buttons<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ButtonView<'de>>, D::Error> {
    struct Entry<'a>(Option<ButtonView<'a>>);
    impl<'de> Deserialize<'de> for Entry<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Entry(match Tolerant::<ButtonView<'de>>::deserialize(d)?.0 {
                Read::Typed(b) => Some(b),
                Read::Odd(..) => None,
            }))
        }
    }
    struct List<'a>(Vec<ButtonView<'a>>);
    impl<'de> Deserialize<'de> for List<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let entries: Vec<Entry<'de>> = lenient::vec_or_null(d)?;
            Ok(List(entries.into_iter().filter_map(|e| e.0).collect()))
        }
    }
    impl<'de> Member<'de> for List<'de> {
        const EXPECTED: &'static str = "an array of buttons, or null";
        const SEQS: Nested = Nested::Direct;
    }
    Ok(match Tolerant::<List<'de>>::deserialize(d)?.0 {
        Read::Typed(List(buttons)) => buttons,
        Read::Odd(..) => Vec::new(),
    })
}

impl<'de> Member<'de> for ButtonView<'de> {
    const EXPECTED: &'static str = "a button object";
    const MAPS: Nested = Nested::Direct;
}

impl<'de> Member<'de> for TaskView<'de> {
    const EXPECTED: &'static str = "a task object";
    const MAPS: Nested = Nested::Direct;
}

/// A button, borrowed.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ButtonView<'a> {
    /// The Discord customId a press sends back.
    #[serde(borrow, default, deserialize_with = "lax_id")]
    pub custom_id: Text<'a>,
    /// The emoji (Discord's emoji object gives its `name`).
    #[serde(borrow, default, deserialize_with = "lax_emoji")]
    pub emoji: Option<Text<'a>>,
    /// The label shown on the button (`U1`, `Vary (Strong)`).
    #[serde(borrow, default, deserialize_with = "lax_text")]
    pub label: Option<Text<'a>>,
    /// The component type (int or string).
    #[serde(default, rename = "type", deserialize_with = "lax_component")]
    pub kind_code: Option<ComponentValue>,
    /// The button style (int or string).
    #[serde(default, deserialize_with = "lax_component")]
    pub style: Option<ComponentValue>,
}

/// A task, borrowed from the response body: the same typed fields and leniency as
/// [`Task`](super::Task) at a fraction of the allocations. `properties`, `displays` and
/// the media lists stay raw JSON; members `Task` keeps in [`Task::extra`](super::Task::extra)
/// are skipped, unchecked (so a body `Task` refuses for invalid UTF-8 inside such a member
/// still decodes here). A typed member in a shape mj does not read leaves its field unset
/// (a view is a summary: the owned task keeps such values and names them in
/// [`Task::quirks`](super::Task::quirks)). [`TaskView::to_task`] gives the owned task when
/// one is needed.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskView<'a> {
    /// The task id (required, as for [`Task`](super::Task): in [`task_views`](crate::task_views), an entry
    /// without one is left out).
    #[serde(borrow, default, deserialize_with = "lax_id")]
    pub id: Text<'a>,
    /// What kind of job this is.
    #[serde(default, deserialize_with = "lax_action")]
    pub action: Option<TaskAction>,
    /// Where the task is in its lifecycle.
    #[serde(default, deserialize_with = "lax_status")]
    pub status: TaskStatus,
    /// The prompt as submitted (`prompt`).
    #[serde(borrow, default, deserialize_with = "lax_text")]
    pub prompt: Option<Text<'a>>,
    /// The prompt as translated for Midjourney (`promptEn`).
    #[serde(borrow, default, deserialize_with = "lax_text")]
    pub prompt_en: Option<Text<'a>>,
    /// The Discord command or submit message.
    #[serde(borrow, default, deserialize_with = "lax_text")]
    pub description: Option<Text<'a>>,
    /// The caller's `state`.
    #[serde(borrow, default, deserialize_with = "lax_text")]
    pub state: Option<Text<'a>>,
    /// When the task was submitted.
    #[serde(default, deserialize_with = "lax_time")]
    pub submit_time: Option<Timestamp>,
    /// When it started.
    #[serde(default, deserialize_with = "lax_time")]
    pub start_time: Option<Timestamp>,
    /// When it finished.
    #[serde(default, deserialize_with = "lax_time")]
    pub finish_time: Option<Timestamp>,
    /// The result (or preview) image.
    #[serde(borrow, default, deserialize_with = "lax_text")]
    pub image_url: Option<Text<'a>>,
    /// The result video (`videoUrl`, video tasks only).
    #[serde(borrow, default, deserialize_with = "lax_text")]
    pub video_url: Option<Text<'a>>,
    /// Progress as written (`"65%"`).
    #[serde(borrow, default, deserialize_with = "lax_text")]
    pub progress: Option<Text<'a>>,
    /// Why it failed.
    #[serde(borrow, default, deserialize_with = "lax_text")]
    pub fail_reason: Option<Text<'a>>,
    /// Result image height.
    #[serde(default, deserialize_with = "lax_u32")]
    pub image_height: Option<u32>,
    /// Result image width.
    #[serde(default, deserialize_with = "lax_u32")]
    pub image_width: Option<u32>,
    /// The buttons that can be pressed next, borrowed like the rest.
    #[serde(borrow, default, deserialize_with = "lax_buttons")]
    pub buttons: Vec<ButtonView<'a>>,
    /// `properties`, unparsed.
    #[serde(borrow, default)]
    pub properties: Option<RawJson<'a>>,
    /// `imageUrls`, unparsed.
    #[serde(borrow, default)]
    pub image_urls: Option<RawJson<'a>>,
    /// `videoUrls`, unparsed.
    #[serde(borrow, default)]
    pub video_urls: Option<RawJson<'a>>,
    /// new-api's `customId`.
    #[serde(borrow, default, deserialize_with = "lax_text")]
    pub custom_id: Option<Text<'a>>,
    /// `MID_JOURNEY`, `NIJI_JOURNEY` or `INSIGHT_FACE` (old trueai integers mapped).
    #[serde(default, deserialize_with = "lax_bot")]
    pub bot_type: Option<String>,
    /// The Vary (Region) mask.
    #[serde(borrow, default, deserialize_with = "lax_text")]
    pub mask_base64: Option<Text<'a>>,
    /// The speed mode it ran in (old trueai integers mapped).
    #[serde(default, deserialize_with = "lax_mode")]
    pub mode: Option<String>,
    /// The task this one was made from.
    #[serde(borrow, default, deserialize_with = "lax_text")]
    pub parent_id: Option<Text<'a>>,
    /// The Midjourney seed, where the server reports it in the task.
    #[serde(borrow, default, deserialize_with = "lax_text")]
    pub seed: Option<Text<'a>>,
    /// The admin-list display summary, unparsed.
    #[serde(borrow, default)]
    pub displays: Option<RawJson<'a>>,
}

impl TaskView<'_> {
    /// Progress as a percentage.
    pub fn progress_percent(&self) -> Option<u8> {
        super::task::percent(self.progress.as_deref())
    }

    /// SUCCESS, FAILURE or CANCEL.
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }

    /// The owned [`Task`](super::Task) with the same content.
    pub fn to_task(&self) -> Result<super::Task, serde_json::Error> {
        serde_json::to_vec(self).and_then(|json| serde_json::from_slice(&json))
    }
}

/// One entry of a list of views: a view, or `None` for an entry that is not a task (not an
/// object, or without an id), which costs only itself.
pub(crate) struct ListedView<'a>(pub(crate) Option<TaskView<'a>>);

impl<'de> Deserialize<'de> for ListedView<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ListedView(match Tolerant::<TaskView<'de>>::deserialize(d)?.0 {
            Read::Typed(view) if !view.id.is_empty() => Some(view),
            _ => None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_borrow_plain_strings_and_own_escaped_ones() {
        let body =
            br#"[{"id":"1","prompt":"a fox","promptEn":"a \"quoted\" fox","progress":"45%","status":"IN_PROGRESS",
            "buttons":[{"customId":"MJ::JOB::upsample::1::a","label":"U1","type":"2","style":2}],
            "properties":{"finalPrompt":"x"},"submitTime":"1700000000000","finishTime":0}]"#;
        let views: Vec<TaskView<'_>> = serde_json::from_slice(body).expect("views");
        let v = &views[0];
        assert!(v.id.is_borrowed() && v.prompt.as_ref().is_some_and(Text::is_borrowed));
        assert!(v.prompt_en.as_ref().is_some_and(|t| !t.is_borrowed() && t.as_str() == "a \"quoted\" fox"));
        assert_eq!((v.progress_percent(), v.finish_time), (Some(45), None));
        assert_eq!(v.buttons[0].kind_code, Some(ComponentValue::Int(2)));
        let task = v.to_task().expect("owned");
        assert_eq!((task.id.as_str(), task.properties.final_prompt()), ("1", Some("x")));
        assert_eq!(task.submit_time.map(Timestamp::as_millis), Some(1_700_000_000_000));
    }
}
