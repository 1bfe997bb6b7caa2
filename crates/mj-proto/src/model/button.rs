//! Result buttons (Discord components) and what each one does.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::quirk::{Quirk, read};
use super::scalar::{self, Scalar};
use crate::model::lenient::{self, CowStr};
use crate::model::tolerant::{Member, Nested, OptText, Read, Tolerant};

/// One button under a finished task; pressing it is `/mj/submit/action` with its `customId`.
///
/// Decoding is total: a member in a shape mj does not read leaves its field unset and is
/// reported by the task as a [`Quirk`](super::Quirk) (`buttons[2].emoji`), never costing
/// the button, its task or its list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Button {
    /// The Discord component id, e.g. `MJ::JOB::upsample::1::<hash>`.
    pub custom_id: String,
    /// An emoji (`🔄`), a token some servers put there (`upscale_1`, `U1`), or none.
    /// Discord's own component emoji, an object (`{"name": "🪄", "id": null}`, as the Node
    /// server and gateways passing buttons through send it), gives its `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    /// The caption (`U1`, `Vary (Subtle)`); none on emoji-only buttons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Discord component type (2 = button); an int on most servers, a string on some.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind_code: Option<ComponentValue>,
    /// Discord button style (2 primary, 3 green in the PLUS docs); int or string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<ComponentValue>,
}

impl<'de> Deserialize<'de> for Button {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ReadButton::deserialize(d).map(|ReadButton(button, _)| button)
    }
}

/// A button and the quirks of its members (paths relative to the button).
pub(crate) struct ReadButton(pub(crate) Button, pub(crate) Vec<Quirk>);

impl<'de> Deserialize<'de> for ReadButton {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ButtonVisitor)
    }
}

impl<'de> Member<'de> for ReadButton {
    const EXPECTED: &'static str = "a button object";
    const MAPS: Nested = Nested::Direct;
}

struct ButtonVisitor;

impl<'de> Visitor<'de> for ButtonVisitor {
    type Value = ReadButton;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a button object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ReadButton, A::Error> {
        let mut button = Button::default();
        let mut quirks = Vec::new();
        while let Some(CowStr(key)) = map.next_key()? {
            let q = &mut quirks;
            match &*key {
                "customId" => {
                    if let Some(OptText(v)) = read(&mut map, &key, q)? {
                        button.custom_id = v.unwrap_or_default();
                    }
                }
                "emoji" => {
                    if let Some(Emoji(v)) = read(&mut map, &key, q)? {
                        button.emoji = v;
                    }
                }
                "label" => {
                    if let Some(OptText(v)) = read(&mut map, &key, q)? {
                        button.label = v;
                    }
                }
                "type" => {
                    if let Some(Component(v)) = read(&mut map, &key, q)? {
                        button.kind_code = v;
                    }
                }
                "style" => {
                    if let Some(Component(v)) = read(&mut map, &key, q)? {
                        button.style = v;
                    }
                }
                _ => lenient::skip_value(&mut map)?,
            }
        }
        Ok(ReadButton(button, quirks))
    }
}

/// `emoji`: text, or Discord's emoji object, read as its `name`.
struct Emoji(Option<String>);

impl<'de> Deserialize<'de> for Emoji {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EmojiReader;
        impl<'de> Scalar<'de> for EmojiReader {
            type Value = String;
            fn expecting(&self) -> &'static str {
                "an emoji as text, or an object with its `name`"
            }
            fn object<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
                let mut name = None;
                while let Some(CowStr(key)) = map.next_key()? {
                    if let ("name", Read::Typed(OptText(text))) = (&*key, map.next_value::<Tolerant<OptText>>()?.0) {
                        name = text;
                    }
                }
                Ok(name)
            }
            fn text<E: de::Error>(self, v: &str) -> Result<Option<String>, E> {
                Ok((!v.is_empty()).then(|| v.to_owned()))
            }
            fn unsigned<E: de::Error>(self, v: u64) -> Result<Option<String>, E> {
                Ok(Some(v.to_string()))
            }
            fn signed<E: de::Error>(self, v: i64) -> Result<Option<String>, E> {
                Ok(Some(v.to_string()))
            }
        }
        scalar::read(d, EmojiReader).map(Emoji)
    }
}

impl<'de> Member<'de> for Emoji {
    const EXPECTED: &'static str = "an emoji as text, or an object with its `name`";
    const MAPS: Nested = Nested::Direct;
}

/// `type` or `style`.
struct Component(Option<ComponentValue>);

impl<'de> Deserialize<'de> for Component {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        opt_component(d).map(Component)
    }
}

/// A `type` or `style` value, or null.
pub(crate) fn opt_component<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ComponentValue>, D::Error> {
    scalar::read(d, ComponentReader)
}

impl Member<'_> for Component {
    const EXPECTED: &'static str = "an integer or a string";
}

