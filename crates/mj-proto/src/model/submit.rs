//! The `{code, description, result, properties}` answer of every submit.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use super::quirk::{Quirk, read};
use super::raw::RawJson;
use super::scalar::{self, Scalar};
use super::task::Quirks;
use super::{Properties, TaskStatus};
use crate::model::lenient::{self, CowStr};
use crate::model::tolerant::{Member, Nested, OptText};

/// The `code` of a submit answer or MJ error envelope (spec §4.2). Unknown codes are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReturnCode {
    /// 1: accepted; `result` is the task id.
    Success,
    /// 3: no account instance, or the parent task is missing.
    NotFound,
    /// 4: the request was invalid (or a gateway's own check failed).
    ValidationError,
    /// 5: a gateway could not reach or read the upstream server.
    GatewayError,
    /// 9: system error; trueai also uses it for a full queue.
    Failure,
    /// 21: the task exists: modal-waiting (PLUS, trueai) or an earlier result (old novicezk).
    Existed,
    /// 22: accepted and queued; `properties.numberOfQueues` tasks are ahead.
    InQueue,
    /// 23: the queue is full.
    QueueRejected,
    /// 24: the prompt contains a banned word.
    BannedPrompt,
    /// 30: new-api's channel rate limit.
    RateLimited,
    /// Any other code, kept.
    Other(i64),
}

impl ReturnCode {
    /// True when a code 9 (`FAILURE`) description says to try again later (trueai's texts
    /// for a full queue and passing system errors).
    pub(crate) fn failure_says_try_later(description: &str) -> bool {
        const TRANSIENT: &[&str] = &["队列已满", "稍后重试", "系统异常", "未知错误"];
        TRANSIENT.iter().any(|t| description.contains(t))
    }

    /// True when a code 9 description from a server of unknown family may pass: it says to
    /// try later, or it is none of the texts known to be permanent (a missing private
    /// channel, a feature not enabled, a bad parameter, demo mode).
    pub(crate) fn failure_may_pass(description: &str) -> bool {
        const PERMANENT: &[&str] =
            &["请配置", "不支持", "未开启", "未启用", "禁止", "参数错误", "不能为空", "演示模式"];
        Self::failure_says_try_later(description) || !PERMANENT.iter().any(|t| description.contains(t))
    }

    /// The code as the servers write it (1, 21, 22, …).
    pub fn as_i64(self) -> i64 {
        match self {
            Self::Success => 1,
            Self::NotFound => 3,
            Self::ValidationError => 4,
            Self::GatewayError => 5,
            Self::Failure => 9,
            Self::Existed => 21,
            Self::InQueue => 22,
            Self::QueueRejected => 23,
            Self::BannedPrompt => 24,
            Self::RateLimited => 30,
            Self::Other(n) => n,
        }
    }

    /// The code for a number.
    pub fn from_i64(n: i64) -> Self {
        match n {
            1 => Self::Success,
            3 => Self::NotFound,
            4 => Self::ValidationError,
            5 => Self::GatewayError,
            9 => Self::Failure,
            21 => Self::Existed,
            22 => Self::InQueue,
            23 => Self::QueueRejected,
            24 => Self::BannedPrompt,
            30 => Self::RateLimited,
            n => Self::Other(n),
        }
    }

    /// Codes after which the server holds a task: 1, 21, 22.
    pub fn created_task(self) -> bool {
        matches!(self, Self::Success | Self::Existed | Self::InQueue)
    }

    /// Codes worth another try later: a full queue, a system error, a rate limit, a gateway
    /// that lost its upstream.
    pub fn is_transient(self) -> bool {
        matches!(self, Self::QueueRejected | Self::Failure | Self::RateLimited | Self::GatewayError)
    }
}

impl fmt::Display for ReturnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_i64())
    }
}

impl Serialize for ReturnCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.as_i64())
    }
}

impl<'de> Deserialize<'de> for ReturnCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::opt_int(d)?
            .map(ReturnCode::from_i64)
            .ok_or_else(|| de::Error::invalid_type(de::Unexpected::Unit, &"an integer code"))
    }
}

/// The `result` of a submit answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResultMember {
    /// A task id (or a seed), from a string or a bare number.
    Id(String),
    /// Image URLs (upload-discord-images).
    Urls(Vec<String>),
}

