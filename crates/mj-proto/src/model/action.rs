//! The task action (what kind of job a task is), with unknown values kept.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::scalar::{self, Scalar};

macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// What a task does (spec §7.2): the union of every server's names.
        ///
        /// Gateways classify tasks their own way (new-api's `LOW_VARIATION`, trueai's
        /// `UPSCALE_HD`); names mj does not know are kept in [`TaskAction::Other`].
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum TaskAction {
            $($(#[$doc])* $variant,)*
            /// An action name this version of mj does not know, kept verbatim.
            Other(String),
        }

        impl TaskAction {
            /// The name the servers write (`IMAGINE`, `UPSCALE`, …).
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $name,)*
                    Self::Other(s) => s,
                }
            }

            /// Parses a wire name; unknown names become [`TaskAction::Other`].
            pub fn from_name(name: &str) -> Self {
                match name {
                    $($name => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }
    };
}

actions! {
    /// `/imagine`: a new 2x2 grid.
    Imagine = "IMAGINE",
    /// U1-U4: one image of a grid.
    Upscale = "UPSCALE",
    /// V1-V4: a new grid from one image.
    Variation = "VARIATION",
    /// The 🔄 button: the same prompt again.
    Reroll = "REROLL",
    /// `/describe`: four prompts for an image.
    Describe = "DESCRIBE",
    /// `/blend`: 2-5 images mixed.
    Blend = "BLEND",
    /// Zoom out / custom zoom.
    Zoom = "ZOOM",
    /// Pan left, right, up or down.
    Pan = "PAN",
    /// `/shorten`: prompt analysis.
    Shorten = "SHORTEN",
    /// InsightFace face swap.
    SwapFace = "SWAP_FACE",
    /// InsightFace video face swap (trueai).
    SwapVideoFace = "SWAP_VIDEO_FACE",
    /// Vary (Region) (trueai, new-api).
    Inpaint = "INPAINT",
    /// Custom zoom (new-api's name).
    CustomZoom = "CUSTOM_ZOOM",
    /// Vary (Strong) (new-api's name).
    HighVariation = "HIGH_VARIATION",
    /// Vary (Subtle) (new-api's name).
    LowVariation = "LOW_VARIATION",
    /// A task waiting for modal input (new-api's name).
    Modal = "MODAL",
    /// An image upload pseudo-task (new-api).
    Upload = "UPLOAD",
    /// Image editing (new-api's name).
    Edits = "EDITS",
    /// Image editing (trueai's name).
    Edit = "EDIT",
    /// Retexture (trueai).
    Retexture = "RETEXTURE",
    /// A generic button press (trueai).
    Action = "ACTION",
    /// Outpaint (trueai).
    Outpaint = "OUTPAINT",
    /// Show a job by id (trueai).
    Show = "SHOW",
    /// Video generation.
    Video = "VIDEO",
    /// Video extension (trueai).
    VideoExtend = "VIDEO_EXTEND",
    /// Describe via the PicReader buttons (trueai).
    PicReader = "PIC_READER",
    /// Upscale 2x / 4x (trueai).
    UpscaleHd = "UPSCALE_HD",
}

impl fmt::Display for TaskAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TaskAction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// trueai's `TaskAction` in C# declaration order: the integers its webhooks sent before
/// v5.8.16 (2024-10-15), when the enum converter was missing (spec/servers.md 2.3).
const TRUEAI_ACTIONS: [&str; 15] = [
    "IMAGINE",
    "UPSCALE",
    "VARIATION",
    "REROLL",
    "DESCRIBE",
    "BLEND",
    "ACTION",
    "PAN",
    "OUTPAINT",
    "INPAINT",
    "ZOOM",
    "SHOW",
    "SHORTEN",
    "SWAP_FACE",
    "SWAP_VIDEO_FACE",
];

impl TaskAction {
    /// The action trueai numbered `n` (0 IMAGINE … 14 SWAP_VIDEO_FACE); any other number
    /// is kept as [`TaskAction::Other`] with its digits.
    pub fn from_number(n: i64) -> Self {
        usize::try_from(n)
            .ok()
            .and_then(|i| TRUEAI_ACTIONS.get(i))
            .map_or_else(|| Self::Other(n.to_string()), |name| Self::from_name(name))
    }
}

/// Decodes `Option<TaskAction>`: a name or trueai's integer; null and `""` are `None`.
pub(crate) fn opt_action<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TaskAction>, D::Error> {
    scalar::read(d, ActionReader)
}

struct ActionReader;

impl Scalar<'_> for ActionReader {
    type Value = TaskAction;

    fn expecting(&self) -> &'static str {
        "a task action name, its number, or null"
    }
    fn text<E: de::Error>(self, v: &str) -> Result<Option<TaskAction>, E> {
        Ok((!v.is_empty()).then(|| TaskAction::from_name(v)))
    }
    fn unsigned<E: de::Error>(self, v: u64) -> Result<Option<TaskAction>, E> {
        Ok(Some(i64::try_from(v).map_or_else(|_| TaskAction::Other(v.to_string()), TaskAction::from_number)))
    }
    fn signed<E: de::Error>(self, v: i64) -> Result<Option<TaskAction>, E> {
        Ok(Some(TaskAction::from_number(v)))
    }
}

impl<'de> Deserialize<'de> for TaskAction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        opt_action(d)?.ok_or_else(|| de::Error::invalid_value(de::Unexpected::Unit, &"a task action name"))
    }
}