impl Button {
    /// What pressing this button does, read from its `customId`.
    pub fn kind(&self) -> ButtonKind {
        ButtonKind::from_custom_id(&self.custom_id)
    }

    /// True when `text` is this button's label, emoji or customId (labels ignore ASCII case).
    pub fn matches(&self, text: &str) -> bool {
        let text = text.trim();
        !text.is_empty()
            && (self.label.as_deref().is_some_and(|l| l.trim().eq_ignore_ascii_case(text))
                || self.emoji.as_deref() == Some(text)
                || self.custom_id == text)
    }

    /// A short human name: the label, else the emoji, else the customId.
    pub fn display_name(&self) -> &str {
        self.label.as_deref().or(self.emoji.as_deref()).unwrap_or(&self.custom_id)
    }
}

/// A `type` or `style` value: an integer on most servers, any string on some.
///
/// Numeric strings (`"2"`) become [`ComponentValue::Int`]; other strings are kept verbatim
/// (one documented schema sends the placeholder `"string"`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ComponentValue {
    /// An integer, or a string holding one.
    Int(i64),
    /// A string that is not an integer, kept as sent.
    Text(String),
}

impl ComponentValue {
    /// The integer, when there is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(n) => Some(*n),
            Self::Text(_) => None,
        }
    }
}

impl Serialize for ComponentValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Int(n) => s.serialize_i64(*n),
            Self::Text(t) => s.serialize_str(t),
        }
    }
}

impl<'de> Deserialize<'de> for ComponentValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar::read(d, ComponentReader)?
            .ok_or_else(|| de::Error::invalid_type(de::Unexpected::Unit, &"an integer or a string"))
    }

    // `Option<ComponentValue>` lands here through serde's `deserialize_option`, which
    // serde_json answers with `visit_none` for null and `visit_some` otherwise.
}

struct ComponentReader;

impl Scalar<'_> for ComponentReader {
    type Value = ComponentValue;

    fn expecting(&self) -> &'static str {
        "an integer or a string"
    }
    fn unsigned<E: de::Error>(self, v: u64) -> Result<Option<ComponentValue>, E> {
        Ok(Some(i64::try_from(v).map_or_else(|_| ComponentValue::Text(v.to_string()), ComponentValue::Int)))
    }
    fn signed<E: de::Error>(self, v: i64) -> Result<Option<ComponentValue>, E> {
        Ok(Some(ComponentValue::Int(v)))
    }
    fn float<E: de::Error>(self, v: f64) -> Result<Option<ComponentValue>, E> {
        Ok(Some(if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
            ComponentValue::Int(v as i64)
        } else {
            ComponentValue::Text(v.to_string())
        }))
    }
    fn text<E: de::Error>(self, v: &str) -> Result<Option<ComponentValue>, E> {
        Ok(Some(match v.trim().parse::<i64>() {
            Ok(n) => ComponentValue::Int(n),
            Err(_) => ComponentValue::Text(v.to_owned()),
        }))
    }
}

/// Which way a pan button extends the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PanDirection {
    /// ⬅️
    Left,
    /// ➡️
    Right,
    /// ⬆️
    Up,
    /// ⬇️
    Down,
}

/// What a button does, read from its `customId` (spec §4.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ButtonKind {
    /// U1-U4: upscale one image of a grid (`MJ::JOB::upsample::N`).
    Upscale(u8),
    /// V1-V4: variations of one image of a grid (`MJ::JOB::variation::N`).
    Variation(u8),
    /// 🔄: run the prompt again (`MJ::JOB::reroll`).
    Reroll,
    /// Vary (Subtle) (`low_variation`).
    VarySubtle,
    /// Vary (Strong) (`high_variation`).
    VaryStrong,
    /// Vary (Region) (`MJ::Inpaint`); opens a modal that takes a mask.
    VaryRegion,
    /// Zoom Out 2x (`Outpaint::50`) or 1.5x (`Outpaint::75`): the kept percentage.
    ZoomOut(u8),
    /// Custom Zoom (`MJ::CustomZoom`); opens a modal that takes a prompt with `--zoom`.
    CustomZoom,
    /// Pan in a direction (`pan_left` ...).
    Pan(PanDirection),
    /// Upscale (2x) / (4x) / (Subtle) / (Creative): the variant, e.g. `v6_2x_subtle`.
    UpscaleHd(String),
    /// Animate (`animate_high` / `animate_low`): true for high motion.
    Animate {
        /// High motion rather than low.
        high_motion: bool,
    },
    /// Extend a video (`animate_*_extend`).
    AnimateExtend,
    /// Upscale a video (`video_virtual_upscale`).
    VideoUpscale,
    /// Imagine one of the prompts of a describe result (`MJ::Job::PicReader::N`); `None` = all.
    PicReader(Option<u8>),
    /// Describe again (`MJ::Picread::Retry`).
    PicReaderRetry,
    /// ❤️ bookmark (`MJ::BOOKMARK`).
    Bookmark,
    /// A customId mj does not recognise; it can still be pressed.
    Other,
}