impl Serialize for ResultMember {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Id(id) => s.serialize_str(id),
            Self::Urls(urls) => urls.serialize(s),
        }
    }
}

fn opt_submit_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ResultMember>, D::Error> {
    scalar::read(d, ResultReader)
}

struct ResultReader;

impl<'de> Scalar<'de> for ResultReader {
    type Value = ResultMember;

    fn expecting(&self) -> &'static str {
        "a task id (string or number), an array of URLs, or null"
    }
    fn text<E: de::Error>(self, v: &str) -> Result<Option<ResultMember>, E> {
        Ok((!v.is_empty()).then(|| ResultMember::Id(v.to_owned())))
    }
    fn unsigned<E: de::Error>(self, v: u64) -> Result<Option<ResultMember>, E> {
        Ok(Some(ResultMember::Id(v.to_string())))
    }
    fn signed<E: de::Error>(self, v: i64) -> Result<Option<ResultMember>, E> {
        Ok(Some(ResultMember::Id(v.to_string())))
    }
    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<ResultMember>, A::Error> {
        let mut urls = Vec::new();
        while let Some(url) = seq.next_element::<Option<String>>()? {
            urls.extend(url.filter(|u| !u.is_empty()));
        }
        Ok(Some(ResultMember::Urls(urls)))
    }
}

/// A submit answer as sent (spec §4.1), before it is judged.
///
/// Decoding is total but for `code`, without which there is no answer: a `description`,
/// `result` or `properties` in a shape mj does not read is left unset and reported by
/// [`SubmitAnswer::quirks`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SubmitAnswer {
    /// What happened.
    pub code: ReturnCode,
    /// Human text, Chinese or English; do not match on it.
    pub description: String,
    /// The task id, a seed, or upload URLs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<ResultMember>,
    /// Extra keys (`numberOfQueues`, `bannedWord`, `discordInstanceId`, …).
    #[serde(skip_serializing_if = "Properties::is_empty")]
    pub properties: Properties,
    /// The members in a shape mj does not read.
    #[serde(skip)]
    pub(crate) quirks: Quirks,
}

impl<'de> Deserialize<'de> for SubmitAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(SubmitVisitor)
    }
}

struct SubmitVisitor;

impl<'de> Visitor<'de> for SubmitVisitor {
    type Value = SubmitAnswer;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a submit answer object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SubmitAnswer, A::Error> {
        let mut code = None;
        let mut out = SubmitAnswer {
            code: ReturnCode::Success,
            description: String::new(),
            result: None,
            properties: Properties::default(),
            quirks: Quirks::default(),
        };
        while let Some(CowStr(key)) = map.next_key()? {
            let q = &mut out.quirks.0;
            match &*key {
                "code" => {
                    if let Some(Code(c)) = read(&mut map, &key, q)? {
                        code = c;
                    }
                }
                "description" => {
                    if let Some(OptText(t)) = read(&mut map, &key, q)? {
                        out.description = t.unwrap_or_default();
                    }
                }
                "result" => {
                    if let Some(ReadResult(r)) = read(&mut map, &key, q)? {
                        out.result = r;
                    }
                }
                "properties" => match Properties::from_raw(map.next_value::<Option<RawJson<'de>>>()?) {
                    Ok(p) => out.properties = p,
                    Err(v) => q.push(Quirk::new(&*key, "an object or null", v)),
                },
                _ => lenient::skip_value(&mut map)?,
            }
        }
        out.code = code.ok_or_else(|| de::Error::missing_field("code"))?;
        Ok(out)
    }
}

impl SubmitAnswer {
    /// The members the server sent in a shape mj does not read, each with its value.
    pub fn quirks(&self) -> &[Quirk] {
        &self.quirks.0
    }
}

/// `code`, read tolerantly (odd: as if absent).
struct Code(Option<ReturnCode>);

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::opt_int(d).map(|c| Code(c.map(ReturnCode::from_i64)))
    }
}

impl Member<'_> for Code {
    const EXPECTED: &'static str = "an integer code";
}

/// `result`, read tolerantly.
struct ReadResult(Option<ResultMember>);

impl<'de> Deserialize<'de> for ReadResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        opt_submit_value(d).map(ReadResult)
    }
}

