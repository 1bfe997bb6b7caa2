//! Small request-side enums and the trueai account filter.

use serde::Serialize;

/// Which Midjourney bot runs the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum BotType {
    /// Midjourney.
    MidJourney,
    /// Niji journey (anime styles).
    NijiJourney,
    /// InsightFace (face swap).
    InsightFace,
}

/// The aspect of a blend result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BlendDimensions {
    /// 2:3.
    Portrait,
    /// 1:1 (the servers' default).
    #[default]
    Square,
    /// 3:2.
    Landscape,
}

/// Midjourney's generation speed: a path prefix (`/mj-fast`) in [`crate::Config`] and a
/// value in [`AccountFilter::modes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SpeedMode {
    /// Relax mode (slow, cheap).
    Relax,
    /// Fast mode.
    Fast,
    /// Turbo mode.
    Turbo,
}

impl SpeedMode {
    /// The path segment that selects this mode (`mj-fast`, `mj-relax`, `mj-turbo`).
    pub fn path_segment(self) -> &'static str {
        match self {
            Self::Relax => "mj-relax",
            Self::Fast => "mj-fast",
            Self::Turbo => "mj-turbo",
        }
    }
}

impl std::str::FromStr for SpeedMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().trim_start_matches("mj-") {
            "relax" => Ok(Self::Relax),
            "fast" => Ok(Self::Fast),
            "turbo" => Ok(Self::Turbo),
            _ => Err(format!("unknown speed mode `{s}`: use fast, relax or turbo")),
        }
    }
}

/// trueai's account selector (`accountFilter`); gateways strip it unless enabled.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccountFilter {
    /// Run on this account instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// Accept only accounts with one of these speed modes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modes: Vec<SpeedMode>,
    /// Require remix on (Midjourney).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remix: Option<bool>,
    /// Require remix on (Niji).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub niji_remix: Option<bool>,
    /// Consider accounts that auto-submit remix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remix_auto_considered: Option<bool>,
    /// Accounts with this remark.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

impl AccountFilter {
    /// A filter that only admits accounts in one of `modes`.
    pub fn modes(modes: impl IntoIterator<Item = SpeedMode>) -> Self {
        Self { modes: modes.into_iter().collect(), ..Self::default() }
    }

    /// A filter that picks one account instance.
    pub fn instance(id: impl Into<String>) -> Self {
        Self { instance_id: Some(id.into()), ..Self::default() }
    }
}

/// How much a video moves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoMotion {
    /// Low motion (the servers' default).
    #[default]
    Low,
    /// High motion.
    High,
}