impl ButtonKind {
    /// Reads a customId; anything unrecognised is [`ButtonKind::Other`].
    pub fn from_custom_id(id: &str) -> Self {
        let mut parts = id.split("::");
        if parts.next() != Some("MJ") {
            return Self::Other;
        }
        let (Some(group), second) = (parts.next(), parts.next()) else {
            return Self::Other;
        };
        let index = |s: Option<&str>| s.and_then(|s| s.parse::<u8>().ok()).filter(|n| (1..=4).contains(n));
        match group {
            "JOB" => {
                let Some(job) = second else { return Self::Other };
                let n = parts.next();
                match job {
                    "upsample" => index(n).map_or(Self::Other, Self::Upscale),
                    "variation" => index(n).map_or(Self::Other, Self::Variation),
                    "reroll" => Self::Reroll,
                    "low_variation" => Self::VarySubtle,
                    "high_variation" => Self::VaryStrong,
                    "pan_left" => Self::Pan(PanDirection::Left),
                    "pan_right" => Self::Pan(PanDirection::Right),
                    "pan_up" => Self::Pan(PanDirection::Up),
                    "pan_down" => Self::Pan(PanDirection::Down),
                    "video_virtual_upscale" => Self::VideoUpscale,
                    j if j.starts_with("animate_") && j.ends_with("_extend") => Self::AnimateExtend,
                    "animate_high" => Self::Animate { high_motion: true },
                    "animate_low" => Self::Animate { high_motion: false },
                    j => match j.strip_prefix("upsample_") {
                        Some(variant) if !variant.is_empty() => Self::UpscaleHd(variant.to_owned()),
                        _ => Self::Other,
                    },
                }
            }
            "Outpaint" => second.and_then(|p| p.parse().ok()).map_or(Self::Other, Self::ZoomOut),
            "CustomZoom" => Self::CustomZoom,
            "Inpaint" => Self::VaryRegion,
            "BOOKMARK" => Self::Bookmark,
            "Job" if second == Some("PicReader") => match parts.next() {
                Some("all") => Self::PicReader(None),
                n => index(n).map_or(Self::Other, |n| Self::PicReader(Some(n))),
            },
            "Picread" if second == Some("Retry") => Self::PicReaderRetry,
            _ => Self::Other,
        }
    }

    /// Buttons whose task waits in MODAL for `/mj/submit/modal` (PLUS docs).
    pub fn opens_modal(&self) -> bool {
        matches!(self, Self::CustomZoom | Self::VaryRegion | Self::PicReader(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_from_the_spec() {
        let cases = [
            ("MJ::JOB::upsample::3::abc", ButtonKind::Upscale(3)),
            ("MJ::JOB::variation::1::abc", ButtonKind::Variation(1)),
            ("MJ::JOB::reroll::0::abc::SOLO", ButtonKind::Reroll),
            ("MJ::JOB::low_variation::1::abc::SOLO", ButtonKind::VarySubtle),
            ("MJ::JOB::high_variation::1::abc::SOLO", ButtonKind::VaryStrong),
            ("MJ::JOB::pan_up::1::abc::SOLO", ButtonKind::Pan(PanDirection::Up)),
            ("MJ::Outpaint::50::1::abc::SOLO", ButtonKind::ZoomOut(50)),
            ("MJ::CustomZoom::abc", ButtonKind::CustomZoom),
            ("MJ::Inpaint::1::abc::SOLO", ButtonKind::VaryRegion),
            ("MJ::JOB::upsample_v6_2x_subtle::1::abc::SOLO", ButtonKind::UpscaleHd("v6_2x_subtle".into())),
            ("MJ::JOB::animate_high::1::abc::SOLO", ButtonKind::Animate { high_motion: true }),
            ("MJ::JOB::animate_low_extend::1::abc", ButtonKind::AnimateExtend),
            ("MJ::JOB::video_virtual_upscale::2", ButtonKind::VideoUpscale),
            ("MJ::Job::PicReader::2", ButtonKind::PicReader(Some(2))),
            ("MJ::Job::PicReader::all", ButtonKind::PicReader(None)),
            ("MJ::Picread::Retry", ButtonKind::PicReaderRetry),
            ("MJ::BOOKMARK::abc", ButtonKind::Bookmark),
            ("MJ::JOB::upsample::9::abc", ButtonKind::Other),
            ("MJ", ButtonKind::Other),
            ("", ButtonKind::Other),
            ("string", ButtonKind::Other),
        ];
        for (id, kind) in cases {
            assert_eq!(ButtonKind::from_custom_id(id), kind, "{id}");
        }
    }
}