impl Member<'_> for ReadResult {
    const EXPECTED: &'static str = "a task id (string or number), an array of URLs, or null";
    const SEQS: Nested = Nested::Buffered;
}

impl SubmitAnswer {
    /// The id in `result`, when it is one.
    pub fn id(&self) -> Option<&str> {
        match &self.result {
            Some(ResultMember::Id(id)) => Some(id),
            _ => None,
        }
    }
}

/// How a server took a submitted task.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubmitOutcome {
    /// Code 1: accepted. Behind new-api this also covers upstream 21 and 22, so watch the
    /// task's status for MODAL.
    Accepted,
    /// Code 22: accepted and queued behind `ahead` tasks (when the server says).
    Queued {
        /// Tasks ahead in the queue.
        ahead: Option<u32>,
    },
    /// Code 21: the task exists. On PLUS and trueai it waits in MODAL for
    /// `/mj/submit/modal`; old novicezk meant an earlier identical result. A code-1 answer
    /// that shows a modal (new-api's rewrite of 21) is this too, with status MODAL.
    Existing {
        /// `properties.status` (old novicezk).
        status: Option<TaskStatus>,
        /// `properties.imageUrl` (old novicezk).
        image_url: Option<String>,
    },
    /// The answer was lost (timeout, dropped connection, 5xx); the task was found by its
    /// correlation token and adopted instead of being submitted again.
    Recovered,
}

/// An accepted submit: the new (or existing) task and how the server took it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Submitted {
    /// The task to fetch or wait for (the first, when the server made several).
    pub task_id: String,
    /// Every task the submit made, in the server's order: one, or several when trueai's
    /// "Imagine all" answers comma-joined ids. Wait for all of them with `watch`.
    pub task_ids: Vec<String>,
    /// Accepted, queued, or existing.
    pub outcome: SubmitOutcome,
    /// The answer as sent, for what the judged fields leave out.
    pub raw: SubmitAnswer,
    /// The name of the server that took the submit, when the client has several (set by
    /// the client; see [`Submitted::handle`]).
    pub server: Option<String>,
}

impl Submitted {
    /// How the client names the new task: its id, and its server when the client has
    /// several. Pass it (or `&submitted`) to wait or fetch.
    pub fn handle(&self) -> super::TaskHandle {
        super::TaskHandle { server: self.server.clone(), id: self.task_id.clone() }
    }

    /// True when the task waits for modal input (code 21).
    pub fn may_need_input(&self) -> bool {
        matches!(self.outcome, SubmitOutcome::Existing { .. })
    }
}

/// `{"kind": "accepted"}`, `{"kind": "queued", "ahead": 2}`,
/// `{"kind": "existing", "status": …, "imageUrl": …}`, `{"kind": "recovered"}`.
impl Serialize for SubmitOutcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Accepted | Self::Recovered => {
                let mut st = s.serialize_struct("SubmitOutcome", 1)?;
                st.serialize_field("kind", if *self == Self::Accepted { "accepted" } else { "recovered" })?;
                st.end()
            }
            Self::Queued { ahead } => {
                let mut st = s.serialize_struct("SubmitOutcome", 2)?;
                st.serialize_field("kind", "queued")?;
                st.serialize_field("ahead", ahead)?;
                st.end()
            }
            Self::Existing { status, image_url } => {
                let mut st = s.serialize_struct("SubmitOutcome", 3)?;
                st.serialize_field("kind", "existing")?;
                st.serialize_field("status", status)?;
                st.serialize_field("imageUrl", image_url)?;
                st.end()
            }
        }
    }
}

/// The server's `{code, description, result, properties}` shape, with the outcome mj
/// decided beside it (`"outcome": {"kind": "queued", "ahead": 2}`).
impl Serialize for Submitted {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("SubmitAnswer", 5)?;
        st.serialize_field("code", &self.raw.code)?;
        st.serialize_field("description", &self.raw.description)?;
        if self.task_ids.len() > 1 {
            st.serialize_field("result", &self.task_ids)?;
        } else {
            st.serialize_field("result", &self.task_id)?;
        }
        st.serialize_field("properties", &self.raw.properties)?;
        st.serialize_field("outcome", &self.outcome)?;
        st.end()
    }
}
