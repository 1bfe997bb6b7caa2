//! The task status, with the empty status and unknown values kept as their own cases.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::scalar::{self, Scalar};

/// Where a task is in its lifecycle (spec §7.1).
///
/// Servers send the status as its upper-case name. The empty status (new-api before its
/// first poll, or null) is [`TaskStatus::Empty`] and means "pending"; a name mj does not
/// know is kept verbatim in [`TaskStatus::Other`] instead of failing the whole task.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskStatus {
    /// `""`, null or missing: the server has not reported a status yet.
    #[default]
    Empty,
    /// `NOT_START`: created, not yet sent to Discord.
    NotStart,
    /// `SUBMITTED`: sent, waiting in Discord's queue.
    Submitted,
    /// `MODAL`: waiting for input through `/mj/submit/modal`.
    Modal,
    /// `IN_PROGRESS`: running; `progress` and a preview `imageUrl` may be set.
    InProgress,
    /// `FAILURE`: finished without a result; see `failReason`.
    Failure,
    /// `SUCCESS`: finished with a result.
    Success,
    /// `CANCEL`: cancelled.
    Cancel,
    /// A status this version of mj does not know, kept as the server wrote it.
    Other(String),
}

impl TaskStatus {
    /// The wire name (`""` for [`TaskStatus::Empty`]).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Empty => "",
            Self::NotStart => "NOT_START",
            Self::Submitted => "SUBMITTED",
            Self::Modal => "MODAL",
            Self::InProgress => "IN_PROGRESS",
            Self::Failure => "FAILURE",
            Self::Success => "SUCCESS",
            Self::Cancel => "CANCEL",
            Self::Other(s) => s,
        }
    }

    /// Parses a wire name; unknown names become [`TaskStatus::Other`].
    pub fn from_name(name: &str) -> Self {
        match name {
            "" => Self::Empty,
            "NOT_START" => Self::NotStart,
            "SUBMITTED" => Self::Submitted,
            "MODAL" => Self::Modal,
            "IN_PROGRESS" => Self::InProgress,
            "FAILURE" => Self::Failure,
            "SUCCESS" => Self::Success,
            "CANCEL" => Self::Cancel,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Maps trueai's numeric enum values, seen when its string converter is off.
    fn from_number(n: i64) -> Self {
        match n {
            0 => Self::NotStart,
            1 => Self::Submitted,
            3 => Self::InProgress,
            4 => Self::Failure,
            5 => Self::Success,
            6 => Self::Modal,
            7 => Self::Cancel,
            other => Self::Other(other.to_string()),
        }
    }

    /// SUCCESS, FAILURE or CANCEL: the task will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Success | Self::Failure | Self::Cancel)
    }

    /// MODAL: the task waits for `/mj/submit/modal`.
    pub fn needs_input(&self) -> bool {
        matches!(self, Self::Modal)
    }

    /// `Other("")`: the server sent a status in a shape mj cannot read (an object, an
    /// array); the value itself is kept in the task's extra members, so serializing
    /// leaves this out and writes that back instead.
    pub(crate) fn is_unreadable(&self) -> bool {
        matches!(self, Self::Other(s) if s.is_empty())
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("(empty)"),
            other => f.write_str(other.as_str()),
        }
    }
}

impl Serialize for TaskStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TaskStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(scalar::read(d, StatusReader)?.unwrap_or(TaskStatus::Empty))
    }
}

struct StatusReader;

impl Scalar<'_> for StatusReader {
    type Value = TaskStatus;

    fn expecting(&self) -> &'static str {
        "a task status name or null"
    }
    fn text<E: de::Error>(self, v: &str) -> Result<Option<TaskStatus>, E> {
        Ok(Some(TaskStatus::from_name(v)))
    }
    fn unsigned<E: de::Error>(self, v: u64) -> Result<Option<TaskStatus>, E> {
        Ok(Some(i64::try_from(v).map_or_else(|_| TaskStatus::Other(v.to_string()), TaskStatus::from_number)))
    }
    fn signed<E: de::Error>(self, v: i64) -> Result<Option<TaskStatus>, E> {
        Ok(Some(TaskStatus::from_number(v)))
    }
}
